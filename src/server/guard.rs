//! What the server keeps per account so that no account can take more
//! than its share: connections (in total, per account, and still in their
//! handshake, as OpenSSH's `MaxStartups` and PostgreSQL's per-role
//! `CONNECTION LIMIT`), the growing wait after a wrong staff PIN, and the
//! pace of the kiosk's bookings and of its refusals about a person. Each
//! is per account and never waits while holding a lock, so a guessing
//! account slows only itself.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Connections still in their handshake, all accounts together: beyond
/// this a new one is closed at once.
pub const MAX_HANDSHAKES: usize = 64;

/// Connections of one account still in their handshake.
pub const MAX_HANDSHAKES_PER_ACCOUNT: usize = 16;

/// The kiosk's bookings: a burst of this many, then one per
/// [`KIOSK_BOOK_EVERY`], per kiosk account (what a person at a kiosk can make).
pub const KIOSK_BOOK_BURST: f64 = 3.0;
pub const KIOSK_BOOK_EVERY: Duration = Duration::from_secs(60);

/// The kiosk's refusals about a person ("ask at the counter"): a burst of
/// this many, then one per [`KIOSK_REFUSAL_EVERY`].
pub const KIOSK_REFUSAL_BURST: f64 = 6.0;
pub const KIOSK_REFUSAL_EVERY: Duration = Duration::from_secs(20);

/// How long a kiosk account may hold the same slot, renewals and all.
pub const KIOSK_HOLD_TOTAL: Duration = Duration::from_secs(15 * 60);

/// Refusals of one account audited one by one in a minute (connections,
/// requests its role may not make, paced bookings); past that the log
/// says so once and the rest are only counted.
pub const AUDITED_REFUSALS_PER_MINUTE: u32 = 60;

/// What a kiosk account is paced in.
#[derive(Debug, Clone, Copy)]
enum Pace {
    Bookings,
    Refusals,
}

impl Pace {
    /// Its burst and the time for one more.
    fn rate(self) -> (f64, Duration) {
        match self {
            Pace::Bookings => (KIOSK_BOOK_BURST, KIOSK_BOOK_EVERY),
            Pace::Refusals => (KIOSK_REFUSAL_BURST, KIOSK_REFUSAL_EVERY),
        }
    }

    fn bucket(self, a: &mut Account) -> &mut Option<Bucket> {
        match self {
            Pace::Bookings => &mut a.bookings,
            Pace::Refusals => &mut a.refusals,
        }
    }
}

/// A token bucket: `burst` at once, then one per `every`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// The wait until a token is there, taking none.
    fn wait(&self, now: Instant, burst: f64, every: Duration) -> Option<Duration> {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() / every.as_secs_f64();
        let tokens = (self.tokens + refill).min(burst);
        (tokens < 1.0).then(|| every.mul_f64(1.0 - tokens))
    }

    /// Takes a token; the wait until one is there when none is.
    fn take(&mut self, now: Instant, burst: f64, every: Duration) -> Result<(), Duration> {
        let refill = now.saturating_duration_since(self.at).as_secs_f64() / every.as_secs_f64();
        self.tokens = (self.tokens + refill).min(burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(every.mul_f64(1.0 - self.tokens))
        }
    }
}

#[derive(Debug, Default)]
struct Account {
    connections: usize,
    handshakes: usize,
    pin_failures: u32,
    pin_wait_until: Option<Instant>,
    /// When the account last typed the right PIN: its kiosk may then say
    /// it was left (once).
    pin_right_at: Option<Instant>,
    bookings: Option<Bucket>,
    refusals: Option<Bucket>,
    refused_minute: Option<(Instant, u32)>,
    /// A kiosk account's hold: which connection, which slot, since when.
    hold: Option<(u64, HeldSlot, Instant)>,
}

/// What becomes of a refusal in the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audit {
    /// Recorded on its own.
    Each,
    /// The first past the minute's number: the log says the rest are counted.
    FromNowCounted,
    /// Counted, not recorded.
    Counted,
}

/// A kiosk account has held the same slot for [`KIOSK_HOLD_TOTAL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeldTooLong;

/// A slot as the guard knows it: date, time, booth.
pub type HeldSlot = (chrono::NaiveDate, chrono::NaiveTime, u8);

/// The server's per-account tallies.
#[derive(Debug, Default)]
pub struct Guard {
    accounts: Mutex<HashMap<u32, Account>>,
    total: Mutex<(usize, usize)>,
}

/// Why a connection was closed at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Full {
    /// The server's `max_connections`.
    Total(usize),
    /// The account's `max_per_account`.
    Account(usize),
    /// Too many connections still in their handshake.
    Handshakes(usize),
}

impl std::fmt::Display for Full {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Full::Total(n) => write!(f, "{n} connections open (server.max_connections)"),
            Full::Account(n) => write!(
                f,
                "{n} connections of this account open (server.max_per_account)"
            ),
            Full::Handshakes(n) => write!(f, "{n} connections still in their handshake"),
        }
    }
}

impl Guard {
    /// Counts a new connection of `uid` in its handshake, or says why not.
    pub fn admit(&self, uid: u32, max_total: usize, max_account: usize) -> Result<(), Full> {
        let mut total = self.total.lock().map_err(|_| Full::Total(0))?;
        let mut accounts = self.accounts.lock().map_err(|_| Full::Total(0))?;
        let a = accounts.entry(uid).or_default();
        if total.0 >= max_total {
            return Err(Full::Total(total.0));
        }
        if a.connections >= max_account {
            return Err(Full::Account(a.connections));
        }
        if total.1 >= MAX_HANDSHAKES {
            return Err(Full::Handshakes(total.1));
        }
        if a.handshakes >= MAX_HANDSHAKES_PER_ACCOUNT {
            return Err(Full::Handshakes(a.handshakes));
        }
        total.0 += 1;
        total.1 += 1;
        a.connections += 1;
        a.handshakes += 1;
        Ok(())
    }

    /// The handshake of a connection of `uid` is over, either way.
    pub fn handshake_over(&self, uid: u32) {
        if let (Ok(mut total), Ok(mut accounts)) = (self.total.lock(), self.accounts.lock()) {
            total.1 = total.1.saturating_sub(1);
            if let Some(a) = accounts.get_mut(&uid) {
                a.handshakes = a.handshakes.saturating_sub(1);
            }
        }
    }

    /// A connection of `uid` is gone.
    pub fn left(&self, uid: u32) {
        if let (Ok(mut total), Ok(mut accounts)) = (self.total.lock(), self.accounts.lock()) {
            total.0 = total.0.saturating_sub(1);
            if let Some(a) = accounts.get_mut(&uid) {
                a.connections = a.connections.saturating_sub(1);
                // Forget an account with nothing left to remember.
                if a.connections == 0
                    && a.pin_failures == 0
                    && a.bookings.is_none()
                    && a.refusals.is_none()
                    && a.refused_minute.is_none()
                    && a.hold.is_none()
                {
                    accounts.remove(&uid);
                }
            }
        }
    }

    fn with<R>(&self, uid: u32, f: impl FnOnce(&mut Account) -> R) -> Option<R> {
        let mut accounts = self.accounts.lock().ok()?;
        Some(f(accounts.entry(uid).or_default()))
    }

    /// Whether this refusal of `uid` is audited on its own (the first
    /// [`AUDITED_REFUSALS_PER_MINUTE`] of a minute are), or counted.
    pub fn audit_refusal(&self, uid: u32, now: Instant) -> Audit {
        self.with(uid, |a| {
            let (start, n) = match a.refused_minute {
                Some((start, n))
                    if now.saturating_duration_since(start) < Duration::from_secs(60) =>
                {
                    (start, n)
                }
                _ => (now, 0),
            };
            a.refused_minute = Some((start, n + 1));
            match n.cmp(&AUDITED_REFUSALS_PER_MINUTE) {
                std::cmp::Ordering::Less => Audit::Each,
                std::cmp::Ordering::Equal => Audit::FromNowCounted,
                std::cmp::Ordering::Greater => Audit::Counted,
            }
        })
        .unwrap_or(Audit::Counted)
    }

    /// How long `uid` must still wait before its next PIN is checked.
    pub fn pin_wait(&self, uid: u32, now: Instant) -> Option<Duration> {
        self.with(uid, |a| {
            a.pin_wait_until
                .map(|t| t.saturating_duration_since(now))
                .filter(|d| !d.is_zero())
        })
        .flatten()
    }

    /// A PIN of `uid` was checked: right clears its failures, wrong makes
    /// it wait longer (2 s, 4 s, 8 s … 5 min, as `pin::delay_after`).
    /// The wait set, if any.
    pub fn pin_checked(&self, uid: u32, right: bool, now: Instant) -> u32 {
        self.with(uid, |a| {
            if right {
                a.pin_failures = 0;
                a.pin_wait_until = None;
                a.pin_right_at = Some(now);
                0
            } else {
                a.pin_failures = a.pin_failures.saturating_add(1);
                let wait = crate::pin::delay_after(a.pin_failures);
                a.pin_wait_until = (wait > 0).then(|| now + Duration::from_secs(u64::from(wait)));
                wait
            }
        })
        .unwrap_or(300)
    }

    /// Whether the kiosk of `uid` may record that it was left: once, within
    /// a minute of the right PIN (so that a kiosk account cannot fill the
    /// audit trail with its own events).
    pub fn kiosk_may_record_leave(&self, uid: u32, now: Instant) -> bool {
        self.with(uid, |a| {
            let ok = a
                .pin_right_at
                .is_some_and(|t| now.saturating_duration_since(t) <= Duration::from_secs(60));
            a.pin_right_at = None;
            ok
        })
        .unwrap_or(false)
    }

    /// The wait of `uid`'s bucket of `pace` before its next token, taking
    /// none.
    fn pace_wait(&self, uid: u32, pace: Pace, now: Instant) -> Option<Duration> {
        let (burst, every) = pace.rate();
        self.with(uid, |a| pace.bucket(a).as_ref()?.wait(now, burst, every))
            .flatten()
    }

    /// Takes a token of `uid`'s bucket of `pace`, or the wait for one.
    fn pace_take(&self, uid: u32, pace: Pace, now: Instant) -> Result<(), Duration> {
        let (burst, every) = pace.rate();
        self.with(uid, |a| {
            pace.bucket(a)
                .get_or_insert(Bucket {
                    tokens: burst,
                    at: now,
                })
                .take(now, burst, every)
        })
        .unwrap_or(Err(every))
    }

    /// How long the kiosk of `uid` must wait before its next booking.
    pub fn kiosk_booking_wait(&self, uid: u32, now: Instant) -> Option<Duration> {
        self.pace_wait(uid, Pace::Bookings, now)
    }

    /// A kiosk booking of `uid` made: counted, or the wait until the next.
    pub fn kiosk_booking(&self, uid: u32, now: Instant) -> Result<(), Duration> {
        self.pace_take(uid, Pace::Bookings, now)
    }

    /// How long `uid` must wait before the kiosk answers about a person
    /// again, after too many refusals.
    pub fn kiosk_refusals_wait(&self, uid: u32, now: Instant) -> Option<Duration> {
        self.pace_wait(uid, Pace::Refusals, now)
    }

    /// A kiosk refusal about a person for `uid`: let through, or the wait.
    pub fn kiosk_refusal(&self, uid: u32, now: Instant) -> Result<(), Duration> {
        self.pace_take(uid, Pace::Refusals, now)
    }

    /// A hold of `slot` by connection `holder` of kiosk account `uid`: the
    /// account's other connection whose hold is to end (one slot at a
    /// time), or refused when the account has held this slot for
    /// [`KIOSK_HOLD_TOTAL`] already.
    pub fn kiosk_hold(
        &self,
        uid: u32,
        holder: u64,
        slot: HeldSlot,
        now: Instant,
    ) -> Result<Option<u64>, HeldTooLong> {
        self.with(uid, |a| match a.hold {
            Some((_, held, since)) if held == slot => {
                if now.saturating_duration_since(since) > KIOSK_HOLD_TOTAL {
                    return Err(HeldTooLong);
                }
                let before = a.hold.map(|(h, _, _)| h).filter(|h| *h != holder);
                a.hold = Some((holder, slot, since));
                Ok(before)
            }
            before => {
                a.hold = Some((holder, slot, now));
                Ok(before.map(|(h, _, _)| h).filter(|h| *h != holder))
            }
        })
        .unwrap_or(Err(HeldTooLong))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_are_capped_in_total_per_account_and_in_the_handshake() {
        let g = Guard::default();
        for _ in 0..3 {
            g.admit(1, 10, 3).unwrap();
            g.handshake_over(1);
        }
        assert_eq!(g.admit(1, 10, 3), Err(Full::Account(3)));
        // Another account still gets in, until the total is reached.
        for _ in 0..7 {
            g.admit(2, 10, 100).unwrap();
            g.handshake_over(2);
        }
        assert_eq!(g.admit(3, 10, 100), Err(Full::Total(10)));
        g.left(1);
        g.admit(1, 10, 3).unwrap();
        // Handshakes: at most a few per account, whatever the caps.
        let h = Guard::default();
        for _ in 0..MAX_HANDSHAKES_PER_ACCOUNT {
            h.admit(7, 1000, 1000).unwrap();
        }
        assert!(matches!(h.admit(7, 1000, 1000), Err(Full::Handshakes(_))));
        h.admit(8, 1000, 1000).unwrap();
    }

    #[test]
    fn a_wrong_pin_makes_only_its_account_wait_longer_each_time() {
        let g = Guard::default();
        let t = Instant::now();
        assert_eq!(g.pin_wait(5, t), None);
        let mut waits = Vec::new();
        for i in 0..12 {
            let now = t + Duration::from_secs(1000 * i);
            let wait = g.pin_checked(5, false, now);
            waits.push(wait);
            assert_eq!(g.pin_wait(5, now).is_some(), wait > 0, "{i}");
            assert_eq!(g.pin_wait(6, now), None, "another account never waits");
        }
        assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
        assert_eq!(waits[..4], [0, 0, 2, 4], "{waits:?}");
        assert_eq!(*waits.last().unwrap(), 300, "{waits:?}");
        assert!(!g.kiosk_may_record_leave(5, t));
        g.pin_checked(5, true, t + Duration::from_secs(20000));
        assert_eq!(g.pin_wait(5, t + Duration::from_secs(20000)), None);
        assert!(g.kiosk_may_record_leave(5, t + Duration::from_secs(20010)));
        assert!(
            !g.kiosk_may_record_leave(5, t + Duration::from_secs(20011)),
            "once"
        );
    }

    #[test]
    fn kiosk_bookings_come_in_a_burst_of_three_then_one_a_minute() {
        let g = Guard::default();
        let t = Instant::now();
        for _ in 0..3 {
            assert!(g.kiosk_booking(9, t).is_ok());
        }
        let wait = g.kiosk_booking(9, t).unwrap_err();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        assert!(g.kiosk_booking(9, t + Duration::from_secs(30)).is_err());
        assert!(g.kiosk_booking(9, t + Duration::from_secs(61)).is_ok());
        assert!(g.kiosk_booking(9, t + Duration::from_secs(62)).is_err());
        // Another kiosk account has its own.
        assert!(g.kiosk_booking(10, t).is_ok());
    }

    #[test]
    fn a_kiosk_account_holds_one_slot_and_the_same_one_for_a_bounded_time() {
        let g = Guard::default();
        let t = Instant::now();
        let d = chrono::NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        let slot = |h| (d, chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap(), 1);
        assert_eq!(g.kiosk_hold(3, 1, slot(9), t), Ok(None));
        // Another connection of the account takes another slot: the first ends.
        assert_eq!(g.kiosk_hold(3, 2, slot(10), t), Ok(Some(1)));
        // Renewed by its own connection, for so long and no longer.
        assert_eq!(
            g.kiosk_hold(3, 2, slot(10), t + Duration::from_secs(600)),
            Ok(None)
        );
        assert_eq!(
            g.kiosk_hold(
                3,
                2,
                slot(10),
                t + KIOSK_HOLD_TOTAL + Duration::from_secs(1)
            ),
            Err(HeldTooLong)
        );
        // Another kiosk account is another account.
        assert_eq!(g.kiosk_hold(4, 9, slot(10), t), Ok(None));
    }

    #[test]
    fn refused_connections_are_audited_up_to_a_number_a_minute() {
        let g = Guard::default();
        let t = Instant::now();
        let each: Vec<Audit> = (0..100).map(|_| g.audit_refusal(4, t)).collect();
        let n = AUDITED_REFUSALS_PER_MINUTE as usize;
        assert!(each[..n].iter().all(|a| *a == Audit::Each));
        assert_eq!(each[n], Audit::FromNowCounted);
        assert!(each[n + 1..].iter().all(|a| *a == Audit::Counted));
        assert_eq!(g.audit_refusal(5, t), Audit::Each, "another account");
        assert_eq!(g.audit_refusal(4, t + Duration::from_secs(61)), Audit::Each);
    }
}
