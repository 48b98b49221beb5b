//! Every free text a person or a client may send, with its one rule: the
//! command line, the screens and the server each call these, so a value
//! the command line refuses is refused by the server too, whoever sent it.
//! Each bounds its input in bytes and characters before anything else
//! looks at it, refuses control, format and bidi characters, and returns
//! the text as it is stored (spaces folded).

use super::Invalid;
use super::seeker::{TEXT_MAX_WIDTH, free_text};

/// Widest interpreter's language, in terminal columns.
pub const INTERPRETER_MAX_WIDTH: usize = 40;

/// Longest search, in characters.
pub const QUERY_MAX_CHARS: usize = 100;

/// Longest terminal name (`host:tty`), in characters; longer names are cut.
pub const TERMINAL_MAX_CHARS: usize = 64;

/// Longest PIN as typed, in characters.
pub const PIN_MAX_CHARS: usize = 64;

/// A reason staff type (a cancellation, a refusal, a late booking, a block).
pub fn reason(field: &'static str, s: &str) -> Result<String, Invalid> {
    free_text(field, s, TEXT_MAX_WIDTH).map_err(|e| {
        if e.kind == "text_empty" {
            Invalid::new(field, s, "reason")
        } else {
            e
        }
    })
}

/// The language an interpreter is needed for.
pub fn interpreter(s: &str) -> Result<String, Invalid> {
    free_text("interpreter", s, INTERPRETER_MAX_WIDTH)
}

/// What is searched for: a name, kana, a number, an email or a phone.
pub fn query(s: &str) -> Result<String, Invalid> {
    super::bounded("query", s, QUERY_MAX_CHARS, QUERY_MAX_CHARS * 4)?;
    if s.trim().is_empty() {
        return Ok(String::new());
    }
    free_text("query", s, QUERY_MAX_CHARS * 2)
}

/// A PIN as typed: digits only, bounded (a wrong one is simply wrong).
pub fn pin(s: &str) -> Result<String, Invalid> {
    super::bounded("pin", s, PIN_MAX_CHARS, PIN_MAX_CHARS * 4)?;
    Ok(s.to_string())
}

/// A terminal's name as the audit trail records it: printable, one line,
/// at most [`TERMINAL_MAX_CHARS`]; a client's longer or dirtier name is
/// refused rather than stored.
pub fn terminal(s: &str) -> Result<String, Invalid> {
    super::bounded("terminal", s, TERMINAL_MAX_CHARS, TERMINAL_MAX_CHARS * 4)?;
    if s.is_empty() {
        return Ok("-".into());
    }
    if super::seeker::combining_flood(s)
        || s.chars()
            .any(|c| super::seeker::is_forbidden_char(c) || c.is_whitespace())
    {
        return Err(Invalid::new("terminal", s, "terminal"));
    }
    Ok(s.to_string())
}

/// A terminal name made fit for [`terminal`]: what a client sends of its
/// own (`host:tty`), cleaned and cut.
pub fn terminal_of(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(|c| !super::seeker::is_forbidden_char(*c) && !c.is_whitespace())
        .take(TERMINAL_MAX_CHARS)
        .collect();
    if t.is_empty() { "-".into() } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_bounds_and_refuses_control_and_bidi_characters() {
        let long = "x".repeat(64 << 10);
        for bad in [
            "English\u{1b}[8m",
            "a\u{202e}b",
            "a\u{200b}b",
            "a\nb",
            long.as_str(),
            "e\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}",
        ] {
            assert!(interpreter(bad).is_err(), "{bad:?}");
            assert!(reason("reason", bad).is_err(), "{bad:?}");
            assert!(terminal(bad).is_err(), "{bad:?}");
        }
        assert!(query(&long).is_err());
        assert!(pin(&long).is_err());
        assert_eq!(interpreter(" English  ").unwrap(), "English");
        // Stacked marks as a language writes them are text.
        assert!(interpreter("Tiếng Việt").is_ok());
        assert!(reason("reason", "e\u{301}\u{302}").is_ok());
        assert_eq!(reason("reason", "体調　 不良").unwrap(), "体調 不良");
        assert_eq!(terminal("counter-pc:pts/3").unwrap(), "counter-pc:pts/3");
        assert_eq!(terminal("").unwrap(), "-");
        assert!(terminal(&"t".repeat(TERMINAL_MAX_CHARS + 1)).is_err());
        assert_eq!(query("  ").unwrap(), "");
    }

    #[test]
    fn a_terminal_name_is_cleaned_into_what_the_rule_accepts() {
        for raw in [
            "evil\u{1b}[2J host",
            &"x".repeat(1000),
            "",
            "\u{202e}",
            "counter-pc:pts/3",
        ] {
            let t = terminal_of(raw);
            assert_eq!(terminal(&t).as_deref(), Ok(t.as_str()), "{raw:?}");
        }
    }
}
