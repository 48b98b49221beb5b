//! `soudan stats`: usage statistics as a table, CSV or JSON. Aggregates
//! only (Art. 7(2)); see [`crate::domain::stats`] for what each number is.

use std::fmt::Write as _;

use super::Env;
use crate::domain::Invalid;
use crate::domain::stats::{Row, Stats, compute};
use crate::error::Error;
use crate::i18n::{Lang, fit};
use crate::store::Engine;
use crate::tr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, Invalid> {
        match s.trim() {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            _ => Err(Invalid::new("format", s, "stats_format")),
        }
    }
}

/// The statistics of `from..=to` from the store.
pub fn gather(
    env: &Env,
    store: &dyn Engine,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Stats, Error> {
    let bookings = store.range(from, to)?;
    Ok(compute(&env.loaded.office, &bookings, from, to))
}

pub fn stats(env: &Env, from: &str, to: &str, format: &str) -> Result<(), Error> {
    stats_of(env, from, to, format, &|from, to| {
        let store = env.open_for_reading("soudan stats")?;
        gather(env, &*store, from, to)
    })
}

/// Office codes as typed: comma-separated, each 1 to 16 letters or digits,
/// at most 100.
pub fn office_list(s: &str) -> Result<Vec<String>, Invalid> {
    crate::domain::bounded("offices", s, 2000, 2000)?;
    let list: Vec<String> = s
        .split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect();
    if list.is_empty()
        || list.len() > 100
        || list
            .iter()
            .any(|x| x.len() > 16 || !x.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return Err(Invalid::new("offices", s, "offices"));
    }
    Ok(list)
}

/// On the embedded database (or its server) there is one office: `--offices`
/// may name only this one.
pub fn only_this_office(env: &Env, offices: Option<&str>) -> Result<(), Error> {
    let own = &env.loaded.config.office.code;
    if let Some(list) = offices
        && office_list(list)?.iter().any(|o| o != own)
    {
        return Err(Invalid::new("offices", list, "offices_pg").into());
    }
    Ok(())
}

/// `soudan stats` on the PostgreSQL store: this office's, or (`--offices`)
/// several offices' together, each one this configuration may read (its
/// own and `[storage] stats_offices`). Aggregates only (Art. 7(2)): the
/// bookings are counted here and never shown.
pub fn stats_pg(
    env: &Env,
    url: &str,
    from: &str,
    to: &str,
    format: &str,
    offices: Option<&str>,
) -> Result<(), Error> {
    let own = env.loaded.config.office.code.clone();
    let list = match offices {
        Some(s) => office_list(s)?,
        None => vec![own.clone()],
    };
    let allowed = &env.loaded.config.storage.stats_offices;
    if let Some(o) = list.iter().find(|o| **o != own && !allowed.contains(o)) {
        return Err(Error::NotAllowed {
            what: tr!(env.lang, "stats.office_not_allowed", office = o),
            role: Some(own),
        });
    }
    stats_of(env, from, to, format, &|from, to| {
        let pg = crate::store::pg::Pg::connect(url, &env.loaded.config.office.code)?;
        let bookings = pg.bookings_of(&list, from, to)?;
        Ok(compute(&env.loaded.office, &bookings, from, to))
    })
}

/// `soudan stats` with the numbers from `get` (the folder itself, or the
/// office's server): everything typed is checked before it is asked.
pub fn stats_of(
    env: &Env,
    from: &str,
    to: &str,
    format: &str,
    get: &dyn Fn(chrono::NaiveDate, chrono::NaiveDate) -> Result<Stats, Error>,
) -> Result<(), Error> {
    let from = super::parse_date("from", from)?;
    let to = super::parse_date("to", to)?;
    crate::desk::ops::check_stats_range(from, to)?;
    let format = Format::parse(format)?;
    let s = get(from, to)?;
    let text = match format {
        Format::Json => {
            serde_json::to_string_pretty(&s).map_err(|e| Error::Internal(e.to_string()))? + "\n"
        }
        Format::Csv => csv(&s),
        Format::Table => table(env.lang, &s),
    };
    print!("{text}");
    Ok(())
}

const COLUMNS: [&str; 11] = [
    "bookings",
    "booked",
    "in_progress",
    "completed",
    "stopped",
    "cancelled",
    "no_show",
    "slots",
    "utilisation",
    "no_show_rate",
    "",
];

fn cells(r: &Row, percent: bool) -> Vec<String> {
    let opt = |x: Option<u64>| x.map(|v| v.to_string()).unwrap_or_default();
    let rate = |x: Option<f64>| {
        x.map(|v| {
            if percent {
                format!("{:.1}%", v * 100.0)
            } else {
                format!("{v:.3}")
            }
        })
        .unwrap_or_default()
    };
    let mut v: Vec<String> = std::iter::once(r.bookings)
        .chain(r.statuses())
        .map(|n| n.to_string())
        .collect();
    v.push(opt(r.slots));
    v.push(rate(r.utilisation));
    v.push(rate(r.no_show_rate));
    v
}

fn groups(s: &Stats) -> [(&'static str, Vec<&Row>); 5] {
    [
        ("total", vec![&s.total]),
        ("day", s.by_day.iter().collect()),
        ("weekday", s.by_weekday.iter().collect()),
        ("time", s.by_time.iter().collect()),
        ("channel", s.by_channel.iter().collect()),
    ]
}

/// One table: `group,key,bookings,...`; rates with three decimals.
pub fn csv(s: &Stats) -> String {
    let mut out = String::from("group,key");
    for c in COLUMNS.iter().filter(|c| !c.is_empty()) {
        out.push(',');
        out.push_str(c);
    }
    out.push('\n');
    for (g, rows) in groups(s) {
        for r in rows {
            let _ = writeln!(out, "{g},{},{}", r.key, cells(r, false).join(","));
        }
    }
    out
}

fn key_label(lang: Lang, group: &str, key: &str) -> String {
    match group {
        "total" => tr!(lang, "stats.total"),
        "weekday" => {
            let i = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .iter()
                .position(|k| *k == key)
                .unwrap_or(0);
            crate::i18n::weekday_names(lang)[i].to_string()
        }
        "channel" => crate::domain::booking::Channel::ALL
            .iter()
            .find(|c| c.id() == key)
            .map(|c| crate::error::channel_word(lang, *c))
            .unwrap_or_else(|| key.to_string()),
        _ => key.to_string(),
    }
}

/// The statistics as aligned tables, one per grouping, in `lang`.
pub fn table(lang: Lang, s: &Stats) -> String {
    use unicode_width::UnicodeWidthStr;
    let heads: Vec<String> = vec![
        tr!(lang, "stats.bookings"),
        crate::error::status_word(lang, crate::domain::booking::Status::Booked),
        crate::error::status_word(lang, crate::domain::booking::Status::InProgress),
        crate::error::status_word(lang, crate::domain::booking::Status::Completed),
        crate::error::status_word(lang, crate::domain::booking::Status::Stopped),
        crate::error::status_word(lang, crate::domain::booking::Status::Cancelled),
        crate::error::status_word(lang, crate::domain::booking::Status::NoShow),
        tr!(lang, "stats.slots"),
        tr!(lang, "stats.utilisation"),
        tr!(lang, "stats.no_show_rate"),
    ];
    let mut out = tr!(lang, "stats.title", from = s.from, to = s.to);
    out.push('\n');
    for (g, rows) in groups(s) {
        out.push('\n');
        let title = match g {
            "total" => tr!(lang, "stats.group_total"),
            "day" => tr!(lang, "stats.group_day"),
            "weekday" => tr!(lang, "stats.group_weekday"),
            "time" => tr!(lang, "stats.group_time"),
            _ => tr!(lang, "stats.group_channel"),
        };
        let _ = writeln!(out, "{title}");
        let key_w = rows
            .iter()
            .map(|r| key_label(lang, g, &r.key).width())
            .max()
            .unwrap_or(0)
            .max(10);
        let widths: Vec<usize> = heads.iter().map(|h| h.width().max(6)).collect();
        let mut line = fit("", key_w);
        for (h, w) in heads.iter().zip(&widths) {
            line.push(' ');
            line.push_str(&" ".repeat(w - h.width()));
            line.push_str(h);
        }
        let _ = writeln!(out, "{}", line.trim_end());
        for r in rows {
            let mut line = fit(&key_label(lang, g, &r.key), key_w);
            for (c, w) in cells(r, true).iter().zip(&widths) {
                let c = if c.is_empty() { "-" } else { c.as_str() };
                line.push(' ');
                line.push_str(&" ".repeat(w.saturating_sub(c.width())));
                line.push_str(c);
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    out
}
