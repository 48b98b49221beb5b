//! Usage statistics (Art. 7(1)): counts by day, weekday, slot time and
//! channel. Aggregates only (Art. 7(2)): a row is a key (a date, a weekday,
//! a time, a channel) and numbers; no booking id, job seeker, name, staff
//! account or terminal ever enters here.
//!
//! - `bookings` counts every booking whose slot lies in the range; the six
//!   status counts add up to it.
//! - `slots` is what the office offered: open days times slot starts times
//!   booths (none for channel rows, whose slots are shared).
//! - `utilisation` is the bookings that kept their slot (every status but
//!   cancelled) over `slots`.
//! - `no_show_rate` is no-shows over the bookings whose time came and that
//!   were not cancelled (in progress, completed, stopped, no-show).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use super::booking::{Booking, Channel, Status};
use super::office::Office;

/// The numbers of one group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub key: String,
    pub bookings: u64,
    pub booked: u64,
    pub in_progress: u64,
    pub completed: u64,
    pub stopped: u64,
    pub cancelled: u64,
    pub no_show: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slots: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utilisation: Option<f64>,
    pub no_show_rate: Option<f64>,
}

impl Row {
    fn new(key: String, slots: Option<u64>) -> Self {
        Row {
            key,
            slots,
            ..Row::default()
        }
    }

    fn add(&mut self, s: Status) {
        self.bookings += 1;
        match s {
            Status::Booked => self.booked += 1,
            Status::InProgress => self.in_progress += 1,
            Status::Completed => self.completed += 1,
            Status::Stopped => self.stopped += 1,
            Status::Cancelled => self.cancelled += 1,
            Status::NoShow => self.no_show += 1,
        }
    }

    fn finish(&mut self) {
        let kept = self.bookings - self.cancelled;
        self.utilisation = self
            .slots
            .filter(|s| *s > 0)
            .map(|s| round(kept as f64 / s as f64));
        let due = self.in_progress + self.completed + self.stopped + self.no_show;
        self.no_show_rate = (due > 0).then(|| round(self.no_show as f64 / due as f64));
    }

    /// The status counts, in [`Status::ALL`] order.
    pub fn statuses(&self) -> [u64; 6] {
        [
            self.booked,
            self.in_progress,
            self.completed,
            self.stopped,
            self.cancelled,
            self.no_show,
        ]
    }
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Statistics of a range of days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total: Row,
    pub by_day: Vec<Row>,
    pub by_weekday: Vec<Row>,
    pub by_time: Vec<Row>,
    pub by_channel: Vec<Row>,
    /// By week (the Monday that starts it), for the no-show trend.
    pub by_week: Vec<Row>,
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

fn weekday_key(w: Weekday) -> String {
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][w.num_days_from_monday() as usize].into()
}

fn monday(d: NaiveDate) -> NaiveDate {
    d - chrono::Days::new(u64::from(d.weekday().num_days_from_monday()))
}

/// Counts `bookings` (those of days outside `from..=to` are left out).
pub fn compute(office: &Office, bookings: &[Booking], from: NaiveDate, to: NaiveDate) -> Stats {
    let booths = office.booths.len() as u64;
    let starts = office.starts.clone();
    let mut open_days = Vec::new();
    let mut d = from;
    while d <= to {
        if office.calendar.is_open(d) {
            open_days.push(d);
        }
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    let per_day = starts.len() as u64 * booths;
    let mut total = Row::new("total".into(), Some(open_days.len() as u64 * per_day));
    let mut by_day: BTreeMap<NaiveDate, Row> = open_days
        .iter()
        .map(|d| (*d, Row::new(d.to_string(), Some(per_day))))
        .collect();
    let mut by_weekday: BTreeMap<u32, Row> = BTreeMap::new();
    for w in WEEKDAYS {
        let n = open_days.iter().filter(|d| d.weekday() == w).count() as u64;
        if n > 0 {
            by_weekday.insert(
                w.num_days_from_monday(),
                Row::new(weekday_key(w), Some(n * per_day)),
            );
        }
    }
    let mut by_time: BTreeMap<NaiveTime, Row> = starts
        .iter()
        .map(|t| {
            (
                *t,
                Row::new(
                    t.format("%H:%M").to_string(),
                    Some(open_days.len() as u64 * booths),
                ),
            )
        })
        .collect();
    let mut by_channel: BTreeMap<&'static str, Row> = Channel::ALL
        .iter()
        .map(|c| (c.id(), Row::new(c.id().into(), None)))
        .collect();
    let mut by_week: BTreeMap<NaiveDate, Row> = BTreeMap::new();
    for d in &open_days {
        let row = by_week
            .entry(monday(*d))
            .or_insert_with(|| Row::new(monday(*d).to_string(), Some(0)));
        if let Some(s) = row.slots.as_mut() {
            *s += per_day;
        }
    }
    for b in bookings {
        let date = b.slot.date;
        if date < from || date > to {
            continue;
        }
        total.add(b.status);
        by_day
            .entry(date)
            .or_insert_with(|| Row::new(date.to_string(), Some(0)))
            .add(b.status);
        by_weekday
            .entry(date.weekday().num_days_from_monday())
            .or_insert_with(|| Row::new(weekday_key(date.weekday()), Some(0)))
            .add(b.status);
        by_time
            .entry(b.slot.start)
            .or_insert_with(|| Row::new(b.slot.start.format("%H:%M").to_string(), Some(0)))
            .add(b.status);
        by_channel
            .entry(b.channel.id())
            .or_insert_with(|| Row::new(b.channel.id().into(), None))
            .add(b.status);
        by_week
            .entry(monday(date))
            .or_insert_with(|| Row::new(monday(date).to_string(), Some(0)))
            .add(b.status);
    }
    let finish = |rows: Vec<Row>| -> Vec<Row> {
        rows.into_iter()
            .map(|mut r| {
                r.finish();
                r
            })
            .collect()
    };
    total.finish();
    Stats {
        from,
        to,
        total,
        by_day: finish(by_day.into_values().collect()),
        by_weekday: finish(by_weekday.into_values().collect()),
        by_time: finish(by_time.into_values().collect()),
        by_channel: finish(
            Channel::ALL
                .iter()
                .filter_map(|c| by_channel.remove(c.id()))
                .collect(),
        ),
        by_week: finish(by_week.into_values().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::{Attendance, BookingId, Slot};
    use crate::domain::seeker::JobSeekerNumber;
    use crate::domain::terms::{Consent, checklist_all_yes};

    fn office() -> Office {
        crate::config::Config::builtin().office
    }

    fn booking(n: u64, date: &str, time: &str, booth: u8, status: Status, ch: Channel) -> Booking {
        let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        let start = NaiveTime::parse_from_str(time, "%H:%M").unwrap();
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-25T09:00:00+09:00").unwrap();
        Booking {
            id: BookingId::from_random(n),
            slot: Slot {
                date,
                start,
                end: start + chrono::Duration::minutes(30),
                booth,
            },
            seeker: JobSeekerNumber::parse(&format!("46010-{n}")).unwrap(),
            status,
            channel: ch,
            consent: Consent {
                terms_version: "2025-02-07".into(),
                at,
                documents: vec![],
            },
            checklist: checklist_all_yes(),
            attendance: Attendance::default(),
            meeting_url: String::new(),
            late_override: None,
            created_at: at,
            changes: vec![],
        }
    }

    #[test]
    fn statuses_add_up_and_rates_follow_their_definitions() {
        let o = office();
        let bs = vec![
            booking(
                1,
                "2026-12-03",
                "09:00",
                1,
                Status::Completed,
                Channel::Phone,
            ),
            booking(
                2,
                "2026-12-03",
                "09:00",
                2,
                Status::NoShow,
                Channel::Counter,
            ),
            booking(
                3,
                "2026-12-03",
                "10:00",
                1,
                Status::Cancelled,
                Channel::Phone,
            ),
            booking(4, "2026-12-04", "10:00", 1, Status::Booked, Channel::Kiosk),
            booking(5, "2026-12-04", "13:00", 2, Status::Stopped, Channel::Phone),
            // Outside the range: left out.
            booking(
                6,
                "2026-12-07",
                "13:00",
                2,
                Status::Completed,
                Channel::Phone,
            ),
        ];
        let from = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let s = compute(&o, &bs, from, to);
        assert_eq!(s.total.bookings, 5);
        assert_eq!(s.total.statuses().iter().sum::<u64>(), 5);
        // Thursday and Friday are open; the weekend is not: 2 x 13 x 2 slots.
        assert_eq!(s.total.slots, Some(52));
        assert_eq!(s.total.utilisation, Some(round(4.0 / 52.0)));
        // Due and not cancelled: completed, no-show, stopped.
        assert_eq!(s.total.no_show_rate, Some(round(1.0 / 3.0)));
        assert_eq!(s.by_day.len(), 2);
        assert_eq!(s.by_day[0].key, "2026-12-03");
        assert_eq!(s.by_day[0].bookings, 3);
        assert_eq!(
            s.by_weekday
                .iter()
                .map(|r| r.key.as_str())
                .collect::<Vec<_>>(),
            ["thu", "fri"]
        );
        let nine = s.by_time.iter().find(|r| r.key == "09:00").unwrap();
        assert_eq!(
            (nine.bookings, nine.slots, nine.utilisation),
            (2, Some(4), Some(0.5))
        );
        let phone = s.by_channel.iter().find(|r| r.key == "phone").unwrap();
        assert_eq!((phone.bookings, phone.slots), (3, None));
        for rows in [
            &s.by_day,
            &s.by_weekday,
            &s.by_time,
            &s.by_channel,
            &s.by_week,
        ] {
            assert_eq!(rows.iter().map(|r| r.bookings).sum::<u64>(), 5);
        }
        assert_eq!(s.by_week.len(), 1);
        assert_eq!(s.by_week[0].key, "2026-11-30");
    }

    #[test]
    fn an_empty_range_has_no_rates() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let s = compute(&office(), &[], d, d);
        assert_eq!(s.total.bookings, 0);
        assert_eq!(s.total.slots, Some(0));
        assert_eq!(s.total.utilisation, None);
        assert_eq!(s.total.no_show_rate, None);
    }
}
