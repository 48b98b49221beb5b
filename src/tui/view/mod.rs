//! Drawing: pure functions from `&App` to the frame. Nothing here changes
//! state or touches the store.

mod calendar;
mod detail;
pub mod kiosk;
mod overlay;
mod timeline;
mod week;
pub mod wizard;

use chrono::NaiveDateTime;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::app::{App, Tone};
use super::keymap::{self, Mode};
use super::theme::Theme;
use crate::config::Loaded;
use crate::i18n::{Lang, safe};
use crate::tr;

/// The smallest screen the dashboard draws on.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;
/// From this width the detail pane stays open beside the timeline.
pub const WIDE: u16 = 120;

pub fn render(app: &App, f: &mut Frame) {
    let area = f.area();
    if too_small(app.lang, f) {
        return;
    }
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(app, f, header);
    let wide = area.width >= WIDE;
    if app.week.is_some() {
        week::render(app, f, body);
        render_status(app, f, status);
        render_footer(app, f, footer);
        match app.mode {
            Mode::Help => overlay::help(app, f, body),
            Mode::Message => render_message(app, f, body),
            Mode::Prompt => overlay::prompt(app, f, body),
            Mode::Confirm => overlay::confirm(app, f, body),
            _ => {}
        }
        return;
    }
    let [left, rest] =
        Layout::horizontal([Constraint::Length(calendar::WIDTH), Constraint::Fill(1)]).areas(body);
    let [cal, summary] =
        Layout::vertical([Constraint::Length(calendar::HEIGHT), Constraint::Fill(1)]).areas(left);
    calendar::render(app, f, cal);
    calendar::render_summary(app, f, summary);
    // With room to spare the details stay open: under a full-width timeline
    // when the screen is tall enough, else beside it.
    let timeline_rows = app.slot_count() as u16 + 3;
    if wide && body.height >= timeline_rows + detail::MIN_HEIGHT {
        let [t, d] =
            Layout::vertical([Constraint::Length(timeline_rows), Constraint::Fill(1)]).areas(rest);
        timeline::render(app, f, t);
        detail::render_pane(app, f, d);
    } else if wide {
        let [t, d] = Layout::horizontal([Constraint::Fill(1), Constraint::Length(46)]).areas(rest);
        timeline::render(app, f, t);
        detail::render_pane(app, f, d);
    } else {
        timeline::render(app, f, rest);
    }
    render_status(app, f, status);
    render_footer(app, f, footer);
    match app.mode {
        Mode::Detail if !wide => detail::render_overlay(app, f, body),
        Mode::Help => overlay::help(app, f, body),
        Mode::Message => render_message(app, f, body),
        Mode::Prompt => overlay::prompt(app, f, body),
        Mode::Confirm => overlay::confirm(app, f, body),
        Mode::Results => overlay::results(app, f, body),
        Mode::Stats => overlay::stats(app, f, body),
        Mode::Audit => overlay::audit(app, f, body),
        _ => {}
    }
    if let Some(w) = &app.wizard {
        wizard::render(&app.look(), w, f);
    }
}

pub use crate::i18n::{long_date, short_date};

/// Below 80x24 a screen says so in one line instead of drawing cut off.
pub fn too_small(lang: Lang, f: &mut Frame) -> bool {
    let area = f.area();
    if area.width >= MIN_WIDTH && area.height >= MIN_HEIGHT {
        return false;
    }
    let msg = tr!(
        lang,
        "dash.too_small",
        width = area.width,
        height = area.height,
        min_width = MIN_WIDTH,
        min_height = MIN_HEIGHT
    );
    f.render_widget(Paragraph::new(msg), area);
    true
}

/// What every screen draws with: the language, the glyphs, the office and
/// the day. The dashboard and the kiosk each lend theirs.
#[derive(Clone, Copy)]
pub struct Look<'a> {
    pub lang: Lang,
    pub theme: Theme,
    pub loaded: &'a Loaded,
    pub today: chrono::NaiveDate,
}

pub fn hm(t: NaiveDateTime) -> String {
    t.format("%H:%M").to_string()
}

fn render_header(app: &App, f: &mut Frame, area: Rect) {
    let office = match app.lang {
        Lang::Ja => app.loaded.config.office.name.as_str(),
        Lang::En => app.loaded.config.office.name_en.as_str(),
    };
    let terms = app
        .loaded
        .office
        .terms
        .in_force(app.today())
        .map(|v| v.version.clone())
        .unwrap_or_else(|| "-".into());
    let mut spans = vec![Span::styled(format!(" {office} "), app.theme.title())];
    if area.width >= 100 {
        spans.push(Span::raw(tr!(app.lang, "dash.title")));
        spans.push(Span::raw(" "));
    }
    spans.extend([
        Span::raw(" "),
        Span::styled(
            format!("{} {}", long_date(app.lang, app.today()), hm(app.now)),
            app.theme.title(),
        ),
        Span::raw("  "),
        Span::raw(tr!(app.lang, "dash.terms", version = terms)),
    ]);
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(app.theme.selected()),
        area,
    );
}

fn render_status(app: &App, f: &mut Frame, area: Rect) {
    let Some(s) = &app.status else {
        return;
    };
    let (mark, style) = match s.tone {
        Tone::Error => ("! ", app.theme.error()),
        Tone::Ok => (if app.theme.ascii { "ok " } else { "✓ " }, app.theme.ok()),
        Tone::Info => ("", ratatui::style::Style::new()),
    };
    let text = format!(" {mark}{}", safe(&s.text));
    // Too long for the line: cut, with the key that shows it whole.
    let text = if unicode_width::UnicodeWidthStr::width(text.as_str()) > area.width as usize {
        let more = if app.theme.ascii { "... v" } else { "… v" };
        let keep = (area.width as usize).saturating_sub(more.len() + 1);
        format!("{}{more}", crate::i18n::fit(&text, keep))
    } else {
        text
    };
    f.render_widget(Paragraph::new(Span::styled(text, style)), area);
}

/// The last message whole, wrapped, in a box over the day.
fn render_message(app: &App, f: &mut Frame, area: Rect) {
    let Some(s) = &app.status else {
        return;
    };
    let width = area.width.saturating_sub(4).clamp(20, 76);
    let lines: Vec<Line> = wizard::wrap(&safe(&s.text), width.saturating_sub(2))
        .into_iter()
        .map(Line::from)
        .collect();
    let h = (lines.len() as u16 + 2).min(area.height);
    let inner = popup(
        &app.theme,
        f,
        area,
        width,
        h,
        &crate::tr!(app.lang, "dash.message_title"),
    );
    f.render_widget(Paragraph::new(lines), inner);
}

/// Key hints of the current mode, as many as fit; help and quit are kept
/// last so that they always show.
fn render_footer(app: &App, f: &mut Frame, area: Rect) {
    // The wizard's keys follow its step (and its abandon question), even
    // when the step changed without a key (booked).
    let mode = app.wizard.as_ref().map_or(app.mode, |w| w.mode());
    // A viewer's screen shows the keys a viewer may use.
    let skip: Vec<keymap::Command> = if app.viewer {
        keymap::bindings(mode)
            .map(|b| b.command)
            .filter(|c| !c.for_viewer())
            .collect()
    } else {
        Vec::new()
    };
    footer(&app.look(), mode, &skip, f, area);
}

/// The key hints of `mode` from the key table, leaving out `skip`.
/// The keys a footer keeps first when it cannot show them all.
const FOOTER_FIRST: [keymap::Command; 6] = [
    keymap::Command::New,
    keymap::Command::Cancel,
    keymap::Command::Start,
    keymap::Command::Finish,
    keymap::Command::Details,
    keymap::Command::Search,
];

pub fn footer(app: &Look<'_>, mode: Mode, skip: &[keymap::Command], f: &mut Frame, area: Rect) {
    use unicode_width::UnicodeWidthStr;
    let hint = |b: &keymap::Binding| {
        let label = if app.theme.ascii {
            keymap::ascii_label(b.label)
        } else {
            b.label.to_string()
        };
        (
            format!(" {label}"),
            format!(" {} ", crate::i18n::text(app.lang, b.desc)),
        )
    };
    let last =
        |b: &keymap::Binding| matches!(b.command, keymap::Command::Help | keymap::Command::Quit);
    let hints: Vec<_> = keymap::bindings(mode)
        .filter(|b| b.hint && !skip.contains(&b.command))
        .collect();
    let tail: Vec<_> = hints.iter().filter(|b| last(b)).map(|b| hint(b)).collect();
    let tail_width: usize = tail.iter().map(|(k, d)| k.width() + d.width()).sum();
    // When not all fit, the keys used most keep their place first (a new
    // booking, a cancellation, start and finish, the details, search);
    // those kept are shown in the table's order.
    let body: Vec<_> = hints.iter().filter(|b| !last(b)).collect();
    let texts: Vec<_> = body.iter().map(|b| hint(b)).collect();
    let rank = |b: &keymap::Binding| {
        FOOTER_FIRST
            .iter()
            .position(|c| *c == b.command)
            .unwrap_or(FOOTER_FIRST.len())
    };
    let mut order: Vec<usize> = (0..body.len()).collect();
    order.sort_by_key(|&i| (rank(body[i]), i));
    let mut keep = vec![false; body.len()];
    let mut used = tail_width;
    for i in order {
        let w = texts[i].0.width() + texts[i].1.width();
        if used + w <= area.width as usize {
            used += w;
            keep[i] = true;
        }
    }
    let mut spans = Vec::new();
    for (i, (k, d)) in texts.into_iter().enumerate() {
        if keep[i] {
            spans.push(Span::styled(k, app.theme.key()));
            spans.push(Span::raw(d));
        }
    }
    for (k, d) in tail {
        spans.push(Span::styled(k, app.theme.key()));
        spans.push(Span::raw(d));
    }
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(app.theme.dim()),
        area,
    );
}

/// The audit browser's action filter in words.
fn app_audit_action(lang: Lang, i: usize) -> String {
    match super::app::AUDIT_ACTIONS.get(i).copied().unwrap_or("") {
        "" => tr!(lang, "audit_view.all"),
        a => detail::action_word(lang, a),
    }
}

/// A centred box of at most `w`x`h` inside `area`, cleared, with a border and title.
pub fn popup(theme: &Theme, f: &mut Frame, area: Rect, w: u16, h: u16, title: &str) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    // A full-width character just left of the box would cover its left
    // border: clear one column of margin on either side as well.
    let left = r.x.saturating_sub(area.x.min(r.x)).min(1);
    let right = u16::from(r.x + r.width < area.x + area.width);
    f.render_widget(
        Clear,
        Rect {
            x: r.x - left,
            width: r.width + left + right,
            ..r
        },
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(theme.border())
        .title(Span::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}
