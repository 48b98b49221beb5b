//! Glyphs and styles. Only the 16 named ANSI colours; every status also has a
//! symbol and a word, so nothing depends on colour (crossterm drops colours
//! under `NO_COLOR` and keeps modifiers). An ASCII glyph set serves terminals
//! without box drawing or Japanese fonts.
//!
//! The Unicode symbols are all of East Asian width "neutral": one column
//! whether or not the terminal draws ambiguous characters wide, as Japanese
//! terminals often do. (Box drawing is ambiguous by nature; such terminals
//! want `--ascii`.)

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

use crate::domain::booking::Status;

/// The ASCII border set: `+-|`.
pub const ASCII_BORDER: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub ascii: bool,
}

impl Theme {
    pub fn new(ascii: bool) -> Self {
        Self { ascii }
    }

    /// Whether the terminal most likely lacks Unicode line drawing: `TERM`
    /// is `linux` or `vt100`-like, or the locale is not UTF-8.
    pub fn ascii_by_default(term: Option<&str>, locale: Option<&str>) -> bool {
        let term_plain = term.is_some_and(|t| {
            t == "linux" || t.starts_with("vt100") || t.starts_with("vt220") || t == "dumb"
        });
        let locale_plain = locale.is_some_and(|l| {
            let l = l.to_ascii_lowercase();
            !(l.is_empty() || l.contains("utf-8") || l.contains("utf8"))
        });
        term_plain || locale_plain
    }

    pub fn border(&self) -> border::Set<'static> {
        if self.ascii {
            ASCII_BORDER
        } else {
            border::PLAIN
        }
    }

    pub fn status_symbol(&self, s: Status) -> &'static str {
        match (s, self.ascii) {
            (Status::Booked, false) => "◦",
            (Status::Booked, true) => "o",
            (Status::InProgress, false) => "►",
            (Status::InProgress, true) => ">",
            (Status::Completed, false) => "✓",
            (Status::Completed, true) => "v",
            (Status::Stopped, false) => "◼",
            (Status::Stopped, true) => "#",
            (Status::Cancelled, false) => "✕",
            (Status::Cancelled, true) => "x",
            (Status::NoShow, _) => "!",
        }
    }

    pub fn status_style(&self, s: Status) -> Style {
        match s {
            Status::Booked => Style::new().fg(Color::Cyan),
            Status::InProgress => Style::new().fg(Color::Green).add_modifier(Modifier::BOLD),
            Status::Completed => Style::new().fg(Color::Gray),
            Status::Stopped => Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            Status::Cancelled => Style::new().fg(Color::DarkGray).add_modifier(Modifier::DIM),
            Status::NoShow => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }

    pub fn free(&self) -> &'static str {
        if self.ascii { "." } else { "⋅" }
    }

    /// Marks the slot that is going on now.
    pub fn now_marker(&self) -> &'static str {
        if self.ascii { ">" } else { "▸" }
    }

    pub fn cursor(&self) -> &'static str {
        "_"
    }

    pub fn yes_no(&self, yes: bool) -> &'static str {
        match (yes, self.ascii) {
            (true, false) => "☑",
            (false, false) => "☐",
            (true, true) => "[x]",
            (false, true) => "[ ]",
        }
    }

    /// A masked name as this terminal can show it (`＊` becomes `*` in ASCII).
    pub fn mask(&self, masked: &str) -> String {
        if self.ascii {
            masked.replace('＊', "*")
        } else {
            masked.to_string()
        }
    }

    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn dim(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn today(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn error(&self) -> Style {
        Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(&self) -> Style {
        Style::new().fg(Color::Green)
    }

    pub fn warn(&self) -> Style {
        Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_chosen_for_plain_terminals() {
        assert!(Theme::ascii_by_default(Some("linux"), Some("ja_JP.UTF-8")));
        assert!(Theme::ascii_by_default(Some("vt100"), None));
        assert!(Theme::ascii_by_default(Some("xterm"), Some("C")));
        assert!(Theme::ascii_by_default(Some("xterm"), Some("ja_JP.eucJP")));
        assert!(!Theme::ascii_by_default(
            Some("xterm-256color"),
            Some("ja_JP.UTF-8")
        ));
        assert!(!Theme::ascii_by_default(
            Some("tmux-256color"),
            Some("en_US.utf8")
        ));
    }

    #[test]
    fn unicode_symbols_are_one_column_even_where_ambiguous_is_wide() {
        use unicode_width::UnicodeWidthStr;
        let t = Theme::new(false);
        let mut symbols: Vec<&str> = Status::ALL.iter().map(|s| t.status_symbol(*s)).collect();
        symbols.extend([
            t.free(),
            t.now_marker(),
            t.cursor(),
            t.yes_no(true),
            t.yes_no(false),
        ]);
        symbols.extend(super::super::kiosk_symbols(false));
        for s in symbols {
            assert_eq!(s.width(), 1, "{s}");
            assert_eq!(s.width_cjk(), 1, "{s} is ambiguous");
        }
    }

    #[test]
    fn every_status_has_its_own_symbol_in_both_sets() {
        for ascii in [false, true] {
            let t = Theme::new(ascii);
            let mut symbols: Vec<_> = Status::ALL.iter().map(|s| t.status_symbol(*s)).collect();
            symbols.sort();
            symbols.dedup();
            assert_eq!(symbols.len(), 6);
            if ascii {
                assert!(symbols.iter().all(|s| s.is_ascii()));
            }
        }
    }
}
