//! The kiosk driven by keys against a real database full of sample
//! bookings, rendered into a `TestBackend` at 80x24: every screen in both
//! languages, Unicode and ASCII (insta snapshots), and a scan of every
//! screen for anything of anyone else.

mod common;

use common::Limited;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use chrono::{NaiveDateTime, TimeDelta};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use soudan::cli::Env;
use soudan::cli::args::Global;
use soudan::clock::Clock;
use soudan::store::{Actor, Store};
use soudan::tui::kiosk::{Kiosk, KioskAction, Screen};
use soudan::tui::kiosk_loop::dispatch;
use soudan::tui::theme::Theme;
use soudan::tui::view;
use soudan::tui::wizard::Step;

const NOW: &str = "2026-12-01T09:00";
const PIN: &str = "4711";

/// One hash for the whole file: argon2 takes a moment.
fn pin_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| soudan::pin::hash(PIN).unwrap())
}

fn env(dir: &Path, lang: &str) -> Env {
    let g = Global {
        data_dir: Some(dir.to_path_buf()),
        config: None,
        lang: Some(lang.into()),
        now: Some(NOW.into()),
        ascii: false,
        server: None,
        config_may_be_missing: false,
    };
    let mut env = Env::from_global(&g).unwrap();
    let tz = env.loaded.tz;
    env.clock = Clock::frozen(tz, Clock::parse_start(tz, NOW).unwrap());
    env.actor = Actor {
        user: "kiosk".into(),
        terminal: "lobby-1".into(),
    };
    env.loaded.config.kiosk.pin_hash = pin_hash().to_string();
    env
}

/// A data dir filled by `soudan demo`, the same every run.
fn demo_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_soudan"))
        .env("SOUDAN_DATA_DIR", dir.path())
        .env("SOUDAN_NOW", NOW)
        .env_remove("SOUDAN_LANG")
        .env_remove("SOUDAN_CONFIG")
        .args(["demo", "--days", "20", "--seed", "3"])
        .output_limited()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

struct Fixture {
    _dir: tempfile::TempDir,
    env: Env,
    store: Store,
    k: Kiosk,
    /// Every piece of personal data in the database, and every booking id.
    secrets: Vec<String>,
    /// Every live booking's date (as `M/D(`), start and booth: no line of
    /// a screen may hold all three, which would tell when someone comes.
    live: Vec<(String, String, u8)>,
}

/// Text specific enough to stand for someone: two characters of Japanese,
/// or four of Latin script ("Li" and "Ito" are inside ordinary words).
fn specific(text: &str) -> bool {
    let wide = text.chars().filter(|c| !c.is_ascii()).count();
    wide >= 2 || text.chars().count() >= 4
}

fn fixture(lang: &str, ascii: bool) -> Fixture {
    let dir = demo_dir();
    let env = env(dir.path(), lang);
    let store = Store::open(dir.path(), "kiosk").unwrap();
    let mut secrets = Vec::new();
    for s in store.seekers().unwrap() {
        secrets.push(s.number.to_string());
        secrets.push(s.name.as_str().to_string());
        secrets.push(s.name.masked());
        secrets.push(s.email.as_str().to_string());
        if let Some(p) = &s.phone {
            secrets.push(p.as_str().to_string());
        }
        if let Some(k) = &s.kana {
            secrets.push(k.as_str().to_string());
        }
        // Parts of a name: the surname alone, the given name alone, and the
        // masked form cut short (a two-character piece is specific enough).
        for part in s.name.as_str().split_whitespace() {
            if specific(part) {
                secrets.push(part.to_string());
            }
        }
        let masked: String = s.name.masked().chars().filter(|c| *c != ' ').collect();
        if let Some((surname, _)) = s.name.as_str().split_once(' ') {
            secrets.push(format!("{surname}＊"));
        }
        secrets.push(masked);
        for b in store.seeker_bookings(&s.number).unwrap() {
            secrets.push(b.id.to_string());
            secrets.push(b.meeting_url.clone());
            secrets.extend(
                b.changes
                    .iter()
                    .filter_map(|c| c.event.reason())
                    .map(str::to_string),
            );
            secrets.extend(b.late_override.clone());
        }
        for r in store.refusals(&s.number).unwrap() {
            secrets.push(r.reason.clone());
            secrets.extend(r.lifted.as_ref().map(|l| l.reason.clone()));
        }
    }
    secrets.retain(|x| specific(x));
    secrets.sort();
    secrets.dedup();
    assert!(
        secrets.len() > 500,
        "the sample has {} secrets",
        secrets.len()
    );
    let mut live = Vec::new();
    for d in 0..40 {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + chrono::Days::new(d);
        for b in store.day(date).unwrap() {
            if b.status.is_live() {
                live.push((
                    format!("{}/{}(", date.format("%-m"), date.format("%-d")),
                    b.slot.start.format("%H:%M").to_string(),
                    b.slot.booth,
                ));
            }
        }
    }
    assert!(live.len() > 50, "{} live bookings", live.len());
    let mut k = Kiosk::new(
        env.lang,
        Theme::new(ascii),
        Arc::new(env.loaded.clone()),
        env.clock.local(),
    );
    k.size = (80, 24);
    Fixture {
        _dir: dir,
        env,
        store,
        k,
        secrets,
        live,
    }
}

impl Fixture {
    fn act(&mut self, a: KioskAction) {
        dispatch(&self.env, &self.store, &mut self.k, a).unwrap();
    }

    fn key_with(&mut self, code: KeyCode, mods: KeyModifiers) {
        self.act(KioskAction::Key(KeyEvent::new(code, mods)));
    }

    fn key(&mut self, code: KeyCode) {
        self.key_with(code, KeyModifiers::NONE);
    }

    /// Types `keys`: each character a key press; `\n` Enter, `\x1b` Esc, `\t` Tab.
    fn keys(&mut self, keys: &str) {
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                '\x08' => KeyCode::Backspace,
                '\t' => KeyCode::Tab,
                c => KeyCode::Char(c),
            };
            self.key(code);
        }
    }

    /// The clock is at `secs` seconds after the last key.
    fn wait(&mut self, secs: i64) {
        let now: NaiveDateTime = self.k.last_input + TimeDelta::seconds(secs);
        self.act(KioskAction::Tick(now));
    }

    fn screen(&self) -> String {
        common::screen_text(80, 24, |f| view::kiosk::render(&self.k, f))
    }

    /// The screen, after checking that nothing of anyone else is on it.
    fn private_screen(&self, what: &str) -> String {
        self.private_screen_typed(what, "")
    }

    /// As [`private_screen`], for a screen showing `typed` because it was
    /// typed: what the text itself holds is not counted as shown.
    fn private_screen_typed(&self, what: &str, typed: &str) -> String {
        let typed_flat: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
        let mut first = None;
        for (w, h) in [(80, 24), (120, 40)] {
            let s = common::screen_text(w, h, |f| view::kiosk::render(&self.k, f));
            // Masked names are compared without spaces, as they may wrap.
            let flat: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            for secret in &self.secrets {
                let needle: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
                if !typed.is_empty() && typed_flat.contains(&needle) {
                    continue;
                }
                assert!(
                    !s.contains(secret.as_str()) && !flat.contains(&needle),
                    "{what} at {w}x{h}: the kiosk shows {secret:?}:\n{s}"
                );
            }
            for line in s.lines() {
                for (date, time, booth) in &self.live {
                    let booth_words = [
                        format!("ブース{booth}"),
                        format!("booth {booth}"),
                        format!("Booth {booth}"),
                    ];
                    assert!(
                        !(line.contains(date.as_str())
                            && line.contains(time.as_str())
                            && booth_words.iter().any(|b| line.contains(b.as_str()))),
                        "{what} at {w}x{h}: a booked slot ({date} {time} booth {booth}) is told:\n{s}"
                    );
                }
            }
            first.get_or_insert(s);
        }
        first.unwrap_or_default()
    }

    fn go_to_free_slot(&mut self) {
        self.keys("\n");
        assert_eq!(self.k.screen, Screen::Slots);
        // The first free slot, wherever it is.
        let (day, slot) = self
            .k
            .days
            .iter()
            .enumerate()
            .find_map(|(d, fd)| {
                fd.slots
                    .iter()
                    .position(|s| s.booth.is_some())
                    .map(|s| (d, s))
            })
            .expect("a free slot");
        for _ in 0..day {
            self.key(KeyCode::Right);
        }
        for _ in 0..slot {
            self.key(KeyCode::Down);
        }
        self.keys("\n");
        assert_eq!(self.k.screen, Screen::Wizard, "{}", self.screen());
    }

    /// The job seeker step filled with a new person's details.
    fn type_new_person(&mut self) {
        self.keys("46010-77777777\t");
        self.keys("Shiken Taro\t\t");
        self.keys("shiken@example.jp");
    }

    fn step(&self) -> Option<Step> {
        self.k.wizard.as_ref().map(|w| w.step)
    }
}

#[test]
fn the_slots_show_free_or_full_and_match_the_store() {
    let mut fx = fixture("ja", false);
    fx.keys("\n");
    let days = fx.k.days.clone();
    // What the kiosk should show, worked out here from the raw records and
    // not by the code that shows it: the five open days from the first one
    // on time (two open days after Tuesday 2026-12-01; no holiday falls in
    // them), each of the office's slot times, and for each the first booth
    // with neither a live booking nor a block over it, or none.
    let dates: Vec<String> = days.iter().map(|d| d.date.to_string()).collect();
    assert_eq!(
        dates,
        [
            "2026-12-03",
            "2026-12-04",
            "2026-12-07",
            "2026-12-08",
            "2026-12-09"
        ]
    );
    let times = [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30",
        "15:00", "15:30", "16:00",
    ];
    let mut full = 0;
    let mut free = 0;
    for d in &days {
        let live: Vec<_> = fx
            .store
            .day(d.date)
            .unwrap()
            .into_iter()
            .filter(|b| b.status.is_live())
            .collect();
        let blocks = fx.store.blocks_of(d.date).unwrap();
        let shown: Vec<String> = d
            .slots
            .iter()
            .map(|s| s.time.format("%H:%M").to_string())
            .collect();
        assert_eq!(shown, times, "{}", d.date);
        for s in &d.slots {
            let end = s.time + chrono::Duration::minutes(30);
            let expected = [1u8, 2].into_iter().find(|&booth| {
                !live
                    .iter()
                    .any(|b| b.slot.start == s.time && b.slot.booth == booth)
                    && !blocks.iter().any(|k| {
                        k.booth.is_none_or(|b| b == booth) && s.time < k.to && end > k.from
                    })
            });
            assert_eq!(s.booth, expected, "{} {}", d.date, s.time);
            full += usize::from(expected.is_none());
            free += usize::from(expected.is_some());
        }
    }
    assert!(full > 0, "the sample should fill some slots");
    assert!(free > 0, "and leave some free");
}

#[test]
fn a_booking_at_the_kiosk_and_back_to_welcome() {
    let mut fx = fixture("ja", false);
    fx.go_to_free_slot();
    assert_eq!(fx.step(), Some(Step::Seeker));
    fx.type_new_person();
    fx.keys("\n");
    assert_eq!(fx.step(), Some(Step::Eligibility));
    fx.keys("yyy\n");
    fx.key(KeyCode::End);
    fx.keys("a\n");
    assert_eq!(fx.step(), Some(Step::Checklist));
    fx.keys("yyyyyyyyy\n");
    assert_eq!(fx.step(), Some(Step::Review));
    fastrand::seed(11);
    fx.keys("\n");
    assert_eq!(fx.k.screen, Screen::Done, "{}", fx.screen());
    let booked = fx.k.booked.clone().unwrap();
    let b = fx.store.booking(booked.id).unwrap().unwrap();
    assert_eq!(b.channel, soudan::domain::booking::Channel::Kiosk);
    assert_eq!(b.seeker.to_string(), "46010-77777777");
    assert!(b.late_override.is_none());
    // The audit trail says it came from the kiosk.
    let history = fx.store.booking_audit(b.id).unwrap();
    assert_eq!(history[0].terminal, "lobby-1");
    // Enter: back to welcome with nothing kept.
    fx.keys("\n");
    assert_eq!(fx.k.screen, Screen::Welcome);
    assert!(fx.k.booked.is_none() && fx.k.wizard.is_none());
}

#[test]
fn a_known_number_is_never_filled_in_nor_told_apart() {
    let mut fx = fixture("en", false);
    // A job seeker of the sample, without a booking on the first free day.
    let seekers = fx.store.seekers().unwrap();
    fx.go_to_free_slot();
    let date = fx.k.wizard.as_ref().unwrap().date;
    let other = seekers
        .iter()
        .find(|s| {
            let bs = fx.store.seeker_bookings(&s.number).unwrap();
            !bs.iter().any(|b| b.slot.date == date && b.status.is_live())
                && fx.store.refusals(&s.number).unwrap().is_empty()
        })
        .unwrap()
        .clone();
    // Their number with another name: stopped, in words that say nothing.
    fx.keys(&format!("{}\t", other.number));
    fx.keys("Someone Else\t\tse@example.jp\n");
    let w = fx.k.wizard.as_ref().unwrap();
    assert_eq!(w.step, Step::Seeker);
    assert!(w.value(3) == "se@example.jp" && w.value(2).is_empty());
    // Nothing of theirs shows but the number that was typed.
    let blocked = fx.screen();
    for secret in fx
        .secrets
        .iter()
        .filter(|s| **s != other.number.to_string())
    {
        assert!(!blocked.contains(secret.as_str()), "{secret:?}:\n{blocked}");
    }
    assert!(blocked.contains("cannot be booked here"), "{blocked}");
    // A number nobody has, with the same other name: the same words are
    // not shown, it goes on (so the message does not tell who is known).
    let mut fx2 = fixture("en", false);
    fx2.go_to_free_slot();
    fx2.keys("46010-55555555\tSomeone Else\t\tse@example.jp\n");
    assert_eq!(fx2.step(), Some(Step::Eligibility));
    // Their own number and name: goes on, and nothing of their record is
    // filled in (kana, phone, registration stay as typed: empty).
    let mut fx3 = fixture("en", false);
    fx3.go_to_free_slot();
    fx3.keys(&format!("{}\t{}\t\t", other.number, other.name.as_str()));
    fx3.keys("mine@example.jp\n");
    let w = fx3.k.wizard.as_ref().unwrap();
    assert_eq!(w.step, Step::Eligibility, "{}", fx3.screen());
    for i in [2, 4, 5] {
        assert!(
            w.value(i).is_empty(),
            "field {i} was filled: {}",
            w.value(i)
        );
    }
}

#[test]
fn no_screen_shows_anyone_else() {
    for (lang, ascii) in [("ja", false), ("en", true)] {
        let mut fx = fixture(lang, ascii);
        fx.private_screen("welcome");
        fx.keys("\n");
        // Every cell of the slots screen.
        let days = fx.k.days.len();
        for _ in 0..days {
            for _ in 0..14 {
                fx.private_screen("slots");
                fx.key(KeyCode::Down);
            }
            fx.key(KeyCode::Right);
            for _ in 0..14 {
                fx.key(KeyCode::Up);
            }
        }
        fx.keys("\x1b");
        fx.go_to_free_slot();
        fx.private_screen("seeker step");
        // Every job seeker of the sample typed in, with no name, with
        // another name and with their own: whatever the kiosk answers
        // (goes on, or sends to the counter for a refusal, a booking that
        // day or a name that does not match), it shows nothing of anyone.
        let date = fx.k.wizard.as_ref().unwrap().date;
        let seekers = fx.store.seekers().unwrap();
        let (mut blocked, mut went_on) = (0, 0);
        let (mut refused_seen, mut booked_seen, mut no_show_seen) = (0, 0, 0);
        for s in &seekers {
            let bookings = fx.store.seeker_bookings(&s.number).unwrap();
            let refused = fx
                .store
                .refusals(&s.number)
                .unwrap()
                .iter()
                .any(|r| r.lifted.is_none());
            let booked = bookings
                .iter()
                .any(|b| b.slot.date == date && b.status.is_live());
            let no_show = bookings
                .iter()
                .any(|b| b.status == soudan::domain::booking::Status::NoShow);
            for name in ["", "Someone Else", s.name.as_str()] {
                {
                    let w = fx.k.wizard.as_mut().unwrap();
                    assert_eq!(w.step, Step::Seeker);
                    for f in w.fields.iter_mut() {
                        *f = ratatui_textarea::TextArea::default();
                    }
                    w.info = Default::default();
                    w.focus = 0;
                }
                let typed = format!("{}\t{name}\t\tmine@example.jp\n", s.number);
                fx.keys(&typed);
                let screen = fx.private_screen_typed(
                    &format!("{} typed with the name {name:?}", s.number),
                    // The header shows the typed name masked: that too
                    // comes from what was typed.
                    &format!(
                        "{} {name} {}",
                        s.number,
                        soudan::domain::seeker::PersonName::parse(name)
                            .map(|n| n.masked())
                            .unwrap_or_default()
                    ),
                );
                match fx.step() {
                    Some(Step::Seeker) => {
                        // No name is asked for; another name, a refusal or a
                        // booking that day sends to the counter.
                        blocked += 1;
                        if name == s.name.as_str() {
                            // Their own name and still stopped: only for a
                            // refusal or a booking that day.
                            assert!(refused || booked, "{} stopped:\n{screen}", s.number);
                            refused_seen += usize::from(refused);
                            booked_seen += usize::from(booked);
                        }
                    }
                    Some(Step::Eligibility) => {
                        went_on += 1;
                        no_show_seen += usize::from(no_show && name == s.name.as_str());
                        fx.keys("\x1b");
                        assert_eq!(fx.step(), Some(Step::Seeker), "{}", fx.screen());
                    }
                    other => panic!("{other:?} after typing {typed:?}:\n{screen}"),
                }
            }
        }
        assert!(seekers.len() >= 40, "{} job seekers", seekers.len());
        eprintln!(
            "{lang}: {} job seekers typed 3 ways: stopped {blocked}, went on {went_on}; \
             own name and refused {refused_seen}, booked that day {booked_seen}, with a no-show {no_show_seen}",
            seekers.len()
        );
        assert!(
            refused_seen > 0 && booked_seen > 0 && no_show_seen > 0 && blocked > 0 && went_on > 0,
            "not every answer was reached: refused {refused_seen}, booked that day {booked_seen}, \
             with a no-show {no_show_seen}, stopped {blocked}, went on {went_on}"
        );
        {
            let w = fx.k.wizard.as_mut().unwrap();
            for f in w.fields.iter_mut() {
                *f = ratatui_textarea::TextArea::default();
            }
            w.info = Default::default();
            w.focus = 0;
        }
        fx.type_new_person();
        fx.keys("\n");
        fx.private_screen("eligibility");
        fx.keys("yyy\n");
        fx.private_screen("terms");
        fx.key(KeyCode::End);
        fx.keys("a\n");
        fx.private_screen("checklist");
        fx.keys("yyyyyyyyy\n");
        fx.private_screen("review");
        fx.keys("\n");
        assert_eq!(fx.k.screen, Screen::Done);
        // The done screen shows this person's own booking only.
        fx.private_screen("done");
        fx.wait(i64::from(fx.env.loaded.config.kiosk.idle_seconds) - 5);
        fx.private_screen("countdown");
        fx.key(KeyCode::F(10));
        fx.private_screen("pin");
        // Three wrong PINs: the lockout screen.
        fx.keys("0000\n0000\n0000\n");
        assert!(fx.k.pin_locked_until.is_some());
        fx.private_screen("pin lockout");
        fx.keys("\x1b");
        // The abandon question, with a stranger's details typed in.
        fx.wait(i64::from(fx.env.loaded.config.kiosk.idle_seconds) + 5);
        fx.go_to_free_slot();
        fx.type_new_person();
        fx.keys("\x1b");
        assert!(fx.k.wizard.as_ref().is_some_and(|w| w.abandoning));
        fx.private_screen_typed(
            "abandon question",
            "46010-77777777 Shiken Taro shiken@example.jp",
        );
    }
}

#[test]
fn idle_clears_everything_after_a_countdown() {
    let mut fx = fixture("ja", false);
    let idle = i64::from(fx.env.loaded.config.kiosk.idle_seconds);
    fx.keys("2");
    fx.go_to_free_slot();
    fx.type_new_person();
    fx.wait(idle - 20);
    assert_eq!(fx.k.countdown(), None);
    fx.wait(idle - 10);
    assert_eq!(fx.k.countdown(), Some(10));
    assert!(fx.screen().contains("10 seconds"), "{}", fx.screen());
    // A key: the countdown goes and nothing is lost.
    fx.key(KeyCode::Tab);
    assert_eq!(fx.k.countdown(), None);
    assert_eq!(fx.k.wizard.as_ref().unwrap().value(0), "46010-77777777");
    // Left alone: back to welcome, in the kiosk's language, nothing kept.
    let base = fx.k.last_input;
    fx.act(KioskAction::Tick(base + TimeDelta::seconds(idle)));
    assert_eq!(fx.k.screen, Screen::Welcome);
    assert!(fx.k.wizard.is_none());
    assert_eq!(fx.k.lang, soudan::i18n::Lang::Ja);
    let s = fx.screen();
    assert!(
        !s.contains("46010-77777777") && !s.contains("Shiken"),
        "{s}"
    );
    // Nothing was booked.
    assert!(
        fx.store
            .seeker_bookings(
                &soudan::domain::seeker::JobSeekerNumber::parse("46010-77777777").unwrap()
            )
            .unwrap()
            .is_empty()
    );
}

#[test]
fn stop_keys_do_nothing_and_only_the_pin_leaves() {
    let mut fx = fixture("en", false);
    fx.go_to_free_slot();
    for c in ['c', 'z', '\\', '4', 'd'] {
        fx.key_with(KeyCode::Char(c), KeyModifiers::CONTROL);
    }
    fx.keys("q\x1b");
    assert!(!fx.k.quit);
    // Esc asks before dropping the entries; n keeps them.
    assert!(fx.k.wizard.as_ref().unwrap().abandoning);
    fx.keys("n");
    assert_eq!(fx.k.screen, Screen::Wizard);
    // F10: the PIN, never shown.
    fx.key(KeyCode::F(10));
    fx.keys("1234");
    let s = fx.screen();
    // (The example number of a field's error, 46010-12345678, may show
    // beneath: the PIN's own line is what must not.)
    let pin_line = s.lines().find(|l| l.contains("PIN:")).unwrap_or_default();
    assert!(
        pin_line.contains("PIN: ****") && !pin_line.contains("1234"),
        "{s}"
    );
    fx.keys("\n");
    assert!(!fx.k.quit);
    assert!(fx.screen().contains("Wrong PIN"));
    // Two more wrong: now the kiosk makes staff wait.
    fx.keys("8642\n8642\n");
    assert!(fx.k.pin_locked_until.is_some());
    fx.keys(&format!("{PIN}\n"));
    assert!(!fx.k.quit, "a PIN while locked is not even checked");
    assert!(fx.screen().contains("Wait"), "{}", fx.screen());
    fx.wait(3);
    fx.keys(&format!("{PIN}\n"));
    assert!(fx.k.quit);
    // Every wrong PIN and the leaving are in the audit trail, with no PIN.
    let audit = fx.store.audit().unwrap();
    let wrong = audit
        .iter()
        .filter(|e| e.action == "kiosk.pin_wrong")
        .count();
    assert_eq!(wrong, 3);
    assert_eq!(
        audit.iter().filter(|e| e.action == "kiosk.leave").count(),
        1
    );
    let all = format!("{audit:?}");
    assert!(!all.contains(PIN) && !all.contains("8642"));
}

fn done(lang: &str, ascii: bool) -> Fixture {
    let mut fx = fixture(lang, ascii);
    fx.go_to_free_slot();
    fx.type_new_person();
    fx.keys("\nyyy\n");
    fx.key(KeyCode::End);
    fx.keys("a\nyyyyyyyyy\n");
    fastrand::seed(5);
    fx.keys("\n");
    assert_eq!(fx.k.screen, Screen::Done);
    fx
}

/// Every kiosk screen, in Japanese and English, Unicode and ASCII: 40
/// snapshots, each checked for anyone else's data first.
#[test]
fn every_screen_in_both_languages_and_both_glyph_sets() {
    for lang in ["ja", "en"] {
        for ascii in [false, true] {
            let look = format!("{lang}_{}", if ascii { "ascii" } else { "unicode" });
            let mut fx = fixture(lang, ascii);
            let shot = |fx: &Fixture, name: &str| {
                let screen = fx.private_screen(name);
                if ascii {
                    assert!(
                        screen.is_ascii() || lang == "ja",
                        "{look} {name}:\n{screen}"
                    );
                }
                insta::assert_snapshot!(format!("{look}_{name}"), screen);
            };
            shot(&fx, "01_welcome");
            fx.keys("\n");
            shot(&fx, "02_slots");
            fx.keys("\x1b");
            fx.go_to_free_slot();
            fx.type_new_person();
            shot(&fx, "03_seeker");
            fx.keys("\n");
            shot(&fx, "04_eligibility");
            fx.keys("yyy\n");
            shot(&fx, "05_terms");
            fx.key(KeyCode::End);
            fx.keys("a\n");
            shot(&fx, "06_checklist");
            fx.keys("yyyyyyyyy\n");
            shot(&fx, "07_review");
            fastrand::seed(5);
            fx.keys("\n");
            assert_eq!(fx.k.screen, Screen::Done);
            shot(&fx, "08_done");
            // The completion screen has its own, shorter time.
            fx.wait(i64::from(fx.env.loaded.config.kiosk.done_seconds) - 7);
            shot(&fx, "09_countdown");
            fx.key(KeyCode::F(10));
            fx.keys("12");
            shot(&fx, "10_pin");
        }
    }
}

/// The completion screen shows a person's booking: it leaves after its
/// own 20 seconds (the built-in `done_seconds`), well before the 90 s
/// (`idle_seconds`) any other screen waits, and takes the person's data
/// with it.
#[test]
fn the_completion_screen_leaves_before_the_idle_time() {
    let mut fx = done("en", false);
    let before = fx.screen();
    let id = before
        .lines()
        .find_map(|l| l.trim().strip_prefix("Booking id"))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the booking's id is shown: {before}"))
        .to_string();
    fx.wait(19);
    assert_eq!(fx.k.screen, Screen::Done, "still there at 19 s");
    fx.wait(21);
    assert_eq!(fx.k.screen, Screen::Welcome, "gone at 21 s, not at 90 s");
    let s = fx.screen();
    assert!(!s.contains(&id), "{s}");
    assert!(!s.contains("Shiken"), "{s}");
    // Another screen of the kiosk waits for the whole idle time.
    let mut fx = fixture("en", false);
    fx.go_to_free_slot();
    fx.wait(21);
    assert_ne!(
        fx.k.screen,
        Screen::Welcome,
        "a wizard is not cut short at 21 s"
    );
    fx.wait(91);
    assert_eq!(fx.k.screen, Screen::Welcome, "and ends at 90 s");
}

#[test]
fn the_done_screen_has_a_qr_code_or_the_url() {
    let fx = done("ja", false);
    let s = fx.private_screen("done");
    assert!(s.contains('▀') || s.contains('▄'), "{s}");
    let fx = done("en", true);
    let s = fx.private_screen("done");
    assert!(s.is_ascii(), "{s}");
    assert!(s.contains("https://meeting.example.jp/"), "{s}");
}

#[test]
fn every_ascii_screen_is_ascii() {
    let mut fx = fixture("en", true);
    let mut screens = vec![fx.screen()];
    fx.go_to_free_slot();
    screens.push(fx.screen());
    fx.type_new_person();
    fx.keys("\n");
    screens.push(fx.screen());
    fx.keys("yyy\n");
    screens.push(fx.screen());
    fx.key(KeyCode::End);
    fx.keys("a\n");
    screens.push(fx.screen());
    fx.keys("yyyyyyyyy\n");
    screens.push(fx.screen());
    fx.keys("\n");
    screens.push(fx.screen());
    for (i, s) in screens.iter().enumerate() {
        let odd: Vec<char> = s.chars().filter(|c| !c.is_ascii()).collect();
        assert!(odd.is_empty(), "screen {i}: {odd:?}\n{s}");
    }
}
