//! The test harness: a loopback HTTP server that serves recorded fixtures (and scripted
//! faults), and an `App` that writes a config for it and runs the real binary.

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use modelbrief_store::Store;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The project's recorded fixtures.
/// A fresh folder holding what `modelbrief demo` leaves: the bundled weeks ingested, the
/// W28 edition sent to the outbox, and a config pointing at them.
pub fn demo_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_modelbrief"))
        .args(["demo", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    dir
}

pub fn fixture(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("fixture {}: {e}", p.display()))
}

/// How the server answers one path.
#[derive(Clone)]
pub enum Reply {
    /// 200 with the body and a strong ETag; 304 when `If-None-Match` matches.
    Body(Vec<u8>),
    /// 200 with the body and no validators.
    Plain(Vec<u8>),
    Status(u16),
    /// `n` answers of `status` (with an optional Retry-After), then `then`.
    FailFirst {
        n: usize,
        status: u16,
        retry_after: Option<u64>,
        then: Box<Reply>,
    },
    /// Wait before answering.
    Slow(Duration, Box<Reply>),
    /// 401 unless the request carries header `.0` with value `.1`; then `.2`.
    NeedsHeader(&'static str, String, Box<Reply>),
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Reply>,
    hits: HashMap<String, usize>,
    not_modified: HashMap<String, usize>,
}

/// A fixture server on 127.0.0.1, port 0.
#[derive(Clone)]
pub struct FixtureServer {
    pub base: String,
    state: Arc<Mutex<State>>,
}

fn etag_of(body: &[u8]) -> String {
    use sha2::Digest;
    format!("\"{}\"", hex::encode(&sha2::Sha256::digest(body)[..8]))
}

impl FixtureServer {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let state = shared.clone();
            // A route set with its query (`/rows?offset=100`) answers that query only; others
            // answer their path whatever the query.
            let path = {
                let with_query = req.uri().path_and_query().map(|p| p.as_str().to_owned());
                let s = state.lock().unwrap();
                match with_query {
                    Some(q) if s.routes.contains_key(&q) => q,
                    _ => req.uri().path().to_owned(),
                }
            };
            async move { answer(state, path, req.headers().clone()).await }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base: format!("http://{addr}"),
            state,
        }
    }

    pub fn set(&self, path: &str, reply: Reply) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.to_owned(), reply);
    }

    pub fn hits(&self, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .hits
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub fn not_modified(&self, path: &str) -> usize {
        self.state
            .lock()
            .unwrap()
            .not_modified
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn answer(state: Arc<Mutex<State>>, path: String, headers: HeaderMap) -> Response<Body> {
    let reply = {
        let mut s = state.lock().unwrap();
        *s.hits.entry(path.clone()).or_default() += 1;
        s.routes.get(&path).cloned()
    };
    let Some(mut reply) = reply else {
        return status(404);
    };
    loop {
        match reply {
            Reply::Slow(d, then) => {
                tokio::time::sleep(d).await;
                reply = *then;
            }
            Reply::FailFirst {
                n,
                status: code,
                retry_after,
                then,
            } => {
                let seen = state.lock().unwrap().hits[&path];
                if seen <= n {
                    let mut r = status(code);
                    if let Some(secs) = retry_after {
                        r.headers_mut()
                            .insert("retry-after", secs.to_string().parse().unwrap());
                    }
                    return r;
                }
                reply = *then;
            }
            Reply::NeedsHeader(name, value, then) => {
                if headers.get(name).and_then(|v| v.to_str().ok()) != Some(value.as_str()) {
                    return status(401);
                }
                reply = *then;
            }
            Reply::Status(code) => return status(code),
            Reply::Plain(body) => return Response::new(Body::from(body)),
            Reply::Body(body) => {
                let tag = etag_of(&body);
                if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(tag.as_str())
                {
                    *state.lock().unwrap().not_modified.entry(path).or_default() += 1;
                    let mut r = status(304);
                    r.headers_mut().insert("etag", tag.parse().unwrap());
                    return r;
                }
                let mut r = Response::new(Body::from(body));
                r.headers_mut().insert("etag", tag.parse().unwrap());
                return r;
            }
        }
    }
}

fn status(code: u16) -> Response<Body> {
    let mut r = Response::new(Body::from(format!("status {code}")));
    *r.status_mut() = StatusCode::from_u16(code).unwrap();
    r
}

/// One source in a test config.
pub struct Src<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub url: String,
    pub extra: String,
}

impl<'a> Src<'a> {
    pub fn new(name: &'a str, kind: &'a str, url: String) -> Self {
        Self {
            name,
            kind,
            url,
            extra: String::new(),
        }
    }
}

/// A temp folder with a config and database, and the real binary to run against them.
pub struct App {
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl App {
    pub fn new(sources: &[Src<'_>]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = format!(
            "[database]\npath = \"{}\"\n\n[fetch]\nconnect_timeout = \"1s\"\ntimeout = \"2s\"\nretries = 2\n\
             backoff_base = \"10ms\"\nbackoff_max = \"2s\"\nmax_bytes = 4000000\n\n",
            dir.path().join("data/modelbrief.db").display()
        );
        for s in sources {
            cfg.push_str(&format!(
                "[[sources]]\nname = \"{}\"\nkind = \"{}\"\nurl = \"{}\"\n{}\n",
                s.name, s.kind, s.url, s.extra
            ));
        }
        std::fs::write(dir.path().join("modelbrief.toml"), cfg).unwrap();
        Self {
            dir,
            env: Vec::new(),
        }
    }

    /// Sets an environment variable for every run (e.g. a `MODELBRIEF__…` override).
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Appends TOML to the config file (sections beyond the sources).
    pub fn append_config(&self, text: &str) {
        let mut cfg = std::fs::read_to_string(self.config()).unwrap();
        cfg.push_str(text);
        std::fs::write(self.config(), cfg).unwrap();
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("modelbrief.toml")
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("data/modelbrief.db")
    }

    /// Runs `modelbrief --config <this> --now <now> <args>` to completion, off the runtime.
    pub async fn run(&self, now: &str, args: &[&str]) -> Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_modelbrief"));
        cmd.arg("--config")
            .arg(self.config())
            .arg("--now")
            .arg(now)
            .args(args);
        cmd.env_remove("RUST_LOG");
        cmd.envs(self.env.iter().cloned());
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }

    /// [`App::run`], and what it printed on standard output.
    pub async fn stdout(&self, now: &str, args: &[&str]) -> String {
        String::from_utf8(self.run(now, args).await.stdout).unwrap()
    }

    /// `brief --week WEEK --format json` at `now`, parsed.
    pub async fn brief_json(&self, now: &str, week: &str) -> serde_json::Value {
        let out = self
            .run(now, &["brief", "--week", week, "--format", "json"])
            .await;
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "brief --format json: {e}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    /// The snapshot the last healthy pull of `source` vouches for.
    pub async fn latest(&self, source: &str) -> modelbrief_store::SnapshotRef {
        self.store()
            .await
            .latest_healthy(source, None)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{source} has no healthy pull"))
    }

    /// Starts `modelbrief --config <this> --now <now> <args>` without waiting for it.
    pub fn spawn(&self, now: &str, args: &[&str]) -> std::process::Child {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_modelbrief"));
        cmd.arg("--config")
            .arg(self.config())
            .arg("--now")
            .arg(now)
            .args(args);
        cmd.env_remove("RUST_LOG").envs(self.env.iter().cloned());
        let log = std::fs::File::create(self.dir.path().join("spawned.log")).unwrap();
        cmd.stdout(std::process::Stdio::piped()).stderr(log);
        cmd.spawn().unwrap()
    }

    /// What spawned processes wrote to stderr.
    pub fn spawned_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("spawned.log")).unwrap_or_default()
    }

    /// Runs the binary with exactly these arguments.
    pub async fn run_raw(&self, args: &[&str]) -> Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_modelbrief"));
        cmd.args(args)
            .env_remove("RUST_LOG")
            .envs(self.env.iter().cloned());
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }

    /// Runs `ingest --format json` and returns the exit code and the per-source reports.
    pub async fn ingest(&self, now: &str) -> (i32, Vec<serde_json::Value>) {
        let out = self.run(now, &["ingest", "--format", "json"]).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let reports: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "ingest printed no JSON ({e}); stdout: {stdout}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap(), reports)
    }

    pub async fn store(&self) -> Store {
        Store::open(&self.db()).await.unwrap()
    }
}

/// The report of one source from an ingest run.
pub fn report<'a>(reports: &'a [serde_json::Value], source: &str) -> &'a serde_json::Value {
    reports
        .iter()
        .find(|r| r["source"] == source)
        .unwrap_or_else(|| panic!("no report for {source}: {reports:?}"))
}
