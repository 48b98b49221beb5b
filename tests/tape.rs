//! demo.tape, replayed: the keys it types go to the real binary in a shell in
//! a pseudo-terminal (VHS itself is not needed), and what they were meant to
//! do is checked in the database afterwards. So the recorded session cannot
//! silently drift from what soudan does.

mod common;

use common::Limited;

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// One step of the tape.
#[derive(Debug)]
enum Step {
    Keys(Vec<u8>),
    Sleep(Duration),
    Env(String, String),
}

/// The text of a VHS string: "…", '…' or `…`.
fn string(s: &str) -> String {
    let s = s.trim();
    let q = s.chars().next().unwrap();
    assert!(matches!(q, '"' | '\'' | '`'), "not a string: {s}");
    s[1..s.rfind(q).unwrap()].to_string()
}

fn duration(s: &str) -> Duration {
    if let Some(ms) = s.strip_suffix("ms") {
        Duration::from_millis(ms.parse().unwrap())
    } else if let Some(secs) = s.strip_suffix('s') {
        Duration::from_secs_f64(secs.parse().unwrap())
    } else {
        Duration::from_secs_f64(s.parse().unwrap())
    }
}

fn parse(tape: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for line in tape.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        // A key may carry a speed (`Down@100ms`) and a count (`Down 3`).
        let key = word.split('@').next().unwrap();
        let count: usize = rest.trim().parse().unwrap_or(1);
        let seq: Option<&[u8]> = match key {
            "Enter" => Some(b"\r"),
            "Tab" => Some(b"\t"),
            "Escape" => Some(b"\x1b"),
            "Backspace" => Some(b"\x7f"),
            "Space" => Some(b" "),
            "Up" => Some(b"\x1b[A"),
            "Down" => Some(b"\x1b[B"),
            "Right" => Some(b"\x1b[C"),
            "Left" => Some(b"\x1b[D"),
            "End" => Some(b"\x1b[F"),
            "Home" => Some(b"\x1b[H"),
            "PageUp" => Some(b"\x1b[5~"),
            "PageDown" => Some(b"\x1b[6~"),
            _ => None,
        };
        if let Some(seq) = seq {
            for _ in 0..count {
                steps.push(Step::Keys(seq.to_vec()));
            }
            continue;
        }
        match key {
            "Type" => steps.push(Step::Keys(string(rest).into_bytes())),
            "Sleep" => steps.push(Step::Sleep(duration(rest.trim()))),
            "Env" => {
                let (k, v) = rest.split_once(' ').unwrap();
                steps.push(Step::Env(k.to_string(), string(v)));
            }
            k if k.starts_with("Ctrl+") => {
                let c = k.as_bytes()[5].to_ascii_lowercase();
                steps.push(Step::Keys(vec![c - b'a' + 1]));
            }
            "Output" | "Set" | "Hide" | "Show" | "Screenshot" | "Require" => {}
            other => panic!("demo.tape: a command the replay does not know: {other}"),
        }
    }
    steps
}

/// `soudan ARGS` on the tape's folder and configuration (its server, a
/// screen's, may still be there: a terminal of another office's
/// configuration would be refused by it).
fn soudan(dir: &Path, config: &Path, args: &[&str]) -> String {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_soudan"))
        .env("SOUDAN_DATA_DIR", dir)
        .env("SOUDAN_NOW", "2026-12-03T10:40")
        .env("SOUDAN_CONFIG", config)
        .env("SOUDAN_LANG", "en")
        .args(args)
        .output_limited()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn the_demo_tape_does_what_it_shows() {
    let tape = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/demo.tape")).unwrap();
    let steps = parse(&tape);
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let config = tmp.path().join("office.toml");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_soudan")).parent().unwrap();

    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new("bash");
    cmd.args(["--norc", "--noprofile", "-i"]);
    cmd.env(
        "PATH",
        format!("{}:/usr/local/bin:/usr/bin:/bin", bin_dir.display()),
    );
    cmd.env("TERM", "xterm-256color");
    cmd.env("LANG", "C.UTF-8");
    cmd.env("PS1", "$ ");
    cmd.env_remove("SOUDAN_LANG");
    // The tape's Env lines, with its folders moved into this test's own.
    for s in &steps {
        if let Step::Env(k, v) = s {
            let v = match k.as_str() {
                "SOUDAN_DATA_DIR" => data.display().to_string(),
                "SOUDAN_CONFIG" => config.display().to_string(),
                _ => v.clone(),
            };
            cmd.env(k, v);
        }
    }
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut parser = vt100::Parser::new(30, 100, 0);
    let settle = |parser: &mut vt100::Parser, quiet: Duration| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            match rx.recv_timeout(quiet) {
                Ok(chunk) => parser.process(&chunk),
                Err(_) => break,
            }
        }
    };
    settle(&mut parser, Duration::from_millis(500));
    let mut saw_wizard_done = false;
    let mut saw_kiosk_slots = false;
    for step in &steps {
        match step {
            Step::Keys(k) => {
                writer.write_all(k).unwrap();
                writer.flush().unwrap();
                settle(&mut parser, Duration::from_millis(100));
            }
            Step::Sleep(d) => settle(&mut parser, (*d).min(Duration::from_millis(600))),
            Step::Env(..) => {}
        }
        let text = parser.screen().contents();
        saw_wizard_done |= text.contains("予約しました") && text.contains("予約番号");
        saw_kiosk_slots |= text.contains("Choose a day and time");
    }
    settle(&mut parser, Duration::from_millis(800));
    writer.write_all(b"exit\r").unwrap();
    writer.flush().unwrap();
    common::wait_pty(&mut child, "the shell after exit");

    assert!(saw_wizard_done, "the wizard's last screen never showed");
    assert!(saw_kiosk_slots, "the kiosk's slots never showed");
    // The booking by phone, on 7 December at 13:30, booth 1.
    let day: serde_json::Value = serde_json::from_str(&soudan(
        &data,
        &config,
        &["day", "--date", "2026-12-07", "--json"],
    ))
    .unwrap();
    let day = day.as_array().unwrap();
    let new = day
        .iter()
        .find(|b| b["seeker"] == "46010-20261203")
        .expect("the booking made in the tape");
    assert_eq!(new["start"], "13:30");
    assert_eq!(new["booth"], 1);
    assert_eq!(new["channel"], "phone");
    assert_eq!(new["name"], "薩摩 花子");
    assert_eq!(new["status"], "booked");
    // The cancellation at 13:00, booth 1, with its reason.
    let cancelled = day
        .iter()
        .find(|b| b["start"] == "13:00" && b["booth"] == 1)
        .unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    let history = cancelled["history"].as_array().unwrap();
    assert_eq!(
        history.last().unwrap()["reason"],
        "体調不良のため（本人から電話）"
    );
    // The kiosk was left with the PIN, and that is in the audit trail.
    let audit = soudan(&data, &config, &["audit", "--action", "kiosk"]);
    assert!(audit.contains("kiosk.leave"), "{audit}");
    // The confirmation mail is in the outbox.
    let outbox = std::fs::read_dir(data.join("outbox")).unwrap().count();
    assert!(outbox >= 2, "{outbox} mails");
}
