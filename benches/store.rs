//! In-process benchmarks of the parts every screen and every booking go
//! through (`cargo bench --bench store`):
//!
//! - open-day arithmetic (開庁日) over a whole year: for every day of 2027,
//!   whether it is open, its booking deadline and the first bookable day;
//! - opening the database, the day query (`Store::day`) and what the
//!   dashboard loads for a day (`load_day`: the day, each row's seeker,
//!   history and refusals, the month's counts), with about 1,000,000
//!   bookings (`SOUDAN_BENCH_BOOKINGS=N` chooses another size);
//! - a booking commit including the fsync (`Store::book`), on a copy of
//!   that database;
//! - rendering one dashboard frame at 80x24 and 120x40 into a `TestBackend`.
//!
//! The database is made once by the release binary's own `soudan demo`
//! with a configuration of 60 booths (a million bookings take about four
//! minutes and 2.5 GB) and kept under `target/` for the next run.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime};
use common::median;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use soudan::cli::Env;
use soudan::cli::args::Global;
use soudan::domain::booking::{Channel, Slot};
use soudan::store::{Actor, Ctx, Store};
use soudan::tui::app::{Action, App};
use soudan::tui::keymap::Command as Key;
use soudan::tui::theme::Theme;
use soudan::tui::{dispatch, load_day, view};

const NOW: &str = "2026-12-03T09:45";
const BOOTHS: u8 = 60;
/// Bookings per open day that `soudan demo` makes with 60 booths (about
/// two thirds of 780 slots).
const PER_DAY: usize = 530;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The built-in configuration with booths 3 to 60 added.
fn config_text() -> String {
    let mut text = soudan::config::BUILTIN.to_string();
    for n in 3..=BOOTHS {
        text.push_str(&format!(
            "\n[[booths]]\nnumber = {n}\nmeeting_url = \"https://meeting.example.jp/hw-kagoshima/booth-{n}?booking={{id}}\"\n"
        ));
    }
    text
}

fn env(data_dir: &Path, config: &Path) -> Env {
    let g = Global {
        data_dir: Some(data_dir.to_path_buf()),
        config: Some(config.to_path_buf()),
        lang: Some("ja".into()),
        now: Some(NOW.into()),
        ascii: false,
        server: None,
        config_may_be_missing: false,
    };
    match Env::from_global(&g) {
        Ok(env) => env,
        Err((_, e)) => panic!("environment: {e:?}"),
    }
}

/// The database of about `n` bookings, made on the first run.
fn database(n: usize) -> (PathBuf, PathBuf, usize) {
    let days = n.div_ceil(PER_DAY).clamp(1, 5000);
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("store-bench-{days}d"));
    let config = root.join("soudan.toml");
    let data = root.join("data");
    let done = root.join("filled");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(&config, config_text()).unwrap();
        eprintln!("making the database: soudan demo --days {days} with {BOOTHS} booths …");
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_soudan"))
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&data)
            .args([
                "--lang",
                "en",
                "--now",
                NOW,
                "demo",
                "--days",
                &days.to_string(),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "soudan demo failed");
        eprintln!("made in {:.1} s", started.elapsed().as_secs_f64());
        let said = [out.stdout, out.stderr].concat();
        std::fs::write(&done, said).unwrap();
    }
    let said = std::fs::read_to_string(&done).unwrap_or_default();
    println!("database: {}", said.trim());
    (data, config, days)
}

fn open_days(env: &Env) {
    let cal = &env.loaded.office.calendar;
    let first = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let days: Vec<NaiveDate> = first.iter_days().take_while(|d| d.year() == 2027).collect();
    let mut times = Vec::new();
    let mut open = 0;
    for _ in 0..101 {
        let started = Instant::now();
        open = 0;
        for &d in &days {
            if cal.is_open(d) {
                open += 1;
            }
            std::hint::black_box(cal.deadline(d, 2));
            std::hint::black_box(cal.first_bookable(d, 2));
        }
        times.push(started.elapsed());
    }
    let t = median(times);
    println!(
        "open-day arithmetic, 2027 ({} days, {open} open): {:.1} µs a year, {:.0} ns a day (is_open + deadline + first_bookable)",
        days.len(),
        us(t),
        t.as_nanos() as f64 / days.len() as f64,
    );
}

fn queries(env: &Env, data: &Path, days: usize) {
    let mut opens = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let store = Store::open(data, "bench").unwrap();
        opens.push(started.elapsed());
        drop(store);
        // sled lets go of its lock a moment after the last handle.
        std::thread::sleep(Duration::from_millis(200));
    }
    let store = Store::open(data, "bench").unwrap();
    println!(
        "Store::open (page cache warm), median of 3: {:.1} ms",
        ms(median(opens))
    );
    // 200 open days spread over the sample's days (half of them before today).
    let cal = &env.loaded.office.calendar;
    let today = env.clock.local().date();
    let mut d = cal
        .open_days_before(today, (days / 2) as u32)
        .unwrap_or(today);
    let mut sample_days = Vec::new();
    while sample_days.len() < days {
        if cal.is_open(d) {
            sample_days.push(d);
        }
        d = d + chrono::Days::new(1);
    }
    let dates: Vec<NaiveDate> = (0..200)
        .map(|i| sample_days[i * sample_days.len() / 200])
        .collect();
    let mut day_times = Vec::new();
    let mut load_times = Vec::new();
    let mut rows = Vec::new();
    for &d in &dates {
        let started = Instant::now();
        let day = store.day(d).unwrap();
        day_times.push(started.elapsed());
        rows.push(day.len());
        let started = Instant::now();
        std::hint::black_box(load_day(&store, d).unwrap());
        load_times.push(started.elapsed());
    }
    let p90 = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() * 9 / 10]
    };
    println!(
        "day query, 200 open days (median {} bookings a day): median {:.0} µs, p90 {:.0} µs",
        median(rows),
        us(median(day_times.clone())),
        us(p90(day_times)),
    );
    println!(
        "load_day (day, seekers, histories, refusals, month counts): median {:.1} ms, p90 {:.1} ms",
        ms(median(load_times.clone())),
        ms(p90(load_times)),
    );
}

fn commits(data: &Path) {
    let copy = data.with_file_name("commit-copy");
    let _ = std::fs::remove_dir_all(&copy);
    let status = Command::new("cp")
        .arg("-a")
        .arg(data)
        .arg(&copy)
        .status()
        .unwrap();
    assert!(status.success(), "cp failed");
    let store = Store::open(&copy, "bench").unwrap();
    let at = DateTime::parse_from_rfc3339("2026-12-03T09:45:00+09:00").unwrap();
    let ctx = Ctx {
        at,
        actor: Actor {
            user: "bench".into(),
            terminal: "bench".into(),
        },
        channel: Some(Channel::Phone),
    };
    // Far past the sample: every slot is free.
    let date = NaiveDate::from_ymd_opt(2045, 6, 5).unwrap();
    let start = NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    let mut times = Vec::new();
    for i in 0..200u32 {
        let slot = Slot {
            date: date + chrono::Days::new(u64::from(i / 60)),
            start,
            end: start + chrono::Duration::minutes(30),
            booth: (i % 60) as u8 + 1,
        };
        let new = common::new_booking(slot, &format!("46010-9{i:05}"), "計測 太郎", i as usize, at);
        let started = Instant::now();
        store.book(&new, &ctx).unwrap();
        times.push(started.elapsed());
    }
    let mut sorted = times.clone();
    sorted.sort();
    println!(
        "booking commit incl. fsync, 200 bookings: median {:.2} ms, p10 {:.2} ms, p90 {:.2} ms",
        ms(median(times)),
        ms(sorted[20]),
        ms(sorted[180]),
    );
    drop(store);
    std::thread::sleep(Duration::from_millis(200));
    let _ = std::fs::remove_dir_all(&copy);
}

fn frames(env: &Env, data: &Path) {
    let store = Store::open(data, "bench").unwrap();
    let mut app = App::new(
        env.lang,
        Theme::new(false),
        Arc::new(env.loaded.clone()),
        env.clock.local(),
    );
    let day = load_day(&store, app.date).unwrap();
    let rows = day.rows.len();
    dispatch(env, &store, &mut app, Action::Loaded(Box::new(day))).unwrap();
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        let mut times = Vec::new();
        for i in 0..1000 {
            // Every other frame with the cursor moved, as when a key is held.
            if i % 2 == 0 {
                dispatch(env, &store, &mut app, Action::Key(Key::Down)).unwrap();
            } else {
                dispatch(env, &store, &mut app, Action::Key(Key::Up)).unwrap();
            }
            let started = Instant::now();
            terminal.draw(|f| view::render(&app, f)).unwrap();
            times.push(started.elapsed());
        }
        println!(
            "dashboard frame {w}x{h} ({rows} bookings that day), 1000 frames: median {:.0} µs",
            us(median(times)),
        );
    }
}

/// The week view's frame (five days loaded through the same requests as
/// the dashboard), searching by phone digits, and writing a day sheet.
fn counter_day(env: &Env, data: &Path) {
    let store = Store::open(data, "bench").unwrap();
    let mut app = App::new(
        env.lang,
        Theme::new(false),
        Arc::new(env.loaded.clone()),
        env.clock.local(),
    );
    let day = load_day(&store, app.date).unwrap();
    dispatch(env, &store, &mut app, Action::Loaded(Box::new(day))).unwrap();
    let started = Instant::now();
    dispatch(env, &store, &mut app, Action::Key(Key::Week)).unwrap();
    let week_load = started.elapsed();
    let week_rows: usize = app
        .week
        .as_ref()
        .map(|w| w.iter().map(|d| d.rows.len()).sum())
        .unwrap_or(0);
    assert!(week_rows > 0, "the week view loaded its days");
    println!(
        "week view: five days loaded ({week_rows} bookings) in {:.1} ms",
        ms(week_load)
    );
    for (w, h) in [(80u16, 24u16), (120, 40)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        let mut times = Vec::new();
        for i in 0..1000 {
            let key = if i % 2 == 0 { Key::Down } else { Key::Up };
            dispatch(env, &store, &mut app, Action::Key(key)).unwrap();
            let started = Instant::now();
            terminal.draw(|f| view::render(&app, f)).unwrap();
            times.push(started.elapsed());
        }
        println!(
            "week view frame {w}x{h}, 1000 frames: median {:.0} µs",
            us(median(times)),
        );
    }
    // Search by phone: the last four digits of a job seeker on record, and
    // seven digits (one person).
    let seekers = store.seekers().unwrap();
    let phone = seekers
        .iter()
        .rev()
        .find_map(|s| s.phone.as_ref().map(|p| p.as_str().to_string()))
        .expect("the sample has phone numbers");
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    for q in [&digits[digits.len() - 4..], &digits[digits.len() - 7..]] {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..20 {
            let started = Instant::now();
            hits = soudan::desk::views::search(&store, q).unwrap().len();
            times.push(started.elapsed());
        }
        println!(
            "search by phone digits {q:?} ({} job seekers on record, {hits} hits), median of 20: {:.1} ms",
            seekers.len(),
            ms(median(times))
        );
    }
    // The day sheet of the busiest sampled day: read, built, written.
    let out = tempfile::tempdir().unwrap();
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..20 {
        let started = Instant::now();
        let day = load_day(&store, app.date).unwrap();
        let html = soudan::desk::sheet::html(&env.loaded, env.lang, &day, None, env.clock.now());
        std::fs::write(out.path().join("sheet.html"), &html).unwrap();
        times.push(started.elapsed());
        size = html.len();
    }
    println!(
        "day sheet ({} bookings, {size} bytes): read, built and written, median of 20: {:.1} ms",
        load_day(&store, app.date).unwrap().rows.len(),
        ms(median(times))
    );
}

fn main() {
    let n: usize = std::env::var("SOUDAN_BENCH_BOOKINGS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1_000_000);
    let (data, config, days) = database(n);
    let env = env(&data, &config);
    open_days(&env);
    queries(&env, &data, days);
    commits(&data);
    frames(&env, &data);
    counter_day(&env, &data);
}
