//! The selected booking in full: its data, the terms version agreed, the
//! checklist answers, who attends, the job seeker's no-shows and refusal, and
//! its history from the audit trail. A pane at 120 columns and more, an
//! overlay (Enter) below that.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::super::app::{App, Row};
use super::super::keymap::Mode;
use crate::domain::terms::{Document, checklist_missing};
use crate::error::status_word;
use crate::i18n::{Lang, safe};
use crate::tr;

use crate::error::channel_word;

pub(super) fn action_word(lang: Lang, action: &str) -> String {
    match action {
        "book" => tr!(lang, "audit.book"),
        "start" => tr!(lang, "audit.start"),
        "finish" => tr!(lang, "audit.finish"),
        "stop" => tr!(lang, "audit.stop"),
        "cancel" => tr!(lang, "audit.cancel"),
        "move" => tr!(lang, "audit.move"),
        "unstart" => tr!(lang, "audit.unstart"),
        "note" => tr!(lang, "audit.note"),
        "remind" => tr!(lang, "audit.remind"),
        "no_show" => tr!(lang, "audit.no_show"),
        "correct_no_show" => tr!(lang, "audit.correct_no_show"),
        "refuse" => tr!(lang, "audit.refuse"),
        "unrefuse" => tr!(lang, "audit.unrefuse"),
        "reconsent" => tr!(lang, "audit.reconsent"),
        "contact" => tr!(lang, "audit.contact"),
        "block" => tr!(lang, "audit.block"),
        "unblock" => tr!(lang, "audit.unblock"),
        "terms_notice" => tr!(lang, "audit.terms_notice"),
        "kiosk.leave" => tr!(lang, "audit.kiosk_leave"),
        "kiosk.pin_wrong" => tr!(lang, "audit.kiosk_pin_wrong"),
        "kiosk.refused_person" => tr!(lang, "audit.kiosk_refused_person"),
        "refused.connect" => tr!(lang, "audit.refused_connect"),
        other => match other.strip_prefix("refused.") {
            // A request the account's role does not allow.
            Some(request) => tr!(lang, "audit.refused_request", request = safe(request)),
            // An action of a newer soudan: its name, as words.
            None => safe(&other.replace(['_', '.'], " ")),
        },
    }
}

/// Rows the pane needs to be worth drawing under the timeline.
pub const MIN_HEIGHT: u16 = 12;

pub fn lines<'a>(app: &App, r: &Row) -> Vec<Line<'a>> {
    let lang = app.lang;
    let t = &app.theme;
    let b = &r.booking;
    let label = |k: &str| Span::styled(format!("{} ", crate::i18n::text(lang, k)), t.dim());
    let mut out = vec![
        Line::from(vec![
            Span::styled(b.id.to_string(), t.title()),
            Span::raw("  "),
            Span::styled(
                format!(
                    "{} {}",
                    t.status_symbol(b.status),
                    status_word(lang, b.status)
                ),
                t.status_style(b.status),
            ),
        ]),
        Line::from(vec![
            label("detail.when"),
            Span::raw(format!(
                "{} {}-{} {}",
                super::short_date(lang, b.slot.date),
                b.slot.start.format("%H:%M"),
                b.slot.end.format("%H:%M"),
                tr!(lang, "day.booth_n", booth = b.slot.booth)
            )),
        ]),
        Line::from(vec![
            label("seeker.number"),
            Span::raw(b.seeker.to_string()),
        ]),
    ];
    if let (None, Some(m)) = (&r.seeker, &r.masked_name) {
        out.push(Line::from(vec![label("seeker.name"), Span::raw(safe(m))]));
    }
    if let Some(s) = &r.seeker {
        let kana = s
            .kana
            .as_ref()
            .map(|k| format!(" ({})", k.as_str()))
            .unwrap_or_default();
        out.push(Line::from(vec![
            label("seeker.name"),
            Span::raw(safe(&format!("{}{kana}", s.name))),
        ]));
        out.push(Line::from(vec![
            label("seeker.email"),
            Span::raw(s.email.to_string()),
        ]));
        if let Some(p) = &s.phone {
            out.push(Line::from(vec![
                label("seeker.phone"),
                Span::raw(p.as_str().to_string()),
            ]));
        }
        if let Some(reg) = s.registered_on {
            let until = crate::domain::seeker::registration_valid_until(reg);
            let style = if until < b.slot.date {
                t.warn()
            } else {
                ratatui::style::Style::new()
            };
            out.push(Line::from(vec![
                label("seeker.registered"),
                Span::styled(
                    format!("{reg} ({})", tr!(lang, "seeker.valid_until", date = until)),
                    style,
                ),
            ]));
        }
    }
    // Staff notes, near the top: what staff wrote to each other.
    for (note, key) in [(&r.note, "note.booking"), (&r.seeker_note, "note.seeker")] {
        if let Some(n) = note {
            let text = match key {
                "note.booking" => tr!(lang, "note.booking", text = safe(&n.text)),
                _ => tr!(lang, "note.seeker", text = safe(&n.text)),
            };
            out.push(Line::from(Span::styled(format!("# {text}"), t.warn())));
        }
    }
    out.push(Line::from(vec![
        label("detail.channel"),
        Span::raw(format!(
            "{}  {}",
            channel_word(lang, b.channel),
            b.created_at.format("%m/%d %H:%M")
        )),
    ]));
    let agreed = b.consent.documents.len();
    let mut terms = vec![
        label("detail.terms"),
        Span::raw(tr!(
            lang,
            "detail.terms_agreed",
            version = b.consent.terms_version,
            count = agreed,
            total = Document::ALL.len()
        )),
    ];
    if app
        .loaded
        .office
        .terms
        .needs_reconsent(&b.consent.terms_version, app.today())
        && b.status == crate::domain::booking::Status::Booked
    {
        terms.push(Span::styled(
            format!(" {}", tr!(lang, "detail.reconsent")),
            t.warn(),
        ));
    }
    out.push(Line::from(terms));
    let missing = checklist_missing(&b.checklist);
    let yes = crate::domain::terms::ChecklistItem::ALL.len() - missing.len();
    out.push(Line::from(vec![
        label("detail.checklist"),
        Span::raw(format!(
            "{} {yes}/{}",
            t.yes_no(missing.is_empty()),
            crate::domain::terms::ChecklistItem::ALL.len()
        )),
    ]));
    let mut attend = Vec::new();
    if let Some(l) = &b.attendance.interpreter {
        attend.push(tr!(lang, "day.interpreter", language = safe(l)));
    }
    if b.attendance.caregiver {
        attend.push(tr!(lang, "day.caregiver"));
    }
    if !attend.is_empty() {
        out.push(Line::from(vec![
            label("detail.attendance"),
            Span::styled(attend.join(", "), t.warn()),
        ]));
    }
    let ns_style = if r.no_shows >= app.loaded.office.rules.no_show_flag {
        t.warn()
    } else {
        ratatui::style::Style::new()
    };
    out.push(Line::from(vec![
        label("seeker.no_shows"),
        Span::styled(r.no_shows.to_string(), ns_style),
    ]));
    match &r.refusal {
        Some(rf) => out.push(Line::from(vec![
            label("seeker.refused"),
            Span::styled(
                format!("{} {}", rf.since.format("%Y-%m-%d"), safe(&rf.reason)),
                t.error(),
            ),
        ])),
        None => out.push(Line::from(vec![
            label("seeker.refused"),
            Span::raw(tr!(lang, "seeker.not_refused")),
        ])),
    }
    if let Some(reason) = &b.late_override {
        out.push(Line::from(vec![
            label("detail.late"),
            Span::raw(safe(reason)),
        ]));
    }
    out.push(Line::from(vec![
        label("detail.url"),
        Span::raw(safe(&b.meeting_url)),
    ]));
    out.push(Line::from(Span::styled(
        tr!(lang, "detail.history"),
        t.title(),
    )));
    for ev in &r.history {
        // The reason of the matching change, if any (the trail keeps ids only).
        let reason = b
            .changes
            .iter()
            .find(|c| c.at == ev.at && c.event.id() == ev.action)
            .and_then(|c| c.event.reason())
            .map(|s| format!(" 「{}」", safe(s)))
            .unwrap_or_default();
        out.push(Line::from(format!(
            " {} {} {}@{}{reason}",
            ev.at.format("%m/%d %H:%M"),
            action_word(lang, &ev.action),
            safe(&ev.user),
            safe(&ev.terminal)
        )));
    }
    out
}

pub fn render_pane(app: &App, f: &mut Frame, area: Rect) {
    let focused = app.mode == Mode::Detail;
    let title = tr!(app.lang, "detail.title");
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.theme.border())
        .title(Span::styled(
            format!(" {title} "),
            if focused {
                app.theme.selected()
            } else {
                app.theme.title()
            },
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let body = match app.selected() {
        Some(r) => lines(app, r),
        None => vec![Line::from(Span::styled(
            tr!(app.lang, "dash.no_booking_here"),
            app.theme.dim(),
        ))],
    };
    // Wide and short: the data on the left, the history on the right.
    if inner.width >= 80 && body.len() > inner.height as usize {
        let history = crate::i18n::text(app.lang, "detail.history");
        let split = body
            .iter()
            .position(|l| l.spans.first().is_some_and(|s| s.content == history))
            .unwrap_or(body.len());
        let mut left = body;
        let right = left.split_off(split);
        let [l, r] = ratatui::layout::Layout::horizontal([ratatui::layout::Constraint::Fill(1); 2])
            .areas(inner);
        f.render_widget(Paragraph::new(left).wrap(Wrap { trim: false }), l);
        f.render_widget(Paragraph::new(right).wrap(Wrap { trim: false }), r);
    } else {
        f.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }), inner);
    }
}

pub fn render_overlay(app: &App, f: &mut Frame, area: Rect) {
    let Some(r) = app.selected() else { return };
    let inner = super::popup(&app.theme, f, area, 72, 22, &tr!(app.lang, "detail.title"));
    f.render_widget(
        Paragraph::new(lines(app, r)).wrap(Wrap { trim: false }),
        inner,
    );
}
