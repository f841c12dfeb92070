//! Process locks beside the database: an OS file lock (`flock`), so a crashed process never
//! leaves one stuck.

use crate::config::ConfigError;
use std::fs::File;
use std::path::Path;

/// Holds the lock until dropped.
pub struct Held(#[allow(dead_code)] File);

fn path_for(db: &Path, name: &str) -> std::path::PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(format!(".{name}.lock"));
    p.into()
}

/// The lock file of `name` for the database at `db`, created if missing.
fn open(db: &Path, name: &str) -> anyhow::Result<(File, std::path::PathBuf)> {
    let path = path_for(db, name);
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
