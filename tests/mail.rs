//! The confirmation and cancellation mails: written by the real binary,
//! parsed with a real mail parser, and sent to a real SMTP server on
//! loopback (tests/smtp_sink.py).

mod common;

use common::Limited;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};

fn soudan(dir: &Path, config: Option<&Path>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_soudan"));
    c.env("SOUDAN_DATA_DIR", dir)
        .env("SOUDAN_NOW", "2026-12-01T09:00")
        .env_remove("SOUDAN_LANG");
    match config {
        Some(p) => c.env("SOUDAN_CONFIG", p),
        None => c.env_remove("SOUDAN_CONFIG"),
    };
    c.args(args).output_limited().unwrap()
}

fn book(dir: &Path, config: Option<&Path>, seeker: &str, time: &str) -> String {
    let o = soudan(
        dir,
        config,
        &[
            "book",
            "--date",
            "2026-12-03",
            "--time",
            time,
            "--seeker",
            seeker,
            "--name",
            "山田 太郎",
            "--kana",
            "やまだ たろう",
            "--email",
            "taro@example.jp",
            "--channel",
            "phone",
            "--interpreter",
            "English",
            "--consent",
            "--checklist",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

fn emls(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn the_confirmation_parses_with_its_japanese_subject_and_ics() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = book(d, None, "46010-12345678", "10:00");
    let files = emls(&d.join("outbox"));
    assert_eq!(files.len(), 1);
    assert!(
        files[0]
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .contains(&id)
    );
    let raw = std::fs::read(&files[0]).unwrap();
    let msg = MessageParser::default()
        .parse(&raw)
        .expect("a parseable message");

    assert_eq!(
        msg.subject().unwrap(),
        format!(
            "【ハローワークかごしま】オンライン職業相談のご予約 12/3(木) 10:00（予約番号 {id}）"
        )
    );
    let to = msg.to().unwrap().first().unwrap();
    assert_eq!(to.address().unwrap(), "taro@example.jp");
    assert_eq!(to.name().unwrap(), "山田 太郎");
    assert_eq!(
        msg.from().unwrap().first().unwrap().name().unwrap(),
        "ハローワークかごしま"
    );
    assert!(msg.date().is_some() && msg.message_id().unwrap().contains(&id));

    let body = msg.body_text(0).unwrap();
    for want in [
        "山田 太郎 様",
        &format!("予約番号: {id}"),
        "令和8年12月3日(木) 10:00〜10:30",
        "求職番号: 46010-12345678",
        "https://meeting.example.jp/hw-kagoshima/booth-1?booking=",
        "099-250-6060",
        "10分",
        "通訳の同席: English",
        "ウイルス対策ソフト",
        "録画・録音",
        "2025-02-07",
    ] {
        assert!(body.contains(want), "{want} missing from the body:\n{body}");
    }

    let ics_part = msg.attachments().next().expect("an ICS attachment");
    assert_eq!(ics_part.attachment_name().unwrap(), format!("{id}.ics"));
    let ct = ics_part.content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("text", Some("calendar")));
    // As sent (the transfer encoding's line breaks are CRLF on the wire, the
    // parser gives them back as LF): no line is over 75 octets, and a long
    // line is folded on a character boundary (each piece is UTF-8 by itself).
    let folded = ics_part.contents();
    assert!(folded.ends_with(b"\n"), "the last line has no line break");
    let wire = String::from_utf8_lossy(&raw);
    assert!(
        !wire.replace("\r\n", "").contains('\n'),
        "a bare LF in the message"
    );
    let pieces: Vec<&[u8]> = folded[..folded.len() - 1].split(|b| *b == b'\n').collect();
    let mut continued = 0;
    for line in &pieces {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        assert!(
            line.len() <= 75,
            "an ICS line of {} octets: {:?}",
            line.len(),
            String::from_utf8_lossy(line)
        );
        assert!(
            std::str::from_utf8(line).is_ok(),
            "a line folded inside a character: {line:?}"
        );
        continued += usize::from(line.first() == Some(&b' '));
    }
    assert!(
        continued >= 2,
        "no long line was folded, so folding went untested:\n{}",
        String::from_utf8_lossy(folded)
    );
    let ics = String::from_utf8(folded.to_vec())
        .unwrap()
        .replace("\r\n", "\n")
        .replace("\n ", "");
    assert!(ics.contains("BEGIN:VEVENT") && ics.contains("METHOD:PUBLISH"));
    assert!(
        ics.contains("DTSTART;TZID=Asia/Tokyo:20261203T100000"),
        "{ics}"
    );
    assert!(ics.contains("DTEND;TZID=Asia/Tokyo:20261203T103000"));
    assert!(ics.contains("TZID:Asia/Tokyo") && ics.contains("TZOFFSETTO:+0900"));
    assert!(ics.contains(&format!("UID:{id}@soudan.46010")));
    // Unfolded, the long lines are whole again.
    assert!(ics.lines().any(|l| l.len() > 75), "{ics}");
}

#[test]
fn a_cancellation_writes_a_notice_that_cancels_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let id = book(d, None, "46010-1", "10:00");
    let o = soudan(
        d,
        None,
        &["cancel", &id, "--reason", "体調不良（本人から電話）"],
    );
    assert!(o.status.success());
    let files = emls(&d.join("outbox"));
    assert_eq!(files.len(), 2);
    let cancel = files
        .iter()
        .find(|p| p.to_str().unwrap().contains("-cancellation-"))
        .unwrap();
    let raw = std::fs::read(cancel).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert!(msg.subject().unwrap().contains("キャンセル"));
    assert!(
        msg.body_text(0)
            .unwrap()
            .contains("体調不良（本人から電話）")
    );
    let ics = String::from_utf8(msg.attachments().next().unwrap().contents().to_vec()).unwrap();
    assert!(ics.contains("METHOD:CANCEL") && ics.contains("STATUS:CANCELLED"));
}

#[test]
fn no_half_written_mail_is_ever_in_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (i, t) in ["09:00", "09:30", "10:00"].iter().enumerate() {
        book(d, None, &format!("46010-{i}"), t);
    }
    let names: Vec<String> = std::fs::read_dir(d.join("outbox"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names
            .iter()
            .all(|n| n.ends_with(".eml") && !n.starts_with('.'))
    );
}

struct Sink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sink() -> Sink {
    let dir = tempfile::tempdir().unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs the SMTP sink");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("the sink printed its port: {line:?}"));
    Sink { child, port, dir }
}

fn config_with_relay(dir: &Path, port: u16) -> PathBuf {
    let path = dir.join("office.toml");
    let text = soudan::config::BUILTIN
        .replace("smtp_host = \"\"", "smtp_host = \"127.0.0.1\"")
        .replace("smtp_port = 25", &format!("smtp_port = {port}"));
    std::fs::write(&path, text).unwrap();
    path
}

fn wait_for_files(dir: &Path, n: usize) -> Vec<PathBuf> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let files = emls(dir);
        if files.len() >= n || Instant::now() > deadline {
            return files;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sent_through_a_real_smtp_relay_and_moved_to_sent() {
    let relay = sink();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The configuration lives outside the data folder, as in an office.
    let conf = tempfile::tempdir().unwrap();
    let cfg = config_with_relay(conf.path(), relay.port);
    let id = book(d, Some(&cfg), "46010-7", "10:00");
    let got = wait_for_files(relay.dir.path(), 1);
    assert_eq!(got.len(), 1, "the relay received the message");
    let raw = std::fs::read(&got[0]).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert!(msg.subject().unwrap().contains(&id));
    let envelope = std::fs::read_to_string(got[0].with_extension("env")).unwrap();
    assert_eq!(
        envelope,
        "online-soudan@hellowork-kagoshima.example.jp\ntaro@example.jp\n"
    );
    assert!(emls(&d.join("outbox")).is_empty(), "nothing left queued");
    assert_eq!(emls(&d.join("outbox/sent")).len(), 1);
}

#[test]
fn a_relay_that_is_down_keeps_the_mail_queued_until_it_is_back() {
    // A port nobody listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The configuration lives outside the data folder, as in an office.
    let conf = tempfile::tempdir().unwrap();
    let cfg = config_with_relay(conf.path(), port);
    let o = soudan(
        d,
        Some(&cfg),
        &[
            "book",
            "--date",
            "2026-12-03",
            "--time",
            "10:00",
            "--seeker",
            "46010-8",
            "--name",
            "山田 太郎",
            "--email",
            "taro@example.jp",
            "--consent",
            "--checklist",
        ],
    );
    assert!(
        o.status.success(),
        "the booking stands: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("送信待ち"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(emls(&d.join("outbox")).len(), 1);
    let o = soudan(d, Some(&cfg), &["outbox"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).lines().count(),
        1,
        "listed as waiting"
    );
    // Sending while the relay is down: not a success (exit 4), the mail
    // still listed, and the words say why and what to do.
    let o = soudan(d, Some(&cfg), &["outbox", "--send"]);
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("中継サーバー") && err.contains("1通"), "{err}");
    assert_eq!(emls(&d.join("outbox")).len(), 1, "nothing lost");

    // The relay is back: the queue goes out.
    let relay = sink();
    // The configuration lives outside the data folder, as in an office.
    let conf = tempfile::tempdir().unwrap();
    let cfg = config_with_relay(conf.path(), relay.port);
    let o = soudan(d, Some(&cfg), &["outbox", "--send"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(wait_for_files(relay.dir.path(), 1).len(), 1);
    assert!(emls(&d.join("outbox")).is_empty());
    let o = soudan(d, None, &["outbox", "--send"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "--send without a relay is bad input"
    );
}

/// The built-in configuration with a revision in force from 2026-12-02.
fn revised_config(dir: &Path) -> PathBuf {
    let path = dir.join("revised.toml");
    let text = soudan::config::BUILTIN.replace(
        "[mail]",
        "[[terms]]\nversion = \"2026-12-02\"\neffective = \"2026-12-02\"\nlabel = \"改訂\"\nchanges = \"第5条(2)の表現を改めました。\"\nurl = \"https://hellowork-kagoshima.example.jp/online/terms-2026-12-02\"\n\n[mail]",
    );
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_terms_revision_flags_bookings_sends_notices_and_takes_renewed_consent() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let conf = tempfile::tempdir().unwrap();
    let cfg = revised_config(conf.path());
    // Booked on 12-01 under 2025-02-07, for Mon 12-07.
    let o = soudan(
        d,
        Some(&cfg),
        &[
            "book",
            "--date",
            "2026-12-07",
            "--time",
            "10:00",
            "--seeker",
            "46010-5",
            "--name",
            "山田 太郎",
            "--email",
            "taro@example.jp",
            "--consent",
            "--checklist",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let b: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let id = b["id"].as_str().unwrap().to_string();
    assert_eq!(b["terms_version"], "2025-02-07");
    assert_eq!(
        b["needs_reconsent"], true,
        "the day falls under the revision"
    );

    let later = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_soudan"))
            .env("SOUDAN_DATA_DIR", d)
            .env("SOUDAN_NOW", "2026-12-03T09:00")
            .env("SOUDAN_CONFIG", &cfg)
            .env_remove("SOUDAN_LANG")
            .args(args)
            .output_limited()
            .unwrap()
    };
    let o = later(&["terms-notice", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["notices"].as_array().unwrap().len(), 1);
    let path = v["notices"][0]["mail"].as_str().unwrap();
    let raw = std::fs::read(path).unwrap();
    let msg = MessageParser::default().parse(&raw).unwrap();
    assert!(
        msg.subject().unwrap().contains("利用規約改訂のお知らせ")
            && msg.subject().unwrap().contains(&id)
    );
    let body = msg.body_text(0).unwrap();
    for want in [
        "2026-12-02 版",
        "令和8年12月2日(水)",
        "第5条(2)の表現を改めました。",
        "https://hellowork-kagoshima.example.jp/online/terms-2026-12-02",
        "099-250-6060",
    ] {
        assert!(body.contains(want), "{want} missing:\n{body}");
    }

    assert_eq!(
        later(&["reconsent", &id]).status.code(),
        Some(3),
        "--consent is needed"
    );
    let o = later(&["reconsent", &id, "--consent", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let b: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(b["terms_version"], "2026-12-02");
    assert_eq!(b["needs_reconsent"], false);
    assert_eq!(b["status"], "booked");
    assert_eq!(b["history"][0]["event"], "reconsent");
    let o = later(&["terms-notice", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["notices"].as_array().unwrap().is_empty(),
        "no notice once renewed"
    );
    assert!(later(&["check"]).status.success());
}

/// The ICS of a received message, unfolded, and one property's value.
fn ics_of(raw: &[u8]) -> Option<String> {
    let msg = MessageParser::default().parse(raw)?;
    let part = msg.attachments().next()?;
    Some(
        String::from_utf8(part.contents().to_vec())
            .ok()?
            .replace("\r\n", "\n")
            .replace("\n ", ""),
    )
}

fn prop<'a>(ics: &'a str, name: &str) -> Option<&'a str> {
    ics.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
}

/// Through a real relay: the invitation, two moves (the same calendar
/// event, SEQUENCE 1 then 2, never a cancellation and a new one), and the
/// reminder of the open day before, once.
#[test]
fn moves_update_the_invitation_and_the_reminder_goes_once_through_a_real_relay() {
    let relay = sink();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let conf = tempfile::tempdir().unwrap();
    let cfg = config_with_relay(conf.path(), relay.port);
    let id = book(d, Some(&cfg), "46010-8", "10:00");
    assert_eq!(wait_for_files(relay.dir.path(), 1).len(), 1);
    for (n, (date, time)) in [("2026-12-04", "11:00"), ("2026-12-07", "13:00")]
        .into_iter()
        .enumerate()
    {
        let o = soudan(
            d,
            Some(&cfg),
            &["move", &id, "--date", date, "--time", time],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(wait_for_files(relay.dir.path(), n + 2).len(), n + 2);
    }
    // The reminder of Monday the 7th falls on Friday the 4th at 10:00.
    let remind = |now: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_soudan"));
        c.env("SOUDAN_DATA_DIR", d)
            .env("SOUDAN_NOW", now)
            .env("SOUDAN_CONFIG", &cfg)
            .env_remove("SOUDAN_LANG")
            .args(["remind"]);
        let o = c.output_limited().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    };
    assert_eq!(remind("2026-12-04T09:59"), "");
    assert_eq!(remind("2026-12-04T10:01"), id);
    assert_eq!(remind("2026-12-04T10:30"), "", "never twice");
    let got = wait_for_files(relay.dir.path(), 4);
    assert_eq!(got.len(), 4, "invitation, two moves, one reminder");
    let raws: Vec<Vec<u8>> = got.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let invites: Vec<String> = raws.iter().filter_map(|r| ics_of(r)).collect();
    assert_eq!(invites.len(), 3, "the reminder carries no calendar event");
    let uid = format!("{id}@soudan.46010");
    let mut seqs: Vec<(String, String)> = invites
        .iter()
        .map(|ics| {
            assert_eq!(prop(ics, "UID"), Some(uid.as_str()), "{ics}");
            assert_eq!(prop(ics, "METHOD"), Some("PUBLISH"), "{ics}");
            assert_eq!(prop(ics, "STATUS"), Some("CONFIRMED"), "{ics}");
            (
                prop(ics, "SEQUENCE").unwrap().to_string(),
                prop(ics, "DTSTART;TZID=Asia/Tokyo").unwrap().to_string(),
            )
        })
        .collect();
    seqs.sort();
    assert_eq!(
        seqs,
        vec![
            ("0".to_string(), "20261203T100000".to_string()),
            ("1".to_string(), "20261204T110000".to_string()),
            ("2".to_string(), "20261207T130000".to_string()),
        ]
    );
    let reminder = raws
        .iter()
        .find(|r| ics_of(r).is_none())
        .expect("the reminder");
    let msg = MessageParser::default().parse(reminder).unwrap();
    assert!(msg.subject().unwrap().contains(&id), "{:?}", msg.subject());
    let body = msg.body_text(0).unwrap();
    for want in [
        "令和8年12月7日(月) 13:00〜13:30",
        "https://meeting.example.jp/hw-kagoshima/booth-",
        "099-250-6060",
        "録画・録音",
        "通訳の同席: English",
    ] {
        assert!(
            body.contains(want),
            "{want} missing from the reminder:\n{body}"
        );
    }
    let to = msg.to().unwrap().first().unwrap();
    assert_eq!(to.address().unwrap(), "taro@example.jp");
}
