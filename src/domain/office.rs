//! The office — 安定所 — as the rules see it: its calendar, consultation slots
//! and booths, rule settings and terms versions; and the checks a new booking
//! must pass before it is written.
//!
//! Pure: `now` (office local time) is always a parameter. The checks that
//! depend on what is stored (slot free, job seeker's day, refusal) are made by
//! the store inside its transaction, with [`Violation`]s from this module.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use super::Invalid;
use super::booking::{Slot, Violation};
use super::calendar::OfficeCalendar;
use super::terms::{ChecklistAnswer, Consent, TermsCatalog, TermsVersion, checklist_missing};

/// The longest consultation the terms allow (Art. 6(1)).
pub const MAX_SLOT_MINUTES: u32 = 30;

/// A booth: one counsellor with one web-meeting room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booth {
    pub number: u8,
    /// The meeting URL; `{id}` in it is replaced with the booking id.
    pub meeting_url: String,
}

/// The rule settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Bookings are due this many open days before the day (Art. 6(1)).
    pub deadline_open_days: u32,
    /// Minutes past the start after which a booking not started is a no-show (Art. 6(4)).
    pub no_show_grace_minutes: u32,
    /// From this many no-shows a job seeker is flagged to staff.
    pub no_show_flag: u32,
    /// A consultation can be started this many minutes before its slot.
    pub start_early_minutes: u32,
    /// Bookings go this many open days ahead, no further.
    pub horizon_open_days: u32,
    /// Minutes past the start after which a booking not started is shown
    /// late, so that staff call before the no-show falls.
    pub late_after_minutes: u32,
    /// The reminder goes out at this hour (0 to 23) of the open day before
    /// the consultation.
    pub remind_hour: u32,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            deadline_open_days: 2,
            no_show_grace_minutes: 10,
            no_show_flag: 1,
            start_early_minutes: 15,
            horizon_open_days: 60,
            late_after_minutes: 5,
            remind_hour: 10,
        }
    }
}

impl Rules {
    pub fn grace(&self) -> Duration {
        Duration::minutes(i64::from(self.no_show_grace_minutes))
    }

    pub fn late(&self) -> Duration {
        Duration::minutes(i64::from(self.late_after_minutes))
    }

    pub fn start_early(&self) -> Duration {
        Duration::minutes(i64::from(self.start_early_minutes))
    }
}

/// Everything about the office the rules need.
#[derive(Debug, Clone)]
pub struct Office {
    pub calendar: OfficeCalendar,
    pub slot_minutes: u32,
    /// Slot start times, sorted, not overlapping.
    pub starts: Vec<NaiveTime>,
    pub booths: Vec<Booth>,
    pub rules: Rules,
    pub terms: TermsCatalog,
}

/// What a booking asks for, before it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SlotRequest {
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub booth: u8,
}

/// Who may override the deadline.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Override {
    None,
    /// Staff, with a typed reason that is recorded.
    Staff(String),
}

impl Office {
    /// Builds the office, checking the slot plan: the length is 1 to 30
    /// minutes, starts are sorted, slots do not overlap nor cross midnight,
    /// booth numbers are 1 or more and unique.
    pub fn new(
        calendar: OfficeCalendar,
        slot_minutes: u32,
        mut starts: Vec<NaiveTime>,
        booths: Vec<Booth>,
        rules: Rules,
        terms: TermsCatalog,
    ) -> Result<Self, Invalid> {
        if slot_minutes == 0 || slot_minutes > MAX_SLOT_MINUTES {
            return Err(Invalid::new(
                "slots.minutes",
                slot_minutes.to_string(),
                "slot_minutes",
            ));
        }
        if starts.is_empty() {
            return Err(Invalid::new("slots.starts", "[]", "slot_starts"));
        }
        starts.sort();
        let len = Duration::minutes(i64::from(slot_minutes));
        for pair in starts.windows(2) {
            if pair[0] + len > pair[1] {
                return Err(Invalid::new(
                    "slots.starts",
                    format!("{} {}", pair[0].format("%H:%M"), pair[1].format("%H:%M")),
                    "slot_overlap",
                ));
            }
        }
        if let Some(last) = starts.last() {
            let (_, wrapped) = last.overflowing_add_signed(len);
            if wrapped != 0 {
                return Err(Invalid::new(
                    "slots.starts",
                    last.format("%H:%M").to_string(),
                    "slot_overlap",
                ));
            }
        }
        if booths.is_empty() {
            return Err(Invalid::new("booths", "[]", "booths"));
        }
        let mut numbers: Vec<u8> = booths.iter().map(|b| b.number).collect();
        numbers.sort_unstable();
        numbers.dedup();
        if numbers.len() != booths.len() || numbers.first() == Some(&0) {
            return Err(Invalid::new("booths", format!("{numbers:?}"), "booths"));
        }
        if rules.no_show_grace_minutes > slot_minutes {
            return Err(Invalid::new(
                "rules.no_show_grace_minutes",
                rules.no_show_grace_minutes.to_string(),
                "grace",
            ));
        }
        Ok(Self {
            calendar,
            slot_minutes,
            starts,
            booths,
            rules,
            terms,
        })
    }

    pub fn slot_length(&self) -> Duration {
        Duration::minutes(i64::from(self.slot_minutes))
    }

    pub fn booth(&self, number: u8) -> Option<&Booth> {
        self.booths.iter().find(|b| b.number == number)
    }

    /// Every slot of `date` (all booths), or none on a closed day.
    pub fn slots_of(&self, date: NaiveDate) -> Vec<Slot> {
        if !self.calendar.is_open(date) {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(self.starts.len() * self.booths.len());
        for &start in &self.starts {
            for booth in &self.booths {
                out.push(Slot {
                    date,
                    start,
                    end: start + self.slot_length(),
                    booth: booth.number,
                });
            }
        }
        out
    }

    /// The terms version in force on `date`.
    pub fn terms_in_force(&self, date: NaiveDate) -> Result<&TermsVersion, Violation> {
        self.terms
            .in_force(date)
            .ok_or(Violation::NoTermsInForce { date })
    }

    /// The booking deadline of `date`.
    pub fn deadline(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.calendar.deadline(date, self.rules.deadline_open_days)
    }

    /// Checks a requested slot at office time `now`: an open day, a
    /// configured start time at an existing booth, not begun, and on time
    /// (unless staff override with a reason).
    pub fn check_slot(
        &self,
        req: &SlotRequest,
        now: NaiveDateTime,
        late: &Override,
    ) -> Result<Slot, BookingCheck> {
        let booth = self.booth(req.booth).ok_or_else(|| {
            BookingCheck::Invalid(Invalid::new("booth", req.booth.to_string(), "booth"))
        })?;
        if let Some(closure) = self.calendar.closure(req.date) {
            return Err(Violation::ClosedDay {
                date: req.date,
                closure,
            }
            .into());
        }
        if !self.starts.contains(&req.time) {
            return Err(Violation::NotASlot { time: req.time }.into());
        }
        // The horizon: so far ahead and no further (the deadline's other end).
        let last = self
            .calendar
            .open_days_after(now.date(), self.rules.horizon_open_days.max(1));
        if last.is_none_or(|last| req.date > last) {
            return Err(Violation::BeyondHorizon {
                date: req.date,
                last,
                horizon: self.rules.horizon_open_days.max(1),
            }
            .into());
        }
        let slot = Slot {
            date: req.date,
            start: req.time,
            end: req.time + self.slot_length(),
            booth: booth.number,
        };
        if now >= slot.starts_at() {
            return Err(Violation::SlotStarted {
                date: req.date,
                time: req.time,
            }
            .into());
        }
        let deadline = self
            .deadline(req.date)
            .ok_or(Violation::NoDeadline { date: req.date })?;
        if now.date() > deadline {
            match late {
                Override::None => {
                    return Err(Violation::PastDeadline {
                        date: req.date,
                        deadline,
                    }
                    .into());
                }
                Override::Staff(reason) if reason.trim().is_empty() => {
                    return Err(BookingCheck::Invalid(Invalid::new(
                        "override-deadline",
                        "",
                        "reason",
                    )));
                }
                // The one check of every free text, wherever it was typed.
                Override::Staff(reason) => {
                    super::seeker::free_text(
                        "override-deadline",
                        reason,
                        super::seeker::TEXT_MAX_WIDTH,
                    )
                    .map_err(BookingCheck::Invalid)?;
                }
            }
        }
        Ok(slot)
    }

    /// When the reminder of a consultation on `date` is due: at
    /// `remind_hour` of the open day before it.
    pub fn reminder_at(&self, date: NaiveDate) -> Option<NaiveDateTime> {
        let day = self.calendar.open_days_before(date, 1)?;
        day.and_hms_opt(self.rules.remind_hour.min(23), 0, 0)
    }

    /// What in a stored booking breaks the rules a new booking is held to
    /// under this configuration (a backup being imported, or `check`): a
    /// booth the office has, a configured start, the slot's length, an
    /// http(s) meeting URL, clean free texts, and a history the state
    /// machine could have made. Empty: nothing.
    pub fn stored_booking_problems(&self, b: &super::booking::Booking) -> Vec<String> {
        use super::booking::{Status, transition};
        let mut out = Vec::new();
        if self.booth(b.slot.booth).is_none() {
            out.push(format!(
                "booth {} is not one of the office's booths",
                b.slot.booth
            ));
        }
        if !self.starts.contains(&b.slot.start) {
            out.push(format!(
                "{} is not a slot start",
                b.slot.start.format("%H:%M")
            ));
        }
        if b.slot.end != b.slot.start + self.slot_length() {
            out.push(format!(
                "the slot ends at {}, not {} after its start",
                b.slot.end.format("%H:%M"),
                self.slot_length().num_minutes()
            ));
        }
        if !crate::config::is_web_url(&b.meeting_url) {
            out.push("the meeting URL is not an http(s) address".into());
        }
        let texts = b
            .changes
            .iter()
            .filter_map(|c| c.event.reason())
            .chain(b.late_override.as_deref())
            .chain(b.attendance.interpreter.as_deref());
        for t in texts {
            if super::seeker::free_text("reason", t, super::seeker::TEXT_MAX_WIDTH).is_err() {
                out.push("a reason or language is not one clean line of text".into());
                break;
            }
        }
        let mut status = Status::Booked;
        for c in &b.changes {
            match transition(status, &c.event) {
                Ok(next) => status = next,
                Err(_) => {
                    out.push(format!("its history cannot lead to {:?}", b.status));
                    break;
                }
            }
        }
        if out.is_empty() && status != b.status {
            out.push(format!(
                "its history leads to {status:?}, not {:?}",
                b.status
            ));
        }
        out
    }

    /// Whether `event` may happen to `b` at office time `now`, beyond what
    /// its status allows: a consultation starts on its day, from
    /// `start_early_minutes` before its slot until its no-show moment (the
    /// ruling "Start and finish happen on the day"); finishing needs a start,
    /// which the state machine already asks.
    pub fn check_event(
        &self,
        b: &super::booking::Booking,
        event: &super::booking::Event,
        now: NaiveDateTime,
    ) -> Result<(), Violation> {
        if matches!(event, super::booking::Event::Start)
            && b.status == super::booking::Status::Booked
        {
            let starts = b.slot.starts_at();
            let opens = starts - self.rules.start_early();
            let closes = super::booking::no_show_at(starts, self.rules.grace());
            if now < opens || now >= closes {
                return Err(Violation::NotStartTime {
                    date: b.slot.date,
                    from: opens.time(),
                    until: closes.time(),
                });
            }
        }
        // A start is taken back only within its slot.
        if matches!(event, super::booking::Event::Unstart)
            && now >= b.slot.date.and_time(b.slot.end)
        {
            return Err(Violation::SlotOver {
                date: b.slot.date,
                end: b.slot.end,
            });
        }
        Ok(())
    }

    /// Checks consent and checklist: consent to all four documents of the
    /// version in force when it was given, every required item yes.
    pub fn check_consent(
        &self,
        consent: Option<&Consent>,
        checklist: &[ChecklistAnswer],
    ) -> Result<(), Violation> {
        let consent = consent.ok_or(Violation::ConsentMissing)?;
        let in_force = self.terms_in_force(consent.at.date_naive())?;
        if !consent.is_complete() || consent.terms_version != in_force.version {
            return Err(Violation::ConsentMissing);
        }
        let missing = checklist_missing(checklist);
        if !missing.is_empty() {
            return Err(Violation::ChecklistMissing { items: missing });
        }
        Ok(())
    }
}

/// Why a booking request does not pass the pure checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingCheck {
    Invalid(Invalid),
    Rule(Violation),
}

impl From<Violation> for BookingCheck {
    fn from(v: Violation) -> Self {
        BookingCheck::Rule(v)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::calendar::Closure;
    use crate::domain::terms::{Document, checklist_all_yes};

    pub(crate) fn kagoshima() -> Office {
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        let starts = [
            "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00",
            "14:30", "15:00", "15:30", "16:00",
        ]
        .iter()
        .map(|s| t(s))
        .collect();
        Office::new(
            OfficeCalendar::default(),
            30,
            starts,
            vec![
                Booth {
                    number: 1,
                    meeting_url: "https://meet.example.jp/1/{id}".into(),
                },
                Booth {
                    number: 2,
                    meeting_url: "https://meet.example.jp/2/{id}".into(),
                },
            ],
            Rules::default(),
            TermsCatalog::published(),
        )
        .unwrap()
    }

    fn now(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    fn req(date: &str, time: &str, booth: u8) -> SlotRequest {
        SlotRequest {
            date: NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
            time: NaiveTime::parse_from_str(time, "%H:%M").unwrap(),
            booth,
        }
    }

    #[test]
    fn the_done_when_examples() {
        let o = kagoshima();
        let n = now("2026-12-01T09:00");
        assert!(
            o.check_slot(&req("2026-12-03", "10:00", 1), n, &Override::None)
                .is_ok()
        );
        match o.check_slot(&req("2026-12-02", "10:00", 1), n, &Override::None) {
            Err(BookingCheck::Rule(Violation::PastDeadline { deadline, .. })) => {
                assert_eq!(deadline.to_string(), "2026-11-30")
            }
            other => panic!("{other:?}"),
        }
        for (date, closure) in [
            ("2026-12-05", Closure::Saturday),
            ("2026-12-29", Closure::YearEnd),
            ("2027-01-11", Closure::Holiday("成人の日".into())),
        ] {
            match o.check_slot(&req(date, "10:00", 1), n, &Override::None) {
                Err(BookingCheck::Rule(Violation::ClosedDay { closure: c, .. })) => {
                    assert_eq!(c, closure)
                }
                other => panic!("{date}: {other:?}"),
            }
        }
    }

    #[test]
    fn staff_override_needs_a_reason_and_never_books_the_past() {
        let o = kagoshima();
        let n = now("2026-12-01T09:00");
        let late = req("2026-12-02", "10:00", 1);
        assert!(
            o.check_slot(&late, n, &Override::Staff("所長了承".into()))
                .is_ok()
        );
        assert!(matches!(
            o.check_slot(&late, n, &Override::Staff("  ".into())),
            Err(BookingCheck::Invalid(_))
        ));
        let begun = req("2026-12-01", "09:00", 1);
        assert!(matches!(
            o.check_slot(&begun, n, &Override::Staff("x".into())),
            Err(BookingCheck::Rule(Violation::SlotStarted { .. }))
        ));
    }

    #[test]
    fn hours_and_booths() {
        let o = kagoshima();
        let n = now("2026-12-01T09:00");
        assert!(matches!(
            o.check_slot(&req("2026-12-03", "12:00", 1), n, &Override::None),
            Err(BookingCheck::Rule(Violation::NotASlot { .. }))
        ));
        assert!(matches!(
            o.check_slot(&req("2026-12-03", "10:00", 3), n, &Override::None),
            Err(BookingCheck::Invalid(_))
        ));
        assert_eq!(
            o.slots_of(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap())
                .len(),
            26
        );
        assert!(
            o.slots_of(NaiveDate::from_ymd_opt(2026, 12, 5).unwrap())
                .is_empty()
        );
        let last = o
            .slots_of(NaiveDate::from_ymd_opt(2026, 12, 3).unwrap())
            .pop()
            .unwrap();
        assert_eq!(last.end.format("%H:%M").to_string(), "16:30");
    }

    #[test]
    fn slot_plan_is_checked() {
        let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        let booths = || {
            vec![Booth {
                number: 1,
                meeting_url: "u".into(),
            }]
        };
        let mk = |min, starts: Vec<NaiveTime>, booths| {
            Office::new(
                OfficeCalendar::default(),
                min,
                starts,
                booths,
                Rules::default(),
                TermsCatalog::published(),
            )
        };
        assert_eq!(
            mk(31, vec![t("09:00")], booths()).unwrap_err().field,
            "slots.minutes"
        );
        assert_eq!(
            mk(0, vec![t("09:00")], booths()).unwrap_err().field,
            "slots.minutes"
        );
        assert!(mk(20, vec![t("09:00"), t("09:20")], booths()).is_ok());
        assert_eq!(
            mk(30, vec![t("09:00"), t("09:20")], booths())
                .unwrap_err()
                .field,
            "slots.starts"
        );
        assert_eq!(
            mk(30, vec![t("23:45")], booths()).unwrap_err().field,
            "slots.starts"
        );
        assert_eq!(
            mk(30, vec![t("09:00")], vec![]).unwrap_err().field,
            "booths"
        );
        let twice = vec![
            Booth {
                number: 1,
                meeting_url: "a".into(),
            },
            Booth {
                number: 1,
                meeting_url: "b".into(),
            },
        ];
        assert_eq!(mk(30, vec![t("09:00")], twice).unwrap_err().field, "booths");
    }

    #[test]
    fn consent_and_checklist() {
        let o = kagoshima();
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap();
        let full = Consent {
            terms_version: "2025-02-07".into(),
            at,
            documents: Document::ALL.to_vec(),
        };
        assert!(o.check_consent(Some(&full), &checklist_all_yes()).is_ok());
        assert_eq!(
            o.check_consent(None, &checklist_all_yes()),
            Err(Violation::ConsentMissing)
        );
        let old = Consent {
            terms_version: "2024-06-20".into(),
            ..full.clone()
        };
        assert_eq!(
            o.check_consent(Some(&old), &checklist_all_yes()),
            Err(Violation::ConsentMissing)
        );
        let partial = Consent {
            documents: vec![Document::ZoomTerms],
            ..full.clone()
        };
        assert_eq!(
            o.check_consent(Some(&partial), &checklist_all_yes()),
            Err(Violation::ConsentMissing)
        );
        assert!(matches!(
            o.check_consent(Some(&full), &[]),
            Err(Violation::ChecklistMissing { .. })
        ));
    }
}
