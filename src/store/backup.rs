//! Everything in the store as plain records, and back: the store's half of
//! `soudan export` and `soudan import`.
//!
//! A restore goes only into a blank store. It first sets a marker in `meta`
//! and flushes; then writes every record with its indexes; then removes the
//! marker and flushes. A store found with the marker (an import cut short)
//! refuses to open, so a half-written import is never used. Everything is
//! checked before the first write, so only the file system can stop it
//! half-way.

use serde::{Deserialize, Serialize};

use super::codec::{self, Kind};
use super::{AuditEvent, Store, StoreError, keys};
use crate::domain::block::{Block, Note, NoteOn};
use crate::domain::booking::{Booking, Refusal};
use crate::domain::seeker::{JobSeekerNumber, Seeker};

/// The meta key that marks an import in progress.
pub(super) const IMPORTING_KEY: &[u8] = b"import_in_progress";

/// A job seeker's refusals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeekerRefusals {
    pub seeker: JobSeekerNumber,
    pub refusals: Vec<Refusal>,
}

/// Every record of a store, each list in key order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub seekers: Vec<Seeker>,
    pub bookings: Vec<Booking>,
    pub refusals: Vec<SeekerRefusals>,
    pub audit: Vec<AuditEvent>,
    /// Staff notes, bookings' first, then job seekers'.
    pub notes: Vec<NoteRecord>,
    /// Time taken off the calendar, by day.
    pub blocks: Vec<Block>,
}

/// A staff note and what it is on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteRecord {
    pub on: NoteOn,
    pub note: Note,
}

/// Why a snapshot cannot be restored: the record, by list and index, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreError {
    /// The store already holds records.
    NotBlank,
    /// A record that contradicts another or the rules.
    Record {
        place: String,
        detail: String,
    },
    Store(StoreError),
}

impl From<StoreError> for RestoreError {
    fn from(e: StoreError) -> Self {
        RestoreError::Store(e)
    }
}

impl Store {
    /// Whether the store holds no record at all (bookings, job seekers,
    /// refusals or audit events).
    pub fn is_blank(&self) -> Result<bool, StoreError> {
        self.sled(|| {
            Ok(self.t.bookings.is_empty()
                && self.t.seekers.is_empty()
                && self.t.refusals.is_empty()
                && self.t.audit.is_empty()
                && self.t.notes.is_empty()
                && self.t.blocks.is_empty())
        })
    }

    /// Every record, in key order.
    pub fn snapshot(&self) -> Result<Snapshot, StoreError> {
        let raw = self.sled(|| self.t.refusals.iter().collect::<sled::Result<Vec<_>>>())?;
        let mut refusals = Vec::with_capacity(raw.len());
        for (k, v) in raw {
            let number = std::str::from_utf8(&k)
                .ok()
                .and_then(|s| JobSeekerNumber::parse(s).ok())
                .ok_or_else(|| self.damaged("a refusal key is not a job seeker number"))?;
            refusals.push(SeekerRefusals {
                seeker: number,
                refusals: self.decode(Kind::Refusals, "refusal", &v)?,
            });
        }
        Ok(Snapshot {
            seekers: self.seekers()?,
            bookings: self.decode_all(&self.t.bookings, Kind::Booking, "booking")?,
            refusals,
            audit: self.audit()?,
            notes: self
                .notes()?
                .into_iter()
                .map(|(on, note)| NoteRecord { on, note })
                .collect(),
            blocks: self.all_blocks()?,
        })
    }

    /// Writes `s` into this blank store: records, indexes, and the audit
    /// trail with its own sequence numbers (new events number on after
    /// them). Checked first, written after; see the module's note.
    pub fn restore(&self, s: &Snapshot) -> Result<(), RestoreError> {
        if !self.is_blank()? {
            return Err(RestoreError::NotBlank);
        }
        check_snapshot(s)?;
        self.sled(|| self.t.meta.insert(IMPORTING_KEY, &[1u8][..]))?;
        self.flush()?;
        // Checked whole above and written into a blank store, the records
        // go in batches, tree by tree (the marker stands for atomicity).
        const CHUNK: usize = 20_000;
        let damaged = |e: String| RestoreError::Store(self.damaged(e));
        for chunk in s.seekers.chunks(CHUNK) {
            let mut batch: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            for seeker in chunk {
                batch.push((
                    seeker.number.as_str().as_bytes().to_vec(),
                    codec::encode(Kind::Seeker, seeker).map_err(damaged)?,
                ));
            }
            self.sled(|| apply(&self.t.seekers, batch))?;
        }
        for chunk in s.refusals.chunks(CHUNK) {
            let mut batch: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            for r in chunk {
                batch.push((
                    r.seeker.as_str().as_bytes().to_vec(),
                    codec::encode(Kind::Refusals, &r.refusals).map_err(damaged)?,
                ));
            }
            self.sled(|| apply(&self.t.refusals, batch))?;
        }
        for chunk in s.bookings.chunks(CHUNK) {
            let mut records: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            let mut indexes: [Vec<(Vec<u8>, Vec<u8>)>; 5] = Default::default();
            for b in chunk {
                records.push((
                    b.id.as_bytes().to_vec(),
                    codec::encode(Kind::Booking, b).map_err(damaged)?,
                ));
                for (index, key, value) in super::index_entries(b) {
                    indexes[index as usize].push((key, value));
                }
            }
            self.sled(|| apply(&self.t.bookings, records))?;
            let trees = [
                &self.t.slots,
                &self.t.seeker_day,
                &self.t.pending,
                &self.t.by_day,
                &self.t.by_seeker,
            ];
            for (tree, batch) in trees.into_iter().zip(indexes) {
                self.sled(|| apply(tree, batch))?;
            }
            // sled keeps what is not flushed in memory: flush as it goes.
            self.flush()?;
        }
        for chunk in s.audit.chunks(CHUNK) {
            let mut events: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            let mut by_booking: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
            for ev in chunk {
                if let Some(id) = ev.booking {
                    let mut k = id.as_bytes().to_vec();
                    k.extend_from_slice(&ev.seq.to_be_bytes());
                    by_booking.push((k, Vec::new()));
                }
                events.push((
                    ev.seq.to_be_bytes().to_vec(),
                    codec::encode(Kind::Audit, ev).map_err(damaged)?,
                ));
            }
            self.sled(|| apply(&self.t.audit, events))?;
            self.sled(|| apply(&self.t.audit_by_booking, by_booking))?;
            self.flush()?;
        }
        let mut notes: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for n in &s.notes {
            notes.push((
                super::staff::note_key(&n.on),
                codec::encode(Kind::Note, &n.note).map_err(damaged)?,
            ));
        }
        self.sled(|| apply(&self.t.notes, notes))?;
        let mut days: std::collections::BTreeMap<[u8; 4], Vec<Block>> = Default::default();
        for b in &s.blocks {
            days.entry(keys::day_prefix(b.date))
                .or_default()
                .push(b.clone());
        }
        let mut blocks: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for (k, list) in days {
            blocks.push((
                k.to_vec(),
                codec::encode(Kind::Blocks, &list).map_err(damaged)?,
            ));
        }
        self.sled(|| apply(&self.t.blocks, blocks))?;
        if let Some(last) = s.blocks.iter().map(|b| b.id).max() {
            let next = last.saturating_add(1);
            self.sled(|| {
                self.t
                    .meta
                    .insert(super::staff::BLOCK_NEXT, &next.to_be_bytes())
            })?;
        }
        // A reminder queued before the backup is not queued again.
        let marks: Vec<(Vec<u8>, Vec<u8>)> = super::staff::reminded_at_now(&s.bookings, &s.audit)
            .into_iter()
            .map(|k| (k, Vec::new()))
            .collect();
        self.sled(|| apply(&self.t.marks, marks))?;
        // New audit events must number after the restored ones.
        if let Some(last) = s.audit.iter().map(|e| e.seq).max() {
            let next = last.saturating_add(1);
            self.sled(|| self.t.meta.insert(super::AUDIT_NEXT, &next.to_be_bytes()))?;
        }
        self.sled(|| self.t.meta.remove(IMPORTING_KEY))?;
        self.flush()?;
        Ok(())
    }
}

/// Inserts `entries` into `tree` in key order, one by one (faster in sled
/// than one atomic batch, which a restore does not need).
fn apply(tree: &sled::Tree, mut entries: Vec<(Vec<u8>, Vec<u8>)>) -> sled::Result<()> {
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (k, v) in entries {
        tree.insert(k, v)?;
    }
    Ok(())
}

/// What a snapshot must hold together before anything is written: unique
/// keys, bookings of known job seekers, audit events of known bookings.
pub(crate) fn check_snapshot(s: &Snapshot) -> Result<(), RestoreError> {
    use std::collections::BTreeSet;
    let bad = |place: String, detail: &str| RestoreError::Record {
        place,
        detail: detail.to_string(),
    };
    let mut numbers = BTreeSet::new();
    for (i, seeker) in s.seekers.iter().enumerate() {
        if !numbers.insert(&seeker.number) {
            return Err(bad(format!("seekers[{i}]"), "the same job seeker twice"));
        }
    }
    let mut refused = BTreeSet::new();
    for (i, r) in s.refusals.iter().enumerate() {
        if !refused.insert(&r.seeker) {
            return Err(bad(format!("refusals[{i}]"), "the same job seeker twice"));
        }
    }
    let mut ids = BTreeSet::new();
    let mut live_slots = BTreeSet::new();
    let mut live_days = BTreeSet::new();
    for (i, b) in s.bookings.iter().enumerate() {
        if !ids.insert(b.id) {
            return Err(bad(
                format!("bookings[{i}] ({})", b.id),
                "the same id twice",
            ));
        }
        if b.status.is_live()
            && (!live_slots.insert(keys::slot(&b.slot))
                || !live_days.insert(keys::seeker_day(&b.seeker, b.slot.date)))
        {
            return Err(bad(
                format!("bookings[{i}] ({})", b.id),
                "a second live booking in its slot or on its job seeker's day",
            ));
        }
        if !numbers.contains(&b.seeker) {
            return Err(bad(
                format!("bookings[{i}] ({})", b.id),
                "its job seeker is not among the seekers",
            ));
        }
    }
    let mut seqs = BTreeSet::new();
    for (i, ev) in s.audit.iter().enumerate() {
        if !seqs.insert(ev.seq) {
            return Err(bad(format!("audit[{i}]"), "the same sequence number twice"));
        }
        if ev.booking.is_some_and(|id| !ids.contains(&id)) {
            return Err(bad(
                format!("audit[{i}]"),
                "names a booking that is not there",
            ));
        }
    }
    let mut noted = BTreeSet::new();
    for (i, n) in s.notes.iter().enumerate() {
        let known = match &n.on {
            NoteOn::Booking(id) => ids.contains(id),
            NoteOn::Seeker(number) => numbers.contains(number),
        };
        if !known {
            return Err(bad(
                format!("notes[{i}]"),
                "is on a booking or job seeker that is not there",
            ));
        }
        if !noted.insert(&n.on) {
            return Err(bad(
                format!("notes[{i}]"),
                "a second note on the same record",
            ));
        }
        if crate::domain::block::note_text(&n.note.text)
            .ok()
            .flatten()
            .as_deref()
            != Some(n.note.text.as_str())
        {
            return Err(bad(format!("notes[{i}]"), "a text a note may not hold"));
        }
    }
    let mut block_ids = BTreeSet::new();
    for (i, b) in s.blocks.iter().enumerate() {
        if !block_ids.insert(b.id) || b.id == u64::MAX {
            return Err(bad(format!("blocks[{i}]"), "the same block number twice"));
        }
        if b.from >= b.to {
            return Err(bad(format!("blocks[{i}]"), "ends before it begins"));
        }
    }
    Ok(())
}
