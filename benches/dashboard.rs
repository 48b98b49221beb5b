//! Whole-process measurements of the dashboard (`cargo bench --bench dashboard`):
//! with 0 and 10,000 bookings (more with `SOUDAN_BENCH_SIZES=0,10000,100000`),
//! the release binary is started in a pseudo-terminal of 80x24 and timed to
//! its first frame; its peak resident memory (VmHWM) is read from /proc; and
//! the bytes it writes for one cursor move are counted. Medians of 5 runs.

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

const NOW: &str = "2026-12-03T09:45";

/// `n` bookings on consecutive open days from 2026-12-03, every slot of both booths.
fn fill(dir: &Path, n: usize) {
    let store = Store::open(dir, "bench").unwrap();
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
                for booth in [1u8, 2] {
                    if news.len() == n {
                        break;
                    }
                    i += 1;
                    news.push((
                        NewBooking {
                            slot: Slot {
                                date,
                                start: *start,
                                end: *start + chrono::Duration::minutes(30),
                                booth,
                            },
                            seeker: Seeker {
                                number: JobSeekerNumber::parse(&format!("46010-{i}")).unwrap(),
                                name: PersonName::parse(&format!(
                                    "{} {}",
                                    family[i % 10],
                                    given[(i / 10) % 10]
                                ))
                                .unwrap(),
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
                        },
                        ctx.clone(),
                    ));
                }
            }
        }
        date = date.succ_opt().unwrap();
    }
    store.book_many(&news).unwrap();
}

struct Run {
    first_frame: Duration,
    peak_kib: u64,
    move_bytes: usize,
    first_frame_bytes: usize,
}

fn drain_until_idle(
    rx: &mpsc::Receiver<Vec<u8>>,
    parser: &mut vt100::Parser,
    idle: Duration,
) -> usize {
    let mut n = 0;
    while let Ok(chunk) = rx.recv_timeout(idle) {
        n += chunk.len();
        parser.process(&chunk);
    }
    n
}

fn run_once(dir: &Path) -> Run {
    let pty = native_pty_system();
    let pair = pty
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_soudan"));
    cmd.env("SOUDAN_DATA_DIR", dir);
    cmd.env("SOUDAN_NOW", NOW);
    cmd.env("TERM", "xterm-256color");
    cmd.env("LANG", "ja_JP.UTF-8");
    let started = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let pid = child.process_id().unwrap();
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 16384];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut parser = vt100::Parser::new(24, 80, 0);
    let mut first_frame_bytes = 0;
    let first_frame = loop {
        let chunk = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("a first frame");
        first_frame_bytes += chunk.len();
        parser.process(&chunk);
        let text = parser.screen().contents();
        if text.contains("規約 2025-02-07") && text.contains("q 終了する") {
            break started.elapsed();
        }
    };
    first_frame_bytes += drain_until_idle(&rx, &mut parser, Duration::from_millis(300));
    writer.write_all(b"j").unwrap();
    writer.flush().unwrap();
    let move_bytes = drain_until_idle(&rx, &mut parser, Duration::from_millis(300));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let peak_kib = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    child.wait().unwrap();
    Run {
        first_frame,
        peak_kib,
        move_bytes,
        first_frame_bytes,
    }
}

enum Kept {
    Temp(tempfile::TempDir),
    Path(std::path::PathBuf),
}

impl Kept {
    fn path(&self) -> &Path {
        match self {
            Kept::Temp(t) => t.path(),
            Kept::Path(p) => p,
        }
    }
}

fn median<T: Ord + Copy>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let sizes: Vec<usize> = std::env::var("SOUDAN_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 10_000]);
    println!("dashboard, 80x24, median of 5 runs (release binary in a pseudo-terminal)");
    println!(
        "{:>10} {:>14} {:>12} {:>14} {:>14}",
        "bookings", "first frame", "peak RSS", "1st frame B", "cursor move B"
    );
    for n in sizes {
        let dir = tempfile::tempdir().unwrap();
        let dir = match std::env::var_os("SOUDAN_BENCH_KEEP") {
            // Keep the filled database for a look afterwards.
            Some(keep) => {
                let path = std::path::PathBuf::from(keep).join(n.to_string());
                let _ = std::fs::remove_dir_all(&path);
                std::fs::create_dir_all(&path).unwrap();
                Kept::Path(path)
            }
            None => Kept::Temp(dir),
        };
        let fill_started = Instant::now();
        fill(dir.path(), n);
        let fill_time = fill_started.elapsed();
        let runs: Vec<Run> = (0..5).map(|_| run_once(dir.path())).collect();
        println!(
            "{:>10} {:>11.1} ms {:>8.1} MiB {:>14} {:>14}   (filled in {:.1} s)",
            n,
            median(runs.iter().map(|r| r.first_frame).collect()).as_secs_f64() * 1000.0,
            median(runs.iter().map(|r| r.peak_kib).collect()) as f64 / 1024.0,
            median(runs.iter().map(|r| r.first_frame_bytes).collect()),
            median(runs.iter().map(|r| r.move_bytes).collect()),
            fill_time.as_secs_f64(),
        );
    }
}
