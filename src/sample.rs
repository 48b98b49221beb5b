//! Sample data for a first look, training and benchmarks: a deterministic
//! plan (the same seed gives the same plan) of bookings around a day, with
//! Japanese names, every status, no-shows (some corrected), cancellations by
//! phone, stopped consultations, interpreters and caregivers, and refusals.
//!
//! Pure: today and now are parameters; the `demo` command writes the plan
//! through the store, so every rule and index holds for sample data too.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone};

use crate::domain::booking::{Attendance, Channel, Event, Slot};
use crate::domain::office::Office;
use crate::domain::seeker::{Email, JobSeekerNumber, Kana, PersonName, Phone, Seeker};
use crate::domain::terms::{Consent, Document, checklist_all_yes};
use crate::store::NewBooking;

const FAMILY: &[(&str, &str)] = &[
    ("山田", "ヤマダ"),
    ("鈴木", "スズキ"),
    ("佐藤", "サトウ"),
    ("高橋", "タカハシ"),
    ("田中", "タナカ"),
    ("伊藤", "イトウ"),
    ("渡辺", "ワタナベ"),
    ("中村", "ナカムラ"),
    ("小林", "コバヤシ"),
    ("加藤", "カトウ"),
    ("吉田", "ヨシダ"),
    ("山口", "ヤマグチ"),
    ("松本", "マツモト"),
    ("井上", "イノウエ"),
    ("木村", "キムラ"),
    ("林", "ハヤシ"),
    ("斎藤", "サイトウ"),
    ("清水", "シミズ"),
    ("山崎", "ヤマザキ"),
    ("森", "モリ"),
    ("有村", "アリムラ"),
    ("東郷", "トウゴウ"),
    ("西郷", "サイゴウ"),
    ("大久保", "オオクボ"),
    ("島津", "シマヅ"),
    ("肥後", "ヒゴ"),
    ("今給黎", "イマキイレ"),
    ("前田", "マエダ"),
    ("上村", "ウエムラ"),
    ("福留", "フクドメ"),
];
const GIVEN: &[(&str, &str)] = &[
    ("太郎", "タロウ"),
    ("花子", "ハナコ"),
    ("一郎", "イチロウ"),
    ("美咲", "ミサキ"),
    ("健", "ケン"),
    ("さくら", "サクラ"),
    ("翔", "ショウ"),
    ("結衣", "ユイ"),
    ("大輔", "ダイスケ"),
    ("陽菜", "ヒナ"),
    ("誠", "マコト"),
    ("愛", "アイ"),
    ("拓海", "タクミ"),
    ("葵", "アオイ"),
    ("隆", "タカシ"),
    ("恵子", "ケイコ"),
    ("浩二", "コウジ"),
    ("由美", "ユミ"),
    ("蓮", "レン"),
    ("七海", "ナナミ"),
];
const FOREIGN: &[(&str, &str)] = &[
    ("Maria Santos", "マリア サントス"),
    ("Nguyen Van An", "グエン ヴァン アン"),
    ("Li Wei", "リー ウェイ"),
    ("Jose Reyes", "ホセ レイエス"),
    ("Anna Smith", "アンナ スミス"),
];
const LANGUAGES: &[&str] = &["Portuguese", "Vietnamese", "Chinese", "Tagalog", "English"];
const CANCEL_REASONS: &[&str] = &[
    "体調不良のため（本人から電話）",
    "就職が決まったため（本人から電話）",
    "急な用事のため（本人から電話）",
    "家族の看病のため（本人から電話）",
    "面接と重なったため（本人から電話）",
];
const STAFF: &[&str] = &["tanaka", "nishi", "kawano"];

/// Something that happens to a planned booking later.
#[derive(Debug, Clone)]
pub struct Later {
    pub event: Event,
    pub at: DateTime<FixedOffset>,
    /// Done by the system (the no-show rule), not by staff.
    pub system: bool,
    pub user: &'static str,
}

#[derive(Debug, Clone)]
pub struct Planned {
    pub new: NewBooking,
    pub created_at: DateTime<FixedOffset>,
    pub user: &'static str,
    pub later: Vec<Later>,
}

#[derive(Debug, Clone)]
pub struct PlannedRefusal {
    pub seeker: JobSeekerNumber,
    pub reason: &'static str,
    pub at: DateTime<FixedOffset>,
    pub lifted: Option<(&'static str, DateTime<FixedOffset>)>,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub bookings: Vec<Planned>,
    pub refusals: Vec<PlannedRefusal>,
    pub first_day: Option<NaiveDate>,
    pub last_day: Option<NaiveDate>,
}

fn seekers(rng: &mut fastrand::Rng, n: usize) -> Vec<Seeker> {
    (0..n)
        .map(|i| {
            let (name, kana) = if rng.u8(..100) < 6 {
                let (n, k) = FOREIGN[rng.usize(..FOREIGN.len())];
                (n.to_string(), k.to_string())
            } else {
                let (f, fk) = FAMILY[rng.usize(..FAMILY.len())];
                let (g, gk) = GIVEN[rng.usize(..GIVEN.len())];
                (format!("{f} {g}"), format!("{fk} {gk}"))
            };
            let serial = 10_000_000 + i * 7 + rng.usize(..7);
            Seeker {
                number: JobSeekerNumber::parse(&format!("46010-{serial}"))
                    .expect("a valid sample number"),
                name: PersonName::parse(&name).expect("a valid sample name"),
                kana: Kana::parse(&kana).ok(),
                email: Email::parse(&format!("js{serial}@example.jp"))
                    .expect("a valid sample email"),
                phone: Phone::parse(&format!(
                    "090-{:04}-{:04}",
                    rng.u16(1000..10000),
                    rng.u16(..10000)
                ))
                .ok(),
                registered_on: None,
            }
        })
        .collect()
}

/// Plans sample bookings over `days` open days around `now` (half before,
/// half from today on), filling about two thirds of the slots.
pub fn plan(
    office: &Office,
    now: NaiveDateTime,
    offset: FixedOffset,
    days: u32,
    seed: u64,
) -> Plan {
    let mut rng = fastrand::Rng::with_seed(seed);
    let today = now.date();
    let cal = &office.calendar;
    let before = days / 2;
    let first = cal.open_days_before(today, before).unwrap_or(today);
    let mut open_days = Vec::new();
    let mut d = first;
    while open_days.len() < days as usize {
        if cal.is_open(d) {
            open_days.push(d);
        }
        match d.succ_opt() {
            Some(n) => d = n,
            None => break,
        }
    }
    let per_day = office.starts.len() * office.booths.len();
    let pool = seekers(&mut rng, ((per_day * open_days.len()) / 3).max(40));
    let local = |t: NaiveDateTime| {
        offset
            .from_local_datetime(&t)
            .single()
            .unwrap_or_else(|| t.and_utc().fixed_offset())
    };
    let grace = office.rules.grace();
    let mut plan = Plan {
        first_day: open_days.first().copied(),
        last_day: open_days.last().copied(),
        ..Plan::default()
    };
    let version = |d: NaiveDate| {
        office
            .terms
            .in_force(d)
            .map(|v| v.version.clone())
            .unwrap_or_default()
    };

    for &date in &open_days {
        let mut used = std::collections::HashSet::new();
        for &start in &office.starts {
            for booth in &office.booths {
                if rng.u8(..100) >= 68 {
                    continue;
                }
                let mut seeker = None;
                for _ in 0..6 {
                    let s = &pool[rng.usize(..pool.len())];
                    if used.insert(s.number.clone()) {
                        seeker = Some(s.clone());
                        break;
                    }
                }
                let Some(seeker) = seeker else { continue };
                let slot = Slot {
                    date,
                    start,
                    end: start + office.slot_length(),
                    booth: booth.number,
                };
                let begins = date.and_time(start);
                // Made on time: before the deadline, and never after now.
                let deadline = office.deadline(date).unwrap_or(date);
                let latest = deadline
                    .and_hms_opt(17, 0, 0)
                    .unwrap_or(begins)
                    .min(now - Duration::minutes(5));
                let created =
                    latest - Duration::days(rng.i64(0..12)) - Duration::minutes(rng.i64(0..480));
                let channel = match rng.u8(..100) {
                    0..35 => Channel::Counter,
                    35..80 => Channel::Phone,
                    80..90 => Channel::Kiosk,
                    _ => Channel::Online,
                };
                let interpreter = (rng.u8(..100) < 5)
                    .then(|| LANGUAGES[rng.usize(..LANGUAGES.len())].to_string());
                let caregiver = rng.u8(..100) < 3;
                let user = STAFF[rng.usize(..STAFF.len())];
                let created_at = local(created);
                let mut later = Vec::new();
                let roll = rng.u8(..100);
                if roll < 10 {
                    // Cancelled by phone some time before the start.
                    let span = (begins - created).num_minutes().max(2);
                    let at = (created + Duration::minutes(rng.i64(1..span))).min(now);
                    let reason = CANCEL_REASONS[rng.usize(..CANCEL_REASONS.len())].to_string();
                    later.push(Later {
                        event: Event::Cancel { reason },
                        at: local(at),
                        system: false,
                        user,
                    });
                } else if begins + grace <= now && roll < 18 {
                    later.push(Later {
                        event: Event::NoShow,
                        at: local(begins + grace),
                        system: true,
                        user: "system",
                    });
                    if rng.u8(..10) == 0 && begins + grace + Duration::hours(1) <= now {
                        let reason = "開始前に電話があったことを確認".to_string();
                        let at = local(begins + grace + Duration::hours(1));
                        later.push(Later {
                            event: Event::CorrectNoShow { reason },
                            at,
                            system: false,
                            user,
                        });
                    }
                } else if begins - Duration::minutes(3) <= now {
                    let started = begins - Duration::minutes(rng.i64(0..4));
                    if started <= now {
                        later.push(Later {
                            event: Event::Start,
                            at: local(started),
                            system: false,
                            user,
                        });
                        let ends = slot.date.and_time(slot.end);
                        if rng.u8(..100) < 2 && started + Duration::minutes(10) <= now {
                            let reason = "就職目的以外の利用のため中止".to_string();
                            later.push(Later {
                                event: Event::Stop { reason },
                                at: local(started + Duration::minutes(10)),
                                system: false,
                                user,
                            });
                        } else if ends <= now {
                            later.push(Later {
                                event: Event::Finish,
                                at: local(ends - Duration::minutes(rng.i64(0..6))),
                                system: false,
                                user,
                            });
                        }
                    } else if begins + grace <= now {
                        later.push(Later {
                            event: Event::NoShow,
                            at: local(begins + grace),
                            system: true,
                            user: "system",
                        });
                    }
                }
                let new = NewBooking {
                    slot,
                    seeker,
                    channel,
                    consent: Consent {
                        terms_version: version(created.date()),
                        at: created_at,
                        documents: Document::ALL.to_vec(),
                    },
                    checklist: checklist_all_yes(),
                    attendance: Attendance {
                        interpreter,
                        caregiver,
                    },
                    meeting_url_template: booth.meeting_url.clone(),
                    late_override: None,
                };
                plan.bookings.push(Planned {
                    new,
                    created_at,
                    user,
                    later,
                });
            }
        }
    }

    // Two refusals of people with no-shows, one of them lifted since.
    let mut refused = Vec::new();
    for p in &plan.bookings {
        if refused.len() == 2 {
            break;
        }
        if let Some(ns) = p.later.iter().find(|l| l.system)
            && !refused
                .iter()
                .any(|r: &PlannedRefusal| r.seeker == p.new.seeker.number)
            && ns.at.naive_local() + Duration::days(1) < now
        {
            let at = ns.at + Duration::hours(2);
            let lifted = refused
                .is_empty()
                .then(|| ("面談で改善を確認したため", at + Duration::days(1)));
            let lifted = lifted.filter(|(_, t)| t.naive_local() < now);
            refused.push(PlannedRefusal {
                seeker: p.new.seeker.number.clone(),
                reason: "職員への暴言があったため（第12条(1)）",
                at,
                lifted,
            });
        }
    }
    plan.refusals = refused;
    plan
}

/// The plan as the records the store would hold after booking it and
/// applying its later events one by one: the same state machine
/// ([`Booking::apply`]) and the same audit entries, built in memory so that
/// a large sample goes into an empty store in one bulk restore.
/// Booking ids follow from `seed`.
pub fn snapshot(plan: &Plan, seed: u64, terminal: &str) -> Result<crate::store::Snapshot, String> {
    use std::collections::{BTreeMap, HashSet};

    use crate::domain::booking::{BookingId, Lifted, Refusal, Status};
    use crate::store::{AuditEvent, SeekerRefusals, Snapshot};

    let mut rng = fastrand::Rng::with_seed(seed);
    let mut used = HashSet::with_capacity(plan.bookings.len());
    let mut seekers: BTreeMap<String, Seeker> = BTreeMap::new();
    let mut bookings = Vec::with_capacity(plan.bookings.len());
    let mut audit: Vec<AuditEvent> = Vec::with_capacity(plan.bookings.len() * 2);
    let event = |at, user: &str, channel, action: &str, booking, seeker, from, to| AuditEvent {
        seq: 0,
        at,
        user: user.to_string(),
        terminal: terminal.to_string(),
        channel,
        action: action.to_string(),
        booking,
        seeker,
        from,
        to,
    };
    for p in &plan.bookings {
        let id = loop {
            let id = BookingId::from_random(rng.u64(..));
            if used.insert(id) {
                break id;
            }
        };
        let new = &p.new;
        let mut b = new.booking(id, p.created_at);
        seekers.insert(new.seeker.number.as_str().to_string(), new.seeker.clone());
        audit.push(event(
            p.created_at,
            p.user,
            Some(new.channel),
            "book",
            Some(id),
            None,
            None,
            Some(Status::Booked),
        ));
        let mut later: Vec<&Later> = p.later.iter().collect();
        later.sort_by_key(|l| l.at);
        for l in later {
            let from = b.status;
            b.apply(l.event.clone(), l.at)
                .map_err(|v| format!("{id}: {v:?}"))?;
            let channel = matches!(l.event, Event::Cancel { .. } | Event::CorrectNoShow { .. })
                .then_some(Channel::Phone);
            audit.push(event(
                l.at,
                if l.system { "system" } else { l.user },
                channel,
                l.event.id(),
                Some(id),
                None,
                Some(from),
                Some(b.status),
            ));
        }
        bookings.push(b);
    }
    let mut refusals: BTreeMap<String, SeekerRefusals> = BTreeMap::new();
    for r in &plan.refusals {
        let entry = refusals
            .entry(r.seeker.as_str().to_string())
            .or_insert_with(|| SeekerRefusals {
                seeker: r.seeker.clone(),
                refusals: Vec::new(),
            });
        entry.refusals.push(Refusal {
            reason: r.reason.to_string(),
            since: r.at,
            by: "tanaka".into(),
            lifted: r.lifted.map(|(why, at)| Lifted {
                at,
                reason: why.to_string(),
                by: "tanaka".into(),
            }),
        });
        audit.push(event(
            r.at,
            "tanaka",
            None,
            "refuse",
            None,
            Some(r.seeker.clone()),
            None,
            None,
        ));
        if let Some((_, at)) = r.lifted {
            audit.push(event(
                at,
                "tanaka",
                None,
                "unrefuse",
                None,
                Some(r.seeker.clone()),
                None,
                None,
            ));
        }
    }
    // The trail in the order things happened.
    audit.sort_by_key(|e| e.at);
    for (i, e) in audit.iter_mut().enumerate() {
        e.seq = i as u64;
    }
    bookings.sort_by_key(|b| b.id);
    Ok(Snapshot {
        seekers: seekers.into_values().collect(),
        bookings,
        refusals: refusals.into_values().collect(),
        audit,
        notes: Vec::new(),
        blocks: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::{Status, transition};

    fn now() -> NaiveDateTime {
        NaiveDateTime::parse_from_str("2026-12-03T11:15", "%Y-%m-%dT%H:%M").unwrap()
    }

    fn off() -> FixedOffset {
        FixedOffset::east_opt(9 * 3600).unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_plan() {
        let office = crate::config::Config::builtin().office;
        let a = plan(&office, now(), off(), 10, 7);
        let b = plan(&office, now(), off(), 10, 7);
        let c = plan(&office, now(), off(), 10, 8);
        let key = |p: &Plan| {
            p.bookings
                .iter()
                .map(|b| (b.new.slot, b.new.seeker.number.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(key(&a), key(&b));
        assert_ne!(key(&a), key(&c));
    }

    #[test]
    fn every_status_and_every_rule_holds() {
        let office = crate::config::Config::builtin().office;
        let p = plan(&office, now(), off(), 20, 1);
        assert_eq!(
            (
                p.first_day.unwrap() <= now().date(),
                p.last_day.unwrap() > now().date()
            ),
            (true, true)
        );
        let mut seen = std::collections::BTreeSet::new();
        let mut slots = std::collections::HashSet::new();
        for b in &p.bookings {
            assert!(office.calendar.is_open(b.new.slot.date));
            assert!(
                b.created_at.naive_local() <= now(),
                "never made in the future"
            );
            let mut status = Status::Booked;
            let mut last = b.created_at;
            for l in &b.later {
                status = transition(status, &l.event).expect("a legal sequence");
                assert!(
                    l.at >= last && l.at.naive_local() <= now(),
                    "in order and not in the future"
                );
                last = l.at;
            }
            if status == Status::Booked {
                assert!(
                    b.new.slot.date.and_time(b.new.slot.start) + office.rules.grace() > now(),
                    "a due booking is never left booked"
                );
            }
            if status.is_live() {
                assert!(slots.insert((b.new.slot.date, b.new.slot.start, b.new.slot.booth)));
            }
            seen.insert(status);
        }
        assert_eq!(seen.len(), 6, "every status: {seen:?}");
        assert!(
            p.bookings
                .iter()
                .any(|b| b.new.attendance.interpreter.is_some())
        );
        assert_eq!(p.refusals.len(), 2);
    }
}
