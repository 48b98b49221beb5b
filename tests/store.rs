//! The store against a real sled database in a temporary folder: races,
//! random operation sequences against a simple model (reopening the database
//! between steps), locking, schema versions, damage, and the audit trail.
//! The model test runs on a real PostgreSQL database as well (a throwaway
//! cluster, a new office for each sequence, a new connection each step).

mod common;
#[path = "common/pg_cluster.rs"]
mod pg_cluster;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Barrier};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use proptest::prelude::*;
use soudan::domain::booking::{Attendance, BookingId, Channel, Event, Slot, Status, Violation};
use soudan::domain::seeker::{Email, JobSeekerNumber, PersonName, Seeker};
use soudan::domain::terms::{Consent, Document, checklist_all_yes};
use soudan::store::{Actor, Ctx, Engine, NewBooking, OpError, Store, StoreError};

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

fn ctx(t: DateTime<FixedOffset>) -> Ctx {
    Ctx {
        at: t,
        actor: Actor {
            user: "staff1".into(),
            terminal: "counter-pc:pts/1".into(),
        },
        channel: Some(Channel::Phone),
    }
}

fn seeker(n: u32) -> Seeker {
    Seeker {
        number: JobSeekerNumber::parse(&format!("46010-{n}")).unwrap(),
        name: PersonName::parse(&format!("山田 太郎{n}")).unwrap(),
        kana: None,
        email: Email::parse(&format!("taro{n}@example.jp")).unwrap(),
        phone: None,
        registered_on: None,
    }
}

fn slot(date: NaiveDate, minute_of_day: u32, booth: u8) -> Slot {
    let start = NaiveTime::from_hms_opt(minute_of_day / 60, minute_of_day % 60, 0).unwrap();
    Slot {
        date,
        start,
        end: start + Duration::minutes(30),
        booth,
    }
}

fn new_booking(slot: Slot, seeker: Seeker) -> NewBooking {
    NewBooking {
        slot,
        seeker,
        channel: Channel::Phone,
        consent: Consent {
            terms_version: "2025-02-07".into(),
            at: at("2026-12-01T09:00:00+09:00"),
            documents: Document::ALL.to_vec(),
        },
        checklist: checklist_all_yes(),
        attendance: Attendance::default(),
        meeting_url_template: "https://meeting.example.jp/{id}".into(),
        late_override: None,
    }
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

#[test]
fn sixteen_threads_racing_for_one_slot_make_exactly_one_booking() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                store.book(
                    &new_booking(slot(day(), 600, 1), seeker(100 + i)),
                    &ctx(at("2026-12-01T09:00:00+09:00")),
                )
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let won = results.iter().filter(|r| r.is_ok()).count();
    let taken = results
        .iter()
        .filter(|r| matches!(r, Err(OpError::Rule(Violation::SlotTaken { .. }))))
        .count();
    assert_eq!(won, 1, "{results:?}");
    assert_eq!(taken, 15);
    assert_eq!(store.day(day()).unwrap().len(), 1);
    assert!(store.check().unwrap().problems.is_empty());
}

#[test]
fn one_job_seeker_racing_for_two_slots_the_same_day_gets_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16u32)
        .map(|i| {
            let store = store.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let s = slot(day(), 540 + 30 * (i % 8), 1 + (i / 8) as u8);
                store.book(
                    &new_booking(s, seeker(7)),
                    &ctx(at("2026-12-01T09:00:00+09:00")),
                )
            })
        })
        .collect();
    let won = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|r| r.is_ok())
        .count();
    assert_eq!(won, 1);
    assert!(store.check().unwrap().problems.is_empty());
}

#[test]
fn a_second_open_is_refused_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let _first = Store::open(dir.path(), "dashboard").unwrap();
    match Store::open(dir.path(), "soudan day") {
        Err(StoreError::Locked { dir: d, holder }) => {
            assert_eq!(d, dir.path());
            assert!(holder.unwrap().starts_with("dashboard (pid "));
        }
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("a second open must fail"),
    }
}

#[test]
fn a_database_of_a_newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path().join("db")).unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("schema_version", &99u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    match Store::open(dir.path(), "test") {
        Err(StoreError::Newer {
            found: 99,
            supported: 1,
            ..
        }) => {}
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("must refuse"),
    }
    let db = sled::open(dir.path().join("db")).unwrap();
    assert_eq!(
        db.open_tree("meta")
            .unwrap()
            .get("schema_version")
            .unwrap()
            .unwrap()
            .as_ref(),
        &99u32.to_be_bytes()
    );
}

#[test]
fn a_damaged_record_is_reported_not_panicked() {
    let dir = tempfile::tempdir().unwrap();
    let id = {
        let store = Store::open(dir.path(), "test").unwrap();
        store
            .book(
                &new_booking(slot(day(), 600, 1), seeker(1)),
                &ctx(at("2026-12-01T09:00:00+09:00")),
            )
            .unwrap()
            .id
    };
    {
        let db = sled::open(dir.path().join("db")).unwrap();
        let t = db.open_tree("bookings").unwrap();
        let mut v = t.get(id.as_bytes()).unwrap().unwrap().to_vec();
        let last = v.len() - 1;
        v[last] ^= 0xFF;
        t.insert(id.as_bytes(), v).unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(dir.path(), "test").unwrap();
    assert!(matches!(store.booking(id), Err(StoreError::Damaged { .. })));
    assert!(matches!(store.day(day()), Err(StoreError::Damaged { .. })));
    let report = store.check().unwrap();
    assert!(
        report.problems.iter().any(|p| p.contains("checksum")),
        "{report:?}"
    );
}

#[test]
fn check_finds_an_index_out_of_step() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), "test").unwrap();
        store
            .book(
                &new_booking(slot(day(), 600, 1), seeker(1)),
                &ctx(at("2026-12-01T09:00:00+09:00")),
            )
            .unwrap();
        assert!(store.check().unwrap().problems.is_empty());
    }
    {
        let db = sled::open(dir.path().join("db")).unwrap();
        db.open_tree("slots").unwrap().clear().unwrap();
        db.flush().unwrap();
    }
    let store = Store::open(dir.path(), "test").unwrap();
    let problems = store.check().unwrap().problems;
    assert!(
        problems.iter().any(|p| p.starts_with("slots: entry for")),
        "{problems:?}"
    );
}

#[test]
fn the_audit_trail_holds_ids_only() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let s = seeker(5);
    let b = store
        .book(
            &new_booking(slot(day(), 600, 1), s.clone()),
            &ctx(at("2026-12-01T09:00:00+09:00")),
        )
        .unwrap();
    store
        .apply(
            b.id,
            &Event::Cancel {
                reason: "体調不良のため電話あり".into(),
            },
            &ctx(at("2026-12-02T09:00:00+09:00")),
        )
        .unwrap();
    store
        .refuse(
            &s.number,
            "暴言があったため",
            &ctx(at("2026-12-02T10:00:00+09:00")),
        )
        .unwrap();
    let trail = store.audit().unwrap();
    let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["book", "cancel", "refuse"]);
    assert_eq!(trail[1].from, Some(Status::Booked));
    assert_eq!(trail[1].to, Some(Status::Cancelled));
    assert_eq!(trail[0].user, "staff1");
    assert_eq!(trail[0].terminal, "counter-pc:pts/1");
    let history: Vec<_> = store
        .booking_audit(b.id)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(history, ["book", "cancel"]);
    let text = format!("{trail:?}");
    for personal in [s.name.as_str(), s.email.as_str(), "体調不良", "暴言"] {
        assert!(
            !text.contains(personal),
            "{personal} must not be in the audit trail"
        );
    }
}

#[test]
fn sweep_turns_due_bookings_into_no_shows_and_frees_the_slot() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let c = ctx(at("2026-12-01T09:00:00+09:00"));
    let early = store
        .book(&new_booking(slot(day(), 600, 1), seeker(1)), &c)
        .unwrap();
    let started = store
        .book(&new_booking(slot(day(), 600, 2), seeker(2)), &c)
        .unwrap();
    let later = store
        .book(&new_booking(slot(day(), 630, 1), seeker(3)), &c)
        .unwrap();
    store
        .apply(
            started.id,
            &Event::Start,
            &ctx(at("2026-12-03T10:00:00+09:00")),
        )
        .unwrap();
    let grace = Duration::minutes(10);
    let off = FixedOffset::east_opt(9 * 3600).unwrap();
    let now = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
    assert!(
        store
            .sweep(now("2026-12-03T10:09"), grace, off, "t")
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.next_no_show(grace).unwrap(),
        Some(now("2026-12-03T10:10"))
    );
    let swept = store
        .sweep(now("2026-12-03T10:10"), grace, off, "t")
        .unwrap();
    assert_eq!(
        swept.iter().map(|b| b.id).collect::<Vec<_>>(),
        vec![early.id]
    );
    let b = store.booking(early.id).unwrap().unwrap();
    assert_eq!(b.status, Status::NoShow);
    assert_eq!(
        b.changes[0].at,
        at("2026-12-03T10:10:00+09:00"),
        "recorded at the moment the rule applied"
    );
    assert_eq!(
        store.booking(later.id).unwrap().unwrap().status,
        Status::Booked
    );
    assert_eq!(
        store.booking(started.id).unwrap().unwrap().status,
        Status::InProgress
    );
    assert_eq!(store.audit().unwrap().last().unwrap().user, "system");
    // The no-show can be corrected into a cancellation, with its reason.
    let fixed = store
        .apply(
            early.id,
            &Event::CorrectNoShow {
                reason: "9:50に電話あり".into(),
            },
            &c,
        )
        .unwrap();
    assert_eq!(fixed.status, Status::Cancelled);
    assert!(store.check().unwrap().problems.is_empty());
}

// ---------------------------------------------------------------------------
// Random operation sequences against a model.

#[derive(Debug, Clone)]
enum Op {
    Book { slot: usize, booth: u8, seeker: u32 },
    Cancel(usize),
    Start(usize),
    Finish(usize),
    Stop(usize),
    Correct(usize),
    Sweep { minutes: i64 },
    Refuse(u32),
    Unrefuse(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..6usize, 1..=2u8, 0..5u32).prop_map(|(slot, booth, seeker)| Op::Book { slot, booth, seeker }),
        1 => (0..32usize).prop_map(Op::Cancel),
        1 => (0..32usize).prop_map(Op::Start),
        1 => (0..32usize).prop_map(Op::Finish),
        1 => (0..32usize).prop_map(Op::Stop),
        1 => (0..32usize).prop_map(Op::Correct),
        2 => (0..90i64).prop_map(|minutes| Op::Sweep { minutes }),
        1 => (0..5u32).prop_map(Op::Refuse),
        1 => (0..5u32).prop_map(Op::Unrefuse),
    ]
}

/// One booking as the model keeps it.
#[derive(Debug, Clone)]
struct Kept {
    id: BookingId,
    slot: Slot,
    seeker: u32,
    status: Status,
    /// The changes after booking: event id and reason.
    history: Vec<(&'static str, Option<&'static str>)>,
}

/// One line of the audit trail as the model expects it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    user: &'static str,
    action: &'static str,
    booking: Option<BookingId>,
    seeker: Option<u32>,
    from: Option<Status>,
    to: Option<Status>,
}

#[derive(Default, Debug)]
struct Model {
    /// Bookings in the order made.
    bookings: Vec<Kept>,
    refused: BTreeSet<u32>,
    /// How many refusal records each job seeker has (lifted ones stay).
    refusals: BTreeMap<u32, usize>,
    audit: Vec<Line>,
}

impl Model {
    fn live_at(&self, s: &Slot) -> bool {
        self.bookings.iter().any(|b| b.slot == *s && live(b.status))
    }
    fn seeker_live_on(&self, seeker: u32, date: NaiveDate) -> bool {
        self.bookings
            .iter()
            .any(|b| b.seeker == seeker && b.slot.date == date && live(b.status))
    }
}

/// The model's own reading of the rules (domain.md, Art. 6): only a
/// cancellation and a no-show give the slot (and the job seeker's day) back;
/// a consultation held or stopped keeps them.
fn live(s: Status) -> bool {
    !matches!(s, Status::Cancelled | Status::NoShow)
}

/// The model's own state machine: what each operation does to a status,
/// with the event's id and reason; `None` where the rules refuse it.
fn next(from: Status, op: &Op) -> Option<(Status, &'static str, Option<&'static str>)> {
    use Status::*;
    match (from, op) {
        (Booked, Op::Cancel(_)) => Some((Cancelled, "cancel", Some("電話"))),
        (Booked, Op::Start(_)) => Some((InProgress, "start", None)),
        (InProgress, Op::Finish(_)) => Some((Completed, "finish", None)),
        (InProgress, Op::Stop(_)) => Some((Stopped, "stop", Some("12条"))),
        (NoShow, Op::Correct(_)) => Some((Cancelled, "correct_no_show", Some("電話あり"))),
        _ => None,
    }
}

fn model_slot(i: usize, booth: u8) -> Slot {
    // Six slots over two days.
    let date = if i < 3 {
        day()
    } else {
        day().succ_opt().unwrap()
    };
    slot(date, 600 + 30 * (i % 3) as u32, booth)
}

/// Everything the store shows, against the model: every booking whole
/// (slot, job seeker, status, history), every slot, every job seeker's
/// bookings and refusals, the audit trail line by line, and `check`.
fn compare(store: &dyn Engine, model: &Model) -> Result<(), TestCaseError> {
    let mut stored = BTreeMap::new();
    for date in [day(), day().succ_opt().unwrap()] {
        for b in store.day(date).unwrap() {
            stored.insert(b.id, b);
        }
    }
    prop_assert_eq!(stored.len(), model.bookings.len());
    for k in &model.bookings {
        let b = stored.get(&k.id);
        prop_assert!(b.is_some(), "{} missing", k.id);
        let b = b.unwrap();
        prop_assert_eq!(b.slot, k.slot);
        prop_assert_eq!(&b.seeker, &seeker(k.seeker).number);
        prop_assert_eq!(b.status, k.status, "{}", k.id);
        let history: Vec<(&str, Option<&str>)> = b
            .changes
            .iter()
            .map(|c| (c.event.id(), c.event.reason()))
            .collect();
        let want: Vec<(&str, Option<&str>)> = k.history.clone();
        prop_assert_eq!(history, want, "{}", k.id);
    }
    // Every slot: the live booking there, or none.
    for i in 0..6 {
        for booth in 1..=2 {
            let s = model_slot(i, booth);
            let got: Vec<BookingId> = stored
                .values()
                .filter(|b| b.slot == s && b.status.is_live())
                .map(|b| b.id)
                .collect();
            let want: Vec<BookingId> = model
                .bookings
                .iter()
                .filter(|b| b.slot == s && live(b.status))
                .map(|b| b.id)
                .collect();
            prop_assert_eq!(got, want, "slot {:?}", s);
        }
    }
    // Every job seeker: their bookings and their refusals.
    for n in 0..5 {
        let number = seeker(n).number;
        let mut got: Vec<BookingId> = store
            .seeker_bookings(&number)
            .unwrap()
            .iter()
            .map(|b| b.id)
            .collect();
        got.sort();
        let mut want: Vec<BookingId> = model
            .bookings
            .iter()
            .filter(|b| b.seeker == n)
            .map(|b| b.id)
            .collect();
        want.sort();
        prop_assert_eq!(got, want, "job seeker {}", n);
        let refusals = store.refusals(&number).unwrap();
        prop_assert_eq!(refusals.len(), model.refusals.get(&n).copied().unwrap_or(0));
        let active = refusals.iter().filter(|r| r.lifted.is_none()).count();
        prop_assert_eq!(
            active,
            usize::from(model.refused.contains(&n)),
            "job seeker {}",
            n
        );
    }
    // The audit trail: numbered densely from 0, each line as expected.
    let audit = store.audit().unwrap();
    let seqs: Vec<u64> = audit.iter().map(|e| e.seq).collect();
    let dense: Vec<u64> = (0..audit.len() as u64).collect();
    prop_assert_eq!(seqs, dense);
    let lines: Vec<Line> = audit
        .iter()
        .map(|e| Line {
            user: if e.user == "staff1" {
                "staff1"
            } else if e.user == "system" {
                "system"
            } else {
                "?"
            },
            action: match e.action.as_str() {
                "book" => "book",
                "cancel" => "cancel",
                "start" => "start",
                "finish" => "finish",
                "stop" => "stop",
                "no_show" => "no_show",
                "correct_no_show" => "correct_no_show",
                "refuse" => "refuse",
                "unrefuse" => "unrefuse",
                _ => "?",
            },
            booking: e.booking,
            seeker: e
                .seeker
                .as_ref()
                .and_then(|s| (0..5).find(|n| seeker(*n).number == *s)),
            from: e.from,
            to: e.to,
        })
        .collect();
    prop_assert_eq!(&lines, &model.audit);
    let report = store.check().unwrap();
    prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
    prop_assert_eq!(report.bookings, model.bookings.len());
    Ok(())
}

/// Opens the records again: a sled folder, or a PostgreSQL office.
type Open<'a> = &'a dyn Fn() -> Result<Box<dyn Engine>, StoreError>;

fn run_ops(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    run_ops_on(ops, &|| {
        Store::open(dir.path(), "proptest").map(|s| Box::new(s) as Box<dyn Engine>)
    })
}

fn run_ops_on(ops: Vec<Op>, open: Open<'_>) -> Result<(), TestCaseError> {
    let mut model = Model::default();
    let grace = Duration::minutes(10);
    let off = FixedOffset::east_opt(9 * 3600).unwrap();
    let mut now = NaiveDateTime::parse_from_str("2026-12-03T09:00", "%Y-%m-%dT%H:%M").unwrap();
    for op in ops {
        // Reopen the database for every step: what was flushed must be there.
        let store = open().map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let c = ctx(now.and_local_timezone(off).unwrap());
        let pick = |k: usize| (!model.bookings.is_empty()).then(|| k % model.bookings.len());
        match op {
            Op::Book {
                slot,
                booth,
                seeker: n,
            } => {
                let s = model_slot(slot, booth);
                let got = store.book(&new_booking(s, seeker(n)), &c);
                let want_err = if model.refused.contains(&n) {
                    Some("refused")
                } else if model.live_at(&s) {
                    Some("taken")
                } else if model.seeker_live_on(n, s.date) {
                    Some("day")
                } else {
                    None
                };
                match (&got, want_err) {
                    (Ok(b), None) => {
                        prop_assert_eq!(b.status, Status::Booked);
                        model.bookings.push(Kept {
                            id: b.id,
                            slot: s,
                            seeker: n,
                            status: Status::Booked,
                            history: Vec::new(),
                        });
                        model.audit.push(Line {
                            user: "staff1",
                            action: "book",
                            booking: Some(b.id),
                            seeker: None,
                            from: None,
                            to: Some(Status::Booked),
                        });
                    }
                    (Err(OpError::Rule(Violation::SeekerRefused { .. })), Some("refused"))
                    | (Err(OpError::Rule(Violation::SlotTaken { .. })), Some("taken"))
                    | (Err(OpError::Rule(Violation::SeekerBookedThatDay { .. })), Some("day")) => {}
                    other => prop_assert!(false, "book: {other:?}"),
                }
            }
            Op::Cancel(k) | Op::Start(k) | Op::Finish(k) | Op::Stop(k) | Op::Correct(k) => {
                let Some(i) = pick(k) else { continue };
                let event = match op {
                    Op::Cancel(_) => Event::Cancel {
                        reason: "電話".into(),
                    },
                    Op::Start(_) => Event::Start,
                    Op::Finish(_) => Event::Finish,
                    Op::Stop(_) => Event::Stop {
                        reason: "12条".into(),
                    },
                    _ => Event::CorrectNoShow {
                        reason: "電話あり".into(),
                    },
                };
                let (id, from) = (model.bookings[i].id, model.bookings[i].status);
                let got = store.apply(id, &event, &c);
                match next(from, &op) {
                    Some((to, action, reason)) => {
                        prop_assert_eq!(got.map(|b| b.status).ok(), Some(to));
                        model.bookings[i].status = to;
                        model.bookings[i].history.push((action, reason));
                        model.audit.push(Line {
                            user: "staff1",
                            action,
                            booking: Some(id),
                            seeker: None,
                            from: Some(from),
                            to: Some(to),
                        });
                    }
                    None => {
                        let refused =
                            matches!(got, Err(OpError::Rule(Violation::WrongState { .. })));
                        prop_assert!(refused, "{:?}", got);
                    }
                }
            }
            Op::Sweep { minutes } => {
                now += Duration::minutes(minutes);
                let swept: Vec<BookingId> = store
                    .sweep(now, grace, off, "t")
                    .unwrap()
                    .into_iter()
                    .map(|b| b.id)
                    .collect();
                let mut want = Vec::new();
                for b in &mut model.bookings {
                    // Ten minutes after the start, still booked: a no-show.
                    let starts = b.slot.date.and_time(b.slot.start);
                    if b.status == Status::Booked && starts + Duration::minutes(10) <= now {
                        b.status = Status::NoShow;
                        b.history.push(("no_show", None));
                        want.push(b.id);
                    }
                }
                let mut got = swept.clone();
                got.sort();
                let mut sorted = want.clone();
                sorted.sort();
                prop_assert_eq!(got, sorted);
                // Audited in the order the store swept them.
                for id in swept {
                    model.audit.push(Line {
                        user: "system",
                        action: "no_show",
                        booking: Some(id),
                        seeker: None,
                        from: Some(Status::Booked),
                        to: Some(Status::NoShow),
                    });
                }
            }
            Op::Refuse(n) => {
                let got = store.refuse(&seeker(n).number, "暴言", &c);
                prop_assert_eq!(got.is_ok(), model.refused.insert(n));
                if got.is_ok() {
                    *model.refusals.entry(n).or_default() += 1;
                    model.audit.push(Line {
                        user: "staff1",
                        action: "refuse",
                        booking: None,
                        seeker: Some(n),
                        from: None,
                        to: None,
                    });
                }
            }
            Op::Unrefuse(n) => {
                let got = store.unrefuse(&seeker(n).number, "解除", &c);
                prop_assert_eq!(got.is_ok(), model.refused.remove(&n));
                if got.is_ok() {
                    model.audit.push(Line {
                        user: "staff1",
                        action: "unrefuse",
                        booking: None,
                        seeker: Some(n),
                        from: None,
                        to: None,
                    });
                }
            }
        }
        // After every step the stored state is the model's.
        compare(&*store, &model)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("SOUDAN_PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(96),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_sequences_match_the_model(ops in proptest::collection::vec(op(), 1..40)) {
        run_ops(ops)?;
    }
}

/// The same model test on PostgreSQL: one cluster, each sequence its own
/// office of one database.
#[test]
fn random_sequences_match_the_model_on_postgresql() {
    let Some(cluster) = pg_cluster::Cluster::start() else {
        return;
    };
    let url = cluster.url();
    let cases: u32 = std::env::var("SOUDAN_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(48);
    let office = std::sync::atomic::AtomicU32::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        ..ProptestConfig::default()
    });
    let result = runner.run(&proptest::collection::vec(op(), 1..40), |ops| {
        let code = format!(
            "9{:04}",
            office.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        run_ops_on(ops, &|| {
            soudan::store::pg::Pg::connect(&url, &code).map(|p| Box::new(p) as Box<dyn Engine>)
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn reopening_at_once_in_the_same_process_never_sees_a_stale_lock() {
    // sled lets go of its lock on a background thread; under load an
    // immediate reopen used to fail with "locked" now and then.
    let dir = tempfile::tempdir().unwrap();
    let busy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let load: Vec<_> = (0..2)
        .map(|_| {
            let busy = busy.clone();
            std::thread::spawn(move || {
                while busy.load(std::sync::atomic::Ordering::Relaxed) {
                    std::hint::black_box((0..1000u64).sum::<u64>());
                }
            })
        })
        .collect();
    let number = JobSeekerNumber::parse("46010-1").unwrap();
    let c = ctx(at("2026-12-01T09:00:00+09:00"));
    for i in 0..400 {
        let store = Store::open(dir.path(), "test").unwrap_or_else(|e| panic!("open {i}: {e:?}"));
        // A write each time, as a command does before it exits.
        if i % 2 == 0 {
            store.refuse(&number, "x", &c).unwrap();
        } else {
            store.unrefuse(&number, "y", &c).unwrap();
        }
    }
    busy.store(false, std::sync::atomic::Ordering::Relaxed);
    for t in load {
        t.join().unwrap();
    }
}

/// The bulk sample (built in memory, restored in one go) holds what booking
/// the same plan through the store's transactions one by one holds: the
/// same bookings in the same states with the same histories, the same
/// refusals, and the same audit actions.
#[test]
fn the_bulk_sample_equals_the_sample_booked_one_by_one() {
    use soudan::domain::booking::Event;
    use soudan::store::{Actor, Ctx};
    let office = soudan::config::Config::builtin().office;
    let now = chrono::NaiveDateTime::parse_from_str("2026-12-01T09:00", "%Y-%m-%dT%H:%M").unwrap();
    let offset = chrono::FixedOffset::east_opt(9 * 3600).unwrap();
    let plan = soudan::sample::plan(&office, now, offset, 16, 5);
    assert!(plan.bookings.len() > 200);

    // One by one, through transactions.
    let a = tempfile::tempdir().unwrap();
    let sa = Store::open(a.path(), "test").unwrap();
    let actor = |u: &str| Actor {
        user: u.into(),
        terminal: "t".into(),
    };
    let news: Vec<_> = plan
        .bookings
        .iter()
        .map(|p| {
            (
                p.new.clone(),
                Ctx {
                    at: p.created_at,
                    actor: actor(p.user),
                    channel: Some(p.new.channel),
                },
            )
        })
        .collect();
    let booked = sa.book_many(&news).unwrap();
    let mut events: Vec<_> = plan
        .bookings
        .iter()
        .zip(&booked)
        .flat_map(|(p, b)| {
            p.later.iter().map(move |l| {
                (
                    b.id,
                    l.event.clone(),
                    Ctx {
                        at: l.at,
                        actor: if l.system {
                            Actor::system("t")
                        } else {
                            actor(l.user)
                        },
                        channel: matches!(
                            l.event,
                            Event::Cancel { .. } | Event::CorrectNoShow { .. }
                        )
                        .then_some(soudan::domain::booking::Channel::Phone),
                    },
                )
            })
        })
        .collect();
    events.sort_by_key(|(_, _, c)| c.at);
    sa.apply_many(&events).unwrap();
    for r in &plan.refusals {
        let ctx = Ctx {
            at: r.at,
            actor: actor("tanaka"),
            channel: None,
        };
        sa.refuse(&r.seeker, r.reason, &ctx).unwrap();
        if let Some((why, at)) = r.lifted {
            sa.unrefuse(&r.seeker, why, &Ctx { at, ..ctx }).unwrap();
        }
    }

    // In bulk.
    let b = tempfile::tempdir().unwrap();
    let sb = Store::open(b.path(), "test").unwrap();
    sb.restore(&soudan::sample::snapshot(&plan, 5, "t").unwrap())
        .unwrap();
    assert!(sb.check().unwrap().problems.is_empty());

    let one = sa.snapshot().unwrap();
    let bulk = sb.snapshot().unwrap();
    assert_eq!(one.seekers, bulk.seekers);
    assert_eq!(one.refusals, bulk.refusals);
    // Ids differ; compare by slot.
    let by_slot = |s: &soudan::store::Snapshot| {
        let mut v: Vec<_> = s
            .bookings
            .iter()
            .map(|b| {
                let changes: Vec<_> = b.changes.iter().map(|c| format!("{:?}", c.event)).collect();
                (
                    b.slot.date,
                    b.slot.start,
                    b.slot.booth,
                    b.status,
                    b.seeker.clone(),
                    changes,
                )
            })
            .collect();
        v.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
        v
    };
    assert_eq!(by_slot(&one), by_slot(&bulk));
    let actions = |s: &soudan::store::Snapshot| {
        let mut v: Vec<_> = s
            .audit
            .iter()
            .map(|e| (e.action.clone(), e.user.clone(), e.from, e.to, e.at))
            .collect();
        v.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
        v
    };
    assert_eq!(actions(&one), actions(&bulk));
}

/// A request sent again under its key (its reply lost with the server)
/// is carried out once, also after the database is closed and opened
/// again; the same key from another account is another request.
#[test]
fn a_request_sent_again_under_its_key_is_carried_out_once() {
    use soudan::store::{Contact, once_key};
    let dir = tempfile::tempdir().unwrap();
    let t = ctx(at("2026-12-01T09:00:00+09:00"));
    let key = once_key("staff1", "5f0c:7");
    let first = {
        let store = Store::open(dir.path(), "test").unwrap();
        store
            .book_once(
                &new_booking(slot(day(), 600, 1), seeker(1)),
                &t,
                Contact::Keep,
                Some(&key),
            )
            .unwrap()
    };
    let store = Store::open(dir.path(), "test").unwrap();
    let again = store
        .book_once(
            &new_booking(slot(day(), 600, 1), seeker(1)),
            &t,
            Contact::Keep,
            Some(&key),
        )
        .unwrap();
    assert_eq!(again, first);
    // Without the key, or under another account's, it is a new request:
    // the slot is taken.
    for other in [None, Some(once_key("staff2", "5f0c:7"))] {
        let r = store.book_once(
            &new_booking(slot(day(), 600, 1), seeker(1)),
            &t,
            Contact::Keep,
            other.as_deref(),
        );
        assert!(
            matches!(r, Err(OpError::Rule(Violation::SlotTaken { .. }))),
            "{r:?}"
        );
    }
    let books = |s: &Store| {
        s.audit()
            .unwrap()
            .iter()
            .filter(|e| e.action == "book")
            .count()
    };
    assert_eq!(books(&store), 1);
    assert_eq!(
        store.mail_queue().unwrap().len(),
        1,
        "one confirmation queued"
    );
    // A cancellation sent twice: once cancelled, one event, one mail more.
    let cancel = Event::Cancel {
        reason: "電話で".into(),
    };
    let ckey = once_key("staff1", "5f0c:8");
    let a = store
        .apply_once(first.id, &cancel, &t, &|_| Ok(()), Some(&ckey))
        .unwrap();
    let b = store
        .apply_once(first.id, &cancel, &t, &|_| Ok(()), Some(&ckey))
        .unwrap();
    assert_eq!(a, b);
    assert_eq!(a.status, Status::Cancelled);
    let cancels = store
        .audit()
        .unwrap()
        .iter()
        .filter(|e| e.action == "cancel")
        .count();
    assert_eq!(cancels, 1);
    // Sent a third time without its key, it is refused as what it is.
    assert!(matches!(
        store.apply(first.id, &cancel, &t),
        Err(OpError::Rule(_))
    ));
    assert!(store.check().unwrap().problems.is_empty());
}
