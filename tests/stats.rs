//! `soudan stats` on the sample: the statuses add up to the bookings in
//! every row of every grouping, the totals agree with the day schedules,
//! and no statistic in any format carries personal data, a booking id, a
//! staff account or a terminal (Art. 7(2)).

mod common;

use common::Limited;

use std::path::Path;
use std::process::{Command, Output, Stdio};

const NOW: &str = "2026-12-01T09:00";

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_soudan"))
        .env_remove("SOUDAN_CONFIG")
        .env("SOUDAN_LANG", "en")
        .env("SOUDAN_DATA_DIR", dir)
        .env("SOUDAN_NOW", NOW)
        .stdin(Stdio::null())
        .args(args)
        .output_limited()
        .expect("soudan runs")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

const FROM: &str = "2026-11-16";
const TO: &str = "2026-12-14";

#[test]
fn statuses_add_up_and_agree_with_the_schedules() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    ok(&run(d, &["demo"]));
    let s: serde_json::Value = serde_json::from_str(&ok(&run(
        d,
        &["stats", "--from", FROM, "--to", TO, "--format", "json"],
    )))
    .unwrap();
    let statuses = [
        "booked",
        "in_progress",
        "completed",
        "stopped",
        "cancelled",
        "no_show",
    ];
    let total = s["total"]["bookings"].as_u64().unwrap();
    assert!(total > 300, "{total}");
    for group in ["by_day", "by_weekday", "by_time", "by_channel", "by_week"] {
        let rows = s[group].as_array().unwrap();
        let sum: u64 = rows.iter().map(|r| r["bookings"].as_u64().unwrap()).sum();
        assert_eq!(sum, total, "{group}");
        for r in rows.iter().chain(std::iter::once(&s["total"])) {
            let parts: u64 = statuses.iter().map(|k| r[k].as_u64().unwrap()).sum();
            assert_eq!(
                parts,
                r["bookings"].as_u64().unwrap(),
                "{group} {}",
                r["key"]
            );
        }
    }
    // Every day agrees with the day's schedule.
    for r in s["by_day"].as_array().unwrap() {
        let date = r["key"].as_str().unwrap();
        let day: serde_json::Value =
            serde_json::from_str(&ok(&run(d, &["day", "--date", date, "--json"]))).unwrap();
        let day = day.as_array().unwrap();
        assert_eq!(day.len() as u64, r["bookings"].as_u64().unwrap(), "{date}");
        for k in statuses {
            let n = day.iter().filter(|b| b["status"] == k).count() as u64;
            assert_eq!(n, r[k].as_u64().unwrap(), "{date} {k}");
        }
    }
    // The CSV has the same numbers.
    let csv = ok(&run(
        d,
        &["stats", "--from", FROM, "--to", TO, "--format", "csv"],
    ));
    let total_line = csv.lines().find(|l| l.starts_with("total,")).unwrap();
    assert!(
        total_line.starts_with(&format!("total,total,{total},")),
        "{total_line}"
    );
    assert_eq!(
        csv.lines().count(),
        1 + 1
            + s["by_day"].as_array().unwrap().len()
            + s["by_weekday"].as_array().unwrap().len()
            + s["by_time"].as_array().unwrap().len()
            + s["by_channel"].as_array().unwrap().len()
    );
}

#[test]
fn no_statistic_names_anyone_or_any_device() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    ok(&run(d, &["demo"]));
    let backup: serde_json::Value = serde_json::from_str(&ok(&run(d, &["export"]))).unwrap();
    let mut secrets: Vec<String> = Vec::new();
    for s in backup["seekers"].as_array().unwrap() {
        for f in ["number", "name", "email", "phone", "kana"] {
            if let Some(v) = s[f].as_str() {
                secrets.push(v.to_string());
            }
        }
    }
    for b in backup["bookings"].as_array().unwrap() {
        secrets.push(b["id"].as_str().unwrap().to_string());
    }
    for e in backup["audit"].as_array().unwrap() {
        for f in ["terminal", "user"] {
            if let Some(v) = e[f].as_str().filter(|v| v.len() > 2) {
                secrets.push(v.to_string());
            }
        }
    }
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() > 400);
    for lang in ["ja", "en"] {
        for format in ["table", "csv", "json"] {
            let out = ok(&run(
                d,
                &[
                    "--lang", lang, "stats", "--from", FROM, "--to", TO, "--format", format,
                ],
            ));
            for s in &secrets {
                assert!(!out.contains(s.as_str()), "{lang} {format}: {s}");
            }
        }
    }
}

#[test]
fn a_bad_range_or_format_names_the_field() {
    let t = tempfile::tempdir().unwrap();
    let o = run(
        t.path(),
        &["stats", "--from", "2026-12-10", "--to", "2026-12-01"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--to"));
    let o = run(
        t.path(),
        &[
            "stats",
            "--from",
            "2026-12-01",
            "--to",
            "2026-12-10",
            "--format",
            "xml",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--format"));
    let o = run(t.path(), &["stats", "--from", "12/1", "--to", "2026-12-10"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from"));
}
