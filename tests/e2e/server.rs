//! `modelbrief serve` as a real process on a free loopback port.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub struct Served {
    pub base: String,
    child: Child,
}

/// A free port on 127.0.0.1 (bound, then released for the server to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Served {
    /// Starts `serve` with `config`, the given extra environment, and waits until it listens.
    pub fn start(config: &std::path::Path, now: Option<&str>, env: &[(String, String)]) -> Self {
        Self::start_with_open_files(config, now, env, None)
    }

    /// [`Served::start`] under `ulimit -n open_files` (a systemd unit's `LimitNOFILE`).
    pub fn start_with_open_files(
        config: &std::path::Path,
        now: Option<&str>,
        env: &[(String, String)],
        open_files: Option<u64>,
    ) -> Self {
        let mut cmd = match open_files {
            Some(n) => {
                let mut c = Command::new("sh");
                c.arg("-c")
                    .arg(format!("ulimit -n {n} && exec \"$0\" \"$@\""))
                    .arg(env!("CARGO_BIN_EXE_modelbrief"));
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_modelbrief")),
        };
        cmd.arg("--config").arg(config);
        if let Some(now) = now {
            cmd.arg("--now").arg(now);
        }
        let log = std::fs::File::create(config.with_file_name("serve.log")).unwrap();
        cmd.arg("serve")
            .envs(env.iter().cloned())
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(log);
        let mut child = cmd.spawn().unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("serve said {line:?}"))
            .to_owned();
        Self { base, child }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
