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
            '\r' => {}
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
    let tz = &office.time_zone;
    let local = |t: chrono::NaiveTime| b.slot.date.and_time(t).format("%Y%m%dT%H%M%S").to_string();
    let offset = now.offset().local_minus_utc();
    let (sign, abs) = if offset < 0 {
        ('-', -offset)
    } else {
        ('+', offset)
    };
    let utc_offset = format!("{sign}{:02}{:02}", abs / 3600, (abs % 3600) / 60);
    let cancelled = kind == Kind::Cancellation;
    let summary = format!("オンライン職業相談（{}）", office.name);
    let description = format!(
        "予約番号 {}\nWEB会議URL {}\nキャンセルは電話 {} へ。連絡なく開始10分を過ぎるとキャンセルとみなします。",
        b.id, b.meeting_url, office.phone
    );
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Hello Work Kagoshima//soudan//JA".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        format!("METHOD:{}", if cancelled { "CANCEL" } else { "PUBLISH" }),
        "BEGIN:VTIMEZONE".to_string(),
        format!("TZID:{tz}"),
        "BEGIN:STANDARD".to_string(),
        "DTSTART:19700101T000000".to_string(),
        format!("TZOFFSETFROM:{utc_offset}"),
        format!("TZOFFSETTO:{utc_offset}"),
        "TZNAME:JST".to_string(),
        "END:STANDARD".to_string(),
        "END:VTIMEZONE".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}@soudan.{}", b.id, office.code),
        format!(
            "DTSTAMP:{}",
            now.with_timezone(&Utc).format("%Y%m%dT%H%M%SZ")
        ),
        format!("DTSTART;TZID={tz}:{}", local(b.slot.start)),
        format!("DTEND;TZID={tz}:{}", local(b.slot.end)),
        format!("SEQUENCE:{}", if cancelled { 1 } else { 0 }),
        format!(
            "STATUS:{}",
            if cancelled { "CANCELLED" } else { "CONFIRMED" }
        ),
        format!("SUMMARY:{}", text(&summary)),
        format!("LOCATION:{}", text(&b.meeting_url)),
        format!("URL:{}", b.meeting_url),
        format!("DESCRIPTION:{}", text(&description)),
        "END:VEVENT".to_string(),
        "END:VCALENDAR".to_string(),
    ];
    lines.iter().map(|l| fold(l)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn text_values_are_escaped() {
        assert_eq!(text("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }
}
