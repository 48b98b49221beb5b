//! The calendar event attached to a message (RFC 5545): the consultation in
//! office time (`TZID=Asia/Tokyo`, with its VTIMEZONE), the meeting URL as
//! location, lines folded at 75 octets on character boundaries.

use chrono::{DateTime, FixedOffset, Utc};

use super::Kind;
use crate::config::Loaded;
use crate::domain::booking::Booking;

/// Escapes TEXT values: backslash, semicolon, comma and newlines.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets without splitting a character.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

pub fn event(kind: Kind, b: &Booking, loaded: &Loaded, now: DateTime<FixedOffset>) -> String {
    let office = &loaded.config.office;
    let cancelled = kind == Kind::Cancellation;
    let mut lines = head(
        loaded,
        b.slot.date.and_time(b.slot.start),
        now,
        if cancelled { "CANCEL" } else { "PUBLISH" },
    );
    let summary = format!("オンライン職業相談（{}）", office.name);
    let description = format!(
        "予約番号 {}\nWEB会議URL {}\nキャンセルは電話 {} へ。連絡なく開始10分を過ぎるとキャンセルとみなします。",
        b.id, b.meeting_url, office.phone
    );
    lines.extend(vevent(b, loaded, now, cancelled, &summary, &description));
    lines.push("END:VCALENDAR".to_string());
    finish(&lines)
}

/// A booth's consultations as one calendar for the counsellor's own
/// calendar program (`soudan ics`): each booking is its event, under the
/// same UID and SEQUENCE as the job seeker's invitation; `names` gives
/// what the event is called (a masked name unless asked in full).
pub fn booth_calendar(
    booth: u8,
    bookings: &[(Booking, String)],
    loaded: &Loaded,
    now: DateTime<FixedOffset>,
) -> String {
    let office = &loaded.config.office;
    let at = bookings
        .first()
        .map(|(b, _)| b.slot.date.and_time(b.slot.start))
        .unwrap_or_else(|| now.naive_local());
    let mut lines = head(loaded, at, now, "PUBLISH");
    lines.insert(
        4,
        format!(
            "X-WR-CALNAME:{}",
            text(&format!("{} ブース{booth} オンライン職業相談", office.name))
        ),
    );
    for (b, name) in bookings {
        let summary = format!("相談 {name}");
        let description = format!("予約番号 {}\nWEB会議URL {}", b.id, b.meeting_url);
        lines.extend(vevent(b, loaded, now, false, &summary, &description));
    }
    lines.push("END:VCALENDAR".to_string());
    finish(&lines)
}

fn finish(lines: &[String]) -> String {
    lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| fold(l))
        .collect()
}

/// The calendar's first lines and its VTIMEZONE, by the zone's own rules at
/// `at` (a zone with daylight saving has another offset in June than in
/// December).
fn head(
    loaded: &Loaded,
    at: chrono::NaiveDateTime,
    now: DateTime<FixedOffset>,
    method: &str,
) -> Vec<String> {
    let tz = &loaded.config.office.time_zone;
    let (offset, zone_name, daylight) = {
        use chrono::{Offset, TimeZone};
        use chrono_tz::{OffsetComponents, OffsetName};
        match loaded.tz.offset_from_local_datetime(&at).earliest() {
            Some(o) => (
                o.fix().local_minus_utc(),
                o.abbreviation()
                    .filter(|n| n.chars().all(|c| c.is_ascii_alphabetic()))
                    .map(str::to_string),
                o.dst_offset().num_seconds() != 0,
            ),
            None => (now.offset().local_minus_utc(), None, false),
        }
    };
    let observance = if daylight { "DAYLIGHT" } else { "STANDARD" };
    let (sign, abs) = if offset < 0 {
        ('-', -offset)
    } else {
        ('+', offset)
    };
    let utc_offset = format!("{sign}{:02}{:02}", abs / 3600, (abs % 3600) / 60);
    vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Hello Work Kagoshima//soudan//JA".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        format!("METHOD:{method}"),
        "BEGIN:VTIMEZONE".to_string(),
        format!("TZID:{tz}"),
        format!("BEGIN:{observance}"),
        "DTSTART:19700101T000000".to_string(),
        format!("TZOFFSETFROM:{utc_offset}"),
        format!("TZOFFSETTO:{utc_offset}"),
        zone_name.map(|n| format!("TZNAME:{n}")).unwrap_or_default(),
        format!("END:{observance}"),
        "END:VTIMEZONE".to_string(),
    ]
}

/// One booking's VEVENT. Each move and the cancellation update the one
/// event (RFC 5545 3.8.7.4): its SEQUENCE counts them.
fn vevent(
    b: &Booking,
    loaded: &Loaded,
    now: DateTime<FixedOffset>,
    cancelled: bool,
    summary: &str,
    description: &str,
) -> Vec<String> {
    let office = &loaded.config.office;
    let tz = &office.time_zone;
    let local = |t: chrono::NaiveTime| b.slot.date.and_time(t).format("%Y%m%dT%H%M%S").to_string();
    let moves = b
        .changes
        .iter()
        .filter(|c| matches!(c.event, crate::domain::booking::Event::Move { .. }))
        .count();
    let sequence = moves + usize::from(cancelled);
    vec![
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}@soudan.{}", b.id, office.code),
        format!(
            "DTSTAMP:{}",
            now.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ")
        ),
        format!("DTSTART;TZID={tz}:{}", local(b.slot.start)),
        format!("DTEND;TZID={tz}:{}", local(b.slot.end)),
        format!("SEQUENCE:{sequence}"),
        format!(
            "STATUS:{}",
            if cancelled { "CANCELLED" } else { "CONFIRMED" }
        ),
        format!("SUMMARY:{}", text(summary)),
        format!("LOCATION:{}", text(&b.meeting_url)),
        format!("URL:{}", uri(&b.meeting_url)),
        format!("DESCRIPTION:{}", text(description)),
        "END:VEVENT".to_string(),
    ]
}

/// A URI value: no control characters, so that no value can end its line
/// (the configuration refuses them too).
fn uri(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booking(date: &str, time: &str) -> Booking {
        use crate::domain::booking::*;
        let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let start = chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap();
        Booking {
            id: BookingId::parse("K7M2Q9").unwrap(),
            slot: Slot {
                date,
                start,
                end: start + chrono::Duration::minutes(30),
                booth: 1,
            },
            seeker: crate::domain::seeker::JobSeekerNumber::parse("46010-1").unwrap(),
            status: Status::Booked,
            channel: Channel::Counter,
            consent: crate::domain::terms::Consent {
                terms_version: "2025-02-07".into(),
                at,
                documents: crate::domain::terms::Document::ALL.to_vec(),
            },
            checklist: crate::domain::terms::checklist_all_yes(),
            attendance: Attendance::default(),
            meeting_url: "https://meeting.example.jp/b1".into(),
            late_override: None,
            created_at: at,
            changes: Vec::new(),
        }
    }

    #[test]
    fn folding_keeps_characters_whole_and_lines_short() {
        let long = format!("DESCRIPTION:{}", "相談".repeat(60));
        let folded = fold(&long);
        for line in folded.split("\r\n") {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), long);
    }

    #[test]
    fn a_zone_with_daylight_saving_is_declared_by_its_own_rules() {
        let mut loaded = crate::config::Config::builtin();
        loaded.tz = chrono_tz::America::New_York;
        loaded.config.office.time_zone = "America/New_York".into();
        let b = booking("2027-06-15", "10:00");
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00-05:00").unwrap();
        let ics = event(Kind::Confirmation, &b, &loaded, now);
        assert!(ics.contains("BEGIN:DAYLIGHT"), "{ics}");
        assert!(ics.contains("TZOFFSETTO:-0400"), "{ics}");
        assert!(ics.contains("TZNAME:EDT"), "{ics}");
        assert!(!ics.contains("JST"), "{ics}");
        let tokyo = crate::config::Config::builtin();
        let ics = event(Kind::Confirmation, &b, &tokyo, now);
        assert!(
            ics.contains("TZOFFSETTO:+0900") && ics.contains("TZNAME:JST"),
            "{ics}"
        );
    }

    #[test]
    fn no_value_can_end_its_line() {
        let loaded = crate::config::Config::builtin();
        let mut b = booking("2027-06-15", "10:00");
        b.meeting_url = "https://x.example/a\r\nEND:VEVENT\r\nBEGIN:VEVENT".into();
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap();
        let ics = event(Kind::Confirmation, &b, &loaded, now);
        let unfolded = ics.replace("\r\n ", "");
        let begins = unfolded
            .split("\r\n")
            .filter(|l| *l == "BEGIN:VEVENT")
            .count();
        assert_eq!(begins, 1, "{ics}");
        for line in ics.split("\r\n") {
            assert!(!line.contains('\r') && !line.contains('\n'));
        }
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(text("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }
}
