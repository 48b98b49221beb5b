//! Holds: while a wizard (at a counter or the kiosk) is on a slot, the slot
//! is held for its holder, so that another terminal does not book it under
//! a person still typing. A hold lasts `booking.hold_minutes` and is
//! renewed while its wizard is in use; it ends on the booking, on leaving
//! the wizard, when its holder's connection ends, or when it expires.
//! Staff see who holds a slot; the kiosk sees a held slot as full; a
//! booking of a slot held by another is refused (exit 3).
//!
//! Holds live with whoever owns the database (the server, for all its
//! clients), in its memory ([`Holds`]): a hold is a courtesy between people
//! at work, not a booking, and a server's restart ends them all. On a
//! database shared by several servers of the office (PostgreSQL) they are
//! kept in it instead, so that each server sees the others' ([`of`]).

use std::sync::Mutex;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

pub use crate::store::hold::{Hold, HoldBook};

/// The holds that count for `env` on `store`: the records' own when they
/// keep them for every server, else this owner's.
pub fn of<'a>(env: &'a super::Env, store: &'a dyn crate::store::Engine) -> &'a dyn HoldBook {
    store.shared_holds().unwrap_or(&*env.holds)
}

/// Every hold of one owner of the database.
#[derive(Debug, Default)]
pub struct Holds {
    held: Mutex<Vec<Hold>>,
}

impl Holds {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Hold>> {
        // A panic while holding the lock leaves a list that is still whole.
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl HoldBook for Holds {
    /// Holds the slot for `holder` until `until` (a holder has one hold at
    /// a time: taking another ends the first). Refused with the other's
    /// hold when someone else holds it.
    fn take(&self, mut hold: Hold, now: NaiveDateTime) -> Result<(), Hold> {
        let mut held = self.lock();
        held.retain(|h| h.until > now);
        if let Some(other) = held
            .iter()
            .find(|h| h.holder != hold.holder && h.is(hold.date, hold.time, hold.booth))
        {
            return Err(other.clone());
        }
        held.retain(|h| h.holder != hold.holder);
        hold.account = crate::i18n::safe(&hold.account).chars().take(64).collect();
        hold.terminal = crate::i18n::safe(&hold.terminal).chars().take(64).collect();
        held.push(hold);
        Ok(())
    }

    /// Ends `holder`'s hold; whether it had one.
    fn release(&self, holder: u64) -> bool {
        let mut held = self.lock();
        let before = held.len();
        held.retain(|h| h.holder != holder);
        held.len() != before
    }

    /// Ends the holds whose time is up; whether there were any.
    fn expire(&self, now: NaiveDateTime) -> bool {
        let mut held = self.lock();
        let before = held.len();
        held.retain(|h| h.until > now);
        held.len() != before
    }

    /// The hold on a slot by someone other than `holder`, if any.
    fn other(
        &self,
        holder: u64,
        date: NaiveDate,
        time: NaiveTime,
        booth: u8,
        now: NaiveDateTime,
    ) -> Option<Hold> {
        self.lock()
            .iter()
            .find(|h| h.holder != holder && h.until > now && h.is(date, time, booth))
            .cloned()
    }

    /// The live holds on `date`, by slot.
    fn on(&self, date: NaiveDate, now: NaiveDateTime) -> Vec<Hold> {
        let mut out: Vec<Hold> = self
            .lock()
            .iter()
            .filter(|h| h.date == date && h.until > now)
            .cloned()
            .collect();
        out.sort_by_key(|h| (h.time, h.booth));
        out
    }

    /// When the next hold ends, for the owner's clock.
    fn next_end(&self) -> Option<NaiveDateTime> {
        self.lock().iter().map(|h| h.until).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn hold(holder: u64, time: &str, until: &str) -> Hold {
        Hold {
            date: t("2026-12-10 00:00").date(),
            time: NaiveTime::parse_from_str(time, "%H:%M").unwrap(),
            booth: 1,
            account: format!("staff{holder}"),
            terminal: format!("counter-{holder}"),
            until: t(until),
            holder,
        }
    }

    #[test]
    fn one_holder_per_slot_one_slot_per_holder_and_expiry() {
        let h = Holds::default();
        let now = t("2026-12-01 09:00");
        assert!(h.take(hold(1, "10:00", "2026-12-01 09:05"), now).is_ok());
        // Another holder is refused and told who holds it.
        let other = h
            .take(hold(2, "10:00", "2026-12-01 09:05"), now)
            .unwrap_err();
        assert_eq!(other.account, "staff1");
        // The holder renews; taking another slot ends the first hold.
        assert!(h.take(hold(1, "10:00", "2026-12-01 09:06"), now).is_ok());
        assert!(h.take(hold(1, "10:30", "2026-12-01 09:06"), now).is_ok());
        let day = t("2026-12-10 00:00").date();
        let ten = NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        assert!(h.other(2, day, ten, 1, now).is_none());
        assert!(h.take(hold(2, "10:00", "2026-12-01 09:05"), now).is_ok());
        assert_eq!(h.on(t("2026-12-10 00:00").date(), now).len(), 2);
        // Time runs out; a released hold frees its slot at once.
        assert!(h.expire(t("2026-12-01 09:05")));
        assert_eq!(
            h.on(t("2026-12-10 00:00").date(), t("2026-12-01 09:05"))
                .len(),
            1
        );
        assert!(h.release(1));
        assert!(!h.release(1));
        assert!(h.on(t("2026-12-10 00:00").date(), now).is_empty());
    }
}
