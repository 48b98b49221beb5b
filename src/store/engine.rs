//! The store interface: what the desk asks of whoever holds an office's
//! records. Two engines hold them: the embedded database ([`Store`], sled,
//! one process per data dir) and PostgreSQL ([`super::pg::Postgres`], many
//! offices and servers in one database). The desk, the server and every
//! front end speak to `&dyn Engine`, so each request means the same on
//! either, and the same tests run on both.
//!
//! Each write is one transaction that checks its rules inside it, writes
//! its audit events (and mail intents) with it, and is durable before it
//! returns; a request that may come twice carries a `once` key, and a
//! repeat returns what the first did.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{Duration, FixedOffset, NaiveDate, NaiveDateTime};

use super::{
    AuditEvent, CheckReport, ClockRefused, Contact, Ctx, MailIntent, NewBooking, OpError,
    RestoreError, SeekerText, Snapshot, Store, StoreError,
};
use crate::domain::block::{Block, Note, NoteOn};
use crate::domain::booking::{Booking, BookingId, Event, Refusal, Slot, Status, Violation};
use crate::domain::seeker::{JobSeekerNumber, Seeker};
use crate::domain::terms::Consent;

/// What a day's screen shows beside each of its bookings, read for all of
/// them at once ([`Engine::day_details`]); keyed by job seeker number or
/// booking id as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DayDetails {
    pub seekers: BTreeMap<String, Seeker>,
    /// Every booking of each job seeker (for the no-show count), in the
    /// order of [`Engine::seeker_bookings`].
    pub seeker_bookings: BTreeMap<String, Vec<Booking>>,
    pub refusals: BTreeMap<String, Vec<Refusal>>,
    /// Each booking's audit events, oldest first.
    pub history: BTreeMap<String, Vec<AuditEvent>>,
    pub booking_notes: BTreeMap<String, Note>,
    pub seeker_notes: BTreeMap<String, Note>,
}

/// [`DayDetails`] read one booking and one job seeker at a time, by the
/// engine's own single reads: what an engine in one process does, and
/// what a batched read must equal.
pub fn day_details_one_by_one(
    store: &dyn Engine,
    bookings: &[Booking],
) -> Result<DayDetails, StoreError> {
    let mut d = DayDetails::default();
    for b in bookings {
        let n = b.seeker.as_str().to_string();
        if !d.seeker_bookings.contains_key(&n) {
            if let Some(s) = store.seeker(&b.seeker)? {
                d.seekers.insert(n.clone(), s);
            }
            d.seeker_bookings
                .insert(n.clone(), store.seeker_bookings(&b.seeker)?);
            let refusals = store.refusals(&b.seeker)?;
            if !refusals.is_empty() {
                d.refusals.insert(n.clone(), refusals);
            }
            if let Some(note) = store.note(&NoteOn::Seeker(b.seeker.clone()))? {
                d.seeker_notes.insert(n, note);
            }
        }
        let id = b.id.as_str().to_string();
        let history = store.booking_audit(b.id)?;
        if !history.is_empty() {
            d.history.insert(id.clone(), history);
        }
        if let Some(note) = store.note(&NoteOn::Booking(b.id))? {
            d.booking_notes.insert(id, note);
        }
    }
    Ok(d)
}

/// An office's records, wherever they are kept.
pub trait Engine: Send + Sync {
    /// Where the records are, for messages (a data dir, or a database
    /// URL without its password).
    fn place(&self) -> PathBuf;
    /// A read-only copy (a data dir opened while its owner runs): nothing
    /// is written, nothing sent.
    fn is_copy(&self) -> bool {
        false
    }
    /// Makes every acknowledged write durable (each write already is; the
    /// embedded store's close does it once more).
    fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Lets this process use the records under its clock (a training clock
    /// never on real data).
    fn claim_clock(&self, training: bool) -> Result<(), ClockRefused>;
    /// No record of any kind.
    fn is_blank(&self) -> Result<bool, StoreError>;
    /// No booking was ever made.
    fn is_empty(&self) -> Result<bool, StoreError>;
    fn snapshot(&self) -> Result<Snapshot, StoreError>;
    fn restore(&self, s: &Snapshot) -> Result<(), RestoreError>;

    fn booking(&self, id: BookingId) -> Result<Option<Booking>, StoreError>;
    /// Every booking of `date` (cancelled ones too), by start time then booth.
    fn day(&self, date: NaiveDate) -> Result<Vec<Booking>, StoreError>;
    /// Every booking of the days `from..=to`, in slot order.
    fn range(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Booking>, StoreError>;
    /// Live bookings per day in `from..=to`.
    fn day_counts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, usize>, StoreError>;
    /// Bookings not cancelled per day in `from..=to`: live ones from
    /// `past_before` on, every one not cancelled before it.
    fn day_counts_held(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        past_before: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, usize>, StoreError> {
        let mut out = self.day_counts(past_before.max(from), to)?;
        let end = past_before.pred_opt().unwrap_or(past_before).min(to);
        if from <= end && from < past_before {
            for b in self.range(from, end)? {
                if b.status != Status::Cancelled {
                    *out.entry(b.slot.date).or_insert(0) += 1;
                }
            }
        }
        Ok(out)
    }
    /// When the no-show rule next applies, if any booking is still booked.
    fn next_no_show(&self, grace: Duration) -> Result<Option<NaiveDateTime>, StoreError>;
    fn seeker(&self, number: &JobSeekerNumber) -> Result<Option<Seeker>, StoreError>;
    fn seekers(&self) -> Result<Vec<Seeker>, StoreError>;
    /// Every job seeker's record as stored text, for a search.
    fn seeker_texts(&self) -> Result<Vec<SeekerText>, StoreError>;
    fn seeker_bookings(&self, number: &JobSeekerNumber) -> Result<Vec<Booking>, StoreError>;
    fn refusals(&self, number: &JobSeekerNumber) -> Result<Vec<Refusal>, StoreError>;
    fn audit(&self) -> Result<Vec<AuditEvent>, StoreError>;
    /// At most `limit` events from sequence number `first` on that `keep` keeps.
    fn audit_from(
        &self,
        first: u64,
        limit: usize,
        keep: &dyn Fn(&AuditEvent) -> bool,
    ) -> Result<Vec<AuditEvent>, StoreError>;
    fn booking_audit(&self, id: BookingId) -> Result<Vec<AuditEvent>, StoreError>;
    /// What a day's screen shows beside `bookings`: their job seekers,
    /// those seekers' bookings and refusals, the bookings' histories and
    /// notes. One batched read where a read costs a round trip.
    fn day_details(&self, bookings: &[Booking]) -> Result<DayDetails, StoreError>;
    /// How many events the office's audit trail holds: the number the next
    /// one gets. A change is named by its event, below this number.
    fn audit_next(&self) -> Result<u64, StoreError>;
    /// The records checked against themselves and `rule`.
    fn check_with(&self, rule: &dyn Fn(&Booking) -> Vec<String>)
    -> Result<CheckReport, StoreError>;
    fn note(&self, on: &NoteOn) -> Result<Option<Note>, StoreError>;
    fn blocks_of(&self, date: NaiveDate) -> Result<Vec<Block>, StoreError>;
    fn all_blocks(&self) -> Result<Vec<Block>, StoreError>;
    fn reminded(&self, id: BookingId, slot: &Slot) -> Result<bool, StoreError>;
    fn mail_queue(&self) -> Result<Vec<MailIntent>, StoreError>;
    fn mail_done_many(&self, seqs: &[u64]) -> Result<(), StoreError>;
    /// Whether this process is to write the office's queued mail now: on
    /// one database several servers may run, and only one of them writes.
    fn mail_writer(&self) -> Result<bool, StoreError> {
        Ok(true)
    }

    fn book_once(
        &self,
        new: &NewBooking,
        ctx: &Ctx,
        contact: Contact,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError>;
    /// [`Engine::book_once`] with the record's contact details kept, asked once.
    fn book(&self, new: &NewBooking, ctx: &Ctx) -> Result<Booking, OpError> {
        self.book_once(new, ctx, Contact::Keep, None)
    }
    /// [`Engine::apply_once`] with no rule of the office, asked once.
    fn apply(&self, id: BookingId, event: &Event, ctx: &Ctx) -> Result<Booking, OpError> {
        self.apply_once(id, event, ctx, &|_| Ok(()), None)
    }
    /// [`Engine::check_with`] the records alone.
    fn check(&self) -> Result<CheckReport, StoreError> {
        self.check_with(&|_| Vec::new())
    }
    fn apply_once(
        &self,
        id: BookingId,
        event: &Event,
        ctx: &Ctx,
        rule: &dyn Fn(&Booking) -> Result<(), Violation>,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError>;
    fn reconsent(&self, id: BookingId, consent: &Consent, ctx: &Ctx) -> Result<Booking, OpError>;
    fn move_booking(
        &self,
        id: BookingId,
        to: Slot,
        meeting_url: &str,
        late_override: Option<String>,
        ctx: &Ctx,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError>;
    fn update_contact(&self, typed: &Seeker, ctx: &Ctx) -> Result<(Seeker, Seeker), OpError>;
    fn refuse(&self, seeker: &JobSeekerNumber, reason: &str, ctx: &Ctx)
    -> Result<Refusal, OpError>;
    fn unrefuse(
        &self,
        seeker: &JobSeekerNumber,
        reason: &str,
        ctx: &Ctx,
    ) -> Result<Refusal, OpError>;
    /// An event of the terminal itself in the audit trail.
    fn record(&self, action: &str, ctx: &Ctx) -> Result<(), OpError>;
    fn queue_terms_notice(&self, id: BookingId, version: &str, ctx: &Ctx) -> Result<bool, OpError>;
    fn queue_reminder(&self, id: BookingId, slot: &Slot, ctx: &Ctx) -> Result<bool, OpError>;
    fn set_note(&self, on: &NoteOn, text: Option<&str>, ctx: &Ctx) -> Result<(), OpError>;
    fn add_block(&self, block: &Block, ctx: &Ctx) -> Result<Block, OpError>;
    fn remove_block(&self, id: u64, ctx: &Ctx) -> Result<Option<Block>, OpError>;
    /// Waits for the changes other processes make to the office's records
    /// and calls `changed` for each, until `stop` (`poll`: read a counter
    /// that often instead of being told). The embedded store has one owner,
    /// whose changes come through it: nothing to wait for.
    fn watch(
        &self,
        poll: Option<std::time::Duration>,
        stop: &std::sync::atomic::AtomicBool,
        changed: &dyn Fn(),
    ) {
        let _ = (poll, stop, changed);
    }
    /// The wizards' holds when the records keep them for every server of
    /// the office; None: each owner keeps its own (the desk's memory).
    fn shared_holds(&self) -> Option<&dyn super::hold::HoldBook> {
        None
    }
    /// The no-show rule at office time `now`.
    fn sweep(
        &self,
        now: NaiveDateTime,
        grace: Duration,
        offset: FixedOffset,
        terminal: &str,
    ) -> Result<Vec<Booking>, OpError>;
}

impl Engine for Store {
    fn place(&self) -> PathBuf {
        self.dir().to_path_buf()
    }
    fn is_copy(&self) -> bool {
        Store::is_copy(self)
    }
    fn flush(&self) -> Result<(), StoreError> {
        Store::flush(self)
    }
    fn claim_clock(&self, training: bool) -> Result<(), ClockRefused> {
        Store::claim_clock(self, training)
    }
    fn is_blank(&self) -> Result<bool, StoreError> {
        Store::is_blank(self)
    }
    fn is_empty(&self) -> Result<bool, StoreError> {
        Store::is_empty(self)
    }
    fn snapshot(&self) -> Result<Snapshot, StoreError> {
        Store::snapshot(self)
    }
    fn restore(&self, s: &Snapshot) -> Result<(), RestoreError> {
        Store::restore(self, s)
    }
    fn booking(&self, id: BookingId) -> Result<Option<Booking>, StoreError> {
        Store::booking(self, id)
    }
    fn day(&self, date: NaiveDate) -> Result<Vec<Booking>, StoreError> {
        Store::day(self, date)
    }
    fn range(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Booking>, StoreError> {
        Store::range(self, from, to)
    }
    fn day_counts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, usize>, StoreError> {
        Store::day_counts(self, from, to)
    }
    fn next_no_show(&self, grace: Duration) -> Result<Option<NaiveDateTime>, StoreError> {
        Store::next_no_show(self, grace)
    }
    fn seeker(&self, number: &JobSeekerNumber) -> Result<Option<Seeker>, StoreError> {
        Store::seeker(self, number)
    }
    fn seekers(&self) -> Result<Vec<Seeker>, StoreError> {
        Store::seekers(self)
    }
    fn seeker_texts(&self) -> Result<Vec<SeekerText>, StoreError> {
        Store::seeker_texts(self)
    }
    fn seeker_bookings(&self, number: &JobSeekerNumber) -> Result<Vec<Booking>, StoreError> {
        Store::seeker_bookings(self, number)
    }
    fn refusals(&self, number: &JobSeekerNumber) -> Result<Vec<Refusal>, StoreError> {
        Store::refusals(self, number)
    }
    fn audit(&self) -> Result<Vec<AuditEvent>, StoreError> {
        Store::audit(self)
    }
    fn audit_from(
        &self,
        first: u64,
        limit: usize,
        keep: &dyn Fn(&AuditEvent) -> bool,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        Store::audit_from(self, first, limit, keep)
    }
    fn audit_next(&self) -> Result<u64, StoreError> {
        Ok(self.last_event()?.map_or(0, |last| last + 1))
    }
    fn day_details(&self, bookings: &[Booking]) -> Result<DayDetails, StoreError> {
        // In this process each read is a lookup in memory: one by one.
        day_details_one_by_one(self, bookings)
    }
    fn booking_audit(&self, id: BookingId) -> Result<Vec<AuditEvent>, StoreError> {
        Store::booking_audit(self, id)
    }
    fn check_with(
        &self,
        rule: &dyn Fn(&Booking) -> Vec<String>,
    ) -> Result<CheckReport, StoreError> {
        Store::check_with(self, rule)
    }
    fn note(&self, on: &NoteOn) -> Result<Option<Note>, StoreError> {
        Store::note(self, on)
    }
    fn blocks_of(&self, date: NaiveDate) -> Result<Vec<Block>, StoreError> {
        Store::blocks_of(self, date)
    }
    fn all_blocks(&self) -> Result<Vec<Block>, StoreError> {
        Store::all_blocks(self)
    }
    fn reminded(&self, id: BookingId, slot: &Slot) -> Result<bool, StoreError> {
        Store::reminded(self, id, slot)
    }
    fn mail_queue(&self) -> Result<Vec<MailIntent>, StoreError> {
        Store::mail_queue(self)
    }
    fn mail_done_many(&self, seqs: &[u64]) -> Result<(), StoreError> {
        Store::mail_done_many(self, seqs)
    }
    fn book_once(
        &self,
        new: &NewBooking,
        ctx: &Ctx,
        contact: Contact,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        Store::book_once(self, new, ctx, contact, once)
    }
    fn apply_once(
        &self,
        id: BookingId,
        event: &Event,
        ctx: &Ctx,
        rule: &dyn Fn(&Booking) -> Result<(), Violation>,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        Store::apply_once(self, id, event, ctx, rule, once)
    }
    fn reconsent(&self, id: BookingId, consent: &Consent, ctx: &Ctx) -> Result<Booking, OpError> {
        Store::reconsent(self, id, consent, ctx)
    }
    fn move_booking(
        &self,
        id: BookingId,
        to: Slot,
        meeting_url: &str,
        late_override: Option<String>,
        ctx: &Ctx,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        Store::move_booking(self, id, to, meeting_url, late_override, ctx, once)
    }
    fn update_contact(&self, typed: &Seeker, ctx: &Ctx) -> Result<(Seeker, Seeker), OpError> {
        Store::update_contact(self, typed, ctx)
    }
    fn refuse(
        &self,
        seeker: &JobSeekerNumber,
        reason: &str,
        ctx: &Ctx,
    ) -> Result<Refusal, OpError> {
        Store::refuse(self, seeker, reason, ctx)
    }
    fn unrefuse(
        &self,
        seeker: &JobSeekerNumber,
        reason: &str,
        ctx: &Ctx,
    ) -> Result<Refusal, OpError> {
        Store::unrefuse(self, seeker, reason, ctx)
    }
    fn record(&self, action: &str, ctx: &Ctx) -> Result<(), OpError> {
        Store::record(self, action, ctx)
    }
    fn queue_terms_notice(&self, id: BookingId, version: &str, ctx: &Ctx) -> Result<bool, OpError> {
        Store::queue_terms_notice(self, id, version, ctx)
    }
    fn queue_reminder(&self, id: BookingId, slot: &Slot, ctx: &Ctx) -> Result<bool, OpError> {
        Store::queue_reminder(self, id, slot, ctx)
    }
    fn set_note(&self, on: &NoteOn, text: Option<&str>, ctx: &Ctx) -> Result<(), OpError> {
        Store::set_note(self, on, text, ctx)
    }
    fn add_block(&self, block: &Block, ctx: &Ctx) -> Result<Block, OpError> {
        Store::add_block(self, block, ctx)
    }
    fn remove_block(&self, id: u64, ctx: &Ctx) -> Result<Option<Block>, OpError> {
        Store::remove_block(self, id, ctx)
    }
    fn sweep(
        &self,
        now: NaiveDateTime,
        grace: Duration,
        offset: FixedOffset,
        terminal: &str,
    ) -> Result<Vec<Booking>, OpError> {
        Store::sweep(self, now, grace, offset, terminal)
    }
}
