//! The month calendar (open and closed days, today, the selected day, the
//! number of live bookings on each day) and the selected day's summary.

use chrono::{Datelike, Days, NaiveDate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::super::app::App;
use super::timeline::short_status;
use crate::domain::booking::Status;
use crate::error::closure_word;
use crate::i18n::Lang;
use crate::tr;

pub const WIDTH: u16 = 30;
/// Border, weekday row, six weeks of two rows (day, count).
pub const HEIGHT: u16 = 15;

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let d = app.date;
    let title = match app.lang {
        Lang::Ja => format!(" {}年{}月 ", d.year(), d.month()),
        Lang::En => format!(" {} {} ", crate::i18n::month_name_en(d, false), d.year()),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.theme.border())
        .title(Span::styled(title, app.theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);

    // Two letters in English (Mo Tu ...), as calendars write them.
    let names =
        crate::i18n::weekday_names(app.lang).map(|n| if n.is_ascii() { &n[..2] } else { n });
    let right3 = |s: &str| {
        format!(
            "{}{s} ",
            " ".repeat(3usize.saturating_sub(unicode_width::UnicodeWidthStr::width(s)))
        )
    };
    let mut lines = vec![Line::from(
        names
            .iter()
            .map(|n| Span::styled(right3(n), app.theme.dim()))
            .collect::<Vec<_>>(),
    )];
    let first = NaiveDate::from_ymd_opt(d.year(), d.month(), 1).unwrap_or(d);
    let mut day = first
        .checked_sub_days(Days::new(u64::from(first.weekday().num_days_from_monday())))
        .unwrap_or(first);
    let cal = &app.loaded.office.calendar;
    for _ in 0..6 {
        if day.month() != d.month() && day > first {
            break;
        }
        let mut numbers = Vec::new();
        let mut counts = Vec::new();
        for _ in 0..7 {
            if day.month() == d.month() {
                let open = cal.is_open(day);
                let mut style = if open { Style::new() } else { app.theme.dim() };
                if day == app.today() {
                    style = style.patch(app.theme.today());
                }
                if day == app.date {
                    style = style.patch(app.theme.selected());
                }
                numbers.push(Span::styled(format!("{:>3}", day.day()), style));
                numbers.push(Span::raw(" "));
                let n = app.data.month.get(&day).copied().unwrap_or(0);
                let count = if !open {
                    tr!(app.lang, "cal.closed_mark")
                } else if n > 0 {
                    n.to_string()
                } else {
                    String::new()
                };
                counts.push(Span::styled(
                    right3(&count),
                    if open {
                        app.theme.key()
                    } else {
                        app.theme.dim()
                    },
                ));
            } else {
                numbers.push(Span::raw("    "));
                counts.push(Span::raw("    "));
            }
            day = day.succ_opt().unwrap_or(day);
        }
        lines.push(Line::from(numbers));
        lines.push(Line::from(counts));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The selected day: open or closed, its deadline, counts by status, free slots.
pub fn render_summary(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.theme.border())
        .title(Span::styled(
            format!(" {} ", super::short_date(lang, app.date)),
            app.theme.title(),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let office = &app.loaded.office;
    let mut lines = Vec::new();
    match office.calendar.closure(app.date) {
        Some(c) => lines.push(Line::from(Span::styled(
            format!("{}: {}", tr!(lang, "day.closed"), closure_word(lang, &c)),
            app.theme.warn(),
        ))),
        None => {
            let live = app
                .data
                .rows
                .iter()
                .filter(|r| r.booking.status.is_live())
                .count();
            let total = office.starts.len() * office.booths.len();
            // Free: neither booked nor taken off the calendar.
            let blocked = (0..office.starts.len())
                .flat_map(|row| (0..office.booths.len()).map(move |col| (row, col)))
                .filter(|(row, col)| {
                    app.cell(*row, *col)
                        .is_none_or(|r| !r.booking.status.is_live())
                        && app
                            .selected_slot_at(*row, *col)
                            .is_some_and(|s| app.data.block_at(&s).is_some())
                })
                .count();
            let deadline = office.deadline(app.date);
            let text = tr!(
                lang,
                "dash.day_line",
                deadline = deadline
                    .map(|d| super::short_date(lang, d))
                    .unwrap_or_default(),
                free = total.saturating_sub(live + blocked),
                total = total
            );
            let late = deadline.is_some_and(|d| app.today() > d);
            lines.push(Line::from(Span::styled(
                text,
                if late { app.theme.dim() } else { Style::new() },
            )));
        }
    }
    // Two statuses a line, so that all six fit at 80x24.
    for pair in Status::ALL.chunks(2) {
        let mut spans = Vec::new();
        for &s in pair {
            let n = app
                .data
                .rows
                .iter()
                .filter(|r| r.booking.status == s)
                .count();
            let style = if n > 0 {
                app.theme.status_style(s)
            } else {
                app.theme.dim()
            };
            // The word may be cut, the count never: it has three columns
            // of its own (a day of 60 booths holds up to 780).
            let word = format!("{} {}", app.theme.status_symbol(s), short_status(lang, s));
            let cell = format!("{}{n:>3}", crate::i18n::fit(&word, 9));
            spans.push(Span::styled(crate::i18n::fit(&cell, 13), style));
        }
        lines.push(Line::from(spans));
    }
    let reconsent = app
        .data
        .rows
        .iter()
        .filter(|r| {
            r.booking.status == Status::Booked
                && office
                    .terms
                    .needs_reconsent(&r.booking.consent.terms_version, app.today())
        })
        .count();
    if app.data.mail_queued > 0 {
        let text = tr!(lang, "dash.mail_queued", count = app.data.mail_queued);
        lines.push(Line::from(Span::styled(text, app.theme.warn())));
    }
    if reconsent > 0 {
        lines.push(Line::from(Span::styled(
            tr!(lang, "dash.reconsent_count", count = reconsent),
            app.theme.warn(),
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}
