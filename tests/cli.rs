//! The real `soudan` binary: every exit status of the contract, its JSON, its
//! messages in both languages, and durability under SIGKILL. The contract's
//! tests of the records run on PostgreSQL as well (`_on_postgresql`: a
//! throwaway cluster each, every command given its URL).

mod common;
#[path = "common/pg_cluster.rs"]
mod pg_cluster;

use common::Limited;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const NOW: &str = "2026-12-01T09:00";

fn soudan(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_soudan"));
    c.env_remove("SOUDAN_CONFIG")
        .env_remove("SOUDAN_LANG")
        .env("SOUDAN_DATA_DIR", dir)
        .env("SOUDAN_NOW", NOW)
        .stdin(Stdio::null());
    pg_cluster::with_store(&mut c);
    c
}

fn run(dir: &Path, args: &[&str]) -> Output {
    soudan(dir)
        .args(args)
        .output_limited()
        .expect("soudan runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn book(dir: &Path, date: &str, time: &str, seeker: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "book",
        "--date",
        date,
        "--time",
        time,
        "--seeker",
        seeker,
        "--name",
        "山田 太郎",
        "--email",
        "taro@example.jp",
        "--consent",
        "--checklist",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

fn day_json(dir: &Path, date: &str) -> Vec<Value> {
    let o = run(dir, &["day", "--date", date, "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    serde_json::from_slice::<Value>(&o.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn help_lists_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["--help"]);
    assert_eq!(code(&o), 0);
    let help = stdout(&o);
    for cmd in [
        "book", "cancel", "start", "finish", "stop", "day", "sweep", "seeker", "refuse",
        "unrefuse", "check", "config",
    ] {
        assert!(
            help.contains(&format!("  {cmd}")),
            "{cmd} missing from:\n{help}"
        );
    }
}

#[test]
fn the_done_when_examples() {
    the_done_when_examples_suite();
}

#[test]
fn the_done_when_examples_on_postgresql() {
    pg_cluster::on_postgresql(the_done_when_examples_suite);
}

fn the_done_when_examples_suite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The deadline day itself: on time.
    let o = book(
        d,
        "2026-12-03",
        "10:00",
        "４６０１０－１２３４５６７８",
        &["--booth", "1"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let id = stdout(&o).trim().to_string();
    assert_eq!(id.len(), 6);
    // One day late: exit 3, naming the deadline.
    let o = book(d, "2026-12-02", "10:00", "46010-2", &[]);
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("2026-11-30"), "{}", stderr(&o));
    // Closed days.
    for (date, why) in [
        ("2026-12-05", "土曜日"),
        ("2026-12-29", "年末年始"),
        ("2027-01-11", "成人の日"),
    ] {
        let o = book(d, date, "10:00", "46010-2", &[]);
        assert_eq!(code(&o), 3, "{date}");
        assert!(stderr(&o).contains(why), "{date}: {}", stderr(&o));
    }
    let o = run(
        d,
        &[
            "--lang",
            "en",
            "book",
            "--date",
            "2027-01-11",
            "--time",
            "10:00",
            "--seeker",
            "46010-2",
            "--name",
            "x",
            "--email",
            "x@example.jp",
            "--consent",
            "--checklist",
        ],
    );
    assert!(stderr(&o).contains("Coming of Age Day"), "{}", stderr(&o));
    // The same slot twice.
    let o = book(d, "2026-12-03", "10:00", "46010-3", &["--booth", "1"]);
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).contains(&"ブース1".to_string()),
        "{}",
        stderr(&o)
    );
    // The full-width number is stored in its normal form.
    let day = day_json(d, "2026-12-03");
    assert_eq!(day.len(), 1);
    assert_eq!(day[0]["id"], id.as_str());
    assert_eq!(day[0]["seeker"], "46010-12345678");
}

#[test]
fn without_a_booth_the_first_free_one_is_taken_then_the_slot_is_full() {
    without_a_booth_the_first_free_one_is_taken_then_the_slot_is_full_suite();
}

#[test]
fn without_a_booth_the_first_free_one_is_taken_then_the_slot_is_full_on_postgresql() {
    pg_cluster::on_postgresql(
        without_a_booth_the_first_free_one_is_taken_then_the_slot_is_full_suite,
    );
}

fn without_a_booth_the_first_free_one_is_taken_then_the_slot_is_full_suite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(code(&book(d, "2026-12-03", "10:00", "46010-1", &[])), 0);
    assert_eq!(code(&book(d, "2026-12-03", "10:00", "46010-2", &[])), 0);
    let o = book(d, "2026-12-03", "10:00", "46010-3", &[]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let booths: Vec<_> = day_json(d, "2026-12-03")
        .iter()
        .map(|b| b["booth"].as_u64().unwrap())
        .collect();
    assert_eq!(booths, [1, 2]);
}

#[test]
fn the_json_of_the_contract() {
    the_json_of_the_contract_suite();
}

#[test]
fn the_json_of_the_contract_on_postgresql() {
    pg_cluster::on_postgresql(the_json_of_the_contract_suite);
}

fn the_json_of_the_contract_suite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = book(
        d,
        "2026-12-04",
        "13:30",
        "46010-12345678",
        &[
            "--booth",
            "2",
            "--channel",
            "phone",
            "--kana",
            "やまだ たろう",
            "--phone",
            "09012345678",
            "--interpreter",
            "English",
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let b: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(b["date"], "2026-12-04");
    assert_eq!(b["start"], "13:30");
    assert_eq!(b["end"], "14:00");
    assert_eq!(b["booth"], 2);
    assert_eq!(b["status"], "booked");
    assert_eq!(b["seeker"], "46010-12345678");
    assert_eq!(b["name"], "山田 太郎");
    assert_eq!(b["kana"], "ヤマダ タロウ");
    assert_eq!(b["phone"], "090-1234-5678");
    assert_eq!(b["channel"], "phone");
    assert_eq!(b["terms_version"], "2025-02-07");
    assert_eq!(b["no_show_count"], 0);
    assert_eq!(b["interpreter"], "English");
    assert_eq!(b["documents"].as_array().unwrap().len(), 4);
    assert_eq!(b["checklist"].as_object().unwrap().len(), 9);
    let id = b["id"].as_str().unwrap();
    assert!(
        b["meeting_url"].as_str().unwrap().starts_with("https://")
            && b["meeting_url"].as_str().unwrap().contains(id)
    );
    // day --json: ordered by start time then booth.
    assert_eq!(
        code(&book(
            d,
            "2026-12-04",
            "09:00",
            "46010-2",
            &["--booth", "2"]
        )),
        0
    );
    assert_eq!(
        code(&book(
            d,
            "2026-12-04",
            "13:30",
            "46010-3",
            &["--booth", "1"]
        )),
        0
    );
    let order: Vec<_> = day_json(d, "2026-12-04")
        .iter()
        .map(|b| format!("{} {}", b["start"].as_str().unwrap(), b["booth"]))
        .collect();
    assert_eq!(order, ["09:00 2", "13:30 1", "13:30 2"]);
    // cancel --json shows the new status and the reason.
    let o = run(d, &["cancel", id, "--reason", "体調不良（電話）", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let c: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(c["status"], "cancelled");
    assert_eq!(c["history"][0]["reason"], "体調不良（電話）");
    // seeker --json.
    let o = run(d, &["seeker", "46010-12345678", "--json"]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["bookings"].as_array().unwrap().len(), 1);
    assert_eq!(s["refused"], false);
}

#[test]
fn a_consultations_life_and_the_no_show() {
    a_consultations_life_and_the_no_show_suite();
}

#[test]
fn a_consultations_life_and_the_no_show_on_postgresql() {
    pg_cluster::on_postgresql(a_consultations_life_and_the_no_show_suite);
}

fn a_consultations_life_and_the_no_show_suite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let a = stdout(&book(d, "2026-12-03", "10:00", "46010-1", &[]))
        .trim()
        .to_string();
    let b = stdout(&book(d, "2026-12-03", "10:30", "46010-2", &[]))
        .trim()
        .to_string();
    let at = |t: &str, args: &[&str]| {
        soudan(d)
            .env("SOUDAN_NOW", t)
            .args(args)
            .output_limited()
            .unwrap()
    };
    assert_eq!(code(&at("2026-12-03T09:58", &["start", &a])), 0);
    let o = at("2026-12-03T09:59", &["start", &a]);
    assert_eq!(code(&o), 3, "started twice");
    assert!(stderr(&o).contains("相談中"), "{}", stderr(&o));
    assert_eq!(
        code(&at("2026-12-03T10:15", &["stop", &a, "--reason", "暴言"])),
        0
    );
    let o = at("2026-12-03T10:39", &["sweep", "--json"]);
    let sweep: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(sweep["no_shows"], 0, "10:30 + 10 min has not come yet");
    let o = at("2026-12-03T10:40", &["sweep", "--json"]);
    let sweep: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(sweep["ids"], serde_json::json!([b]));
    // Once a no-show, it can no longer be started or cancelled; it can be corrected.
    assert_eq!(code(&at("2026-12-03T10:41", &["start", &b])), 3);
    assert_eq!(
        code(&at("2026-12-03T10:41", &["cancel", &b, "--reason", "x"])),
        3
    );
    let o = at("2026-12-03T10:45", &["--lang", "en", "seeker", "46010-2"]);
    assert!(stdout(&o).contains("No-shows: 1"), "{}", stdout(&o));
    assert_eq!(
        code(&at(
            "2026-12-03T10:50",
            &["correct", &b, "--reason", "9:50に電話があった"]
        )),
        0
    );
    let day = day_json(d, "2026-12-03");
    assert_eq!(day[0]["status"], "stopped");
    assert_eq!(day[1]["status"], "cancelled");
    assert_eq!(day[1]["no_show_count"], 0);
    // Nobody ran sweep: any command lets the rule catch up by itself.
    let c = stdout(&book(d, "2026-12-04", "09:00", "46010-3", &[]))
        .trim()
        .to_string();
    let o = at(
        "2026-12-04T09:10",
        &["day", "--date", "2026-12-04", "--json"],
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v[0]["id"], c.as_str());
    assert_eq!(v[0]["status"], "no_show");
}

#[test]
fn refusals_block_bookings_until_lifted() {
    refusals_block_bookings_until_lifted_suite();
}

#[test]
fn refusals_block_bookings_until_lifted_on_postgresql() {
    pg_cluster::on_postgresql(refusals_block_bookings_until_lifted_suite);
}

fn refusals_block_bookings_until_lifted_suite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_eq!(code(&run(d, &["refuse", "46010-9", "--reason", "暴言"])), 0);
    assert_eq!(code(&run(d, &["refuse", "46010-9", "--reason", "暴言"])), 3);
    let o = book(d, "2026-12-03", "10:00", "46010-9", &[]);
    assert_eq!(code(&o), 3);
    assert!(
        stderr(&o).contains("2026-12-01") && stderr(&o).contains("暴言"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        code(&run(d, &["unrefuse", "46010-9", "--reason", "面談で確認"])),
        0
    );
    assert_eq!(code(&run(d, &["unrefuse", "46010-9", "--reason", "x"])), 3);
    assert_eq!(code(&book(d, "2026-12-03", "10:00", "46010-9", &[])), 0);
    let o = run(d, &["seeker", "46010-9", "--json"]);
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["refusals"].as_array().unwrap().len(), 1);
    assert_eq!(s["refusals"][0]["lifted"]["reason"], "面談で確認");
}

#[test]
fn exit_2_bad_input_names_the_field() {
    exit_2_bad_input_names_the_field_suite();
}

#[test]
fn exit_2_bad_input_names_the_field_on_postgresql() {
    pg_cluster::on_postgresql(exit_2_bad_input_names_the_field_suite);
}

fn exit_2_bad_input_names_the_field_suite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (args, field) in [
        (vec!["--seeker", "4601-1"], "--seeker"),
        (vec!["--email", "taro@"], "--email"),
        (vec!["--name", "山田\u{202e}太郎"], "--name"),
        (vec!["--phone", "12"], "--phone"),
        (vec!["--kana", "yamada-1"], "--kana"),
        (vec!["--channel", "fax"], "--channel"),
        (vec!["--booth", "9"], "--booth"),
    ] {
        let mut opts = vec![
            ("--date", "2026-12-03"),
            ("--time", "10:00"),
            ("--seeker", "46010-1"),
            ("--name", "山田 太郎"),
            ("--email", "t@example.jp"),
        ];
        match opts.iter_mut().find(|(k, _)| *k == args[0]) {
            Some(o) => o.1 = args[1],
            None => opts.push((args[0], args[1])),
        }
        let mut all = vec!["book", "--consent", "--checklist"];
        for (k, v) in opts {
            all.extend([k, v]);
        }
        let o = run(d, &all);
        assert_eq!(code(&o), 2, "{field}: {}", stderr(&o));
        assert!(stderr(&o).starts_with(field), "{field}: {}", stderr(&o));
        assert!(
            !stderr(&o).contains('\u{202e}'),
            "no bidi control reaches the terminal"
        );
    }
    let o = run(d, &["day", "--date", "2026-13-01"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--date") && stderr(&o).contains("YYYY-MM-DD"));
    let o = run(d, &["--lang", "fr", "day"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--lang"));
    let o = run(d, &["--lang", "en", "cancel", "K7M2Q9", "--reason", "x"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("No booking has the id K7M2Q9"),
        "{}",
        stderr(&o)
    );
    let o = run(d, &["book", "--date", "2026-12-03"]);
    assert_eq!(code(&o), 2, "a usage error");
    let cfg = d.join("office.toml");
    std::fs::write(
        &cfg,
        soudan::config::BUILTIN.replace("minutes = 30", "minutes = 45"),
    )
    .unwrap();
    let o = run(d, &["--config", cfg.to_str().unwrap(), "config"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("slots.minutes"), "{}", stderr(&o));
    // Nothing was written by any of them.
    assert!(day_json(d, "2026-12-03").is_empty());
}

#[test]
fn exit_3_consent_checklist_and_hours() {
    exit_3_consent_checklist_and_hours_suite();
}

#[test]
fn exit_3_consent_checklist_and_hours_on_postgresql() {
    pg_cluster::on_postgresql(exit_3_consent_checklist_and_hours_suite);
}

fn exit_3_consent_checklist_and_hours_suite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let base = [
        "book",
        "--date",
        "2026-12-03",
        "--time",
        "10:00",
        "--seeker",
        "46010-1",
        "--name",
        "x",
        "--email",
        "t@example.jp",
    ];
    let o = run(d, &[&base[..], &["--checklist"]].concat());
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("--consent"));
    let o = run(d, &[&base[..], &["--consent"]].concat());
    assert_eq!(code(&o), 3);
    assert!(stderr(&o).contains("--checklist"));
    let o = book(d, "2026-12-03", "12:00", "46010-1", &[]);
    assert_eq!(code(&o), 3, "lunch is not a slot");
    let o = book(
        d,
        "2026-12-01",
        "10:00",
        "46010-1",
        &["--override-deadline", "所長了承"],
    );
    assert_eq!(
        code(&o),
        0,
        "staff may override the deadline with a reason: {}",
        stderr(&o)
    );
    let o = book(
        d,
        "2026-12-01",
        "09:00",
        "46010-2",
        &["--override-deadline", "所長了承"],
    );
    assert_eq!(code(&o), 3, "but never book a slot that has begun");
    let o = book(
        d,
        "2026-12-02",
        "09:00",
        "46010-2",
        &["--override-deadline", "x", "--channel", "kiosk"],
    );
    assert_eq!(code(&o), 3, "the kiosk never overrides");
}

#[test]
fn exit_4_the_database_cannot_be_used() {
    // Held by another process.
    let dir = tempfile::tempdir().unwrap();
    let held = soudan::store::Store::open(dir.path(), "dashboard").unwrap();
    let o = run(dir.path(), &["day"]);
    assert_eq!(code(&o), 4);
    assert!(
        stderr(&o).contains(dir.path().to_str().unwrap()),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("soudan のダッシュボード (pid "),
        "{}",
        stderr(&o)
    );
    let o = run(dir.path(), &["--lang", "en", "day"]);
    assert!(
        stderr(&o).contains("in use by the soudan dashboard (pid "),
        "{}",
        stderr(&o)
    );
    drop(held);
    assert_eq!(code(&run(dir.path(), &["day"])), 0);

    // Written by a newer soudan.
    let dir = tempfile::tempdir().unwrap();
    {
        let db = sled::open(dir.path().join("db")).unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("schema_version", &7u32.to_be_bytes())
            .unwrap();
        db.flush().unwrap();
    }
    let o = run(dir.path(), &["--lang", "en", "day"]);
    assert_eq!(code(&o), 4);
    assert!(stderr(&o).contains("newer soudan"), "{}", stderr(&o));

    // Damaged: garbage where the database belongs.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("db")).unwrap();
    std::fs::write(dir.path().join("db/conf"), b"\xff\xfe garbage").unwrap();
    std::fs::write(dir.path().join("db/db"), vec![0xA5u8; 4096]).unwrap();
    let o = run(dir.path(), &["day"]);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[test]
fn exit_1_when_no_data_dir_can_be_found() {
    let o = Command::new(env!("CARGO_BIN_EXE_soudan"))
        .env_clear()
        .args(["day"])
        .output_limited()
        .unwrap();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("--data-dir"));
}

#[test]
fn config_prints_the_effective_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["config"]);
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    assert!(
        text.contains("ハローワークかごしま")
            && text.contains("46010")
            && text.contains("Asia/Tokyo")
    );
    let round: toml::Table = toml::from_str(&text).unwrap();
    assert_eq!(round["slots"]["minutes"].as_integer(), Some(30));
    assert!(!dir.path().join("db").exists(), "config opens no database");
}

#[test]
fn data_dir_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("soudan");
    assert_eq!(code(&book(&dir, "2026-12-03", "10:00", "46010-1", &[])), 0);
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let mut stack = vec![dir];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap().flatten() {
            let mode = e.metadata().unwrap().permissions().mode() & 0o777;
            if e.file_type().unwrap().is_dir() {
                assert_eq!(mode, 0o700, "{}", e.path().display());
                stack.push(e.path());
            } else {
                assert_eq!(mode, 0o600, "{}", e.path().display());
            }
        }
    }
}

#[test]
fn a_reported_booking_survives_sigkill_right_after_it_was_printed() {
    a_reported_booking_survives_sigkill_right_after_it_was_printed_suite();
}

#[test]
fn a_reported_booking_survives_sigkill_right_after_it_was_printed_on_postgresql() {
    pg_cluster::on_postgresql(a_reported_booking_survives_sigkill_right_after_it_was_printed_suite);
}

fn a_reported_booking_survives_sigkill_right_after_it_was_printed_suite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let times = [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30",
        "15:00", "15:30", "16:00",
    ];
    let mut printed = Vec::new();
    for (i, time) in times.iter().enumerate() {
        let seeker = format!("46010-{}", 100 + i);
        let mut child = soudan(d)
            .args([
                "book",
                "--date",
                "2026-12-03",
                "--time",
                time,
                "--booth",
                "1",
                "--seeker",
                &seeker,
                "--name",
                "山田 太郎",
                "--email",
                "t@example.jp",
                "--consent",
                "--checklist",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // SIGKILL the moment the id is out, before the process can do anything else.
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(line.trim().len(), 6, "an id was printed: {line:?}");
        printed.push(line.trim().to_string());
    }
    let stored: Vec<String> = day_json(d, "2026-12-03")
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(stored, printed);
    let o = run(d, &["check"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn demo_fills_an_empty_database_only_and_check_passes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = soudan(d)
        .env("SOUDAN_NOW", "2026-12-03T11:15")
        .args(["demo", "--days", "10", "--seed", "3"])
        .output_limited()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = soudan(d)
        .env("SOUDAN_NOW", "2026-12-03T11:15")
        .args(["demo"])
        .output_limited()
        .unwrap();
    assert_eq!(code(&o), 2, "never mixed with what is there");
    assert!(stderr(&o).starts_with("--data-dir"), "{}", stderr(&o));
    let o = run(d, &["check", "--json"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(report["bookings"].as_u64().unwrap() > 100);
    // Today has finished, running and booked consultations.
    let o = soudan(d)
        .env("SOUDAN_NOW", "2026-12-03T11:15")
        .args(["day", "--json"])
        .output_limited()
        .unwrap();
    let day: Value = serde_json::from_slice(&o.stdout).unwrap();
    let statuses: std::collections::BTreeSet<_> = day
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["status"].as_str().unwrap().to_string())
        .collect();
    assert!(
        statuses.contains("completed") && statuses.contains("booked"),
        "{statuses:?}"
    );
    // The same seed gives the same sample, ids included.
    let other = tempfile::tempdir().unwrap();
    let o = soudan(other.path())
        .env("SOUDAN_NOW", "2026-12-03T11:15")
        .args(["demo", "--days", "10", "--seed", "3"])
        .output_limited()
        .unwrap();
    assert_eq!(code(&o), 0);
    let again = soudan(other.path())
        .env("SOUDAN_NOW", "2026-12-03T11:15")
        .args(["day", "--json"])
        .output_limited()
        .unwrap();
    let ids = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&day),
        ids(&serde_json::from_slice(&again.stdout).unwrap())
    );
}

/// Every command with required options, run without them: the message
/// names each one (in both languages), with the command's usage, exit 2.
#[test]
fn a_missing_option_is_named_for_every_command() {
    use clap::CommandFactory;
    let dir = tempfile::tempdir().unwrap();
    let cli = soudan::cli::Cli::command();
    let mut checked = 0;
    for sub in cli.get_subcommands() {
        let required: Vec<String> = sub
            .get_arguments()
            .filter(|a| a.is_required_set())
            .map(|a| match a.get_long() {
                Some(l) => format!("--{l}"),
                None => format!("<{}>", a.get_id().as_str().to_uppercase()),
            })
            .collect();
        if required.is_empty() {
            continue;
        }
        for lang in ["ja", "en"] {
            let o = soudan(dir.path())
                .env("SOUDAN_LANG", lang)
                .arg(sub.get_name())
                .output_limited()
                .unwrap();
            assert_eq!(code(&o), 2, "{}", stderr(&o));
            let err = stderr(&o);
            assert_eq!(err.lines().count(), 1, "{err}");
            for r in &required {
                assert!(
                    err.contains(r.as_str()),
                    "{} {lang}: {r} not named: {err}",
                    sub.get_name()
                );
            }
            assert!(err.contains(&format!("soudan {}", sub.get_name())), "{err}");
            checked += 1;
        }
    }
    assert!(checked >= 8, "{checked} commands with required options");
}

/// An action the audit trail never records is bad input that lists the
/// ones it does, instead of an empty answer that looks like "none".
#[test]
fn an_unknown_audit_action_names_the_accepted_ones() {
    let dir = tempfile::tempdir().unwrap();
    for lang in ["ja", "en"] {
        let o = soudan(dir.path())
            .env("SOUDAN_LANG", lang)
            .args(["audit", "--action", "foo"])
            .output_limited()
            .unwrap();
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        let err = stderr(&o);
        for a in soudan::desk::audit::ACTIONS {
            assert!(err.contains(a), "{lang}: {a} missing: {err}");
        }
    }
    let o = run(dir.path(), &["audit", "--action", "kiosk.leave"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// `soudan move`: checked like a new booking at the new slot, the booking
/// keeps its id, consent, checklist and history; one audit event; the
/// job seeker gets the same calendar event again with a higher SEQUENCE.
#[test]
fn a_booking_moves_keeping_its_consent_and_history() {
    a_booking_moves_keeping_its_consent_and_history_suite();
}

#[test]
fn a_booking_moves_keeping_its_consent_and_history_on_postgresql() {
    pg_cluster::on_postgresql(a_booking_moves_keeping_its_consent_and_history_suite);
}

fn a_booking_moves_keeping_its_consent_and_history_suite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = book(d, "2026-12-03", "10:00", "46010-5", &["--booth", "1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let id = stdout(&o).trim().to_string();
    let before = day_json(d, "2026-12-03");
    // Another job seeker on the target day and at another slot.
    let o = book(d, "2026-12-04", "11:00", "46010-6", &["--booth", "1"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Refused: the slot taken (exit 3), a slot that is not one (3), past
    // the deadline without a reason (3), no such booking (2), a bad time (2).
    for (args, want, words) in [
        (
            vec!["--date", "2026-12-04", "--time", "11:00", "--booth", "1"],
            3,
            "already booked",
        ),
        (vec!["--date", "2026-12-04", "--time", "12:00"], 3, "12:00"),
        (
            vec!["--date", "2026-12-02", "--time", "16:00"],
            3,
            "--override-deadline",
        ),
        (
            vec!["--date", "2026-12-03", "--time", "10:00", "--booth", "1"],
            2,
            "another slot",
        ),
        (vec!["--date", "2026-12-04", "--time", "25:00"], 2, "--time"),
    ] {
        let mut a = vec!["--lang", "en", "move", &id];
        a.extend(args.iter().copied());
        let o = run(d, &a);
        assert_eq!(code(&o), want, "{a:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(words), "{a:?}: {}", stderr(&o));
    }
    let o = run(
        d,
        &[
            "--lang",
            "en",
            "move",
            "ZZZZZZ",
            "--date",
            "2026-12-04",
            "--time",
            "10:00",
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    // Moved to the 4th at 11:00: booth 1 is taken, so booth 2.
    let o = run(
        d,
        &[
            "move",
            &id,
            "--date",
            "2026-12-04",
            "--time",
            "11:00",
            "--json",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let moved: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(moved["id"], id.as_str());
    assert_eq!(
        (
            moved["date"].as_str(),
            moved["start"].as_str(),
            moved["booth"].as_u64()
        ),
        (Some("2026-12-04"), Some("11:00"), Some(2))
    );
    assert!(
        moved["meeting_url"].as_str().unwrap().contains("booth-2"),
        "{moved}"
    );
    for same in [
        "consent_at",
        "terms_version",
        "documents",
        "checklist",
        "created_at",
        "channel",
    ] {
        assert_eq!(moved[same], before[0][same], "{same}");
    }
    assert_eq!(moved["history"][0]["event"], "move", "{moved}");
    assert!(day_json(d, "2026-12-03").is_empty(), "the old slot is free");
    // Past the deadline with a staff reason.
    let o = run(
        d,
        &[
            "move",
            &id,
            "--date",
            "2026-12-02",
            "--time",
            "16:00",
            "--override-deadline",
            "本人の都合",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = run(d, &["audit", "--booking", &id]);
    let actions: Vec<String> = stdout(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["action"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(actions, ["book", "move", "move"]);
    // The mails: the same event (UID), SEQUENCE 1 then 2, the new time.
    let outbox = d.join("outbox");
    let mut moved_mails: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().contains("-moved-"))
        .collect();
    moved_mails.sort();
    assert_eq!(moved_mails.len(), 2, "{moved_mails:?}");
    for (i, p) in moved_mails.iter().enumerate() {
        let text = std::fs::read_to_string(p)
            .unwrap()
            .replace("=\r\n", "")
            .replace("=3D", "=");
        assert!(text.contains(&format!("UID:{id}@soudan.46010")), "{text}");
        assert!(text.contains(&format!("SEQUENCE:{}", i + 1)), "{text}");
        assert!(text.contains("METHOD:PUBLISH"), "{text}");
    }
    let last = std::fs::read_to_string(moved_mails.last().unwrap())
        .unwrap()
        .replace("=\r\n", "")
        .replace("=3D", "=");
    assert!(
        last.contains("DTSTART;TZID=Asia/Tokyo:20261202T160000"),
        "{last}"
    );
    // A cancellation after two moves: SEQUENCE 3, so calendars take it.
    let o = run(d, &["cancel", &id, "--reason", "電話で"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let cancel = std::fs::read_dir(&outbox)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().contains("-cancellation-"))
        .unwrap();
    let text = std::fs::read_to_string(cancel)
        .unwrap()
        .replace("=\r\n", "");
    assert!(text.contains("SEQUENCE:3"), "{text}");
    // Not booked any more: a cancelled booking does not move.
    let o = run(
        d,
        &[
            "--lang",
            "en",
            "move",
            &id,
            "--date",
            "2026-12-08",
            "--time",
            "10:00",
        ],
    );
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let o = run(d, &["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

/// A start pressed on the wrong booking is taken back within its slot:
/// booked again (and so still a no-show at ten past if nobody comes),
/// audited; once the slot is over it stays started.
#[test]
fn a_start_made_by_mistake_is_taken_back_within_its_slot() {
    a_start_made_by_mistake_is_taken_back_within_its_slot_suite();
}

#[test]
fn a_start_made_by_mistake_is_taken_back_within_its_slot_on_postgresql() {
    pg_cluster::on_postgresql(a_start_made_by_mistake_is_taken_back_within_its_slot_suite);
}

fn a_start_made_by_mistake_is_taken_back_within_its_slot_suite() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let at = |now: &str, args: &[&str]| {
        soudan(d)
            .env("SOUDAN_NOW", now)
            .env("SOUDAN_LANG", "en")
            .args(args)
            .output_limited()
            .unwrap()
    };
    let mut ids = Vec::new();
    for (time, seeker) in [("10:00", "46010-1"), ("11:00", "46010-2")] {
        let o = book(d, "2026-12-03", time, seeker, &["--booth", "1"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        ids.push(stdout(&o).trim().to_string());
    }
    // Not started: nothing to take back (exit 3).
    let o = at("2026-12-03T10:01", &["unstart", &ids[0]]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(code(&at("2026-12-03T10:01", &["start", &ids[0]])), 0);
    let o = at("2026-12-03T10:02", &["unstart", &ids[0], "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "booked");
    // Booked again, so the no-show rule applies to it again.
    let o = at("2026-12-03T10:11", &["sweep", "--json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let day = day_json(d, "2026-12-03");
    assert_eq!(day[0]["status"], "no_show", "{day:?}");
    // After the slot: the start stays.
    assert_eq!(code(&at("2026-12-03T11:00", &["start", &ids[1]])), 0);
    let o = at("2026-12-03T11:30", &["unstart", &ids[1]]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("ended at 11:30"), "{}", stderr(&o));
    let o = run(d, &["audit", "--action", "unstart"]);
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));
    assert_eq!(code(&run(d, &["check"])), 0);
}

/// The Japanese help says every default in Japanese (clap's own
/// "[default: …]" is English), for the program and each command; the
/// English help keeps "default".
#[test]
fn the_japanese_help_names_its_defaults_in_japanese() {
    let tmp = tempfile::tempdir().unwrap();
    let en = run(tmp.path(), &["--lang", "en", "--help"]);
    let text = String::from_utf8_lossy(&en.stdout).into_owned();
    let commands: Vec<String> = text
        .lines()
        .skip_while(|l| !l.starts_with("Commands"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    assert!(commands.len() > 15, "{text}");
    let mut with_default = 0;
    for c in std::iter::once(None).chain(commands.iter().map(Some)) {
        let mut args = vec!["--lang", "ja"];
        if let Some(c) = c {
            args.push(c);
        }
        args.push("--help");
        let o = run(tmp.path(), &args);
        let ja = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(!ja.contains("[default:"), "{c:?}:\n{ja}");
        with_default += ja.matches("[既定:").count();
    }
    assert!(with_default > commands.len(), "defaults are still shown");
    let o = run(tmp.path(), &["--lang", "en", "demo", "--help"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("[default: 20]"));
}
