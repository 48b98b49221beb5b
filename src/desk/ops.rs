//! The changes and views a front end asks for, each once: a booking's
//! change of status, renewed consent, the no-show rule, a month's
//! statistics, the audit trail of a day. Every one takes the context
//! ([`Env`]: who, when, the office) and the store as values.

use chrono::{Datelike, NaiveDate};

use crate::domain::booking::{Booking, BookingId, Channel, Event, Violation};
use crate::domain::stats::Stats;
use crate::domain::terms::{Consent, Document};
use crate::error::Error;
use crate::store::{AuditEvent, OpError, Store, StoreError};

use super::Env;

/// Applies `event` to booking `id`, checked against the office's rules at
/// the office's time (a start not before its day, a finish not before the
/// start). A cancellation is by phone (Art. 6(4)) unless `channel` says
/// how else it came.
pub fn change(
    env: &Env,
    store: &Store,
    id: BookingId,
    event: &Event,
    channel: Option<Channel>,
) -> Result<Booking, Error> {
    let channel = match (event, channel) {
        (Event::Cancel { .. }, None) => Some(Channel::Phone),
        (_, c) => c,
    };
    let office = &env.loaded.office;
    let now = env.clock.local();
    store
        .apply_once(
            id,
            event,
            &env.ctx(channel),
            &|b| office.check_event(b, event, now),
            env.once_key().as_deref(),
        )
        .map_err(|e| Error::from(e).about(id))
}

/// Renews the consent of booking `id` to the terms in force today (Art.
/// 13): every document must be agreed to. Returns the booking and the
/// version agreed to.
pub fn reconsent(
    env: &Env,
    store: &Store,
    id: BookingId,
    documents: Vec<Document>,
) -> Result<(Booking, String), Error> {
    if Document::ALL.iter().any(|d| !documents.contains(d)) {
        return Err(Violation::ConsentMissing.into());
    }
    let now = env.clock.now();
    let version = env
        .loaded
        .office
        .terms_in_force(now.date_naive())?
        .version
        .clone();
    let record = Consent {
        terms_version: version.clone(),
        at: now,
        documents,
    };
    let b = store
        .reconsent(id, &record, &env.ctx(None))
        .map_err(|e| Error::from(e).about(id))?;
    Ok((b, version))
}

/// The no-show rule at the office's time (Art. 6(4)): every booking not
/// started ten minutes after its start becomes a no-show. Then the mail
/// queue is written, and with a relay sent in the background.
pub fn sweep(env: &Env, store: &Store) -> Result<Vec<Booking>, StoreError> {
    let swept = store
        .sweep(
            env.clock.local(),
            env.loaded.office.rules.grace(),
            env.clock.offset(),
            &env.actor.terminal,
        )
        .map_err(|e| match e {
            OpError::Store(s) => s,
            other => StoreError::Damaged {
                dir: store.dir().to_path_buf(),
                detail: format!("{other:?}"),
            },
        })?;
    if !store.is_copy() {
        let _ = super::mail::write_queued(store, &env.loaded, &env.data_dir)?;
        // Without a relay the outbox is not even listed: it is where the
        // office's mail program picks the mail up, and may hold years of it.
        if !env.loaded.config.mail.smtp_host.is_empty()
            && !crate::mail::queued(&crate::mail::outbox(&env.loaded, &env.data_dir)).is_empty()
        {
            super::mail::send_in_background(&env.loaded, &env.data_dir);
        }
    }
    Ok(swept)
}

/// The statistics of the month starting `first`, and of the eight weeks
/// (Monday on) that end with its last day.
pub fn month_stats(
    env: &Env,
    store: &Store,
    first: NaiveDate,
) -> Result<(Stats, Stats), StoreError> {
    let office = &env.loaded.office;
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(first);
    let weeks_from =
        last - chrono::Days::new(u64::from(last.weekday().num_days_from_monday()) + 7 * 7);
    let bookings = store.range(first.min(weeks_from), last)?;
    let month = crate::domain::stats::compute(office, &bookings, first, last);
    let weeks = crate::domain::stats::compute(office, &bookings, weeks_from, last);
    Ok((month, weeks))
}

/// The audit trail of `day` (or of one booking, its whole history),
/// optionally of one action, newest first.
pub fn audit_newest_first(
    store: &Store,
    day: NaiveDate,
    booking: Option<BookingId>,
    action: Option<&str>,
) -> Result<Vec<AuditEvent>, StoreError> {
    let filter = super::audit::AuditFilter {
        from: booking.is_none().then_some(day),
        to: booking.is_none().then_some(day),
        booking,
        action: action.map(String::from),
    };
    let mut events = super::audit::audit_events(store, &filter)?;
    events.reverse();
    Ok(events)
}
