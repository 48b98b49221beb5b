//! Errors as values, each with the exit status of the command-line contract
//! and one line for a person, in their language, saying what happened and
//! what to do.

use crate::config::ConfigError;
use crate::domain::Invalid;
use crate::domain::booking::{BookingId, Status, Violation};
use crate::domain::calendar::{Closure, holiday_name_en};
use crate::domain::terms::ChecklistItem;
use crate::i18n::{Lang, safe};
use crate::store::{OpError, StoreError};
use crate::tr;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A value that is not accepted (exit 2).
    Invalid(Invalid),
    /// A rule of the terms refuses it (exit 3); `id` is the booking concerned.
    Rule {
        violation: Violation,
        id: Option<BookingId>,
    },
    /// No booking with that id (exit 2).
    NotFound(BookingId),
    /// The database cannot be used (exit 4).
    Store(StoreError),
    /// The configuration cannot be used (exit 2).
    Config(ConfigError),
    /// Something else failed: the system or a bug (exit 1).
    Internal(String),
    /// The office's server answered with a failure: its exit status and
    /// its words (in the client's language), or could not be reached (4).
    Remote { code: u8, message: String },
    /// The account's role does not allow this (exit 5).
    NotAllowed { what: String, role: Option<String> },
    /// The mail relay could not be used: `waiting` mails stay in the
    /// outbox (exit 4).
    Relay { waiting: usize, detail: String },
}

impl From<Invalid> for Error {
    fn from(e: Invalid) -> Self {
        Error::Invalid(e)
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Store(e)
    }
}

impl From<ConfigError> for Error {
    fn from(e: ConfigError) -> Self {
        Error::Config(e)
    }
}

impl From<OpError> for Error {
    fn from(e: OpError) -> Self {
        match e {
            OpError::Rule(v) => Error::Rule {
                violation: v,
                id: None,
            },
            OpError::NotFound(id) => Error::NotFound(id),
            OpError::TooLarge(detail) => {
                Error::Invalid(Invalid::new("record", detail, "record_too_large"))
            }
            OpError::KeyReused => Error::Invalid(Invalid::new(
                "request",
                "a used request number",
                "request_reused",
            )),
            OpError::Store(s) => Error::Store(s),
        }
    }
}

impl From<Violation> for Error {
    fn from(v: Violation) -> Self {
        Error::Rule {
            violation: v,
            id: None,
        }
    }
}

impl Error {
    /// The exit status of the contract.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Internal(_) => 1,
            Error::Invalid(_) | Error::NotFound(_) | Error::Config(_) => 2,
            Error::Rule { .. } => 3,
            // A path that is no data folder is a bad value, not a bad database.
            Error::Store(StoreError::NotADataDir { .. }) => 2,
            Error::Store(_) => 4,
            Error::Remote { code, .. } => *code,
            Error::NotAllowed { .. } => 5,
            Error::Relay { .. } => 4,
        }
    }

    /// Names the booking a rule refused.
    pub fn about(self, booking: BookingId) -> Self {
        match self {
            Error::Rule {
                violation,
                id: None,
            } => Error::Rule {
                violation,
                id: Some(booking),
            },
            other => other,
        }
    }

    /// One line for a person.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            Error::Invalid(i) => invalid_message(lang, i),
            Error::Rule { violation, id } => violation_message(lang, violation, *id),
            Error::NotFound(id) => tr!(lang, "error.not_found", id = id),
            Error::Store(s) => store_message(lang, s),
            Error::Remote { message, .. } => safe(message),
            Error::NotAllowed {
                what,
                role: Some(role),
            } => {
                tr!(
                    lang,
                    "error.not_allowed",
                    what = safe(what),
                    role = safe(role)
                )
            }
            Error::NotAllowed { what, role: None } => {
                tr!(lang, "error.not_let_in", what = safe(what))
            }
            Error::Config(c) => {
                let path = c
                    .path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| crate::i18n::text(lang, "config.builtin").to_string());
                if let Some(i) = &c.invalid {
                    return tr!(
                        lang,
                        "error.config_value",
                        path = safe(&path),
                        problem = invalid_message(lang, i)
                    );
                }
                tr!(
                    lang,
                    "error.config",
                    path = safe(&path),
                    field = safe(&c.field),
                    detail = safe(&c.detail)
                )
            }
            Error::Internal(detail) => tr!(lang, "error.internal", detail = safe(detail)),
            Error::Relay { waiting, detail } => {
                tr!(lang, "error.relay", count = waiting, error = safe(detail))
            }
        }
    }
}

/// How a field is named on the command line.
pub fn field_label(field: &str) -> String {
    match field {
        "id" => "ID".to_string(),
        "pin" => "PIN".to_string(),
        f if f.chars().all(|c| c.is_ascii_uppercase()) => f.to_string(),
        f if f.contains('.') => f.to_string(),
        f => format!("--{f}"),
    }
}

/// What a field accepts, in words.
pub fn accepted(lang: Lang, i: &Invalid) -> String {
    let limit = i.limit.unwrap_or(0);
    match i.kind {
        "seeker" => tr!(lang, "invalid.seeker"),
        "text_chars" => tr!(lang, "invalid.text_chars"),
        "text_empty" => tr!(lang, "invalid.text_empty"),
        "text_width" => tr!(lang, "invalid.text_width", limit = limit, half = limit / 2),
        "text_long" => tr!(lang, "invalid.text_long", limit = limit),
        "out_exists" => tr!(lang, "invalid.out_exists"),
        "out_not_file" => tr!(lang, "invalid.out_not_file"),
        "backup_not_file" => tr!(lang, "invalid.backup_not_file"),
        "backup_too_large" => tr!(lang, "invalid.backup_too_large", limit = limit),
        "config_link" => tr!(lang, "invalid.config_link"),
        "record_too_large" => tr!(lang, "invalid.record_too_large"),
        "kana" => tr!(lang, "invalid.kana"),
        "email" => tr!(lang, "invalid.email"),
        "phone" => tr!(lang, "invalid.phone"),
        "booking_id" => tr!(lang, "invalid.booking_id"),
        "slot_minutes" => tr!(lang, "invalid.slot_minutes"),
        "slot_starts" | "slot_overlap" => tr!(lang, "invalid.slot_starts"),
        "booths" => tr!(lang, "invalid.booths"),
        "booth" => tr!(lang, "invalid.booth"),
        "grace" => tr!(lang, "invalid.grace"),
        "reason" => tr!(lang, "invalid.reason"),
        "date" => tr!(lang, "invalid.date"),
        "time" => tr!(lang, "invalid.time"),
        "time_zone" => tr!(lang, "invalid.time_zone"),
        "office_code" => tr!(lang, "invalid.office_code"),
        "url" => tr!(lang, "invalid.url"),
        "terms" => tr!(lang, "invalid.terms"),
        "deadline_days" => tr!(lang, "invalid.deadline_days"),
        "start_early" => tr!(lang, "invalid.start_early"),
        "horizon" => tr!(lang, "invalid.horizon"),
        "idle_seconds" => tr!(lang, "invalid.idle_seconds"),
        "done_seconds" => tr!(lang, "invalid.done_seconds"),
        "now" => tr!(lang, "invalid.now"),
        "now_real_data" => tr!(lang, "invalid.now_real_data"),
        "now_real_server" => tr!(lang, "invalid.now_real_server"),
        "contact_none" => tr!(lang, "invalid.contact_none"),
        "channel" => tr!(lang, "invalid.channel"),
        "lang" => tr!(lang, "invalid.lang"),
        "demo_days" => tr!(lang, "invalid.demo_days"),
        "no_relay" => tr!(lang, "invalid.no_relay"),
        "demo_empty" => tr!(lang, "invalid.demo_empty"),
        "pin" => tr!(lang, "invalid.pin"),
        "backup_file" => tr!(lang, "invalid.backup_file"),
        "stats_format" => tr!(lang, "invalid.stats_format"),
        "date_after_from" => tr!(lang, "invalid.date_after_from"),
        "stats_range" => tr!(lang, "invalid.stats_range"),
        "import_blank" => tr!(lang, "invalid.import_blank"),
        "writable" => tr!(lang, "invalid.writable"),
        "pin_again" => tr!(lang, "invalid.pin_again"),
        "qr" => tr!(lang, "invalid.qr"),
        "audit_action" => tr!(lang, "invalid.audit_action"),
        "access" => tr!(lang, "invalid.access"),
        "access_twice" => tr!(lang, "invalid.access_twice"),
        "idle_exit" => tr!(lang, "invalid.idle_exit"),
        "hold_minutes" => tr!(lang, "invalid.hold_minutes"),
        "move_same" => tr!(lang, "invalid.move_same"),
        "late_after" => tr!(lang, "invalid.late_after"),
        "pin_hash" => tr!(lang, "invalid.pin_hash"),
        "store_url" => tr!(lang, "invalid.store_url"),
        "demo_blank" => tr!(lang, "invalid.demo_blank"),
        "terminal" => tr!(lang, "invalid.terminal"),
        "request_reused" => tr!(lang, "invalid.request_reused"),
        "event" => tr!(lang, "invalid.event"),
        "max_connections" => tr!(lang, "invalid.max_connections"),
        "max_per_account" => tr!(lang, "invalid.max_per_account"),
        other => other.to_string(),
    }
}

fn invalid_message(lang: Lang, i: &Invalid) -> String {
    if let Some(detail) = &i.detail {
        return tr!(
            lang,
            "error.invalid_at",
            field = field_label(i.field),
            value = safe(&i.value),
            detail = safe(detail),
            accepted = accepted(lang, i)
        );
    }
    tr!(
        lang,
        "error.invalid",
        field = field_label(i.field),
        value = safe(&i.value),
        accepted = accepted(lang, i)
    )
}

/// A channel as a word.
pub fn channel_word(lang: Lang, c: crate::domain::booking::Channel) -> String {
    use crate::domain::booking::Channel::*;
    match c {
        Counter => tr!(lang, "channel.counter"),
        Phone => tr!(lang, "channel.phone"),
        Kiosk => tr!(lang, "channel.kiosk"),
        Online => tr!(lang, "channel.online"),
    }
}

/// A status as a word.
pub fn status_word(lang: Lang, s: Status) -> String {
    match s {
        Status::Booked => tr!(lang, "status.booked"),
        Status::InProgress => tr!(lang, "status.in_progress"),
        Status::Completed => tr!(lang, "status.completed"),
        Status::Stopped => tr!(lang, "status.stopped"),
        Status::Cancelled => tr!(lang, "status.cancelled"),
        Status::NoShow => tr!(lang, "status.no_show"),
    }
}

/// Why a day is closed, in words.
pub fn closure_word(lang: Lang, c: &Closure) -> String {
    match c {
        Closure::Saturday => tr!(lang, "closure.saturday"),
        Closure::Sunday => tr!(lang, "closure.sunday"),
        Closure::Holiday(name) => match lang {
            Lang::Ja => name.clone(),
            Lang::En => holiday_name_en(name),
        },
        Closure::YearEnd => tr!(lang, "closure.year_end"),
        Closure::Office => tr!(lang, "closure.office"),
    }
}

fn event_word(lang: Lang, event: &str) -> String {
    match event {
        "start" => tr!(lang, "event.start"),
        "finish" => tr!(lang, "event.finish"),
        "stop" => tr!(lang, "event.stop"),
        "cancel" => tr!(lang, "event.cancel"),
        "no_show" => tr!(lang, "event.no_show"),
        "correct_no_show" => tr!(lang, "event.correct_no_show"),
        other => other.to_string(),
    }
}

fn checklist_words(items: &[ChecklistItem]) -> String {
    items
        .iter()
        .map(|i| i.text().article)
        .collect::<Vec<_>>()
        .join(", ")
}

fn violation_message(lang: Lang, v: &Violation, id: Option<BookingId>) -> String {
    let hm = |t: &chrono::NaiveTime| t.format("%H:%M").to_string();
    match v {
        Violation::ClosedDay { date, closure } => {
            tr!(
                lang,
                "rule.closed_day",
                date = date,
                why = closure_word(lang, closure)
            )
        }
        Violation::NotASlot { time } => tr!(lang, "rule.not_a_slot", time = hm(time)),
        Violation::PastDeadline { date, deadline } => {
            tr!(lang, "rule.past_deadline", date = date, deadline = deadline)
        }
        Violation::NoDeadline { date } => tr!(lang, "rule.no_deadline", date = date),
        Violation::SlotStarted { date, time } => {
            tr!(lang, "rule.slot_started", date = date, time = hm(time))
        }
        Violation::SlotTaken { slot } => tr!(
            lang,
            "rule.slot_taken",
            date = slot.date,
            time = hm(&slot.start),
            booth = slot.booth
        ),
        Violation::SlotOver { date, end } => {
            tr!(lang, "rule.slot_over", date = date, end = hm(end))
        }
        Violation::SlotHeld {
            date,
            time,
            booth,
            by,
            until,
        } => tr!(
            lang,
            "rule.slot_held",
            date = date,
            time = hm(time),
            booth = booth,
            by = safe(by),
            until = hm(until)
        ),
        Violation::SlotBlocked { slot, reason } if reason.is_empty() => tr!(
            lang,
            "rule.slot_blocked_plain",
            date = slot.date,
            time = hm(&slot.start),
            booth = slot.booth
        ),
        Violation::SlotBlocked { slot, reason } => tr!(
            lang,
            "rule.slot_blocked",
            date = slot.date,
            time = hm(&slot.start),
            booth = slot.booth,
            reason = safe(reason)
        ),
        Violation::SeekerRefused { since, reason } => tr!(
            lang,
            "rule.seeker_refused",
            since = since.format("%Y-%m-%d"),
            reason = safe(reason)
        ),
        Violation::SeekerBookedThatDay { date, id } => {
            tr!(lang, "rule.seeker_booked_that_day", date = date, id = id)
        }
        Violation::ConsentMissing => tr!(lang, "rule.consent_missing"),
        Violation::ChecklistMissing { items } => {
            tr!(
                lang,
                "rule.checklist_missing",
                items = checklist_words(items)
            )
        }
        Violation::NoTermsInForce { date } => tr!(lang, "rule.no_terms", date = date),
        Violation::OverrideNotAllowed => tr!(lang, "rule.override_not_allowed"),
        Violation::WrongState {
            status,
            event,
            allowed,
        } => tr!(
            lang,
            "rule.wrong_state",
            id = id.map(|i| i.to_string()).unwrap_or_default(),
            status = status_word(lang, *status),
            event = event_word(lang, event),
            allowed = allowed
                .iter()
                .map(|s| status_word(lang, *s))
                .collect::<Vec<_>>()
                .join(" / ")
        ),
        Violation::AlreadyRefused { since } => {
            tr!(
                lang,
                "rule.already_refused",
                since = since.format("%Y-%m-%d")
            )
        }
        Violation::NotRefused => tr!(lang, "rule.not_refused"),
        Violation::BeyondHorizon {
            date,
            last,
            horizon,
        } => tr!(
            lang,
            "rule.beyond_horizon",
            date = date,
            last = last.map(|d| d.to_string()).unwrap_or_default(),
            horizon = horizon
        ),
        Violation::NotStartTime { date, from, until } => tr!(
            lang,
            "rule.not_start_time",
            date = date,
            from = hm(from),
            until = hm(until)
        ),
        Violation::ContactDiffers { fields } if fields.is_empty() => {
            tr!(lang, "rule.seeker_unknown")
        }
        Violation::ContactDiffers { fields } => tr!(
            lang,
            "rule.contact_differs",
            fields = fields
                .iter()
                .map(|f| field_label(f))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn store_message(lang: Lang, s: &StoreError) -> String {
    match s {
        StoreError::Locked { dir, holder } => {
            let holder = match holder.as_deref() {
                None => tr!(lang, "store.another_process"),
                // The dashboard says so in the reader's language.
                Some(h) => match h.strip_prefix("dashboard ") {
                    Some(pid) => format!("{} {pid}", tr!(lang, "store.dashboard")),
                    None => h.to_string(),
                },
            };
            tr!(
                lang,
                "store.locked",
                dir = safe(&dir.display().to_string()),
                holder = safe(&holder)
            )
        }
        StoreError::Damaged { dir, detail } => {
            tr!(
                lang,
                "store.damaged",
                dir = safe(&dir.display().to_string()),
                detail = safe(detail)
            )
        }
        StoreError::Newer {
            dir,
            found,
            supported,
        } => tr!(
            lang,
            "store.newer",
            dir = safe(&dir.display().to_string()),
            found = found,
            supported = supported
        ),
        StoreError::NotADataDir { dir, others } if others.is_empty() => tr!(
            lang,
            "store.not_a_folder",
            dir = safe(&dir.display().to_string())
        ),
        StoreError::NotADataDir { dir, others } => tr!(
            lang,
            "store.not_a_data_dir",
            dir = safe(&dir.display().to_string()),
            names = safe(&others.join(", "))
        ),
        StoreError::Io { dir, detail } => {
            tr!(
                lang,
                "store.io",
                dir = safe(&dir.display().to_string()),
                detail = safe(detail)
            )
        }
        StoreError::Database { place, detail } => tr!(
            lang,
            "store.database",
            place = safe(place),
            detail = safe(detail)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_of_the_contract() {
        assert_eq!(Error::Internal("x".into()).exit_code(), 1);
        assert_eq!(
            Error::Invalid(Invalid::new("seeker", "1", "seeker")).exit_code(),
            2
        );
        assert_eq!(Error::from(Violation::ConsentMissing).exit_code(), 3);
        assert_eq!(
            Error::Store(StoreError::Damaged {
                dir: "/x".into(),
                detail: "d".into()
            })
            .exit_code(),
            4
        );
    }

    #[test]
    fn messages_name_the_field_and_what_is_accepted() {
        let e = Error::Invalid(Invalid::new("seeker", "4601-1", "seeker"));
        let en = e.message(Lang::En);
        assert!(
            en.contains("--seeker") && en.contains("4601-1") && en.contains("46010-12345678"),
            "{en}"
        );
        let ja = e.message(Lang::Ja);
        assert!(ja.contains("--seeker") && ja.contains("求職番号"), "{ja}");
    }

    #[test]
    fn hostile_values_are_escaped() {
        let e = Error::Invalid(Invalid::new("name", "\u{1b}]0;pwned\u{7}", "text_chars"));
        assert!(!e.message(Lang::En).contains('\u{1b}'));
    }
}
