//! The PostgreSQL store against a real PostgreSQL server: a throwaway
//! cluster made by `initdb` in a temporary folder (as the `postgres`
//! account when the tests run as root, since initdb refuses root), served
//! on a Unix socket in that folder, stopped at the end. Where PostgreSQL is
//! not installed the tests say so loudly, and fail under `CI` (`.ci/run`
//! installs Debian's `postgresql`).

mod common;
#[path = "common/pg_cluster.rs"]
mod pg_cluster;
#[path = "common/strace.rs"]
mod strace;

use common::Limited;
use pg_cluster::Cluster;

use std::path::Path;
use std::process::{Command, Output, Stdio};

const NOW: &str = "2026-12-03T09:45";

fn soudan(dir: &Path, store: Option<&str>, config: Option<&Path>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_soudan"));
    c.env("SOUDAN_DATA_DIR", dir)
        .env("SOUDAN_NOW", NOW)
        .env("SOUDAN_LANG", "en")
        .env_remove("SOUDAN_SERVER")
        .stdin(Stdio::null());
    match store {
        Some(u) => c.env("SOUDAN_STORE", u),
        None => c.env_remove("SOUDAN_STORE"),
    };
    match config {
        Some(p) => c.env("SOUDAN_CONFIG", p),
        None => c.env_remove("SOUDAN_CONFIG"),
    };
    c.args(args).output_limited().unwrap()
}

fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// A sample office in the embedded database, with a note and a block, and
/// its backup.
fn sample(dir: &Path, config: Option<&Path>, seed: &str) -> Vec<u8> {
    ok(soudan(dir, None, config, &["demo", "--seed", seed]));
    let day = ok(soudan(
        dir,
        None,
        config,
        &["day", "--date", "2026-12-07", "--json"],
    ));
    let day: serde_json::Value = serde_json::from_str(&day).unwrap();
    let first = day[0]["id"].as_str().unwrap().to_string();
    ok(soudan(
        dir,
        None,
        config,
        &["note", &first, "calls back after 3pm"],
    ));
    let seeker = day[0]["seeker"].as_str().unwrap().to_string();
    ok(soudan(
        dir,
        None,
        config,
        &["note", &seeker, "prefers mornings"],
    ));
    ok(soudan(
        dir,
        None,
        config,
        &[
            "block",
            "--date",
            "2026-12-08",
            "--from",
            "13:00",
            "--reason",
            "training",
        ],
    ));
    ok(soudan(dir, None, config, &["export"])).into_bytes()
}

#[test]
fn an_office_moves_to_postgresql_and_back_byte_for_byte() {
    let Some(pg) = Cluster::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    let a_dir = work.path().join("a");
    let a = sample(&a_dir, None, "7");
    let file = work.path().join("a.json");
    std::fs::write(&file, &a).unwrap();
    // Into PostgreSQL, and out again: the same document.
    let o = soudan(
        &a_dir,
        Some(&url),
        None,
        &["import", file.to_str().unwrap()],
    );
    let said = ok(o);
    assert!(said.contains("bookings"), "{said}");
    let b = ok(soudan(&a_dir, Some(&url), None, &["export"])).into_bytes();
    assert!(a.len() > 10_000, "a real sample: {} bytes", a.len());
    assert!(
        a == b,
        "the export from PostgreSQL differs from the one it was made of"
    );
    // And back into a blank embedded database: the same document again.
    let c_dir = work.path().join("c");
    let b_file = work.path().join("b.json");
    std::fs::write(&b_file, &b).unwrap();
    ok(soudan(
        &c_dir,
        None,
        None,
        &["import", b_file.to_str().unwrap()],
    ));
    let c = ok(soudan(&c_dir, None, None, &["export"])).into_bytes();
    assert!(
        a == c,
        "back in the embedded database, the document changed"
    );
    ok(soudan(&c_dir, None, None, &["check"]));
    // A second import into the same office is refused, and changes nothing.
    let o = soudan(
        &a_dir,
        Some(&url),
        None,
        &["import", file.to_str().unwrap()],
    );
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("already has records"));
    // The file's checks come first: a broken backup is exit 2, nothing written.
    let broken = work.path().join("broken.json");
    std::fs::write(&broken, &a[..a.len() / 2]).unwrap();
    let other = "postgresql://postgres@/soudan?host=".to_string() + &pg.socket_dir();
    let o = soudan(
        &a_dir,
        Some(&other),
        None,
        &["import", broken.to_str().unwrap()],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Sample data is for a blank data folder, never a shared database.
    let o = soudan(&a_dir, Some(&url), None, &["demo"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("soudan demo"));
    // The URL is never printed with its password.
    let o = soudan(
        &a_dir,
        Some("postgresql://soudan:s3cret@/nowhere?host=/nonexistent"),
        None,
        &["config"],
    );
    let text = ok(o);
    assert!(
        text.contains("postgresql://soudan@") && !text.contains("s3cret"),
        "{text}"
    );
    let o = soudan(
        &a_dir,
        Some("postgresql://soudan:s3cret@/nowhere?host=/nonexistent"),
        None,
        &["export"],
    );
    assert_eq!(o.status.code(), Some(4));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("s3cret"));
}

#[test]
fn two_offices_in_one_database_see_only_their_own() {
    let Some(pg) = Cluster::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    let kagoshima = sample(&work.path().join("k"), None, "7");
    let conf = work.path().join("kanoya.toml");
    std::fs::write(
        &conf,
        soudan::config::BUILTIN
            .replace("code = \"46010\"", "code = \"46020\"")
            .replace(
                "name_en = \"Hello Work Kagoshima\"",
                "name_en = \"Hello Work Kanoya\"",
            ),
    )
    .unwrap();
    let kanoya = sample(&work.path().join("n"), Some(&conf), "8");
    assert!(kagoshima != kanoya);
    for (doc, config, name) in [
        (&kagoshima, None, "k.json"),
        (&kanoya, Some(conf.as_path()), "n.json"),
    ] {
        let f = work.path().join(name);
        std::fs::write(&f, doc).unwrap();
        ok(soudan(
            work.path(),
            Some(&url),
            config,
            &["import", f.to_str().unwrap()],
        ));
    }
    let k = ok(soudan(work.path(), Some(&url), None, &["export"])).into_bytes();
    let n = ok(soudan(work.path(), Some(&url), Some(&conf), &["export"])).into_bytes();
    assert!(
        k == kagoshima,
        "Kagoshima's export holds exactly its own records"
    );
    assert!(n == kanoya, "Kanoya's export holds exactly its own records");
    // Statistics: the same from PostgreSQL as from the embedded database;
    // two offices together only where the configuration allows it.
    let range = [
        "stats",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-31",
        "--format",
        "json",
    ];
    let total = |text: &str| -> i64 {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        v["total"]["bookings"].as_i64().unwrap()
    };
    let embedded = ok(soudan(&work.path().join("k"), None, None, &range));
    let from_pg = ok(soudan(work.path(), Some(&url), None, &range));
    assert_eq!(embedded, from_pg, "the same statistics from either store");
    let kanoya_total = total(&ok(soudan(
        &work.path().join("n"),
        None,
        Some(&conf),
        &range,
    )));
    let mut both = range.to_vec();
    both.extend(["--offices", "46010,46020"]);
    let o = soudan(work.path(), Some(&url), None, &both);
    assert_eq!(
        o.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("46020"));
    let o = soudan(&work.path().join("k"), None, None, &both);
    assert_eq!(
        o.status.code(),
        Some(2),
        "the embedded store has one office"
    );
    let prefecture = work.path().join("prefecture.toml");
    std::fs::write(
        &prefecture,
        format!(
            "{}\n[storage]\nstats_offices = [\"46020\"]\n",
            soudan::config::BUILTIN
        ),
    )
    .unwrap();
    let together = ok(soudan(work.path(), Some(&url), Some(&prefecture), &both));
    assert_eq!(total(&together), total(&from_pg) + kanoya_total);
    assert!(
        !together.contains("46010-"),
        "aggregates only: no job seeker in them"
    );
    // Through a server of Kagoshima, as its screens and commands see it:
    // nothing of Kanoya's, by day, by search, by job seeker, or in the
    // audit trail.
    let kanoya_doc: serde_json::Value = serde_json::from_slice(&kanoya).unwrap();
    let kagoshima_doc: serde_json::Value = serde_json::from_slice(&kagoshima).unwrap();
    let ids = |doc: &serde_json::Value| -> std::collections::BTreeSet<String> {
        doc["bookings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (kanoya_ids, kagoshima_ids) = (ids(&kanoya_doc), ids(&kagoshima_doc));
    assert!(kanoya_ids.is_disjoint(&kagoshima_ids));
    let kanoya_days: std::collections::BTreeSet<String> = kanoya_doc["bookings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["slot"]["date"].as_str().unwrap().to_string())
        .collect();
    let kanoya_seekers: Vec<String> = kanoya_doc["seekers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["number"].as_str().map(str::to_string))
        .filter(|n| !kagoshima.windows(n.len()).any(|w| w == n.as_bytes()))
        .take(5)
        .collect();
    assert!(!kanoya_seekers.is_empty());
    let server = Served::start(&work.path().join("k-server"), &url);
    let (c, _rx) = server.client("counter-1");
    use soudan::desk::request::{Request, Response};
    use soudan::i18n::Lang;
    let mut seen = 0;
    for d in kanoya_days.iter().take(20) {
        for id in rows_of(&c, d) {
            assert!(kagoshima_ids.contains(&id), "{d}: {id} is not Kagoshima's");
            seen += 1;
        }
    }
    assert!(seen > 0, "Kagoshima's own bookings on those days are shown");
    for n in &kanoya_seekers {
        match c
            .call(Lang::En, Request::Search { query: n.clone() })
            .unwrap()
        {
            Response::Found(hits) => assert!(hits.is_empty(), "{n}: {hits:?}"),
            other => panic!("{other:?}"),
        }
        let number = soudan::domain::seeker::JobSeekerNumber::parse(n).unwrap();
        match c.call(Lang::En, Request::Seeker { number }).unwrap() {
            Response::SeekerRecord {
                record, bookings, ..
            } => assert!(record.is_none() && bookings.is_empty(), "{n}"),
            other => panic!("{other:?}"),
        }
    }
    let audit = ok(soudan(
        &work.path().join("k-server"),
        Some(&url),
        None,
        &["audit"],
    ));
    for id in &kanoya_ids {
        assert!(
            !audit.contains(id.as_str()),
            "Kanoya's {id} in Kagoshima's audit"
        );
    }
    drop(c);
    drop(server);
    // Every row carries its office: the two are apart in every table.
    let mut db = pg.client("soudan");
    for table in [
        "soudan_seeker",
        "soudan_booking",
        "soudan_audit",
        "soudan_note",
        "soudan_block",
    ] {
        let rows = db
            .query(
                &format!("SELECT office, count(*) FROM {table} GROUP BY office ORDER BY office"),
                &[],
            )
            .unwrap();
        let offices: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(offices, ["46010", "46020"], "{table}");
    }
}

#[test]
fn the_schema_keeps_the_rules_itself_and_a_newer_one_is_refused() {
    let Some(pg) = Cluster::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    // Four processes start on a blank database at once: the schema is
    // made once, under the lock.
    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_soudan"))
                .env("SOUDAN_DATA_DIR", work.path())
                .env("SOUDAN_NOW", NOW)
                .env("SOUDAN_STORE", &url)
                .env_remove("SOUDAN_CONFIG")
                .args(["export"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = common::output_of(c, "soudan export on a blank database");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let mut db = pg.client("soudan");
    let versions: Vec<i32> = db
        .query("SELECT version FROM soudan_schema ORDER BY version", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, [1, 2], "each migration applied once, in order");
    // An office with one booking.
    let a = sample(&work.path().join("a"), None, "7");
    let f = work.path().join("a.json");
    std::fs::write(&f, &a).unwrap();
    ok(soudan(
        work.path(),
        Some(&url),
        None,
        &["import", f.to_str().unwrap()],
    ));
    let live = db
        .query_one(
            "SELECT id, seeker, day, start_time, booth FROM soudan_booking
             WHERE office = '46010' AND status = 'booked' ORDER BY id LIMIT 1",
            &[],
        )
        .unwrap();
    let (id, seeker): (String, String) = (live.get(0), live.get(1));
    // A second live booking in that slot, or of that job seeker that day:
    // the database refuses it whatever the program says.
    let copy =
        "INSERT INTO soudan_booking (office, id, seeker, day, start_time, booth, status, record)
                SELECT office, $2, $3, day, start_time, $4, 'booked', record
                FROM soudan_booking WHERE office = '46010' AND id = $1";
    let other_seeker: String = db
        .query_one(
            "SELECT number FROM soudan_seeker WHERE office = '46010' AND number <> $1 LIMIT 1",
            &[&seeker],
        )
        .unwrap()
        .get(0);
    let booth: i16 = live.get(4);
    let e = db
        .execute(copy, &[&id, &"ZZZZZ2", &other_seeker, &booth])
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
        "{e}"
    );
    assert!(e.to_string().contains("one_per_slot") || format!("{e:?}").contains("one_per_slot"));
    let e = db
        .execute(copy, &[&id, &"ZZZZZ3", &seeker, &(booth + 100)])
        .unwrap_err();
    assert!(format!("{e:?}").contains("one_per_seeker_day"), "{e:?}");
    // The audit trail cannot be changed or emptied.
    let e = db
        .execute(
            "UPDATE soudan_audit SET booking = NULL WHERE office = '46010'",
            &[],
        )
        .unwrap_err();
    assert!(format!("{e:?}").contains("append-only"), "{e:?}");
    let e = db.execute("DELETE FROM soudan_audit", &[]).unwrap_err();
    assert!(format!("{e:?}").contains("append-only"), "{e:?}");
    // A database of a newer soudan: refused, exit 4, nothing changed.
    db.execute("INSERT INTO soudan_schema (version) VALUES (99)", &[])
        .unwrap();
    let o = soudan(work.path(), Some(&url), None, &["export"]);
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("newer soudan"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Sixteen processes book one slot at once on PostgreSQL: exactly one gets
/// it, the others are told it is taken (exit 3); the audit trail numbers on
/// densely; the confirmation is in the outbox before the id was printed;
/// the embedded database's refusals hold too (one booking a day).
#[test]
fn sixteen_racers_for_one_slot_on_postgresql_get_exactly_one_booking() {
    let Some(pg) = Cluster::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    let d = work.path();
    // Each racer waits for the start (a file made once all are waiting),
    // so that they run together, not one after another as they are made.
    let go = d.join("go");
    let racer = || {
        let mut c = Command::new("sh");
        c.args([
            "-c",
            "while [ ! -e \"$0\" ]; do sleep 0.002; done; exec \"$@\"",
        ])
        .arg(&go)
        .arg(env!("CARGO_BIN_EXE_soudan"));
        c
    };
    let book = |n: usize, time: &str| {
        let seeker = format!("46010-{}", 500 + n);
        let email = format!("s{n}@example.jp");
        let mut c = if n < 16 {
            racer()
        } else {
            Command::new(env!("CARGO_BIN_EXE_soudan"))
        };
        c.env("SOUDAN_DATA_DIR", d)
            .env("SOUDAN_NOW", NOW)
            .env("SOUDAN_STORE", &url)
            .env("SOUDAN_LANG", "en")
            .env_remove("SOUDAN_CONFIG")
            .args([
                "book",
                "--date",
                "2026-12-08",
                "--time",
                time,
                "--booth",
                "1",
                "--seeker",
                &seeker,
                "--name",
                "山田 太郎",
                "--email",
                &email,
                "--consent",
                "--checklist",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // The first booking makes the office (and applies the schema).
    let o = common::output_of(book(99, "09:00"), "the first booking");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let racers: Vec<_> = (0..16).map(|n| book(n, "10:00")).collect();
    std::fs::write(&go, b"").unwrap();
    let outs: Vec<Output> = racers
        .into_iter()
        .map(|c| common::output_of(c, "a racer"))
        .collect();
    let won: Vec<&Output> = outs.iter().filter(|o| o.status.success()).collect();
    assert_eq!(won.len(), 1, "exactly one booking");
    for o in outs.iter().filter(|o| !o.status.success()) {
        assert_eq!(
            o.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(String::from_utf8_lossy(&o.stderr).contains("already booked"));
    }
    let id = String::from_utf8_lossy(&won[0].stdout).trim().to_string();
    // One a day for a job seeker, in the database's transaction too.
    let o = common::output_of(book(99, "11:00"), "the same job seeker again that day");
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut db = pg.client("soudan");
    let live: i64 = db
        .query_one(
            "SELECT count(*) FROM soudan_booking WHERE office = '46010' AND day = '2026-12-08'
             AND status NOT IN ('cancelled', 'no_show')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(live, 2);
    let seqs: Vec<i64> = db
        .query(
            "SELECT seq FROM soudan_audit WHERE office = '46010' ORDER BY seq",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(seqs, [0, 1], "dense, one per booking");
    let queued: i64 = db
        .query_one("SELECT count(*) FROM soudan_mail_queue", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        queued, 0,
        "every confirmation written and taken off the queue"
    );
    let mails: Vec<String> = std::fs::read_dir(d.join("outbox"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(mails.iter().any(|m| m.contains(&id)), "{mails:?}");
    // And it is exported like any booking.
    let doc = ok(soudan(d, Some(&url), None, &["export"]));
    assert!(doc.contains(&id));
}

/// The same commands, one after the other, on the embedded database and on
/// PostgreSQL: the same exit statuses, the same day (ids and moments aside),
/// the same statistics.
#[test]
fn the_same_commands_answer_the_same_on_both_stores() {
    let Some(pg) = Cluster::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    let run = |store: Option<&str>, dir: &Path, now: &str, args: &[&str]| -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_soudan"));
        c.env("SOUDAN_DATA_DIR", dir)
            .env("SOUDAN_NOW", now)
            .env("SOUDAN_LANG", "en")
            .env_remove("SOUDAN_SERVER")
            .env_remove("SOUDAN_CONFIG")
            .stdin(Stdio::null());
        match store {
            Some(u) => c.env("SOUDAN_STORE", u),
            None => c.env_remove("SOUDAN_STORE"),
        };
        c.args(args).output_limited().unwrap()
    };
    let book = |seeker: &str, time: &str, booth: Option<&str>| -> Vec<String> {
        let mut a: Vec<String> = [
            "book",
            "--date",
            "2026-12-03",
            "--time",
            time,
            "--seeker",
            seeker,
            "--name",
            "山田 太郎",
            "--email",
            "t@example.jp",
            "--consent",
            "--checklist",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if let Some(b) = booth {
            a.extend(["--booth".to_string(), b.to_string()]);
        }
        a
    };
    // A booking on another day, made on the 1st.
    let later = |seeker: &str| -> Vec<String> {
        let mut a = book(seeker, "15:00", Some("1"));
        a[2] = "2026-12-04".into();
        a
    };
    let mut answers: Vec<Vec<(Option<i32>, String)>> = Vec::new();
    for store in [None, Some(url.as_str())] {
        let dir = work
            .path()
            .join(if store.is_some() { "pg" } else { "sled" });
        let mut ids: Vec<String> = Vec::new();
        let mut said = Vec::new();
        let steps: Vec<(&str, Vec<String>)> = vec![
            ("2026-12-01T09:00", book("46010-1", "10:00", Some("1"))),
            ("2026-12-01T09:00", book("46010-2", "10:00", None)),
            ("2026-12-01T09:00", book("46010-3", "10:00", None)),
            ("2026-12-01T09:00", book("46010-1", "11:00", None)),
            ("2026-12-01T09:00", book("46010-4", "13:00", Some("2"))),
            (
                "2026-12-01T09:30",
                vec![
                    "cancel".into(),
                    "#1".into(),
                    "--reason".into(),
                    "phoned".into(),
                ],
            ),
            ("2026-12-03T10:05", vec!["start".into(), "#0".into()]),
            ("2026-12-03T10:06", vec!["unstart".into(), "#0".into()]),
            ("2026-12-03T10:06", vec!["finish".into(), "#2".into()]),
            ("2026-12-03T10:20", vec!["sweep".into(), "--json".into()]),
            (
                "2026-12-03T10:30",
                vec![
                    "correct".into(),
                    "#0".into(),
                    "--reason".into(),
                    "had called".into(),
                ],
            ),
            ("2026-12-03T13:05", vec!["start".into(), "#2".into()]),
            (
                "2026-12-03T13:20",
                vec![
                    "stop".into(),
                    "#2".into(),
                    "--reason".into(),
                    "abuse".into(),
                ],
            ),
            // A refusal (Art. 12(1)): the job seeker cannot be booked until
            // it is lifted; a number never booked can be refused too.
            (
                "2026-12-03T17:00",
                vec![
                    "refuse".into(),
                    "46010-4".into(),
                    "--reason".into(),
                    "abuse".into(),
                ],
            ),
            (
                "2026-12-03T17:00",
                vec![
                    "refuse".into(),
                    "46010-9".into(),
                    "--reason".into(),
                    "threats".into(),
                ],
            ),
            ("2026-12-01T09:00", later("46010-4")),
            (
                "2026-12-03T17:00",
                vec![
                    "unrefuse".into(),
                    "46010-4".into(),
                    "--reason".into(),
                    "apologised".into(),
                ],
            ),
            (
                "2026-12-03T17:00",
                vec![
                    "unrefuse".into(),
                    "46010-4".into(),
                    "--reason".into(),
                    "again".into(),
                ],
            ),
        ];
        for (now, args) in steps {
            let args: Vec<String> = args
                .into_iter()
                .map(
                    |a| match a.strip_prefix('#').and_then(|n| n.parse::<usize>().ok()) {
                        Some(n) => ids.get(n).cloned().unwrap_or_else(|| "ZZZZZZ".into()),
                        None => a,
                    },
                )
                .collect();
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let o = run(store, &dir, now, &refs);
            let out = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if refs[0] == "book" && o.status.success() {
                ids.push(out.clone());
            }
            let shown = ids
                .iter()
                .enumerate()
                .fold(out, |t, (i, id)| t.replace(id, &format!("<{i}>")));
            said.push((
                o.status.code(),
                if refs[0] == "book" {
                    String::new()
                } else {
                    shown
                },
            ));
        }
        // The day, without ids' letters and moments.
        let o = run(
            store,
            &dir,
            "2026-12-03T17:00",
            &["day", "--date", "2026-12-03", "--json"],
        );
        let mut day: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        fn strip(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Object(m) => {
                    m.retain(|k, _| !k.ends_with("at") && k != "id" && k != "meeting_url");
                    m.values_mut().for_each(strip);
                }
                serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
                _ => {}
            }
        }
        strip(&mut day);
        said.push((o.status.code(), day.to_string()));
        // The job seeker's record and the audit trail, the same way.
        for args in [
            &["seeker", "46010-1", "--json"][..],
            &["audit"][..],
            &["audit", "--action", "cancel"][..],
        ] {
            let o = run(store, &dir, "2026-12-03T17:00", args);
            let text = String::from_utf8_lossy(&o.stdout).to_string();
            // `seeker --json` is one document, `audit` a JSON line per event.
            let docs: Vec<&str> = if args[0] == "seeker" {
                vec![text.as_str()]
            } else {
                text.lines().collect()
            };
            let mut lines = Vec::new();
            for doc in docs {
                let mut v: serde_json::Value = serde_json::from_str(doc).unwrap();
                strip(&mut v);
                lines.push(v.to_string());
            }
            let shown = ids.iter().enumerate().fold(lines.join("\n"), |t, (i, id)| {
                t.replace(id, &format!("<{i}>"))
            });
            said.push((o.status.code(), shown));
        }
        let o = run(
            store,
            &dir,
            "2026-12-03T17:00",
            &[
                "stats",
                "--from",
                "2026-12-01",
                "--to",
                "2026-12-31",
                "--format",
                "json",
            ],
        );
        said.push((
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).to_string(),
        ));
        answers.push(said);
    }
    let codes: Vec<Option<i32>> = answers[0].iter().map(|(c, _)| *c).collect();
    assert_eq!(
        codes,
        // Taken, one a day, finished before it started: exit 3 each.
        [
            Some(0),
            Some(0),
            Some(3),
            Some(3),
            Some(0),
            Some(0),
            Some(0),
            Some(0),
            Some(3),
            Some(0),
            Some(0),
            Some(0),
            Some(0),
            // refuse, refuse a number never booked, booking refused (3),
            // unrefuse, unrefuse what is not refused (3)
            Some(0),
            Some(0),
            Some(3),
            Some(0),
            Some(3),
            Some(0),
            Some(0),
            Some(0),
            Some(0),
            Some(0)
        ],
        "the embedded database's answers"
    );
    assert_eq!(answers[0].len(), answers[1].len());
    for (i, (a, b)) in answers[0].iter().zip(&answers[1]).enumerate() {
        assert_eq!(
            a, b,
            "step {i}: the embedded database and PostgreSQL differ"
        );
    }
}

/// `pg_ctl stop -m immediate` in the middle of bookings from four clients,
/// then a restart: every booking a client was told of is there after it,
/// none twice, the audit trail dense; bookings go on afterwards.
#[test]
fn an_immediate_stop_of_postgresql_loses_no_acknowledged_booking() {
    let Some(pg) = Cluster::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    // The open days ahead and their slots: enough for every client.
    let loaded = soudan::config::Config::builtin();
    let office = &loaded.office;
    let mut slots = Vec::new();
    let mut day = chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
    while slots.len() < 400 {
        if office.calendar.is_open(day) {
            for t in &office.starts {
                for b in &office.booths {
                    slots.push((day, *t, b.number));
                }
            }
        }
        day = day.succ_opt().unwrap();
    }
    // The office exists before the load begins.
    let o = soudan(work.path(), Some(&url), None, &["sweep"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    use std::sync::atomic::{AtomicBool, Ordering};
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let restarted = std::sync::Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let url = url.clone();
            let dir = work.path().to_path_buf();
            let slots = slots.clone();
            let (stop, restarted) = (stop.clone(), restarted.clone());
            std::thread::spawn(move || {
                let (mut acked, mut after, mut unknown) = (Vec::new(), 0, 0);
                let mut i = c;
                while i < slots.len() && !stop.load(Ordering::Relaxed) {
                    let (d, t, b) = slots[i];
                    let seeker = format!("46010-{}", 700 + i);
                    let (date, time, booth) =
                        (d.to_string(), t.format("%H:%M").to_string(), b.to_string());
                    let args = [
                        "book",
                        "--date",
                        &date,
                        "--time",
                        &time,
                        "--booth",
                        &booth,
                        "--seeker",
                        &seeker,
                        "--name",
                        "山田 太郎",
                        "--email",
                        "t@example.jp",
                        "--consent",
                        "--checklist",
                    ];
                    let o = soudan(&dir, Some(&url), None, &args);
                    match o.status.code() {
                        Some(0) => {
                            acked.push(String::from_utf8_lossy(&o.stdout).trim().to_string());
                            after += usize::from(restarted.load(Ordering::Relaxed));
                            i += 4;
                        }
                        // The server is down: the same slot again a moment
                        // later (its commit may have come first: then it is
                        // taken, and the next slot is tried).
                        Some(4) => {
                            unknown += 1;
                            std::thread::sleep(std::time::Duration::from_millis(50));
                        }
                        Some(3) if unknown > 0 => i += 4,
                        other => panic!("exit {other:?}: {}", String::from_utf8_lossy(&o.stderr)),
                    }
                }
                (acked, after, unknown)
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    pg.crash();
    std::thread::sleep(std::time::Duration::from_millis(700));
    pg.run_server();
    restarted.store(true, Ordering::Relaxed);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    let (mut acked, mut after, mut unknown) = (Vec::new(), 0, 0);
    for c in clients {
        let (a, n, u) = c.join().unwrap();
        acked.extend(a);
        after += n;
        unknown += u;
    }
    assert!(
        acked.len() >= 8,
        "bookings before and after the stop: {}",
        acked.len()
    );
    assert!(after >= 1, "bookings go on after the restart");
    assert!(unknown >= 1, "the stop was felt by a client (exit 4)");
    let mut db = pg.client("soudan");
    let stored: Vec<String> = db
        .query("SELECT id FROM soudan_booking WHERE office = '46010'", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for id in &acked {
        assert!(
            stored.contains(id),
            "booking {id} was acknowledged and is gone"
        );
    }
    // A booking whose answer was lost with the server may be there (its
    // commit came first), never twice: the slots are all different.
    assert!(
        stored.len() <= acked.len() + unknown,
        "{} stored",
        stored.len()
    );
    let seqs: Vec<i64> = db
        .query(
            "SELECT seq FROM soudan_audit WHERE office = '46010' ORDER BY seq",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        seqs,
        (0..seqs.len() as i64).collect::<Vec<_>>(),
        "dense after the stop"
    );
    assert_eq!(seqs.len(), stored.len(), "one audit event per booking");
    eprintln!(
        "immediate stop: {} acknowledged ({after} after the restart), {} refused while down, {} stored",
        acked.len(),
        unknown,
        stored.len()
    );
}

/// `soudan serve` on a data dir whose records are in `url`.
struct Served {
    child: std::process::Child,
    socket: std::path::PathBuf,
    log: std::path::PathBuf,
}

impl Served {
    fn start(dir: &Path, url: &str) -> Served {
        Served::with_config(dir, url, None)
    }

    fn with_config(dir: &Path, url: &str, config: Option<&Path>) -> Served {
        std::fs::create_dir_all(dir).unwrap();
        let log = dir.join("server.log");
        let mut c = Command::new(env!("CARGO_BIN_EXE_soudan"));
        match config {
            Some(p) => c.env("SOUDAN_CONFIG", p),
            None => c.env_remove("SOUDAN_CONFIG"),
        };
        let child = c
            .env("SOUDAN_DATA_DIR", dir)
            .env("SOUDAN_NOW", NOW)
            .env("SOUDAN_LANG", "en")
            .env("SOUDAN_STORE", url)
            .env_remove("SOUDAN_SERVER")
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let socket = dir.join("soudan.sock");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !soudan::server::client::answers(&socket) {
            assert!(
                std::time::Instant::now() < deadline,
                "the server never listened: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Served { child, socket, log }
    }

    fn client(
        &self,
        terminal: &str,
    ) -> (
        soudan::server::client::Client,
        std::sync::mpsc::Receiver<soudan::server::client::Notice>,
    ) {
        let (tx, rx) = std::sync::mpsc::channel();
        let c = soudan::server::client::Client::connect(
            &self.socket,
            terminal,
            soudan::i18n::Lang::En,
            tx,
        )
        .unwrap();
        (c, rx)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Clients booking one fresh slot after another until stopped; a refusal
/// while PostgreSQL is away (exit 4) is passed over, anything else fails.
struct Load {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    restarted: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Bookings acknowledged by each client (since the restart, once
    /// there was one).
    since: std::sync::Arc<Vec<std::sync::atomic::AtomicUsize>>,
    threads: Vec<std::thread::JoinHandle<Vec<String>>>,
}

impl Load {
    fn start(sockets: &[&std::path::PathBuf]) -> Load {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let stop = Arc::new(AtomicBool::new(false));
        let restarted = Arc::new(AtomicBool::new(false));
        let since: Arc<Vec<AtomicUsize>> =
            Arc::new(sockets.iter().map(|_| AtomicUsize::new(0)).collect());
        // The weekdays from 2026-12-15 to 2026-12-28, every slot time and
        // booth: one list, dealt out to the clients in turn.
        let mut slots = Vec::new();
        let mut day = chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
        while day <= chrono::NaiveDate::from_ymd_opt(2026, 12, 28).unwrap() {
            if chrono::Datelike::weekday(&day).number_from_monday() <= 5 {
                for t in [
                    "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30",
                    "14:00", "14:30", "15:00", "15:30", "16:00",
                ] {
                    for booth in 1..=2u8 {
                        slots.push((day.to_string(), t, booth));
                    }
                }
            }
            day = day.succ_opt().unwrap();
        }
        let n = sockets.len();
        let threads = sockets
            .iter()
            .enumerate()
            .map(|(i, socket)| {
                let socket = (*socket).clone();
                let mine: Vec<_> = slots.iter().skip(i).step_by(n).cloned().collect();
                let (stop, since) = (stop.clone(), since.clone());
                std::thread::spawn(move || {
                    use soudan::desk::request::Response;
                    let (tx, _rx) = std::sync::mpsc::channel();
                    let c = soudan::server::client::Client::connect(
                        &socket,
                        &format!("load-{i}"),
                        soudan::i18n::Lang::En,
                        tx,
                    )
                    .unwrap();
                    let mut acked = Vec::new();
                    for (k, (date, time, booth)) in mine.into_iter().enumerate() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let seeker = format!("46010-{}", 3000 + k * n + i);
                        match c.call(
                            soudan::i18n::Lang::En,
                            book_request(&seeker, &date, time, booth),
                        ) {
                            Ok(Response::Booked { booking, .. }) => {
                                acked.push(booking.id.to_string());
                                since[i].fetch_add(1, Ordering::SeqCst);
                            }
                            Ok(other) => panic!("{other:?}"),
                            Err(e) if e.exit_code() == 4 => {
                                std::thread::sleep(std::time::Duration::from_millis(50));
                            }
                            Err(e) => panic!(
                                "{date} {time} {booth}: {}",
                                e.message(soudan::i18n::Lang::En)
                            ),
                        }
                    }
                    acked
                })
            })
            .collect();
        Load {
            stop,
            restarted,
            since,
            threads,
        }
    }

    fn after_restart(&self) {
        use std::sync::atomic::Ordering;
        for c in self.since.iter() {
            c.store(0, Ordering::SeqCst);
        }
        self.restarted.store(true, Ordering::SeqCst);
    }

    /// Waits until every client has `n` bookings acknowledged: since the
    /// restart, once there was one, else in all.
    fn wait_for(&self, n: usize) {
        use std::sync::atomic::Ordering;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while self.since.iter().any(|c| c.load(Ordering::SeqCst) < n) {
            assert!(
                std::time::Instant::now() < deadline,
                "the load's clients did not book (again after PostgreSQL came back)"
            );
            assert!(
                self.threads.iter().all(|t| !t.is_finished()),
                "a load client stopped (out of slots, or failed)"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn stop(self) -> Vec<String> {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.threads
            .into_iter()
            .flat_map(|t| t.join().expect("a load client failed"))
            .collect()
    }
}

fn book_request(number: &str, date: &str, time: &str, booth: u8) -> soudan::desk::request::Request {
    common::book_request_at(number, date, time, booth)
}

/// The number of the audit event `action` of booking `id`, read from
/// the database itself.
fn event_of(pg: &Cluster, id: &str, action: &str) -> u64 {
    let mut db = pg.client("soudan");
    let seq: i64 = db
        .query_one(
            "SELECT seq FROM soudan_audit WHERE office = '46010' AND booking = $1 AND record->>'action' = $2",
            &[&id, &action],
        )
        .unwrap()
        .get(0);
    seq as u64
}

/// Waits for a notice that names the change whose audit event is `event`:
/// it says the trail holds more than that event. A notice of something
/// else (before it) is passed over.
fn hears_event(rx: &std::sync::mpsc::Receiver<soudan::server::client::Notice>, event: u64) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        if let Ok(soudan::server::client::Notice::Changed(c)) = rx.recv_timeout(left)
            && c.events.is_some_and(|n| n > event)
        {
            return true;
        }
    }
    false
}

/// Waits for a change to be announced to a client (a hold, which has no
/// audit event to name it).
fn hears(rx: &std::sync::mpsc::Receiver<soudan::server::client::Notice>) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        if let Ok(soudan::server::client::Notice::Changed(_)) = rx.recv_timeout(left) {
            return true;
        }
    }
    false
}

fn rows_of(c: &soudan::server::client::Client, date: &str) -> Vec<String> {
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    match c
        .call(
            soudan::i18n::Lang::En,
            soudan::desk::request::Request::LoadDay { date },
        )
        .unwrap()
    {
        soudan::desk::request::Response::Day(d) => {
            d.rows.iter().map(|r| r.booking.id.to_string()).collect()
        }
        other => panic!("{other:?}"),
    }
}

/// Two servers of one office on one database (two machines, or a
/// standby): each hears of the other's changes at once, 16 clients across
/// both race for one slot and one wins, each confirmation is written by
/// one of them only, and after PostgreSQL itself stops at once and starts
/// again both go on by themselves and their screens load afresh.
#[test]
fn two_servers_on_one_database_see_each_others_changes() {
    use soudan::desk::request::{Request, Response};
    use soudan::i18n::Lang;
    let Some(pg) = Cluster::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    let (dir_a, dir_b) = (work.path().join("a"), work.path().join("b"));
    let a = Served::start(&dir_a, &url);
    let b = Served::start(&dir_b, &url);
    let (ca, ra) = a.client("counter-a");
    let (cb, rb) = b.client("counter-b");
    // A booking at one server: the other's client hears of it and sees it.
    let started = std::time::Instant::now();
    let booked = match ca.call(Lang::En, book_request("46010-1", "2026-12-10", "10:00", 1)) {
        Ok(Response::Booked { booking, .. }) => booking,
        other => panic!("{other:?}"),
    };
    let event = event_of(&pg, booked.id.as_str(), "book");
    assert!(
        hears_event(&rb, event),
        "server b never told its client of that booking"
    );
    eprintln!(
        "a booking at server a was announced at server b {:?} after it was sent",
        started.elapsed()
    );
    assert_eq!(rows_of(&cb, "2026-12-10"), vec![booked.id.to_string()]);
    // The same slot at the other server: taken, exit 3.
    match cb.call(Lang::En, book_request("46010-2", "2026-12-10", "10:00", 1)) {
        Err(e) => assert_eq!(e.exit_code(), 3, "{}", e.message(Lang::En)),
        Ok(r) => panic!("booked twice: {r:?}"),
    }
    // A cancellation at b: a hears.
    while ra.try_recv().is_ok() {}
    let r = cb
        .call(
            Lang::En,
            Request::Change {
                id: booked.id,
                event: soudan::domain::booking::Event::Cancel {
                    reason: "本人から電話".into(),
                },
            },
        )
        .unwrap();
    assert!(matches!(r, Response::Changed { .. }), "{r:?}");
    let event = event_of(&pg, booked.id.as_str(), "cancel");
    assert!(
        hears_event(&ra, event),
        "server a never told its client of b's cancellation"
    );
    // A wizard's hold at a: b's client sees who holds the slot and may not
    // book it; a's terminal leaves, and b hears the slot is free again.
    let slot = soudan::domain::office::SlotRequest {
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 11).unwrap(),
        time: chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        booth: 1,
    };
    while rb.try_recv().is_ok() {}
    let (holder, _rh) = a.client("counter-a2");
    let r = holder.call(Lang::En, Request::Hold { slot }).unwrap();
    assert!(matches!(r, Response::Held { .. }), "{r:?}");
    assert!(hears(&rb), "server b was not told of a's hold");
    let holds = match cb
        .call(Lang::En, Request::LoadDay { date: slot.date })
        .unwrap()
    {
        Response::Day(d) => d.holds,
        other => panic!("{other:?}"),
    };
    assert_eq!(holds.len(), 1, "{holds:?}");
    assert_eq!(holds[0].terminal, "counter-a2");
    match cb.call(Lang::En, book_request("46010-4", "2026-12-11", "10:00", 1)) {
        Err(e) => assert!(
            e.exit_code() == 3 && e.message(Lang::En).contains("another terminal"),
            "{}",
            e.message(Lang::En)
        ),
        Ok(r) => panic!("booked a slot held at the other server: {r:?}"),
    }
    while rb.try_recv().is_ok() {}
    drop(holder);
    assert!(hears(&rb), "server b was not told the hold ended");
    let holds = match cb
        .call(Lang::En, Request::LoadDay { date: slot.date })
        .unwrap()
    {
        Response::Day(d) => d.holds,
        other => panic!("{other:?}"),
    };
    assert!(holds.is_empty(), "{holds:?}");
    // 16 clients, 8 at each server, for one slot: exactly one booking.
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(16));
    let racers: Vec<_> = (0..16)
        .map(|i| {
            let socket = if i % 2 == 0 {
                a.socket.clone()
            } else {
                b.socket.clone()
            };
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let (tx, _rx) = std::sync::mpsc::channel();
                let c = soudan::server::client::Client::connect(
                    &socket,
                    &format!("racer-{i}"),
                    Lang::En,
                    tx,
                )
                .unwrap();
                barrier.wait();
                match c.call(
                    Lang::En,
                    book_request(&format!("46010-{}", 100 + i), "2026-12-11", "11:00", 2),
                ) {
                    Ok(_) => true,
                    Err(e) => {
                        assert_eq!(e.exit_code(), 3, "{}", e.message(Lang::En));
                        false
                    }
                }
            })
        })
        .collect();
    let won = racers
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|w| *w)
        .count();
    assert_eq!(won, 1, "exactly one of 16 across two servers gets the slot");
    // PostgreSQL stops at once, under load from four clients booking at
    // both servers, and starts again: each server goes on by itself, its
    // clients are told to load afresh, and every booking a client was told
    // of is there.
    let load = Load::start(&[&a.socket, &b.socket, &a.socket, &b.socket]);
    load.wait_for(1);
    pg.crash();
    std::thread::sleep(std::time::Duration::from_millis(300));
    pg.run_server();
    load.after_restart();
    load.wait_for(3);
    let acked = load.stop();
    let mut db = pg.client("soudan");
    for id in &acked {
        let rows = db
            .query(
                "SELECT status FROM soudan_booking WHERE office = '46010' AND id = $1",
                &[id],
            )
            .unwrap();
        assert_eq!(rows.len(), 1, "acknowledged under load and gone: {id}");
        assert_eq!(rows[0].get::<_, String>(0), "booked", "{id}");
    }
    eprintln!(
        "{} bookings acknowledged under load across a crash of PostgreSQL, all there",
        acked.len()
    );
    while rb.try_recv().is_ok() {}
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let after = loop {
        match ca.call(Lang::En, book_request("46010-3", "2026-12-14", "13:00", 1)) {
            Ok(Response::Booked { booking, .. }) => break booking,
            Ok(other) => panic!("{other:?}"),
            Err(e) => {
                assert_eq!(e.exit_code(), 4, "{}", e.message(Lang::En));
                assert!(
                    std::time::Instant::now() < deadline,
                    "server a never reconnected: {}",
                    std::fs::read_to_string(&a.log).unwrap_or_default()
                );
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
        }
    };
    assert!(
        hears(&rb),
        "server b's clients were not told after the restart"
    );
    assert!(rows_of(&cb, "2026-12-14").contains(&after.id.to_string()));
    // Every confirmation and cancellation was written once, by one server.
    let mails = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir.join("outbox"))
            .map(|r| {
                r.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".eml"))
                    .collect()
            })
            .unwrap_or_default()
    };
    // A confirmation for each booking there is (the cancelled one, the
    // race's, the load's, the one after the restart) and one cancellation.
    let bookings: i64 = db
        .query_one(
            "SELECT count(*) FROM soudan_booking WHERE office = '46010'",
            &[],
        )
        .unwrap()
        .get(0);
    let expected = bookings as usize + 1;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let (ma, mb) = loop {
        let (ma, mb) = (mails(&dir_a), mails(&dir_b));
        if ma.len() + mb.len() >= expected || std::time::Instant::now() > deadline {
            break (ma, mb);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut all: Vec<&String> = ma.iter().chain(mb.iter()).collect();
    all.sort();
    assert_eq!(all.len(), expected, "mails a: {ma:?}, b: {mb:?}");
    // Each queued mail once: its queue number in one outbox only. Before
    // the restart one server wrote them all (after it, whichever took the
    // writer's lock first writes on).
    let seq = |n: &String| n.rsplit('-').next().unwrap_or("").to_string();
    let mut seqs: Vec<String> = all.iter().map(|n| seq(n)).collect();
    seqs.sort();
    let mut want: Vec<String> = (0..expected).map(|q| format!("q{q}.eml")).collect();
    want.sort();
    assert_eq!(seqs, want, "a {ma:?}, b {mb:?}");
    let before: Vec<&Vec<String>> = [&ma, &mb]
        .into_iter()
        .filter(|m| {
            m.iter()
                .any(|n| n.ends_with("-q0.eml") || n.ends_with("-q1.eml"))
        })
        .collect();
    assert_eq!(before.len(), 1, "two writers at once: a {ma:?}, b {mb:?}");
    drop((ca, cb));
    let o = soudan(&dir_a, Some(&url), None, &["check"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    drop((a, b));
}

/// For an engine without LISTEN/NOTIFY (`[storage] poll_seconds`), a
/// server learns of the other's change by reading the office's counter.
#[test]
fn a_server_that_polls_sees_the_other_servers_change() {
    use soudan::desk::request::Response;
    use soudan::i18n::Lang;
    let Some(pg) = Cluster::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    let base = ok(soudan(work.path(), None, None, &["config"]));
    let config = work.path().join("poll.toml");
    std::fs::write(&config, format!("{base}\n[storage]\npoll_seconds = 1\n")).unwrap();
    let a = Served::with_config(&work.path().join("a"), &url, Some(&config));
    let b = Served::with_config(&work.path().join("b"), &url, Some(&config));
    let (ca, _ra) = a.client("counter-a");
    let (cb, rb) = b.client("counter-b");
    // The office exists and b has read its counter once.
    assert!(rows_of(&cb, "2026-12-10").is_empty());
    std::thread::sleep(std::time::Duration::from_millis(1500));
    while rb.try_recv().is_ok() {}
    let booked = match ca.call(Lang::En, book_request("46010-1", "2026-12-10", "10:00", 1)) {
        Ok(Response::Booked { booking, .. }) => booking,
        other => panic!("{other:?}"),
    };
    assert!(hears(&rb), "server b never learnt of a's booking");
    assert_eq!(rows_of(&cb, "2026-12-10"), vec![booked.id.to_string()]);
}

/// A certificate authority and a server certificate for `localhost`, made
/// with the openssl command; the server's files readable by the
/// `postgres` account only.
/// `openssl ARGS` in `dir`, which must succeed.
fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command");
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn certificates(
    dir: &Path,
    name: &str,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let run = |args: &[&str]| openssl(dir, args);
    let (ca_key, ca) = (format!("{name}-ca.key"), format!("{name}-ca.crt"));
    run(&[
        "req",
        "-new",
        "-x509",
        "-days",
        "2",
        "-nodes",
        "-subj",
        "/CN=soudan test CA",
        "-keyout",
        &ca_key,
        "-out",
        &ca,
    ]);
    let (crt, key) = issue(dir, name, name, "localhost");
    (dir.join(ca), crt, key)
}

/// A certificate for `host` issued by the authority `ca` that
/// [`certificates`] made in `dir`: its files are `<name>.crt` and
/// `<name>.key`, readable by PostgreSQL.
fn issue(dir: &Path, ca: &str, name: &str, host: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let run = |args: &[&str]| openssl(dir, args);
    let (ca_key, ca) = (format!("{ca}-ca.key"), format!("{ca}-ca.crt"));
    let (key, csr, crt) = (
        format!("{name}.key"),
        format!("{name}.csr"),
        format!("{name}.crt"),
    );
    let subject = format!("/CN={host}");
    run(&[
        "req", "-new", "-nodes", "-subj", &subject, "-keyout", &key, "-out", &csr,
    ]);
    std::fs::write(dir.join("san.ext"), format!("subjectAltName=DNS:{host}\n")).unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        &csr,
        "-CA",
        &ca,
        "-CAkey",
        &ca_key,
        "-CAcreateserial",
        "-out",
        &crt,
        "-days",
        "2",
        "-extfile",
        "san.ext",
    ]);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join(&key), std::fs::Permissions::from_mode(0o600)).unwrap();
    if unsafe { libc::geteuid() } == 0 {
        let o = Command::new("chown")
            .args(["postgres", &key, &crt])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(o.status.success());
    }
    (dir.join(crt), dir.join(key))
}

/// TLS to a server over TCP (`sslmode=require`): the connection is
/// encrypted and the server's certificate is checked against
/// `sslrootcert` and the host name; a certificate of another authority,
/// and one of the office's own authority issued for another host, are
/// refused (exit 4, nothing written).
#[test]
fn a_remote_server_is_reached_over_tls_and_its_certificate_checked() {
    let Some(pg) = Cluster::start() else { return };
    let (ca, crt, key) = certificates(pg.root(), "server");
    let other_dir = tempfile::tempdir().unwrap();
    let (other_ca, _, _) = certificates(other_dir.path(), "other");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    pg.crash();
    pg.run_server_with(&format!(
        "-c listen_addresses=127.0.0.1 -c port={port} -c ssl=on -c ssl_cert_file={} -c ssl_key_file={} -c log_connections=on",
        crt.display(),
        key.display()
    ));
    let url = |ca: &Path| {
        format!(
            "postgresql://postgres@localhost:{port}/soudan?sslmode=require&sslrootcert={}",
            ca.display()
        )
    };
    let work = tempfile::tempdir().unwrap();
    let book = |store: &str, seeker: &str| {
        soudan(
            work.path(),
            Some(store),
            None,
            &[
                "book",
                "--date",
                "2026-12-08",
                "--time",
                "10:00",
                "--seeker",
                seeker,
                "--name",
                "山田 太郎",
                "--email",
                "t@example.jp",
                "--consent",
                "--checklist",
            ],
        )
    };
    // A booking refused for its certificate: exit 4, nothing printed.
    let refused = |o: Output, what: &str| {
        assert_eq!(
            o.status.code(),
            Some(4),
            "{what} was taken: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let err = String::from_utf8_lossy(&o.stderr).to_lowercase();
        assert!(err.contains("certificate"), "{err}");
        assert!(o.stdout.is_empty());
    };
    // The day's one booking, read over TLS.
    let the_day = || {
        let o = soudan(
            work.path(),
            Some(&url(&ca)),
            None,
            &["day", "--date", "2026-12-08", "--json"],
        );
        let day: serde_json::Value = serde_json::from_str(&ok(o)).unwrap();
        assert_eq!(day.as_array().map(|a| a.len()), Some(1), "{day}");
        day[0]["id"].as_str().unwrap_or_default().to_string()
    };
    // Another authority's certificate: refused before anything is sent.
    refused(
        book(&url(&other_ca), "46010-1"),
        "another authority's certificate",
    );
    // The office's authority: booked, over TLS.
    let id = ok(book(&url(&ca), "46010-2"));
    assert_eq!(the_day(), id.trim());
    let log = std::fs::read_to_string(pg.root().join("log")).unwrap();
    let authorized: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("connection authorized") && l.contains("database=soudan"))
        .collect();
    assert!(!authorized.is_empty(), "{log}");
    assert!(
        authorized.iter().all(|l| l.contains("SSL enabled")),
        "a connection without TLS: {authorized:?}"
    );
    // The office's own authority, but a certificate issued for another
    // host: PostgreSQL restarted with it, reached as localhost, refused.
    let (elsewhere, elsewhere_key) =
        issue(pg.root(), "server", "elsewhere", "db.elsewhere.example");
    pg.crash();
    pg.run_server_with(&format!(
        "-c listen_addresses=127.0.0.1 -c port={port} -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
        elsewhere.display(),
        elsewhere_key.display()
    ));
    refused(book(&url(&ca), "46010-3"), "a certificate for another host");
    // Nothing was written: with the right certificate again, the day
    // holds the one booking.
    pg.crash();
    pg.run_server_with(&format!(
        "-c listen_addresses=127.0.0.1 -c port={port} -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
        crt.display(),
        key.display()
    ));
    assert_eq!(the_day(), id.trim());
}

/// The server on PostgreSQL, from a syscall trace of the server itself:
/// PostgreSQL's answer to the booking's COMMIT is received before the
/// reply carrying its id is written to the client's socket, and before the
/// notice to another screen.
#[test]
fn the_server_on_postgresql_replies_only_after_the_commit() {
    use soudan::desk::request::Response;
    use soudan::i18n::Lang;
    if !strace::available() {
        return;
    }
    let Some(pg) = Cluster::start() else { return };
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("d");
    std::fs::create_dir_all(&dir).unwrap();
    let socket = dir.join("soudan.sock");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_soudan"));
    cmd.env_remove("SOUDAN_CONFIG")
        .env_remove("SOUDAN_SERVER")
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .env("SOUDAN_LANG", "en")
        .env("SOUDAN_STORE", pg.url())
        .arg("serve");
    let traced = strace::Traced::start(
        &cmd,
        "read,recvfrom,recvmsg,write,writev,sendto,sendmsg",
        &work.path().join("trace"),
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !soudan::server::client::answers(&socket) {
        assert!(
            std::time::Instant::now() < deadline,
            "the traced server never listened"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (tx, watcher) = std::sync::mpsc::channel();
    let _screen =
        soudan::server::client::Client::connect(&socket, "counter-2", Lang::En, tx).unwrap();
    let (tx, _rx) = std::sync::mpsc::channel();
    let c = soudan::server::client::Client::connect(&socket, "counter-1", Lang::En, tx).unwrap();
    let id = match c.call(Lang::En, book_request("46010-7", "2026-12-10", "13:00", 1)) {
        Ok(Response::Booked { booking, .. }) => booking.id.to_string(),
        other => panic!("{other:?}"),
    };
    assert!(hears(&watcher), "the other screen was told");
    drop(c);
    let lines = traced.stop();
    strace::committed_before_reply(&lines, &id)
        .unwrap_or_else(|e| panic!("{e}\n{}", lines.join("\n")));

    // The checker fails on a trace with the reply, or the notice, moved
    // before PostgreSQL's answer to the COMMIT, or without that answer.
    let sent = lines
        .iter()
        .position(|l| strace::is_write(l) && strace::on_socket(l) && l.contains(&id))
        .unwrap();
    for early in [
        strace::reply_at(&lines, &id).unwrap(),
        strace::notice_after(&lines, sent).unwrap(),
    ] {
        let mut wrong = lines.clone();
        let moved = wrong.remove(early);
        wrong.insert(sent + 1, moved);
        assert!(strace::committed_before_reply(&wrong, &id).is_err());
    }
    let wrong: Vec<String> = lines
        .iter()
        .filter(|l| strace::is_write(l) || !l.contains("COMMIT\\0"))
        .cloned()
        .collect();
    assert!(strace::committed_before_reply(&wrong, &id).is_err());
}

/// A day's screen reads what its rows show in one batched read on
/// PostgreSQL: the same job seekers, bookings, refusals, histories and
/// notes as reading them one by one, on a day that has each of them.
#[test]
fn a_days_details_read_at_once_are_those_read_one_by_one() {
    let Some(pg) = Cluster::start() else { return };
    let url = pg.url();
    let work = tempfile::tempdir().unwrap();
    let d = work.path();
    let book = |seeker: &str, date: &str, time: &str| {
        let args = common::book_args(seeker, date, time);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(soudan(d, Some(&url), None, &args)).trim().to_string()
    };
    let a = book("46010-1", "2026-12-08", "10:00");
    book("46010-1", "2026-12-09", "10:00");
    let c = book("46010-2", "2026-12-08", "10:30");
    book("46010-3", "2026-12-08", "11:00");
    ok(soudan(d, Some(&url), None, &["note", &a, "電話済み"]));
    ok(soudan(d, Some(&url), None, &["note", "46010-2", "車椅子"]));
    ok(soudan(
        d,
        Some(&url),
        None,
        &["cancel", &c, "--reason", "本人から電話"],
    ));
    ok(soudan(
        d,
        Some(&url),
        None,
        &["refuse", "46010-3", "--reason", "第12条(1)"],
    ));
    use soudan::store::Engine;
    let store = soudan::store::pg::Pg::connect(&url, "46010").unwrap();
    let bookings = store
        .day(chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap())
        .unwrap();
    assert_eq!(bookings.len(), 3);
    let at_once = store.day_details(&bookings).unwrap();
    let one_by_one = soudan::store::engine::day_details_one_by_one(&store, &bookings).unwrap();
    assert_eq!(at_once, one_by_one);
    // The day has each kind of thing the rows show, so the comparison
    // compares something.
    assert_eq!(at_once.seekers.len(), 3);
    assert_eq!(at_once.seeker_bookings["46010-1"].len(), 2);
    assert_eq!(at_once.refusals["46010-3"].len(), 1);
    assert_eq!(at_once.history[&c].len(), 2, "booked, then cancelled");
    assert!(at_once.booking_notes.contains_key(&a));
    assert!(at_once.seeker_notes.contains_key("46010-2"));
}
