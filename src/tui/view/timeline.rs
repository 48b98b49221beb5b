//! The selected day's timeline: one row per slot, one column per booth. Each
//! cell shows a status symbol and word (never colour alone) and the job
//! seeker's masked name.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::super::app::App;
use crate::domain::booking::Status;
use crate::error::closure_word;
use crate::i18n::{Lang, safe};
use crate::tr;

const TIME_WIDTH: usize = 7;
/// The narrowest booth cell: a status symbol and word, a flag and part of a name.
const MIN_CELL: usize = 12;

/// A short status word for cells.
pub fn short_status(lang: Lang, s: Status) -> String {
    match s {
        Status::Booked => tr!(lang, "status_short.booked"),
        Status::InProgress => tr!(lang, "status_short.in_progress"),
        Status::Completed => tr!(lang, "status_short.completed"),
        Status::Stopped => tr!(lang, "status_short.stopped"),
        Status::Cancelled => tr!(lang, "status_short.cancelled"),
        Status::NoShow => tr!(lang, "status_short.no_show"),
    }
}

use crate::i18n::fit;

pub fn render(app: &App, f: &mut Frame, area: Rect) {
    let lang = app.lang;
    let title = tr!(
        lang,
        "dash.timeline",
        date = super::long_date(lang, app.date)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.theme.border())
        .title(Span::styled(format!(" {title} "), app.theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let office = &app.loaded.office;
    if let Some(c) = office.calendar.closure(app.date) {
        let mut lines = vec![Line::from(Span::styled(
            format!("{}: {}", tr!(lang, "day.closed"), closure_word(lang, &c)),
            app.theme.warn(),
        ))];
        if !app.data.rows.is_empty() {
            lines.push(Line::from(tr!(
                lang,
                "dash.closed_with_bookings",
                count = app.data.rows.len()
            )));
        }
        f.render_widget(Paragraph::new(lines), inner);
        return;
    }
    let booths = office.booths.len().max(1);
    let avail = (inner.width as usize).saturating_sub(TIME_WIDTH);
    // As many booths as fit with a readable cell; more scroll sideways,
    // keeping the selected booth in view.
    let shown = booths.min((avail / (MIN_CELL + 1)).max(1));
    let cell_w = (avail / shown).saturating_sub(1).max(4);
    let first_col = app.col.saturating_sub(shown - 1).min(booths - shown);
    let cols = first_col..first_col + shown;

    let mut header = vec![Span::styled(
        fit(&tr!(lang, "day.col.time"), TIME_WIDTH),
        app.theme.dim(),
    )];
    for col in cols.clone() {
        let Some(b) = office.booths.get(col) else {
            continue;
        };
        // "<" and ">" say that more booths are off to that side.
        let more_left = if col == first_col && first_col > 0 {
            "< "
        } else {
            ""
        };
        let more_right = if col + 1 == cols.end && cols.end < booths {
            " >"
        } else {
            ""
        };
        let label = tr!(lang, "day.booth_n", booth = b.number);
        header.push(Span::styled(
            fit(&format!("{more_left}{label}{more_right}"), cell_w),
            app.theme.dim(),
        ));
        header.push(Span::raw(" "));
    }
    let mut lines = vec![Line::from(header)];

    // Keep the selected row in view when the slots do not all fit.
    let visible = (inner.height as usize).saturating_sub(1).max(1);
    let offset = app.row.saturating_sub(visible - 1);
    let slot_len = office.slot_length();
    for (row, start) in office.starts.iter().enumerate().skip(offset).take(visible) {
        let begins = app.date.and_time(*start);
        let now_here = app.now >= begins && app.now < begins + slot_len;
        let past = app.now >= begins + slot_len;
        let marker = if now_here {
            app.theme.now_marker()
        } else {
            " "
        };
        let time_style = if now_here {
            app.theme.title()
        } else if past {
            app.theme.dim()
        } else {
            Style::new()
        };
        let mut spans = vec![Span::styled(
            fit(&format!("{marker}{}", start.format("%H:%M")), TIME_WIDTH),
            time_style,
        )];
        for col in cols.clone() {
            let selected = row == app.row && col == app.col;
            let slot = app.selected_slot_at(row, col);
            let block = slot.as_ref().and_then(|sl| app.data.block_at(sl));
            let hold = slot.as_ref().and_then(|sl| app.data.hold_at(sl));
            // A cancelled booking left its slot free: a block or another
            // terminal's hold on it is shown instead, as the week shows it.
            let cell = app.cell(row, col).filter(|r| {
                r.booking.status != crate::domain::booking::Status::Cancelled
                    || (block.is_none() && hold.is_none())
            });
            let (text, mut style) = match cell {
                Some(r) => {
                    let s = r.booking.status;
                    let name = r
                        .masked()
                        .map(|m| app.theme.mask(&safe(&m)))
                        .unwrap_or_default();
                    let mut flags = String::new();
                    if r.no_shows > 0 && s.is_live() {
                        flags.push_str(&tr!(lang, "flag.no_show"));
                    }
                    if r.refusal.is_some() {
                        flags.push_str(&tr!(lang, "flag.refused"));
                    }
                    if r.booking.attendance.interpreter.is_some() {
                        flags.push_str(&tr!(lang, "flag.interpreter"));
                    }
                    if r.booking.attendance.caregiver {
                        flags.push_str(&tr!(lang, "flag.caregiver"));
                    }
                    if s == crate::domain::booking::Status::Booked
                        && app
                            .loaded
                            .office
                            .terms
                            .needs_reconsent(&r.booking.consent.terms_version, r.booking.slot.date)
                    {
                        flags.push_str(&tr!(lang, "flag.reconsent"));
                    }
                    if s.is_live() && block.is_some() {
                        flags.push_str(super::week::blocked(app));
                    }
                    if r.note.is_some() || r.seeker_note.is_some() {
                        flags.push_str(&tr!(lang, "flag.note"));
                    }
                    // Flags before the name, so that a narrow cell cuts the name, not them.
                    let gap = if flags.is_empty() { "" } else { " " };
                    if app.is_late(&r.booking) {
                        // Late: a symbol and a word of its own, not colour alone.
                        let text =
                            format!("? {} {flags}{gap}{name}", tr!(lang, "status_short.late"));
                        (text, app.theme.warn())
                    } else {
                        let text = format!(
                            "{} {} {flags}{gap}{name}",
                            app.theme.status_symbol(s),
                            short_status(lang, s),
                        );
                        (text, app.theme.status_style(s))
                    }
                }
                None if block.is_some() => (
                    format!(
                        "{} {}",
                        super::week::blocked(app),
                        tr!(lang, "block.marker")
                    ),
                    app.theme.warn(),
                ),
                None => match hold {
                    // Another terminal's wizard is on it: who, in words.
                    Some(h) => (
                        format!("~ {} {}", tr!(lang, "dash.held"), safe(&h.account)),
                        Style::new(),
                    ),
                    None => (
                        format!("{} {}", app.theme.free(), tr!(lang, "dash.free")),
                        app.theme.dim(),
                    ),
                },
            };
            if selected {
                style = style.patch(app.theme.selected());
                // Brackets as well as reverse video: the cursor stays
                // visible without colour, in ASCII, on any terminal.
                let inner = fit(&text, cell_w.saturating_sub(2));
                spans.push(Span::styled(format!("[{inner}]"), style));
            } else {
                spans.push(Span::styled(fit(&text, cell_w), style));
            }
            spans.push(Span::raw(" "));
        }
        lines.push(Line::from(spans));
    }
    if lines.len() < inner.height as usize && app.data.empty_db {
        lines.push(Line::from(""));
        for l in super::wizard::wrap(&crate::tui::empty_hint(&app.loaded, lang), inner.width) {
            lines.push(Line::from(Span::styled(l, app.theme.dim())));
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}
