//! The rules of the terms of use, as pure code.
//!
//! No clock (today and now are parameters), no files, no terminal, no
//! database: every rule of `docs/domain.md` lives here once and is tested
//! without any of them.

pub mod block;
pub mod booking;
pub mod calendar;
pub mod input;
pub mod office;
pub mod seeker;
pub mod stats;
pub mod terms;

use std::fmt;

/// How much of a refused value a message shows, in characters.
pub const VALUE_SHOWN: usize = 60;

/// Refuses input longer than `max_chars` characters or `max_bytes` bytes,
/// before anything else looks at it (normalising a flood costs time).
pub fn bounded(
    field: &'static str,
    input: &str,
    max_chars: usize,
    max_bytes: usize,
) -> Result<(), Invalid> {
    if input.len() > max_bytes || input.chars().nth(max_chars).is_some() {
        return Err(Invalid::new(field, input, "text_long").with_limit(max_chars));
    }
    Ok(())
}

/// A value a person typed that is not accepted (exit status 2).
///
/// `field` names the field as the person knows it (the command-line option
/// without dashes, or the configuration key); `kind` names what is accepted,
/// as a key of the message catalogue (`invalid.<kind>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub value: String,
    pub kind: &'static str,
    /// A limit that the message states (a width, a length).
    pub limit: Option<usize>,
    /// Where in the value it went wrong (a line and column of a file).
    pub detail: Option<String>,
}

impl Invalid {
    /// The value is kept for the message, cut to [`VALUE_SHOWN`] characters:
    /// a flood typed into a field is never printed back whole.
    pub fn new(field: &'static str, value: impl Into<String>, kind: &'static str) -> Self {
        let mut value: String = value.into();
        if value.len() > VALUE_SHOWN {
            let cut: String = value.chars().take(VALUE_SHOWN).collect();
            if cut.len() < value.len() {
                value = format!("{cut}…");
            }
        }
        Self {
            field,
            value,
            kind,
            limit: None,
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Renames the field (the same value typed into another field).
    pub fn for_field(mut self, field: &'static str) -> Self {
        self.field = field;
        self
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {:?} is not accepted ({})",
            self.field, self.value, self.kind
        )
    }
}

impl std::error::Error for Invalid {}
