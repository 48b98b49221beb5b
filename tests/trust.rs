//! Trustworthy data: each fault an attacker's probe found, tried again
//! against the real binary. Every test here failed before its fix.

mod common;
#[path = "common/strace.rs"]
mod strace;

use common::Limited;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

const NOW: &str = "2026-12-01T09:00";

/// soudan on a training folder (the clock starts at NOW).
fn soudan(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_soudan"));
    c.env_remove("SOUDAN_CONFIG")
        .env_remove("SOUDAN_SERVER")
        .env("SOUDAN_LANG", "en")
        .env("SOUDAN_DATA_DIR", dir)
        .env("SOUDAN_NOW", NOW)
        .stdin(Stdio::null());
    c
}

/// soudan on the real clock.
fn real(dir: &Path) -> Command {
    let mut c = soudan(dir);
    c.env_remove("SOUDAN_NOW");
    c
}

fn out(mut c: Command, args: &[&str]) -> Output {
    c.args(args);
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("soudan starts");
    // Every child has a time limit: a hang fails the test instead of the suite.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("soudan {args:?} did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    out(soudan(dir), args)
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn book_args<'a>(date: &'a str, time: &'a str, seeker: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
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
    a.extend_from_slice(extra);
    a
}

fn book(dir: &Path, date: &str, time: &str, seeker: &str, extra: &[&str]) -> Output {
    run(dir, &book_args(date, time, seeker, extra))
}

fn export(dir: &Path) -> Vec<u8> {
    let o = run(dir, &["export"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    o.stdout
}

fn seeker_json(dir: &Path, number: &str) -> Value {
    let o = run(dir, &["seeker", number, "--json"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Every file and folder below `dir`, with its mode, size and change time.
fn tree(dir: &Path) -> Vec<(String, u32, u64)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let m = std::fs::symlink_metadata(e.path()).unwrap();
            out.push((e.path().display().to_string(), m.mode(), m.len()));
            if m.is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

// 0. A reported booking is on disk: the log is fsynced before the id is printed.

/// The syscalls of one `soudan book` (of job seeker `seeker` at 10:30 on a
/// folder that already holds a booking, so that opening it writes and
/// syncs nothing of its own), as strace prints them: with paths, and whole
/// buffers, so that the booking's own bytes can be found. `preload` runs it
/// with a shared object preloaded.
fn traced_book(dir: &Path, seeker: &str, preload: Option<&Path>) -> Option<Vec<String>> {
    if !strace::available() {
        return None;
    }
    let trace = dir.with_extension("trace");
    let mut c = Command::new("strace");
    c.args(["-f", "-y", "-qq", "-s", "1048576", "-o"])
        .arg(&trace)
        .args([
            "-e",
            "trace=write,pwrite64,pwritev,pwritev2,writev,fsync,fdatasync,sync_file_range,rename,renameat,renameat2",
        ])
        .arg(env!("CARGO_BIN_EXE_soudan"))
        .args(book_args("2026-12-04", "10:30", seeker, &[]))
        .env_remove("SOUDAN_CONFIG")
        .env("SOUDAN_LANG", "en")
        .env("SOUDAN_DATA_DIR", dir)
        .env("SOUDAN_NOW", NOW)
        .stdin(Stdio::null());
    if let Some(lib) = preload {
        c.env("LD_PRELOAD", lib);
    }
    let o = c.output_limited().unwrap();
    assert_eq!(code(&o), 0, "{}", err(&o));
    let text = std::fs::read_to_string(&trace).unwrap();
    let _ = std::fs::remove_file(&trace);
    Some(text.lines().map(str::to_string).collect())
}

use strace::{call, is_sync, is_write, on_file};

/// Checks, in a trace of one booking, that what reports it comes after
/// what makes it durable:
/// - the booking's own bytes (its id) are written to the log, `db/db`;
/// - after the last such write, the log is fsynced or fdatasynced;
/// - the note `last-event` gets its own line (`note`, the number of the
///   booking's audit event) written, and then synced;
/// - all of it before the id is written to standard output, descriptor 1
///   exactly.
fn durable_before_reported(lines: &[String], id: &str, note: &str) -> Result<(), String> {
    let printed = lines
        .iter()
        .position(|l| call(l).starts_with("write(1<") && l.contains(id))
        .ok_or("the id was never written to standard output (descriptor 1)")?;
    let before = &lines[..printed];
    let log = |l: &String| on_file(l).ends_with("/db/db");
    let own = before
        .iter()
        .rposition(|l| log(l) && is_write(l) && l.contains(id))
        .ok_or("the booking's own bytes (its id) were not written to the log before the id was printed")?;
    before[own..]
        .iter()
        .find(|l| log(l) && is_sync(l))
        .ok_or("the log was not fsynced between the booking's write and the print")?;
    let note_file = |l: &String| on_file(l).ends_with("/last-event");
    let line = format!("\"{note}\\n\"");
    let note_write = before[own..]
        .iter()
        .position(|l| note_file(l) && is_write(l) && l.contains(&line))
        .ok_or(format!(
            "the note's line for this booking ({note}) was not written before the id was printed"
        ))?;
    before[own + note_write..]
        .iter()
        .find(|l| note_file(l) && is_sync(l))
        .ok_or("the note was not synced after its line was written, before the print")?;
    Ok(())
}

#[test]
fn a_booking_is_fsynced_before_its_id_is_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    assert_eq!(code(&book(&dir, "2026-12-04", "10:00", "46010-1", &[])), 0);
    let Some(lines) = traced_book(&dir, "46010-2", None) else {
        return;
    };
    // The booking's id, from its mail; the note's number, from the note.
    let id = std::fs::read_dir(dir.join("outbox"))
        .unwrap()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.split('-').nth(1).map(str::to_string)
        })
        .find(|id| {
            lines
                .iter()
                .any(|l| call(l).starts_with("write(1<") && l.contains(id))
        })
        .expect("a mail names the booking that was printed");
    let note = std::fs::read_to_string(dir.join("last-event")).unwrap();
    let note = note.trim_end();
    assert_eq!(note.len(), 20, "{note:?}");
    durable_before_reported(&lines, &id, note)
        .unwrap_or_else(|e| panic!("{e}\n{}", lines.join("\n")));

    // The checker can fail, in each way the order can be wrong.
    let log_sync = |l: &String| on_file(l).ends_with("/db/db") && is_sync(l);
    let note_sync = |l: &String| on_file(l).ends_with("/last-event") && is_sync(l);
    let printed = |t: &[String]| {
        t.iter()
            .position(|l| call(l).starts_with("write(1<") && l.contains(&id))
            .unwrap()
    };
    // The log's fsync missing.
    let wrong: Vec<String> = lines.iter().filter(|l| !log_sync(l)).cloned().collect();
    assert!(durable_before_reported(&wrong, &id, note).is_err());
    // The log's fsync after the print.
    let mut wrong: Vec<String> = lines.iter().filter(|l| !log_sync(l)).cloned().collect();
    let at = printed(&wrong);
    wrong.insert(
        at + 1,
        format!("1 fdatasync(4<{}/db/db>) = 0", dir.display()),
    );
    assert!(durable_before_reported(&wrong, &id, note).is_err());
    // The booking's own bytes reaching the log only after the print (what
    // opening the folder wrote and synced does not count).
    let mut wrong = lines.clone();
    let own = wrong
        .iter()
        .position(|l| on_file(l).ends_with("/db/db") && is_write(l) && l.contains(&id))
        .unwrap();
    let moved = wrong.remove(own);
    let at = printed(&wrong);
    wrong.insert(at + 1, moved);
    assert!(durable_before_reported(&wrong, &id, note).is_err());
    // The note's sync missing.
    let wrong: Vec<String> = lines.iter().filter(|l| !note_sync(l)).cloned().collect();
    assert!(durable_before_reported(&wrong, &id, note).is_err());
    // The note's line written after the print, or another number.
    assert!(durable_before_reported(&lines, &id, "00000000000000000099").is_err());
    // The id written to descriptor 10, not standard output.
    let wrong: Vec<String> = lines
        .iter()
        .map(|l| l.replacen("write(1<", "write(10<", 1))
        .collect();
    assert!(durable_before_reported(&wrong, &id, note).is_err());

    // And on a real run whose fsyncs do nothing (a preloaded shim): the
    // trace of that booking fails the same check.
    let lib = common::no_sync_shim(tmp.path()).expect("the shim builds");
    let Some(lines) = traced_book(&dir, "46010-3", Some(&lib)) else {
        return;
    };
    let id = lines
        .iter()
        .find(|l| call(l).starts_with("write(1<"))
        .and_then(|l| l.split('"').nth(1))
        .map(|s| s.trim_end_matches("\\n").to_string())
        .expect("an id printed");
    let note = std::fs::read_to_string(dir.join("last-event")).unwrap();
    let e = durable_before_reported(&lines, &id, note.trim_end())
        .expect_err("a run without fsync fails the check");
    assert!(e.contains("not fsynced") || e.contains("not synced"), "{e}");
}

#[test]
fn an_unreadable_note_is_damage_not_a_switch() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    assert_eq!(code(&book(&dir, "2026-12-04", "10:00", "46010-1", &[])), 0);
    let note = std::fs::read_to_string(dir.join("last-event")).unwrap();
    assert!(note.trim().parse::<u64>().is_ok(), "{note:?}");
    std::fs::write(dir.join("last-event"), b"\0\0\0\0").unwrap();
    let o = run(&dir, &["day", "--date", "2026-12-04"]);
    assert_eq!(code(&o), 4, "{}", err(&o));
    assert!(err(&o).contains("last-event"), "{}", err(&o));
}

// 1. The training clock never touches the office's data.

#[test]
fn a_real_folder_refuses_the_training_clock_and_a_read_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("real");
    // Made on the real clock: the office's data.
    let o = out(real(&dir), &["day"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    // A weekday a week or more ahead (past the deadline of two open days);
    // a holiday is refused with exit 3 and the next one is tried.
    let mut ahead = None;
    for day in (7..40)
        .map(|d| today + chrono::Days::new(d))
        .filter(|d| chrono::Datelike::weekday(d).number_from_monday() <= 5)
    {
        let date = day.to_string();
        let o = out(real(&dir), &book_args(&date, "10:00", "46010-1", &[]));
        match code(&o) {
            0 => {
                ahead = Some(date);
                break;
            }
            3 => continue,
            _ => panic!("{}", err(&o)),
        }
    }
    let ahead = ahead.expect("a bookable day within 40 days, on the real clock");
    // On the real clock the booking is there, booked (not swept as a no-show).
    let o = out(real(&dir), &["day", "--date", &ahead, "--json"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let day: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(day[0]["status"], "booked", "{day}");
    let before = out(real(&dir), &["export"]).stdout;
    // A read under a clock months ahead would turn the booking into a no-show.
    let o = run(&dir, &["day", "--date", &ahead]);
    assert_eq!(code(&o), 2, "{}", err(&o));
    assert!(err(&o).contains("--now"), "{}", err(&o));
    for args in [
        &["sweep"][..],
        &["seeker", "46010-1"],
        &["stats", "--from", "2026-01-01", "--to", "2026-12-31"],
    ] {
        let o = run(&dir, args);
        assert_eq!(code(&o), 2, "{args:?}: {}", err(&o));
    }
    assert_eq!(
        out(real(&dir), &["export"]).stdout,
        before,
        "nothing changed"
    );

    // A copy of it is real too (cp -a keeps what it is).
    let copy = tmp.path().join("copy");
    let status = Command::new("cp")
        .arg("-a")
        .arg(&dir)
        .arg(&copy)
        .status_limited()
        .unwrap();
    assert!(status.success());
    assert_eq!(code(&run(&copy, &["day"])), 2);

    // A folder made under --now is a training folder: --now works, and the
    // real clock may open it too.
    let train = tmp.path().join("train");
    assert_eq!(
        code(&book(&train, "2026-12-04", "10:00", "46010-1", &[])),
        0
    );
    let o = run(&train, &["day", "--date", "2026-12-04"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(code(&out(real(&train), &["day"])), 0);
}

// 2. Opening a folder never strips what is in it.

#[test]
fn a_folder_of_other_files_is_refused_and_left_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tmp.path().join("s");
    std::fs::create_dir_all(s.join("sub")).unwrap();
    std::fs::write(s.join("a.sh"), b"#!/bin/sh\n").unwrap();
    for (p, mode) in [
        (s.clone(), 0o755),
        (s.join("sub"), 0o755),
        (s.join("a.sh"), 0o755),
    ] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    let before = tree(&s);
    let dir_mode = std::fs::metadata(&s).unwrap().mode();
    for args in [
        &["day"][..],
        &["check"],
        &["export"],
        &book_args("2026-12-04", "10:00", "46010-1", &[]),
    ] {
        let o = run(&s, args);
        assert_eq!(code(&o), 2, "{args:?}: {}", err(&o));
        assert!(err(&o).contains("not a soudan data folder"), "{}", err(&o));
    }
    assert_eq!(tree(&s), before, "nothing in the folder changed");
    assert_eq!(std::fs::metadata(&s).unwrap().mode(), dir_mode);

    // A path that is a file.
    let f = tmp.path().join("file");
    std::fs::write(&f, b"x").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = run(&f, &["day"]);
    assert_eq!(code(&o), 2, "{}", err(&o));
    assert_eq!(std::fs::read(&f).unwrap(), b"x");
    assert_eq!(std::fs::metadata(&f).unwrap().mode() & 0o777, 0o644);

    // An empty folder becomes a data folder; a data folder opens again, and
    // a file of the office's own put beside it keeps its rights.
    let e = tmp.path().join("empty");
    std::fs::create_dir(&e).unwrap();
    assert_eq!(code(&run(&e, &["day"])), 0);
    std::fs::write(e.join("notes.txt"), b"x").unwrap();
    std::fs::set_permissions(e.join("notes.txt"), std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(code(&run(&e, &["day"])), 0);
    assert_eq!(
        std::fs::metadata(e.join("notes.txt")).unwrap().mode() & 0o777,
        0o644
    );
    assert_eq!(std::fs::metadata(e.join("db")).unwrap().mode() & 0o077, 0);
}

// 3. Contact details belong to the record.

#[test]
fn a_booking_never_replaces_contact_details() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let o = book(
        &dir,
        "2026-12-04",
        "10:00",
        "46010-1",
        &["--kana", "ヤマダ タロウ", "--phone", "099-123-4567"],
    );
    assert_eq!(code(&o), 0, "{}", err(&o));
    let stored = seeker_json(&dir, "46010-1");

    // From the kiosk: the right name, an attacker's email.
    let mut kiosk = book_args("2026-12-07", "10:00", "46010-1", &["--channel", "kiosk"]);
    let at = kiosk.iter().position(|a| *a == "taro@example.jp").unwrap();
    kiosk[at] = "attacker@evil.example";
    let o = run(&dir, &kiosk);
    assert_eq!(code(&o), 3, "{}", err(&o));
    assert!(err(&o).contains("--email"), "{}", err(&o));
    // Asked to replace them, the kiosk still never does.
    kiosk.push("--update-contact");
    assert_eq!(code(&run(&dir, &kiosk)), 3);

    // From the command line: another name, not said on purpose.
    let mut other = book_args("2026-12-07", "10:00", "46010-1", &[]);
    let at = other.iter().position(|a| *a == "山田 太郎").unwrap();
    other[at] = "山田 花子";
    let o = run(&dir, &other);
    assert_eq!(code(&o), 3, "{}", err(&o));
    assert_eq!(
        seeker_json(&dir, "46010-1"),
        stored,
        "the record is as it was"
    );

    // Left out (no kana, no phone): the record keeps them.
    assert_eq!(code(&book(&dir, "2026-12-07", "10:00", "46010-1", &[])), 0);
    let now = seeker_json(&dir, "46010-1");
    assert_eq!(now["kana"], "ヤマダ タロウ");
    assert_eq!(now["phone"], "099-123-4567");

    // Staff change them on purpose: shown old → new, audited without values.
    let o = run(&dir, &["contact", "46010-1", "--email", "new@example.jp"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let shown = String::from_utf8_lossy(&o.stdout);
    assert!(
        shown.contains("taro@example.jp") && shown.contains("new@example.jp"),
        "{shown}"
    );
    assert_eq!(seeker_json(&dir, "46010-1")["email"], "new@example.jp");
    let audit = String::from_utf8_lossy(&run(&dir, &["audit"]).stdout).into_owned();
    let contact: Vec<&str> = audit
        .lines()
        .filter(|l| l.contains("\"contact\""))
        .collect();
    assert_eq!(contact.len(), 1, "{audit}");
    assert!(
        !audit.contains("example.jp"),
        "no values in the audit trail: {audit}"
    );

    // The cancellation mail goes to the address on record.
    let day = run(&dir, &["day", "--date", "2026-12-07", "--json"]);
    let list: Value = serde_json::from_slice(&day.stdout).unwrap();
    let id = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        code(&run(&dir, &["cancel", &id, "--reason", "体調不良"])),
        0
    );
    let mails: Vec<String> = std::fs::read_dir(dir.join("outbox"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("cancellation"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].contains("new@example.jp") && !mails[0].contains("evil"),
        "{}",
        mails[0]
    );
}

// 4. Limits in characters and bytes, not only columns.

#[test]
fn floods_are_bad_input_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    assert_eq!(code(&book(&dir, "2026-12-04", "10:00", "46010-1", &[])), 0);
    let before = export(&dir);
    let flood = format!("a{}", "\u{301}".repeat(40_000));
    let long_reason = "理由".repeat(20_000);
    let cases: Vec<Vec<String>> = vec![
        vec!["--name".into(), flood.clone()],
        vec!["--kana".into(), format!("ア{}", "\u{3099}".repeat(40_000))],
        vec!["--interpreter".into(), flood.clone()],
        vec!["--override-deadline".into(), long_reason.clone()],
        vec![
            "--email".into(),
            format!("{}@example.jp", "a".repeat(100_000)),
        ],
        vec!["--phone".into(), "0".repeat(100_000)],
    ];
    for case in cases {
        let mut args: Vec<String> = book_args("2026-12-07", "10:00", "46010-2", &[])
            .into_iter()
            .map(String::from)
            .collect();
        match args.iter().position(|a| *a == case[0]) {
            Some(i) => args[i + 1] = case[1].clone(),
            None => args.extend(case.iter().cloned()),
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&dir, &refs);
        assert_eq!(
            code(&o),
            2,
            "{}: {}",
            case[0],
            err(&o).chars().take(300).collect::<String>()
        );
        assert!(
            err(&o).contains(&case[0]),
            "names the field: {}",
            err(&o).chars().take(300).collect::<String>()
        );
        assert!(
            o.stderr.len() < 2_000,
            "{}: the message is short ({} bytes)",
            case[0],
            o.stderr.len()
        );
    }
    let day: Value =
        serde_json::from_slice(&run(&dir, &["day", "--date", "2026-12-04", "--json"]).stdout)
            .unwrap();
    let id = day[0]["id"].as_str().unwrap().to_string();
    let o = run(&dir, &["cancel", &id, "--reason", &long_reason]);
    assert_eq!(
        code(&o),
        2,
        "{}",
        err(&o).chars().take(300).collect::<String>()
    );
    assert_eq!(export(&dir), before, "nothing was written");
    assert_eq!(code(&run(&dir, &["check"])), 0);
}

// 5. Audit numbers are dense.

#[test]
fn audit_numbers_follow_one_another_across_processes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    for (i, t) in ["09:00", "09:30", "10:00", "10:30"].iter().enumerate() {
        let n = format!("46010-{}", i + 1);
        assert_eq!(code(&book(&dir, "2026-12-04", t, &n, &[])), 0);
    }
    let o = run(&dir, &["audit"]);
    let seqs: Vec<u64> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, (0..seqs.len() as u64).collect::<Vec<_>>(), "{seqs:?}");
    assert_eq!(seqs.len(), 4);
    // A backup's numbers go on after an import, however large.
    let backup = tmp.path().join("b.json");
    std::fs::write(&backup, export(&dir)).unwrap();
    let text = std::fs::read_to_string(&backup)
        .unwrap()
        .replace("\"seq\": 3,", "\"seq\": 1000000000000000,");
    std::fs::write(&backup, text).unwrap();
    let into = tmp.path().join("into");
    let o = run(&into, &["import", backup.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(code(&book(&into, "2026-12-04", "11:00", "46010-9", &[])), 0);
    let o = run(&into, &["audit"]);
    let last = String::from_utf8_lossy(&o.stdout)
        .lines()
        .last()
        .unwrap()
        .to_string();
    assert!(last.contains("1000000000000001"), "{last}");
}

// 6. Start happens on the day, in its window.

#[test]
fn start_works_only_in_its_window_on_the_day() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let o = book(&dir, "2026-12-04", "10:00", "46010-1", &["--json"]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let id = serde_json::from_slice::<Value>(&o.stdout).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Days early: refused, and the booking can still be cancelled.
    let o = run(&dir, &["start", &id]);
    assert_eq!(code(&o), 3, "{}", err(&o));
    assert!(err(&o).contains("09:45"), "{}", err(&o));
    assert_eq!(code(&run(&dir, &["finish", &id])), 3);
    let at = |t: &str| {
        let mut c = soudan(&dir);
        c.env("SOUDAN_NOW", format!("2026-12-04T{t}"));
        c
    };
    assert_eq!(code(&out(at("09:44"), &["start", &id])), 3);
    let o = out(at("09:45"), &["start", &id]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    assert_eq!(code(&out(at("10:20"), &["finish", &id])), 0);
}

// 8. set-pin keeps the file's mode and refuses a link.

#[test]
fn set_pin_keeps_the_mode_and_refuses_a_link() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("office.toml");
    std::fs::write(&cfg, soudan::config::BUILTIN).unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o600)).unwrap();
    let set = |path: &Path| {
        let mut c = soudan(&tmp.path().join("data"));
        c.arg("--config").arg(path).args(["kiosk", "--set-pin"]);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"4821\n4821\n")
            .unwrap();
        common::output_of(child, "set-pin")
    };
    let o = set(&cfg);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let m = std::fs::metadata(&cfg).unwrap();
    assert_eq!(m.mode() & 0o777, 0o600, "the file stays private");
    assert!(std::fs::read_to_string(&cfg).unwrap().contains("$argon2"));

    let link = tmp.path().join("link.toml");
    std::os::unix::fs::symlink(&cfg, &link).unwrap();
    let before = std::fs::read(&cfg).unwrap();
    let o = set(&link);
    assert_eq!(code(&o), 2, "{}", err(&o));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&cfg).unwrap(), before);
}

// 9. export --out writes only a new regular file, or replaces one on purpose.

#[test]
fn export_never_replaces_what_is_not_a_new_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    assert_eq!(code(&book(&dir, "2026-12-04", "10:00", "46010-1", &[])), 0);
    let link = tmp.path().join("stdout-link");
    std::os::unix::fs::symlink("/proc/self/fd/1", &link).unwrap();
    for target in [Path::new("/dev/null"), &link, tmp.path()] {
        let o = run(&dir, &["export", "--out", target.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{target:?}: {}", err(&o));
        let o = run(
            &dir,
            &["export", "--force", "--out", target.to_str().unwrap()],
        );
        assert_eq!(code(&o), 2, "{target:?} with --force: {}", err(&o));
    }
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device_like()
    );
    let file = tmp.path().join("backup.json");
    assert_eq!(
        code(&run(&dir, &["export", "--out", file.to_str().unwrap()])),
        0
    );
    assert_eq!(
        code(&run(&dir, &["export", "--out", file.to_str().unwrap()])),
        2
    );
    assert_eq!(
        code(&run(
            &dir,
            &["export", "--force", "--out", file.to_str().unwrap()]
        )),
        0
    );
    assert_eq!(std::fs::metadata(&file).unwrap().mode() & 0o777, 0o600);
}

trait CharDevice {
    fn is_char_device_like(&self) -> bool;
}

impl CharDevice for std::fs::FileType {
    fn is_char_device_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_char_device()
    }
}

// 13. Bookings go only so far ahead.

#[test]
fn bookings_go_only_to_the_horizon() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    for date in ["9999-12-28", "2027-12-01", "+262142-12-28"] {
        let o = book(
            &dir,
            date,
            "10:00",
            "46010-1",
            &["--override-deadline", "電話で依頼"],
        );
        assert!(matches!(code(&o), 2 | 3), "{date}: {}", err(&o));
    }
    let o = book(&dir, "2027-12-01", "10:00", "46010-1", &[]);
    assert_eq!(code(&o), 3, "{}", err(&o));
    assert!(err(&o).contains("60 open days"), "{}", err(&o));
    // The 60th open day from 2026-12-01 is bookable; the next open day is
    // not. Counted here on its own, not by the calendar under test: every
    // weekday that is neither a national holiday (the reference list of
    // tests/data) nor in the year-end closure (29 December to 3 January).
    let holidays: std::collections::BTreeSet<chrono::NaiveDate> =
        include_str!("data/holidays-jp-1970-2027.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split(':').next())
            .filter_map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .collect();
    let open: Vec<chrono::NaiveDate> = (1..200)
        .map(|n| chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + chrono::Days::new(n))
        .filter(|d| {
            use chrono::Datelike;
            let year_end = (d.month() == 12 && d.day() >= 29) || (d.month() == 1 && d.day() <= 3);
            d.weekday().number_from_monday() <= 5 && !holidays.contains(d) && !year_end
        })
        .collect();
    let (last, next) = (open[59], open[60]);
    assert_eq!(
        (last.to_string(), next.to_string()),
        ("2027-03-04".to_string(), "2027-03-05".to_string()),
        "the count by hand agrees"
    );
    let o = book(&dir, &last.to_string(), "10:00", "46010-1", &[]);
    assert_eq!(code(&o), 0, "{last}: {}", err(&o));
    assert_eq!(
        code(&book(&dir, &next.to_string(), "10:00", "46010-2", &[])),
        3
    );
}

// 18. Input files are bounded before they are parsed.

#[test]
fn import_reads_only_a_file_of_a_backups_size() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    for f in ["/dev/zero", "/dev/urandom"] {
        let o = run(&dir, &["import", f]);
        assert_eq!(code(&o), 2, "{f}: {}", err(&o));
    }
    let fifo = tmp.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status_limited()
            .unwrap()
            .success()
    );
    let o = run(&dir, &["import", fifo.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "{}", err(&o));
}

// 7. A booking never exists without its mail.

fn emls(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".eml"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn a_closed_stdout_still_leaves_every_booking_its_mail() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    for (i, t) in ["09:00", "09:30", "10:00", "10:30", "11:00"]
        .iter()
        .enumerate()
    {
        let n = format!("46010-{}", i + 1);
        let mut c = soudan(&dir);
        c.args(book_args("2026-12-04", t, &n, &[]));
        // The reader is gone before the id is printed: SIGPIPE ends soudan there.
        let (r, w) = std::io::pipe().unwrap();
        drop(r);
        c.stdout(w).stderr(Stdio::null());
        let _ = c.status_limited().unwrap();
    }
    let day: Value =
        serde_json::from_slice(&run(&dir, &["day", "--date", "2026-12-04", "--json"]).stdout)
            .unwrap();
    let ids: Vec<String> = day
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 5, "every booking stored");
    let mails = emls(&dir.join("outbox"));
    for id in &ids {
        assert_eq!(
            mails.iter().filter(|m| m.contains(id.as_str())).count(),
            1,
            "{id}: {mails:?}"
        );
    }
}

#[test]
fn a_mail_queued_but_not_written_is_written_at_the_next_start_and_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    // A process that stored its booking and died before writing the mail:
    // the intent is in the booking's transaction, the file is not there.
    {
        let store = soudan::store::Store::open(&dir, "test").unwrap();
        store.claim_clock(true).unwrap();
    }
    assert_eq!(code(&book(&dir, "2026-12-04", "10:00", "46010-1", &[])), 0);
    let outbox = dir.join("outbox");
    let first = emls(&outbox);
    assert_eq!(first.len(), 1);
    std::fs::remove_file(outbox.join(&first[0])).unwrap();
    std::fs::write(outbox.join(".half.eml.tmp"), b"From: x").unwrap();
    {
        // Put the intent back as the dead process left it.
        let store = soudan::store::Store::open(&dir, "test").unwrap();
        let b = store
            .day(chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap())
            .unwrap();
        let ctx = soudan::store::Ctx {
            at: b[0].created_at,
            actor: soudan::store::Actor::system("test"),
            channel: None,
        };
        // A terms notice queues through the same path: two intents now.
        assert!(store.queue_terms_notice(b[0].id, "v-test", &ctx).unwrap());
        assert!(
            !store.queue_terms_notice(b[0].id, "v-test", &ctx).unwrap(),
            "never twice"
        );
    }
    assert_eq!(code(&run(&dir, &["day"])), 0);
    let now = emls(&outbox);
    assert_eq!(now.len(), 1, "the notice is written; {now:?}");
    assert!(
        !outbox.join(".half.eml.tmp").exists(),
        "the stray half-file is gone"
    );
    assert_eq!(code(&run(&dir, &["day"])), 0);
    assert_eq!(emls(&outbox), now, "nothing is written twice");
}

// 15. terms-notice twice writes each notice once.

#[test]
fn a_terms_notice_goes_once_per_booking_and_version() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let conf = tmp.path().join("revised.toml");
    let text = soudan::config::BUILTIN.replace(
        "[mail]",
        "[[terms]]\nversion = \"2026-12-02\"\neffective = \"2026-12-02\"\nlabel = \"改訂\"\n\n[mail]",
    );
    std::fs::write(&conf, text).unwrap();
    for (i, t) in ["09:00", "09:30", "10:00"].iter().enumerate() {
        let n = format!("46010-{}", i + 1);
        assert_eq!(code(&book(&dir, "2026-12-07", t, &n, &[])), 0);
    }
    let notice = || {
        let mut c = soudan(&dir);
        c.arg("--config").arg(&conf);
        out(c, &["terms-notice", "--json"])
    };
    let o = notice();
    assert_eq!(code(&o), 0, "{}", err(&o));
    let first: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(first["notices"].as_array().unwrap().len(), 3);
    let o = notice();
    let second: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(second["notices"].as_array().unwrap().len(), 0, "{second}");
    let n = emls(&dir.join("outbox"))
        .iter()
        .filter(|m| m.contains("terms-change"))
        .count();
    assert_eq!(n, 3);
}

// 10. Booking never waits on the network.

#[test]
fn a_relay_that_never_answers_does_not_hold_up_the_booking() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    // A relay that takes the connection and never says a word.
    let relay = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = relay.local_addr().unwrap().port();
    let conf = tmp.path().join("relay.toml");
    let text = soudan::config::BUILTIN
        .replace("smtp_host = \"\"", "smtp_host = \"127.0.0.1\"")
        .replace("smtp_port = 25", &format!("smtp_port = {port}"));
    std::fs::write(&conf, text).unwrap();
    let mut c = soudan(&dir);
    c.arg("--config")
        .arg(&conf)
        .args(book_args("2026-12-04", "10:00", "46010-1", &[]));
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // The id is out (with its mail written) while soudan still waits on the relay.
    assert_eq!(line.trim().len(), 6, "{line:?}");
    let (_conn, _) = relay.accept().unwrap();
    assert!(
        child.try_wait().unwrap().is_none(),
        "still talking to the relay"
    );
    assert_eq!(
        emls(&dir.join("outbox")).len(),
        1,
        "the mail waits in the outbox"
    );
    let _ = child.kill();
    let _ = child.wait();
}

// 12. Configured texts are checked like typed ones.

#[test]
fn configuration_values_are_checked_and_the_message_says_what_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let cases = [
        (
            "meeting_url = \"https://meeting.example.jp/hw-kagoshima/booth-1?booking={id}\"",
            "meeting_url = \"https://x.example/a\\r\\nEND:VEVENT\"",
            "booths.meeting_url",
        ),
        (
            "meeting_url = \"https://meeting.example.jp/hw-kagoshima/booth-1?booking={id}\"",
            "meeting_url = \"javascript:alert(1)\"",
            "booths.meeting_url",
        ),
        (
            "name = \"ハローワークかごしま\"",
            "name = \"\\u001b]0;pwned\\u0007\"",
            "office.name",
        ),
    ];
    for (from, to, field) in cases {
        let text = soudan::config::BUILTIN.replacen(from, to, 1);
        assert_ne!(text, soudan::config::BUILTIN, "{from}");
        let conf = tmp.path().join("bad.toml");
        std::fs::write(&conf, text).unwrap();
        let mut c = soudan(&dir);
        c.arg("--config").arg(&conf);
        let o = out(c, &["day"]);
        assert_eq!(code(&o), 2, "{to}: {}", err(&o));
        assert!(err(&o).contains(field), "{}", err(&o));
        assert!(
            err(&o).contains("Accepted"),
            "names what is accepted: {}",
            err(&o)
        );
        assert!(!err(&o).contains('\u{1b}'), "{}", err(&o));
    }
}

// 16. Import holds every record to the rules; check reports what breaks them.

#[test]
fn import_refuses_impossible_bookings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    assert_eq!(code(&book(&dir, "2026-12-04", "10:00", "46010-1", &[])), 0);
    let good = String::from_utf8(export(&dir)).unwrap();
    let cases = [
        ("\"booth\": 1", "\"booth\": 77"),
        ("\"start\": \"10:00:00\"", "\"start\": \"10:17:00\""),
        ("\"end\": \"10:30:00\"", "\"end\": \"09:30:00\""),
    ];
    let mut tried = 0;
    for (from, to) in cases {
        if !good.contains(from) {
            continue;
        }
        tried += 1;
        let f = tmp.path().join("bad.json");
        std::fs::write(&f, good.replacen(from, to, 1)).unwrap();
        let into = tmp.path().join(format!("into-{tried}"));
        let o = run(&into, &["import", f.to_str().unwrap()]);
        assert_eq!(code(&o), 2, "{to}: {}", err(&o));
        assert!(err(&o).contains("bookings[0]"), "{}", err(&o));
    }
    let url = good
        .lines()
        .find(|l| l.contains("\"meeting_url\""))
        .unwrap()
        .to_string();
    let f = tmp.path().join("url.json");
    std::fs::write(
        &f,
        good.replacen(&url, "      \"meeting_url\": \"javascript:x\\r\\nA\",", 1),
    )
    .unwrap();
    let o = run(
        &tmp.path().join("into-url"),
        &["import", f.to_str().unwrap()],
    );
    assert_eq!(code(&o), 2, "{}", err(&o));
    assert!(tried >= 2, "the cases reach the file's fields: {good}");
}

// 19. The completion screen does not stay for the next person: see
// `tests/kiosk.rs`, `the_completion_screen_leaves_before_the_idle_time`,
// which drives the kiosk through a booking and its clock past the screen.

#[test]
fn a_completion_time_of_zero_is_refused() {
    let bad = soudan::config::BUILTIN.replace("done_seconds = 20", "done_seconds = 0");
    assert_ne!(
        bad,
        soudan::config::BUILTIN,
        "the key is in the built-in file"
    );
    let e = soudan::config::Config::parse(&bad, None).unwrap_err();
    assert!(format!("{e:?}").contains("kiosk.done_seconds"), "{e:?}");
}

// 11. One validation for every free text, wherever it is typed.

#[test]
fn a_late_reason_is_checked_like_every_free_text() {
    use soudan::domain::office::{BookingCheck, Override, SlotRequest};
    let office = soudan::config::Config::builtin().office;
    let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let req = SlotRequest {
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        time: chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        booth: 1,
    };
    for bad in ["電話\u{202e}で依頼", "a\u{200b}b", &"理由".repeat(500)] {
        match office.check_slot(&req, now, &Override::Staff(bad.to_string())) {
            Err(BookingCheck::Invalid(i)) => assert_eq!(i.field, "override-deadline"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert!(
        office
            .check_slot(&req, now, &Override::Staff("電話で依頼".into()))
            .is_ok()
    );
}
