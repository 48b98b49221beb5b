//! Byte keys of the trees. Big-endian numbers, so that sled's byte order is
//! the order of dates, times and booths.

use chrono::{Datelike, NaiveDate, NaiveTime, Timelike};

use crate::domain::booking::{BookingId, ID_LEN, Slot};
use crate::domain::seeker::JobSeekerNumber;

/// `YYYYMMDD` as a number.
pub fn date_code(date: NaiveDate) -> u32 {
    (date.year().max(0) as u32) * 10_000 + date.month() * 100 + date.day()
}

pub fn date_from_code(code: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt((code / 10_000) as i32, (code / 100) % 100, code % 100)
}

fn minutes(t: NaiveTime) -> u16 {
    (t.hour() * 60 + t.minute()) as u16
}

pub const SLOT_KEY_LEN: usize = 7;

/// date (4) | start minute of day (2) | booth (1).
pub fn slot(slot: &Slot) -> [u8; SLOT_KEY_LEN] {
    let mut k = [0u8; SLOT_KEY_LEN];
    k[..4].copy_from_slice(&date_code(slot.date).to_be_bytes());
    k[4..6].copy_from_slice(&minutes(slot.start).to_be_bytes());
    k[6] = slot.booth;
    k
}

/// The first key of `date` in a tree keyed by [`slot`].
pub fn day_prefix(date: NaiveDate) -> [u8; 4] {
    date_code(date).to_be_bytes()
}

/// Reads date, start time and booth back from a key that starts with a slot key.
pub fn parse_slot(key: &[u8]) -> Option<(NaiveDate, NaiveTime, u8)> {
    if key.len() < SLOT_KEY_LEN {
        return None;
    }
    let date = date_from_code(u32::from_be_bytes(key[..4].try_into().ok()?))?;
    let m = u16::from_be_bytes(key[4..6].try_into().ok()?);
    let time = NaiveTime::from_hms_opt(u32::from(m / 60), u32::from(m % 60), 0)?;
    Some((date, time, key[6]))
}

/// slot key | booking id: an entry of the per-day index.
pub fn slot_booking(s: &Slot, id: &BookingId) -> [u8; SLOT_KEY_LEN + ID_LEN] {
    let mut k = [0u8; SLOT_KEY_LEN + ID_LEN];
    k[..SLOT_KEY_LEN].copy_from_slice(&slot(s));
    k[SLOT_KEY_LEN..].copy_from_slice(id.as_bytes());
    k
}

/// The booking id at the end of an index key.
/// A repeat key as the desk hands it to a store: the key itself, then
/// `\0#` and the digest of the request sent under it (none in a key
/// without it). The mark keeps the digest before the booking's id, so a
/// different request under a used key is told from a repeat.
pub fn once_parts(once: &[u8]) -> (&[u8], &[u8]) {
    match once.windows(2).rposition(|w| w == b"\0#") {
        Some(i) => (&once[..i], &once[i + 2..]),
        None => (once, &[]),
    }
}

/// Whether a request mark's value (digest, then id) was made by the
/// request whose digest is `digest`: a mark or a key without a digest
/// (made before digests were kept) counts as the same request.
pub fn same_request(mark: &[u8], digest: &[u8]) -> bool {
    let stored = &mark[..mark.len().saturating_sub(ID_LEN)];
    stored.is_empty() || digest.is_empty() || stored == digest
}

pub fn trailing_id(key: &[u8]) -> Option<BookingId> {
    let tail = key.get(key.len().checked_sub(ID_LEN)?..)?;
    BookingId::parse(std::str::from_utf8(tail).ok()?).ok()
}

/// seeker | 0x00: the prefix of a job seeker's entries.
pub fn seeker_prefix(seeker: &JobSeekerNumber) -> Vec<u8> {
    let mut k = Vec::with_capacity(seeker.as_str().len() + 1 + SLOT_KEY_LEN + ID_LEN);
    k.extend_from_slice(seeker.as_str().as_bytes());
    k.push(0);
    k
}

/// seeker | 0x00 | date: one job seeker's day.
pub fn seeker_day(seeker: &JobSeekerNumber, date: NaiveDate) -> Vec<u8> {
    let mut k = seeker_prefix(seeker);
    k.extend_from_slice(&date_code(date).to_be_bytes());
    k
}

/// seeker | 0x00 | slot key | id: an entry of the per-seeker index.
pub fn seeker_booking(seeker: &JobSeekerNumber, s: &Slot, id: &BookingId) -> Vec<u8> {
    let mut k = seeker_prefix(seeker);
    k.extend_from_slice(&slot_booking(s, id));
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_key_carries_its_request_digest() {
        let once = b"request\0clerk\0s1:7\0#00ff";
        assert_eq!(
            once_parts(once),
            (&b"request\0clerk\0s1:7"[..], &b"00ff"[..])
        );
        assert_eq!(
            once_parts(b"request\0clerk\0s1:7"),
            (&b"request\0clerk\0s1:7"[..], &b""[..])
        );
        assert!(same_request(b"00ffK7M2Q9", b"00ff"));
        assert!(!same_request(b"00feK7M2Q9", b"00ff"));
        assert!(same_request(b"K7M2Q9", b"00ff"));
    }

    #[test]
    fn slot_keys_sort_like_slots_and_read_back() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let t = |s| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
        let a = Slot {
            date: d("2026-12-03"),
            start: t("16:00"),
            end: t("16:30"),
            booth: 2,
        };
        let b = Slot {
            date: d("2026-12-04"),
            start: t("09:00"),
            end: t("09:30"),
            booth: 1,
        };
        let c = Slot {
            date: d("2026-12-04"),
            start: t("09:00"),
            end: t("09:30"),
            booth: 2,
        };
        assert!(slot(&a) < slot(&b) && slot(&b) < slot(&c));
        assert_eq!(parse_slot(&slot(&c)), Some((c.date, c.start, 2)));
        let id = BookingId::parse("K7M2Q9").unwrap();
        assert_eq!(trailing_id(&slot_booking(&c, &id)), Some(id));
    }
}
