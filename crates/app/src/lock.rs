//! Process locks beside the database: an OS file lock (`flock`), so a crashed process never
//! leaves one stuck. The lock file is named from the database's canonical path (symlinks and
//! `..` resolved), so two processes reaching one database by different paths share its lock;
//! the folder is created first, so a lock can be taken on a fresh machine.

use crate::config::ConfigError;
use std::fs::File;
use std::path::Path;

/// Holds the lock until dropped.
pub struct Held(#[allow(dead_code)] File);

/// `<canonical database path>.<name>.lock`.
fn path_for(db: &Path, name: &str) -> anyhow::Result<std::path::PathBuf> {
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| {
        ConfigError(format!(
            "cannot create the database folder {}: {e}",
            dir.display()
        ))
    })?;
    let dir = dir.canonicalize().map_err(|e| {
        ConfigError(format!(
            "cannot resolve the database folder {}: {e}",
            dir.display()
        ))
    })?;
    let file = db.file_name().unwrap_or_default();
    // The database file itself may be a symlink too.
    let db = dir.join(file);
    let db = db.canonicalize().unwrap_or(db);
    let mut p = db.into_os_string();
    p.push(format!(".{name}.lock"));
    Ok(p.into())
}

/// The lock file of `name` for the database at `db`, created if missing.
fn open(db: &Path, name: &str) -> anyhow::Result<(File, std::path::PathBuf)> {
    let path = path_for(db, name)?;
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| ConfigError(format!("cannot open the lock file {}: {e}", path.display())))?;
    Ok((file, path))
}

/// Waits for the exclusive `name` lock of the database at `db`.
pub fn exclusive(db: &Path, name: &str) -> anyhow::Result<Held> {
    let (file, path) = open(db, name)?;
    file.lock()
        .map_err(|e| ConfigError(format!("cannot lock {}: {e}", path.display())))?;
    Ok(Held(file))
}

/// Takes the exclusive `name` lock, or returns `None` at once if another process holds it.
pub fn try_exclusive(db: &Path, name: &str) -> anyhow::Result<Option<Held>> {
    let (file, path) = open(db, name)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(Held(file))),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(ConfigError(format!("cannot lock {}: {e}", path.display())).into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_can_be_taken_where_the_database_folder_does_not_exist_yet() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("new/folder/modelbrief.db");
        let held = try_exclusive(&db, "scheduler").unwrap();
        assert!(held.is_some());
        assert!(dir.path().join("new/folder").is_dir());
    }

    #[cfg(unix)]
    #[test]
    fn one_database_reached_through_a_symlink_has_one_lock() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        let first = try_exclusive(&dir.path().join("real/m.db"), "scheduler").unwrap();
        assert!(first.is_some());
        let second = try_exclusive(&dir.path().join("link/m.db"), "scheduler").unwrap();
        assert!(second.is_none(), "the same database, the same lock");
        let third = try_exclusive(&dir.path().join("real/../link/m.db"), "scheduler").unwrap();
        assert!(third.is_none());
    }
}
