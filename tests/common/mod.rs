//! What the tests share: the screen as text, and children with a time limit.

#![allow(dead_code)]

use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Draws with `draw` on a `w`x`h` test terminal and returns the screen as
/// text, a line per row, wide characters once, trailing spaces trimmed.
pub fn screen_text(w: u16, h: u16, draw: impl FnOnce(&mut ratatui::Frame)) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(draw).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..w {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// How long a child process of a test may take before it counts as hung:
/// `SOUDAN_TEST_CHILD_SECS`, else two minutes.
pub fn child_limit() -> std::time::Duration {
    let secs = std::env::var("SOUDAN_TEST_CHILD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    std::time::Duration::from_secs(secs)
}

/// `Command::output` and `Command::status` with a time limit: a child that
/// sticks is killed and the test fails naming it, instead of hanging the suite.
pub trait Limited {
    /// As `output()` (stdin closed, stdout and stderr captured), or a panic
    /// after [`child_limit`].
    fn output_limited(&mut self) -> std::io::Result<std::process::Output>;
    /// As `status()`, or a panic after [`child_limit`].
    fn status_limited(&mut self) -> std::io::Result<std::process::ExitStatus>;
}

impl Limited for std::process::Command {
    fn output_limited(&mut self) -> std::io::Result<std::process::Output> {
        output_within(self, child_limit())
    }

    fn status_limited(&mut self) -> std::io::Result<std::process::ExitStatus> {
        let what = format!("{self:?}");
        let mut child = self.spawn()?;
        let deadline = std::time::Instant::now() + child_limit();
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status);
            }
            if std::time::Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("no answer within {:?}, killed: {what}", child_limit());
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

/// Waits for a child in a pseudo-terminal, at most [`child_limit`]; kills
/// it and fails the test when it sticks.
pub fn wait_pty(
    child: &mut Box<dyn portable_pty::Child + Send + Sync>,
    what: &str,
) -> portable_pty::ExitStatus {
    let deadline = std::time::Instant::now() + child_limit();
    loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            return status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            panic!("{what}: still running after {:?}, killed", child_limit());
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Waits for a child process at most [`child_limit`]; kills it and fails
/// the test when it sticks.
pub fn wait_child(child: &mut std::process::Child, what: &str) -> std::process::ExitStatus {
    let deadline = std::time::Instant::now() + child_limit();
    loop {
        if let Some(status) = child.try_wait().expect("the child's status") {
            return status;
        }
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {:?}, killed", child_limit());
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// `wait_with_output` with a time limit.
pub fn output_of(child: std::process::Child, what: &str) -> std::process::Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let limit = child_limit();
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("the child's output"),
        Err(_) => {
            // SAFETY: a plain kill(2) of our own child.
            unsafe {
                libc::kill(pid as i32, libc::SIGKILL);
            }
            panic!("{what}: no answer within {limit:?}, killed");
        }
    }
}

/// As `output()` (stdin closed, stdout and stderr captured), or a panic
/// naming the command once `limit` has passed (the child is killed).
pub fn output_within(
    cmd: &mut std::process::Command,
    limit: std::time::Duration,
) -> std::io::Result<std::process::Output> {
    use std::process::Stdio;
    let what = format!("{cmd:?}");
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out,
        Err(_) => {
            // SAFETY: a plain kill(2) of our own child.
            unsafe {
                libc::kill(pid as i32, libc::SIGKILL);
            }
            panic!("no answer within {limit:?}, killed: {what}");
        }
    }
}

/// A counter booking request of a slot for job seeker `number`, with
/// consent and the checklist given, as a client sends it to a server.
pub fn book_request(
    number: &str,
    date: chrono::NaiveDate,
    time: chrono::NaiveTime,
    booth: u8,
) -> soudan::desk::request::Request {
    use soudan::domain::seeker::{Email, JobSeekerNumber, PersonName, Seeker};
    soudan::desk::request::Request::Book(Box::new(soudan::desk::BookingRequest {
        slot: soudan::domain::office::SlotRequest { date, time, booth },
        late: soudan::domain::office::Override::None,
        seeker: Seeker {
            number: JobSeekerNumber::parse(number).unwrap(),
            name: PersonName::parse("試験 太郎").unwrap(),
            kana: None,
            email: Email::parse("t@example.jp").unwrap(),
            phone: None,
            registered_on: None,
        },
        channel: soudan::domain::booking::Channel::Counter,
        documents: soudan::domain::terms::Document::ALL.to_vec(),
        checklist: soudan::domain::terms::checklist_all_yes(),
        interpreter: None,
        caregiver: false,
        contact: soudan::store::Contact::Keep,
    }))
}

/// The arguments of `soudan book` for job seeker `seeker` (山田 太郎,
/// taro@example.jp) on `date` at `time`, with consent and the checklist.
pub fn book_args(seeker: &str, date: &str, time: &str) -> Vec<String> {
    [
        "book",
        "--date",
        date,
        "--time",
        time,
        "--seeker",
        seeker,
        "--name",
        "山田 太郎",
        "--email",
        "taro@example.jp",
        "--consent",
        "--checklist",
    ]
    .into_iter()
    .map(str::to_string)
    .collect()
}

/// [`book_request`] of a day and time as typed (`2026-12-10`, `10:00`).
pub fn book_request_at(
    number: &str,
    date: &str,
    time: &str,
    booth: u8,
) -> soudan::desk::request::Request {
    book_request(
        number,
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
        chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap(),
        booth,
    )
}

/// The folder where the tests of one `cargo test` run note what did not
/// run: one file per run, named after the process that started the test
/// programs (cargo), which is the parent of each of them.
pub fn not_run_note() -> std::path::PathBuf {
    let parent = unsafe { libc::getppid() };
    std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("not-run")
        .join(parent.to_string())
}

/// A test that cannot run here because a part is missing: under CI that
/// fails the test. Elsewhere it is said at once on the terminal (written
/// past the harness, which would swallow it) and noted for the summary
/// that `tests/zz_not_run.rs`, the last test program, prints at the end of
/// the run. `install` is the command that installs the missing part.
pub fn not_run(why: &str, install: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{why}: .ci/run installs it ({install})"
    );
    use std::io::Write;
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    let line = format!("{test}: {why} [{install}]");
    let _ = writeln!(std::io::stderr(), "\n!!! NOT RUN: {line}\n");
    let note = not_run_note();
    if let Some(dir) = note.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&note)
    {
        let _ = writeln!(f, "{line}");
    }
}

/// A shared object that, preloaded (`LD_PRELOAD`), makes every call that
/// asks for durability (`fsync`, `fdatasync`, `sync_file_range`, `syncfs`,
/// `sync`, `msync`) return at once having done nothing: the control that
/// shows a power cut finds what was not made durable. Built with `cc`.
pub fn no_sync_shim(dir: &std::path::Path) -> Result<std::path::PathBuf, String> {
    let src = dir.join("nosync.c");
    let lib = dir.join("libnosync.so");
    std::fs::write(
        &src,
        r#"#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
int fsync(int fd) { (void)fd; return 0; }
int fdatasync(int fd) { (void)fd; return 0; }
int sync_file_range(int fd, off64_t o, off64_t n, unsigned int f) { (void)fd; (void)o; (void)n; (void)f; return 0; }
int syncfs(int fd) { (void)fd; return 0; }
void sync(void) {}
int msync(void *a, size_t l, int f) { (void)a; (void)l; (void)f; return 0; }
"#,
    )
    .map_err(|e| e.to_string())?;
    let o = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-o"])
        .arg(&lib)
        .arg(&src)
        .output()
        .map_err(|e| format!("cc: {e}"))?;
    if !o.status.success() {
        return Err(format!("cc: {}", String::from_utf8_lossy(&o.stderr)));
    }
    Ok(lib)
}
