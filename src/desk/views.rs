//! What the screens show, read from the store: a day with everything
//! staff need beside each booking, a search, a job seeker looked up for a
//! booking. Plain data, so that a server can send it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use crate::domain::booking::{Booking, BookingId, Refusal, active_refusal, no_show_count};
use crate::domain::seeker::{JobSeekerNumber, Seeker};
use crate::store::{AuditEvent, Engine, StoreError};

/// One booking of the day with what staff need beside it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    pub booking: Booking,
    pub seeker: Option<Seeker>,
    pub no_shows: u32,
    pub refusal: Option<Refusal>,
    pub history: Vec<AuditEvent>,
    /// The name as a viewer is shown it (`seeker` is then none).
    #[serde(default)]
    pub masked_name: Option<String>,
    /// Staff's note on the booking, and on the job seeker.
    #[serde(default)]
    pub note: Option<crate::domain::block::Note>,
    #[serde(default)]
    pub seeker_note: Option<crate::domain::block::Note>,
}

impl Row {
    /// The name to show in a cell: masked, whoever looks.
    pub fn masked(&self) -> Option<String> {
        self.seeker
            .as_ref()
            .map(|s| s.name.masked())
            .or_else(|| self.masked_name.clone())
    }
}

/// What stands for a text a viewer is not shown.
const HIDDEN: &str = "＊";

impl DayData {
    /// The day as a viewer sees it (the ruling "Who may do what"): masked
    /// names only; no 求職番号 (each job seeker is `00000-k` within this
    /// answer), no contact details, reasons, meeting URLs or interpreter's
    /// language, no per-person history, and no record of who did what
    /// where (Art. 7(2)); a held slot shows as held, not by whom.
    pub fn masked(mut self) -> DayData {
        let mut seen: Vec<JobSeekerNumber> = Vec::new();
        self.rows.retain_mut(|r| {
            let k = match seen.iter().position(|n| *n == r.booking.seeker) {
                Some(k) => k + 1,
                None => {
                    seen.push(r.booking.seeker.clone());
                    seen.len()
                }
            };
            let Ok(pseudonym) = JobSeekerNumber::parse(&format!("00000-{k}")) else {
                return false;
            };
            r.masked_name = r.masked();
            r.seeker = None;
            let b = &mut r.booking;
            b.seeker = pseudonym;
            b.meeting_url.clear();
            b.late_override = b.late_override.as_ref().map(|_| HIDDEN.into());
            b.attendance.interpreter = b.attendance.interpreter.as_ref().map(|_| HIDDEN.into());
            for c in &mut b.changes {
                c.event.hide_reason(HIDDEN);
            }
            r.refusal = r.refusal.take().map(|f| Refusal {
                reason: HIDDEN.into(),
                by: HIDDEN.into(),
                lifted: None,
                ..f
            });
            r.no_shows = 0;
            r.history.clear();
            r.note = None;
            r.seeker_note = None;
            true
        });
        for b in &mut self.blocks {
            b.reason = HIDDEN.into();
            b.by = HIDDEN.into();
        }
        for h in &mut self.holds {
            h.account = HIDDEN.into();
            h.terminal.clear();
        }
        self.mail_queued = 0;
        self
    }
}

/// What the loop loads for a day.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DayData {
    pub date: Option<NaiveDate>,
    pub rows: Vec<Row>,
    /// Live bookings per day of the displayed month.
    pub month: BTreeMap<NaiveDate, usize>,
    /// No booking at all in the database yet.
    pub empty_db: bool,
    /// Mails waiting for the relay (when one is configured).
    pub mail_queued: usize,
    /// The day's slots held by a wizard (staff only).
    #[serde(default)]
    pub holds: Vec<super::holds::Hold>,
    /// The day's time taken off the calendar.
    #[serde(default)]
    pub blocks: Vec<crate::domain::block::Block>,
}

impl DayData {
    /// The block that covers `slot`, if any.
    pub fn block_at(
        &self,
        slot: &crate::domain::booking::Slot,
    ) -> Option<&crate::domain::block::Block> {
        self.blocks.iter().find(|b| b.covers(slot))
    }

    /// Another terminal's hold on `slot`, if any.
    pub fn hold_at(&self, slot: &crate::domain::booking::Slot) -> Option<&super::holds::Hold> {
        self.holds
            .iter()
            .find(|h| h.date == slot.date && h.time == slot.start && h.booth == slot.booth)
    }
}

/// A search result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Hit {
    pub booking: Booking,
    pub seeker: Option<Seeker>,
}

/// What the store says of a job seeker.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SeekerInfo {
    pub number: Option<JobSeekerNumber>,
    pub known: Option<Seeker>,
    pub refusal: Option<Refusal>,
    pub no_shows: u32,
    pub booked_that_day: Option<BookingId>,
    /// At the kiosk: this number cannot be booked here (refused, booked
    /// that day, or another name on record). Nothing else is told, so the
    /// kiosk never shows what the office knows of anyone.
    pub kiosk_block: bool,
}

impl SeekerInfo {
    /// What the kiosk may hold of a look-up: whether to go on, nothing more.
    pub fn for_kiosk(self, typed_name: &str) -> SeekerInfo {
        let other_name = self
            .known
            .as_ref()
            .is_some_and(|k| name_key(k.name.as_str()) != name_key(typed_name));
        SeekerInfo {
            kiosk_block: self.refusal.is_some() || self.booked_that_day.is_some() || other_name,
            number: self.number,
            ..SeekerInfo::default()
        }
    }
}

/// A name as compared at the kiosk: NFKC, no spaces, lower case.
pub fn name_key(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkc()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Loads `date` and its month from the store.
pub fn load_day(store: &dyn Engine, date: NaiveDate) -> Result<DayData, StoreError> {
    load_day_at(store, date, None)
}

/// [`load_day`] on office day `today`: the month's days before it count
/// what was not cancelled (a day of no-shows shows its count), the rest
/// their live bookings.
pub fn load_day_at(
    store: &dyn Engine,
    date: NaiveDate,
    today: Option<NaiveDate>,
) -> Result<DayData, StoreError> {
    let mut rows = Vec::new();
    let bookings = store.day(date)?;
    // Everything the rows show, in one batched read.
    let mut details = store.day_details(&bookings)?;
    for booking in bookings {
        let n = booking.seeker.as_str();
        let id = booking.id.as_str();
        let seeker = details.seekers.get(n).cloned();
        let no_shows = no_show_count(
            details
                .seeker_bookings
                .get(n)
                .map_or(&[][..], Vec::as_slice),
        );
        let refusal = details
            .refusals
            .get(n)
            .and_then(|r| active_refusal(r))
            .cloned();
        let history = details.history.remove(id).unwrap_or_default();
        let note = details.booking_notes.remove(id);
        let seeker_note = details.seeker_notes.get(n).cloned();
        rows.push(Row {
            booking,
            seeker,
            no_shows,
            refusal,
            history,
            masked_name: None,
            note,
            seeker_note,
        });
    }
    let first = NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap_or(date);
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(date);
    let month = match today {
        Some(t) => store.day_counts_held(first, last, t)?,
        None => store.day_counts(first, last)?,
    };
    Ok(DayData {
        date: Some(date),
        rows,
        month,
        empty_db: store.is_empty()?,
        mail_queued: 0,
        holds: Vec::new(),
        blocks: store.blocks_of(date)?,
    })
}

/// The form names are compared in: NFKC, no spaces, lower case, hiragana
/// as katakana (so やまだ finds ヤマダ).
fn fold(s: &str) -> String {
    // ASCII (an email, a romaji name) needs no normalising.
    if s.is_ascii() {
        return s
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .map(|b| char::from(b.to_ascii_lowercase()))
            .collect();
    }
    s.nfkc()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// What the store says of a job seeker, for booking them on `date`.
pub fn lookup_seeker(
    store: &dyn Engine,
    number: JobSeekerNumber,
    date: NaiveDate,
) -> Result<SeekerInfo, StoreError> {
    let known = store.seeker(&number)?;
    let refusal = active_refusal(&store.refusals(&number)?).cloned();
    let bookings = store.seeker_bookings(&number)?;
    let no_shows = no_show_count(&bookings);
    let booked_that_day = bookings
        .iter()
        .find(|b| b.slot.date == date && b.status.is_live())
        .map(|b| b.id);
    Ok(SeekerInfo {
        number: Some(number),
        known,
        refusal,
        no_shows,
        booked_that_day,
        kiosk_block: false,
    })
}

/// Finds bookings by booking id, 求職番号, or a part of a name or kana.
pub fn search(store: &dyn Engine, query: &str) -> Result<Vec<Hit>, StoreError> {
    let mut hits = Vec::new();
    if let Ok(id) = BookingId::parse(query)
        && let Some(b) = store.booking(id)?
    {
        let seeker = store.seeker(&b.seeker)?;
        hits.push(Hit { booking: b, seeker });
    }
    let numbers: Vec<JobSeekerNumber> = match JobSeekerNumber::parse(query) {
        Ok(n) => vec![n],
        Err(_) => {
            let q = fold(query);
            // A phone number is found by its digits (three or more), written
            // with or without hyphens.
            let digits: String = query.nfkc().filter(char::is_ascii_digit).collect();
            let by_phone = digits.len() >= 3 && digits.len() * 2 >= fold(query).len();
            let mut buf = String::new();
            store
                .seeker_texts()?
                .into_iter()
                .filter(|s| {
                    if by_phone {
                        // Digits are a phone number: no name holds them, and
                        // the names need not be folded at all.
                        return s.phone.as_ref().is_some_and(|p| {
                            buf.clear();
                            buf.extend(p.chars().filter(char::is_ascii_digit));
                            buf.contains(&digits)
                        });
                    }
                    fold(&s.name).contains(&q)
                        || s.kana.as_ref().is_some_and(|k| fold(k).contains(&q))
                        || (q.contains('@') || q.len() >= 3) && fold(&s.email).contains(&q)
                })
                .filter_map(|s| JobSeekerNumber::parse(&s.number).ok())
                .collect()
        }
    };
    for n in numbers {
        let seeker = store.seeker(&n)?;
        for b in store.seeker_bookings(&n)? {
            if !hits.iter().any(|h| h.booking.id == b.id) {
                hits.push(Hit {
                    booking: b,
                    seeker: seeker.clone(),
                });
            }
        }
    }
    hits.sort_by_key(|h| std::cmp::Reverse((h.booking.slot.date, h.booking.slot.start)));
    hits.truncate(200);
    Ok(hits)
}

/// How many bookable days the kiosk offers.
pub const KIOSK_DAYS: usize = 5;

/// One slot time of a day: a booth to book it in, or none (full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeSlot {
    pub time: NaiveTime,
    pub booth: Option<u8>,
}

/// A bookable day and whether each of its slot times is free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeDay {
    pub date: NaiveDate,
    pub slots: Vec<FreeSlot>,
}

/// The free slots of the next [`KIOSK_DAYS`] bookable days after `now`: for each
/// slot time the first booth without a live booking, or none.
pub fn free_days(
    store: &dyn Engine,
    office: &crate::domain::office::Office,
    now: chrono::NaiveDateTime,
) -> Result<Vec<FreeDay>, StoreError> {
    free_days_held(store, office, now, &|_, _, _| false)
}

/// [`free_days`], a slot `held` (by another terminal's wizard) counting as
/// taken.
pub fn free_days_held(
    store: &dyn Engine,
    office: &crate::domain::office::Office,
    now: chrono::NaiveDateTime,
    held: &dyn Fn(NaiveDate, NaiveTime, u8) -> bool,
) -> Result<Vec<FreeDay>, StoreError> {
    let mut out = Vec::new();
    for day in kiosk_dates(office, now) {
        let slots = office.slots_of(day);
        {
            let taken: Vec<_> = store
                .day(day)?
                .into_iter()
                .filter(|b| b.status.is_live())
                .map(|b| (b.slot.start, b.slot.booth))
                .collect();
            let blocks = store.blocks_of(day)?;
            let mut free: Vec<FreeSlot> = Vec::new();
            for s in slots {
                let open = !taken.contains(&(s.start, s.booth))
                    && !held(day, s.start, s.booth)
                    && !blocks.iter().any(|b| b.covers(&s));
                match free.iter_mut().find(|f| f.time == s.start) {
                    Some(f) if f.booth.is_none() && open => f.booth = Some(s.booth),
                    Some(_) => {}
                    None => free.push(FreeSlot {
                        time: s.start,
                        booth: open.then_some(s.booth),
                    }),
                }
            }
            out.push(FreeDay {
                date: day,
                slots: free,
            });
        }
    }
    Ok(out)
}

/// The days the kiosk offers at `now`: the first [`KIOSK_DAYS`] bookable
/// days that have slots.
pub fn kiosk_dates(
    office: &crate::domain::office::Office,
    now: chrono::NaiveDateTime,
) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let Some(mut day) = office
        .calendar
        .first_bookable(now.date(), office.rules.deadline_open_days)
    else {
        return out;
    };
    let mut tries = 0;
    while out.len() < KIOSK_DAYS && tries < 60 {
        tries += 1;
        if !office.slots_of(day).is_empty() {
            out.push(day);
        }
        day = match day.succ_opt() {
            Some(d) if d.year() <= 9999 => d,
            _ => break,
        };
    }
    out
}
