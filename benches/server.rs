//! The office's server, whole processes (`cargo bench --bench server`): a
//! release `soudan serve` on a database of SOUDAN_BENCH_BOOKINGS bookings
//! (10,000 by default), then
//! - acknowledged (fsynced) bookings per second from 16 clients at once;
//! - how long a change takes from its reply to the announcement at each of
//!   8 other clients (p50, p99 over 200 changes);
//! - the server's start (to its socket answering) and its peak memory.

mod common;

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use soudan::desk::BookingRequest;
use soudan::desk::request::{Request, Response};
use soudan::domain::booking::Channel;
use soudan::domain::office::{Override, SlotRequest};
use soudan::domain::seeker::{Email, JobSeekerNumber, PersonName, Seeker};
use soudan::domain::terms::{Document, checklist_all_yes};
use soudan::i18n::Lang;
use soudan::server::client::{Client, Notice};

const NOW: &str = "2026-12-01T09:00";

fn request(n: usize, date: chrono::NaiveDate, time: &str, booth: u8) -> Request {
    Request::Book(Box::new(BookingRequest {
        slot: SlotRequest {
            date,
            time: chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap(),
            booth,
        },
        late: Override::None,
        seeker: Seeker {
            number: JobSeekerNumber::parse(&format!("46010-8{n:07}")).unwrap(),
            name: PersonName::parse("試験 太郎").unwrap(),
            kana: None,
            email: Email::parse("t@example.jp").unwrap(),
            phone: None,
            registered_on: None,
        },
        channel: Channel::Counter,
        documents: Document::ALL.to_vec(),
        checklist: checklist_all_yes(),
        interpreter: None,
        caregiver: false,
        contact: soudan::store::Contact::Keep,
    }))
}

fn peak_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() {
    // The fill in a child process (see the dashboard's bench): the bench's
    // own memory would slow every fork of the server and clients.
    if let Ok(job) = std::env::var("SOUDAN_BENCH_FILL") {
        let (n, dir) = job.split_once(':').unwrap();
        common::fill(std::path::Path::new(dir), n.parse().unwrap());
        return;
    }
    let n: usize = std::env::var("SOUDAN_BENCH_BOOKINGS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::fs::create_dir_all(&dir).unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .env("SOUDAN_BENCH_FILL", format!("{n}:{}", dir.display()))
        .status()
        .unwrap();
    assert!(status.success(), "the fill failed");
    let socket = dir.join("soudan.sock");
    let spawn = |now: &str| {
        Command::new(env!("CARGO_BIN_EXE_soudan"))
            .env("SOUDAN_DATA_DIR", &dir)
            .env("SOUDAN_NOW", now)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let wait_up = |started: Instant| {
        while !soudan::server::client::answers(&socket) {
            assert!(started.elapsed() < Duration::from_secs(120), "no server");
            std::thread::sleep(Duration::from_millis(1));
        }
        started.elapsed()
    };
    // Its start on the filled database: median of 5.
    let mut starts = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut s = spawn(NOW);
        starts.push(wait_up(t));
        rss.push(peak_kib(s.id()));
        unsafe {
            libc::kill(s.id() as i32, libc::SIGTERM);
        }
        let _ = s.wait();
    }
    println!(
        "server on {n} bookings: answering after {:.1} ms (median of 5), peak RSS {:.1} MiB",
        common::median(starts).as_secs_f64() * 1e3,
        common::median(rss) as f64 / 1024.0
    );
    // The office's clock after the filled days, so that free days are within
    // the horizon (the past ones turn into no-shows once, at the start).
    let first = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let office = soudan::config::Config::builtin().office;
    let filled_days = n.div_ceil(26);
    // Enough calendar days for the filled open days and the ones after.
    let open: Vec<chrono::NaiveDate> = (0..(filled_days as u64 * 2 + 400))
        .map(|d| first + chrono::Days::new(d))
        .filter(|d| office.calendar.is_open(*d))
        .collect();
    let now = format!("{}T08:00", open[filled_days]);
    let mut server = spawn(&now);
    wait_up(Instant::now());

    // 16 clients, each booking its own slots on days beyond the filled ones.
    let times = [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30",
        "15:00", "15:30", "16:00",
    ];
    let days: Vec<chrono::NaiveDate> = open.iter().copied().skip(filled_days + 3).take(8).collect();
    let mut slots = Vec::new();
    for d in &days {
        for t in times {
            for b in 1..=2u8 {
                slots.push((*d, t, b));
            }
        }
    }
    let per = slots.len() / 16;
    let slots = std::sync::Arc::new(slots);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(16));
    let t0 = Instant::now();
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let socket = socket.clone();
            let slots = slots.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let (tx, _rx) = mpsc::channel();
                let c = Client::connect(&socket, &format!("bench-{i}"), Lang::En, tx).unwrap();
                barrier.wait();
                let mut ok = 0;
                for k in (i * per)..((i + 1) * per) {
                    let (d, t, b) = slots[k];
                    // One job seeker a day: a seeker per slot.
                    match c.call(Lang::En, request(k, d, t, b)) {
                        Ok(Response::Booked { .. }) => ok += 1,
                        other => eprintln!(
                            "{d} {t} {b}: {:?}",
                            other.err().map(|e| e.message(Lang::En))
                        ),
                    }
                }
                ok
            })
        })
        .collect();
    let booked: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(booked, per * 16, "every booking acknowledged");
    println!(
        "16 clients: {booked} bookings acknowledged in {secs:.2} s: {:.0} a second",
        booked as f64 / secs
    );

    // 8 listeners; one writer makes 200 changes (bookings, then their
    // cancellations); the time from each reply to each listener's notice.
    let (tx, rx) = mpsc::channel::<(usize, Instant)>();
    let mut listeners = Vec::new();
    for i in 0..8 {
        let (ntx, nrx) = mpsc::channel();
        let c = Client::connect(&socket, &format!("screen-{i}"), Lang::En, ntx).unwrap();
        let tx = tx.clone();
        std::thread::spawn(move || {
            for notice in nrx {
                if let Notice::Changed(_) = notice {
                    let _ = tx.send((i, Instant::now()));
                }
            }
        });
        listeners.push(c);
    }
    let (wtx, _wrx) = mpsc::channel();
    let writer = Client::connect(&socket, "writer", Lang::En, wtx).unwrap();
    let mut lat = Vec::new();
    let day = open[filled_days + 12];
    for k in 0..200usize {
        let (t, b) = (times[k % 13], 1 + ((k / 13) % 2) as u8);
        let req = if k < 26 || (k / 26) % 2 == 0 {
            request(
                10_000 + k,
                day + chrono::Days::new((k / 26) as u64 * 7),
                t,
                b,
            )
        } else {
            Request::Sweep
        };
        let _ = writer.call(Lang::En, req);
        let sent = Instant::now();
        let mut heard = 0;
        while heard < 8 {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok((_, at)) => {
                    lat.push(at.saturating_duration_since(sent));
                    heard += 1;
                }
                Err(_) => break,
            }
        }
    }
    lat.sort();
    if !lat.is_empty() {
        let p = |q: f64| lat[((lat.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e3;
        println!(
            "a change at 8 other clients: {} notices, p50 {:.2} ms, p99 {:.2} ms (from the writer's reply)",
            lat.len(),
            p(0.5),
            p(0.99)
        );
    }
    println!(
        "server peak RSS after all this: {:.1} MiB",
        peak_kib(server.id()) as f64 / 1024.0
    );
    drop(listeners);
    drop(writer);
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    let _ = server.wait();
}
