//! Staff's own records beside the bookings: notes, blocks (time taken off
//! the calendar) and the reminders' marks. Each change is one transaction
//! with its audit event, which says what changed and never the text.

use chrono::{DateTime, FixedOffset, NaiveDate};

use super::codec::Kind;
use super::{AuditEvent, Ctx, MailKind, OpError, Store, StoreError, Tx, TxResult, abort, keys};
use crate::domain::block::{Block, Note, NoteOn};
use crate::domain::booking::{Booking, BookingId, Slot, Status, Violation};

/// The meta key of the next block's number.
pub(super) const BLOCK_NEXT: &[u8] = b"block_next";

pub(super) fn note_key(on: &NoteOn) -> Vec<u8> {
    match on {
        NoteOn::Booking(id) => {
            let mut k = b"b".to_vec();
            k.extend_from_slice(id.as_bytes());
            k
        }
        NoteOn::Seeker(n) => {
            let mut k = b"s".to_vec();
            k.extend_from_slice(n.as_str().as_bytes());
            k
        }
    }
}

fn note_on(key: &[u8]) -> Option<NoteOn> {
    let (tag, rest) = key.split_first()?;
    let rest = std::str::from_utf8(rest).ok()?;
    match tag {
        b'b' => BookingId::parse(rest).ok().map(NoteOn::Booking),
        b's' => crate::domain::seeker::JobSeekerNumber::parse(rest)
            .ok()
            .map(NoteOn::Seeker),
        _ => None,
    }
}

pub(super) fn remind_mark(id: BookingId, slot: &Slot) -> Vec<u8> {
    let mut k = b"remind\0".to_vec();
    k.extend_from_slice(id.as_bytes());
    k.push(0);
    k.extend_from_slice(&keys::slot(slot));
    k
}

impl Tx<'_> {
    /// Refuses a slot a block covers.
    pub(super) fn check_not_blocked(&self, slot: &Slot) -> TxResult<()> {
        let Some(raw) = self.blocks.get(keys::day_prefix(slot.date))? else {
            return Ok(());
        };
        let list: Vec<Block> = self.decode(Kind::Blocks, "blocks", &raw)?;
        if let Some(b) = list.iter().find(|b| b.covers(slot)) {
            return abort(OpError::Rule(Violation::SlotBlocked {
                slot: *slot,
                reason: b.reason.clone(),
            }));
        }
        Ok(())
    }
}

impl Store {
    /// Writes (or with `None` removes) the staff note on a booking or a job
    /// seeker. The audit trail records `note`, never the text.
    pub fn set_note(&self, on: &NoteOn, text: Option<&str>, ctx: &Ctx) -> Result<(), OpError> {
        let key = note_key(on);
        self.transact(|tx| {
            match on {
                NoteOn::Booking(id) => {
                    if tx.bookings.get(id.as_bytes())?.is_none() {
                        return abort(OpError::NotFound(*id));
                    }
                }
                NoteOn::Seeker(n) => {
                    if tx.seekers.get(n.as_str().as_bytes())?.is_none() {
                        // An unknown number, as `contact` says it.
                        return abort(OpError::Rule(Violation::ContactDiffers {
                            fields: Vec::new(),
                        }));
                    }
                }
            }
            let before = tx.notes.get(&key)?;
            match text {
                Some(t) => {
                    let note = Note {
                        text: t.to_string(),
                        by: ctx.actor.user.clone(),
                        at: ctx.at,
                    };
                    tx.put(tx.notes, &key, Kind::Note, &note)?;
                }
                None if before.is_none() => return Ok(()),
                None => {
                    tx.notes.remove(key.as_slice())?;
                }
            }
            match on {
                NoteOn::Booking(id) => tx.audit(ctx, "note", Some(*id), None, None, None),
                NoteOn::Seeker(n) => tx.audit_seeker(ctx, "note", n),
            }
        })
    }

    /// The note on a booking or a job seeker.
    pub fn note(&self, on: &NoteOn) -> Result<Option<Note>, StoreError> {
        let raw = self.sled(|| self.t.notes.get(note_key(on)))?;
        raw.map(|r| self.decode(Kind::Note, "note", &r)).transpose()
    }

    /// Every note, in key order (bookings' first, then job seekers').
    pub fn notes(&self) -> Result<Vec<(NoteOn, Note)>, StoreError> {
        let raw = self.sled(|| self.t.notes.iter().collect::<sled::Result<Vec<_>>>())?;
        let mut out = Vec::with_capacity(raw.len());
        for (k, v) in raw {
            let on = note_on(&k).ok_or_else(|| self.damaged("a note key names nothing"))?;
            out.push((on, self.decode(Kind::Note, "note", &v)?));
        }
        Ok(out)
    }

    /// Takes time off the calendar; `block.id` is given here. Returns the
    /// block as stored. The audit trail records `block`, not the reason.
    pub fn add_block(&self, block: &Block, ctx: &Ctx) -> Result<Block, OpError> {
        let key = keys::day_prefix(block.date);
        self.transact(|tx| {
            let id = tx.next_number(BLOCK_NEXT, Some(1))?;
            let mut list: Vec<Block> = match tx.blocks.get(key)? {
                Some(raw) => tx.decode(Kind::Blocks, "blocks", &raw)?,
                None => Vec::new(),
            };
            let mut b = block.clone();
            b.id = id;
            b.by = ctx.actor.user.clone();
            b.at = ctx.at;
            list.push(b.clone());
            tx.put(tx.blocks, &key, Kind::Blocks, &list)?;
            tx.audit(ctx, "block", None, None, None, None)?;
            Ok(b)
        })
    }

    /// Gives block `id` back to the calendar. Returns it, or `None` when no
    /// block has that number.
    pub fn remove_block(&self, id: u64, ctx: &Ctx) -> Result<Option<Block>, OpError> {
        let Some(found) = self.all_blocks()?.into_iter().find(|b| b.id == id) else {
            return Ok(None);
        };
        let key = keys::day_prefix(found.date);
        self.transact(|tx| {
            let mut list: Vec<Block> = match tx.blocks.get(key)? {
                Some(raw) => tx.decode(Kind::Blocks, "blocks", &raw)?,
                None => return Ok(None),
            };
            let Some(at) = list.iter().position(|b| b.id == id) else {
                return Ok(None);
            };
            let gone = list.remove(at);
            if list.is_empty() {
                tx.blocks.remove(&key[..])?;
            } else {
                tx.put(tx.blocks, &key, Kind::Blocks, &list)?;
            }
            tx.audit(ctx, "unblock", None, None, None, None)?;
            Ok(Some(gone))
        })
    }

    /// The blocks of `date`, in the order they were made.
    pub fn blocks_of(&self, date: NaiveDate) -> Result<Vec<Block>, StoreError> {
        let raw = self.sled(|| self.t.blocks.get(keys::day_prefix(date)))?;
        Ok(raw
            .map(|r| self.decode::<Vec<Block>>(Kind::Blocks, "blocks", &r))
            .transpose()?
            .unwrap_or_default())
    }

    /// Every block, by day.
    pub fn all_blocks(&self) -> Result<Vec<Block>, StoreError> {
        let lists: Vec<Vec<Block>> = self.decode_all(&self.t.blocks, Kind::Blocks, "blocks")?;
        Ok(lists.into_iter().flatten().collect())
    }

    /// Whether the reminder of booking `id` for `slot` was queued.
    pub fn reminded(&self, id: BookingId, slot: &Slot) -> Result<bool, StoreError> {
        Ok(self
            .sled(|| self.t.marks.get(remind_mark(id, slot)))?
            .is_some())
    }

    /// Queues the reminder of booking `id` at its slot `slot`, once: not
    /// when it was queued before, when the booking is no longer booked, or
    /// when it has moved from `slot`. Returns whether it was queued.
    pub fn queue_reminder(&self, id: BookingId, slot: &Slot, ctx: &Ctx) -> Result<bool, OpError> {
        let mark = remind_mark(id, slot);
        self.transact(|tx| {
            if tx.marks.get(&mark)?.is_some() {
                return Ok(false);
            }
            let Some(raw) = tx.bookings.get(id.as_bytes())? else {
                return abort(OpError::NotFound(id));
            };
            let b: Booking = tx.decode(Kind::Booking, "booking", &raw)?;
            if b.status != Status::Booked || b.slot != *slot {
                return Ok(false);
            }
            tx.marks.insert(mark.as_slice(), &[][..])?;
            tx.audit(ctx, "remind", Some(id), None, None, None)?;
            tx.queue_mail(id, MailKind::Reminder, ctx.at)?;
            Ok(true)
        })
    }
}

/// The reminders' marks a restored store must hold (an import): a booking
/// whose last `remind` event comes after its last `book` or `move` was
/// reminded at the slot it is at now. Read from the snapshot's own audit
/// trail, in the order of its sequence numbers.
pub(super) fn reminded_at_now(bookings: &[Booking], audit: &[AuditEvent]) -> Vec<Vec<u8>> {
    use std::collections::HashMap;
    let mut events: Vec<&AuditEvent> = audit.iter().filter(|e| e.booking.is_some()).collect();
    events.sort_by_key(|e| e.seq);
    // For each booking: whether its latest remind/book/move was a remind.
    let mut reminded: HashMap<BookingId, bool> = HashMap::new();
    for e in events {
        let Some(id) = e.booking else { continue };
        match e.action.as_str() {
            "remind" => {
                reminded.insert(id, true);
            }
            "book" | "move" => {
                reminded.insert(id, false);
            }
            _ => {}
        }
    }
    bookings
        .iter()
        .filter(|b| reminded.get(&b.id).copied().unwrap_or(false))
        .map(|b| remind_mark(b.id, &b.slot))
        .collect()
}

/// When a booking was put where it is now: its last move, else its making.
pub fn placed_at(b: &Booking) -> DateTime<FixedOffset> {
    b.changes
        .iter()
        .rev()
        .find(|c| matches!(c.event, crate::domain::booking::Event::Move { .. }))
        .map_or(b.created_at, |c| c.at)
}
