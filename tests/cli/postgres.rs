//! A throwaway PostgreSQL server for one test: a fresh cluster in a temp
//! folder, listening on a Unix socket there only (no TCP port), stopped and
//! removed when dropped. Made with Debian's server binaries
//! (`/usr/lib/postgresql/N/bin`); as root, through the `postgres` user,
//! since `initdb` refuses to run as root.

use std::path::PathBuf;
use std::process::{Command, Output};

pub struct Server {
    dir: tempfile::TempDir,
    bin: PathBuf,
    as_root: bool,
}

impl Server {
    /// A running server, or `None` when PostgreSQL's binaries are not installed.
    pub fn start() -> Option<Server> {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|e| Some(e.ok()?.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
            .collect();
        versions.sort_by_key(|b| b.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()));
        let bin = versions.pop()?;
        Command::new("psql").arg("--version").output().ok()?;
        // SAFETY: geteuid has no preconditions.
        let as_root = unsafe { libc::geteuid() } == 0;
        let server = Server { dir: tempfile::Builder::new().prefix("pgtest").tempdir().unwrap(), bin, as_root };
        if as_root {
            server.check(Command::new("chown").args(["postgres:", server.path()]).output());
        }
        let data = format!("{}/data", server.path());
        let init = ["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"];
        server.check(server.tool("initdb", &init));
        let options = format!("-k {} -c listen_addresses='' -c fsync=off", server.path());
        let log = format!("{}/log", server.path());
        server.check(server.tool("pg_ctl", &["-D", &data, "-l", &log, "-w", "-o", &options, "start"]));
        Some(server)
    }

    fn path(&self) -> &str {
        self.dir.path().to_str().unwrap()
    }

    /// Runs one of the server's tools, as `postgres` when we are root.
    fn tool(&self, name: &str, args: &[&str]) -> std::io::Result<Output> {
        let program = self.bin.join(name);
        if self.as_root {
            Command::new("runuser").args(["-u", "postgres", "--"]).arg(program).args(args).output()
        } else {
            Command::new(program).args(args).output()
        }
    }

    #[track_caller]
    fn check(&self, output: std::io::Result<Output>) {
        let output = output.unwrap();
        let log = std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default();
        assert!(
            output.status.success(),
            "{}{}{log}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// What `psql` needs to reach the server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![("PGHOST", self.path().to_owned()), ("PGUSER", "postgres".into()), ("PGDATABASE", "postgres".into())]
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let data = format!("{}/data", self.path());
        let _ = self.tool("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
    }
}
