//! Job seeker data — 求職者 — and its validation.
//!
//! Every parser here takes what a person typed (maybe on a Japanese keyboard,
//! maybe pasted) and returns either the normal form or an [`Invalid`] that says
//! what is accepted. Pure: no IO.

use std::fmt;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
use unicode_width::UnicodeWidthStr;

use super::Invalid;

/// Widest name we keep, in terminal columns (a full-width character is two).
pub const NAME_MAX_WIDTH: usize = 40;
/// Widest kana reading, in terminal columns.
pub const KANA_MAX_WIDTH: usize = 60;
/// RFC 5321: a path is at most 256 octets, so an address at most 254.
pub const EMAIL_MAX_LEN: usize = 254;

/// Characters that people type, or paste, for a hyphen in a 求職番号 or phone
/// number and that NFKC does not turn into `-` by itself.
fn is_hyphen_like(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}' // hyphen
            | '\u{2011}' // non-breaking hyphen
            | '\u{2012}' // figure dash
            | '\u{2013}' // en dash
            | '\u{2014}' // em dash
            | '\u{2015}' // horizontal bar
            | '\u{2043}' // hyphen bullet
            | '\u{2212}' // minus sign
            | '\u{30FC}' // katakana prolonged sound mark ー
            | '\u{FF70}' // halfwidth ｰ (NFKC gives ー, covered above too)
            | '\u{FE58}' // small em dash
            | '\u{FE63}' // small hyphen-minus
            | '\u{FF0D}' // fullwidth hyphen-minus
    )
}

/// NFKC, hyphen look-alikes to `-`, surrounding white space dropped.
fn normalise_code(input: &str) -> String {
    input
        .nfkc()
        .map(|c| if is_hyphen_like(c) { '-' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// A 求職番号 (job seeker number): five digits (the office code), a hyphen,
/// one to eight digits. Kept exactly as issued: never zero-padded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JobSeekerNumber(String);

impl JobSeekerNumber {
    pub const ACCEPTED: &'static str =
        "five digits, a hyphen, one to eight digits (e.g. 46010-12345678)";

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let invalid = || Invalid::new("seeker", input, "seeker");
        if input.len() > 128 {
            return Err(invalid());
        }
        let s = normalise_code(input);
        let (office, serial) = s.split_once('-').ok_or_else(invalid)?;
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if office.len() != 5
            || !digits(office)
            || serial.is_empty()
            || serial.len() > 8
            || !digits(serial)
        {
            return Err(invalid());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobSeekerNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for JobSeekerNumber {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<JobSeekerNumber> for String {
    fn from(n: JobSeekerNumber) -> String {
        n.0
    }
}

/// Characters never allowed in a name or kana: controls, format characters
/// (zero-width, bidi overrides and isolates, BOM), line and paragraph
/// separators, private use and unassigned code points, surrogates.
pub fn is_forbidden_char(c: char) -> bool {
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::PrivateUse
            | GeneralCategory::Unassigned
            | GeneralCategory::Surrogate
    )
}

/// The most combining marks one character carries in any script people
/// write (Vietnamese stacks two, some transliterations three or four).
pub const MAX_COMBINING: usize = 4;

/// Whether `s` stacks more than [`MAX_COMBINING`] combining marks on one
/// character (a "Zalgo" flood, which draws over its neighbours' lines).
pub fn combining_flood(s: &str) -> bool {
    let mut run = 0;
    for c in s.chars() {
        if matches!(
            c.general_category(),
            GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark
        ) {
            run += 1;
            if run > MAX_COMBINING {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// NFC, every run of white space (including the full-width space U+3000)
/// folded to one ASCII space, trimmed.
fn fold_spaces(input: &str) -> String {
    let nfc: String = input.nfc().collect();
    nfc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Bytes a text of `max_width` columns may take as typed: four bytes per
/// character, twice over for spaces and combining marks that fold away.
fn max_bytes(max_width: usize) -> usize {
    max_width * 8
}

/// The first bound, on text as typed, before it is folded.
fn raw_bounded(field: &'static str, input: &str, max_width: usize) -> Result<(), Invalid> {
    super::bounded(field, input, max_bytes(max_width), max_bytes(max_width))
}

fn check_text(
    field: &'static str,
    raw: &str,
    folded: &str,
    max_width: usize,
) -> Result<(), Invalid> {
    if raw.chars().any(is_forbidden_char) || combining_flood(raw) {
        return Err(Invalid::new(field, raw, "text_chars"));
    }
    if folded.is_empty() {
        return Err(Invalid::new(field, raw, "text_empty"));
    }
    if folded.width() > max_width {
        return Err(Invalid::new(field, raw, "text_width").with_limit(max_width));
    }
    // Bounded in characters as well as columns: combining marks are zero
    // columns wide, so "a" + 40,000 U+0301 is one column.
    super::bounded(field, folded, max_width, max_bytes(max_width))
}

/// Widest free text (a reason, a language), in terminal columns.
pub const TEXT_MAX_WIDTH: usize = 200;

/// Free text staff type (a reason, an interpreter's language): one line,
/// spaces folded, no control or format characters, at most `max_width` columns.
pub fn free_text(field: &'static str, input: &str, max_width: usize) -> Result<String, Invalid> {
    raw_bounded(field, input, max_width)?;
    let folded = fold_spaces(input);
    check_text(field, input, &folded, max_width)?;
    Ok(folded)
}

/// A person's name as they write it (氏名), e.g. `山田 太郎`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        raw_bounded("name", input, NAME_MAX_WIDTH)?;
        let folded = fold_spaces(input);
        check_text("name", input, &folded, NAME_MAX_WIDTH)?;
        Ok(Self(folded))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as overview screens show it: the family name (first word)
    /// kept, the rest hidden, e.g. `山田 ＊＊`. A one-word name keeps its
    /// first character only.
    pub fn masked(&self) -> String {
        match self.0.split_once(' ') {
            Some((family, _)) => format!("{family} ＊＊"),
            None => {
                let first: String = self.0.chars().take(1).collect();
                format!("{first}＊＊")
            }
        }
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PersonName {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<PersonName> for String {
    fn from(n: PersonName) -> String {
        n.0
    }
}

/// The reading of a name in katakana (フリガナ). Hiragana and half-width
/// katakana are accepted and turned into full-width katakana.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Kana(String);

/// Romaji (Hepburn, as a person without Japanese input types a reading:
/// `yamada taro`, `Shimizu Kyouko`, `nanba`, `kon'no`) as katakana; None
/// when it is not romaji.
fn romaji_to_katakana(input: &str) -> Option<String> {
    const TABLE: &[(&str, &str)] = &[
        ("kya", "キャ"),
        ("kyu", "キュ"),
        ("kyo", "キョ"),
        ("sha", "シャ"),
        ("shu", "シュ"),
        ("sho", "ショ"),
        ("shi", "シ"),
        ("cha", "チャ"),
        ("chu", "チュ"),
        ("cho", "チョ"),
        ("chi", "チ"),
        ("tsu", "ツ"),
        ("nya", "ニャ"),
        ("nyu", "ニュ"),
        ("nyo", "ニョ"),
        ("hya", "ヒャ"),
        ("hyu", "ヒュ"),
        ("hyo", "ヒョ"),
        ("mya", "ミャ"),
        ("myu", "ミュ"),
        ("myo", "ミョ"),
        ("rya", "リャ"),
        ("ryu", "リュ"),
        ("ryo", "リョ"),
        ("gya", "ギャ"),
        ("gyu", "ギュ"),
        ("gyo", "ギョ"),
        ("bya", "ビャ"),
        ("byu", "ビュ"),
        ("byo", "ビョ"),
        ("pya", "ピャ"),
        ("pyu", "ピュ"),
        ("pyo", "ピョ"),
        ("ja", "ジャ"),
        ("ju", "ジュ"),
        ("jo", "ジョ"),
        ("ji", "ジ"),
        ("fu", "フ"),
        ("ka", "カ"),
        ("ki", "キ"),
        ("ku", "ク"),
        ("ke", "ケ"),
        ("ko", "コ"),
        ("sa", "サ"),
        ("su", "ス"),
        ("se", "セ"),
        ("so", "ソ"),
        ("ta", "タ"),
        ("te", "テ"),
        ("to", "ト"),
        ("na", "ナ"),
        ("ni", "ニ"),
        ("nu", "ヌ"),
        ("ne", "ネ"),
        ("no", "ノ"),
        ("ha", "ハ"),
        ("hi", "ヒ"),
        ("he", "ヘ"),
        ("ho", "ホ"),
        ("ma", "マ"),
        ("mi", "ミ"),
        ("mu", "ム"),
        ("me", "メ"),
        ("mo", "モ"),
        ("ya", "ヤ"),
        ("yu", "ユ"),
        ("yo", "ヨ"),
        ("ra", "ラ"),
        ("ri", "リ"),
        ("ru", "ル"),
        ("re", "レ"),
        ("ro", "ロ"),
        ("wa", "ワ"),
        ("wo", "ヲ"),
        ("ga", "ガ"),
        ("gi", "ギ"),
        ("gu", "グ"),
        ("ge", "ゲ"),
        ("go", "ゴ"),
        ("za", "ザ"),
        ("zu", "ズ"),
        ("ze", "ゼ"),
        ("zo", "ゾ"),
        ("da", "ダ"),
        ("de", "デ"),
        ("do", "ド"),
        ("ba", "バ"),
        ("bi", "ビ"),
        ("bu", "ブ"),
        ("be", "ベ"),
        ("bo", "ボ"),
        ("pa", "パ"),
        ("pi", "ピ"),
        ("pu", "プ"),
        ("pe", "ペ"),
        ("po", "ポ"),
        ("a", "ア"),
        ("i", "イ"),
        ("u", "ウ"),
        ("e", "エ"),
        ("o", "オ"),
    ];
    let lower = input.trim().to_ascii_lowercase();
    if lower.is_empty()
        || !lower
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b' ' || b == b'\'' || b == b'-')
    {
        return None;
    }
    let b = lower.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        let rest = &lower[i..];
        let c = b[i];
        if c == b' ' || c == b'-' {
            // A space between names; a hyphen for a long vowel (ー).
            out.push(if c == b' ' { ' ' } else { 'ー' });
            i += 1;
            continue;
        }
        if c == b'\'' {
            i += 1;
            continue;
        }
        // A doubled consonant is a small tsu (kk, ss, tt, pp; tch).
        if i + 1 < b.len() && c == b[i + 1] && !b"aeioun".contains(&c) || rest.starts_with("tch") {
            out.push('ッ');
            i += 1;
            continue;
        }
        // n before a consonant, an apostrophe or the end is ン (nn too).
        if c == b'n' {
            let next = b.get(i + 1).copied();
            if next.is_none_or(|n| !b"aeiouy".contains(&n)) {
                out.push('ン');
                i += if next == Some(b'n') && b.get(i + 2).is_none_or(|n| !b"aeiouy".contains(n)) {
                    2
                } else {
                    1
                };
                continue;
            }
        }
        // m before b, m or p is ン (Hepburn's "Nanba" also written "Namba").
        if c == b'm' && b.get(i + 1).is_some_and(|n| b"bmp".contains(n)) {
            out.push('ン');
            i += 1;
            continue;
        }
        let (len, kana) = TABLE
            .iter()
            .find(|(r, _)| rest.starts_with(r))
            .map(|(r, k)| (r.len(), *k))?;
        out.push_str(kana);
        i += len;
    }
    Some(out)
}

impl Kana {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        raw_bounded("kana", input, KANA_MAX_WIDTH)?;
        // Romaji, for whoever has no Japanese input at hand.
        if let Some(k) = romaji_to_katakana(input) {
            return Kana::parse(&k).map_err(|_| Invalid::new("kana", input, "kana"));
        }
        // NFKC turns half-width katakana into full-width ones.
        let nfkc: String = input.nfkc().collect();
        let folded = nfkc.split_whitespace().collect::<Vec<_>>().join(" ");
        check_text("kana", input, &folded, KANA_MAX_WIDTH)?;
        let mut out = String::with_capacity(folded.len());
        for c in folded.chars() {
            let k = match c {
                // Hiragana ぁ..ゖ and ゝゞ map to katakana by a fixed offset.
                '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' => {
                    char::from_u32(c as u32 + 0x60).unwrap_or(c)
                }
                _ => c,
            };
            let ok = matches!(k, '\u{30A1}'..='\u{30FA}' | 'ー' | '・' | 'ヽ' | 'ヾ' | ' ');
            if !ok {
                return Err(Invalid::new("kana", input, "kana"));
            }
            out.push(k);
        }
        Ok(Self(out))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Kana {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Kana> for String {
    fn from(n: Kana) -> String {
        n.0
    }
}

/// An email address (the one registered with the Online Hello Work System,
/// Art. 6(3)). A pragmatic check of the common form `local@domain.tld`:
/// ASCII only, the domain lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let invalid = || Invalid::new("email", input, "email");
        if input.len() > 4 * EMAIL_MAX_LEN {
            return Err(invalid());
        }
        let s: String = input.nfkc().collect::<String>().trim().to_string();
        if s.len() > EMAIL_MAX_LEN {
            return Err(invalid());
        }
        let (local, domain) = s.rsplit_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
        if !local_ok || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(format!("{local}@{domain}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Email> for String {
    fn from(n: Email) -> String {
        n.0
    }
}

/// A Japanese telephone number, kept with hyphens for reading aloud,
/// e.g. `099-250-6060` or `090-1234-5678`. `+81` is accepted for the leading 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let invalid = || Invalid::new("phone", input, "phone");
        if input.len() > 128 {
            return Err(invalid());
        }
        let s = normalise_code(input);
        let (s, intl) = match s.strip_prefix("+81") {
            Some(rest) => (rest.trim_start_matches(['-', ' ']).to_string(), true),
            None => (s, false),
        };
        if !s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')'))
        {
            return Err(invalid());
        }
        let mut digits: String = s.chars().filter(char::is_ascii_digit).collect();
        if intl {
            if digits.starts_with('0') {
                return Err(invalid());
            }
            digits.insert(0, '0');
        }
        if !digits.starts_with('0') || digits.starts_with("00") {
            return Err(invalid());
        }
        let mobile_like = ["070", "080", "090", "050", "060", "020"]
            .iter()
            .any(|p| digits.starts_with(p));
        let ok_len = if digits.starts_with("0120") {
            digits.len() == 10
        } else if digits.starts_with("0800") || mobile_like {
            digits.len() == 11
        } else {
            digits.len() == 10
        };
        if !ok_len {
            return Err(invalid());
        }
        // Keep the grouping the person typed when it has three groups that
        // add up; else use the usual grouping for the number's kind.
        let typed: Vec<&str> = s
            .split(['-', ' ', '(', ')'])
            .filter(|g| !g.is_empty())
            .collect();
        let grouped = if !intl && typed.len() == 3 && typed.concat() == digits {
            typed.join("-")
        } else {
            let cut: &[usize] = if digits.starts_with("0120") || digits.starts_with("0800") {
                &[4, 7]
            } else if mobile_like {
                &[3, 7]
            } else if digits.starts_with("099") {
                // Kagoshima city: 099-XXX-XXXX.
                &[3, 6]
            } else {
                &[2, 6]
            };
            format!(
                "{}-{}-{}",
                &digits[..cut[0]],
                &digits[cut[0]..cut[1]],
                &digits[cut[1]..]
            )
        };
        Ok(Self(grouped))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(n: Phone) -> String {
        n.0
    }
}

/// What the office keeps of a job seeker: the contact details given at the
/// latest booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seeker {
    pub number: JobSeekerNumber,
    pub name: PersonName,
    pub kana: Option<Kana>,
    pub email: Email,
    pub phone: Option<Phone>,
    /// 求職登録日: a registration stays valid to the end of the month after
    /// next from its month.
    pub registered_on: Option<chrono::NaiveDate>,
}

/// The contact fields of a record, as named on the command line.
pub const CONTACT_FIELDS: [&str; 4] = ["name", "kana", "email", "phone"];

impl Seeker {
    /// The contact fields that `typed` would change in this stored record:
    /// a field left out (no kana, no phone) changes nothing.
    pub fn contact_changes(&self, typed: &Seeker) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.name != typed.name {
            out.push("name");
        }
        if typed.kana.is_some() && self.kana != typed.kana {
            out.push("kana");
        }
        if self.email != typed.email {
            out.push("email");
        }
        if typed.phone.is_some() && self.phone != typed.phone {
            out.push("phone");
        }
        out
    }

    /// This stored record with `typed` applied: its contact details when
    /// `replace` (staff changing them on purpose), the registration date
    /// whenever one is given; a field left out keeps what is stored.
    pub fn merged(&self, typed: &Seeker, replace: bool) -> Seeker {
        let mut out = self.clone();
        if replace {
            out.name = typed.name.clone();
            out.email = typed.email.clone();
            if typed.kana.is_some() {
                out.kana = typed.kana.clone();
            }
            if typed.phone.is_some() {
                out.phone = typed.phone.clone();
            }
        }
        if typed.registered_on.is_some() {
            out.registered_on = typed.registered_on;
        }
        out
    }
}

/// The last day a registration made on `registered_on` is valid: the end of
/// the month after next (e.g. registered 2026-10-15 → valid to 2026-12-31).
pub fn registration_valid_until(registered_on: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::{Datelike, Months, NaiveDate};
    let first = NaiveDate::from_ymd_opt(registered_on.year(), registered_on.month(), 1)
        .unwrap_or(registered_on);
    first
        .checked_add_months(Months::new(3))
        .and_then(|d| d.pred_opt())
        .unwrap_or(registered_on)
}

#[cfg(test)]
mod tests {

    #[test]
    fn romaji_is_a_reading_too() {
        for (typed, want) in [
            ("yamada taro", "ヤマダ タロ"),
            ("Shimizu Kyouko", "シミズ キョウコ"),
            ("nanba", "ナンバ"),
            ("namba", "ナンバ"),
            ("kon'no", "コンノ"),
            ("konno shinnosuke", "コンノ シンノスケ"),
            ("hattori", "ハットリ"),
            ("ito ken'ichi", "イト ケンイチ"),
            ("sato-", "サトー"),
            ("Jun", "ジュン"),
        ] {
            assert_eq!(
                Kana::parse(typed).map(|k| k.0),
                Ok(want.to_string()),
                "{typed}"
            );
        }
        // Not romaji, and not kana either: refused as before.
        for bad in ["xyz", "q", "yamada1", "smith@x"] {
            assert!(Kana::parse(bad).is_err(), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn seeker_number_forms() {
        let ok = |s: &str| JobSeekerNumber::parse(s).map(|n| n.0);
        assert_eq!(ok("46010-12345678").unwrap(), "46010-12345678");
        assert_eq!(
            ok("４６０１０－１２３４５６７８").unwrap(),
            "46010-12345678"
        );
        assert_eq!(ok("46010ー123").unwrap(), "46010-123");
        assert_eq!(ok("46010−123").unwrap(), "46010-123");
        assert_eq!(ok("46010‐9").unwrap(), "46010-9");
        assert_eq!(
            ok(" 46010-0012 ").unwrap(),
            "46010-0012",
            "never padded, never stripped"
        );
        for bad in [
            "",
            "46010",
            "4601-123",
            "460100-1",
            "46010-",
            "46010-123456789",
            "46010-12a",
            "46010--1",
            "a6010-1",
            "46010 123",
        ] {
            assert!(
                JobSeekerNumber::parse(bad).is_err(),
                "{bad:?} must be refused"
            );
        }
    }

    #[test]
    fn names_reject_controls_and_bidi() {
        assert_eq!(
            PersonName::parse("山田　太郎").unwrap().as_str(),
            "山田 太郎"
        );
        assert_eq!(
            PersonName::parse("  Maria  Santos ").unwrap().as_str(),
            "Maria Santos"
        );
        for bad in [
            "山田\u{202E}太郎",
            "山田\u{200B}太郎",
            "a\u{7}b",
            "x\u{1b}[31m",
            "山田\u{2066}",
            "\u{FEFF}abc",
            "",
            "   ",
            "a\nb",
        ] {
            let err = PersonName::parse(bad).unwrap_err();
            assert_eq!(err.field, "name", "{bad:?}");
        }
        // Limits by display width: 20 kanji are 40 columns, 21 are too many.
        assert!(PersonName::parse(&"山".repeat(20)).is_ok());
        assert!(PersonName::parse(&"山".repeat(21)).is_err());
        assert!(PersonName::parse(&"a".repeat(40)).is_ok());
        assert!(PersonName::parse(&"a".repeat(41)).is_err());
    }

    #[test]
    fn free_text_is_one_clean_line() {
        assert_eq!(
            free_text("reason", " 体調　 不良 ", 200).unwrap(),
            "体調 不良"
        );
        assert_eq!(
            free_text("reason", "  ", 200).unwrap_err().kind,
            "text_empty"
        );
        assert_eq!(
            free_text("reason", "a\u{1b}[2J", 200).unwrap_err().kind,
            "text_chars"
        );
        assert_eq!(
            free_text("reason", &"x".repeat(201), 200).unwrap_err().kind,
            "text_width"
        );
    }

    #[test]
    fn masked_names() {
        assert_eq!(
            PersonName::parse("山田 太郎").unwrap().masked(),
            "山田 ＊＊"
        );
        assert_eq!(PersonName::parse("マリア").unwrap().masked(), "マ＊＊");
    }

    #[test]
    fn kana_to_katakana() {
        assert_eq!(
            Kana::parse("やまだ　たろう").unwrap().as_str(),
            "ヤマダ タロウ"
        );
        assert_eq!(Kana::parse("ﾔﾏﾀﾞ ﾀﾛｳ").unwrap().as_str(), "ヤマダ タロウ");
        assert!(Kana::parse("山田").is_err());
        // Romaji is taken as a reading (romaji_is_a_reading_too), other
        // Latin text is not.
        assert_eq!(Kana::parse("yamada").unwrap().as_str(), "ヤマダ");
        assert!(Kana::parse("yamada-1").is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("Taro.Yamada@Example.JP").unwrap().as_str(),
            "Taro.Yamada@example.jp"
        );
        assert_eq!(
            Email::parse("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ")
                .unwrap()
                .as_str(),
            "taro@example.jp"
        );
        for bad in [
            "",
            "taro",
            "taro@",
            "@example.jp",
            "taro@example",
            "taro@@example.jp",
            "ta ro@example.jp",
            ".taro@example.jp",
            "taro..y@example.jp",
            "taro@-x.jp",
            "太郎@example.jp",
            "taro@example.j",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn phones() {
        let p = |s: &str| Phone::parse(s).map(|p| p.0);
        assert_eq!(p("099-250-6060").unwrap(), "099-250-6060");
        assert_eq!(p("0992506060").unwrap(), "099-250-6060");
        assert_eq!(p("０９０－１２３４－５６７８").unwrap(), "090-1234-5678");
        assert_eq!(p("09012345678").unwrap(), "090-1234-5678");
        assert_eq!(p("+81 90 1234 5678").unwrap(), "090-1234-5678");
        assert_eq!(p("0120-123-456").unwrap(), "0120-123-456");
        assert_eq!(p("03-1234-5678").unwrap(), "03-1234-5678");
        assert_eq!(p("0995(12)3456").unwrap(), "0995-12-3456");
        for bad in [
            "",
            "12345",
            "090-1234-567",
            "0901234567890",
            "abc",
            "+81 090 1234 5678",
            "00-1234-5678",
            "090.1234.5678",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn registration_validity() {
        let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(registration_valid_until(d("2026-10-15")), d("2026-12-31"));
        assert_eq!(registration_valid_until(d("2026-11-30")), d("2027-01-31"));
        assert_eq!(registration_valid_until(d("2026-12-01")), d("2027-02-28"));
    }
}
