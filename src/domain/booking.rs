//! Bookings — 予約 — and their life:
//!
//! ```text
//! booked ──start──▶ in_progress ──finish──▶ completed
//!   │                   └──stop (Art. 12(1))──▶ stopped
//!   ├──cancel (phone, reason)──▶ cancelled
//!   └──start + 10 min, no contact──▶ no_show ──correct (reason)──▶ cancelled
//! ```
//!
//! Pure: every function takes "now" as a parameter.

use std::fmt;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::Invalid;
use super::seeker::JobSeekerNumber;
use super::terms::{ChecklistAnswer, Consent};

/// The alphabet of booking ids: digits and capitals without the ones misheard
/// or misread over the phone (0/O, 1/I/L).
pub const ID_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const ID_LEN: usize = 6;

/// A booking id, e.g. `K7M2Q9`: six characters of [`ID_ALPHABET`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BookingId([u8; ID_LEN]);

impl BookingId {
    /// The id made from a random number (the shell brings the randomness).
    pub fn from_random(mut r: u64) -> Self {
        let mut out = [0u8; ID_LEN];
        let n = ID_ALPHABET.len() as u64;
        for slot in &mut out {
            *slot = ID_ALPHABET[(r % n) as usize];
            r /= n;
        }
        Self(out)
    }

    /// Reads an id as typed: case and surrounding space do not matter.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        use unicode_normalization::UnicodeNormalization;
        let s: String = input.nfkc().collect::<String>().trim().to_ascii_uppercase();
        let bytes = s.as_bytes();
        if bytes.len() != ID_LEN || !bytes.iter().all(|b| ID_ALPHABET.contains(b)) {
            return Err(Invalid::new("id", input, "booking_id"));
        }
        let mut out = [0u8; ID_LEN];
        out.copy_from_slice(bytes);
        Ok(Self(out))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII from ID_ALPHABET is ever stored.
        std::str::from_utf8(&self.0).unwrap_or("??????")
    }

    pub fn as_bytes(&self) -> &[u8; ID_LEN] {
        &self.0
    }
}

impl fmt::Display for BookingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for BookingId {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        Self::parse(&s)
    }
}

impl From<BookingId> for String {
    fn from(id: BookingId) -> String {
        id.as_str().to_string()
    }
}

/// Where a booking was made (Art. 6(2)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Counter,
    Phone,
    Kiosk,
    Online,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Counter,
        Channel::Phone,
        Channel::Kiosk,
        Channel::Online,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Channel::Counter => "counter",
            Channel::Phone => "phone",
            Channel::Kiosk => "kiosk",
            Channel::Online => "online",
        }
    }
}

/// A booking's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Booked,
    InProgress,
    Completed,
    Stopped,
    Cancelled,
    NoShow,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Booked,
        Status::InProgress,
        Status::Completed,
        Status::Stopped,
        Status::Cancelled,
        Status::NoShow,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Status::Booked => "booked",
            Status::InProgress => "in_progress",
            Status::Completed => "completed",
            Status::Stopped => "stopped",
            Status::Cancelled => "cancelled",
            Status::NoShow => "no_show",
        }
    }

    /// Whether a booking in this status holds its slot and its job seeker's
    /// day. Cancelling (and a no-show, which the terms count as a
    /// cancellation) frees both.
    pub fn is_live(self) -> bool {
        !matches!(self, Status::Cancelled | Status::NoShow)
    }
}

/// What can happen to a booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Start,
    Finish,
    /// Art. 12(1): threats, abuse, use other than job seeking.
    Stop {
        reason: String,
    },
    /// By phone (Art. 6(4)).
    Cancel {
        reason: String,
    },
    /// Ten minutes past the start with no contact: done by the system.
    NoShow,
    /// The person had in fact called: the no-show becomes a cancellation.
    CorrectNoShow {
        reason: String,
    },
    /// Consent renewed to a newer terms version (Art. 13); the status stays.
    Reconsent {
        version: String,
    },
    /// Moved from `from` to the booking's slot now; consent, checklist and
    /// history stay. The status stays.
    Move {
        from: Slot,
    },
    /// A start made by mistake taken back, within the slot: booked again.
    Unstart,
}

impl Event {
    pub fn id(&self) -> &'static str {
        match self {
            Event::Start => "start",
            Event::Finish => "finish",
            Event::Stop { .. } => "stop",
            Event::Cancel { .. } => "cancel",
            Event::NoShow => "no_show",
            Event::CorrectNoShow { .. } => "correct_no_show",
            Event::Reconsent { .. } => "reconsent",
            Event::Move { .. } => "move",
            Event::Unstart => "unstart",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Event::Stop { reason } | Event::Cancel { reason } | Event::CorrectNoShow { reason } => {
                Some(reason)
            }
            _ => None,
        }
    }

    /// Replaces the reason given, if any, by `with` (for who may not read it).
    pub fn hide_reason(&mut self, with: &str) {
        if let Event::Stop { reason } | Event::Cancel { reason } | Event::CorrectNoShow { reason } =
            self
        {
            *reason = with.to_string();
        }
    }

    /// The statuses this event may be applied in.
    pub fn allowed_from(&self) -> &'static [Status] {
        match self {
            Event::Start
            | Event::Cancel { .. }
            | Event::NoShow
            | Event::Reconsent { .. }
            | Event::Move { .. } => &[Status::Booked],
            Event::Finish | Event::Stop { .. } | Event::Unstart => &[Status::InProgress],
            Event::CorrectNoShow { .. } => &[Status::NoShow],
        }
    }
}

/// The status after `event`, or the rule that refuses it.
pub fn transition(from: Status, event: &Event) -> Result<Status, Violation> {
    if !event.allowed_from().contains(&from) {
        return Err(Violation::WrongState {
            status: from,
            event: event.id(),
            allowed: event.allowed_from(),
        });
    }
    Ok(match event {
        Event::Start => Status::InProgress,
        Event::Finish => Status::Completed,
        Event::Stop { .. } => Status::Stopped,
        Event::Cancel { .. } | Event::CorrectNoShow { .. } => Status::Cancelled,
        Event::NoShow => Status::NoShow,
        Event::Reconsent { .. } | Event::Move { .. } => from,
        Event::Unstart => Status::Booked,
    })
}

/// The no-show rule (Art. 6(4)): a consultation starting at `starts_at`
/// that is neither started nor cancelled is a no-show from this moment on.
pub fn no_show_at(starts_at: NaiveDateTime, grace: Duration) -> NaiveDateTime {
    starts_at + grace
}

/// A time slot at one booth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Slot {
    pub date: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub booth: u8,
}

impl Slot {
    pub fn starts_at(&self) -> NaiveDateTime {
        self.date.and_time(self.start)
    }

    /// The moment a booked consultation not started becomes a no-show.
    pub fn no_show_at(&self, grace: Duration) -> NaiveDateTime {
        no_show_at(self.starts_at(), grace)
    }
}

/// Who attends besides the job seeker (Art. 12(3)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendance {
    /// The interpreter's language, when one attends.
    pub interpreter: Option<String>,
    pub caregiver: bool,
}

/// One change in a booking's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub at: DateTime<FixedOffset>,
    pub event: Event,
}

/// A booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    pub id: BookingId,
    pub slot: Slot,
    pub seeker: JobSeekerNumber,
    pub status: Status,
    pub channel: Channel,
    pub consent: Consent,
    pub checklist: Vec<ChecklistAnswer>,
    pub attendance: Attendance,
    pub meeting_url: String,
    /// The reason staff gave for booking after the deadline (Art. 6(1) "in principle").
    pub late_override: Option<String>,
    pub created_at: DateTime<FixedOffset>,
    pub changes: Vec<Change>,
}

impl Booking {
    /// Applies `event` at `at`, or says which rule refuses it.
    pub fn apply(&mut self, event: Event, at: DateTime<FixedOffset>) -> Result<(), Violation> {
        self.status = transition(self.status, &event)?;
        self.changes.push(Change { at, event });
        Ok(())
    }

    /// The slot it was last moved from, if it was moved.
    pub fn moved_from(&self) -> Option<Slot> {
        self.changes.iter().rev().find_map(|c| match &c.event {
            Event::Move { from } => Some(*from),
            _ => None,
        })
    }

    /// The reason of the latest change that had one.
    pub fn last_reason(&self) -> Option<&str> {
        self.changes.iter().rev().find_map(|c| c.event.reason())
    }
}

/// How many no-shows among `bookings` (a corrected no-show is a cancellation
/// and does not count).
pub fn no_show_count<'a>(bookings: impl IntoIterator<Item = &'a Booking>) -> u32 {
    bookings
        .into_iter()
        .filter(|b| b.status == Status::NoShow)
        .count() as u32
}

/// A refusal of service under Art. 12(1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub reason: String,
    pub since: DateTime<FixedOffset>,
    pub by: String,
    pub lifted: Option<Lifted>,
}

/// When and why a refusal was lifted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifted {
    pub at: DateTime<FixedOffset>,
    pub reason: String,
    pub by: String,
}

/// The refusal in force among a job seeker's refusals, if any.
pub fn active_refusal(refusals: &[Refusal]) -> Option<&Refusal> {
    refusals.iter().rev().find(|r| r.lifted.is_none())
}

/// Adds a refusal in force from `at` (Art. 12(1)) to a job seeker's
/// refusals, unless one is in force already.
pub fn refuse(
    refusals: &mut Vec<Refusal>,
    reason: &str,
    at: DateTime<FixedOffset>,
    by: &str,
) -> Result<Refusal, Violation> {
    if let Some(r) = active_refusal(refusals) {
        return Err(Violation::AlreadyRefused { since: r.since });
    }
    let r = Refusal {
        reason: reason.to_string(),
        since: at,
        by: by.to_string(),
        lifted: None,
    };
    refusals.push(r.clone());
    Ok(r)
}

/// Lifts the refusal in force; the refusal as lifted.
pub fn lift_refusal(
    refusals: &mut [Refusal],
    reason: &str,
    at: DateTime<FixedOffset>,
    by: &str,
) -> Result<Refusal, Violation> {
    let Some(active) = refusals.iter_mut().rev().find(|r| r.lifted.is_none()) else {
        return Err(Violation::NotRefused);
    };
    active.lifted = Some(Lifted {
        at,
        reason: reason.to_string(),
        by: by.to_string(),
    });
    Ok(active.clone())
}

/// A rule of the terms that refuses an action (exit status 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    ClosedDay {
        date: NaiveDate,
        closure: super::calendar::Closure,
    },
    NotASlot {
        time: NaiveTime,
    },
    PastDeadline {
        date: NaiveDate,
        deadline: NaiveDate,
    },
    NoDeadline {
        date: NaiveDate,
    },
    SlotStarted {
        date: NaiveDate,
        time: NaiveTime,
    },
    SlotTaken {
        slot: Slot,
    },
    /// The slot is over: a start can no longer be taken back.
    SlotOver {
        date: NaiveDate,
        end: NaiveTime,
    },
    /// The slot is taken off the calendar (a block, with staff's reason).
    SlotBlocked {
        slot: Slot,
        reason: String,
    },
    /// Another terminal's wizard is on the slot (a hold, until `until`).
    SlotHeld {
        date: NaiveDate,
        time: NaiveTime,
        booth: u8,
        by: String,
        until: NaiveTime,
    },
    SeekerRefused {
        since: DateTime<FixedOffset>,
        reason: String,
    },
    SeekerBookedThatDay {
        date: NaiveDate,
        id: BookingId,
    },
    ConsentMissing,
    ChecklistMissing {
        items: Vec<super::terms::ChecklistItem>,
    },
    NoTermsInForce {
        date: NaiveDate,
    },
    OverrideNotAllowed,
    WrongState {
        status: Status,
        event: &'static str,
        allowed: &'static [Status],
    },
    AlreadyRefused {
        since: DateTime<FixedOffset>,
    },
    NotRefused,
    /// A booking for a known 求職番号 names other contact details than the
    /// record: they are never replaced by the way (staff change them on
    /// purpose; the kiosk never does).
    ContactDiffers {
        fields: Vec<&'static str>,
    },
    /// Further ahead than bookings go (`last`: the last bookable day).
    BeyondHorizon {
        date: NaiveDate,
        last: Option<NaiveDate>,
        horizon: u32,
    },
    /// A consultation starts on its day, in its window.
    NotStartTime {
        date: NaiveDate,
        from: NaiveTime,
        until: NaiveTime,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_avoid_confusable_characters() {
        for c in b"01OIL" {
            assert!(!ID_ALPHABET.contains(c));
        }
        let id = BookingId::from_random(0xDEAD_BEEF_1234);
        assert_eq!(BookingId::parse(id.as_str()).unwrap(), id);
        assert_eq!(BookingId::parse(" k7m2q9 ").unwrap().as_str(), "K7M2Q9");
        assert_eq!(BookingId::parse("ｋ７ｍ２ｑ９").unwrap().as_str(), "K7M2Q9");
        for bad in [
            "", "K7M2Q", "K7M2Q9X", "K7M2Q0", "K7M2QO", "K7M2QI", "K7M-Q9",
        ] {
            assert!(BookingId::parse(bad).is_err(), "{bad:?}");
        }
        // Different random numbers give different ids within the id space.
        assert_ne!(BookingId::from_random(1), BookingId::from_random(2));
    }

    #[test]
    fn every_legal_transition() {
        use Status::*;
        let r = || "理由".to_string();
        assert_eq!(transition(Booked, &Event::Start), Ok(InProgress));
        assert_eq!(transition(InProgress, &Event::Finish), Ok(Completed));
        assert_eq!(
            transition(InProgress, &Event::Stop { reason: r() }),
            Ok(Stopped)
        );
        assert_eq!(
            transition(Booked, &Event::Cancel { reason: r() }),
            Ok(Cancelled)
        );
        assert_eq!(transition(Booked, &Event::NoShow), Ok(NoShow));
        assert_eq!(
            transition(NoShow, &Event::CorrectNoShow { reason: r() }),
            Ok(Cancelled)
        );
    }

    #[test]
    fn every_illegal_transition_is_refused_with_its_reason() {
        let r = || "x".to_string();
        let events = [
            Event::Start,
            Event::Finish,
            Event::Stop { reason: r() },
            Event::Cancel { reason: r() },
            Event::NoShow,
            Event::CorrectNoShow { reason: r() },
            Event::Reconsent { version: r() },
        ];
        let mut refused = 0;
        for from in Status::ALL {
            for event in &events {
                let allowed = event.allowed_from().contains(&from);
                match transition(from, event) {
                    Ok(_) => assert!(allowed, "{from:?} {event:?}"),
                    Err(Violation::WrongState {
                        status,
                        event: name,
                        allowed: list,
                    }) => {
                        assert!(!allowed);
                        assert_eq!(status, from);
                        assert_eq!(name, event.id());
                        assert!(!list.is_empty());
                        refused += 1;
                    }
                    Err(other) => panic!("unexpected {other:?}"),
                }
            }
        }
        // 6 statuses × 7 events, 7 legal.
        assert_eq!(refused, 35);
        // A cancellation is never a no-show, and finished ones stay finished.
        assert!(transition(Status::Cancelled, &Event::NoShow).is_err());
        assert!(transition(Status::Completed, &Event::Cancel { reason: r() }).is_err());
    }

    #[test]
    fn live_statuses_hold_the_slot() {
        assert!(Status::Booked.is_live());
        assert!(Status::InProgress.is_live());
        assert!(Status::Completed.is_live());
        assert!(Status::Stopped.is_live());
        assert!(!Status::Cancelled.is_live());
        assert!(!Status::NoShow.is_live());
    }

    #[test]
    fn refusal_in_force() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap();
        let mut list = vec![Refusal {
            reason: "暴言".into(),
            since: at,
            by: "staff".into(),
            lifted: None,
        }];
        assert!(active_refusal(&list).is_some());
        list[0].lifted = Some(Lifted {
            at,
            reason: "改善".into(),
            by: "staff".into(),
        });
        assert!(active_refusal(&list).is_none());
    }
}
