//! The day sheet the counsellors print (`soudan sheet`, the dashboard's
//! `p`): one HTML file with A4 print CSS, the day's consultations in full
//! (names, 求職番号, times, booth, interpreter or caregiver, notes, meeting
//! URL), every value escaped. Staff only: it is built from the full day.

use chrono::{DateTime, FixedOffset};

use crate::config::Loaded;
use crate::domain::booking::Status;
use crate::i18n::Lang;
use crate::tr;

use super::views::DayData;

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A meeting URL as a link target: only http(s), else no link.
fn href(url: &str) -> Option<String> {
    (url.starts_with("https://") || url.starts_with("http://")).then(|| esc(url))
}

const STYLE: &str = "\
@page { size: A4; margin: 12mm; }
body { font-family: 'Noto Sans CJK JP', 'Noto Sans JP', sans-serif; font-size: 10pt; color: #000; }
h1 { font-size: 14pt; margin: 0 0 2mm; }
p.meta { margin: 0 0 4mm; color: #333; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.3mm solid #555; padding: 1.2mm 1.6mm; vertical-align: top; text-align: left; }
th { background: #eee; }
tr { page-break-inside: avoid; }
td.url { word-break: break-all; font-size: 8.5pt; }
td.time, td.number { white-space: nowrap; }
section.blocks { margin-top: 4mm; }
@media screen { body { max-width: 190mm; margin: 8mm auto; } }
";

/// The sheet of `day` (one booth, or all), in `lang`.
pub fn html(
    loaded: &Loaded,
    lang: Lang,
    day: &DayData,
    booth: Option<u8>,
    now: DateTime<FixedOffset>,
) -> String {
    let date = day.date.unwrap_or_else(|| now.date_naive());
    let office = &loaded.config.office;
    let title = match booth {
        Some(n) => tr!(
            lang,
            "sheet.title_booth",
            date = crate::i18n::long_date(lang, date),
            booth = n
        ),
        None => tr!(
            lang,
            "sheet.title",
            date = crate::i18n::long_date(lang, date)
        ),
    };
    let mut rows: Vec<&super::views::Row> = day
        .rows
        .iter()
        .filter(|r| r.booking.status != Status::Cancelled)
        .filter(|r| booth.is_none_or(|n| r.booking.slot.booth == n))
        .collect();
    rows.sort_by_key(|r| (r.booking.slot.start, r.booking.slot.booth));
    let mut out = String::with_capacity(4096 + rows.len() * 600);
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    out.push_str(if lang == Lang::Ja { "ja" } else { "en" });
    out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    out.push_str(&esc(&title));
    out.push_str("</title>\n<style>\n");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n<h1>");
    out.push_str(&esc(&title));
    out.push_str("</h1>\n<p class=\"meta\">");
    out.push_str(&esc(&tr!(
        lang,
        "sheet.meta",
        office = office.name,
        count = rows.len(),
        printed = now.format("%Y-%m-%d %H:%M")
    )));
    out.push_str("</p>\n");
    if rows.is_empty() {
        out.push_str("<p class=\"empty\">");
        out.push_str(&esc(&tr!(lang, "sheet.empty")));
        out.push_str("</p>\n");
    } else {
        out.push_str("<table>\n<thead><tr>");
        for key in [
            tr!(lang, "sheet.time"),
            tr!(lang, "sheet.booth"),
            tr!(lang, "sheet.name"),
            tr!(lang, "sheet.number"),
            tr!(lang, "sheet.status"),
            tr!(lang, "sheet.attendance"),
            tr!(lang, "sheet.notes"),
            tr!(lang, "sheet.url"),
        ] {
            out.push_str("<th>");
            out.push_str(&esc(&key));
            out.push_str("</th>");
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for r in rows {
            let b = &r.booking;
            let (name, kana) = match &r.seeker {
                Some(s) => (
                    s.name.as_str().to_string(),
                    s.kana.as_ref().map(|k| k.as_str().to_string()),
                ),
                None => (r.masked().unwrap_or_default(), None),
            };
            let mut attendance = Vec::new();
            if let Some(l) = &b.attendance.interpreter {
                attendance.push(tr!(lang, "sheet.interpreter", language = l));
            }
            if b.attendance.caregiver {
                attendance.push(tr!(lang, "sheet.caregiver"));
            }
            let notes: Vec<String> = [&r.note, &r.seeker_note]
                .into_iter()
                .flatten()
                .map(|n| n.text.clone())
                .collect();
            out.push_str("<tr data-id=\"");
            out.push_str(&esc(b.id.as_str()));
            out.push_str("\"><td class=\"time\">");
            out.push_str(&format!(
                "{}–{}",
                b.slot.start.format("%H:%M"),
                b.slot.end.format("%H:%M")
            ));
            out.push_str("</td><td class=\"booth\">");
            out.push_str(&b.slot.booth.to_string());
            out.push_str("</td><td class=\"name\">");
            out.push_str(&esc(&name));
            if let Some(k) = kana {
                out.push_str("<br><small>");
                out.push_str(&esc(&k));
                out.push_str("</small>");
            }
            out.push_str("</td><td class=\"number\">");
            out.push_str(&esc(b.seeker.as_str()));
            out.push_str("<br><small>");
            out.push_str(&esc(b.id.as_str()));
            out.push_str("</small></td><td class=\"status\">");
            out.push_str(&esc(&crate::error::status_word(lang, b.status)));
            out.push_str("</td><td class=\"attendance\">");
            out.push_str(&esc(&attendance.join(" / ")));
            out.push_str("</td><td class=\"notes\">");
            for (i, n) in notes.iter().enumerate() {
                if i > 0 {
                    out.push_str("<br>");
                }
                out.push_str(&esc(n));
            }
            out.push_str("</td><td class=\"url\">");
            match href(&b.meeting_url) {
                Some(h) => {
                    out.push_str("<a href=\"");
                    out.push_str(&h);
                    out.push_str("\">");
                    out.push_str(&esc(&b.meeting_url));
                    out.push_str("</a>");
                }
                None => out.push_str(&esc(&b.meeting_url)),
            }
            out.push_str("</td></tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    let blocks: Vec<_> = day
        .blocks
        .iter()
        .filter(|bl| booth.is_none_or(|n| bl.booth.is_none_or(|x| x == n)))
        .collect();
    if !blocks.is_empty() {
        out.push_str("<section class=\"blocks\">\n<h2>");
        out.push_str(&esc(&tr!(lang, "sheet.blocks")));
        out.push_str("</h2>\n<ul>\n");
        for bl in blocks {
            out.push_str("<li>");
            out.push_str(&esc(&super::staff::block_words(lang, bl)));
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n</section>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// Where a day sheet goes by default: `<data-dir>/sheets/sheet-DATE[-bN].html`.
pub fn default_path(
    data_dir: &std::path::Path,
    date: chrono::NaiveDate,
    booth: Option<u8>,
) -> std::path::PathBuf {
    let name = match booth {
        Some(n) => format!("sheet-{date}-b{n}.html"),
        None => format!("sheet-{date}.html"),
    };
    data_dir.join("sheets").join(name)
}

/// Writes a sheet (or any document of personal data staff asked for) to
/// `path`: its folder made when missing, the file atomic and readable by
/// the owner only.
pub fn write(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(parent)?;
    }
    super::backup::write_private(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn every_markup_character_is_escaped() {
        assert_eq!(
            esc("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
        assert_eq!(esc("a\u{7}b"), "ab");
    }
}
