//! The office's server, whole processes (`cargo bench --bench server`): a
//! release `soudan serve` on a database of SOUDAN_BENCH_BOOKINGS bookings
//! (10,000 by default), then
//! - acknowledged (fsynced) bookings per second from 16 clients at once;
//! - how long a change takes from being sent to its announcement at each
//!   of 8 other clients (p50, p99 over 200 announced changes, each notice
//!   matched to its change by the audit event it names);
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

    // 8 listeners; one writer makes 200 changes, each announced: 100
    // bookings, then their 100 cancellations. Each notice names its change
    // (the audit trail's length it carries), so each is matched to the
    // change it tells of; the time is from the writer sending the change to
    // each listener hearing of it (the commit and fsync included).
    let (tx, rx) = mpsc::channel::<(usize, Instant, Option<u64>)>();
    let mut listeners = Vec::new();
    for i in 0..8 {
        let (ntx, nrx) = mpsc::channel();
        let c = Client::connect(&socket, &format!("screen-{i}"), Lang::En, ntx).unwrap();
        let tx = tx.clone();
        std::thread::spawn(move || {
            for notice in nrx {
                if let Notice::Changed(c) = notice {
                    let _ = tx.send((i, Instant::now(), c.events));
                }
            }
        });
        listeners.push(c);
    }
    let (wtx, _wrx) = mpsc::channel();
    let writer = Client::connect(&socket, "writer", Lang::En, wtx).unwrap();
    let day = open[filled_days + 12];
    let slot_of = |k: usize| {
        (
            day + chrono::Days::new((k / 26) as u64 * 7),
            times[k % 13],
            1 + ((k / 13) % 2) as u8,
        )
    };
    // Waits until each listener has heard a notice naming a trail of at
    // least `want` events; the arrival of each, or None when one never came.
    let hear = |want: u64| -> (Vec<Option<Instant>>, u64) {
        let mut at: Vec<Option<Instant>> = vec![None; 8];
        let mut most = 0;
        let deadline = Instant::now() + Duration::from_secs(5);
        while at.iter().any(Option::is_none) {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                break;
            };
            match rx.recv_timeout(left) {
                Ok((i, t, Some(events))) if events >= want && at[i].is_none() => {
                    at[i] = Some(t);
                    most = most.max(events);
                }
                Ok(_) => {} // an earlier change's notice, folded or late
                Err(_) => break,
            }
        }
        (at, most)
    };
    // A first booking, unmeasured: its notice tells how long the trail is.
    let (d, t, b) = slot_of(199);
    let warm = writer.call(Lang::En, request(20_000, d + chrono::Days::new(1), t, b));
    assert!(matches!(warm, Ok(Response::Booked { .. })), "{warm:?}");
    let mut trail = 0;
    let deadline = Instant::now() + Duration::from_secs(5);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left.min(Duration::from_millis(300))) {
            Ok((_, _, Some(events))) => trail = trail.max(events),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert!(trail > 0, "notices name their change (events)");
    let mut lat = Vec::new();
    let mut missed = 0;
    let mut ids = Vec::new();
    let mut replies = Vec::new();
    for k in 0..200usize {
        let req = if k < 100 {
            let (d, t, b) = slot_of(k);
            request(10_000 + k, d, t, b)
        } else {
            Request::Change {
                id: ids[k - 100],
                event: soudan::domain::booking::Event::Cancel {
                    reason: "bench".into(),
                },
            }
        };
        let sent = Instant::now();
        let answer = writer.call(Lang::En, req);
        replies.push(sent.elapsed());
        match answer {
            Ok(Response::Booked { booking, .. }) => ids.push(booking.id),
            Ok(Response::Changed { .. }) => {}
            other => panic!("change {k} was not made: {other:?}"),
        }
        // This change made the trail longer: a notice naming a longer one
        // than before tells of it (or of it folded with a later one).
        let (heard, most) = hear(trail + 1);
        trail = trail.max(most);
        for at in heard {
            match at {
                Some(at) => lat.push(at.duration_since(sent)),
                None => missed += 1,
            }
        }
    }
    assert_eq!(missed, 0, "every listener heard of every change");
    lat.sort();
    let p = |q: f64| lat[((lat.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e3;
    println!(
        "a change at 8 other clients: 200 changes (100 bookings, 100 cancellations), {} notices each matched to its change, p50 {:.2} ms, p99 {:.2} ms (from the change sent to the notice heard)",
        lat.len(),
        p(0.5),
        p(0.99)
    );
    replies.sort();
    println!(
        "the writer's own reply to those changes (commit and fsync included): p50 {:.2} ms, p99 {:.2} ms",
        replies[replies.len() / 2].as_secs_f64() * 1e3,
        replies[(replies.len() - 1) * 99 / 100].as_secs_f64() * 1e3
    );
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
