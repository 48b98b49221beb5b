//! The changes and views a front end asks for, each once: a booking's
//! change of status, renewed consent, the no-show rule, a month's
//! statistics, the audit trail of a day. Every one takes the context
//! ([`Env`]: who, when, the office) and the store as values.

use chrono::{Datelike, NaiveDate};

use crate::domain::booking::{Booking, BookingId, Channel, Event, Violation};
use crate::domain::stats::Stats;
use crate::domain::terms::{Consent, Document};
use crate::error::Error;
use crate::store::{AuditEvent, Engine, OpError, StoreError};

use super::Env;

/// Applies `event` to booking `id`, checked against the office's rules at
/// the office's time (a start not before its day, a finish not before the
/// start). A cancellation is by phone (Art. 6(4)) unless `channel` says
/// how else it came.
pub fn change(
    env: &Env,
    store: &dyn Engine,
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
    store: &dyn Engine,
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
pub fn sweep(env: &Env, store: &dyn Engine) -> Result<Vec<Booking>, StoreError> {
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
                dir: store.place(),
                detail: format!("{other:?}"),
            },
        })?;
    if !store.is_copy() {
        // The reminders due by now (the open day before, at its hour):
        // each queued once, in its own transaction.
        if let Err(e) = super::staff::remind(env, store, false) {
            match e {
                Error::Store(s) => return Err(s),
                other => {
                    return Err(StoreError::Damaged {
                        dir: store.place(),
                        detail: format!("{other:?}"),
                    });
                }
            }
        }
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
    store: &dyn Engine,
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
    store: &dyn Engine,
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
    // The newest, as many as fit in one answer.
    events.truncate(AUDIT_PAGE);
    bound_bytes(&mut events);
    Ok(events)
}

/// What staff typed to change a job seeker's contact details: only the
/// fields given are replaced (kana and phone, when not given, are kept).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ContactChange {
    pub number: crate::domain::seeker::JobSeekerNumber,
    pub name: Option<crate::domain::seeker::PersonName>,
    pub kana: Option<crate::domain::seeker::Kana>,
    pub email: Option<crate::domain::seeker::Email>,
    pub phone: Option<crate::domain::seeker::Phone>,
}

/// Changes a known job seeker's contact details on purpose (the audit
/// trail says that they changed, never to what). The record before and
/// after.
pub fn contact(
    env: &Env,
    store: &dyn Engine,
    change: ContactChange,
) -> Result<(crate::domain::seeker::Seeker, crate::domain::seeker::Seeker), Error> {
    let ContactChange {
        number,
        name,
        kana,
        email,
        phone,
    } = change;
    if name.is_none() && kana.is_none() && email.is_none() && phone.is_none() {
        return Err(crate::domain::Invalid::new("email", "", "contact_none").into());
    }
    let Some(stored) = store.seeker(&number)? else {
        return Err(Violation::ContactDiffers { fields: Vec::new() }.into());
    };
    let typed = crate::domain::seeker::Seeker {
        number,
        name: name.unwrap_or_else(|| stored.name.clone()),
        kana,
        email: email.unwrap_or_else(|| stored.email.clone()),
        phone,
        registered_on: None,
    };
    Ok(store.update_contact(&typed, &env.ctx(None))?)
}

/// The bookings noticed, each with where its mail was written; and why
/// mail waits, if it does.
pub type Notices = (Vec<(BookingId, std::path::PathBuf)>, Option<String>);

/// The terms-change notices (Art. 13): one per booking ahead whose consent
/// is to an older version, once per version however often it runs.
pub fn terms_notices(env: &Env, store: &dyn Engine) -> Result<Notices, Error> {
    let affected = super::needing_reconsent(env, store)?;
    let mut queued = Vec::new();
    for b in &affected {
        let version = env
            .loaded
            .office
            .terms
            .in_force(b.slot.date)
            .map(|v| v.version.clone())
            .unwrap_or_default();
        if store.queue_terms_notice(b.id, &version, &env.ctx(None))? {
            queued.push(b.id);
        }
    }
    let drained = super::mail::write_queued(store, &env.loaded, &env.data_dir)?;
    let written = queued
        .iter()
        .filter_map(|id| {
            drained
                .path_of(*id, crate::store::MailKind::TermsChange)
                .map(|p| (*id, p.to_path_buf()))
        })
        .collect();
    Ok((written, drained.error.clone()))
}

/// At most this many audit events go in one answer; a longer trail is
/// read page by page.
pub const AUDIT_PAGE: usize = 5000;

/// One page of the filtered audit trail, oldest first: the events from
/// sequence number `first` on, at most [`AUDIT_PAGE`].
///
/// A page is also at most [`AUDIT_PAGE_BYTES`] of JSON (at least one
/// event), so that it always fits in one answer of the server, however
/// large its events: the next page starts after its last event, and an
/// empty page is the end.
pub fn audit_page(
    store: &dyn Engine,
    filter: &super::audit::AuditFilter,
    first: u64,
) -> Result<Vec<AuditEvent>, StoreError> {
    let mut events = if filter.booking.is_some() {
        let mut events = super::audit::audit_events(store, filter)?;
        events.retain(|e| e.seq >= first);
        events.truncate(AUDIT_PAGE);
        events
    } else {
        store.audit_from(first, AUDIT_PAGE, &|e| filter.keeps(e))?
    };
    bound_bytes(&mut events);
    Ok(events)
}

/// The most JSON one page of the audit trail carries.
pub const AUDIT_PAGE_BYTES: usize = 1 << 20;

/// Cuts `events` to the first ones that fit in [`AUDIT_PAGE_BYTES`] (at
/// least one).
fn bound_bytes(events: &mut Vec<AuditEvent>) {
    let mut total = 0;
    let keep = events
        .iter()
        .position(|e| {
            total += serde_json::to_vec(e).map(|v| v.len() + 1).unwrap_or(0);
            total > AUDIT_PAGE_BYTES
        })
        .unwrap_or(events.len())
        .max(1);
    events.truncate(keep);
}

/// A statistics period: `to` not before `from`, at most ten years.
pub fn check_stats_range(from: NaiveDate, to: NaiveDate) -> Result<(), crate::domain::Invalid> {
    if to < from {
        return Err(crate::domain::Invalid::new(
            "to",
            to.to_string(),
            "date_after_from",
        ));
    }
    if (to - from).num_days() > 3660 {
        return Err(crate::domain::Invalid::new(
            "to",
            to.to_string(),
            "stats_range",
        ));
    }
    Ok(())
}

/// Moves booking `id` to another slot (`soudan move`, the dashboard's
/// `m`): checked like a new booking there (the office's rules at its time,
/// a staff reason past the deadline, not held by another terminal, free,
/// the job seeker's other bookings that day); consent, checklist and
/// history stay. With no booth given, the booking's own booth when it is
/// free at the new time, else the first free one.
pub fn move_booking(
    env: &Env,
    store: &dyn Engine,
    id: BookingId,
    date: NaiveDate,
    time: chrono::NaiveTime,
    booth: Option<u8>,
    late: &crate::domain::office::Override,
) -> Result<Booking, Error> {
    use crate::domain::office::{Override, SlotRequest};
    let office = &env.loaded.office;
    let Some(b) = store.booking(id)? else {
        return Err(Error::NotFound(id));
    };
    let now = env.clock.local();
    let booths: Vec<u8> = match booth {
        Some(n) => vec![n],
        None => {
            let mut all: Vec<u8> = office.booths.iter().map(|x| x.number).collect();
            all.sort_by_key(|n| *n != b.slot.booth);
            all
        }
    };
    let mut last = None;
    for n in booths {
        let req = SlotRequest {
            date,
            time,
            booth: n,
        };
        if req.date == b.slot.date && req.time == b.slot.start && req.booth == b.slot.booth {
            return Err(crate::domain::Invalid::new(
                "time",
                time.format("%H:%M").to_string(),
                "move_same",
            )
            .into());
        }
        let slot = office.check_slot(&req, now, late).map_err(|e| match e {
            crate::domain::office::BookingCheck::Invalid(i) => Error::Invalid(i),
            crate::domain::office::BookingCheck::Rule(v) => Error::from(v),
        })?;
        if let Some(h) = super::holds::of(env, store).other(env.holder, date, time, n, now) {
            last = Some(
                Violation::SlotHeld {
                    date,
                    time,
                    booth: n,
                    by: h.account,
                    until: h.until.time(),
                }
                .into(),
            );
            continue;
        }
        let url = office
            .booth(n)
            .map(|x| x.meeting_url.replace("{id}", id.as_str()))
            .unwrap_or_default();
        let reason = match late {
            Override::Staff(r) => Some(r.clone()),
            Override::None => None,
        };
        match store.move_booking(
            id,
            slot,
            &url,
            reason,
            &env.ctx(None),
            env.once_key().as_deref(),
        ) {
            Ok(moved) => return Ok(moved),
            Err(OpError::Rule(
                v @ (Violation::SlotTaken { .. } | Violation::SlotBlocked { .. }),
            )) => last = Some(Error::from(v)),
            Err(e) => return Err(Error::from(e).about(id)),
        }
    }
    Err(last.unwrap_or_else(|| Error::Internal("no booth".into())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: u64, terminal_len: usize) -> AuditEvent {
        AuditEvent {
            seq,
            at: chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap(),
            user: "kiosk".into(),
            terminal: "t".repeat(terminal_len),
            channel: None,
            action: "refused.connect".into(),
            booking: None,
            seeker: None,
            from: None,
            to: None,
        }
    }

    #[test]
    fn an_audit_page_fits_in_one_answer_however_large_its_events() {
        // Events stored before terminal names were bounded: 45 KB each.
        let mut events: Vec<AuditEvent> = (0..500).map(|i| event(i, 45_000)).collect();
        bound_bytes(&mut events);
        let bytes = serde_json::to_vec(&events).unwrap().len();
        assert!(bytes <= AUDIT_PAGE_BYTES, "{bytes}");
        assert_eq!(events.len(), AUDIT_PAGE_BYTES / 45_100, "{}", events.len());
        // One event larger than a page still comes, alone.
        let mut one = vec![event(0, AUDIT_PAGE_BYTES + 10), event(1, 10)];
        bound_bytes(&mut one);
        assert_eq!(one.len(), 1);
        // Small events: the count bounds the page.
        let mut small: Vec<AuditEvent> = (0..100).map(|i| event(i, 10)).collect();
        bound_bytes(&mut small);
        assert_eq!(small.len(), 100);
    }
}
