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

/// The modules of the crate a file's source refers to: every path in it
/// (in `use` trees, types, expressions, patterns, macros' paths) that
/// starts at `crate`, `super` or `self`, resolved against the file's own
/// module (and any inline `mod` it is in) to the crate's top-level module
/// it reaches. Read with `syn`, so `use crate::{cli, …}` and
/// `super::super::cli` count as `cli` just as `crate::cli::x` does.
fn crate_modules_used(file: &Path, module: &[String]) -> Vec<(String, String)> {
    use syn::visit::Visit;

    struct Uses<'a> {
        at: Vec<String>,
        out: Vec<(String, String)>,
        file_module: &'a [String],
    }

    impl Uses<'_> {
        /// The crate module `segments` reaches from here, if it starts at
        /// the crate root, `super` or `self`.
        fn resolve(&mut self, segments: &[String]) {
            let mut at = self.at.clone();
            let mut rest = segments;
            match rest.first().map(String::as_str) {
                Some("crate") => {
                    at.clear();
                    rest = &rest[1..];
                }
                Some("super") | Some("self") => {
                    while let Some(first) = rest.first() {
                        match first.as_str() {
                            "super" => {
                                at.pop();
                            }
                            "self" => {}
                            _ => break,
                        }
                        rest = &rest[1..];
                    }
                }
                _ => return,
            }
            let top = at.first().or(rest.first());
            if let Some(top) = top {
                self.out.push((top.clone(), segments.join("::")));
            }
        }

        fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
            match tree {
                syn::UseTree::Path(p) => {
                    prefix.push(p.ident.to_string());
                    self.use_tree(prefix, &p.tree);
                    prefix.pop();
                }
                syn::UseTree::Name(n) => {
                    prefix.push(n.ident.to_string());
                    let full = prefix.clone();
                    self.resolve(&full);
                    prefix.pop();
                }
                syn::UseTree::Rename(r) => {
                    prefix.push(r.ident.to_string());
                    let full = prefix.clone();
                    self.resolve(&full);
                    prefix.pop();
                }
                syn::UseTree::Glob(_) => {
                    let full = prefix.clone();
                    self.resolve(&full);
                }
                syn::UseTree::Group(g) => {
                    for t in &g.items {
                        self.use_tree(prefix, t);
                    }
                }
            }
        }
    }

    impl<'ast> Visit<'ast> for Uses<'_> {
        fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
            self.use_tree(&mut Vec::new(), &u.tree);
        }

        fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
            self.at.push(m.ident.to_string());
            syn::visit::visit_item_mod(self, m);
            self.at.pop();
        }

        fn visit_path(&mut self, p: &'ast syn::Path) {
            let segments: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
            self.resolve(&segments);
            syn::visit::visit_path(self, p);
        }

        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            // A macro's body is tokens: the paths in it (`a::b::c`, string
            // literals aside) are read from them.
            fn walk(tokens: proc_macro2::TokenStream, paths: &mut Vec<Vec<String>>) {
                let mut current: Vec<String> = Vec::new();
                let mut colons = 0;
                let end = |current: &mut Vec<String>, paths: &mut Vec<Vec<String>>| {
                    if current.len() > 1 {
                        paths.push(std::mem::take(current));
                    }
                    current.clear();
                };
                for t in tokens {
                    match t {
                        proc_macro2::TokenTree::Ident(i) => {
                            if colons == 2 || current.is_empty() {
                                current.push(i.to_string());
                            } else {
                                end(&mut current, paths);
                                current.push(i.to_string());
                            }
                            colons = 0;
                        }
                        proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' => colons += 1,
                        proc_macro2::TokenTree::Group(g) => {
                            end(&mut current, paths);
                            colons = 0;
                            walk(g.stream(), paths);
                        }
                        _ => {
                            end(&mut current, paths);
                            colons = 0;
                        }
                    }
                }
                end(&mut current, paths);
            }
            let mut paths = Vec::new();
            walk(m.tokens.clone(), &mut paths);
            for p in paths {
                self.resolve(&p);
            }
            syn::visit::visit_macro(self, m);
        }
    }

    let text = std::fs::read_to_string(file).unwrap();
    let parsed = syn::parse_file(&text)
        .unwrap_or_else(|e| panic!("{}: does not parse: {e}", file.display()));
    let mut uses = Uses {
        at: module.to_vec(),
        out: Vec::new(),
        file_module: module,
    };
    let _ = uses.file_module;
    uses.visit_file(&parsed);
    uses.out
}

/// The module path of a source file below `src`: `src/desk/ops.rs` is
/// `desk::ops`, `src/desk/mod.rs` is `desk`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs");
        if stem != "mod" && stem != "lib" && stem != "main" {
            parts.push(stem.to_string());
        }
    }
    parts
}

/// The layers of `docs/architecture.md`: the domain knows nothing else, the
/// store and the desk know no front end, and neither front end (`cli`,
/// `tui`) uses the other. Checked on the source, read as Rust (`syn`), so a
/// new import that breaks it fails here, however it is written.
#[test]
fn no_front_end_imports_another_and_the_desk_imports_none() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rules: [(&str, &[&str]); 5] = [
        ("domain", &["cli", "tui", "desk", "store", "server", "mail"]),
        ("store", &["cli", "tui", "desk", "server"]),
        ("desk", &["cli", "tui"]),
        ("tui", &["cli"]),
        ("cli", &["tui"]),
    ];
    let mut checked = 0;
    for (layer, forbidden) in rules {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no source in src/{layer}");
        for f in files {
            let module = module_of(&src, &f);
            for (top, path) in crate_modules_used(&f, &module) {
                assert!(
                    !forbidden.contains(&top.as_str()),
                    "{}: src/{layer} uses {top} ({path})",
                    f.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked} files");

    // The reader sees each way of writing a use of another layer, and no
    // use where there is none.
    let tmp = tempfile::tempdir().unwrap();
    let probe = |text: &str, module: &[&str]| {
        let f = tmp.path().join("probe.rs");
        std::fs::write(&f, text).unwrap();
        let module: Vec<String> = module.iter().map(|s| s.to_string()).collect();
        let mut tops: Vec<String> = crate_modules_used(&f, &module)
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        tops.sort();
        tops.dedup();
        tops
    };
    assert_eq!(probe("use crate::{cli};", &["desk"]), ["cli"]);
    assert_eq!(
        probe("use crate::{cli::args, domain};", &["desk"]),
        ["cli", "domain"]
    );
    assert_eq!(
        probe("use super::super::cli::x;", &["desk", "ops"]),
        ["cli"]
    );
    assert_eq!(probe("use super::cli;", &["desk"]), ["cli"]);
    assert_eq!(probe("use super::views;", &["desk", "ops"]), ["desk"]);
    assert_eq!(probe("fn f() { crate::tui::run(); }", &["cli"]), ["tui"]);
    assert_eq!(
        probe("fn f() -> crate::cli::X { todo!() }", &["desk"]),
        ["cli"]
    );
    assert_eq!(
        probe("mod t { use super::super::super::cli; }", &["desk", "ops"]),
        ["cli"]
    );
    assert_eq!(
        probe("fn f() { format!(\"{}\", crate::cli::NAME); }", &["desk"]),
        ["cli"]
    );
    assert_eq!(
        probe(
            "// crate::cli is a word here\nfn f() { let s = \"crate::cli\"; }",
            &["desk"]
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        probe("use std::fmt; use ratatui::Frame;", &["desk"]),
        Vec::<String>::new()
    );
}
