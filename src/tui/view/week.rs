//! The week view (`w`): five open days side by side, one row per slot, a
//! symbol per booth in each day's cell (never colour alone), and each
//! day's count of live bookings against its slots.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::super::app::App;
use crate::desk::views::DayData;
use crate::domain::booking::Slot;
use crate::i18n::fit;
use crate::tr;

const TIME_WIDTH: usize = 6;

/// The symbol of one booth at one slot of a day.
fn symbol(app: &App, day: &DayData, slot: &Slot) -> &'static str {
    let here: Vec<_> = day
        .rows
        .iter()
        .filter(|r| r.booking.slot.start == slot.start && r.booking.slot.booth == slot.booth)
        .collect();
    let shown = here
        .iter()
        .find(|r| r.booking.status.is_live())
        .or_else(|| here.last());
    if let Some(r) = shown.filter(|r| r.booking.status.is_live()) {
        if app.is_late(&r.booking) {
            return "?";
        }
        return app.theme.status_symbol(r.booking.status);
    }
    if day.block_at(slot).is_some() {
        return blocked(app);
    }
    if day.hold_at(slot).is_some() {
        return "~";
    }
    // A cancelled booking left the slot free.
    match shown.filter(|r| r.booking.status != crate::domain::booking::Status::Cancelled) {
        Some(r) => app.theme.status_symbol(r.booking.status),
        None => app.theme.free(),
    }
}

pub fn blocked(app: &App) -> &'static str {
    // Not a status symbol in either set (ASCII's cancel is "x").
    if app.theme.ascii { "=" } else { "×" }
}

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let office = &app.loaded.office;
    let days = app.week_days();
    let title = match (days.first(), days.last()) {
        (Some(a), Some(b)) => tr!(
            lang,
            "week.title",
            from = crate::i18n::short_date(lang, *a),
            to = crate::i18n::short_date(lang, *b)
        ),
        _ => tr!(lang, "week.title", from = "", to = ""),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.theme.border())
        .title(Span::styled(format!(" {title} "), app.theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let loaded: Vec<Option<&DayData>> = days
        .iter()
        .map(|d| {
            app.week
                .as_ref()
                .and_then(|w| w.iter().find(|x| x.date == Some(*d)))
        })
        .collect();
    let n = days.len().max(1);
    let cell_w = ((inner.width as usize).saturating_sub(TIME_WIDTH) / n)
        .saturating_sub(1)
        .max(5);
    let capacity = office.starts.len() * office.booths.len();
    let mut head = vec![Span::raw(" ".repeat(TIME_WIDTH))];
    let mut counts = vec![Span::raw(" ".repeat(TIME_WIDTH))];
    for (i, d) in days.iter().enumerate() {
        let style = if *d == app.date {
            app.theme.title()
        } else {
            app.theme.dim()
        };
        head.push(Span::styled(
            fit(&crate::i18n::short_date(lang, *d), cell_w),
            style,
        ));
        head.push(Span::raw(" "));
        let live = loaded[i].map_or(0, |day| {
            day.rows
                .iter()
                .filter(|r| r.booking.status.is_live())
                .count()
        });
        let text = match loaded[i] {
            Some(_) => tr!(lang, "week.count", live = live, slots = capacity),
            None => "…".to_string(),
        };
        counts.push(Span::styled(fit(&text, cell_w), app.theme.dim()));
        counts.push(Span::raw(" "));
    }
    let mut lines = vec![Line::from(head), Line::from(counts)];
    let visible = (inner.height as usize).saturating_sub(3).max(1);
    let offset = app.row.saturating_sub(visible - 1);
    let len = office.slot_length();
    for (row, start) in office.starts.iter().enumerate().skip(offset).take(visible) {
        let mut spans = vec![Span::styled(
            fit(&start.format("%H:%M").to_string(), TIME_WIDTH),
            Style::new(),
        )];
        for (i, d) in days.iter().enumerate() {
            // A symbol per booth while they fit; else how many are booked.
            let fits = office.booths.len() * 2 < cell_w.saturating_sub(1);
            let text = match loaded[i] {
                Some(day) if fits => office
                    .booths
                    .iter()
                    .map(|b| {
                        let slot = Slot {
                            date: *d,
                            start: *start,
                            end: *start + len,
                            booth: b.number,
                        };
                        symbol(app, day, &slot)
                    })
                    .collect::<Vec<_>>()
                    .join(" "),
                Some(day) => {
                    let live = day
                        .rows
                        .iter()
                        .filter(|r| r.booking.slot.start == *start && r.booking.status.is_live())
                        .count();
                    format!("{live}/{}", office.booths.len())
                }
                None => String::new(),
            };
            if *d == app.date && row == app.row {
                spans.push(Span::styled(
                    format!("[{}]", fit(&text, cell_w.saturating_sub(2))),
                    app.theme.selected(),
                ));
            } else {
                spans.push(Span::raw(fit(&format!(" {text}"), cell_w)));
            }
            spans.push(Span::raw(" "));
        }
        lines.push(Line::from(spans));
    }
    if lines.len() < inner.height as usize {
        // Every symbol a cell can show: the statuses, then the rest.
        use crate::domain::booking::Status;
        let statuses: Vec<String> = [
            Status::Booked,
            Status::InProgress,
            Status::Completed,
            Status::NoShow,
            Status::Stopped,
        ]
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                app.theme.status_symbol(*s),
                crate::error::status_word(lang, *s)
            )
        })
        .collect();
        lines.push(Line::from(Span::styled(
            statuses.join("  "),
            app.theme.dim(),
        )));
        if lines.len() < inner.height as usize {
            lines.push(Line::from(Span::styled(
                tr!(
                    lang,
                    "week.legend",
                    free = app.theme.free(),
                    blocked = blocked(app)
                ),
                app.theme.dim(),
            )));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}
