//! Overlays: the help screen (drawn from the key table), prompts, the
//! yes/no question, search results, the statistics screen and the audit
//! trail browser.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

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
    lines.push(Line::from(format!(
        "{}  {} {}",
        flag("flag.note", "help.flag_note"),
        super::week::blocked(app),
        tr!(lang, "help.blocked")
    )));
    lines.push(Line::from(format!("  ? {}", tr!(lang, "help.late"))));
    lines.push(Line::from(format!("  ~ {}", tr!(lang, "help.held"))));
    // Two columns of the box's height; what does not fit scrolls (↓/j).
    let rows = area.height.saturating_sub(2) as usize;
    let two = area.width >= 58;
    let room = if two { rows * 2 } else { rows };
    let more = lines.len() > room;
    let scroll = app.help_scroll.min(lines.len().saturating_sub(room));
    if more {
        lines.drain(..scroll);
    }
    let title = if lines.len() > room {
        format!(
            "{} (↓/j {})",
            tr!(lang, "help.title"),
            tr!(lang, "help.more")
        )
    } else {
        tr!(lang, "help.title")
    };
    let inner = super::popup(&app.theme, f, area, 96, area.height, &title);
    if lines.len() > inner.height as usize && inner.width >= 56 {
        let half = (inner.height as usize).max(lines.len().div_ceil(2).min(inner.height as usize));
        let right = lines.split_off(half.min(lines.len()));
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
        Op::Unstart => tr!(lang, "op.unstart"),
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
        Purpose::Note {
            booking,
            seeker,
            on_seeker,
        } => (
            tr!(lang, "note.title"),
            if *on_seeker {
                tr!(lang, "note.prompt_seeker", number = seeker)
            } else {
                tr!(lang, "note.prompt_booking", id = booking)
            },
        ),
        Purpose::Block { at, scope } => {
            let (booth, from, to) = scope.span(&app.loaded.office, at);
            let place = match booth {
                Some(n) => tr!(lang, "block.booth", booth = n),
                None => tr!(lang, "block.all_booths"),
            };
            (
                tr!(lang, "block.title"),
                tr!(
                    lang,
                    "block.prompt",
                    date = crate::i18n::iso_date(lang, at.date),
                    from = from.format("%H:%M"),
                    to = to.format("%H:%M"),
                    place = place
                ),
            )
        }
        Purpose::MoveLate(to) => (
            tr!(lang, "dash.move_late"),
            format!(
                "{} → {} {} {}",
                app.moving
                    .as_ref()
                    .map(|m| m.id.to_string())
                    .unwrap_or_default(),
                crate::i18n::iso_date(lang, to.date),
                to.time.format("%H:%M"),
                tr!(lang, "day.booth_n", booth = to.booth)
            ),
        ),
    };
    let inner = super::popup(&app.theme, f, area, 64, 8, &title);
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
        area.width.clamp(76, 110),
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
            // Staff asked for this person: what tells people of one name
            // apart (the full name and kana, the phone's last digits).
            let name = h
                .seeker
                .as_ref()
                .map(|s| {
                    let kana = s
                        .kana
                        .as_ref()
                        .map(|k| format!(" ({})", k.as_str()))
                        .unwrap_or_default();
                    let phone: String = s
                        .phone
                        .as_ref()
                        .map(|p| {
                            let d: Vec<char> =
                                p.as_str().chars().filter(char::is_ascii_digit).collect();
                            let tail: String = d[d.len().saturating_sub(4)..].iter().collect();
                            format!(" tel …{tail}")
                        })
                        .unwrap_or_default();
                    format!("{}{kana}{phone}", s.name.as_str())
                })
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

/// The statistics screen: the month in numbers, slot use by time of day,
/// and the no-show rate by week. Aggregates only.
pub fn stats(app: &App, f: &mut Frame, area: Rect) {
    use ratatui::widgets::{Bar, BarChart, BarGroup};
    let lang = app.lang;
    let t = &app.theme;
    let title = tr!(
        lang,
        "stats.screen_title",
        month = crate::i18n::month_title(lang, app.stats_month)
    );
    let inner = super::popup(&t.clone(), f, area, area.width, area.height, &title);
    let Some(s) = &app.stats else {
        f.render_widget(Paragraph::new(tr!(lang, "stats.loading")), inner);
        return;
    };
    let m = &s.month.total;
    let pct = |x: Option<f64>| {
        x.map(|v| format!("{:.1}%", v * 100.0))
            .unwrap_or("-".into())
    };
    let [head, _, top, bottom] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let words = |st| crate::error::status_word(lang, st);
    use crate::domain::booking::Status as S;
    f.render_widget(
        Paragraph::new(vec![
            Line::from(tr!(
                lang,
                "stats.summary",
                bookings = m.bookings,
                slots = m.slots.unwrap_or(0),
                utilisation = pct(m.utilisation),
                no_show_rate = pct(m.no_show_rate)
            )),
            Line::from(Span::styled(
                format!(
                    "{} {}  {} {}  {} {}  {} {}  {} {}  {} {}",
                    words(S::Booked),
                    m.booked,
                    words(S::InProgress),
                    m.in_progress,
                    words(S::Completed),
                    m.completed,
                    words(S::Stopped),
                    m.stopped,
                    words(S::Cancelled),
                    m.cancelled,
                    words(S::NoShow),
                    m.no_show
                ),
                t.dim(),
            )),
        ]),
        head,
    );
    let bar_set = if t.ascii {
        ratatui::symbols::bar::Set {
            full: "#",
            seven_eighths: "#",
            three_quarters: "#",
            five_eighths: "#",
            half: "=",
            three_eighths: "=",
            one_quarter: "-",
            one_eighth: "-",
            empty: " ",
        }
    } else {
        ratatui::symbols::bar::NINE_LEVELS
    };
    let chart = |title: String, bars: Vec<Bar<'static>>, width: u16| {
        BarChart::default()
            .block(
                Block::default()
                    .borders(Borders::TOP)
                    .border_set(t.border())
                    .title(Span::styled(format!(" {title} "), t.title())),
            )
            .bar_set(bar_set.clone())
            .bar_width(width)
            .bar_gap(1)
            .max(100)
            .data(BarGroup::default().bars(&bars))
    };
    let bar = |label: String, v: Option<f64>| {
        let p = v.map(|x| (x * 100.0).round() as u64).unwrap_or(0);
        Bar::default()
            .label(Line::from(label))
            .value(p)
            .text_value(v.map(|_| format!("{p}%")).unwrap_or("-".into()))
    };
    let use_bars: Vec<Bar> = s
        .month
        .by_time
        .iter()
        .map(|r| bar(r.key.replace(':', ""), r.utilisation))
        .collect();
    f.render_widget(chart(tr!(lang, "stats.chart_use"), use_bars, 4), top);
    let week_bars: Vec<Bar> = s
        .weeks
        .by_week
        .iter()
        .map(|r| {
            let d = chrono::NaiveDate::parse_from_str(&r.key, "%Y-%m-%d").ok();
            let label = d
                .map(|d| {
                    format!(
                        "{}/{}",
                        chrono::Datelike::month(&d),
                        chrono::Datelike::day(&d)
                    )
                })
                .unwrap_or_default();
            bar(label, r.no_show_rate)
        })
        .collect();
    f.render_widget(
        chart(tr!(lang, "stats.chart_no_show"), week_bars, 5),
        bottom,
    );
}

/// The audit trail browser: newest first, a day's events or one booking's.
pub fn audit(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let t = &app.theme;
    let a = &app.audit;
    let action = super::app_audit_action(lang, a.action);
    let scope = match a.booking {
        Some(id) => tr!(lang, "audit_view.booking", id = id),
        None => crate::i18n::long_date(lang, a.day),
    };
    let title = tr!(lang, "audit_view.title", scope = scope, action = action);
    let inner = super::popup(&t.clone(), f, area, area.width, area.height, &title);
    if a.events.is_empty() {
        f.render_widget(Paragraph::new(tr!(lang, "audit_view.none")), inner);
        return;
    }
    let mut lines = Vec::new();
    // The action's column is as wide as its widest word on the screen
    // (within bounds), and a space always follows it.
    let shown: Vec<(&crate::store::AuditEvent, String)> = a
        .events
        .iter()
        .skip(a.scroll)
        .take(inner.height as usize)
        .map(|e| (e, super::detail::action_word(lang, &e.action)))
        .collect();
    let action_width = shown
        .iter()
        .map(|(_, w)| unicode_width::UnicodeWidthStr::width(w.as_str()))
        .max()
        .unwrap_or(8)
        .clamp(8, 24);
    for (e, action_word) in shown {
        let change = match (e.from, e.to) {
            (Some(x), Some(y)) => format!(
                "{}{}{}",
                crate::error::status_word(lang, x),
                if t.ascii { "->" } else { "→" },
                crate::error::status_word(lang, y)
            ),
            (None, Some(y)) => crate::error::status_word(lang, y),
            _ => String::new(),
        };
        let what = e
            .booking
            .map(|b| b.to_string())
            .or_else(|| e.seeker.as_ref().map(|s| s.to_string()))
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", e.at.format("%m/%d %H:%M")), t.dim()),
            Span::raw(fit(&safe(&e.user), 9)),
            Span::styled(fit(&safe(&e.terminal), 10), t.dim()),
            Span::styled(fit(&action_word, action_width), t.title()),
            Span::raw(" "),
            Span::raw(fit(&what, 15)),
            Span::raw(change),
        ]));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
