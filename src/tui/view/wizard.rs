//! The booking wizard on screen: a progress line ("4/6 利用規約") with what
//! is entered so far, the step, and a message line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthChar;

use super::super::wizard::{ELIGIBILITY, SEEKER_FIELDS, SEEKER_LABELS, Step, Wizard};
use super::Look;
use crate::domain::booking::Channel;
use crate::domain::terms::{ChecklistItem, Document};
use crate::i18n::{Lang, fit, safe, text};
use crate::tr;

const TERMS_JA: &str = include_str!("../../../assets/terms/ja.txt");
const TERMS_EN: &str = include_str!("../../../assets/terms/en.txt");

/// The text of the terms in force, in `lang` (English is a translation).
pub fn terms_text(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => TERMS_JA,
        Lang::En => TERMS_EN,
    }
}

/// Wraps text to `width` columns, breaking anywhere for Japanese and at
/// spaces where it can for English.
pub fn wrap(text: &str, width: u16) -> Vec<String> {
    let width = usize::from(width.max(10));
    let mut out = Vec::new();
    for para in text.lines() {
        let mut line = String::new();
        let mut used = 0;
        for word in para.split_inclusive(' ') {
            let w: usize = word.chars().map(|c| c.width().unwrap_or(0)).sum();
            if used + w <= width {
                line.push_str(word);
                used += w;
                continue;
            }
            // A word of Latin letters moves to the next line whole; Japanese
            // breaks anywhere, so it fills the line first.
            let latin = word.chars().all(|c| c.width().unwrap_or(0) <= 1);
            if w <= width && used > 0 && latin {
                out.push(std::mem::take(&mut line).trim_end().to_string());
                used = 0;
                line.push_str(word);
                used += w;
                continue;
            }
            for c in word.chars() {
                let cw = c.width().unwrap_or(0);
                if used + cw > width {
                    out.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += cw;
            }
        }
        out.push(line.trim_end().to_string());
    }
    out
}

/// The wizard's box inside a screen of `size` (the dashboard's body).
pub fn area(size: (u16, u16)) -> Rect {
    let body = Rect {
        x: 0,
        y: 1,
        width: size.0,
        height: size.1.saturating_sub(3),
    };
    let w = body.width.min(100);
    Rect {
        x: (body.width - w) / 2,
        y: body.y,
        width: w,
        height: body.height,
    }
}

/// Where the terms text goes, and how tall it is, for a screen of `size`.
pub fn terms_area(size: (u16, u16)) -> Rect {
    let a = area(size);
    // Border (2), progress (1), blank (1); below: documents (4), position (1), warning (2), message (1).
    Rect {
        x: a.x + 1,
        y: a.y + 3,
        width: a.width.saturating_sub(2),
        height: a.height.saturating_sub(2 + 2 + 8),
    }
}

pub fn render(app: &Look<'_>, w: &Wizard, f: &mut Frame) {
    let lang = app.lang;
    let a = area((f.area().width, f.area().height));
    let title = if w.kiosk {
        tr!(lang, "wizard.title_kiosk")
    } else {
        tr!(lang, "wizard.title")
    };
    let inner = super::popup(&app.theme, f, a, a.width, a.height, &title);
    let [progress, _, body, message] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let step_label = if w.step == Step::Done {
        w.step.title(lang)
    } else {
        let title = if w.kiosk && w.step == Step::Seeker {
            tr!(lang, "kiosk.step_seeker")
        } else {
            w.step.title(lang)
        };
        format!("{}/{} {title}", w.step.number(), Step::COUNT)
    };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(step_label, app.theme.selected()),
            Span::raw("  "),
            Span::styled(safe(&app.theme.mask(&w.summary())), app.theme.dim()),
        ])),
        progress,
    );
    match w.step {
        Step::Slot => slot(app, w, f, body),
        Step::Seeker => seeker(app, w, f, body),
        Step::Eligibility => choices(app, w, f, body),
        Step::Terms => terms(app, w, f, body),
        Step::Checklist => choices(app, w, f, body),
        Step::Review => review(app, w, f, body),
        Step::Done => done(app, w, f, body),
    }
    if w.abandoning {
        f.render_widget(
            Paragraph::new(Span::styled(tr!(lang, "wizard.abandon"), app.theme.warn())),
            message,
        );
    } else if let Some(m) = &w.message {
        f.render_widget(
            Paragraph::new(Span::styled(format!("! {}", safe(m)), app.theme.error())),
            message,
        );
    }
}

/// A label in a column of `width`: cut to leave at least one space before
/// the value, so a long label never runs into it.
fn label(app: &Look<'_>, key: &str, width: usize) -> Span<'static> {
    let cut = fit(text(app.lang, key), width.saturating_sub(1));
    Span::styled(format!("{cut} "), app.theme.dim())
}

fn slot(app: &Look<'_>, w: &Wizard, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let end = w.time + app.loaded.office.slot_length();
    let mut lines = vec![
        Line::from(vec![
            label(app, "detail.when", 14),
            Span::styled(
                format!(
                    "{} {}-{} {}",
                    crate::i18n::long_date(lang, w.date),
                    w.time.format("%H:%M"),
                    end.format("%H:%M"),
                    tr!(lang, "day.booth_n", booth = w.booth)
                ),
                app.theme.title(),
            ),
        ]),
        Line::from(vec![
            label(app, "wizard.deadline", 14),
            Span::raw(
                w.deadline
                    .map(|d| crate::i18n::short_date(lang, d))
                    .unwrap_or_default(),
            ),
            Span::styled(
                if w.late {
                    format!("  {}", tr!(lang, "wizard.is_late"))
                } else {
                    String::new()
                },
                app.theme.warn(),
            ),
        ]),
    ];
    if !w.kiosk {
        let mark = |c: Channel| {
            if w.channel == c {
                app.theme.yes_no(true)
            } else {
                app.theme.yes_no(false)
            }
        };
        lines.push(Line::from(vec![
            label(app, "detail.channel", 14),
            Span::raw(format!(
                "{} {}  {} {}",
                mark(Channel::Phone),
                tr!(lang, "channel.phone"),
                mark(Channel::Counter),
                tr!(lang, "channel.counter")
            )),
            Span::styled("  (Ctrl-T)".to_string(), app.theme.dim()),
        ]));
    }
    let n = lines.len() as u16;
    f.render_widget(Paragraph::new(lines), area);
    if w.late && !w.kiosk {
        let row = Rect {
            y: area.y + n + 1,
            height: 1,
            ..area
        };
        let [l, field] =
            Layout::horizontal([Constraint::Length(14), Constraint::Fill(1)]).areas(row);
        f.render_widget(Paragraph::new(label(app, "wizard.late_reason", 14)), l);
        f.render_widget(&w.late_reason, field);
        let hint = Rect {
            y: area.y + n + 2,
            height: 2,
            ..area
        };
        f.render_widget(
            Paragraph::new(Span::styled(tr!(lang, "wizard.late_hint"), app.theme.dim()))
                .wrap(Wrap { trim: false }),
            hint,
        );
    }
    if let Some(e) = &w.slot_error {
        let row = Rect {
            y: area.y + area.height.saturating_sub(2),
            height: 2,
            ..area
        };
        f.render_widget(
            Paragraph::new(Span::styled(safe(e), app.theme.warn())).wrap(Wrap { trim: false }),
            row,
        );
    }
}

fn seeker(app: &Look<'_>, w: &Wizard, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    for (i, key) in SEEKER_LABELS.iter().enumerate() {
        let y = area.y + i as u16;
        if y >= area.y + area.height {
            break;
        }
        let row = Rect {
            y,
            height: 1,
            ..area
        };
        let [l, field, err] = Layout::horizontal([
            Constraint::Length(16),
            Constraint::Length(32),
            Constraint::Fill(1),
        ])
        .areas(row);
        let focused = i == w.focus;
        let mark = if focused { app.theme.now_marker() } else { " " };
        let style = if focused {
            app.theme.title()
        } else {
            app.theme.dim()
        };
        f.render_widget(
            Paragraph::new(Span::styled(
                format!("{mark}{}", fit(text(lang, key), 15)),
                style,
            )),
            l,
        );
        if focused {
            f.render_widget(&w.fields[i], field);
        } else {
            let v = w.value(i);
            let shown = if v.is_empty() && SEEKER_FIELDS[i] != "seeker" {
                String::from("-")
            } else {
                safe(&v)
            };
            f.render_widget(Paragraph::new(shown), field);
        }
        if let Some(e) = &w.errors[i] {
            // Beside the field, what fits of it; whole, below the info line.
            let beside = format!("! {}", safe(e));
            let beside =
                if unicode_width::UnicodeWidthStr::width(beside.as_str()) <= err.width as usize {
                    beside
                } else {
                    format!("! {}", text(lang, "wizard.see_below"))
                };
            f.render_widget(Paragraph::new(Span::styled(beside, app.theme.error())), err);
        } else if focused && let Some(hint) = field_hint(SEEKER_FIELDS[i]) {
            // What the field needs, beside it: optional, and what may be typed.
            f.render_widget(
                Paragraph::new(Span::styled(text(lang, hint).to_string(), app.theme.dim())),
                err,
            );
        }
    }
    // The whole words of a field's error (the focused field's first),
    // wrapped to the width, under what the office knows.
    let shown = w.errors[w.focus.min(SEEKER_FIELDS.len() - 1)]
        .as_ref()
        .map(|e| (w.focus, e))
        .or_else(|| {
            w.errors
                .iter()
                .enumerate()
                .find_map(|(i, e)| e.as_ref().map(|e| (i, e)))
        });
    if let Some((i, e)) = shown {
        let y = area.y + SEEKER_FIELDS.len() as u16 + 5;
        if y < area.y + area.height {
            let whole = format!("! {}: {}", text(lang, SEEKER_LABELS[i]), safe(e));
            let lines: Vec<Line> = wrap(&whole, area.width)
                .into_iter()
                .map(|l| Line::from(Span::styled(l, app.theme.error())))
                .collect();
            let row = Rect {
                y,
                height: (area.y + area.height - y).min(lines.len() as u16),
                ..area
            };
            f.render_widget(Paragraph::new(lines), row);
        }
    }
    // What the office knows of this job seeker.
    let y = area.y + SEEKER_FIELDS.len() as u16 + 1;
    if y < area.y + area.height {
        let row = Rect {
            y,
            height: (area.y + area.height - y).min(3),
            ..area
        };
        let line = if let Some(why) = w.blocked() {
            Line::from(Span::styled(safe(&why), app.theme.error()))
        } else if w.info.number.is_some() && w.info.no_shows > 0 {
            Line::from(vec![
                Span::styled(
                    tr!(lang, "wizard.no_shows", count = w.info.no_shows),
                    app.theme.warn(),
                ),
                Span::raw(format!(
                    "  {} {}",
                    app.theme.yes_no(w.no_show_ack),
                    tr!(lang, "wizard.ack")
                )),
            ])
        } else if w.kiosk {
            Line::from(Span::styled(
                tr!(lang, "kiosk.seeker_hint"),
                app.theme.dim(),
            ))
        } else if w.info.number.is_some() {
            let key = if w.info.known.is_some() {
                "wizard.known"
            } else {
                "wizard.new_seeker"
            };
            Line::from(Span::styled(text(lang, key).to_string(), app.theme.dim()))
        } else {
            Line::from(Span::styled(
                tr!(lang, "wizard.seeker_hint"),
                app.theme.dim(),
            ))
        };
        f.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), row);
    }
}

fn choices(app: &Look<'_>, w: &Wizard, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let yn = |a: Option<bool>| match a {
        Some(true) => tr!(lang, "wizard.yes"),
        Some(false) => tr!(lang, "wizard.no"),
        None => "  -  ".to_string(),
    };
    let mut lines = Vec::new();
    let why = if w.step == Step::Eligibility {
        lines.push(Line::from(Span::styled(
            tr!(lang, "wizard.elig_intro"),
            app.theme.dim(),
        )));
        for (i, key) in ELIGIBILITY.iter().enumerate() {
            let style = if i == w.choice {
                app.theme.selected()
            } else {
                Style::new()
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!(" {} ", fit(&yn(w.eligibility[i]), 7)),
                    app.theme.key(),
                ),
                Span::styled(text(lang, key).to_string(), style),
            ]));
        }
        tr!(lang, "wizard.elig_why")
    } else {
        for (i, item) in ChecklistItem::ALL.iter().enumerate() {
            let t = item.text();
            let style = if i == w.choice {
                app.theme.selected()
            } else {
                Style::new()
            };
            let what = match lang {
                Lang::Ja => t.ja,
                Lang::En => t.en,
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!(" {} ", fit(&yn(w.checklist[i]), 7)),
                    app.theme.key(),
                ),
                Span::styled(format!("{:<6}", t.article), app.theme.dim()),
                Span::styled(what.to_string(), style),
            ]));
        }
        let style = if w.choice == 9 {
            app.theme.selected()
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {} ", fit(&yn(Some(w.caregiver)), 7)),
                app.theme.key(),
            ),
            Span::styled(format!("{:<6}", "12(3)"), app.theme.dim()),
            Span::styled(tr!(lang, "wizard.caregiver"), style),
        ]));
        match ChecklistItem::ALL.get(w.choice) {
            Some(item) => {
                let t = item.text();
                match lang {
                    Lang::Ja => t.why_ja.to_string(),
                    Lang::En => t.why_en.to_string(),
                }
            }
            None => tr!(lang, "wizard.caregiver_why"),
        }
    };
    // Items one line each (cut to the width); the focused one in full below, with why it matters.
    let n = lines.len() as u16;
    f.render_widget(
        Paragraph::new(lines),
        Rect {
            height: n.min(area.height),
            ..area
        },
    );
    let focused = match (w.step, ChecklistItem::ALL.get(w.choice)) {
        (Step::Checklist, Some(item)) => {
            let t = item.text();
            let what = match lang {
                Lang::Ja => t.ja,
                Lang::En => t.en,
            };
            format!("{} {what}", t.article)
        }
        _ => String::new(),
    };
    let below = Rect {
        y: area.y + n + 1,
        height: area.height.saturating_sub(n + 1),
        ..area
    };
    let mut text_lines = Vec::new();
    if !focused.is_empty() {
        text_lines.push(Line::from(Span::styled(focused, app.theme.title())));
    }
    text_lines.push(Line::from(Span::styled(why, app.theme.dim())));
    if below.height > 0 {
        f.render_widget(Paragraph::new(text_lines).wrap(Wrap { trim: false }), below);
    }
}

fn terms(app: &Look<'_>, w: &Wizard, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let [view, docs, pos, warn] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(area);
    let lines = wrap(terms_text(lang), view.width);
    let shown: Vec<Line> = lines
        .iter()
        .skip(usize::from(w.terms_scroll))
        .take(usize::from(view.height))
        .map(|l| Line::from(l.clone()))
        .collect();
    f.render_widget(Paragraph::new(shown), view);
    let doc_lines: Vec<Line> = Document::ALL
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let title = match lang {
                Lang::Ja => d.title_ja(),
                Lang::En => d.title_en(),
            };
            let style = if w.terms_seen_end {
                Style::new()
            } else {
                app.theme.dim()
            };
            Line::from(Span::styled(
                format!(" {} {} {title}", i + 1, app.theme.yes_no(w.agreed[i])),
                style,
            ))
        })
        .collect();
    f.render_widget(Paragraph::new(doc_lines), docs);
    let end = (usize::from(w.terms_scroll) + usize::from(view.height)).min(lines.len());
    let version = app
        .loaded
        .office
        .terms
        .in_force(app.today)
        .map(|v| v.version.clone())
        .unwrap_or_default();
    let mut spans = vec![Span::styled(
        tr!(
            lang,
            "wizard.terms_position",
            version = version,
            shown = end,
            total = lines.len()
        ),
        app.theme.dim(),
    )];
    if !w.terms_seen_end {
        spans.push(Span::styled(
            format!("  {}", tr!(lang, "wizard.read_to_end")),
            app.theme.warn(),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), pos);
    let metered: Vec<Line> = wrap(&tr!(lang, "wizard.metered"), warn.width)
        .into_iter()
        .map(|l| Line::from(Span::styled(l, app.theme.dim())))
        .collect();
    f.render_widget(Paragraph::new(metered), warn);
}

fn review(app: &Look<'_>, w: &Wizard, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let mut lines = Vec::new();
    // The labels' column is as wide as the widest label the review can
    // show in this language (a label is never cut), within a third of the
    // screen.
    let width = [
        "wizard.booking_id",
        "wizard.field.seeker",
        "seeker.name",
        "seeker.email",
        "seeker.phone",
        "seeker.registered",
        "wizard.field.interpreter",
        "detail.terms",
        "detail.when",
        "detail.channel",
        "detail.late",
        "detail.attendance",
        "detail.checklist",
        "wizard.eligibility",
    ]
    .iter()
    .map(|k| unicode_width::UnicodeWidthStr::width(text(lang, k)))
    .max()
    .unwrap_or(15)
    .clamp(8, (area.width as usize / 3).max(8))
        + 1;
    let row = |k: &str, v: String| Line::from(vec![label(app, k, width), Span::raw(v)]);
    if let Some(id) = w.reconsent_of {
        let version = app
            .loaded
            .office
            .terms
            .in_force(app.today)
            .map(|v| v.version.clone())
            .unwrap_or_default();
        lines.push(row("wizard.booking_id", id.to_string()));
        lines.push(row("wizard.field.seeker", safe(&w.value(0))));
        lines.push(row("seeker.name", safe(&w.value(1))));
        let agreed = w.agreed.iter().filter(|a| **a).count();
        let text = tr!(
            lang,
            "detail.terms_agreed",
            version = version,
            count = agreed,
            total = 4
        );
        lines.push(row("detail.terms", text));
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            tr!(lang, "wizard.reconsent_hint"),
            app.theme.title(),
        )));
        f.render_widget(Paragraph::new(lines), area);
        return;
    }
    let end = w.time + app.loaded.office.slot_length();
    lines.push(row(
        "detail.when",
        format!(
            "{} {}-{} {}",
            crate::i18n::long_date(lang, w.date),
            w.time.format("%H:%M"),
            end.format("%H:%M"),
            tr!(lang, "day.booth_n", booth = w.booth)
        ),
    ));
    if !w.kiosk {
        let ch = if w.channel == Channel::Phone {
            tr!(lang, "channel.phone")
        } else {
            tr!(lang, "channel.counter")
        };
        lines.push(row("detail.channel", ch));
    }
    if w.late {
        lines.push(row("detail.late", safe(&w.value_late())));
    }
    // The values as they will be stored (normalised), not as typed.
    if let Some(req) = w.request() {
        let s = &req.seeker;
        lines.push(row("wizard.field.seeker", s.number.to_string()));
        let kana = s
            .kana
            .as_ref()
            .map(|k| format!(" ({})", k.as_str()))
            .unwrap_or_default();
        lines.push(row("seeker.name", safe(&format!("{}{kana}", s.name))));
        lines.push(row("seeker.email", s.email.to_string()));
        if let Some(p) = &s.phone {
            lines.push(row("seeker.phone", p.as_str().to_string()));
        }
        if let Some(d) = s.registered_on {
            lines.push(row("seeker.registered", d.to_string()));
        }
        if let Some(l) = &req.interpreter {
            lines.push(row("wizard.field.interpreter", safe(l)));
        }
        // Staff change a record's contact details on purpose: shown old → new.
        if !w.kiosk
            && let Some(known) = &w.info.known
        {
            let merged = known.merged(s, true);
            // Each field named as the form names it.
            let label = |f: &str| crate::i18n::text(lang, &format!("seeker.{f}")).to_string();
            for line in crate::desk::contact_change_lines(lang, known, &merged, &label) {
                // The arrow as the audit browser draws it on ASCII terminals.
                let line = if app.theme.ascii {
                    line.replace('→', "->")
                } else {
                    line
                };
                lines.push(Line::from(Span::styled(line, app.theme.title())));
            }
        }
    }
    if w.caregiver {
        lines.push(row("detail.attendance", tr!(lang, "day.caregiver")));
    }
    let version = app
        .loaded
        .office
        .terms
        .in_force(app.today)
        .map(|v| v.version.clone())
        .unwrap_or_default();
    lines.push(row(
        "detail.terms",
        tr!(
            lang,
            "detail.terms_agreed",
            version = version,
            count = w.agreed.iter().filter(|a| **a).count(),
            total = 4
        ),
    ));
    lines.push(row(
        "detail.checklist",
        format!(
            "{} {}/9",
            app.theme
                .yes_no(w.checklist.iter().all(|a| *a == Some(true))),
            w.checklist.iter().filter(|a| **a == Some(true)).count()
        ),
    ));
    lines.push(row(
        "wizard.eligibility",
        format!(
            "{} 3/3",
            app.theme
                .yes_no(w.eligibility.iter().all(|a| *a == Some(true)))
        ),
    ));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        tr!(lang, "wizard.review_hint"),
        app.theme.title(),
    )));
    f.render_widget(Paragraph::new(lines), area);
}

fn done(app: &Look<'_>, w: &Wizard, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let Some(b) = &w.booked else { return };
    let lines = vec![
        Line::from(Span::styled(tr!(lang, "wizard.done"), app.theme.ok())),
        Line::from(""),
        Line::from(vec![
            label(app, "wizard.booking_id", 16),
            Span::styled(b.id.to_string(), app.theme.title()),
        ]),
        Line::from(vec![
            label(app, "detail.when", 16),
            Span::raw(b.when.clone()),
        ]),
        Line::from(vec![label(app, "detail.url", 16), Span::raw(safe(&b.url))]),
        Line::from(vec![
            label(app, "wizard.mail", 16),
            Span::raw(safe(&b.mail)),
        ]),
        Line::from(""),
        Line::from(Span::styled(
            tr!(lang, "wizard.read_id", id = spell(&b.id.to_string())),
            app.theme.dim(),
        )),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// The id spaced out for reading over the phone: `K 7 M 2 Q 9`.
fn spell(id: &str) -> String {
    id.chars().map(String::from).collect::<Vec<_>>().join(" ")
}

/// The hint shown beside a focused field of the job seeker's step.
fn field_hint(field: &str) -> Option<&'static str> {
    match field {
        "kana" => Some("wizard.hint.kana"),
        "phone" => Some("wizard.hint.phone"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_respects_display_width() {
        for line in wrap(
            "オンライン職業相談等の利用料は無料とします。ただし、通信機器・通信料等の費用は利用者が負担します。",
            20,
        ) {
            assert!(
                unicode_width::UnicodeWidthStr::width(line.as_str()) <= 20,
                "{line}"
            );
        }
        assert_eq!(wrap("one two three", 8), vec!["one two", "three"]);
    }
}
