//! The kiosk's screens: welcome, free slots, the wizard, done; with the idle
//! countdown and the staff PIN on top. Drawn from the kiosk's state only,
//! which holds nobody else's data.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;

use super::Look;
use crate::i18n::{Lang, fit, long_date, safe, short_date};
use crate::tr;
use crate::tui::keymap::Command;
use crate::tui::kiosk::{Kiosk, Screen};

/// Width of one day's column on the slots screen.
const DAY_WIDTH: u16 = 14;
const TIME_WIDTH: u16 = 7;

fn look(k: &Kiosk) -> Look<'_> {
    Look {
        lang: k.lang,
        theme: k.theme,
        loaded: &k.loaded,
        today: k.now.date(),
    }
}

pub fn render(k: &Kiosk, f: &mut Frame) {
    if super::too_small(k.lang, f) {
        return;
    }
    let area = f.area();
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let l = look(k);
    render_header(k, f, header);
    match k.screen {
        Screen::Welcome => welcome(k, f, body),
        Screen::Slots => slots(k, f, body),
        Screen::Wizard => {
            if let Some(w) = &k.wizard {
                super::wizard::render(&l, w, f);
            }
        }
        Screen::Done => done(k, f, body),
    }
    if let Some(m) = &k.message {
        f.render_widget(
            Paragraph::new(Span::styled(format!(" ! {}", safe(m)), k.theme.warn())),
            status,
        );
    }
    // The kiosk's wizard has no channel, no override and no no-show
    // acknowledgement: their keys are not offered.
    let skip = [
        Command::Channel,
        Command::Acknowledge,
        Command::Staff,
        Command::Quit,
    ];
    super::footer(&l, k.mode(), &skip, f, footer);
    if let Some(left) = k.countdown() {
        countdown(k, f, body, left);
    }
    if k.pin.is_some() {
        pin(k, f, body);
    }
}

fn office_name(k: &Kiosk) -> &str {
    match k.lang {
        Lang::Ja => &k.loaded.config.office.name,
        Lang::En => &k.loaded.config.office.name_en,
    }
}

fn render_header(k: &Kiosk, f: &mut Frame, area: Rect) {
    let left = format!(" {}  {}", office_name(k), tr!(k.lang, "kiosk.title"));
    let right = format!(
        "{} {} ",
        long_date(k.lang, k.now.date()),
        k.now.format("%H:%M")
    );
    let gap = (area.width as usize).saturating_sub(left.width() + right.width());
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(left, k.theme.title()),
            Span::raw(" ".repeat(gap)),
            Span::raw(right),
        ]))
        .style(k.theme.selected()),
        area,
    );
}

fn centred(text: String, style: Style) -> Line<'static> {
    Line::from(Span::styled(text, style)).alignment(Alignment::Center)
}

fn welcome(k: &Kiosk, f: &mut Frame, area: Rect) {
    let t = &k.theme;
    let office = &k.loaded.config.office;
    let button = |label: &str, on: bool| {
        let text = format!("  {label}  ");
        if on {
            Span::styled(text, t.selected().patch(t.title()))
        } else {
            Span::raw(text)
        }
    };
    let (lb, rb) = if t.ascii { ("[", "]") } else { ("［", "］") };
    // Both languages greet, unless the terminal is a plain one in English,
    // where Japanese would show as garbage.
    let plain_en = t.ascii && k.lang == Lang::En;
    let mut lines = vec![Line::from("")];
    if !plain_en {
        lines.push(centred(office.name.clone(), t.title()));
    }
    lines.push(centred(office.name_en.clone(), t.dim()));
    lines.push(Line::from(""));
    if !plain_en {
        lines.push(centred(tr!(Lang::Ja, "kiosk.welcome"), t.title()));
    }
    lines.extend([
        centred(tr!(Lang::En, "kiosk.welcome"), t.title()),
        Line::from(""),
        Line::from(
            [
                (Lang::Ja, "kiosk.button_ja", "kiosk.button_ja_plain"),
                (Lang::En, "kiosk.button_en", "kiosk.button_en_plain"),
            ]
            .into_iter()
            .enumerate()
            .flat_map(|(i, (lang, key, plain))| {
                let label = crate::i18n::text(Lang::En, if plain_en { plain } else { key });
                [
                    Span::raw(if i == 0 { "" } else { "    " }),
                    Span::raw(lb),
                    button(label, k.lang == lang),
                    Span::raw(rb),
                ]
            })
            .collect::<Vec<_>>(),
        )
        .alignment(Alignment::Center),
        Line::from(""),
        centred(
            tr!(
                k.lang,
                "kiosk.about",
                minutes = k.loaded.config.slots.minutes,
                days = k.loaded.office.rules.deadline_open_days
            ),
            Style::new(),
        ),
        centred(
            tr!(k.lang, "kiosk.phone", phone = office.phone),
            Style::new(),
        ),
        centred(tr!(k.lang, "kiosk.privacy"), t.dim()),
        Line::from(""),
        centred(tr!(k.lang, "kiosk.press_enter"), t.title()),
    ]);
    if k.font_hint && k.lang == Lang::Ja {
        lines.push(Line::from(""));
        lines.push(centred(tr!(Lang::En, "kiosk.font_hint"), t.warn()));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

fn slots(k: &Kiosk, f: &mut Frame, area: Rect) {
    let t = &k.theme;
    let lang = k.lang;
    let [intro, _, grid] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [free_sym, full_sym] = crate::tui::kiosk_symbols(t.ascii);
    f.render_widget(
        Paragraph::new(vec![
            Line::from(Span::styled(
                format!(" {}", tr!(lang, "kiosk.choose")),
                t.title(),
            )),
            Line::from(Span::styled(
                format!(
                    " {}",
                    tr!(
                        lang,
                        "kiosk.legend",
                        free = format!("{free_sym} {}", tr!(lang, "kiosk.free")),
                        full = format!("{full_sym} {}", tr!(lang, "kiosk.full_word"))
                    )
                ),
                t.dim(),
            )),
        ]),
        intro,
    );
    if k.days.is_empty() {
        f.render_widget(
            Paragraph::new(format!(" {}", tr!(lang, "kiosk.no_days"))).wrap(Wrap { trim: false }),
            grid,
        );
        return;
    }
    let mut lines = Vec::new();
    let mut head = vec![Span::raw(" ".repeat(TIME_WIDTH as usize))];
    for (i, d) in k.days.iter().enumerate() {
        let style = if i == k.day { t.title() } else { t.dim() };
        head.push(Span::styled(
            fit(&short_date(lang, d.date), DAY_WIDTH as usize),
            style,
        ));
    }
    lines.push(Line::from(head));
    let times = k.days.iter().map(|d| d.slots.len()).max().unwrap_or(0);
    for row in 0..times {
        let time = k
            .days
            .iter()
            .find_map(|d| d.slots.get(row))
            .map(|s| s.time.format("%H:%M").to_string())
            .unwrap_or_default();
        let mut spans = vec![Span::raw(fit(&format!(" {time}"), TIME_WIDTH as usize))];
        for (i, d) in k.days.iter().enumerate() {
            let cell = match d.slots.get(row) {
                Some(s) if s.booth.is_some() => {
                    (format!("{free_sym} {}", tr!(lang, "kiosk.free")), true)
                }
                Some(_) => (
                    format!("{full_sym} {}", tr!(lang, "kiosk.full_word")),
                    false,
                ),
                None => (String::new(), false),
            };
            let selected = i == k.day && row == k.slot;
            let style = match (selected, cell.1) {
                (true, _) => t.selected().patch(t.title()),
                (false, true) => t.ok(),
                (false, false) => t.dim(),
            };
            let text = if selected {
                format!("{}{}", t.now_marker(), cell.0)
            } else {
                format!(" {}", cell.0)
            };
            spans.push(Span::styled(fit(&text, DAY_WIDTH as usize - 2), style));
            spans.push(Span::raw("  "));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines), grid);
}

fn done(k: &Kiosk, f: &mut Frame, area: Rect) {
    let t = &k.theme;
    let lang = k.lang;
    let Some(b) = &k.booked else { return };
    let qr_url = match k.loaded.config.kiosk.qr.as_str() {
        "meeting" => Some(b.url.as_str()),
        "info" => Some(k.loaded.config.kiosk.info_url.as_str()),
        _ => None,
    };
    let qr = qr_url.filter(|_| !t.ascii).and_then(qr_lines).filter(|q| {
        (q.len() as u16) < area.height && q[0].chars().count() as u16 + 40 <= area.width
    });
    let text_area = match &qr {
        Some(q) => {
            let w = q[0].chars().count() as u16;
            let [left, right] =
                Layout::horizontal([Constraint::Fill(1), Constraint::Length(w + 1)]).areas(area);
            let style = Style::new().fg(Color::White).bg(Color::Black);
            let mut lines: Vec<Line> = q
                .iter()
                .map(|l| Line::from(Span::styled(l.clone(), style)))
                .collect();
            lines.push(Line::from(Span::styled(
                tr!(lang, "kiosk.qr_hint"),
                t.dim(),
            )));
            f.render_widget(Paragraph::new(lines), right);
            left
        }
        None => area,
    };
    let label = |key: &str| Span::styled(fit(crate::i18n::text(lang, key), 12), t.dim());
    let mut lines = vec![
        Line::from(""),
        Line::from(Span::styled(
            format!(
                " {} {}",
                if t.ascii { "OK" } else { "✓" },
                tr!(lang, "kiosk.done")
            ),
            t.ok(),
        )),
        Line::from(""),
        Line::from(vec![
            Span::raw(" "),
            label("wizard.booking_id"),
            Span::styled(b.id.to_string(), t.title()),
        ]),
    ];
    // Wrapped here by display width, so that Japanese breaks anywhere and
    // every line keeps its margin.
    let width = text_area.width.saturating_sub(2).max(10);
    for (i, l) in super::wizard::wrap(&b.when, width.saturating_sub(12))
        .into_iter()
        .enumerate()
    {
        let head = if i == 0 {
            label("detail.when")
        } else {
            Span::raw(" ".repeat(12))
        };
        lines.push(Line::from(vec![Span::raw(" "), head, Span::raw(l)]));
    }
    let para = |lines: &mut Vec<Line<'static>>, text: &str, style: Style| {
        lines.push(Line::from(""));
        for l in super::wizard::wrap(text, width) {
            lines.push(Line::from(Span::styled(format!(" {l}"), style)));
        }
    };
    para(&mut lines, &safe(&b.mail), Style::new());
    para(
        &mut lines,
        &tr!(
            lang,
            "kiosk.cancel_by_phone",
            phone = k.loaded.config.office.phone
        ),
        Style::new(),
    );
    if qr.is_none()
        && let Some(url) = qr_url
    {
        para(&mut lines, &tr!(lang, "kiosk.url_is"), t.dim());
        for l in super::wizard::wrap(&safe(url), width) {
            lines.push(Line::from(format!(" {l}")));
        }
    }
    para(&mut lines, &tr!(lang, "kiosk.finish_hint"), t.title());
    f.render_widget(Paragraph::new(lines), text_area);
}

/// A QR code of `text` in half blocks, two modules per character cell
/// vertically, with a quiet zone of two modules. Light modules are drawn
/// (white on black), so the code reads right on the usual dark terminal.
pub fn qr_lines(text: &str) -> Option<Vec<String>> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::L).ok()?;
    let n = code.width();
    let colors = code.to_colors();
    const QUIET: usize = 2;
    let size = n + 2 * QUIET;
    let light = |x: usize, y: usize| -> bool {
        if x < QUIET || y < QUIET || x >= n + QUIET || y >= n + QUIET {
            return true;
        }
        colors[(y - QUIET) * n + (x - QUIET)] == qrcode::Color::Light
    };
    let mut out = Vec::new();
    let mut y = 0;
    while y < size {
        let mut line = String::with_capacity(size * 3);
        for x in 0..size {
            let top = light(x, y);
            let bottom = y + 1 >= size || light(x, y + 1);
            line.push(match (top, bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        out.push(line);
        y += 2;
    }
    Some(out)
}

fn countdown(k: &Kiosk, f: &mut Frame, area: Rect, left: u32) {
    let inner = super::popup(&k.theme, f, area, 60, 7, &tr!(k.lang, "kiosk.still_there"));
    let lines = vec![
        Line::from(""),
        centred(
            tr!(k.lang, "kiosk.countdown", seconds = left),
            k.theme.warn(),
        ),
        Line::from(""),
        centred(tr!(k.lang, "kiosk.any_key"), k.theme.title()),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn pin(k: &Kiosk, f: &mut Frame, area: Rect) {
    let Some(p) = &k.pin else { return };
    let inner = super::popup(&k.theme, f, area, 60, 7, &tr!(k.lang, "kiosk.staff"));
    let stars = "*".repeat(p.input.chars().count());
    let mut lines = vec![
        Line::from(format!(" {}", tr!(k.lang, "kiosk.pin_prompt"))),
        Line::from(""),
        Line::from(vec![
            Span::raw(format!(" {}: ", tr!(k.lang, "kiosk.pin_label"))),
            Span::styled(format!("{stars}{}", k.theme.cursor()), k.theme.title()),
        ]),
    ];
    if let Some(e) = &p.error {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            format!(" {}", safe(e)),
            k.theme.error(),
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_is_square_with_its_quiet_zone() {
        let q = qr_lines("https://meeting.example.jp/hw-kagoshima/booth-1?booking=K7M2Q9").unwrap();
        let width = q[0].chars().count();
        assert!(q.iter().all(|l| l.chars().count() == width));
        // Two modules per line: the height is half the width, rounded up.
        assert_eq!(q.len(), width.div_ceil(2));
        // The quiet zone is light all round.
        assert!(q[0].chars().all(|c| c == '█'));
        assert!(q.iter().all(|l| l.starts_with("██") && l.ends_with("██")));
        // Fits the kiosk's completion screen beside the text at 80x24.
        assert!(width <= 40 && q.len() <= 21, "{width}x{}", q.len());
    }
}
