//! The office clock: office local time (Asia/Tokyo by default) whatever the
//! machine's zone. `--now` starts it at another moment, from which it runs on
//! in real time, for training and tests.

use std::time::Instant;

use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::domain::Invalid;

#[derive(Debug, Clone)]
pub struct Clock {
    tz: Tz,
    /// The moment `--now` named, and when the process saw it.
    start: Option<(DateTime<Utc>, Instant)>,
    /// A clock that stands still (tests and screenshots).
    frozen: bool,
}

impl Clock {
    pub fn system(tz: Tz) -> Self {
        Self {
            tz,
            start: None,
            frozen: false,
        }
    }

    /// A clock that starts at `start` and runs on.
    pub fn starting_at(tz: Tz, start: DateTime<Utc>) -> Self {
        Self {
            tz,
            start: Some((start, Instant::now())),
            frozen: false,
        }
    }

    /// A clock that stays at `at`.
    pub fn frozen(tz: Tz, at: DateTime<Utc>) -> Self {
        Self {
            tz,
            start: Some((at, Instant::now())),
            frozen: true,
        }
    }

    /// Whether this is a training clock (`--now`), not the system's.
    pub fn is_training(&self) -> bool {
        self.start.is_some()
    }

    /// Reads `--now`: RFC 3339, or `YYYY-MM-DDTHH:MM[:SS]` (a space for the T
    /// works too) in office time.
    pub fn parse_start(tz: Tz, s: &str) -> Result<DateTime<Utc>, Invalid> {
        let s = s.trim();
        if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            return Ok(dt.with_timezone(&Utc));
        }
        let naive = [
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .ok_or_else(|| Invalid::new("now", s, "now"))?;
        tz.from_local_datetime(&naive)
            .earliest()
            .map(|dt| dt.with_timezone(&Utc))
            .ok_or_else(|| Invalid::new("now", s, "now"))
    }

    /// Now, in office time with its offset.
    pub fn now(&self) -> DateTime<FixedOffset> {
        let utc = match self.start {
            Some((at, _)) if self.frozen => at,
            Some((at, seen)) => at + chrono::Duration::from_std(seen.elapsed()).unwrap_or_default(),
            None => Utc::now(),
        };
        let local = utc.with_timezone(&self.tz);
        local.with_timezone(&local.offset().fix())
    }

    /// Now as office wall-clock time.
    pub fn local(&self) -> NaiveDateTime {
        self.now().naive_local()
    }

    /// The office's offset from UTC now.
    pub fn offset(&self) -> FixedOffset {
        *self.now().offset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn office_time_whatever_the_input_form() {
        let tz = chrono_tz::Asia::Tokyo;
        let a = Clock::parse_start(tz, "2026-12-01T09:00").unwrap();
        let b = Clock::parse_start(tz, "2026-12-01T00:00:00Z").unwrap();
        let c = Clock::parse_start(tz, "2026-12-01 09:00:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        let clock = Clock::starting_at(tz, a);
        assert_eq!(
            clock.local().format("%Y-%m-%d %H:%M").to_string(),
            "2026-12-01 09:00"
        );
        assert_eq!(clock.offset().local_minus_utc(), 9 * 3600);
        assert!(Clock::parse_start(tz, "tomorrow").is_err());
        assert!(Clock::parse_start(tz, "2026-02-30T09:00").is_err());
    }
}
