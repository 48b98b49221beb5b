//! Crash safety, on the pattern of sled's own crash test: a child process
//! (this test binary, run again) books without pause and prints each id
//! only once `book` has returned, which is after the flush; the parent kills
//! it with SIGKILL at a random moment (sometimes while it is still opening
//! the database) and then checks that every printed booking is there and
//! decodes, that no slot or job seeker's day holds two live bookings, and
//! that every index agrees with the records (`Store::check`).
//!
//! The same on PostgreSQL: the child books on a throwaway cluster's
//! database, is killed, and the database is checked the same way.
//!
//! 200 kills per run on each store; `SOUDAN_CRASH_RUNS=N` asks for more. Controls show
//! the checker itself can fail: without kills everything is there; a child
//! that acknowledges before it books is caught by the same `verify`, and so
//! are a wrong id and an acknowledgement of a slot never booked.

mod common;
#[path = "common/pg_cluster.rs"]
mod pg_cluster;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveTime};
use soudan::domain::booking::{Attendance, BookingId, Channel, Slot};
use soudan::domain::seeker::{Email, JobSeekerNumber, PersonName, Seeker};
use soudan::domain::terms::{Consent, Document, checklist_all_yes};
use soudan::store::{Actor, Ctx, Engine, NewBooking, OpError, Store};

const CHILD: &str = "SOUDAN_CRASH_CHILD_DIR";
const EARLY: &str = "SOUDAN_CRASH_PRINT_EARLY";
const LIMIT: &str = "SOUDAN_CRASH_CHILD_LIMIT";
const STORE: &str = "SOUDAN_CRASH_CHILD_STORE";

/// The records: the sled folder `dir`, or office 46010 of the PostgreSQL
/// database `url`.
fn open(dir: &Path, url: Option<&str>, role: &str) -> Result<Box<dyn Engine>, String> {
    match url {
        Some(u) => soudan::store::pg::Pg::connect(u, "46010")
            .map(|p| Box::new(p) as Box<dyn Engine>)
            .map_err(|e| format!("{e:?}")),
        None => Store::open(dir, role)
            .map(|s| Box::new(s) as Box<dyn Engine>)
            .map_err(|e| format!("{e:?}")),
    }
}

/// The child: books random free slots until killed (or `LIMIT` bookings).
fn child(dir: &Path) {
    let url = std::env::var(STORE).ok();
    let store = open(dir, url.as_deref(), "crash child").unwrap();
    let early = std::env::var_os(EARLY).is_some();
    let limit: usize = std::env::var(LIMIT)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    let mut rng = fastrand::Rng::new();
    let start = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
    let at = DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap();
    let ctx = Ctx {
        at,
        actor: Actor {
            user: "crash".into(),
            terminal: "crash".into(),
        },
        channel: Some(Channel::Counter),
    };
    let mut out = std::io::stdout().lock();
    let mut done = 0;
    while done < limit {
        let date = start + chrono::Days::new(rng.u64(0..400));
        let time = NaiveTime::from_hms_opt(9 + rng.u32(0..8), 30 * rng.u32(0..2), 0).unwrap();
        let n = rng.u32(1..100_000_000);
        let new = NewBooking {
            slot: Slot {
                date,
                start: time,
                end: time + chrono::Duration::minutes(30),
                booth: 1 + rng.u8(0..2),
            },
            seeker: Seeker {
                number: JobSeekerNumber::parse(&format!("46010-{n}")).unwrap(),
                name: PersonName::parse("鹿児島 太郎").unwrap(),
                kana: None,
                email: Email::parse("t@example.jp").unwrap(),
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
        };
        // Every acknowledgement names the slot and the job seeker, so that
        // one checker reads both the honest child and the faulty one.
        let ack = format!(
            "@@ack {} {} {} {}",
            date,
            time.format("%H:%M"),
            new.slot.booth,
            new.seeker.number
        );
        if early {
            // The fault the test must catch: telling before it is durable.
            writeln!(out, "{ack} -").unwrap();
            out.flush().unwrap();
        }
        match store.book(&new, &ctx) {
            Ok(b) => {
                if !early {
                    writeln!(out, "{ack} {}", b.id).unwrap();
                    out.flush().unwrap();
                }
                done += 1;
            }
            Err(OpError::Rule(_)) if early => {
                // Taken or a second booking that day: the last
                // acknowledgement is withdrawn.
                writeln!(out, "@@taken").unwrap();
                out.flush().unwrap();
            }
            Err(OpError::Rule(_)) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
}

/// Runs the child on `dir`; kills it after `kill_after` (if any). Returns
/// the lines it printed.
fn run_child(
    dir: &Path,
    kill_after: Option<Duration>,
    early: bool,
    limit: Option<usize>,
    url: Option<&str>,
) -> Vec<String> {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD, dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    match url {
        Some(u) => cmd.env(STORE, u),
        None => cmd.env_remove(STORE),
    };
    if early {
        cmd.env(EARLY, "1");
    }
    if let Some(l) = limit {
        cmd.env(LIMIT, l.to_string());
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        // The harness prints its own words on the same stream; the child's
        // lines start at their marker.
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| l.find("@@").map(|i| l[i + 2..].to_string()))
            .collect::<Vec<String>>()
    });
    match kill_after {
        Some(d) => {
            std::thread::sleep(d);
            let _ = child.kill();
            let _ = child.wait();
        }
        None => {
            assert!(common::wait_child(&mut child, "the crash child").success());
        }
    }
    reader.join().unwrap()
}

/// The child's entry: only does anything when the parent asks.
#[test]
fn crash_child() {
    if let Some(dir) = std::env::var_os(CHILD) {
        child(Path::new(&dir));
    }
}

/// After a kill: every acknowledged booking is there (its slot holds a
/// live booking of that job seeker, with the printed id when one was
/// printed), and the database checks clean. Returns how many bookings it
/// holds, or what is wrong.
fn verify(dir: &Path, printed: &[String]) -> Result<usize, String> {
    verify_on(dir, printed, None)
}

fn verify_on(dir: &Path, printed: &[String], url: Option<&str>) -> Result<usize, String> {
    let store = open(dir, url, "crash parent")?;
    // Every booking the children could make, read once: by slot.
    let first = NaiveDate::from_ymd_opt(2027, 1, 4).unwrap();
    let held: std::collections::HashMap<
        (NaiveDate, NaiveTime, u8),
        soudan::domain::booking::Booking,
    > = store
        .range(first, first + chrono::Days::new(400))
        .map_err(|e| format!("{e:?}"))?
        .into_iter()
        .filter(|b| b.status.is_live())
        .map(|b| ((b.slot.date, b.slot.start, b.slot.booth), b))
        .collect();
    let mut acks: Vec<&str> = Vec::new();
    for line in printed {
        if let Some(ack) = line.strip_prefix("ack ") {
            acks.push(ack);
        } else if line == "taken" {
            acks.pop();
        }
    }
    for ack in acks {
        let parts: Vec<&str> = ack.split(' ').collect();
        let [date, time, booth, seeker, id] = parts[..] else {
            return Err(format!("a line cut short: {ack}"));
        };
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|e| e.to_string())?;
        let time = NaiveTime::parse_from_str(time, "%H:%M").map_err(|e| e.to_string())?;
        let booth: u8 = booth.parse().map_err(|_| format!("booth in {ack}"))?;
        let Some(b) = held.get(&(date, time, booth)) else {
            return Err(format!("acknowledged and gone: {ack}"));
        };
        if b.seeker.as_str() != seeker {
            return Err(format!("{ack}: the slot holds {} instead", b.seeker));
        }
        if id != "-" {
            let id = BookingId::parse(id).map_err(|e| format!("{e:?}"))?;
            if b.id != id {
                return Err(format!("{ack}: stored as {}", b.id));
            }
        }
    }
    let report = store.check().map_err(|e| format!("{e:?}"))?;
    if !report.problems.is_empty() {
        return Err(format!("{:?}", report.problems));
    }
    Ok(report.bookings)
}

fn acked(printed: &[String]) -> usize {
    printed.iter().filter(|l| l.starts_with("ack ")).count()
}

#[test]
fn every_reported_booking_survives_sigkill() {
    kills(200, None);
}

#[test]
fn every_reported_booking_survives_sigkill_on_postgresql() {
    let Some(cluster) = pg_cluster::Cluster::start() else {
        return;
    };
    kills(200, Some(&cluster.url()));
}

fn kills(default_runs: usize, url: Option<&str>) {
    let runs: usize = std::env::var("SOUDAN_CRASH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_runs);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut reported = 0;
    let mut during_open = 0;
    // Every acknowledgement of every run so far: each run's kill must keep
    // them all, not only its own (a booking stored but killed before its
    // acknowledgement cannot stand in for a lost one: ids are compared).
    let mut every: Vec<String> = Vec::new();
    let started = Instant::now();
    for run in 0..runs {
        // Some kills land while the child starts and opens the database.
        let ms = if rng.u8(..4) == 0 {
            rng.u64(0..15)
        } else {
            rng.u64(15..120)
        };
        let printed = run_child(dir, Some(Duration::from_millis(ms)), false, None, url);
        let ids = acked(&printed);
        if ids == 0 {
            during_open += 1;
        }
        reported += ids;
        every.extend(printed.into_iter().filter(|l| l.starts_with("ack ")));
        let held = verify_on(dir, &every, url).unwrap_or_else(|e| panic!("kill {run}: {e}"));
        assert!(held >= reported, "{held} held, {reported} reported");
    }
    assert_eq!(every.len(), reported);
    assert_eq!(
        verify_on(dir, &every, url).map(|held| held >= reported),
        Ok(true),
        "at the end, every acknowledged booking of every run"
    );
    eprintln!(
        "{runs} kills ({during_open} before the first booking), {reported} bookings reported and all present, {:.1} s ({})",
        started.elapsed().as_secs_f64(),
        if url.is_some() {
            "PostgreSQL"
        } else {
            "embedded"
        }
    );
    assert!(
        reported > runs,
        "the children booked too little to mean much: {reported}"
    );
}

#[test]
fn control_without_kills_everything_is_there() {
    let tmp = tempfile::tempdir().unwrap();
    let printed = run_child(tmp.path(), None, false, Some(50), None);
    assert_eq!(acked(&printed), 50);
    assert_eq!(verify(tmp.path(), &printed), Ok(50));
}

#[test]
fn control_the_checker_catches_an_acknowledgement_before_the_booking() {
    // The faulty child acknowledges each booking before it books it: after
    // a kill, the same `verify` finds the last one missing in some run.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = fastrand::Rng::with_seed(11);
    for run in 0..60 {
        let printed = run_child(
            dir,
            Some(Duration::from_millis(rng.u64(20..80))),
            true,
            None,
            None,
        );
        if let Err(e) = verify(dir, &printed) {
            assert!(e.contains("acknowledged and gone"), "{e}");
            eprintln!("caught after {} runs: {e}", run + 1);
            return;
        }
    }
    panic!("a booking acknowledged before it was made was never caught missing");
}

#[test]
fn control_the_checker_catches_a_wrong_id_and_a_lost_booking() {
    // An honest run, then its record tampered with: a printed id that is
    // not the slot's, and an acknowledgement of a slot never booked.
    let tmp = tempfile::tempdir().unwrap();
    let mut printed = run_child(tmp.path(), None, false, Some(5), None);
    assert_eq!(verify(tmp.path(), &printed), Ok(5));
    let first = printed.iter().position(|l| l.starts_with("ack ")).unwrap();
    let mut wrong = printed.clone();
    let line = wrong[first].clone();
    let (head, _) = line.rsplit_once(' ').unwrap();
    wrong[first] = format!("{head} 222222");
    let e = verify(tmp.path(), &wrong).unwrap_err();
    assert!(e.contains("stored as"), "{e}");
    printed.push("ack 2027-01-04 09:00 1 46010-1 -".into());
    let e = verify(tmp.path(), &printed).unwrap_err();
    assert!(e.contains("gone") || e.contains("instead"), "{e}");
}

#[test]
fn control_a_booking_lost_from_an_earlier_run_is_caught() {
    // Two honest runs; then one booking of the first is lost (cancelled
    // behind the children's back). The second run's own lines still check
    // clean: only keeping every run's acknowledgements catches it.
    let tmp = tempfile::tempdir().unwrap();
    let first = run_child(tmp.path(), None, false, Some(5), None);
    let second = run_child(tmp.path(), None, false, Some(5), None);
    let mut every: Vec<String> = first.clone();
    every.extend(second.iter().cloned());
    assert_eq!(verify(tmp.path(), &every), Ok(10));
    let id = first
        .iter()
        .find(|l| l.starts_with("ack "))
        .and_then(|l| l.rsplit(' ').next())
        .map(|id| BookingId::parse(id).unwrap())
        .unwrap();
    {
        let store = Store::open(tmp.path(), "control").unwrap();
        let at = DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap();
        let ctx = Ctx {
            at,
            actor: Actor {
                user: "control".into(),
                terminal: "control".into(),
            },
            channel: Some(Channel::Counter),
        };
        store
            .apply(
                id,
                &soudan::domain::booking::Event::Cancel {
                    reason: "lost".into(),
                },
                &ctx,
            )
            .unwrap();
        store.flush().unwrap();
    }
    assert_eq!(verify(tmp.path(), &second), Ok(10), "the last run alone");
    let e = verify(tmp.path(), &every).unwrap_err();
    assert!(e.contains("acknowledged and gone"), "{e}");
}
