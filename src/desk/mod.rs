//! The office's operations, once, for every front end (the command line,
//! the dashboard, the kiosk). Takes who and when as values; knows no
//! terminal, no clap, no socket.
//!
//! - [`Env`]: the context of a call (configuration, clock, data folder,
//!   who acts and from where, the language of the words).
//! - [`booking`]: a booking request checked and placed.
//! - [`ops`]: a booking's change of status, renewed consent, the no-show
//!   rule, a month's statistics, a day's audit trail.
//! - [`access`]: who may do what: roles from `[access]`.
//! - [`audit`]: the audit trail, filtered.
//! - [`backup`]: the whole database as one document (`export`).
//! - [`holds`]: slots held while a wizard is on them.
//! - [`identity`]: the acting account, from the operating system.
//! - [`mail`]: the mail queue: what a change queued in its own transaction
//!   is written to the outbox by whoever owns the database, and sent
//!   without ever holding up a booking.
//!
//! No module here imports a front end (`cli`, `tui`); they import it.

pub mod access;
pub mod audit;
pub mod backup;
pub mod booking;
mod env;
pub mod holds;
pub mod identity;
pub mod mail;
pub mod ops;
pub mod request;
pub mod sheet;
pub mod staff;
pub mod views;

pub use booking::{BookingRequest, check_request, needing_reconsent, place};
pub use env::{Env, default_data_dir};

use crate::domain::seeker::Seeker;
use crate::i18n::Lang;
use crate::tr;

/// One line per contact field that changed: `email: a@x → b@y`, each field
/// named by `label` as the reader knows it (an option, a screen's label).
pub fn contact_change_lines(
    lang: Lang,
    old: &Seeker,
    new: &Seeker,
    label: &dyn Fn(&str) -> String,
) -> Vec<String> {
    let opt = |v: Option<&str>| v.unwrap_or("-").to_string();
    let pairs = [
        (
            "name",
            old.name.as_str().to_string(),
            new.name.as_str().to_string(),
        ),
        (
            "kana",
            opt(old.kana.as_ref().map(|k| k.as_str())),
            opt(new.kana.as_ref().map(|k| k.as_str())),
        ),
        (
            "email",
            old.email.as_str().to_string(),
            new.email.as_str().to_string(),
        ),
        (
            "phone",
            opt(old.phone.as_ref().map(|p| p.as_str())),
            opt(new.phone.as_ref().map(|p| p.as_str())),
        ),
    ];
    pairs
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(field, a, b)| {
            tr!(
                lang,
                "contact.changed",
                field = label(field),
                old = crate::i18n::safe(&a),
                new = crate::i18n::safe(&b)
            )
        })
        .collect()
}

/// One line saying what a change made of a booking: its id, day, start and
/// new status.
pub fn changed_line(lang: Lang, b: &crate::domain::booking::Booking) -> String {
    tr!(
        lang,
        "change.done",
        id = b.id,
        date = crate::i18n::iso_date(lang, b.slot.date),
        start = b.slot.start.format("%H:%M"),
        status = crate::error::status_word(lang, b.status)
    )
}

/// What a move did, in one line.
pub fn moved_line(lang: Lang, b: &crate::domain::booking::Booking) -> String {
    tr!(
        lang,
        "move.done",
        id = b.id,
        from = b
            .moved_from()
            .map(|f| slot_line(lang, &f))
            .unwrap_or_default(),
        to = slot_line(lang, &b.slot)
    )
}

/// A slot in a few words: its day, start and booth.
pub fn slot_line(lang: Lang, slot: &crate::domain::booking::Slot) -> String {
    format!(
        "{} {} {}",
        crate::i18n::iso_date(lang, slot.date),
        slot.start.format("%H:%M"),
        tr!(lang, "day.booth_n", booth = slot.booth)
    )
}
