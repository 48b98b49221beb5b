//! The PostgreSQL store beside the embedded database (`cargo bench --bench
//! postgres`): a throwaway cluster, `SOUDAN_BENCH_PG_OFFICES` offices (50)
//! of `SOUDAN_BENCH_PG_PER_OFFICE` bookings each (20,000) in one database;
//! a booking commit and a day query in-process on each store, and a whole
//! `soudan book` on each. The embedded database holds one office of the
//! same size (each office has its own).

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
    drop(store);
    std::thread::sleep(Duration::from_millis(300));

    // A whole `soudan book` process on each store.
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
        let day = ["2027-01-18", "2027-01-19", "2027-01-20"][i % 3];
        let time = [
            "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00",
        ][(i / 3) % 7];
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
        assert!(
            o.status.code().is_some_and(|c| c == 0 || c == 3),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        took
    };
    let on_pg: Vec<Duration> = (0..20).map(|i| whole(Some(&url), i)).collect();
    let on_sled: Vec<Duration> = (0..20).map(|i| whole(None, i)).collect();
    println!(
        "`soudan book`, whole process, median of 20: PostgreSQL {:.1} ms, embedded {:.1} ms",
        ms(common_median(on_pg)),
        ms(common_median(on_sled))
    );
}

fn common_median(v: Vec<Duration>) -> Duration {
    fillers::median(v)
}
