//! What staff keep beside the bookings: time taken off the calendar
//! (a counsellor off sick, a booth under repair) and notes for staff only.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::Invalid;
use super::booking::{BookingId, Slot};
use super::seeker::JobSeekerNumber;

/// The longest note, in characters (and four bytes each at most).
pub const NOTE_MAX_CHARS: usize = 400;

/// Time taken off the calendar: a booth, or the whole office, from `from`
/// to `to` on `date`. No booking can be made or moved into a slot it
/// covers; the bookings already there stay until staff move or cancel them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Its number, for `soudan unblock N` (numbered on, never reused).
    pub id: u64,
    pub date: NaiveDate,
    pub from: NaiveTime,
    pub to: NaiveTime,
    /// `None`: every booth.
    pub booth: Option<u8>,
    /// Why, for staff (never shown at the kiosk or to a viewer).
    pub reason: String,
    /// The account that took the time off.
    pub by: String,
    pub at: DateTime<FixedOffset>,
}

impl Block {
    /// Whether `slot` lies (even in part) in this block.
    pub fn covers(&self, slot: &Slot) -> bool {
        slot.date == self.date
            && self.booth.is_none_or(|b| b == slot.booth)
            && slot.start < self.to
            && slot.end > self.from
    }

    /// Checks the times: `from` before `to`.
    pub fn check_times(from: NaiveTime, to: NaiveTime) -> Result<(), Invalid> {
        if from >= to {
            return Err(Invalid::new(
                "to",
                to.format("%H:%M").to_string(),
                "block_times",
            ));
        }
        Ok(())
    }
}

/// What a note is written on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteOn {
    Booking(BookingId),
    Seeker(JobSeekerNumber),
}

/// A note for staff: never in mail, statistics, the kiosk, a viewer's
/// screen or the audit trail (which records only that it changed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub text: String,
    pub by: String,
    pub at: DateTime<FixedOffset>,
}

/// A note as typed, checked like every free text (one line, no control or
/// bidi characters), at most [`NOTE_MAX_CHARS`] characters. Empty: no note.
pub fn note_text(input: &str) -> Result<Option<String>, Invalid> {
    super::bounded("note", input, NOTE_MAX_CHARS, NOTE_MAX_CHARS * 4)?;
    if input.trim().is_empty() {
        return Ok(None);
    }
    let t = super::seeker::free_text("note", input, NOTE_MAX_CHARS * 2)?;
    Ok((!t.trim().is_empty()).then(|| t.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(h: u32, m: u32, booth: u8) -> Slot {
        let date = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let start = NaiveTime::from_hms_opt(h, m, 0).unwrap();
        Slot {
            date,
            start,
            end: start + chrono::Duration::minutes(30),
            booth,
        }
    }

    fn block(booth: Option<u8>) -> Block {
        Block {
            id: 1,
            date: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
            from: NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
            to: NaiveTime::from_hms_opt(15, 0, 0).unwrap(),
            booth,
            reason: "off sick".into(),
            by: "staff".into(),
            at: DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap(),
        }
    }

    #[test]
    fn a_block_covers_the_slots_it_overlaps_at_its_booths() {
        let b = block(Some(2));
        assert!(b.covers(&slot(13, 0, 2)));
        assert!(b.covers(&slot(14, 30, 2)));
        assert!(b.covers(&slot(12, 45, 2)), "a slot running into the block");
        assert!(!b.covers(&slot(12, 30, 2)), "ends as the block begins");
        assert!(!b.covers(&slot(15, 0, 2)), "begins as the block ends");
        assert!(!b.covers(&slot(13, 0, 1)), "another booth");
        assert!(block(None).covers(&slot(13, 0, 1)), "the whole office");
    }

    #[test]
    fn a_note_is_one_clean_line_of_bounded_length() {
        assert_eq!(note_text("  ").unwrap(), None);
        assert_eq!(
            note_text("電話は午後に").unwrap().as_deref(),
            Some("電話は午後に")
        );
        assert!(note_text("a\u{202e}b").is_err());
        assert!(note_text("a\nb").is_err());
        assert!(note_text(&"あ".repeat(NOTE_MAX_CHARS + 1)).is_err());
        assert!(note_text(&"あ".repeat(NOTE_MAX_CHARS)).is_ok());
    }
}
