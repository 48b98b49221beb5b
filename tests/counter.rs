//! The counter's day from the shell: time taken off the calendar, staff
//! notes, the reminders, a booth's calendar and the printed day sheet, each
//! on the real binary and its real files. The calendar is read by Python's
//! `icalendar`, the sheet by Python's HTML parser and, printed by headless
//! Chromium, by `pdftotext`.

mod common;

use common::Limited;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const NOW: &str = "2026-12-01T09:00";

fn soudan_at(dir: &Path, now: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_soudan"))
        .env_remove("SOUDAN_CONFIG")
        .env_remove("SOUDAN_SERVER")
        .env("SOUDAN_LANG", "en")
        .env("SOUDAN_DATA_DIR", dir)
        .env("SOUDAN_NOW", now)
        .stdin(Stdio::null())
        .args(args)
        .output_limited()
        .expect("soudan runs")
}

fn run(dir: &Path, args: &[&str]) -> Output {
    soudan_at(dir, NOW, args)
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn ok(o: Output) -> String {
    assert_eq!(code(&o), 0, "{}", err(&o));
    out(&o).trim().to_string()
}

fn book_as(
    dir: &Path,
    now: &str,
    date: &str,
    time: &str,
    booth: Option<&str>,
    seeker: &str,
    name: &str,
) -> Output {
    let email = format!("{}@example.jp", seeker.replace('-', ""));
    let mut args = vec![
        "book",
        "--date",
        date,
        "--time",
        time,
        "--seeker",
        seeker,
        "--name",
        name,
        "--kana",
        "やまだ たろう",
        "--email",
        &email,
        "--phone",
        "090-1234-5678",
        "--consent",
        "--checklist",
    ];
    if let Some(b) = booth {
        args.extend(["--booth", b]);
    }
    soudan_at(dir, now, &args)
}

fn book(dir: &Path, date: &str, time: &str, booth: Option<&str>, seeker: &str) -> Output {
    book_as(dir, NOW, date, time, booth, seeker, "山田 太郎")
}

fn audit_actions(dir: &Path) -> Vec<Value> {
    let text = ok(run(dir, &["audit"]));
    text.lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("an audit line is JSON"))
        .collect()
}

/// A tool a test needs: present, or the test fails under CI and says
/// loudly elsewhere that it did not run.
fn needs(program: &str, probe: &[&str], why: &str, install: &str) -> bool {
    let found = Command::new(program)
        .args(probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status_limited()
        .is_ok_and(|s| s.success());
    if !found {
        common::not_run(&format!("{program} is missing: {why}"), install);
    }
    found
}

#[test]
fn a_block_takes_slots_off_for_every_booker_and_lists_what_is_there() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let there = ok(book(d, "2026-12-04", "10:30", Some("1"), "46010-1"));
    let beside = ok(book(d, "2026-12-04", "10:30", Some("2"), "46010-2"));
    // Booth 1 off from 10:00 to 12:00: the booking already there is named.
    let o = run(
        d,
        &[
            "block",
            "--date",
            "2026-12-04",
            "--from",
            "10:00",
            "--to",
            "12:00",
            "--booth",
            "1",
            "--reason",
            "counsellor off sick",
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["block"]["id"], 1);
    assert_eq!(v["affected"], serde_json::json!([there]));
    assert!(
        err(&o).contains(&there) && !err(&o).contains(&beside),
        "{}",
        err(&o)
    );
    // Booth 1 cannot be booked or moved into there; without --booth the
    // booking goes to booth 2's free slot; outside the block booth 1 is free.
    let o = book(d, "2026-12-04", "11:00", Some("1"), "46010-3");
    assert_eq!(code(&o), 3, "{}", err(&o));
    assert!(
        err(&o).contains("taken off the calendar") && err(&o).contains("counsellor off sick"),
        "{}",
        err(&o)
    );
    let o = run(
        d,
        &[
            "book",
            "--date",
            "2026-12-04",
            "--time",
            "11:00",
            "--seeker",
            "46010-3",
            "--name",
            "山田 太郎",
            "--email",
            "460103@example.jp",
            "--consent",
            "--checklist",
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["booth"], 2, "the free booth was taken: {v}");
    let moving = ok(book(d, "2026-12-04", "13:00", Some("1"), "46010-4"));
    let o = run(
        d,
        &[
            "move",
            &moving,
            "--date",
            "2026-12-04",
            "--time",
            "11:30",
            "--booth",
            "1",
        ],
    );
    assert_eq!(code(&o), 3, "{}", err(&o));
    assert!(err(&o).contains("taken off the calendar"), "{}", err(&o));
    ok(book(d, "2026-12-04", "13:30", Some("1"), "46010-5"));
    // The whole office on the 7th from 13:00: no booth at all.
    let o = run(
        d,
        &[
            "block",
            "--date",
            "2026-12-07",
            "--from",
            "13:00",
            "--reason",
            "staff meeting",
        ],
    );
    assert_eq!(ok(o), "2");
    let o = run(
        d,
        &[
            "book",
            "--date",
            "2026-12-07",
            "--time",
            "15:00",
            "--seeker",
            "46010-6",
            "--name",
            "山田 太郎",
            "--email",
            "460106@example.jp",
            "--consent",
            "--checklist",
        ],
    );
    assert_eq!(code(&o), 3, "{}", err(&o));
    ok(run(
        d,
        &[
            "book",
            "--date",
            "2026-12-07",
            "--time",
            "10:00",
            "--seeker",
            "46010-6",
            "--name",
            "山田 太郎",
            "--email",
            "460106@example.jp",
            "--consent",
            "--checklist",
        ],
    ));
    // Listed, whole and as JSON.
    let v: Value = serde_json::from_str(&ok(run(d, &["blocks", "--json"]))).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2, "{v}");
    assert_eq!(
        (
            list[1]["booth"].clone(),
            list[1]["from"].as_str(),
            list[1]["to"].as_str()
        ),
        (Value::Null, Some("13:00"), Some("16:30")),
        "{v}"
    );
    // Bad input: each field named.
    for (args, field) in [
        (
            vec![
                "block",
                "--date",
                "2026-12-04",
                "--from",
                "12:00",
                "--to",
                "11:00",
                "--reason",
                "x",
            ],
            "--to",
        ),
        (
            vec![
                "block",
                "--date",
                "2026-12-04",
                "--booth",
                "9",
                "--reason",
                "x",
            ],
            "--booth",
        ),
        (
            vec!["block", "--date", "2026-11-30", "--reason", "x"],
            "--date",
        ),
        (
            vec!["block", "--date", "2026-12-04", "--reason", " "],
            "--reason",
        ),
        (
            vec!["block", "--date", "2026-12-04", "--reason", "a\u{202e}b"],
            "--reason",
        ),
        (vec!["unblock", "99"], "ID"),
        (vec!["unblock", "x"], "ID"),
    ] {
        let o = run(d, &args);
        assert_eq!(code(&o), 2, "{args:?}: {}", err(&o));
        assert!(err(&o).contains(field), "{args:?}: {}", err(&o));
    }
    // Given back: booth 1 at 11:00 can be booked again.
    let o = run(d, &["unblock", "1"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert!(err(&o).contains("Given back"), "{}", err(&o));
    ok(book(d, "2026-12-04", "11:00", Some("1"), "46010-7"));
    // The audit trail records the block and its return, never the reason.
    let audit = audit_actions(d);
    let actions: Vec<&str> = audit.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "block").count(),
        2,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "unblock").count(),
        1,
        "{actions:?}"
    );
    let raw = ok(run(d, &["audit"]));
    assert!(
        !raw.contains("off sick") && !raw.contains("meeting"),
        "{raw}"
    );
    let o = run(d, &["audit", "--action", "block"]);
    assert_eq!(out(&o).lines().count(), 2, "{}", err(&o));
    // Kept by a backup.
    let backup = d.join("backup.json");
    ok(run(d, &["export", "--out", backup.to_str().unwrap()]));
    let copy = tempfile::tempdir().unwrap();
    ok(run(copy.path(), &["import", backup.to_str().unwrap()]));
    let v: Value = serde_json::from_str(&ok(run(copy.path(), &["blocks", "--json"]))).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    // The next block numbers on after the restored ones.
    let o = run(
        copy.path(),
        &["block", "--date", "2026-12-08", "--reason", "training"],
    );
    assert_eq!(ok(o), "3");
    ok(run(d, &["check"]));
}

#[test]
fn the_kiosk_and_the_wizard_see_a_blocked_slot_as_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let store = soudan::store::Store::open(d, "test").unwrap();
    let office = soudan::config::Config::builtin().office;
    let now = chrono::NaiveDateTime::parse_from_str(NOW, "%Y-%m-%dT%H:%M").unwrap();
    let free = soudan::desk::views::free_days(&store, &office, now).unwrap();
    let first = free[0].date;
    let all_open = |days: &[soudan::desk::views::FreeDay]| -> usize {
        days.iter()
            .filter(|f| f.date == first)
            .flat_map(|f| f.slots.iter())
            .filter(|s| s.booth.is_some())
            .count()
    };
    let before = all_open(&free);
    assert!(
        before > 2,
        "the first bookable day has free times: {before}"
    );
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap();
    let ctx = soudan::store::Ctx {
        at,
        actor: soudan::store::Actor::system("test"),
        channel: None,
    };
    let block = |from: &str, to: &str, booth: Option<u8>| soudan::domain::block::Block {
        id: 0,
        date: first,
        from: chrono::NaiveTime::parse_from_str(from, "%H:%M").unwrap(),
        to: chrono::NaiveTime::parse_from_str(to, "%H:%M").unwrap(),
        booth,
        reason: "r".into(),
        by: String::new(),
        at,
    };
    // One booth off all day: every time still has the other booth.
    store
        .add_block(&block("09:00", "17:00", Some(1)), &ctx)
        .unwrap();
    let free = soudan::desk::views::free_days(&store, &office, now).unwrap();
    assert_eq!(all_open(&free), before);
    assert!(
        free.iter()
            .filter(|f| f.date == first)
            .flat_map(|f| f.slots.iter())
            .all(|s| s.booth != Some(1)),
        "booth 1 is offered nowhere"
    );
    // The whole office off in the morning: those times are full.
    store
        .add_block(&block("09:00", "12:00", None), &ctx)
        .unwrap();
    let free = soudan::desk::views::free_days(&store, &office, now).unwrap();
    let morning = free
        .iter()
        .filter(|f| f.date == first)
        .flat_map(|f| f.slots.iter())
        .filter(|s| s.time < chrono::NaiveTime::from_hms_opt(12, 0, 0).unwrap())
        .collect::<Vec<_>>();
    assert!(!morning.is_empty());
    assert!(morning.iter().all(|s| s.booth.is_none()), "{morning:?}");
    // The day a dashboard loads carries the blocks; a viewer's has no reason.
    let day = soudan::desk::views::load_day(&store, first).unwrap();
    assert_eq!(day.blocks.len(), 2);
    let masked = day.masked();
    assert!(
        masked
            .blocks
            .iter()
            .all(|b| b.reason == "＊" && b.by == "＊")
    );
}

#[test]
fn notes_stay_with_staff_and_with_the_backup() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = ok(book(d, "2026-12-03", "10:00", Some("1"), "46010-11"));
    let secret = "calls back <after 3pm> & \"only\" on the mobile";
    let o = run(d, &["note", &id, secret]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    ok(run(d, &["note", "46010-11", "prefers mornings"]));
    assert_eq!(ok(run(d, &["note", &id])), secret);
    assert_eq!(ok(run(d, &["note", "46010-11"])), "prefers mornings");
    // Bad input, each named; nothing for what is not there.
    for (args, want, words) in [
        (vec!["note", &id, "a\nb"], 2, "note"),
        (vec!["note", &id, "a\u{1b}[31m"], 2, "note"),
        (vec!["note", "nonsense", "x"], 2, "target"),
        (vec!["note", "ZZZZZZ", "x"], 2, "ZZZZZZ"),
        (vec!["note", "46010-99", "x"], 3, "No job seeker"),
    ] {
        let o = run(d, &args);
        assert_eq!(code(&o), want, "{args:?}: {}", err(&o));
        assert!(err(&o).contains(words), "{args:?}: {}", err(&o));
    }
    let long = "あ".repeat(401);
    let o = run(d, &["note", &id, &long]);
    assert_eq!(code(&o), 2, "{}", err(&o));
    assert!(err(&o).contains("400"), "the limit is said: {}", err(&o));
    assert_eq!(
        ok(run(d, &["note", &id])),
        secret,
        "a refused note changed nothing"
    );
    // Never in mail, statistics or the audit trail's values.
    for entry in std::fs::read_dir(d.join("outbox")).unwrap().flatten() {
        let text = std::fs::read(entry.path()).unwrap();
        let text = String::from_utf8_lossy(&text);
        assert!(!text.contains("after 3pm") && !text.contains("mornings"));
    }
    let stats = ok(run(
        d,
        &[
            "stats",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-31",
            "--format",
            "json",
        ],
    ));
    assert!(!stats.contains("3pm") && !stats.contains("mornings"));
    let audit = ok(run(d, &["audit"]));
    assert!(
        !audit.contains("3pm") && !audit.contains("mornings"),
        "{audit}"
    );
    assert_eq!(
        audit_actions(d)
            .iter()
            .filter(|e| e["action"] == "note")
            .count(),
        2
    );
    // Kept by export and import, byte for byte.
    let a = d.join("a.json");
    ok(run(d, &["export", "--out", a.to_str().unwrap()]));
    let copy = tempfile::tempdir().unwrap();
    ok(run(copy.path(), &["import", a.to_str().unwrap()]));
    let b = copy.path().join("b.json");
    ok(run(copy.path(), &["export", "--out", b.to_str().unwrap()]));
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(ok(run(copy.path(), &["note", &id])), secret);
    // Removed.
    ok(run(d, &["note", &id, "--clear"]));
    let o = run(d, &["note", &id]);
    assert_eq!(out(&o), "");
    assert!(err(&o).contains("No note"), "{}", err(&o));
}

#[test]
fn a_reminder_goes_once_the_open_day_before_and_never_for_a_cancelled_booking() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Friday the 4th: the open day before is Thursday the 3rd, at 10:00.
    let friday = ok(book(d, "2026-12-04", "10:00", Some("1"), "46010-21"));
    let cancelled = ok(book(d, "2026-12-04", "10:30", Some("1"), "46010-22"));
    ok(run(d, &["cancel", &cancelled, "--reason", "phoned"]));
    // Monday the 7th: the open day before is Friday the 4th.
    let monday = ok(book(d, "2026-12-07", "10:00", Some("1"), "46010-23"));
    let due = |now: &str| -> Vec<String> {
        ok(soudan_at(d, now, &["remind", "--dry-run"]))
            .lines()
            .map(String::from)
            .collect()
    };
    assert!(due("2026-12-03T09:59").is_empty());
    assert_eq!(due("2026-12-03T10:00"), vec![friday.clone()]);
    // Made after the moment: its confirmation is just out, no reminder.
    let late = soudan_at(
        d,
        "2026-12-03T10:30",
        &[
            "book",
            "--date",
            "2026-12-04",
            "--time",
            "11:00",
            "--seeker",
            "46010-24",
            "--name",
            "山田 太郎",
            "--email",
            "460124@example.jp",
            "--consent",
            "--checklist",
            "--override-deadline",
            "phoned in",
        ],
    );
    assert_eq!(code(&late), 0, "{}", err(&late));
    let sent = ok(soudan_at(d, "2026-12-03T10:40", &["remind"]));
    assert_eq!(sent, friday);
    assert_eq!(
        ok(soudan_at(d, "2026-12-03T11:00", &["remind"])),
        "",
        "never twice"
    );
    let reminders = |dir: &Path| -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir.join("outbox"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.contains("-reminder-"))
            .collect();
        v.sort();
        v
    };
    assert_eq!(reminders(d).len(), 1);
    assert!(reminders(d)[0].contains(&friday));
    // On the day itself it is too late for one; and the Monday booking,
    // moved on Thursday to Tuesday the 8th, is reminded on Monday.
    ok(soudan_at(
        d,
        "2026-12-03T12:00",
        &["move", &monday, "--date", "2026-12-08", "--time", "10:00"],
    ));
    assert!(
        due("2026-12-04T10:00").is_empty(),
        "the moved-away slot gets none"
    );
    assert_eq!(due("2026-12-07T10:00"), vec![monday.clone()]);
    // A backup keeps what was sent: the copy sends it not again.
    let a = d.join("a.json");
    ok(run(d, &["export", "--out", a.to_str().unwrap()]));
    let copy = tempfile::tempdir().unwrap();
    ok(run(copy.path(), &["import", a.to_str().unwrap()]));
    let o = soudan_at(copy.path(), "2026-12-03T10:50", &["remind", "--dry-run"]);
    assert_eq!(ok(o), "", "reminded before the backup");
    // The audit trail has one `remind`.
    assert_eq!(
        audit_actions(d)
            .iter()
            .filter(|e| e["action"] == "remind")
            .count(),
        1
    );
    // Its text: the time, the URL, the checklist and the phone, plain text.
    let path = d.join("outbox").join(&reminders(d)[0]);
    let raw = std::fs::read(path).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let body = msg.body_text(0).unwrap();
    for want in ["10:00", "https://", "099-250-6060", "第12条(4)", &friday] {
        assert!(body.contains(want), "{want} in {body}");
    }
    assert_eq!(
        msg.attachments().count(),
        0,
        "a reminder changes no calendar event"
    );
    assert!(msg.subject().unwrap().contains(&friday));
}

#[test]
fn a_booths_calendar_is_rfc_5545_that_a_real_parser_reads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = ok(book_as(
        d,
        NOW,
        "2026-12-03",
        "10:00",
        Some("1"),
        "46010-31",
        "西郷 一郎",
    ));
    let b = ok(book_as(
        d,
        NOW,
        "2026-12-04",
        "11:00",
        Some("1"),
        "46010-32",
        "東郷 由美",
    ));
    ok(book_as(
        d,
        NOW,
        "2026-12-04",
        "11:00",
        Some("2"),
        "46010-33",
        "加藤 葵",
    ));
    let gone = ok(book_as(
        d,
        NOW,
        "2026-12-07",
        "11:00",
        Some("1"),
        "46010-34",
        "吉田 隆",
    ));
    ok(run(d, &["cancel", &gone, "--reason", "phoned"]));
    ok(run(
        d,
        &[
            "move",
            &b,
            "--date",
            "2026-12-07",
            "--time",
            "13:00",
            "--booth",
            "1",
        ],
    ));
    let masked = ok(run(
        d,
        &[
            "ics",
            "--booth",
            "1",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-31",
        ],
    ));
    assert!(
        masked.contains("西郷 ＊＊") && !masked.contains("一郎") && !masked.contains("46010-31"),
        "{masked}"
    );
    let file = d.join("booth1.ics");
    ok(run(
        d,
        &[
            "ics",
            "--booth",
            "1",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-31",
            "--full",
            "--out",
            file.to_str().unwrap(),
        ],
    ));
    let full = std::fs::read_to_string(&file).unwrap();
    assert!(full.contains("西郷 一郎 46010-31"), "{full}");
    for line in full.split("\r\n") {
        assert!(line.len() <= 75, "a line of {} octets", line.len());
    }
    let o = run(d, &["ics", "--booth", "9"]);
    assert_eq!(code(&o), 2);
    assert!(err(&o).contains("--booth"), "{}", err(&o));
    if !needs(
        "python3",
        &["-c", "import icalendar"],
        "Python's icalendar reads the booth calendar",
        "python3 -m pip install icalendar==6.1.0",
    ) {
        return;
    }
    let script = r#"
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
for ev in cal.walk('VEVENT'):
    print(ev['UID'], ev['DTSTART'].dt.isoformat(), ev['DTEND'].dt.isoformat(), int(ev['SEQUENCE']), str(ev['SUMMARY']), str(ev['STATUS']))
"#;
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&file)
        .output_limited()
        .unwrap();
    assert!(o.status.success(), "icalendar refused it: {}", err(&o));
    let events: Vec<String> = out(&o).lines().map(String::from).collect();
    assert_eq!(
        events,
        vec![
            format!(
                "{a}@soudan.46010 2026-12-03T10:00:00+09:00 2026-12-03T10:30:00+09:00 0 相談 西郷 一郎 46010-31 CONFIRMED"
            ),
            format!(
                "{b}@soudan.46010 2026-12-07T13:00:00+09:00 2026-12-07T13:30:00+09:00 1 相談 東郷 由美 46010-32 CONFIRMED"
            ),
        ],
        "booth 1's events, the moved one at SEQUENCE 1, none cancelled"
    );
}

#[test]
fn the_day_sheet_holds_the_day_in_full_every_value_escaped_and_prints() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = run(
        d,
        &[
            "book",
            "--date",
            "2026-12-03",
            "--time",
            "10:00",
            "--booth",
            "1",
            "--seeker",
            "46010-41",
            "--name",
            "西郷 一郎",
            "--kana",
            "さいごう いちろう",
            "--email",
            "a@example.jp",
            "--interpreter",
            "English",
            "--consent",
            "--checklist",
        ],
    );
    let first = ok(o);
    let second = ok(book_as(
        d,
        NOW,
        "2026-12-03",
        "09:00",
        Some("2"),
        "46010-42",
        "東郷 由美",
    ));
    let gone = ok(book_as(
        d,
        NOW,
        "2026-12-03",
        "11:00",
        Some("2"),
        "46010-43",
        "加藤 葵",
    ));
    ok(run(d, &["cancel", &gone, "--reason", "phoned"]));
    let hostile = "<script>alert('x')</script> & \"q\"";
    ok(run(d, &["note", &first, hostile]));
    ok(run(
        d,
        &[
            "block",
            "--date",
            "2026-12-03",
            "--from",
            "15:00",
            "--booth",
            "2",
            "--reason",
            "<b>repair</b>",
        ],
    ));
    let o = run(d, &["sheet", "--date", "2026-12-03"]);
    let path = std::path::PathBuf::from(ok(o));
    assert_eq!(path, d.join("sheets/sheet-2026-12-03.html"));
    let html = std::fs::read_to_string(&path).unwrap();
    assert!(html.contains("@page { size: A4"), "A4 print CSS");
    // Read back by a real HTML parser: one row per consultation (not the
    // cancelled one), in time order, each cell's text as stored.
    let script = r#"
import sys, json
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.rows=[]; self.cell=None; self.tags=[]; self.items=[]; self.li=None
    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == 'tr' and dict(attrs).get('data-id'): self.rows.append({'id': dict(attrs)['data-id']})
        if tag == 'td' and self.rows: self.cell = dict(attrs).get('class'); self.rows[-1][self.cell] = ''
        if tag == 'li': self.li = ''
        if tag == 'a' and self.rows: self.rows[-1]['href'] = dict(attrs).get('href')
    def handle_endtag(self, tag):
        if tag == 'td': self.cell = None
        if tag == 'li': self.items.append(self.li); self.li = None
    def handle_data(self, data):
        if self.cell and self.rows: self.rows[-1][self.cell] += data
        if self.li is not None: self.li += data
p = P(); p.feed(open(sys.argv[1], encoding='utf-8').read())
print(json.dumps({'rows': p.rows, 'tags': sorted(set(p.tags)), 'blocks': p.items}, ensure_ascii=False))
"#;
    let o = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output_limited()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v}");
    assert_eq!(rows[0]["id"], second.as_str());
    assert_eq!(rows[1]["id"], first.as_str());
    assert_eq!(rows[1]["name"], "西郷 一郎サイゴウ イチロウ");
    assert_eq!(rows[1]["number"], format!("46010-41{first}"));
    assert_eq!(rows[1]["notes"], hostile, "the note is text, not markup");
    assert_eq!(rows[1]["attendance"], "interpreter (English)");
    assert_eq!(rows[1]["time"], "10:00–10:30");
    assert!(rows[1]["href"].as_str().unwrap().starts_with("https://"));
    let tags: Vec<&str> = v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(
        !tags.contains(&"script") && !tags.contains(&"b"),
        "{tags:?}"
    );
    assert!(
        v["blocks"][0].as_str().unwrap().contains("<b>repair</b>"),
        "{v}"
    );
    // One booth only, and a file named.
    let one = d.join("one.html");
    ok(run(
        d,
        &[
            "sheet",
            "--date",
            "2026-12-03",
            "--booth",
            "2",
            "--out",
            one.to_str().unwrap(),
        ],
    ));
    let html2 = std::fs::read_to_string(&one).unwrap();
    assert!(html2.contains(&second) && !html2.contains(&first));
    let o = run(d, &["sheet", "--date", "2026-12-03", "--booth", "7"]);
    assert_eq!(code(&o), 2);
    // Printed by a real browser to PDF, read back as text.
    if !needs(
        "chromium",
        &["--version"],
        "the day sheet is printed to PDF",
        "apt-get install -y chromium",
    ) || !needs(
        "pdftotext",
        &["-v"],
        "the printed sheet is read back",
        "apt-get install -y poppler-utils",
    ) || !needs(
        "pdfinfo",
        &["-v"],
        "the printed sheet is checked to be A4",
        "apt-get install -y poppler-utils",
    ) {
        return;
    }
    let pdf = d.join("sheet.pdf");
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", path.display()))
        .output_limited()
        .unwrap();
    assert!(pdf.exists(), "chromium printed nothing: {}", err(&o));
    let o = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output_limited()
        .unwrap();
    assert!(o.status.success(), "{}", err(&o));
    let text = out(&o);
    for want in ["46010-41", "46010-42", &first, "10:00", "English", "alert"] {
        assert!(text.contains(want), "{want} in the printed sheet:\n{text}");
    }
    let info = Command::new("pdfinfo")
        .arg(&pdf)
        .output_limited()
        .expect("pdfinfo runs");
    let info = out(&info);
    assert!(info.contains("(A4)"), "an A4 page: {info}");
}

#[test]
fn the_month_counts_a_day_gone_by_of_no_shows_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut ids = Vec::new();
    for (i, time) in [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30",
        "15:00", "15:30",
    ]
    .into_iter()
    .enumerate()
    {
        for booth in ["1", "2"] {
            let seeker = format!("46010-{}", 100 + i * 2 + usize::from(booth == "2"));
            ids.push(ok(book(d, "2026-12-03", time, Some(booth), &seeker)));
        }
    }
    ok(run(d, &["cancel", &ids[0], "--reason", "phoned"]));
    // The next day every one not started is a no-show: 23 of them.
    let o = soudan_at(d, "2026-12-04T09:00", &["sweep"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let store = soudan::store::Store::open(d, "test").unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let next = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let first = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let last = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    assert_eq!(
        store.day_counts(first, last).unwrap().get(&day),
        None,
        "no live booking left"
    );
    let held = soudan::store::Engine::day_counts_held(&store, first, last, next).unwrap();
    assert_eq!(
        held.get(&day),
        Some(&23),
        "the no-shows count, the cancellation does not"
    );
    let shown = soudan::desk::views::load_day_at(&store, next, Some(next)).unwrap();
    assert_eq!(shown.month.get(&day), Some(&23));
}

#[test]
fn a_search_reads_the_same_records_as_text_and_finds_by_phone_digits() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(book_as(
        d,
        NOW,
        "2026-12-03",
        "10:00",
        Some("1"),
        "46010-51",
        "西郷 一郎",
    ));
    ok(run(
        d,
        &[
            "book",
            "--date",
            "2026-12-03",
            "--time",
            "10:00",
            "--booth",
            "2",
            "--seeker",
            "46010-52",
            "--name",
            "Anna Berg",
            "--email",
            "Anna.Berg@example.jp",
            "--phone",
            "099-222-3344",
            "--consent",
            "--checklist",
        ],
    ));
    let store = soudan::store::Store::open(d, "test").unwrap();
    let full = store.seekers().unwrap();
    let text = store.seeker_texts().unwrap();
    assert_eq!(full.len(), text.len());
    for (f, t) in full.iter().zip(&text) {
        assert_eq!(f.number.as_str(), t.number);
        assert_eq!(f.name.as_str(), t.name);
        assert_eq!(f.kana.as_ref().map(|k| k.as_str().to_string()), t.kana);
        assert_eq!(f.email.as_str(), t.email);
        assert_eq!(f.phone.as_ref().map(|p| p.as_str().to_string()), t.phone);
        assert_eq!(f.registered_on, t.registered_on);
    }
    let found = |q: &str| -> Vec<String> {
        let mut v: Vec<String> = soudan::desk::views::search(&store, q)
            .unwrap()
            .into_iter()
            .map(|h| h.booking.seeker.to_string())
            .collect();
        v.dedup();
        v
    };
    assert_eq!(found("3344"), ["46010-52"]);
    assert_eq!(
        found("０９９－２２２"),
        ["46010-52"],
        "full-width digits and hyphens"
    );
    assert_eq!(found("5678"), ["46010-51"]);
    assert_eq!(found("anna.berg@"), ["46010-52"]);
    assert_eq!(found("ANNA"), ["46010-52"]);
    assert_eq!(
        found("やまだ"),
        ["46010-51"],
        "hiragana finds the katakana reading"
    );
    assert_eq!(found("西郷"), ["46010-51"]);
    assert!(found("7777").is_empty());
}

/// To the kiosk, time taken off is full: its booking and its hold are
/// refused without the staff's reason.
#[test]
fn the_kiosk_is_never_told_why_time_is_off() {
    use soudan::desk::request::{Request, handle};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(book(d, "2026-12-03", "10:00", Some("1"), "46010-61"));
    ok(run(
        d,
        &[
            "block",
            "--date",
            "2026-12-04",
            "--reason",
            "counsellor off sick",
        ],
    ));
    let g = soudan::cli::args::Global {
        data_dir: Some(d.to_path_buf()),
        config: None,
        lang: Some("en".into()),
        now: Some(NOW.into()),
        ascii: false,
        server: None,
        config_may_be_missing: false,
    };
    let env = soudan::cli::Env::from_global(&g).unwrap();
    let store = soudan::store::Store::open(d, "test").unwrap();
    let slot = soudan::domain::office::SlotRequest {
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        time: chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        booth: 1,
    };
    let e = handle(&env, &store, Request::Hold { slot }).unwrap_err();
    let said = e.message(soudan::i18n::Lang::En);
    assert!(
        said.contains("taken off") && !said.contains("sick"),
        "{said}"
    );
    let seeker = store
        .seeker(&soudan::domain::seeker::JobSeekerNumber::parse("46010-61").unwrap())
        .unwrap()
        .unwrap();
    let req = soudan::desk::BookingRequest {
        slot,
        late: soudan::domain::office::Override::None,
        seeker,
        channel: soudan::domain::booking::Channel::Kiosk,
        documents: soudan::domain::terms::Document::ALL.to_vec(),
        checklist: soudan::domain::terms::checklist_all_yes(),
        interpreter: None,
        caregiver: false,
        contact: soudan::store::Contact::Keep,
    };
    let e = handle(&env, &store, Request::KioskBook(Box::new(req.clone()))).unwrap_err();
    let said = e.message(soudan::i18n::Lang::En);
    assert_eq!(e.exit_code(), 3);
    assert!(
        said.contains("already booked") && !said.contains("sick"),
        "{said}"
    );
    // Staff booking the same slot are told why.
    let mut staff = req;
    staff.channel = soudan::domain::booking::Channel::Counter;
    let e = handle(&env, &store, Request::Book(Box::new(staff))).unwrap_err();
    assert!(
        e.message(soudan::i18n::Lang::En)
            .contains("counsellor off sick")
    );
}
