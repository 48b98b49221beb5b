//! A throwaway PostgreSQL cluster for tests and benches: `initdb` in a
//! temporary folder (as the `postgres` account when running as root, since
//! initdb refuses root), the server on a Unix socket in that folder, stopped
//! when dropped. Included with `#[path]` by `tests/postgres.rs` and
//! `benches/postgres.rs`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::common::Limited;

/// A PostgreSQL program: on PATH, else Debian's folder for version 15.
fn program(name: &str) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    });
    on_path.or_else(|| {
        let f = Path::new("/usr/lib/postgresql/15/bin").join(name);
        f.is_file().then_some(f)
    })
}

fn is_root() -> bool {
    // SAFETY: geteuid has no arguments and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// A command run as the `postgres` account when we are root.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// A throwaway cluster with one database, `soudan`.
pub struct Cluster {
    root: tempfile::TempDir,
    pg_ctl: PathBuf,
}

impl Cluster {
    /// Starts one, or says why it cannot (and fails under CI).
    pub fn start() -> Option<Cluster> {
        let (Some(initdb), Some(pg_ctl)) = (program("initdb"), program("pg_ctl")) else {
            let why = "PostgreSQL is not installed (initdb, pg_ctl)";
            crate::common::not_run(
                &format!("{why}: the PostgreSQL store is NOT tested"),
                "apt-get install -y postgresql",
            );
            return None;
        };
        let root = tempfile::tempdir().unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let data = root.path().join("data");
        let o = as_postgres(&initdb)
            .arg("-D")
            .arg(&data)
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .output_limited()
            .unwrap();
        assert!(
            o.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let c = Cluster { root, pg_ctl };
        c.run_server();
        let mut admin = c.client("postgres");
        admin.batch_execute("CREATE DATABASE soudan").unwrap();
        Some(c)
    }

    /// Starts the server on the cluster (again).
    pub fn run_server(&self) {
        self.run_server_with("");
    }

    /// The cluster's folder (for files the server is to read).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// Starts the server with more settings (`-c name=value ...`; a later
    /// `port` also renames its socket).
    pub fn run_server_with(&self, extra: &str) {
        let c = self;
        let data = c.root.path().join("data");
        let o = as_postgres(&c.pg_ctl)
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(c.root.path().join("log"))
            .arg("-o")
            .arg(format!(
                "-k {} -c listen_addresses='' -p 5432 {extra}",
                c.root.path().display()
            ))
            .args(["-w", "start"])
            .stdout(Stdio::null())
            .output_limited()
            .unwrap();
        assert!(
            o.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&o.stderr),
            std::fs::read_to_string(c.root.path().join("log")).unwrap_or_default()
        );
    }

    /// Stops the server at once, as a power cut would (no checkpoint).
    pub fn crash(&self) {
        let o = as_postgres(&self.pg_ctl)
            .arg("-D")
            .arg(self.root.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .output_limited()
            .unwrap();
        assert!(
            o.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    pub fn socket_dir(&self) -> String {
        self.root.path().display().to_string()
    }

    /// The URL soudan is given.
    pub fn url(&self) -> String {
        format!("postgresql://postgres@/soudan?host={}", self.socket_dir())
    }

    pub fn client(&self, db: &str) -> postgres::Client {
        postgres::Client::connect(
            &format!("host={} user=postgres dbname={db}", self.socket_dir()),
            postgres::NoTls,
        )
        .unwrap()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_postgres(&self.pg_ctl)
            .arg("-D")
            .arg(self.root.path().join("data"))
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status_limited();
    }
}

thread_local! {
    /// The PostgreSQL database this test's servers and commands keep their
    /// records in (the `_on_postgresql` variants of a suite); none: the
    /// embedded one.
    static STORE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The store URL of this test, if it runs on PostgreSQL.
pub fn store_url() -> Option<String> {
    STORE.with(|s| s.borrow().clone())
}

/// Gives a `soudan` command this test's store.
pub fn with_store(c: &mut Command) -> &mut Command {
    match store_url() {
        Some(url) => c.env("SOUDAN_STORE", url),
        None => c.env_remove("SOUDAN_STORE"),
    }
}

/// Runs a test of a suite again with every server and command on one
/// PostgreSQL database of a throwaway cluster (not run, loudly, where
/// PostgreSQL is missing; a failure under CI).
pub fn on_postgresql(test: fn()) {
    let Some(cluster) = Cluster::start() else {
        return;
    };
    STORE.with(|s| *s.borrow_mut() = Some(cluster.url()));
    test();
    STORE.with(|s| *s.borrow_mut() = None);
    drop(cluster);
}
