//! What the whole-process benchmarks share: a database filled with
//! bookings, and the release binary in a pseudo-terminal whose output is
//! counted byte by byte.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Weekday};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use soudan::domain::booking::{Attendance, Channel, Slot};
use soudan::domain::calendar::OfficeCalendar;
use soudan::domain::seeker::{Email, JobSeekerNumber, PersonName, Seeker};
use soudan::domain::terms::{Consent, Document, checklist_all_yes};
use soudan::store::{Actor, Ctx, NewBooking, Store};

/// `n` bookings on consecutive open days from 2026-12-03, every slot of both booths.
pub fn fill(dir: &Path, n: usize) {
    fill_booths(dir, n, &[1, 2]);
}

/// `n` bookings as [`fill`] makes them, in `booths` only.
pub fn fill_booths(dir: &Path, n: usize, booths: &[u8]) {
    let store = Store::open(dir, "bench").unwrap();
    // A training folder: the benchmarks run the binary with a fixed clock.
    store.claim_clock(true).unwrap();
    let at = DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap();
    let ctx = Ctx {
        at,
        actor: Actor {
            user: "bench".into(),
            terminal: "bench".into(),
        },
        channel: Some(Channel::Counter),
    };
    let cal = OfficeCalendar::default();
    let starts: Vec<NaiveTime> = [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30",
        "15:00", "15:30", "16:00",
    ]
    .iter()
    .map(|s| NaiveTime::parse_from_str(s, "%H:%M").unwrap())
    .collect();
    let family = [
        "山田", "鈴木", "佐藤", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤",
    ];
    let given = [
        "太郎",
        "花子",
        "一郎",
        "美咲",
        "健",
        "さくら",
        "翔",
        "結衣",
        "大輔",
        "陽菜",
    ];
    let mut date = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let mut news = Vec::with_capacity(n);
    let mut i = 0usize;
    while news.len() < n {
        if cal.is_open(date) && !matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            for start in &starts {
                for &booth in booths {
                    if news.len() == n {
                        break;
                    }
                    i += 1;
                    let slot = Slot {
                        date,
                        start: *start,
                        end: *start + chrono::Duration::minutes(30),
                        booth,
                    };
                    let name = format!("{} {}", family[i % 10], given[(i / 10) % 10]);
                    news.push((
                        new_booking(slot, &format!("46010-{i}"), &name, i, at),
                        ctx.clone(),
                    ));
                }
            }
        }
        date = date.succ_opt().unwrap();
    }
    store.book_many(&news).unwrap();
    // The office's mail for these went out long ago: nothing stays queued.
    let seqs: Vec<u64> = store.mail_queue().unwrap().iter().map(|m| m.seq).collect();
    store.mail_done_many(&seqs).unwrap();
}

/// A counter booking of `slot` for job seeker `number`, consented and
/// checked as the rules ask.
pub fn new_booking(
    slot: Slot,
    number: &str,
    name: &str,
    i: usize,
    at: DateTime<chrono::FixedOffset>,
) -> NewBooking {
    NewBooking {
        slot,
        seeker: Seeker {
            number: JobSeekerNumber::parse(number).unwrap(),
            name: PersonName::parse(name).unwrap(),
            kana: None,
            email: Email::parse(&format!("s{i}@example.jp")).unwrap(),
            phone: None,
            registered_on: None,
        },
        channel: Channel::Counter,
        consent: Consent {
            terms_version: "2025-02-07".into(),
            at,
            documents: Document::ALL.to_vec(),
        },
        checklist: checklist_all_yes(),
        attendance: Attendance::default(),
        meeting_url_template: "https://meeting.example.jp/{id}".into(),
        late_override: None,
    }
}

/// The release binary running in a pseudo-terminal of 80x24.
pub struct Pty {
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    pub pid: u32,
    pub started: Instant,
    rx: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    pub parser: vt100::Parser,
}

impl Pty {
    pub fn spawn(args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_soudan"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "ja_JP.UTF-8");
        cmd.env_remove("SOUDAN_LANG");
        cmd.env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let pid = child.process_id().unwrap();
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Pty {
            child,
            pid,
            started,
            rx,
            writer,
            _master: pair.master,
            parser: vt100::Parser::new(24, 80, 0),
        }
    }

    /// Reads until `pred` holds for the screen text; the bytes read.
    pub fn until(&mut self, pred: impl Fn(&str) -> bool) -> usize {
        let mut n = 0;
        loop {
            let chunk = self
                .rx
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| {
                    panic!("timed out; screen:\n{}", self.parser.screen().contents())
                });
            n += chunk.len();
            self.parser.process(&chunk);
            if pred(&self.parser.screen().contents()) {
                return n;
            }
        }
    }

    /// Reads until nothing comes for `idle`; the bytes read.
    pub fn drain(&mut self, idle: Duration) -> usize {
        let mut n = 0;
        while let Ok(chunk) = self.rx.recv_timeout(idle) {
            n += chunk.len();
            self.parser.process(&chunk);
        }
        n
    }

    /// Sends `keys` and counts what the program writes back.
    pub fn key(&mut self, keys: &[u8]) -> usize {
        self.writer.write_all(keys).unwrap();
        self.writer.flush().unwrap();
        self.drain(Duration::from_millis(250))
    }

    /// Waits for the program to end, at most 30 s: a bench that sticks
    /// fails instead of hanging.
    pub fn wait(&mut self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "{what}: {status:?}");
                return;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!(
                    "{what}: still running after 30 s; screen:\n{}",
                    self.parser.screen().contents()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Fails the bench unless the screen shows `want`: a figure taken on
    /// the wrong screen measures the wrong thing.
    pub fn expect(&self, step: &str, want: &str) {
        let screen = self.parser.screen().contents();
        assert!(
            screen.contains(want),
            "{step}: the screen does not show {want:?}:\n{screen}"
        );
    }

    /// CPU time the program has used so far (user and system, all its
    /// threads), from /proc, in clock ticks of 10 ms.
    pub fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        // The fields after the command name, which is in parentheses.
        let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
        let f: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the whole line.
        let utime: u64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0);
        let stime: u64 = f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
        utime + stime
    }

    /// Sends `keys` and returns once the program has answered and then
    /// been quiet for `idle`.
    pub fn key_answered(&mut self, keys: &[u8], idle: Duration) -> usize {
        self.writer.write_all(keys).unwrap();
        self.writer.flush().unwrap();
        let chunk = self
            .rx
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| panic!("no answer to {keys:?}"));
        self.parser.process(&chunk);
        chunk.len() + self.drain(idle)
    }

    /// Peak resident memory so far (VmHWM), in KiB.
    pub fn peak_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

pub fn median<T: Ord + Copy>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}
