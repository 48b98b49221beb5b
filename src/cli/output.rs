//! What the commands print: the contract's JSON, and text tables for people
//! (aligned by display width, so Japanese names line up).

use chrono::NaiveDate;
use serde_json::{Value, json};
use unicode_width::UnicodeWidthStr;

use crate::config::Loaded;
use crate::domain::booking::{Booking, Refusal, active_refusal, no_show_count};
use crate::domain::seeker::{JobSeekerNumber, Seeker};
use crate::error::{closure_word, status_word};
use crate::i18n::{Lang, fit, safe};
use crate::tr;

pub fn print_json(v: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| "null".into())
    );
}

fn hm(t: chrono::NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// A booking as the contract's JSON object.
pub fn booking_json(b: &Booking, s: &Seeker, no_shows: u32, loaded: &Loaded) -> Value {
    let mut v = booking_json_masked(b, s.name.as_str(), no_shows, loaded);
    v["kana"] = json!(s.kana.as_ref().map(|k| k.as_str()));
    v["email"] = json!(s.email.as_str());
    v["phone"] = json!(s.phone.as_ref().map(|p| p.as_str()));
    v
}

/// A booking as a viewer sees it: the name as given (masked), no contact
/// details (`kana`, `email`, `phone` are null).
pub fn booking_json_masked(b: &Booking, name: &str, no_shows: u32, loaded: &Loaded) -> Value {
    let today = b.created_at.date_naive().max(b.slot.date);
    json!({
        "id": b.id.to_string(),
        "date": b.slot.date.to_string(),
        "start": hm(b.slot.start),
        "end": hm(b.slot.end),
        "booth": b.slot.booth,
        "status": b.status.id(),
        "seeker": b.seeker.to_string(),
        "name": name,
        "kana": Value::Null,
        "email": Value::Null,
        "phone": Value::Null,
        "channel": b.channel.id(),
        "terms_version": b.consent.terms_version,
        "consent_at": b.consent.at.to_rfc3339(),
        "documents": b.consent.documents.iter().map(|d| d.id()).collect::<Vec<_>>(),
        "checklist": b.checklist.iter().map(|a| (a.item.id().to_string(), Value::Bool(a.yes))).collect::<serde_json::Map<_, _>>(),
        "interpreter": b.attendance.interpreter,
        "caregiver": b.attendance.caregiver,
        "meeting_url": b.meeting_url,
        "late_override": b.late_override,
        "needs_reconsent": loaded.office.terms.needs_reconsent(&b.consent.terms_version, today),
        "created_at": b.created_at.to_rfc3339(),
        "no_show_count": no_shows,
        "history": b.changes.iter().map(|c| json!({
            "at": c.at.to_rfc3339(),
            "event": c.event.id(),
            "reason": c.event.reason(),
        })).collect::<Vec<_>>(),
    })
}

fn refusal_json(r: &Refusal) -> Value {
    json!({
        "reason": r.reason,
        "since": r.since.to_rfc3339(),
        "by": r.by,
        "lifted": r.lifted.as_ref().map(|l| json!({"at": l.at.to_rfc3339(), "reason": l.reason, "by": l.by})),
    })
}

pub fn seeker_json(
    number: &JobSeekerNumber,
    s: Option<&Seeker>,
    bookings: &[Booking],
    refusals: &[Refusal],
    loaded: &Loaded,
) -> Value {
    let no_shows = no_show_count(bookings);
    json!({
        "seeker": number.to_string(),
        "known": s.is_some(),
        "name": s.map(|s| s.name.as_str()),
        "kana": s.and_then(|s| s.kana.as_ref().map(|k| k.as_str())),
        "email": s.map(|s| s.email.as_str()),
        "phone": s.and_then(|s| s.phone.as_ref().map(|p| p.as_str())),
        "registered_on": s.and_then(|s| s.registered_on.map(|d| d.to_string())),
        "no_show_count": no_shows,
        "flagged": no_shows >= loaded.office.rules.no_show_flag,
        "refused": active_refusal(refusals).is_some(),
        "refusal": active_refusal(refusals).map(refusal_json),
        "refusals": refusals.iter().map(refusal_json).collect::<Vec<_>>(),
        "bookings": s.map(|s| bookings.iter().map(|b| booking_json(b, s, no_shows, loaded)).collect::<Vec<_>>()).unwrap_or_default(),
    })
}

/// A date for people: `2026-12-03(木)` or `Thu 2026-12-03`.
pub fn date_label(lang: Lang, d: NaiveDate) -> String {
    crate::i18n::iso_date(lang, d)
}

pub fn booked_line(lang: Lang, b: &Booking) -> String {
    tr!(
        lang,
        "book.done",
        id = b.id,
        date = date_label(lang, b.slot.date),
        start = hm(b.slot.start),
        end = hm(b.slot.end),
        booth = b.slot.booth,
        url = b.meeting_url
    )
}

pub fn print_day(
    lang: Lang,
    loaded: &Loaded,
    date: NaiveDate,
    rows: &[(&Booking, Option<Seeker>, u32)],
    masked: &[Option<String>],
) {
    let office = &loaded.office;
    let mut head = format!(
        "{}  {}",
        date_label(lang, date),
        match lang {
            Lang::Ja => loaded.config.office.name.as_str(),
            Lang::En => loaded.config.office.name_en.as_str(),
        }
    );
    if let Some(c) = office.calendar.closure(date) {
        head.push_str(&format!(
            "  [{}: {}]",
            tr!(lang, "day.closed"),
            closure_word(lang, &c)
        ));
    } else if let Some(deadline) = office.deadline(date) {
        head.push_str(&format!(
            "  ({})",
            tr!(lang, "day.deadline", deadline = deadline)
        ));
    }
    println!("{head}");
    if rows.is_empty() {
        println!("{}", tr!(lang, "day.empty"));
        return;
    }
    let cols = [
        (tr!(lang, "day.col.time"), 11),
        (tr!(lang, "day.col.booth"), 6),
        (tr!(lang, "day.col.status"), 14),
        (tr!(lang, "day.col.id"), 8),
        (tr!(lang, "day.col.seeker"), 16),
        (tr!(lang, "day.col.name"), 0),
    ];
    let header: String = cols
        .iter()
        .map(|(t, w)| {
            if *w == 0 {
                t.clone()
            } else {
                fit(t, (*w).max(t.width())) + " "
            }
        })
        .collect();
    println!("{}", header.trim_end());
    for (i, (b, s, no_shows)) in rows.iter().enumerate() {
        let mut name = s
            .as_ref()
            .map(|s| safe(s.name.as_str()))
            .or_else(|| masked.get(i).and_then(|m| m.as_deref()).map(safe))
            .unwrap_or_default();
        if *no_shows >= office.rules.no_show_flag {
            name.push_str(&format!(
                "  {}",
                tr!(lang, "day.no_shows", count = no_shows)
            ));
        }
        if let Some(lang_name) = &b.attendance.interpreter {
            name.push_str(&format!(
                "  {}",
                tr!(lang, "day.interpreter", language = safe(lang_name))
            ));
        }
        if b.attendance.caregiver {
            name.push_str(&format!("  {}", tr!(lang, "day.caregiver")));
        }
        let cells = [
            format!("{}-{}", hm(b.slot.start), hm(b.slot.end)),
            b.slot.booth.to_string(),
            status_word(lang, b.status),
            b.id.to_string(),
            b.seeker.to_string(),
        ];
        let mut line = String::new();
        for (cell, (title, w)) in cells.iter().zip(cols.iter()) {
            line.push_str(&fit(cell, (*w).max(title.width())));
            line.push(' ');
        }
        line.push_str(&name);
        println!("{}", line.trim_end());
    }
}

pub fn print_seeker(
    lang: Lang,
    loaded: &Loaded,
    number: &JobSeekerNumber,
    s: Option<&Seeker>,
    bookings: &[Booking],
    refusals: &[Refusal],
) {
    println!("{}: {number}", tr!(lang, "seeker.number"));
    if let Some(s) = s {
        println!("{}: {}", tr!(lang, "seeker.name"), safe(s.name.as_str()));
        if let Some(k) = &s.kana {
            println!("{}: {}", tr!(lang, "seeker.kana"), k.as_str());
        }
        println!("{}: {}", tr!(lang, "seeker.email"), s.email);
        if let Some(p) = &s.phone {
            println!("{}: {}", tr!(lang, "seeker.phone"), p.as_str());
        }
        if let Some(r) = s.registered_on {
            println!(
                "{}: {r} ({})",
                tr!(lang, "seeker.registered"),
                tr!(
                    lang,
                    "seeker.valid_until",
                    date = crate::domain::seeker::registration_valid_until(r)
                )
            );
        }
    }
    let no_shows = no_show_count(bookings);
    let flag = if no_shows >= loaded.office.rules.no_show_flag {
        " !"
    } else {
        ""
    };
    println!("{}: {no_shows}{flag}", tr!(lang, "seeker.no_shows"));
    match active_refusal(refusals) {
        Some(r) => println!(
            "{}: {} ({})",
            tr!(lang, "seeker.refused"),
            r.since.format("%Y-%m-%d"),
            safe(&r.reason)
        ),
        None => println!(
            "{}: {}",
            tr!(lang, "seeker.refused"),
            tr!(lang, "seeker.not_refused")
        ),
    }
    if bookings.is_empty() {
        println!("{}", tr!(lang, "seeker.no_bookings"));
    }
    for b in bookings {
        println!(
            "  {} {} {}-{} {} {} {}",
            b.id,
            date_label(lang, b.slot.date),
            hm(b.slot.start),
            hm(b.slot.end),
            tr!(lang, "day.booth_n", booth = b.slot.booth),
            status_word(lang, b.status),
            b.last_reason().map(safe).unwrap_or_default()
        );
    }
}

/// A day's bookings, as `day` prints them: JSON (an array of bookings with
/// their job seekers) or the text table.
pub fn print_day_or_json(
    lang: Lang,
    loaded: &Loaded,
    date: NaiveDate,
    rows: &[(&Booking, Option<Seeker>, u32)],
    json: bool,
) {
    print_day_masked_or_json(lang, loaded, date, rows, &[], json)
}

/// [`print_day_or_json`], with the masked names of rows whose job seeker
/// a viewer is not shown (`masked`, by row; empty when none is).
pub fn print_day_masked_or_json(
    lang: Lang,
    loaded: &Loaded,
    date: NaiveDate,
    rows: &[(&Booking, Option<Seeker>, u32)],
    masked: &[Option<String>],
    json: bool,
) {
    let masked_of = |i: usize| masked.get(i).and_then(|m| m.as_deref());
    if json {
        let list: Vec<_> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, (b, s, n))| match (s, masked_of(i)) {
                (Some(s), _) => Some(booking_json(b, s, *n, loaded)),
                (None, Some(m)) => Some(booking_json_masked(b, m, *n, loaded)),
                (None, None) => None,
            })
            .collect();
        print_json(&Value::Array(list));
    } else {
        print_day(lang, loaded, date, rows, masked);
    }
}
