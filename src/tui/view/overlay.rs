//! Overlays: the help screen (drawn from the key table), prompts, the
//! yes/no question, and search results.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::app::{App, Op, Purpose};
use super::super::keymap::{self, Mode};
use super::timeline::short_status;
use crate::i18n::{fit, safe, text};

fn tr_dyn(lang: crate::i18n::Lang, key: &str) -> String {
    text(lang, key).to_string()
}
use crate::tr;

pub fn help(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let label = |b: &keymap::Binding| {
        if app.theme.ascii {
            keymap::ascii_label(b.label)
        } else {
            b.label.to_string()
        }
    };
    let mut lines = vec![Line::from(Span::styled(
        text(lang, "help.dashboard").to_string(),
        app.theme.title(),
    ))];
    for b in keymap::bindings(Mode::Normal) {
        lines.push(Line::from(vec![
            Span::styled(format!("  {}", fit(&label(b), 10)), app.theme.key()),
            Span::raw(text(lang, b.desc).to_string()),
        ]));
    }
    // Typing and confirming: their keys on one line each.
    for (mode, title) in [
        (Mode::Prompt, "help.prompt"),
        (Mode::Confirm, "help.confirm"),
    ] {
        lines.push(Line::from(Span::styled(
            text(lang, title).to_string(),
            app.theme.title(),
        )));
        let mut spans = vec![Span::raw(" ")];
        for b in keymap::bindings(mode).filter(|b| b.hint) {
            spans.push(Span::styled(format!(" {}", label(b)), app.theme.key()));
            spans.push(Span::raw(format!(" {} ", text(lang, b.desc))));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(Span::styled(
        tr!(lang, "help.legend"),
        app.theme.title(),
    )));
    for pair in crate::domain::booking::Status::ALL.chunks(2) {
        let mut spans = Vec::new();
        for s in pair {
            let cell = format!(
                "  {} {}",
                app.theme.status_symbol(*s),
                crate::error::status_word(lang, *s)
            );
            spans.push(Span::styled(fit(&cell, 19), app.theme.status_style(*s)));
        }
        lines.push(Line::from(spans));
    }
    let flag = |k: &str, h: &str| format!("  {} {}", tr_dyn(lang, k), tr_dyn(lang, h));
    lines.push(Line::from(format!(
        "{}{}",
        flag("flag.no_show", "help.flag_no_show"),
        flag("flag.refused", "help.flag_refused")
    )));
    lines.push(Line::from(flag("flag.reconsent", "help.flag_reconsent")));
    lines.push(Line::from(format!(
        "{}{}",
        flag("flag.interpreter", "help.flag_interpreter"),
        flag("flag.caregiver", "help.flag_caregiver")
    )));
    let inner = super::popup(
        &app.theme,
        f,
        area,
        96,
        area.height,
        &tr!(lang, "help.title"),
    );
    // Two columns when the list is taller than the box.
    if lines.len() > inner.height as usize && inner.width >= 56 {
        let half = (inner.height as usize).max(lines.len().div_ceil(2));
        let right = lines.split_off(half);
        let [l, r] = ratatui::layout::Layout::horizontal([ratatui::layout::Constraint::Fill(1); 2])
            .areas(inner);
        f.render_widget(Paragraph::new(lines), l);
        f.render_widget(Paragraph::new(right), r);
    } else {
        f.render_widget(Paragraph::new(lines), inner);
    }
}

fn op_title(app: &App, op: Op) -> String {
    let lang = app.lang;
    match op {
        Op::Cancel => tr!(lang, "op.cancel"),
        Op::Start => tr!(lang, "op.start"),
        Op::Finish => tr!(lang, "op.finish"),
        Op::Stop => tr!(lang, "op.stop"),
        Op::Correct => tr!(lang, "op.correct"),
        Op::Refuse => tr!(lang, "op.refuse"),
        Op::Unrefuse => tr!(lang, "op.unrefuse"),
    }
}

pub fn prompt(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let Some(p) = &app.prompt else { return };
    let (title, ask) = match &p.purpose {
        Purpose::Reason(op) => (op_title(app, *op), tr!(lang, "prompt.reason")),
        Purpose::GoTo => (tr!(lang, "prompt.goto_title"), tr!(lang, "prompt.goto")),
        Purpose::Search => (tr!(lang, "prompt.search_title"), tr!(lang, "prompt.search")),
    };
    let inner = super::popup(&app.theme, f, area, 64, 7, &title);
    let mut lines = vec![
        Line::from(ask),
        Line::from(vec![
            Span::raw("> "),
            Span::styled(safe(&p.input), app.theme.key()),
            Span::raw(app.theme.cursor()),
        ]),
    ];
    if let Some(e) = &p.error {
        lines.push(Line::from(Span::styled(
            format!("! {}", safe(e)),
            app.theme.error(),
        )));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub fn confirm(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let Some(p) = &app.pending else { return };
    let row = app.data.rows.iter().find(|r| r.booking.id == p.id);
    let who = row
        .and_then(|r| r.seeker.as_ref())
        .map(|s| app.theme.mask(&s.name.masked()))
        .unwrap_or_default();
    let when = row
        .map(|r| {
            format!(
                "{} {}",
                super::short_date(lang, r.booking.slot.date),
                r.booking.slot.start.format("%H:%M")
            )
        })
        .unwrap_or_default();
    let question = match p.op {
        Op::Refuse | Op::Unrefuse => tr!(
            lang,
            "confirm.seeker",
            op = op_title(app, p.op),
            seeker = p.seeker,
            name = safe(&who)
        ),
        _ => tr!(
            lang,
            "confirm.booking",
            op = op_title(app, p.op),
            id = p.id,
            when = when,
            name = safe(&who)
        ),
    };
    let mut lines = vec![Line::from(Span::styled(question, app.theme.title()))];
    if !p.reason.is_empty() {
        lines.push(Line::from(tr!(
            lang,
            "confirm.reason",
            reason = safe(&p.reason)
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled(" y/Enter ", app.theme.selected()),
        Span::raw(format!(" {}    ", tr!(lang, "key.yes"))),
        Span::styled(" n/Esc ", app.theme.selected()),
        Span::raw(format!(" {}", tr!(lang, "key.no"))),
    ]));
    let inner = super::popup(&app.theme, f, area, 64, 8, &op_title(app, p.op));
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub fn results(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let h = (app.results.len() as u16 + 2).min(area.height);
    let inner = super::popup(
        &app.theme,
        f,
        area,
        76,
        h,
        &tr!(lang, "dash.search_found", count = app.results.len()),
    );
    let visible = inner.height as usize;
    let offset = app.result_sel.saturating_sub(visible.saturating_sub(1));
    let lines: Vec<Line> = app
        .results
        .iter()
        .enumerate()
        .skip(offset)
        .take(visible)
        .map(|(i, h)| {
            let b = &h.booking;
            let name = h
                .seeker
                .as_ref()
                .map(|s| app.theme.mask(&s.name.masked()))
                .unwrap_or_default();
            let text = format!(
                "{} {} {} {} {} {} {}",
                super::short_date(lang, b.slot.date),
                b.slot.start.format("%H:%M"),
                tr!(lang, "day.booth_n", booth = b.slot.booth),
                fit(
                    &format!(
                        "{} {}",
                        app.theme.status_symbol(b.status),
                        short_status(lang, b.status)
                    ),
                    10
                ),
                b.id,
                b.seeker,
                safe(&name)
            );
            let style = if i == app.result_sel {
                app.theme.selected()
            } else {
                app.theme.status_style(b.status)
            };
            Line::from(Span::styled(text, style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
