//! The kiosk on a slow line (`cargo bench --bench kiosk`): the bytes the
//! release binary writes to an 80x24 terminal for its first frame and for
//! each typical keystroke, in three looks: Unicode in Japanese, ASCII in
//! English on TERM=linux, and NO_COLOR in Japanese. The database holds
//! 10,000 bookings in booth 1 (SOUDAN_BENCH_BOOKINGS changes the number),
//! so every slot time stays free in booth 2. Medians of 5 runs.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Pty, fill_booths, median};

const NOW: &str = "2026-12-01T09:00";

const STEPS: [&str; 9] = [
    "first frame",
    "Enter: slots",
    "Down: next slot",
    "Right: next day",
    "Enter: wizard",
    "type one digit",
    "Tab: next field",
    "Enter: next step",
    "y: answer",
];

fn run_once(dir: &Path, config: &Path, look: &[(&str, &str)]) -> Vec<usize> {
    let mut env: Vec<(&str, &std::ffi::OsStr)> = vec![
        ("SOUDAN_DATA_DIR", dir.as_os_str()),
        ("SOUDAN_NOW", NOW.as_ref()),
    ];
    env.extend(look.iter().map(|(k, v)| (*k, v.as_ref())));
    let cfg = config.to_str().unwrap();
    let mut p = Pty::spawn(&["--config", cfg, "kiosk"], &env);
    let mut bytes = vec![p.until(|t| t.contains("Enter")) + p.drain(Duration::from_millis(300))];
    bytes.push(p.key(b"\r"));
    p.expect("Enter: slots", "16:00");
    bytes.push(p.key(b"\x1b[B"));
    bytes.push(p.key(b"\x1b[C"));
    // The first free slot of that day, wherever the sample left one; a
    // bench that finds none measures nothing and fails.
    let mut entered = p.key(b"\r");
    let mut tries = 0;
    while !p.parser.screen().contents().contains("2/6") {
        tries += 1;
        assert!(
            tries <= 14,
            "no free slot in 14 tries:\n{}",
            p.parser.screen().contents()
        );
        p.key(b"\x1b[B");
        entered = p.key(b"\r");
    }
    bytes.push(entered);
    bytes.push(p.key(b"4"));
    bytes.push(p.key(b"\t"));
    // Back to the number (Shift-Tab), the digit out, the details in.
    p.key(b"\x1b[Z\x0846010-99999999\tShiken Taro\t\tshiken@example.jp");
    bytes.push(p.key(b"\r"));
    p.expect("Enter: next step", "3/6");
    bytes.push(p.key(b"y"));
    p.key(b"\x1b[21~4711\r");
    p.wait("the kiosk after the PIN");
    bytes
}

fn main() {
    let n: usize = std::env::var("SOUDAN_BENCH_BOOKINGS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // Booth 1 only: every slot time keeps a free booth for the wizard.
    fill_booths(&data, n, &[1]);
    let config = dir.path().join("office.toml");
    let hash = soudan::pin::hash("4711").unwrap();
    std::fs::write(
        &config,
        soudan::pin::set_in_config(soudan::config::BUILTIN, &hash),
    )
    .unwrap();
    let looks: [(&str, &[(&str, &str)]); 3] = [
        ("unicode ja", &[]),
        (
            "ascii en (TERM=linux)",
            &[("TERM", "linux"), ("SOUDAN_LANG", "en")],
        ),
        ("NO_COLOR ja", &[("NO_COLOR", "1")]),
    ];
    println!("kiosk, 80x24, {n} bookings: bytes written, median of 5 runs");
    print!("{:<18}", "");
    for (name, _) in &looks {
        print!("{name:>24}");
    }
    println!();
    let results: Vec<Vec<Vec<usize>>> = looks
        .iter()
        .map(|(_, look)| (0..5).map(|_| run_once(&data, &config, look)).collect())
        .collect();
    for (i, step) in STEPS.iter().enumerate() {
        print!("{step:<18}");
        for runs in &results {
            print!("{:>24}", median(runs.iter().map(|r| r[i]).collect()));
        }
        println!();
    }
}
