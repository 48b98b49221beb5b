//! Backups: export, import into a new data dir, export again gives the same
//! bytes; a damaged or contradictory file is refused, naming the place, and
//! nothing is imported; a data dir with records is never mixed into. The
//! audit export carries no terminal and no job seeker.

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

/// A data dir with the sample, its export, and the tempdir holding both.
fn sample() -> (tempfile::TempDir, std::path::PathBuf, Vec<u8>) {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    ok(&run(&a, &["demo", "--days", "12", "--seed", "9"]));
    // Some history of every kind besides the sample's own.
    ok(&run(&a, &["sweep"]));
    let out = t.path().join("backup.json");
    ok(&run(&a, &["export", "--out", out.to_str().unwrap()]));
    let bytes = std::fs::read(&out).unwrap();
    (t, out, bytes)
}

#[test]
fn export_import_export_is_byte_identical() {
    let (t, file, first) = sample();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let b = t.path().join("b");
    let said = ok(&run(&b, &["import", file.to_str().unwrap()]));
    assert!(said.contains("Imported:"), "{said}");
    let second = ok(&run(&b, &["export"]));
    assert!(
        second.as_bytes() == first.as_slice(),
        "the second export differs"
    );
    // The restored database passes its own check and works on: the next
    // audit event numbers after the imported ones.
    ok(&run(&b, &["check"]));
    let day: serde_json::Value =
        serde_json::from_str(&ok(&run(&b, &["day", "--date", "2026-12-03", "--json"]))).unwrap();
    let id = day
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["status"] == "booked")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&run(&b, &["cancel", &id, "--reason", "phone"]));
    let lines: Vec<serde_json::Value> = ok(&run(&b, &["audit"]))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let seqs: Vec<u64> = lines.iter().map(|l| l["seq"].as_u64().unwrap()).collect();
    let mut sorted = seqs.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(
        sorted.len(),
        seqs.len(),
        "audit sequence numbers are unique"
    );
    assert_eq!(lines.last().unwrap()["action"], "cancel");
    assert_eq!(lines.last().unwrap()["booking"], id.as_str());
}

#[test]
fn a_data_dir_with_records_is_never_imported_into() {
    let (t, file, _) = sample();
    let a = t.path().join("a");
    let before = ok(&run(&a, &["export"]));
    let o = run(&a, &["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("empty data dir"));
    assert_eq!(ok(&run(&a, &["export"])), before);
}

#[test]
fn damaged_files_are_refused_naming_the_place_and_nothing_is_imported() {
    let (t, _, bytes) = sample();
    let text = String::from_utf8(bytes.clone()).unwrap();
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    // Truncated anywhere.
    for cut in [1, 100, bytes.len() / 3, bytes.len() / 2, bytes.len() - 3] {
        cases.push((format!("cut at {cut}"), bytes[..cut].to_vec()));
    }
    // A byte flipped: wherever it makes the JSON or a value invalid.
    fastrand::seed(3);
    for _ in 0..20 {
        let mut b = bytes.clone();
        let i = fastrand::usize(..b.len());
        b[i] ^= 0x20 | (1 << fastrand::u8(0..7));
        if std::str::from_utf8(&b)
            .is_ok_and(|s| serde_json::from_str::<serde_json::Value>(s).is_ok())
        {
            continue;
        }
        cases.push((format!("byte {i} flipped"), b));
    }
    // Valid JSON that contradicts itself or the rules.
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = v["bookings"][0].clone();
    v["bookings"].as_array_mut().unwrap().push(first);
    cases.push(("the same booking twice".into(), v.to_string().into_bytes()));
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["seekers"][0]["email"] = "not an address".into();
    cases.push((
        "an email that is not one".into(),
        v.to_string().into_bytes(),
    ));
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["schema"] = 99.into();
    cases.push(("a newer schema".into(), v.to_string().into_bytes()));
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["surprise"] = 1.into();
    cases.push(("an unknown field".into(), v.to_string().into_bytes()));
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let live: Vec<usize> = v["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, b)| b["status"] == "booked")
        .map(|(i, _)| i)
        .collect();
    let slot = v["bookings"][live[0]]["slot"].clone();
    v["bookings"][live[1]]["slot"] = slot;
    cases.push((
        "two live bookings in one slot".into(),
        v.to_string().into_bytes(),
    ));
    assert!(cases.len() > 15, "{}", cases.len());

    for (i, (what, content)) in cases.iter().enumerate() {
        let file = t.path().join(format!("bad{i}.json"));
        std::fs::write(&file, content).unwrap();
        let dir = t.path().join(format!("into{i}"));
        let o = run(&dir, &["import", file.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains(&format!("bad{i}.json")), "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        // Nothing imported: the data dir is blank (an export of it is empty).
        let empty = ok(&run(&dir, &["export"]));
        let e: serde_json::Value = serde_json::from_str(&empty).unwrap();
        for list in ["seekers", "bookings", "refusals", "audit"] {
            assert!(e[list].as_array().unwrap().is_empty(), "{what}: {list}");
        }
    }
}

#[test]
fn the_audit_export_names_no_terminal_and_no_job_seeker() {
    let (t, file, _) = sample();
    let a = t.path().join("a");
    let backup: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let out = ok(&run(&a, &["audit"]));
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), backup["audit"].as_array().unwrap().len());
    let terminals: Vec<String> = backup["audit"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["terminal"].as_str().unwrap().to_string())
        .collect();
    assert!(!terminals.is_empty());
    for l in &lines {
        assert!(
            l.get("terminal").is_none() && l.get("seeker").is_none(),
            "{l}"
        );
    }
    for term in terminals.iter().filter(|t| !t.is_empty()) {
        assert!(!out.contains(term.as_str()), "{term}");
    }
    for s in backup["seekers"].as_array().unwrap() {
        for field in ["number", "name", "email"] {
            let v = s[field].as_str().unwrap();
            assert!(!out.contains(v), "{v}");
        }
    }
    // Filters: one booking's history, one action, a day range.
    let id = lines.iter().find_map(|l| l["booking"].as_str()).unwrap();
    let one = ok(&run(&a, &["audit", "--booking", id]));
    assert!(one.lines().count() >= 1);
    assert!(one.lines().all(|l| l.contains(id)));
    let books = ok(&run(&a, &["audit", "--action", "book"]));
    let booked = lines.iter().filter(|l| l["action"] == "book").count();
    assert!(booked > 0);
    assert_eq!(books.lines().count(), booked);
    assert!(books.lines().all(|l| l.contains("\"action\":\"book\"")));
    let none = ok(&run(&a, &["audit", "--from", "2030-01-01"]));
    assert!(none.is_empty());
}
