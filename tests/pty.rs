//! The real binary in a real pseudo-terminal: start the dashboard, move,
//! cancel a booking, quit; then the database has the cancellation and the
//! terminal was given back (main screen, cursor shown).

mod common;

use common::Limited;

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const NOW: &str = "2026-12-03T09:45";

fn soudan(dir: &Path, args: &[&str], now: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_soudan"))
        .env("SOUDAN_DATA_DIR", dir)
        .env("SOUDAN_NOW", now)
        .env_remove("SOUDAN_LANG")
        .args(args)
        .output_limited()
        .unwrap()
}

fn book(dir: &Path, time: &str, booth: &str, seeker: &str, name: &str) -> String {
    let o = soudan(
        dir,
        &[
            "book",
            "--date",
            "2026-12-03",
            "--time",
            time,
            "--booth",
            booth,
            "--seeker",
            seeker,
            "--name",
            name,
            "--email",
            "t@example.jp",
            "--consent",
            "--checklist",
        ],
        "2026-12-01T09:00",
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

struct Screen {
    parser: vt100::Parser,
    rx: mpsc::Receiver<Vec<u8>>,
    bytes: usize,
}

impl Screen {
    /// Reads output until `pred` holds for the screen, or fails after 10 s.
    fn wait_for(&mut self, what: &str, pred: impl Fn(&vt100::Screen) -> bool) {
        self.wait_for_within(what, 10, pred)
    }

    /// [`Screen::wait_for`] with a longer limit, for what the clock brings.
    fn wait_for_within(&mut self, what: &str, secs: u64, pred: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !pred(self.parser.screen()) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; screen:\n{}",
                self.parser.screen().contents()
            );
            if let Ok(chunk) = self.rx.recv_timeout(left.min(Duration::from_millis(100))) {
                self.bytes += chunk.len();
                self.parser.process(&chunk);
            }
        }
    }

    fn text(&self) -> String {
        self.parser.screen().contents()
    }
}

/// The dashboard started in a pseudo-terminal of `cols`x`rows`, with `env`.
type Spawned = (
    Box<dyn portable_pty::Child + Send + Sync>,
    Box<dyn portable_pty::MasterPty + Send>,
    Box<dyn Write + Send>,
    Screen,
);

fn spawn(cols: u16, rows: u16, env: &[(&str, &std::ffi::OsStr)]) -> Spawned {
    spawn_with(cols, rows, env, &[])
}

fn spawn_with(
    cols: u16,
    rows: u16,
    env: &[(&str, &std::ffi::OsStr)],
    args: &[&std::ffi::OsStr],
) -> Spawned {
    let pty = native_pty_system();
    let size = PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    };
    let pair = pty.openpty(size).unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_soudan"));
    cmd.args(args);
    cmd.env("SOUDAN_NOW", NOW);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("SOUDAN_LANG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let writer = pair.master.take_writer().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    (
        child,
        pair.master,
        writer,
        Screen {
            parser: vt100::Parser::new(rows, cols, 0),
            rx,
            bytes: 0,
        },
    )
}

#[test]
fn move_cancel_and_quit_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let _first = book(d, "09:30", "1", "46010-1", "佐藤 一郎");
    let yamada = book(d, "10:00", "1", "46010-2", "山田 太郎");

    let (mut child, _master, mut writer, mut screen) = spawn(
        80,
        24,
        &[
            ("SOUDAN_DATA_DIR", d.as_os_str()),
            ("LANG", "ja_JP.UTF-8".as_ref()),
        ],
    );
    let mut key = |k: &[u8]| {
        writer.write_all(k).unwrap();
        writer.flush().unwrap();
    };

    screen.wait_for("the dashboard", |s| {
        s.contents().contains("規約 2025-02-07") && s.contents().contains("山田 ＊＊")
    });
    assert!(
        screen.parser.screen().alternate_screen(),
        "draws on the alternate screen"
    );
    // While it runs, the command line reads the day through the server the
    // dashboard started for the folder (no "in use").
    let o = soudan(d, &["day", "--date", "2026-12-03"], NOW);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("山田"));
    assert!(d.join("soudan.sock").exists());

    // 09:45 starts on 09:30; one down is 山田 at 10:00.
    key(b"j");
    key(b"c");
    screen.wait_for("the reason prompt", |s| s.contents().contains("理由を入力"));
    key("本人から電話".as_bytes());
    key(b"\r");
    screen.wait_for("the question", |s| s.contents().contains("よろしいですか"));
    key(b"y");
    screen.wait_for("the cancellation", |s| s.contents().contains("取消 山田"));
    key(b"q");

    let status = common::wait_pty(&mut child, "the dashboard after q");
    assert!(status.success(), "{status:?}");
    // Drain what is left: the restore sequences.
    while let Ok(chunk) = screen.rx.recv_timeout(Duration::from_millis(300)) {
        screen.parser.process(&chunk);
    }
    let s = screen.parser.screen();
    assert!(
        !s.alternate_screen(),
        "left the alternate screen:\n{}",
        screen.text()
    );
    assert!(!s.hide_cursor(), "cursor shown again");

    let o = soudan(d, &["day", "--date", "2026-12-03", "--json"], NOW);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let day: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let b = day
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == yamada.as_str())
        .unwrap();
    assert_eq!(b["status"], "cancelled");
    assert_eq!(b["history"][0]["reason"], "本人から電話");
}

#[test]
fn below_80x24_it_asks_for_a_larger_window_and_resizes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, master, mut writer, mut screen) = spawn(
        60,
        20,
        &[
            ("SOUDAN_DATA_DIR", dir.path().as_os_str()),
            ("SOUDAN_LANG", "en".as_ref()),
        ],
    );
    screen.wait_for("the size message", |s| {
        s.contents().contains("now 60x20, need 80x24")
    });
    master
        .resize(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    screen.parser.screen_mut().set_size(24, 80);
    screen.wait_for("the dashboard after resize", |s| {
        s.contents().contains("Terms 2025-02-07")
    });
    // Ctrl-C quits too.
    writer.write_all(b"\x03").unwrap();
    writer.flush().unwrap();
    assert!(common::wait_pty(&mut child, "the dashboard after Ctrl-C").success());
}

#[test]
fn the_kiosk_resets_when_idle_ignores_stop_keys_and_leaves_only_with_the_pin() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("office.toml");
    let hash = soudan::pin::hash("4711").unwrap();
    std::fs::write(
        &config,
        soudan::pin::set_in_config(soudan::config::BUILTIN, &hash),
    )
    .unwrap();
    let data = dir.path().join("data");
    let (mut child, _master, mut writer, mut screen) = spawn_with(
        80,
        24,
        &[
            ("SOUDAN_DATA_DIR", data.as_os_str()),
            ("SOUDAN_LANG", "en".as_ref()),
        ],
        &[
            "--config".as_ref(),
            config.as_os_str(),
            "kiosk".as_ref(),
            "--idle-seconds".as_ref(),
            "5".as_ref(),
        ],
    );
    let mut key = |k: &[u8]| {
        writer.write_all(k).unwrap();
        writer.flush().unwrap();
    };
    screen.wait_for("the welcome screen", |s| {
        s.contents().contains("Book an online job consultation")
    });
    key(b"\r");
    screen.wait_for("the slots", |s| {
        s.contents().contains("Choose a day and time")
    });
    // Ctrl-C, Ctrl-Z, Ctrl-\\, q and Esc: none of them leaves.
    key(b"\x03\x1a\x1cq");
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "the kiosk was left");
    assert!(
        screen.text().contains("Choose a day and time") || screen.text().contains("Still there")
    );
    // Left alone: the countdown, then the welcome screen again.
    screen.wait_for("the countdown", |s| s.contents().contains("Still there?"));
    screen.wait_for("the welcome screen after the reset", |s| {
        s.contents().contains("Book an online job consultation")
            && !s.contents().contains("Still there?")
    });
    // F10 and a wrong PIN: still there. The right one: gone, terminal back.
    key(b"\x1b[21~");
    screen.wait_for("the PIN prompt", |s| s.contents().contains("staff PIN"));
    key(b"0000\r");
    screen.wait_for("the wrong PIN", |s| s.contents().contains("Wrong PIN"));
    assert!(child.try_wait().unwrap().is_none());
    key(b"4711\r");
    let status = common::wait_pty(&mut child, "the kiosk after the PIN");
    assert!(status.success(), "{status:?}");
    while let Ok(chunk) = screen.rx.recv_timeout(Duration::from_millis(300)) {
        screen.parser.process(&chunk);
    }
    assert!(!screen.parser.screen().alternate_screen());
    assert!(!screen.parser.screen().hide_cursor());
}

/// Nobody types: a booking not started turns late at its start + the late
/// minutes (a symbol and a word), its phone is offered on the status line,
/// and the no-show falls by itself at the grace minutes. The rules are set
/// to 1 and 2 minutes so that the test waits one minute, not ten.
#[test]
fn a_late_booking_turns_late_then_no_show_while_nobody_types() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let conf = d.with_extension("toml");
    std::fs::write(
        &conf,
        soudan::config::BUILTIN
            .replace("late_after_minutes = 5", "late_after_minutes = 1")
            .replace("no_show_grace_minutes = 10", "no_show_grace_minutes = 2"),
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_soudan"))
        .env("SOUDAN_DATA_DIR", d)
        .env("SOUDAN_NOW", "2026-12-01T09:00")
        .env("SOUDAN_CONFIG", &conf)
        .env_remove("SOUDAN_LANG")
        .args([
            "book",
            "--date",
            "2026-12-03",
            "--time",
            "10:00",
            "--booth",
            "1",
            "--seeker",
            "46010-9",
            "--name",
            "山田 太郎",
            "--email",
            "t@example.jp",
            "--phone",
            "090-1111-2222",
            "--consent",
            "--checklist",
        ])
        .output_limited()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let id = String::from_utf8(o.stdout).unwrap().trim().to_string();
    let (mut child, _master, mut writer, mut screen) = spawn(
        100,
        30,
        &[
            ("SOUDAN_DATA_DIR", d.as_os_str()),
            ("SOUDAN_CONFIG", conf.as_os_str()),
            ("SOUDAN_NOW", "2026-12-03T10:00:56".as_ref()),
            ("LANG", "en_US.UTF-8".as_ref()),
            ("SOUDAN_LANG", "en".as_ref()),
        ],
    );
    screen.wait_for("the dashboard", |s| {
        s.contents().contains("山田 **") || s.contents().contains("山田 ＊＊")
    });
    assert!(screen.text().contains("booked"), "{}", screen.text());
    let started = Instant::now();
    screen.wait_for_within("the late mark", 30, |s| s.contents().contains("? late"));
    assert!(
        screen.text().contains("090-1111-2222"),
        "the phone to call: {}",
        screen.text()
    );
    let log = d.join("server.log");
    let deadline = Instant::now() + Duration::from_secs(90);
    while !screen.text().contains("no-show 山田") {
        // What the server said, should it be gone.
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the no-show; screen:\n{}\nserver.log:\n{}",
            screen.text(),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        if let Ok(chunk) = screen.rx.recv_timeout(Duration::from_millis(200)) {
            screen.parser.process(&chunk);
        }
    }
    assert!(
        started.elapsed() >= Duration::from_secs(50),
        "the no-show fell a minute after the late mark, not before"
    );
    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    let status = common::wait_pty(&mut child, "the dashboard after q");
    assert!(status.success(), "{status:?}");
    let o = Command::new(env!("CARGO_BIN_EXE_soudan"))
        .env("SOUDAN_DATA_DIR", d)
        .env("SOUDAN_NOW", "2026-12-03T10:03")
        .env("SOUDAN_CONFIG", &conf)
        .args(["day", "--date", "2026-12-03", "--json"])
        .output_limited()
        .unwrap();
    let day: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let b = day
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == id.as_str())
        .unwrap();
    assert_eq!(b["status"], "no_show", "{b}");
}

/// The server a dashboard started for its folder is killed: the dashboard
/// says so, starts it again by itself, and goes on showing changes made
/// from the shell; keys answer all along.
#[test]
fn a_dashboard_starts_its_own_server_again_when_it_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = book(d, "10:00", "1", "46010-1", "佐藤 一郎");
    let (mut child, _master, mut writer, mut screen) = spawn(
        100,
        30,
        &[
            ("SOUDAN_DATA_DIR", d.as_os_str()),
            ("LANG", "en_US.UTF-8".as_ref()),
            ("SOUDAN_LANG", "en".as_ref()),
        ],
    );
    screen.wait_for("the dashboard", |s| s.contents().contains("佐藤 ＊＊"));
    // The server of this folder (and no other test's): by its command line.
    let server_pid = || -> Option<i32> {
        std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
            let pid: i32 = e.file_name().to_str()?.parse().ok()?;
            let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
            let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
            (cmd.contains(" serve ") && cmd.contains(d.to_str()?)).then_some(pid)
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let first = loop {
        if let Some(p) = server_pid() {
            break p;
        }
        assert!(
            Instant::now() < deadline,
            "no server was started for the folder"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    // SAFETY: kill(2) on a process this test found by its command line.
    assert_eq!(unsafe { libc::kill(first, libc::SIGKILL) }, 0);
    screen.wait_for("the loss", |s| s.contents().contains("was lost"));
    screen.wait_for_within("the server started again", 30, |s| {
        s.contents()
            .contains("Connected to the office's server again")
    });
    let second = server_pid().expect("a new server");
    assert_ne!(first, second);
    // Changes from the shell show again, without a key.
    let o = soudan(d, &["cancel", &id, "--reason", "phoned"], NOW);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    screen.wait_for("the cancellation made from the shell", |s| {
        s.contents().contains("cancel 佐藤")
    });
    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    let status = common::wait_pty(&mut child, "the dashboard after q");
    assert!(status.success(), "{status:?}");
    // SAFETY: as above; the server started for the screen goes with the test.
    unsafe { libc::kill(second, libc::SIGTERM) };
}
