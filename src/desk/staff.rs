//! Staff's own work beside the bookings: blocks (time taken off the
//! calendar), notes, the reminders, and a booth's calendar.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::domain::Invalid;
use crate::domain::block::{Block, NoteOn};
use crate::domain::booking::{Booking, Status};
use crate::error::Error;
use crate::store::Engine;

use super::Env;

/// Time to take off the calendar, as asked (`soudan block`, the dashboard's `b`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRequest {
    pub date: NaiveDate,
    /// From the day's first slot when missing.
    pub from: Option<NaiveTime>,
    /// To the day's last slot's end when missing.
    pub to: Option<NaiveTime>,
    /// Every booth when missing.
    pub booth: Option<u8>,
    pub reason: String,
}

/// Takes the time off the calendar; returns the block and the live
/// bookings already in it (for staff to move or cancel).
pub fn block(
    env: &Env,
    store: &dyn Engine,
    req: &BlockRequest,
) -> Result<(Block, Vec<Booking>), Error> {
    let office = &env.loaded.office;
    if let Some(n) = req.booth
        && office.booth(n).is_none()
    {
        return Err(Invalid::new("booth", n.to_string(), "booth").into());
    }
    if req.reason.trim().is_empty() {
        return Err(Invalid::new("reason", "", "reason").into());
    }
    let reason = crate::domain::seeker::free_text(
        "reason",
        &req.reason,
        crate::domain::seeker::TEXT_MAX_WIDTH,
    )?;
    let today = env.clock.local().date();
    if req.date < today {
        return Err(Invalid::new("date", req.date.to_string(), "block_past").into());
    }
    let first = office.starts.first().copied();
    let last_end = office.starts.last().map(|t| *t + office.slot_length());
    let (Some(from), Some(to)) = (req.from.or(first), req.to.or(last_end)) else {
        return Err(Invalid::new("from", "", "time").into());
    };
    Block::check_times(from, to)?;
    let block = Block {
        id: 0,
        date: req.date,
        from,
        to,
        booth: req.booth,
        reason,
        by: String::new(),
        at: env.clock.now(),
    };
    let stored = store.add_block(&block, &env.ctx(None))?;
    let affected = store
        .day(req.date)?
        .into_iter()
        .filter(|b| b.status.is_live() && stored.covers(&b.slot))
        .collect();
    Ok((stored, affected))
}

/// Gives block `id` back to the calendar.
pub fn unblock(env: &Env, store: &dyn Engine, id: u64) -> Result<Block, Error> {
    store
        .remove_block(id, &env.ctx(None))?
        .ok_or_else(|| Invalid::new("ID", id.to_string(), "block_id").into())
}

/// The blocks of the days `from..=to`.
pub fn blocks(store: &dyn Engine, from: NaiveDate, to: NaiveDate) -> Result<Vec<Block>, Error> {
    Ok(store
        .all_blocks()?
        .into_iter()
        .filter(|b| b.date >= from && b.date <= to)
        .collect())
}

/// Writes (or with an empty text removes) a staff note.
pub fn note(env: &Env, store: &dyn Engine, on: &NoteOn, text: &str) -> Result<(), Error> {
    let text = crate::domain::block::note_text(text)?;
    store.set_note(on, text.as_deref(), &env.ctx(None))?;
    Ok(())
}

/// The reminders due now (domain.md, "Reminder"): each booking still
/// booked whose consultation's open day before has reached its hour (and
/// whose own day has not come), that was put where it is before that
/// moment, and was not reminded there.
/// With `dry_run`, only which; else each is queued once and written.
pub fn remind(env: &Env, store: &dyn Engine, dry_run: bool) -> Result<Vec<Booking>, Error> {
    let office = &env.loaded.office;
    let now = env.clock.local();
    let today = now.date();
    // A reminder due by now is for a day after today, up to the next open
    // day; on the consultation's own day it is too late for one.
    let last = office.calendar.open_days_after(today, 1).unwrap_or(today);
    let mut out = Vec::new();
    let ctx = env.ctx(None);
    let Some(mut day) = today.succ_opt() else {
        return Ok(out);
    };
    while day <= last {
        if let Some(due) = office.reminder_at(day)
            && now >= due
        {
            for b in store.day(day)? {
                let placed = crate::store::placed_at(&b).naive_local();
                if b.status != Status::Booked
                    || now >= b.slot.starts_at()
                    || placed >= due
                    || store.reminded(b.id, &b.slot)?
                {
                    continue;
                }
                if dry_run || store.queue_reminder(b.id, &b.slot, &ctx)? {
                    out.push(b);
                }
            }
        }
        let Some(next) = day.succ_opt() else { break };
        day = next;
    }
    if !dry_run && !out.is_empty() && !store.is_copy() {
        super::mail::write_queued(store, &env.loaded, &env.data_dir)?;
        super::mail::send_in_background(&env.loaded, &env.data_dir);
    }
    Ok(out)
}

/// A booth's consultations of `from..=to` as one calendar (RFC 5545):
/// every booking not cancelled, named masked unless `full`.
pub fn booth_calendar(
    env: &Env,
    store: &dyn Engine,
    booth: u8,
    from: NaiveDate,
    to: NaiveDate,
    full: bool,
) -> Result<String, Error> {
    if env.loaded.office.booth(booth).is_none() {
        return Err(Invalid::new("booth", booth.to_string(), "booth").into());
    }
    super::ops::check_stats_range(from, to)?;
    let mut events = Vec::new();
    for b in store.range(from, to)? {
        if b.slot.booth != booth || matches!(b.status, Status::Cancelled | Status::NoShow) {
            continue;
        }
        let seeker = store.seeker(&b.seeker)?;
        let name = match (&seeker, full) {
            (Some(s), true) => format!("{} {}", s.name.as_str(), s.number.as_str()),
            (Some(s), false) => s.name.masked(),
            (None, _) => "＊＊".to_string(),
        };
        events.push((b, name));
    }
    Ok(crate::mail::ics::booth_calendar(
        booth,
        &events,
        &env.loaded,
        env.clock.now(),
    ))
}

/// A block in words: `#3 2026-12-07 13:00–15:00 booth 2: reason`.
pub fn block_words(lang: crate::i18n::Lang, b: &Block) -> String {
    let place = match b.booth {
        Some(n) => crate::tr!(lang, "block.booth", booth = n),
        None => crate::tr!(lang, "block.all_booths"),
    };
    crate::tr!(
        lang,
        "block.words",
        id = b.id,
        date = b.date,
        from = b.from.format("%H:%M"),
        to = b.to.format("%H:%M"),
        place = place,
        reason = crate::i18n::safe(&b.reason)
    )
}

/// What staff are told when time is taken off: the block, and the
/// bookings already in it, to move or cancel.
pub fn blocked_line(lang: crate::i18n::Lang, b: &Block, affected: &[Booking]) -> String {
    let mut line = crate::tr!(lang, "block.done", words = block_words(lang, b));
    if !affected.is_empty() {
        let list: Vec<String> = affected
            .iter()
            .map(|x| {
                format!(
                    "{} {} {}",
                    x.id,
                    x.slot.start.format("%H:%M"),
                    crate::tr!(lang, "block.booth", booth = x.slot.booth)
                )
            })
            .collect();
        line.push(' ');
        line.push_str(&crate::tr!(
            lang,
            "block.affected",
            count = affected.len(),
            list = list.join(", ")
        ));
    }
    line
}

pub fn unblocked_line(lang: crate::i18n::Lang, b: &Block) -> String {
    crate::tr!(lang, "block.undone", words = block_words(lang, b))
}
