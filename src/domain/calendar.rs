//! Open days — 開庁日 — and the booking deadline.
//!
//! An open day is a weekday that is not a national holiday (国民の祝日, with
//! substitute holidays 振替休日 and citizens' holidays 国民の休日), not in the
//! year-end closure (12/29–1/3) and not an extra closure the office configured.
//! The office may also configure extra open days, which win over everything
//! but an extra closure.
//!
//! Pure: no clock, no files. "Today" is always a parameter.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Why a day is not an open day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closure {
    Saturday,
    Sunday,
    /// A national holiday, with its Japanese name.
    Holiday(String),
    /// 年末年始: 12/29 to 1/3.
    YearEnd,
    /// A closure the office configured.
    Office,
}

/// First and last year the holiday table covers. Outside, only weekends and the
/// year-end closure are known, and dates are refused as out of range by
/// callers that care (bookings are never that far away).
pub const FIRST_YEAR: i32 = 1970;
pub const LAST_YEAR: i32 = 2099;

/// The day 「国民の休日」 (a weekday between two holidays) became law:
/// 1985-12-27. Before it, such days were ordinary days.
fn citizens_holiday_since() -> NaiveDate {
    NaiveDate::from_ymd_opt(1985, 12, 27).expect("valid constant date")
}

/// The day 振替休日 (a holiday on Sunday moves to Monday) became law: 1973-04-12.
fn substitute_holiday_since() -> NaiveDate {
    NaiveDate::from_ymd_opt(1973, 4, 12).expect("valid constant date")
}

type YearTable = BTreeMap<NaiveDate, String>;

fn year_tables() -> &'static [OnceLock<YearTable>] {
    static TABLES: OnceLock<Vec<OnceLock<YearTable>>> = OnceLock::new();
    TABLES.get_or_init(|| {
        (FIRST_YEAR..=LAST_YEAR)
            .map(|_| OnceLock::new())
            .collect::<Vec<_>>()
    })
}

fn compute_year(year: i32) -> YearTable {
    let mut table = YearTable::new();
    for month in 1..=12 {
        for (date, name) in yasumi::month_holidays(year, month) {
            let citizens = name == "国民の休日";
            let substitute = name.ends_with("振替休日");
            if (citizens && date < citizens_holiday_since())
                || (substitute && date < substitute_holiday_since())
            {
                continue;
            }
            table.insert(date, name);
        }
    }
    table
}

/// The national holiday on `date`, if any (its Japanese name).
pub fn national_holiday(date: NaiveDate) -> Option<&'static str> {
    let year = date.year();
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return None;
    }
    let slot = &year_tables()[(year - FIRST_YEAR) as usize];
    slot.get_or_init(|| compute_year(year))
        .get(&date)
        .map(String::as_str)
}

/// The English name of a national holiday, from its Japanese name.
pub fn holiday_name_en(ja: &str) -> String {
    if let Some(base) = ja.strip_suffix(" 振替休日") {
        return format!("Substitute holiday ({})", holiday_name_en(base));
    }
    let en = match ja {
        "元日" => "New Year's Day",
        "成人の日" => "Coming of Age Day",
        "建国記念の日" => "National Foundation Day",
        "天皇誕生日" => "Emperor's Birthday",
        "春分の日" => "Vernal Equinox Day",
        "昭和の日" => "Showa Day",
        "憲法記念日" => "Constitution Memorial Day",
        "みどりの日" => "Greenery Day",
        "こどもの日" => "Children's Day",
        "海の日" => "Marine Day",
        "山の日" => "Mountain Day",
        "敬老の日" => "Respect for the Aged Day",
        "秋分の日" => "Autumnal Equinox Day",
        "体育の日" => "Health and Sports Day",
        "スポーツの日" => "Sports Day",
        "文化の日" => "Culture Day",
        "勤労感謝の日" => "Labour Thanksgiving Day",
        "国民の休日" => "Citizens' Holiday",
        _ => return format!("National holiday ({ja})"),
    };
    en.to_string()
}

/// The office calendar: national rules plus the office's own closures and
/// extra open days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfficeCalendar {
    extra_closed: BTreeSet<NaiveDate>,
    extra_open: BTreeSet<NaiveDate>,
}

impl OfficeCalendar {
    pub fn new(
        extra_closed: impl IntoIterator<Item = NaiveDate>,
        extra_open: impl IntoIterator<Item = NaiveDate>,
    ) -> Self {
        Self {
            extra_closed: extra_closed.into_iter().collect(),
            extra_open: extra_open.into_iter().collect(),
        }
    }

    /// Why `date` is closed, or `None` on an open day.
    pub fn closure(&self, date: NaiveDate) -> Option<Closure> {
        if self.extra_closed.contains(&date) {
            return Some(Closure::Office);
        }
        if self.extra_open.contains(&date) {
            return None;
        }
        let (m, d) = (date.month(), date.day());
        if (m == 12 && d >= 29) || (m == 1 && d <= 3) {
            return Some(Closure::YearEnd);
        }
        match date.weekday() {
            Weekday::Sat => return Some(Closure::Saturday),
            Weekday::Sun => return Some(Closure::Sunday),
            _ => {}
        }
        national_holiday(date).map(|name| Closure::Holiday(name.to_string()))
    }

    /// Whether `date` is an open day (開庁日).
    pub fn is_open(&self, date: NaiveDate) -> bool {
        self.closure(date).is_none()
    }

    /// The open day `n` open days before `date` (n ≥ 1), or `None` if the
    /// calendar runs out.
    pub fn open_days_before(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.checked_sub_days(Days::new(1))?;
            if day.year() < FIRST_YEAR {
                return None;
            }
            if self.is_open(day) {
                left -= 1;
            }
        }
        Some(day)
    }

    /// The open day `n` open days after `date` (n ≥ 1), or `None` if the
    /// calendar runs out.
    pub fn open_days_after(&self, date: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.checked_add_days(Days::new(1))?;
            if day.year() > LAST_YEAR {
                return None;
            }
            if self.is_open(day) {
                left -= 1;
            }
        }
        Some(day)
    }

    /// The booking deadline for a consultation on `date`: the open day
    /// `open_days` open days before it (Art. 6(1): 2開庁日前まで). A booking
    /// made on any calendar day after the deadline is late.
    pub fn deadline(&self, date: NaiveDate, open_days: u32) -> Option<NaiveDate> {
        if open_days == 0 {
            return Some(date);
        }
        self.open_days_before(date, open_days)
    }

    /// The first date on which a booking made on `today` is on time.
    pub fn first_bookable(&self, today: NaiveDate, open_days: u32) -> Option<NaiveDate> {
        let mut day = today;
        loop {
            if self.is_open(day) && self.deadline(day, open_days).is_some_and(|d| today <= d) {
                return Some(day);
            }
            day = day.checked_add_days(Days::new(1))?;
            if day.year() > LAST_YEAR {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekends_holidays_and_year_end_are_closed() {
        let cal = OfficeCalendar::default();
        assert_eq!(cal.closure(d("2026-12-05")), Some(Closure::Saturday));
        assert_eq!(cal.closure(d("2026-12-06")), Some(Closure::Sunday));
        assert_eq!(cal.closure(d("2026-12-29")), Some(Closure::YearEnd));
        assert_eq!(cal.closure(d("2027-01-03")), Some(Closure::YearEnd));
        assert_eq!(
            cal.closure(d("2027-01-11")),
            Some(Closure::Holiday("成人の日".into()))
        );
        assert!(cal.is_open(d("2026-12-28")));
        assert!(cal.is_open(d("2027-01-04")));
    }

    #[test]
    fn substitute_and_citizens_holidays_are_closed() {
        let cal = OfficeCalendar::default();
        // domain.md's own examples.
        assert!(!cal.is_open(d("2026-05-06")), "substitute holiday");
        assert!(!cal.is_open(d("2026-09-22")), "citizens' holiday");
        assert_eq!(national_holiday(d("2026-09-22")), Some("国民の休日"));
    }

    #[test]
    fn historical_rules_start_on_their_law_dates() {
        // 1980-05-04 was a Sunday-free weekday between two holidays, before 国民の休日 existed.
        assert_eq!(national_holiday(d("1982-05-04")), None);
        assert_eq!(national_holiday(d("1988-05-04")), Some("国民の休日"));
        // 1973-02-11 fell on a Sunday, before 振替休日 existed.
        assert_eq!(national_holiday(d("1973-02-12")), None);
        assert!(national_holiday(d("1973-04-30")).is_some());
    }

    #[test]
    fn deadlines_of_domain_md() {
        let cal = OfficeCalendar::default();
        assert_eq!(cal.deadline(d("2026-12-04"), 2), Some(d("2026-12-02")));
        assert_eq!(cal.deadline(d("2026-12-07"), 2), Some(d("2026-12-03")));
        assert_eq!(cal.deadline(d("2027-01-04"), 2), Some(d("2026-12-25")));
        // The done-when examples: on 12-01 the 12-03 booking is on time, 12-02 is late.
        assert_eq!(cal.deadline(d("2026-12-03"), 2), Some(d("2026-12-01")));
        assert_eq!(cal.deadline(d("2026-12-02"), 2), Some(d("2026-11-30")));
    }

    #[test]
    fn office_closures_and_extra_open_days() {
        let cal = OfficeCalendar::new([d("2026-12-03")], [d("2026-12-05")]);
        assert_eq!(cal.closure(d("2026-12-03")), Some(Closure::Office));
        assert!(cal.is_open(d("2026-12-05")), "an extra open Saturday");
        // The deadline arithmetic follows: for Mon 12-07, two open days back
        // are Sat 12-05 (extra open) and Fri 12-04.
        assert_eq!(cal.deadline(d("2026-12-07"), 2), Some(d("2026-12-04")));
        // An extra closure wins over an extra open day.
        let both = OfficeCalendar::new([d("2026-12-05")], [d("2026-12-05")]);
        assert!(!both.is_open(d("2026-12-05")));
    }

    #[test]
    fn first_bookable_day() {
        let cal = OfficeCalendar::default();
        assert_eq!(
            cal.first_bookable(d("2026-12-01"), 2),
            Some(d("2026-12-03"))
        );
        // Friday: Monday's deadline is Thursday, so Tuesday is first.
        assert_eq!(
            cal.first_bookable(d("2026-12-04"), 2),
            Some(d("2026-12-08"))
        );
        // Saturday: not itself open; Tuesday's deadline is Friday (past), Wednesday's is Monday.
        assert_eq!(
            cal.first_bookable(d("2026-12-05"), 2),
            Some(d("2026-12-09"))
        );
    }

    #[test]
    fn english_names() {
        assert_eq!(holiday_name_en("成人の日"), "Coming of Age Day");
        assert_eq!(
            holiday_name_en("山の日 振替休日"),
            "Substitute holiday (Mountain Day)"
        );
    }
}
