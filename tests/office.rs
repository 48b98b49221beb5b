//! One office, many terminals: who acts is the operating system's account,
//! never what the environment says; and the front ends stand on the desk,
//! never on each other.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::Limited;

const NOW: &str = "2026-12-01T09:00";

fn soudan(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_soudan"));
    c.env_remove("SOUDAN_CONFIG")
        .env("SOUDAN_LANG", "en")
        .env("SOUDAN_DATA_DIR", dir)
        .env("SOUDAN_NOW", NOW);
    c
}

fn book(mut c: Command, seeker: &str, time: &str) -> Output {
    c.args([
        "book",
        "--date",
        "2026-12-10",
        "--time",
        time,
        "--booth",
        "1",
        "--seeker",
        seeker,
        "--name",
        "試験 太郎",
        "--email",
        "t@example.jp",
        "--consent",
        "--checklist",
    ])
    .output_limited()
    .unwrap()
}

/// The audit trail's users, in order.
fn audit_users(dir: &Path) -> Vec<String> {
    let o = soudan(dir).arg("audit").output_limited().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["user"].as_str().unwrap_or_default().to_string()
        })
        .collect()
}

/// The account name of the real user id, as `id -un` says it.
fn me() -> String {
    let o = Command::new("id").arg("-un").output_limited().unwrap();
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

#[test]
fn the_audit_trail_names_the_account_not_what_the_environment_says() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let mut c = soudan(&dir);
    c.env("USER", "mallory")
        .env("LOGNAME", "mallory")
        .env("SOUDAN_USER", "mallory");
    let o = book(c, "46010-1", "10:00");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut c = soudan(&dir);
    c.env_remove("USER")
        .env_remove("LOGNAME")
        .env_remove("SOUDAN_USER");
    let o = book(c, "46010-2", "10:30");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let users = audit_users(&dir);
    assert_eq!(users.len(), 2, "{users:?}");
    let me = me();
    assert!(!me.is_empty());
    assert!(
        users.iter().all(|u| *u == me),
        "the audit trail says {users:?}, the account is {me}"
    );
}

/// Run as another account (`nobody`, when the tests run as root): the
/// audit trail names that account.
#[test]
fn another_account_is_named_as_itself() {
    if unsafe { libc::geteuid() } != 0 {
        let why = "running as another account needs root";
        common::not_run(why, "sudo -E cargo test");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    std::fs::create_dir(&dir).unwrap();
    let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::chown(c.as_ptr(), 65534, 65534) }, 0);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = soudan(&dir);
    cmd.env("USER", "root").env("SOUDAN_USER", "root");
    unsafe {
        use std::os::unix::process::CommandExt;
        cmd.pre_exec(|| {
            if libc::setgroups(0, std::ptr::null()) != 0
                || libc::setgid(65534) != 0
                || libc::setuid(65534) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = book(cmd, "46010-3", "11:00");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Read back as root (who may read nobody's folder).
    let users = audit_users(&dir);
    assert_eq!(users, ["nobody"]);
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The layers of `docs/architecture.md`: the domain knows nothing else, the
/// store and the desk know no front end, and neither front end (`cli`,
/// `tui`) uses the other. Checked on the source, so a new import that
/// breaks it fails here.
#[test]
fn no_front_end_imports_another_and_the_desk_imports_none() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rules: [(&str, &[&str]); 5] = [
        (
            "domain",
            &["crate::cli", "crate::tui", "crate::desk", "crate::store"],
        ),
        ("store", &["crate::cli", "crate::tui", "crate::desk"]),
        ("desk", &["crate::cli", "crate::tui"]),
        ("tui", &["crate::cli"]),
        ("cli", &["crate::tui"]),
    ];
    let mut checked = 0;
    for (layer, forbidden) in rules {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no source in src/{layer}");
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for bad in forbidden {
                    assert!(
                        !code.contains(bad),
                        "{}:{}: src/{layer} uses {bad}: {line}",
                        f.display(),
                        n + 1
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked} files");
}
