//! Every date 1970–2027 against the reference list of national holidays
//! (tests/data/holidays-jp-1970-2027.txt, from the holiday-jp data set).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use soudan::domain::calendar::{OfficeCalendar, national_holiday};

fn reference() -> BTreeMap<NaiveDate, String> {
    let text = include_str!("data/holidays-jp-1970-2027.txt");
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let (d, name) = l.split_once(": ").expect("date: name");
            (
                NaiveDate::parse_from_str(d, "%Y-%m-%d").expect("a date"),
                name.to_string(),
            )
        })
        .collect()
}

#[test]
fn every_date_1970_to_2027_agrees_with_the_reference() {
    let reference = reference();
    assert!(reference.len() > 900, "the reference list is there");
    let mut day = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(2027, 12, 31).unwrap();
    let mut wrong = Vec::new();
    let mut days = 0;
    while day <= end {
        let ours = national_holiday(day).is_some();
        if ours != reference.contains_key(&day) {
            wrong.push(format!(
                "{day}: ours={:?} reference={:?}",
                national_holiday(day),
                reference.get(&day)
            ));
        }
        days += 1;
        day = day.succ_opt().unwrap();
    }
    assert_eq!(days, 21_184);
    assert!(
        wrong.is_empty(),
        "{} dates disagree:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn every_reference_holiday_on_a_weekday_is_a_closed_day() {
    let cal = OfficeCalendar::default();
    for (day, name) in reference() {
        assert!(!cal.is_open(day), "{day} {name} must be closed");
    }
}
