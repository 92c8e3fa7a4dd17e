//! The test harness: an isolated environment per test, the real binary, and
//! catalog pages served from 127.0.0.1.

use std::fmt;
use std::path::{Path, PathBuf};

use wiremock::{Request, ResponseTemplate};

/// A tool a test needs is missing (a database engine, maturin): a note, and the test passes;
/// under `CI=true`, a failure, since `.ci/run` installs every one of them.
pub fn missing(what: &str) {
    let hint = "run .ci/run once to install it";
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{what} is missing ({hint})");
    }
    eprintln!("skipped: {what} is missing ({hint})");
}

/// The Python of the venv `.ci/run` makes (`.ci/venv`), when it can import `modules`
/// (`"mcp"`, `"duckdb"`, `"maturin"`); else [`missing`] has its say and there is none.
pub fn venv_python(modules: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/python");
    let probe = std::process::Command::new(&path).args(["-c", &format!("import {modules}")]).output();
    if probe.is_ok_and(|o| o.status.success()) {
        Some(path)
    } else {
        missing(&format!("Python with {modules} in .ci/venv"));
        None
    }
}

/// A file of this checkout (`Cargo.toml`, `.github/workflows/release.yml`), as text.
pub fn checkout_file(path: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// A temp dir holding the catalog and `HOME`; the binary sees nothing else of
/// the environment.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env { dir: tempfile::tempdir().unwrap() }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("catalog.db")
    }

    pub fn cmd(&self, args: &[&str]) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.std_cmd(args))
    }

    /// The same command as a `std::process::Command`, for tests that manage
    /// the child's pipes themselves.
    pub fn std_cmd(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cometcat"));
        cmd.env_clear()
            .env("HOME", self.dir.path())
            .env("COMETCAT_DB", self.db())
            .env("NO_COLOR", "1")
            .env("COMETCAT_NO_PROGRESS", "1")
            .env("COMETCAT_BACKOFF_MS", "1")
            .current_dir(self.dir.path())
            .args(args);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd(args).output().unwrap())
    }

    pub fn run_stdin(&self, args: &[&str], input: Vec<u8>) -> Run {
        Run::from(self.cmd(args).write_stdin(input).output().unwrap())
    }

    /// Imports a fixture as a new snapshot; the test fails if that fails.
    pub fn import(&self, name: &str) -> &Env {
        let path = fixture(name);
        self.run(&["sync", "--from", path.to_str().unwrap()]).success();
        self
    }

    /// A query's CSV output, without its header line.
    pub fn sql(&self, query: &str) -> String {
        let out = self.run(&["sql", "--format", "csv", query]).success().stdout.clone();
        out.split_once('\n').map(|(_, rows)| rows.to_owned()).unwrap_or_default()
    }
}

/// What one run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Run {
    fn from(o: std::process::Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8(o.stdout).unwrap(),
            stderr: String::from_utf8(o.stderr).unwrap(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn success(&self) -> &Run {
        assert_eq!(self.code, 0, "the command failed:\n{self}");
        self
    }

    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{self}"))
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exit: {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// Snapshot settings: temp paths, times, durations and ports made stable.
pub fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(&regex_escape(env!("CARGO_MANIFEST_DIR")), "[REPO]");
    let tmp = std::env::temp_dir();
    s.add_filter(&format!(r"{}/\.tmp[A-Za-z0-9]+", regex_escape(tmp.to_str().unwrap().trim_end_matches('/'))), "[TMP]");
    s.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]");
    s.add_filter(r"in \d+\.\d+s", "in [SECS]s");
    s.add_filter(r#""seconds": \d+(\.\d+)?"#, r#""seconds": [SECS]"#);
    s.add_filter(r"127\.0\.0\.1:\d+", "[SERVER]");
    s
}

fn regex_escape(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '/' { c.to_string() } else { format!("\\{c}") }).collect()
}

/// Snapshots a [`Run`] (exit code, stdout and stderr together).
#[macro_export]
macro_rules! snap {
    ($run:expr) => {
        $crate::common::settings().bind(|| insta::assert_snapshot!($run.to_string()))
    };
    ($name:expr, $run:expr) => {
        $crate::common::settings().bind(|| insta::assert_snapshot!($name, $run.to_string()))
    };
}

/// The records of a fixture envelope, exactly as written (one per line).
pub fn records(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    text.lines()
        .filter(|l| l.starts_with("{\"created\"") || l.starts_with("{\"id\""))
        .map(|l| l.trim_end_matches(',').to_owned())
        .collect()
}

/// An `/api/models` page answer.
pub fn page(records: &[String], page: u64, page_size: u64, total: usize) -> String {
    format!(
        "{{\"success\": true, \"page\": {page}, \"page_size\": {page_size}, \"total\": {total}, \"data\": [{}]}}",
        records.join(",\n")
    )
}

pub fn json(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, "application/json")
}

/// The value of a numeric query parameter.
pub fn param(req: &Request, name: &str) -> Option<u64> {
    req.url.query_pairs().find(|(k, _)| k == name).and_then(|(_, v)| v.parse().ok())
}

/// A server that pages `records` as asked, answering with at most `clamp` per page.
pub fn pager(records: Vec<String>, clamp: u64) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    pager_by("page", records, clamp)
}

/// A server that reads the page number from the query parameter `name` only
/// (`p` in the one-api/new-api family, `page` elsewhere).
pub fn pager_by(
    name: &'static str,
    records: Vec<String>,
    clamp: u64,
) -> impl Fn(&Request) -> ResponseTemplate + Send + Sync {
    move |req| {
        let n = param(req, name).unwrap_or(1);
        let size = param(req, "page_size").unwrap_or(20).min(clamp);
        let start = ((n - 1) * size) as usize;
        let slice = records.get(start.min(records.len())..(start + size as usize).min(records.len())).unwrap();
        json(page(slice, n, size, records.len()))
    }
}
