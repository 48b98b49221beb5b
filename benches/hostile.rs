//! The office's server with strangers at its socket, whole processes
//! (`cargo bench --bench hostile`, as root): a release `soudan serve`,
//! and a staff client's booking round trip and `day` round trip, first on
//! a quiet server, then with 200 hostile connections, 50 of each kind,
//! each kind from a kiosk account of its own (made with `useradd`,
//! removed after; `server.max_per_account = 64`, so that the account
//! limit lets all 50 in): silent, slow (a 3 KB hello announced, then a
//! byte a second), never reading (a hello, then requests, nothing read),
//! oversized (a 4 MiB frame announced and sent as fast as the socket takes
//! it). It prints the medians and the 99th percentiles of both, their
//! ratio, the server's threads and its peak memory in each.

#[path = "../tests/common/mod.rs"]
mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use soudan::desk::request::{Request, Response};
use soudan::i18n::Lang;
use soudan::server::client::Client;

const NOW: &str = "2026-12-01T09:00";

fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The hostile clients, in Python, run as the kiosk account.
const HOSTILE: &str = r#"
import socket, struct, json, sys, time
path, kind, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
def hello(s):
    b = json.dumps({'protocol': 1, 'soudan': 't', 'terminal': 'lobby', 'lang': 'en'}).encode()
    s.sendall(struct.pack('>I', len(b)) + b)
socks = []
for i in range(50):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(path)
        if kind == 'slow':
            s.sendall(struct.pack('>I', 3000) + b'{')
        elif kind == 'never_reads':
            hello(s)
        elif kind == 'oversized':
            s.setblocking(False)
            try:
                s.sendall(struct.pack('>I', (4 << 20) - 1) + b'x' * (1 << 20))
            except OSError:
                pass
        socks.append(s)
    except OSError:
        pass
print('OPENED', kind, len(socks), flush=True)
req = json.dumps({'id': 1, 'request': 'kiosk_free'}).encode()
frame = struct.pack('>I', len(req)) + req
for s in socks:
    s.setblocking(False)
end = time.time() + seconds
while time.time() < end:
    for s in socks:
        try:
            if kind == 'slow': s.send(b' ')
            elif kind == 'never_reads':
                for _ in range(50): s.send(frame)
            elif kind == 'oversized': s.send(b'x' * 65536)
        except OSError: pass
    time.sleep(1)
"#;

/// Booking and day round trips of one staff client: (bookings, days).
fn round_trips(
    c: &Client,
    slots: &[(chrono::NaiveDate, chrono::NaiveTime, u8)],
    first: usize,
) -> (Vec<Duration>, Vec<Duration>) {
    let mut book = Vec::new();
    let mut day = Vec::new();
    for (k, (d, t, b)) in slots.iter().enumerate() {
        let req = common_book(first + k, *d, *t, *b);
        let s = Instant::now();
        match c.call(Lang::En, req) {
            Ok(Response::Booked { .. }) => book.push(s.elapsed()),
            other => panic!("a staff booking was refused: {other:?}"),
        }
        let s = Instant::now();
        match c.call(Lang::En, Request::LoadDay { date: *d }) {
            Ok(Response::Day(_)) => day.push(s.elapsed()),
            other => panic!("{other:?}"),
        }
    }
    (book, day)
}

fn common_book(n: usize, date: chrono::NaiveDate, time: chrono::NaiveTime, booth: u8) -> Request {
    common::book_request(&format!("46010-6{n:06}"), date, time, booth)
}

fn pct(v: &mut [Duration], q: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e3
}

fn main() {
    if unsafe { libc::geteuid() } != 0 {
        println!(
            "hostile: NOT RUN: the hostile clients run as an account of their own: run as root"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let accounts: Vec<String> = KINDS
        .iter()
        .map(|k| format!("sdb{}{}", std::process::id() % 100_000, &k[..4]))
        .collect();
    for a in &accounts {
        let made = Command::new("useradd")
            .args(["-M", "-s", "/bin/sh", a])
            .status()
            .unwrap();
        assert!(made.success(), "useradd {a}");
    }
    let result = std::panic::catch_unwind(|| run(tmp.path(), &accounts));
    for a in &accounts {
        let _ = Command::new("pkill").args(["-KILL", "-u", a]).status();
    }
    std::thread::sleep(Duration::from_millis(200));
    for a in &accounts {
        let _ = Command::new("userdel").arg(a).status();
    }
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// The kinds of stranger, 50 connections each.
const KINDS: [&str; 4] = ["silent", "slow", "never_reads", "oversized"];

fn run(root: &std::path::Path, accounts: &[String]) {
    let dir = root.join("data");
    let run = root.join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = root.join("office.toml");
    std::fs::write(
        &config,
        format!(
            "{}\n[server]\nmax_per_account = 64\n\n[access]\nstaff = [\"root\"]\nkiosk = [{}]\n",
            soudan::config::BUILTIN,
            accounts
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .unwrap();
    let socket = run.join("soudan.sock");
    let mut server = Command::new(env!("CARGO_BIN_EXE_soudan"))
        .env_remove("SOUDAN_STORE")
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .arg("--config")
        .arg(&config)
        .args(["serve", "--socket"])
        .arg(&socket)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !soudan::server::client::answers(&socket) {
        assert!(started.elapsed() < Duration::from_secs(60), "no server");
        std::thread::sleep(Duration::from_millis(5));
    }
    let (tx, _rx) = std::sync::mpsc::channel();
    let staff = Client::connect(&socket, "counter-1", Lang::En, tx).unwrap();
    // The slots of the weeks ahead, 100 for each phase.
    let office = soudan::config::Config::builtin().office;
    let times = [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30",
        "15:00", "15:30", "16:00",
    ];
    let mut slots = Vec::new();
    let mut d = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    while slots.len() < 200 {
        if office.calendar.is_open(d) {
            for t in times {
                for b in 1..=2u8 {
                    slots.push((d, chrono::NaiveTime::parse_from_str(t, "%H:%M").unwrap(), b));
                }
            }
        }
        d = d.succ_opt().unwrap();
    }
    // One job seeker a day: each booking its own number.
    let (mut qb, mut qd) = round_trips(&staff, &slots[..100], 0);
    let quiet_peak = status_kib(server.id(), "VmHWM");
    let script = root.join("hostile.py");
    std::fs::write(&script, HOSTILE).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
    let quiet_threads = status_kib(server.id(), "Threads");
    let mut hostile = Vec::new();
    let mut opened = Vec::new();
    for (kind, account) in KINDS.iter().zip(accounts) {
        let mut child = Command::new("runuser")
            .args(["-u", account, "--", "python3"])
            .arg(&script)
            .arg(&socket)
            .arg(kind)
            .arg("30")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        {
            use std::io::BufRead;
            let mut r = std::io::BufReader::new(child.stdout.as_mut().unwrap());
            r.read_line(&mut line).unwrap();
        }
        opened.push(line.trim().to_string());
        hostile.push(child);
    }
    std::thread::sleep(Duration::from_secs(2));
    let threads = status_kib(server.id(), "Threads");
    let (mut hb, mut hd) = round_trips(&staff, &slots[100..200], 100);
    let hostile_peak = status_kib(server.id(), "VmHWM");
    for mut child in hostile {
        let _ = child.kill();
        let _ = child.wait();
    }
    println!("hostile clients: {}", opened.join(", "));
    println!("server threads: quiet {quiet_threads}, with them {threads}");
    let (qb50, qb99, hb50, hb99) = (
        pct(&mut qb, 0.5),
        pct(&mut qb, 0.99),
        pct(&mut hb, 0.5),
        pct(&mut hb, 0.99),
    );
    let (qd50, qd99, hd50, hd99) = (
        pct(&mut qd, 0.5),
        pct(&mut qd, 0.99),
        pct(&mut hd, 0.5),
        pct(&mut hd, 0.99),
    );
    println!(
        "staff booking round trip: quiet p50 {qb50:.2} ms p99 {qb99:.2} ms; with 200 hostile p50 {hb50:.2} ms p99 {hb99:.2} ms; ratio of medians {:.2}",
        hb50 / qb50
    );
    println!(
        "staff day round trip: quiet p50 {qd50:.2} ms p99 {qd99:.2} ms; with 200 hostile p50 {hd50:.2} ms p99 {hd99:.2} ms; ratio of medians {:.2}",
        hd50 / qd50
    );
    println!(
        "server peak RSS: quiet {:.1} MiB, with the hostile clients {:.1} MiB (+{:.1} MiB)",
        quiet_peak as f64 / 1024.0,
        hostile_peak as f64 / 1024.0,
        hostile_peak.saturating_sub(quiet_peak) as f64 / 1024.0
    );
    drop(staff);
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    let _ = server.wait();
}
