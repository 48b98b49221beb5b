#![allow(dead_code)]

//! Reading `strace -f -y` traces: which call a line shows, on which file,
//! and when a call that strace split (`<unfinished ...>`) returned; and a
//! server run under strace.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether strace is here; if not, said (and a failure under CI).
pub fn available() -> bool {
    let found = Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        crate::common::not_run(
            "strace is not installed: the durability order is NOT checked",
            "apt-get install -y strace",
        );
    }
    found
}

/// The call a trace line shows, without strace's process id: `write(1<…`.
pub fn call(line: &str) -> &str {
    line.trim_start_matches(|c: char| c.is_ascii_digit())
        .trim_start()
}

/// The process (thread) id strace put first on a line.
pub fn pid(line: &str) -> &str {
    line.split_whitespace().next().unwrap_or("")
}

fn starts(line: &str, calls: &[&str]) -> bool {
    calls.iter().any(|c| call(line).starts_with(c))
}

/// A write of bytes (the buffer is on this line, the one that starts it).
pub fn is_write(line: &str) -> bool {
    starts(
        line,
        &[
            "write(",
            "pwrite64(",
            "pwritev(",
            "pwritev2(",
            "writev(",
            "sendto(",
            "sendmsg(",
        ],
    )
}

pub fn is_sync(line: &str) -> bool {
    starts(line, &["fsync(", "fdatasync("])
}

/// The file a traced call is on (`-y`): `…/db/db` of `pwrite64(3</x/db/db>, …`,
/// `UNIX-STREAM:[…]` or `socket:[…]` of a socket.
pub fn on_file(line: &str) -> &str {
    call(line)
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or("", |(path, _)| path)
}

pub fn on_socket(line: &str) -> bool {
    let f = on_file(line);
    f.starts_with("socket:") || f.starts_with("UNIX") || f.starts_with("TCP")
}

/// The line at which the call started on line `at` returned: `at` itself,
/// or the `<... resumed>` line of the same thread after it.
pub fn returned(lines: &[String], at: usize) -> Option<usize> {
    if !lines[at].contains("<unfinished ...>") {
        return Some(at);
    }
    let p = pid(&lines[at]);
    lines[at + 1..]
        .iter()
        .position(|l| pid(l) == p && call(l).starts_with("<..."))
        .map(|i| at + 1 + i)
}

/// A command run under `strace -f -y`, its whole buffers printed.
pub struct Traced {
    strace: Child,
    trace: PathBuf,
}

impl Traced {
    /// Starts `cmd` (a program and its arguments, its environment set on
    /// `cmd`) under strace, tracing `calls`.
    pub fn start(cmd: &Command, calls: &str, trace: &Path) -> Traced {
        let mut c = Command::new("strace");
        c.args(["-f", "-y", "-qq", "-s", "1048576", "-e"])
            .arg(format!("trace={calls}"))
            .arg("-o")
            .arg(trace)
            .arg(cmd.get_program())
            .args(cmd.get_args())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        Traced {
            strace: c.spawn().expect("strace starts"),
            trace: trace.to_path_buf(),
        }
    }

    /// The traced program's process: strace's child.
    fn traced(&self) -> Option<i32> {
        let parent = self.strace.id().to_string();
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            // pid (comm) state ppid …
            let after = stat.rsplit_once(')')?.1;
            let ppid = after.split_whitespace().nth(1)?;
            (ppid == parent)
                .then(|| e.file_name().to_string_lossy().parse().ok())
                .flatten()
        })
    }

    /// Ends the program with SIGTERM, waits for strace, and returns the
    /// trace's lines.
    pub fn stop(mut self) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(pid) = self.traced() {
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
            if Instant::now() > deadline {
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            std::thread::sleep(Duration::from_millis(50));
            if self.strace.try_wait().ok().flatten().is_some() {
                break;
            }
        }
        let _ = crate::common::wait_child(&mut self.strace, "strace of the server");
        let text = std::fs::read_to_string(&self.trace).unwrap_or_default();
        let _ = std::fs::remove_file(&self.trace);
        text.lines().map(str::to_string).collect()
    }
}

impl Drop for Traced {
    fn drop(&mut self) {
        if let Some(pid) = self.traced() {
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
        let _ = self.strace.kill();
        let _ = self.strace.wait();
    }
}

/// The line where a server wrote the reply carrying `id` to a socket.
pub fn reply_at(lines: &[String], id: &str) -> Option<usize> {
    lines
        .iter()
        .position(|l| is_write(l) && on_socket(l) && l.contains(id) && l.contains(r#"{\"reply\""#))
}

/// The first "changed" notice written to a socket after line `from`.
pub fn notice_after(lines: &[String], from: usize) -> Option<usize> {
    lines[from..]
        .iter()
        .position(|l| is_write(l) && on_socket(l) && l.contains(r#"{\"changed\""#))
        .map(|i| from + i)
}

/// Checks a server's trace on the embedded store: the booking's own
/// bytes (its id) written to the log, then the log fsynced, and only once
/// that fsync returned, the reply that carries the id and the notice to
/// the other screens.
pub fn durable_before_reply(lines: &[String], id: &str) -> Result<(), String> {
    let reply = reply_at(lines, id).ok_or("no reply carrying the id was written to a socket")?;
    let log = |l: &String| on_file(l).ends_with("/db/db");
    let own = lines[..reply]
        .iter()
        .position(|l| log(l) && is_write(l) && l.contains(id))
        .ok_or("the booking's own bytes were not written to the log before the reply")?;
    let sync = (own..reply)
        .find(|&i| log(&lines[i]) && is_sync(&lines[i]))
        .ok_or("the log was not fsynced between the booking's write and the reply")?;
    returned(lines, sync)
        .filter(|&done| done < reply)
        .ok_or("the log's fsync had not returned when the reply was written")?;
    let done = returned(lines, sync).unwrap_or(sync);
    let notice =
        notice_after(lines, own).ok_or("no notice of the change was written to a socket")?;
    if notice < done {
        return Err(format!(
            "the notice (line {notice}) went out before the log's fsync returned (line {done})"
        ));
    }
    Ok(())
}

/// Checks a server's trace on PostgreSQL: the booking sent to PostgreSQL
/// (its id in a message on a socket), then PostgreSQL's answer to its
/// COMMIT received, and only after that the reply that carries the id and
/// the notice to the other screens.
pub fn committed_before_reply(lines: &[String], id: &str) -> Result<(), String> {
    let reply = reply_at(lines, id).ok_or("no reply carrying the id was written to a socket")?;
    let sent = lines[..reply]
        .iter()
        .position(|l| is_write(l) && on_socket(l) && l.contains(id))
        .ok_or("the booking was not sent to PostgreSQL before the reply")?;
    // CommandComplete of COMMIT, as received: `C\0\0\0\vCOMMIT\0`.
    let commit = (sent..lines.len())
        .find(|&i| !is_write(&lines[i]) && lines[i].contains("COMMIT\\0"))
        .ok_or("PostgreSQL's answer to the COMMIT was never received")?;
    if commit > reply {
        return Err(format!(
            "the reply (line {reply}) was written before PostgreSQL answered the COMMIT (line {commit})"
        ));
    }
    let notice =
        notice_after(lines, sent).ok_or("no notice of the change was written to a socket")?;
    if notice < commit {
        return Err(format!(
            "the notice (line {notice}) went out before PostgreSQL answered the COMMIT (line {commit})"
        ));
    }
    Ok(())
}
