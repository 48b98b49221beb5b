//! Message catalogues: `assets/i18n/ja.toml` and `assets/i18n/en.toml`.
//!
//! Every user-facing sentence comes from here, by key (`section.name`), with
//! `{placeholders}` filled by [`tr!`](crate::tr). A test checks that both
//! catalogues have the same keys and placeholders and that every key the code
//! uses exists.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::Datelike;

/// The language of screens and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ja" | "jp" | "japanese" | "日本語" => Some(Lang::Ja),
            "en" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }
}

pub const JA: &str = include_str!("../assets/i18n/ja.toml");
pub const EN: &str = include_str!("../assets/i18n/en.toml");

type Catalogue = HashMap<String, String>;

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalogue) {
    for (k, v) in table {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(t) => flatten(&key, t, out),
            toml::Value::String(s) => {
                out.insert(key, s.clone());
            }
            other => {
                out.insert(key, other.to_string());
            }
        }
    }
}

/// Parses a catalogue's text into flat keys.
pub fn parse_catalogue(text: &str) -> Result<Catalogue, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut out = Catalogue::new();
    flatten("", &table, &mut out);
    Ok(out)
}

fn catalogue(lang: Lang) -> &'static Catalogue {
    static JA_CAT: OnceLock<Catalogue> = OnceLock::new();
    static EN_CAT: OnceLock<Catalogue> = OnceLock::new();
    let (cell, text) = match lang {
        Lang::Ja => (&JA_CAT, JA),
        Lang::En => (&EN_CAT, EN),
    };
    // The catalogues are built in and tested; a broken one shows keys instead of text.
    cell.get_or_init(|| parse_catalogue(text).unwrap_or_default())
}

/// The text of `key`, or the key itself when missing (never happens with a
/// tested build: see the catalogue tests).
pub fn text(lang: Lang, key: &str) -> &str {
    catalogue(lang).get(key).map(String::as_str).unwrap_or(key)
}

/// The text of `key` with `{name}` placeholders filled.
pub fn format(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let template = text(lang, key);
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// `tr!(lang, "key", name = value, ...)`: a message from the catalogue.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $key:literal $(, $name:ident = $val:expr)* $(,)?) => {
        $crate::i18n::format($lang, $key, &[$((stringify!($name), ($val).to_string())),*])
    };
}

/// Makes text safe to print on a terminal: control and format characters
/// (escape sequences, bidi overrides, zero-width characters) are shown as
/// `\u{..}` instead of being sent.
pub fn safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if crate::domain::seeker::is_forbidden_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Pads (or cuts, on a character boundary) to `width` display columns.
pub fn fit(s: &str, width: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push_str(&" ".repeat(width - used));
    out
}

const WEEKDAYS_JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];
const WEEKDAYS_EN: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The weekday's short name: 金 or Fri.
pub fn weekday_name(lang: Lang, d: chrono::NaiveDate) -> &'static str {
    let i = d.weekday().num_days_from_monday() as usize;
    match lang {
        Lang::Ja => WEEKDAYS_JA[i],
        Lang::En => WEEKDAYS_EN[i],
    }
}

/// Weekday names from Monday, for calendar headers.
pub fn weekday_names(lang: Lang) -> [&'static str; 7] {
    match lang {
        Lang::Ja => WEEKDAYS_JA,
        Lang::En => WEEKDAYS_EN,
    }
}

/// The month's English name; `short` gives its first three letters.
/// A month as a title: 2026年12月, December 2026.
pub fn month_title(lang: Lang, d: chrono::NaiveDate) -> String {
    match lang {
        Lang::Ja => format!("{}年{}月", d.year(), d.month()),
        Lang::En => format!("{} {}", month_name_en(d, false), d.year()),
    }
}

pub fn month_name_en(d: chrono::NaiveDate, short: bool) -> &'static str {
    let name = MONTHS_EN[d.month0() as usize];
    if short { &name[..3] } else { name }
}

/// A date for people: 令和8年12月4日(金) or Fri 4 Dec 2026.
pub fn long_date(lang: Lang, d: chrono::NaiveDate) -> String {
    let wd = weekday_name(lang, d);
    match lang {
        Lang::Ja => {
            let reiwa_start = chrono::NaiveDate::from_ymd_opt(2019, 5, 1).unwrap_or(d);
            let year = if d >= reiwa_start {
                let n = d.year() - 2018;
                if n == 1 {
                    "令和元年".to_string()
                } else {
                    format!("令和{n}年")
                }
            } else {
                format!("{}年", d.year())
            };
            format!("{year}{}月{}日({wd})", d.month(), d.day())
        }
        Lang::En => format!("{wd} {} {} {}", d.day(), month_name_en(d, true), d.year()),
    }
}

/// A short date: 12/4(金) or Fri 4 Dec.
pub fn short_date(lang: Lang, d: chrono::NaiveDate) -> String {
    let wd = weekday_name(lang, d);
    match lang {
        Lang::Ja => format!("{}/{}({wd})", d.month(), d.day()),
        Lang::En => format!("{wd} {} {}", d.day(), month_name_en(d, true)),
    }
}

/// A date with its year in digits: 2026-12-03(木) or Thu 2026-12-03.
pub fn iso_date(lang: Lang, d: chrono::NaiveDate) -> String {
    let wd = weekday_name(lang, d);
    match lang {
        Lang::Ja => format!("{d}({wd})"),
        Lang::En => format!("{wd} {d}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_both_languages() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(long_date(Lang::Ja, d), "令和8年12月4日(金)");
        assert_eq!(long_date(Lang::En, d), "Fri 4 Dec 2026");
        assert_eq!(
            long_date(
                Lang::Ja,
                chrono::NaiveDate::from_ymd_opt(2019, 5, 1).unwrap()
            ),
            "令和元年5月1日(水)"
        );
        assert_eq!(short_date(Lang::Ja, d), "12/4(金)");
    }

    use std::collections::BTreeSet;

    fn placeholders(s: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { break };
            out.insert(after[..close].to_string());
            rest = &after[close + 1..];
        }
        out
    }

    #[test]
    fn both_catalogues_have_the_same_keys_and_placeholders() {
        let ja = parse_catalogue(JA).expect("ja.toml parses");
        let en = parse_catalogue(EN).expect("en.toml parses");
        let jk: BTreeSet<_> = ja.keys().collect();
        let ek: BTreeSet<_> = en.keys().collect();
        assert_eq!(
            jk.difference(&ek).collect::<Vec<_>>(),
            Vec::<&&String>::new(),
            "only in ja"
        );
        assert_eq!(
            ek.difference(&jk).collect::<Vec<_>>(),
            Vec::<&&String>::new(),
            "only in en"
        );
        for (k, v) in &ja {
            assert_eq!(placeholders(v), placeholders(&en[k]), "placeholders of {k}");
        }
    }

    /// Every `tr!(lang, "key"` and `i18n::text(lang, "key"` in the sources names a key that exists.
    #[test]
    fn every_key_the_code_uses_exists() {
        let ja = parse_catalogue(JA).unwrap();
        let mut missing = Vec::new();
        let mut used = 0;
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let src = std::fs::read_to_string(&path).unwrap();
                for marker in ["tr!(", "text("] {
                    for (i, _) in src.match_indices(marker) {
                        let tail = &src[i + marker.len()..];
                        // The key is the first string literal after the language argument.
                        let Some(q) = tail.find('"') else { continue };
                        if tail[..q].contains(')') || !tail[..q].contains(',') {
                            continue;
                        }
                        let lit = &tail[q + 1..];
                        let Some(end) = lit.find('"') else { continue };
                        let key = &lit[..end];
                        if key.is_empty()
                            || key.contains(' ')
                            || key.contains('{')
                            || !key.contains('.')
                        {
                            continue;
                        }
                        used += 1;
                        if !ja.contains_key(key) {
                            missing.push(format!("{}: {key}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(used > 20, "the scan finds the keys ({used})");
        assert!(missing.is_empty(), "missing keys:\n{}", missing.join("\n"));
    }

    #[test]
    fn format_fills_placeholders() {
        let s = format(Lang::En, "no.such.key", &[]);
        assert_eq!(s, "no.such.key");
        assert_eq!(safe("a\u{1b}[31mb\u{202e}"), "a\\u{1b}[31mb\\u{202e}");
    }
}
