//! The PostgreSQL store beside the embedded database (`cargo bench --bench
//! postgres`): a throwaway cluster, `SOUDAN_BENCH_PG_OFFICES` offices (50)
//! of `SOUDAN_BENCH_PG_PER_OFFICE` bookings each (20,000) in one database;
//! a booking commit and a day query in-process on each store, and a whole
//! `soudan book` on each. The embedded database holds one office of the
//! same size (each office has its own). Then the servers: a dashboard's
//! first frame through a server of an office of that size, acknowledged
//! bookings a second from 16 clients across two servers of one office on
//! the database (one server on the embedded one), and each server's peak
//! RSS.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "common/mod.rs"]
mod fillers;
#[path = "../tests/common/pg_cluster.rs"]
mod pg_cluster;

use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime};
use soudan::domain::booking::Slot;
use soudan::store::Engine;
use soudan::store::pg::Pg;
use soudan::store::{Actor, Contact, Ctx, Store};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default)
}

fn p90(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() * 9 / 10]
}

fn main() {
    let offices = env_number("SOUDAN_BENCH_PG_OFFICES", 50);
    let per_office = env_number("SOUDAN_BENCH_PG_PER_OFFICE", 20_000);
    let Some(cluster) = pg_cluster::Cluster::start() else {
        eprintln!("PostgreSQL is not installed: nothing measured");
        return;
    };
    let url = cluster.url();
    let sled_dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    fillers::fill(sled_dir.path(), per_office);
    let store = Store::open(sled_dir.path(), "bench").unwrap();
    let snapshot = store.snapshot().unwrap();
    println!(
        "one office of {} bookings made in {:.1} s",
        snapshot.bookings.len(),
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    for o in 0..offices {
        let code = format!("{}", 46010 + o * 10);
        let pg = Pg::connect(&url, &code).unwrap();
        pg.claim_clock(true).unwrap();
        pg.restore(&snapshot).unwrap();
    }
    println!(
        "PostgreSQL: {offices} offices × {} = {} bookings imported in {:.1} s",
        snapshot.bookings.len(),
        offices * snapshot.bookings.len(),
        started.elapsed().as_secs_f64()
    );
    let mut db = cluster.client("postgres");
    db.batch_execute("VACUUM ANALYZE").ok();
    let mut db = cluster.client("soudan");
    db.batch_execute("VACUUM ANALYZE").unwrap();

    // The day query: 200 days of the filled range, on each store.
    let mut days: Vec<NaiveDate> = snapshot.bookings.iter().map(|b| b.slot.date).collect();
    days.sort();
    days.dedup();
    let sample: Vec<NaiveDate> = (0..200).map(|i| days[i * days.len() / 200]).collect();
    let pg = Pg::connect(&url, "46010").unwrap();
    let (mut on_pg, mut on_sled) = (Vec::new(), Vec::new());
    let mut rows = 0;
    for d in &sample {
        let t = Instant::now();
        rows = pg.day(*d).unwrap().len();
        on_pg.push(t.elapsed());
        let t = Instant::now();
        std::hint::black_box(store.day(*d).unwrap());
        on_sled.push(t.elapsed());
    }
    println!(
        "day query ({rows} bookings a day), 200 days: PostgreSQL median {:.2} ms (p90 {:.2}), embedded median {:.2} ms (p90 {:.2})",
        ms(common_median(on_pg.clone())),
        ms(p90(on_pg)),
        ms(common_median(on_sled.clone())),
        ms(p90(on_sled))
    );

    // A booking commit: 200 bookings on free slots of 2031, on each store.
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap();
    let ctx = Ctx {
        at,
        actor: Actor::system("bench"),
        channel: Some(soudan::domain::booking::Channel::Counter),
    };
    let (mut on_pg, mut on_sled) = (Vec::new(), Vec::new());
    for i in 0..200u32 {
        let date =
            NaiveDate::from_ymd_opt(2031, 1, 6).unwrap() + chrono::Days::new(u64::from(i / 13));
        let start = NaiveTime::from_hms_opt(9 + (i % 13) / 2, 30 * (i % 2), 0).unwrap();
        let slot = Slot {
            date,
            start,
            end: start + chrono::Duration::minutes(30),
            booth: 1,
        };
        let new = fillers::new_booking(
            slot,
            &format!("46010-9{i:05}"),
            "山田 太郎",
            900_000 + i as usize,
            at,
        );
        let t = Instant::now();
        pg.book_once(&new, &ctx, Contact::Keep, None).unwrap();
        on_pg.push(t.elapsed());
        let t = Instant::now();
        store.book(&new, &ctx).unwrap();
        on_sled.push(t.elapsed());
    }
    println!(
        "booking commit (durable), 200 bookings: PostgreSQL median {:.2} ms (p90 {:.2}), embedded median {:.2} ms (p90 {:.2})",
        ms(common_median(on_pg.clone())),
        ms(p90(on_pg)),
        ms(common_median(on_sled.clone())),
        ms(p90(on_sled))
    );
    // A whole `soudan book` process on each store, of a free slot: the
    // fill leaves none within the booking horizon, so the booth-1 booking
    // of each slot time the processes will book is cancelled first, on both
    // stores (the same bookings: PostgreSQL's office was restored from the
    // embedded one).
    let whole_days = ["2027-01-18", "2027-01-19", "2027-01-20"];
    let whole_times = [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00",
    ];
    let mut freed = 0;
    for b in &snapshot.bookings {
        let day = b.slot.date.to_string();
        let time = b.slot.start.format("%H:%M").to_string();
        if b.slot.booth == 1
            && whole_days.contains(&day.as_str())
            && whole_times.contains(&time.as_str())
        {
            let cancel = soudan::domain::booking::Event::Cancel {
                reason: "bench".into(),
            };
            store.apply(b.id, &cancel, &ctx).unwrap();
            pg.apply(b.id, &cancel, &ctx).unwrap();
            freed += 1;
        }
    }
    assert_eq!(freed, whole_days.len() * whole_times.len());
    store.flush().unwrap();
    drop(store);
    std::thread::sleep(Duration::from_millis(300));

    let whole = |store_url: Option<&str>, i: usize| -> Duration {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_soudan"));
        c.env("SOUDAN_DATA_DIR", sled_dir.path())
            .env("SOUDAN_NOW", "2026-12-01T09:00")
            .env_remove("SOUDAN_CONFIG")
            .env_remove("SOUDAN_SERVER");
        match store_url {
            Some(u) => c.env("SOUDAN_STORE", u),
            None => c.env_remove("SOUDAN_STORE"),
        };
        let seeker = format!("46010-8{i:05}");
        let email = format!("b{i}@example.jp");
        let day = whole_days[i % 3];
        let time = whole_times[(i / 3) % 7];
        c.args([
            "book",
            "--date",
            day,
            "--time",
            time,
            "--seeker",
            &seeker,
            "--name",
            "山田 太郎",
            "--email",
            &email,
            "--consent",
            "--checklist",
            "--override-deadline",
            "bench",
        ]);
        let t = Instant::now();
        let o = c.output().unwrap();
        let took = t.elapsed();
        // Only real bookings are timed: a refusal fails the bench.
        assert_eq!(
            o.status.code(),
            Some(0),
            "{day} {time}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        took
    };
    let on_pg: Vec<Duration> = (0..20).map(|i| whole(Some(&url), i)).collect();
    let on_sled: Vec<Duration> = (0..20).map(|i| whole(None, i)).collect();
    println!(
        "`soudan book`, whole process, 20 real bookings (each exit 0): PostgreSQL median {:.1} ms, embedded median {:.1} ms",
        ms(common_median(on_pg)),
        ms(common_median(on_sled))
    );
    servers(&url, sled_dir.path(), offices, snapshot.bookings.len());
}

/// `soudan serve` for the data dir `dir` on `store` (None: the embedded
/// database), with `config`; waits until its socket answers.
fn serve(
    dir: &std::path::Path,
    store: Option<&str>,
    config: Option<&std::path::Path>,
    now: &str,
) -> std::process::Child {
    std::fs::create_dir_all(dir).unwrap();
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_soudan"));
    c.env("SOUDAN_DATA_DIR", dir)
        .env("SOUDAN_NOW", now)
        .env_remove("SOUDAN_SERVER")
        .arg("serve")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(dir.join("server.log")).unwrap());
    match store {
        Some(u) => c.env("SOUDAN_STORE", u),
        None => c.env_remove("SOUDAN_STORE"),
    };
    match config {
        Some(p) => c.env("SOUDAN_CONFIG", p),
        None => c.env_remove("SOUDAN_CONFIG"),
    };
    let child = c.spawn().unwrap();
    let socket = dir.join("soudan.sock");
    let t = Instant::now();
    while !soudan::server::client::answers(&socket) {
        assert!(t.elapsed() < Duration::from_secs(120), "no server");
        std::thread::sleep(Duration::from_millis(2));
    }
    child
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

fn stop(mut child: std::process::Child) {
    // SAFETY: kill(2) of our own child.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let _ = child.wait();
}

/// 16 clients, each booking its own free slots of the 40 open days from
/// 2026-12-07 through the servers at `sockets` (taken in turn); the
/// bookings acknowledged and the seconds they took.
fn sixteen_clients(sockets: &[std::path::PathBuf]) -> (usize, f64) {
    use soudan::desk::request::Response;
    use soudan::i18n::Lang;
    let office = soudan::config::Config::builtin().office;
    let first = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let days: Vec<NaiveDate> = (0..80)
        .map(|d| first + chrono::Days::new(d))
        .filter(|d| office.calendar.is_open(*d))
        .take(40)
        .collect();
    let mut slots = Vec::new();
    for d in &days {
        for t in &office.starts {
            for b in &office.booths {
                slots.push((*d, *t, b.number));
            }
        }
    }
    let per = slots.len() / 16;
    let slots = std::sync::Arc::new(slots);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(16));
    let t0 = Instant::now();
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let socket = sockets[i % sockets.len()].clone();
            let (slots, barrier) = (slots.clone(), barrier.clone());
            std::thread::spawn(move || {
                let (tx, _rx) = std::sync::mpsc::channel();
                let c = soudan::server::client::Client::connect(
                    &socket,
                    &format!("bench-{i}"),
                    Lang::En,
                    tx,
                )
                .unwrap();
                barrier.wait();
                let mut ok = 0;
                for k in (i * per)..((i + 1) * per) {
                    let (d, t, b) = slots[k];
                    let req = common::book_request(&format!("46990-{k:06}"), d, t, b);
                    match c.call(Lang::En, req) {
                        Ok(Response::Booked { .. }) => ok += 1,
                        other => panic!(
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
    (booked, t0.elapsed().as_secs_f64())
}

/// The servers' figures: first frames through a server of office 46010
/// (one of the filled offices), then the 16 clients on a new
/// office of the same database across two servers, and on the embedded
/// database through one.
fn servers(url: &str, work: &std::path::Path, offices: usize, per_office: usize) {
    // The dashboard joining a server, on the same full day (2026-12-03,
    // the fill's first, 26 bookings) on each store: medians of 5 joins
    // after the first.
    let dash_dir = work.join("dash");
    let server = serve(&dash_dir, Some(url), None, DAY);
    let (frame, rss) = dashboards(&dash_dir, Some(url));
    println!(
        "dashboard through a server on PostgreSQL, a full day (an office of {per_office} among {}): first frame {:.1} ms (median of 5), its peak RSS {:.1} MiB; the server's peak RSS {:.1} MiB",
        offices * per_office,
        ms(frame),
        rss as f64 / 1024.0,
        peak_kib(server.id()) as f64 / 1024.0
    );
    stop(server);
    let server = serve(work, None, None, DAY);
    let (frame, rss) = dashboards(work, None);
    println!(
        "dashboard through a server on the embedded database, the same full day (an office of {per_office}): first frame {:.1} ms (median of 5), its peak RSS {:.1} MiB; the server's peak RSS {:.1} MiB",
        ms(frame),
        rss as f64 / 1024.0,
        peak_kib(server.id()) as f64 / 1024.0
    );
    stop(server);

    // A new office in the same database, two servers for it.
    let config = work.join("46990.toml");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_soudan"))
        .env("SOUDAN_DATA_DIR", work.join("cfg"))
        .env_remove("SOUDAN_CONFIG")
        .env_remove("SOUDAN_STORE")
        .arg("config")
        .output()
        .unwrap();
    let text = String::from_utf8(o.stdout)
        .unwrap()
        .replace("code = \"46010\"", "code = \"46990\"");
    std::fs::write(&config, text).unwrap();
    let (a_dir, b_dir) = (work.join("a"), work.join("b"));
    let a = serve(&a_dir, Some(url), Some(&config), NOW);
    let b = serve(&b_dir, Some(url), Some(&config), NOW);
    let (booked, secs) = sixteen_clients(&[a_dir.join("soudan.sock"), b_dir.join("soudan.sock")]);
    println!(
        "16 clients across 2 servers on PostgreSQL: {booked} bookings acknowledged in {secs:.2} s: {:.0} a second; peak RSS server a {:.1} MiB, server b {:.1} MiB",
        booked as f64 / secs,
        peak_kib(a.id()) as f64 / 1024.0,
        peak_kib(b.id()) as f64 / 1024.0
    );
    stop(a);
    stop(b);
    let s_dir = work.join("sled");
    let s = serve(&s_dir, None, Some(&config), NOW);
    let (booked, secs) = sixteen_clients(&[s_dir.join("soudan.sock")]);
    println!(
        "16 clients through 1 server on the embedded database: {booked} bookings acknowledged in {secs:.2} s: {:.0} a second; peak RSS {:.1} MiB",
        booked as f64 / secs,
        peak_kib(s.id()) as f64 / 1024.0
    );
    stop(s);
}

/// Six dashboards joining the server of `dir` one after another, each to
/// its first frame of 2026-12-03 (a full day) and `q`: the median first
/// frame and peak RSS of the last five.
fn dashboards(dir: &std::path::Path, url: Option<&str>) -> (Duration, u64) {
    let mut frames = Vec::new();
    let mut rss = Vec::new();
    for _ in 0..6 {
        let mut env: Vec<(&str, &std::ffi::OsStr)> = vec![
            ("SOUDAN_DATA_DIR", dir.as_os_str()),
            ("SOUDAN_NOW", DAY.as_ref()),
        ];
        if let Some(u) = url {
            env.push(("SOUDAN_STORE", u.as_ref()));
        }
        let mut p = fillers::Pty::spawn(&[], &env);
        // The day's own rows, not only the frame around them.
        p.until(|text| {
            text.contains("規約 2025-02-07")
                && text.contains("q 終了する")
                && ["山田", "鈴木", "佐藤"].iter().any(|n| text.contains(n))
        });
        frames.push(p.started.elapsed());
        rss.push(p.peak_kib());
        p.key(b"q");
        p.wait("the dashboard after q");
    }
    frames.remove(0);
    rss.remove(0);
    (fillers::median(frames), fillers::median(rss))
}

/// The clock of the bookings and the 16 clients.
const NOW: &str = "2026-12-01T09:00";

/// The clock of the dashboards: the morning of the fill's first day.
const DAY: &str = "2026-12-03T09:00";

fn common_median(v: Vec<Duration>) -> Duration {
    fillers::median(v)
}
