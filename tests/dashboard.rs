//! The dashboard's model driven by key sequences against a real database,
//! and whole screens rendered into a `TestBackend` (insta snapshots) at
//! 80x24 and 120x40, in Japanese and English, Unicode and ASCII.

mod common;

use std::path::Path;
use std::sync::Arc;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use soudan::cli::Env;
use soudan::cli::args::Global;
use soudan::clock::Clock;
use soudan::domain::booking::{Attendance, BookingId, Channel, Event, Slot, Status};
use soudan::domain::seeker::{Email, JobSeekerNumber, Kana, PersonName, Phone, Seeker};
use soudan::domain::terms::{Consent, Document, checklist_all_yes};
use soudan::store::{Actor, Ctx, NewBooking, Store};
use soudan::tui::app::{Action, App};
use soudan::tui::keymap::Mode;
use soudan::tui::theme::Theme;
use soudan::tui::{dispatch, key_action, load_day, view};

fn env(dir: &Path, now: &str, lang: &str) -> Env {
    let g = Global {
        data_dir: Some(dir.to_path_buf()),
        config: None,
        lang: Some(lang.into()),
        now: Some(now.into()),
        ascii: false,
        server: None,
        config_may_be_missing: false,
    };
    let mut env = Env::from_global(&g).unwrap();
    let tz = env.loaded.tz;
    env.clock = Clock::frozen(tz, Clock::parse_start(tz, now).unwrap());
    env.actor = Actor {
        user: "staff1".into(),
        terminal: "counter-1".into(),
    };
    env
}

fn person(n: u32, name: &str, kana: &str) -> Seeker {
    Seeker {
        number: JobSeekerNumber::parse(&format!("46010-{n}")).unwrap(),
        name: PersonName::parse(name).unwrap(),
        kana: Some(Kana::parse(kana).unwrap()),
        email: Email::parse(&format!("p{n}@example.jp")).unwrap(),
        phone: Some(Phone::parse("090-1234-5678").unwrap()),
        registered_on: None,
    }
}

/// A day of bookings: the same ids every run.
fn seed(store: &Store, env: &Env) -> Vec<BookingId> {
    fastrand::seed(7);
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap();
    let ctx = Ctx {
        at,
        actor: env.actor.clone(),
        channel: Some(Channel::Phone),
    };
    let people = [
        ("09:00", 1, person(1, "佐藤 一郎", "さとう いちろう"), None),
        (
            "09:30",
            2,
            person(2, "Maria Santos", "まりあ さんとす"),
            Some("Portuguese"),
        ),
        ("10:00", 1, person(3, "山田 太郎", "やまだ たろう"), None),
        ("10:00", 2, person(4, "鈴木 花子", "すずき はなこ"), None),
        ("13:00", 1, person(5, "高橋 健", "たかはし けん"), None),
        ("16:00", 2, person(6, "伊藤 翔", "いとう しょう"), None),
    ];
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let mut ids = Vec::new();
    for (time, booth, seeker, interpreter) in people {
        let start = chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap();
        let slot = Slot {
            date,
            start,
            end: start + chrono::Duration::minutes(30),
            booth,
        };
        let new = NewBooking {
            slot,
            seeker,
            channel: Channel::Phone,
            consent: Consent {
                terms_version: "2025-02-07".into(),
                at,
                documents: Document::ALL.to_vec(),
            },
            checklist: checklist_all_yes(),
            attendance: Attendance {
                interpreter: interpreter.map(String::from),
                caregiver: false,
            },
            meeting_url_template: "https://meeting.example.jp/{id}".into(),
            late_override: None,
        };
        ids.push(store.book(&new, &ctx).unwrap().id);
    }
    let later = |s: &str| Ctx {
        at: chrono::DateTime::parse_from_rfc3339(s).unwrap(),
        ..ctx.clone()
    };
    store
        .apply(ids[0], &Event::Start, &later("2026-12-03T08:59:00+09:00"))
        .unwrap();
    store
        .apply(ids[0], &Event::Finish, &later("2026-12-03T09:28:00+09:00"))
        .unwrap();
    store
        .apply(
            ids[3],
            &Event::Cancel {
                reason: "体調不良（電話）".into(),
            },
            &later("2026-12-02T17:00:00+09:00"),
        )
        .unwrap();
    store
        .refuse(
            &JobSeekerNumber::parse("46010-6").unwrap(),
            "暴言",
            &later("2026-12-02T10:00:00+09:00"),
        )
        .unwrap();
    ids
}

struct Fixture {
    _dir: tempfile::TempDir,
    env: Env,
    store: Store,
    app: App,
    ids: Vec<BookingId>,
}

fn fixture(now: &str, lang: &str, ascii: bool) -> Fixture {
    fixture_with(now, lang, ascii, None)
}

/// A fixture whose configuration is the built-in one with `from` replaced by `to`.
fn fixture_with(now: &str, lang: &str, ascii: bool, change: Option<(&str, &str)>) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut env = env(dir.path(), now, lang);
    if let Some((from, to)) = change {
        env.loaded =
            soudan::config::Config::parse(&soudan::config::BUILTIN.replace(from, to), None)
                .unwrap();
    }
    let store = Store::open(dir.path(), "dashboard").unwrap();
    let ids = seed(&store, &env);
    // The seed stands for bookings made before: their mails went out then.
    let drained = soudan::desk::mail::write_queued(&store, &env.loaded, dir.path()).unwrap();
    assert!(
        drained.written.len() >= ids.len(),
        "a mail per seeded booking"
    );
    std::fs::remove_dir_all(dir.path().join("outbox")).unwrap();
    let mut app = App::new(
        env.lang,
        Theme::new(ascii),
        Arc::new(env.loaded.clone()),
        env.clock.local(),
    );
    dispatch(&env, &store, &mut app, Action::Tick(env.clock.local())).unwrap();
    let data = load_day(&store, app.date).unwrap();
    dispatch(&env, &store, &mut app, Action::Loaded(Box::new(data))).unwrap();
    Fixture {
        _dir: dir,
        env,
        store,
        app,
        ids,
    }
}

impl Fixture {
    fn key(&mut self, code: KeyCode) {
        let ev = KeyEvent::new(code, KeyModifiers::NONE);
        if let Some(a) = key_action(self.app.mode, &ev) {
            dispatch(&self.env, &self.store, &mut self.app, a).unwrap();
        }
    }

    /// Types `keys`: each character a key press; `\n` is Enter, `\x1b` Esc.
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

    fn status(&self, id: BookingId) -> Status {
        self.store.booking(id).unwrap().unwrap().status
    }

    fn screen(&self, w: u16, h: u16) -> String {
        common::screen_text(w, h, |f| view::render(&self.app, f))
    }
}

#[test]
fn the_cursor_starts_on_the_slot_now_and_moves_within_the_day() {
    let mut fx = fixture("2026-12-03T09:45", "ja", false);
    assert_eq!(
        (fx.app.row, fx.app.col),
        (1, 0),
        "09:45 is in the 09:30 slot"
    );
    fx.keys("kkk");
    assert_eq!(fx.app.row, 0, "stops at the first slot");
    fx.keys("llll");
    assert_eq!(fx.app.col, 1, "stops at the last booth");
    fx.keys(&"j".repeat(40));
    assert_eq!(fx.app.row, 12);
    fx.key(KeyCode::Up);
    fx.key(KeyCode::Left);
    assert_eq!((fx.app.row, fx.app.col), (11, 0));
}

/// More booths than fit: the timeline shows as many as fit, scrolls
/// sideways with the cursor, and says on which side more booths are.
#[test]
fn many_booths_scroll_sideways_with_the_cursor() {
    let booth2 = r#"meeting_url = "https://meeting.example.jp/hw-kagoshima/booth-2?booking={id}""#;
    let mut more = booth2.to_string();
    for n in 3..=9 {
        more.push_str(&format!(
            "\n\n[[booths]]\nnumber = {n}\nmeeting_url = \"https://meeting.example.jp/b{n}?booking={{id}}\"\n"
        ));
    }
    let mut fx = fixture_with("2026-12-03T09:45", "en", false, Some((booth2, &more)));
    let header = |fx: &Fixture| {
        fx.screen(80, 24)
            .lines()
            .find(|l| l.contains("Time"))
            .unwrap_or_default()
            .to_string()
    };
    let first = header(&fx);
    assert!(first.contains("booth 1"), "{first}");
    assert!(first.contains('>'), "more to the right: {first}");
    assert!(!first.contains("booth 9"), "{first}");
    assert!(!first.contains('<'), "{first}");
    // The 09:00 booking of booth 1 is shown; booth 2's at 09:30 too.
    let screen = fx.screen(80, 24);
    assert!(screen.contains("佐藤"), "{screen}");
    fx.keys(&"l".repeat(8));
    assert_eq!(fx.app.col, 8);
    let last = header(&fx);
    assert!(last.contains("booth 9"), "{last}");
    assert!(last.contains('<'), "more to the left: {last}");
    assert!(!last.contains("booth 1 "), "{last}");
    // Every column's cell is as wide as the screen allows: no line overflows.
    for line in fx.screen(80, 24).lines() {
        assert!(unicode_width::UnicodeWidthStr::width(line) <= 80, "{line}");
    }
    // Back to the left edge: booth 1 again.
    fx.keys(&"h".repeat(8));
    assert!(header(&fx).contains("booth 1"));
}

#[test]
fn days_weeks_today_and_go_to() {
    let mut fx = fixture("2026-12-03T09:45", "ja", false);
    fx.keys("]");
    assert_eq!(fx.app.date.to_string(), "2026-12-04");
    assert_eq!(
        fx.app.data.date.unwrap().to_string(),
        "2026-12-04",
        "the day is loaded"
    );
    fx.keys("}");
    assert_eq!(fx.app.date.to_string(), "2026-12-11");
    fx.keys("[{");
    assert_eq!(fx.app.date.to_string(), "2026-12-03");
    fx.key(KeyCode::PageDown);
    fx.keys("t");
    assert_eq!(fx.app.date.to_string(), "2026-12-03");
    fx.keys("g12-24\n");
    assert_eq!(fx.app.date.to_string(), "2026-12-24");
    fx.keys("g2027-01-11\n");
    assert_eq!(fx.app.date.to_string(), "2027-01-11");
    fx.keys("g5\n");
    assert_eq!(fx.app.date.to_string(), "2027-01-05");
    // A date that does not exist keeps the prompt open with a message.
    fx.keys("g02-30\n");
    assert_eq!(fx.app.mode, Mode::Prompt);
    assert!(fx.app.prompt.as_ref().unwrap().error.is_some());
    fx.keys("\x1b");
    assert_eq!(fx.app.mode, Mode::Normal);
    assert_eq!(fx.app.date.to_string(), "2027-01-05");
}

#[test]
fn cancel_by_phone_reason_then_confirm() {
    let mut fx = fixture("2026-12-03T09:45", "ja", false);
    let yamada = fx.ids[2];
    fx.keys("j"); // 10:00, booth 1
    assert_eq!(fx.app.selected().unwrap().booking.id, yamada);
    // An empty reason is refused and nothing changes.
    fx.keys("c\n");
    assert_eq!(fx.app.mode, Mode::Prompt);
    assert!(fx.app.prompt.as_ref().unwrap().error.is_some());
    fx.keys("本人から電話\n");
    assert_eq!(fx.app.mode, Mode::Confirm);
    assert_eq!(fx.status(yamada), Status::Booked, "nothing before yes");
    fx.keys("y");
    assert_eq!(fx.status(yamada), Status::Cancelled);
    assert_eq!(fx.app.mode, Mode::Normal);
    let b = fx.store.booking(yamada).unwrap().unwrap();
    assert_eq!(b.last_reason(), Some("本人から電話"));
    assert!(fx.app.status.as_ref().unwrap().text.contains("キャンセル"));
    // The screen shows it without a reload key.
    assert_eq!(fx.app.selected().unwrap().booking.status, Status::Cancelled);
    let trail = fx.store.booking_audit(yamada).unwrap();
    assert_eq!(trail.last().unwrap().channel, Some(Channel::Phone));
    assert_eq!(trail.last().unwrap().user, "staff1");
}

#[test]
fn abandoning_changes_nothing() {
    let mut fx = fixture("2026-12-03T09:45", "en", false);
    let yamada = fx.ids[2];
    fx.keys("jcphoned\x1b");
    assert_eq!(fx.app.mode, Mode::Normal);
    fx.keys("cphoned\nn");
    assert_eq!(fx.app.mode, Mode::Normal);
    fx.keys("s\x1b");
    assert_eq!(fx.status(yamada), Status::Booked);
    assert!(
        fx.app
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("Nothing was changed")
    );
}

#[test]
fn start_finish_and_stop() {
    let mut fx = fixture("2026-12-03T09:58", "ja", false);
    let yamada = fx.ids[2];
    fx.keys("j"); // 09:58 starts on 09:30; 10:00 is one down
    assert_eq!(fx.app.selected().unwrap().booking.id, yamada);
    fx.keys("sy");
    assert_eq!(fx.status(yamada), Status::InProgress);
    fx.keys("fn");
    assert_eq!(fx.status(yamada), Status::InProgress, "n keeps it going");
    fx.keys("x脅迫的な発言\ny");
    assert_eq!(fx.status(yamada), Status::Stopped);
    // Illegal transitions are refused at once, with the reason, and no prompt.
    fx.keys("s");
    assert_eq!(fx.app.mode, Mode::Normal);
    assert!(
        fx.app.status.as_ref().unwrap().text.contains("中止"),
        "{:?}",
        fx.app.status
    );
    fx.keys("c");
    assert_eq!(fx.app.mode, Mode::Normal);
    // An empty slot says so.
    fx.keys("jc");
    assert!(
        fx.app
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("予約はありません")
    );
}

#[test]
fn no_shows_appear_by_themselves_and_can_be_corrected() {
    let mut fx = fixture("2026-12-03T09:30", "ja", false);
    let maria = fx.ids[1];
    assert_eq!(fx.status(maria), Status::Booked);
    // Ten minutes past 09:30 the loop wakes up (a tick) with no key pressed.
    let later = env(fx.env.data_dir.clone().as_path(), "2026-12-03T09:40", "ja");
    fx.env.clock = later.clock.clone();
    dispatch(
        &fx.env,
        &fx.store,
        &mut fx.app,
        Action::Tick(later.clock.local()),
    )
    .unwrap();
    assert_eq!(fx.status(maria), Status::NoShow);
    assert!(
        fx.app
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("無断キャンセル")
    );
    fx.keys("l");
    assert_eq!(
        fx.app.selected().unwrap().booking.status,
        Status::NoShow,
        "on screen too"
    );
    assert_eq!(fx.app.selected().unwrap().no_shows, 1);
    // The person had called: correct it, with the reason.
    fx.keys("u9:20に電話があった\ny");
    assert_eq!(fx.status(maria), Status::Cancelled);
    assert_eq!(fx.app.selected().unwrap().no_shows, 0);
}

#[test]
fn refuse_and_lift_from_the_booking() {
    let mut fx = fixture("2026-12-03T09:45", "ja", false);
    let takahashi = JobSeekerNumber::parse("46010-5").unwrap();
    fx.keys("jjjjj"); // 09:30 to 13:00, booth 1
    assert_eq!(fx.app.selected().unwrap().booking.seeker, takahashi);
    fx.keys("r暴言があった\ny");
    assert!(fx.store.refusals(&takahashi).unwrap()[0].lifted.is_none());
    assert!(fx.app.selected().unwrap().refusal.is_some());
    fx.keys("r面談で改善を確認\ny");
    assert!(fx.store.refusals(&takahashi).unwrap()[0].lifted.is_some());
    assert!(fx.app.selected().unwrap().refusal.is_none());
}

#[test]
fn search_by_name_number_or_id_and_jump() {
    let mut fx = fixture("2026-12-01T09:45", "ja", false);
    assert_eq!(fx.app.date.to_string(), "2026-12-01");
    fx.keys("/やまだ\n");
    assert_eq!(fx.app.mode, Mode::Results);
    assert_eq!(fx.app.results.len(), 1);
    fx.keys("\n");
    assert_eq!(fx.app.date.to_string(), "2026-12-03");
    assert_eq!(fx.app.selected().unwrap().booking.id, fx.ids[2]);
    fx.keys("/46010-2\n\n");
    assert_eq!(fx.app.selected().unwrap().booking.id, fx.ids[1]);
    let id = fx.ids[4].to_string().to_lowercase();
    fx.keys(&format!("/{id}\n\n"));
    assert_eq!(fx.app.selected().unwrap().booking.id, fx.ids[4]);
    fx.keys("/nobody\n");
    assert_eq!(fx.app.mode, Mode::Normal);
    assert!(
        fx.app
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("見つかりません")
    );
}

#[test]
fn help_lists_every_key_and_closes() {
    let mut fx = fixture("2026-12-03T09:45", "en", false);
    fx.keys("?");
    assert_eq!(fx.app.mode, Mode::Help);
    let screen = fx.screen(100, 40);
    for b in soudan::tui::keymap::bindings(Mode::Normal) {
        let desc = soudan::i18n::text(soudan::i18n::Lang::En, b.desc);
        assert!(screen.contains(desc), "{desc} missing from help:\n{screen}");
    }
    // At 80x24 the list does not fit: it scrolls, and every key is seen.
    let mut seen = String::new();
    for _ in 0..40 {
        seen.push_str(&fx.screen(80, 24));
        fx.keys("j");
    }
    for b in soudan::tui::keymap::bindings(Mode::Normal) {
        let desc = soudan::i18n::text(soudan::i18n::Lang::En, b.desc);
        assert!(seen.contains(desc), "{desc} never shown at 80x24");
    }
    // Every mark a cell can show is in the symbol list, the late call and
    // a hold too.
    for mark in [
        "? late",
        "~ held",
        "◦ booked",
        "✓ completed",
        "! no-show",
        "◼ stopped",
    ] {
        assert!(seen.contains(mark), "{mark} missing from help at 80x24");
    }
    assert_eq!(fx.app.mode, Mode::Help);
    fx.keys("\x1b");
    assert_eq!(fx.app.mode, Mode::Normal);
    fx.keys("q");
    assert!(fx.app.quit);
}

/// The week's legend names every mark its cells can show.
#[test]
fn the_week_legend_names_every_mark_of_its_cells() {
    for (ascii, marks) in [
        (
            false,
            ["◦ ", "► ", "✓ ", "! ", "◼ ", "⋅ ", "× ", "~ ", "? "],
        ),
        (true, ["o ", "> ", "v ", "! ", "# ", ". ", "= ", "~ ", "? "]),
    ] {
        let mut fx = fixture("2026-12-03T09:45", "en", ascii);
        fx.keys("w");
        let screen = fx.screen(80, 24);
        let legend: String = screen
            .lines()
            .filter(|l| l.contains("booked") || l.contains("free"))
            .filter(|l| !l.contains("/26"))
            .collect();
        for m in marks {
            assert!(
                legend.contains(m),
                "{m:?} missing from the legend:\n{screen}"
            );
        }
    }
}

#[test]
fn every_status_can_be_told_apart_without_colour() {
    let fx = fixture("2026-12-03T09:45", "ja", true);
    let screen = fx.screen(80, 24);
    // ASCII symbols and words: done, no-show, booked, cancelled.
    for cell in ["v 完了", "! 無断", "o 予約", "x 取消"] {
        assert!(screen.contains(cell), "{cell} missing:\n{screen}");
    }
    assert!(
        screen.is_ascii()
            || screen
                .chars()
                .all(|c| c.is_ascii() || !matches!(c, '─' | '│' | '┌' | '┐' | '└' | '┘'))
    );
}

#[test]
fn names_are_masked_on_the_overview_and_full_in_the_details() {
    let mut fx = fixture("2026-12-03T09:45", "ja", false);
    let screen = fx.screen(80, 24);
    assert!(screen.contains("山田 ＊＊"));
    assert!(!screen.contains("山田 太郎"));
    assert!(!screen.contains("p3@example.jp"));
    fx.keys("j\n");
    let screen = fx.screen(80, 24);
    assert!(
        screen.contains("山田 太郎") && screen.contains("p3@example.jp"),
        "{screen}"
    );
}

#[test]
fn too_small_says_so_in_one_line() {
    let fx = fixture("2026-12-03T09:45", "en", false);
    let screen = fx.screen(60, 20);
    assert!(
        screen.starts_with("Please enlarge the window: now 60x20, need 80x24"),
        "{screen}"
    );
}

#[test]
fn snapshot_80x24_ja() {
    let fx = fixture("2026-12-03T09:45", "ja", false);
    insta::assert_snapshot!(fx.screen(80, 24));
}

#[test]
fn snapshot_80x24_en_ascii() {
    let fx = fixture("2026-12-03T09:45", "en", true);
    insta::assert_snapshot!(fx.screen(80, 24));
}

#[test]
fn snapshot_120x40_ja_with_details() {
    let mut fx = fixture("2026-12-03T09:45", "ja", false);
    fx.keys("l"); // Maria, interpreter
    insta::assert_snapshot!(fx.screen(120, 40));
}

#[test]
fn snapshot_120x40_en() {
    let mut fx = fixture("2026-12-03T09:45", "en", false);
    fx.keys("jjjjjjjjjjjl"); // 16:00 booth 2: the refused job seeker
    insta::assert_snapshot!(fx.screen(120, 40));
}

#[test]
fn snapshot_80x24_ja_confirm() {
    let mut fx = fixture("2026-12-03T09:45", "ja", false);
    fx.keys("jc本人から電話\n");
    insta::assert_snapshot!(fx.screen(80, 24));
}

// ---------------------------------------------------------------------------
// The booking wizard.

use soudan::tui::wizard::Step;

impl Fixture {
    fn step(&self) -> Option<Step> {
        self.app.wizard.as_ref().map(|w| w.step)
    }

    fn wizard_message(&self) -> String {
        self.app
            .wizard
            .as_ref()
            .and_then(|w| w.message.clone())
            .unwrap_or_default()
    }

    fn outbox(&self) -> usize {
        std::fs::read_dir(self.env.data_dir.join("outbox"))
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

#[test]
fn a_phone_booking_through_the_whole_wizard() {
    let mut fx = fixture("2026-12-01T09:45", "ja", false);
    fx.keys("]]"); // Thu 12-03, the 09:30 slot, booth 1 is free
    assert_eq!(fx.app.selected().map(|r| r.booking.id), None);
    let mut keys = 0;
    let mut press = |fx: &mut Fixture, k: &str| {
        keys += k.chars().count();
        fx.keys(k);
    };
    press(&mut fx, "n");
    assert_eq!(fx.step(), Some(Step::Slot));
    press(&mut fx, "\n");
    assert_eq!(fx.step(), Some(Step::Seeker));
    fx.keys("４６０１０－７７"); // typed text does not count
    press(&mut fx, "\t");
    fx.keys("山田　次郎");
    press(&mut fx, "\t");
    fx.keys("やまだ じろう");
    press(&mut fx, "\t");
    fx.keys("jiro@example.jp");
    press(&mut fx, "\n");
    assert_eq!(
        fx.step(),
        Some(Step::Eligibility),
        "{}",
        fx.wizard_message()
    );
    press(&mut fx, "yyy\n");
    assert_eq!(fx.step(), Some(Step::Terms));
    press(&mut fx, "Ga\n");
    assert_eq!(fx.step(), Some(Step::Checklist), "{}", fx.wizard_message());
    press(&mut fx, "yyyyyyyyy\n");
    assert_eq!(fx.step(), Some(Step::Review), "{}", fx.wizard_message());
    assert_eq!(fx.outbox(), 0, "nothing is written before the last Enter");
    press(&mut fx, "\n");
    assert_eq!(fx.step(), Some(Step::Done), "{}", fx.wizard_message());
    assert!(keys < 40, "{keys} keys besides the typed text");

    let id = fx.app.wizard.as_ref().unwrap().booked.as_ref().unwrap().id;
    let b = fx.store.booking(id).unwrap().unwrap();
    assert_eq!(b.seeker.as_str(), "46010-77", "normal form");
    assert_eq!(b.channel, Channel::Phone);
    assert_eq!(b.consent.terms_version, "2025-02-07");
    assert_eq!(b.consent.documents.len(), 4);
    assert!(b.checklist.iter().all(|a| a.yes) && b.checklist.len() == 9);
    assert_eq!(
        fx.store
            .seeker(&b.seeker)
            .unwrap()
            .unwrap()
            .kana
            .unwrap()
            .as_str(),
        "ヤマダ ジロウ"
    );
    assert_eq!(fx.outbox(), 1, "the confirmation mail");
    fx.keys("\n");
    assert!(fx.app.wizard.is_none());
    assert_eq!(fx.app.mode, Mode::Normal);
    assert_eq!(
        fx.app.selected().unwrap().booking.id,
        id,
        "on the timeline at once"
    );
}

#[test]
fn the_wizard_refuses_what_the_terms_refuse() {
    let mut fx = fixture("2026-12-01T09:45", "en", false);
    fx.keys("]]n\n");
    // Refused under Art. 12(1).
    fx.keys("46010-6\t");
    assert!(
        fx.app
            .wizard
            .as_ref()
            .unwrap()
            .blocked()
            .unwrap()
            .contains("refused")
    );
    fx.keys("Ito Sho\tsho@example.jp\n");
    // (the email went into the kana field, which is wrong too; either way it stays)
    assert_eq!(fx.step(), Some(Step::Seeker));
    // Already booked that day (46010-3 has 10:00 on 12-03).
    let w = fx.app.wizard.as_mut().unwrap();
    w.focus = 0;
    w.fields[0] = ratatui_textarea::TextArea::default();
    fx.keys("46010-3\t");
    assert!(
        fx.app
            .wizard
            .as_ref()
            .unwrap()
            .blocked()
            .unwrap()
            .contains("already has booking"),
        "{:?}",
        fx.app.wizard.as_ref().unwrap().blocked()
    );
}

#[test]
fn no_shows_must_be_acknowledged_and_answers_must_be_yes() {
    let mut fx = fixture("2026-12-03T09:45", "ja", false);
    // 46010-2 became a no-show at 09:40. Book her for Mon 12-07 (deadline Thu 12-03).
    fx.keys("g12-07\n");
    fx.keys("n\n46010-2\t");
    // A known job seeker: the record fills the empty fields.
    assert_eq!(fx.app.wizard.as_ref().unwrap().value(1), "Maria Santos");
    assert_eq!(fx.app.wizard.as_ref().unwrap().value(3), "p2@example.jp");
    fx.keys("\n");
    assert_eq!(fx.step(), Some(Step::Seeker));
    assert!(
        fx.wizard_message().contains("Ctrl-A"),
        "{}",
        fx.wizard_message()
    );
    let ctrl_a = KeyEvent::new(KeyCode::Char('a'), KeyModifiers::CONTROL);
    dispatch(&fx.env, &fx.store, &mut fx.app, Action::WizardKey(ctrl_a)).unwrap();
    fx.keys("\n");
    assert_eq!(fx.step(), Some(Step::Eligibility));
    // Not eligible: a "no" stops it.
    fx.keys("yn\n");
    assert_eq!(fx.step(), Some(Step::Eligibility));
    assert!(fx.wizard_message().contains("対象外"));
    // The cursor is on the item that stopped it; the third is still unanswered.
    fx.keys("yy\n");
    assert_eq!(fx.step(), Some(Step::Terms));
    // Agreeing before the end of the text is refused.
    fx.keys("a\n");
    assert_eq!(fx.step(), Some(Step::Terms));
    assert!(fx.wizard_message().contains("最後まで"));
    fx.keys("G1234\n");
    assert_eq!(fx.step(), Some(Step::Checklist));
    // A checklist item answered no says why it matters, and stays.
    fx.keys("yyyyyyn\n");
    assert_eq!(fx.step(), Some(Step::Checklist));
    assert!(
        fx.wizard_message().contains("録画"),
        "{}",
        fx.wizard_message()
    );
}

#[test]
fn late_bookings_need_a_staff_reason_and_closed_days_none_at_all() {
    let mut fx = fixture("2026-12-01T09:45", "ja", false);
    // Wed 12-02 closed for booking on Mon 11-30.
    fx.keys("]n");
    assert_eq!(fx.step(), Some(Step::Slot));
    assert!(fx.app.wizard.as_ref().unwrap().late);
    fx.keys("\n");
    assert_eq!(fx.step(), Some(Step::Slot), "no reason, no booking");
    fx.keys("所長了承\n");
    assert_eq!(fx.step(), Some(Step::Seeker));
    fx.keys("46010-88\t佐藤 三郎\t\tsab@example.jp\nyyy\nGa\nyyyyyyyyy\n");
    assert_eq!(fx.step(), Some(Step::Review), "{}", fx.wizard_message());
    // The review names the reason with its whole label, at 80x24.
    let screen = fx.screen(80, 24);
    let line = screen
        .lines()
        .find(|l| l.contains("所長了承"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(line.contains("締切後の受付理由 "), "{line}");
    fx.keys("\n");
    assert_eq!(fx.step(), Some(Step::Done), "{}", fx.wizard_message());
    let id = fx.app.wizard.as_ref().unwrap().booked.as_ref().unwrap().id;
    assert_eq!(
        fx.store
            .booking(id)
            .unwrap()
            .unwrap()
            .late_override
            .as_deref(),
        Some("所長了承")
    );
    fx.keys("\n");
    // Saturday: the wizard does not open.
    fx.keys("g12-05\nn");
    assert!(fx.app.wizard.is_none());
    assert!(fx.app.status.as_ref().unwrap().text.contains("閉庁日"));
}

#[test]
fn going_back_keeps_entries_and_abandoning_writes_nothing() {
    let mut fx = fixture("2026-12-01T09:45", "ja", false);
    fx.keys("]]n\n46010-99\t鈴木 一\t\tichi@example.jp\nyyy\n");
    assert_eq!(fx.step(), Some(Step::Terms));
    fx.keys("\x1b\x1b");
    assert_eq!(fx.step(), Some(Step::Seeker));
    let w = fx.app.wizard.as_ref().unwrap();
    assert_eq!(w.value(1), "鈴木 一");
    assert_eq!(w.eligibility, [Some(true); 3]);
    fx.keys("\n\n");
    assert_eq!(
        fx.step(),
        Some(Step::Terms),
        "forward again with what was entered"
    );
    // Shift-Tab goes back too, from every step.
    let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
    dispatch(&fx.env, &fx.store, &mut fx.app, Action::WizardKey(back_tab)).unwrap();
    assert_eq!(fx.step(), Some(Step::Eligibility));
    dispatch(&fx.env, &fx.store, &mut fx.app, Action::WizardKey(back_tab)).unwrap();
    assert_eq!(fx.step(), Some(Step::Seeker));
    fx.app.wizard.as_mut().unwrap().focus = 0;
    dispatch(&fx.env, &fx.store, &mut fx.app, Action::WizardKey(back_tab)).unwrap();
    assert_eq!(fx.step(), Some(Step::Slot));
    fx.keys("\n\n\n");
    assert_eq!(fx.step(), Some(Step::Terms));
    fx.keys("\x1b\x1b\x1b\x1b");
    assert_eq!(fx.step(), Some(Step::Slot));
    assert!(
        fx.app.wizard.as_ref().unwrap().abandoning,
        "leaving asks once"
    );
    fx.keys("n");
    assert!(fx.app.wizard.is_some());
    fx.keys("\x1by");
    assert!(fx.app.wizard.is_none());
    assert_eq!(fx.outbox(), 0);
    assert!(
        fx.store
            .seeker(&JobSeekerNumber::parse("46010-99").unwrap())
            .unwrap()
            .is_none(),
        "nothing written"
    );
}

#[test]
fn snapshot_80x24_wizard_seeker_step() {
    let mut fx = fixture("2026-12-01T09:45", "ja", false);
    fx.keys("]]n\n46010-12345678\t山田 次郎\tyamada\t");
    insta::assert_snapshot!(fx.screen(80, 24));
}

#[test]
fn snapshot_80x24_wizard_checklist_en_ascii() {
    let mut fx = fixture("2026-12-01T09:45", "en", true);
    fx.keys("]]n\n46010-12345678\tJiro Yamada\t\tjiro@example.jp\nyyy\nGa\nyyyy");
    insta::assert_snapshot!(fx.screen(80, 24));
}

#[test]
fn cancelling_on_the_dashboard_writes_the_notice_and_m_resends() {
    let mut fx = fixture("2026-12-03T09:45", "ja", false);
    fx.keys("jc本人から電話\ny");
    assert_eq!(fx.outbox(), 1, "the cancellation notice");
    assert!(
        fx.app
            .status
            .as_ref()
            .unwrap()
            .text
            .contains("-cancellation-"),
        "{:?}",
        fx.app.status
    );
    fx.keys("m");
    assert_eq!(fx.outbox(), 2, "written again on request");
    fx.keys("jjjm"); // 11:00: an empty slot
    assert_eq!(fx.outbox(), 2);
}

#[test]
fn renewing_consent_after_a_revision() {
    let revision = "[[terms]]\nversion = \"2026-12-02\"\neffective = \"2026-12-02\"\nlabel = \"改訂\"\n\n[mail]";
    let mut fx = fixture_with("2026-12-03T09:45", "ja", false, Some(("[mail]", revision)));
    let yamada = fx.ids[2];
    fx.keys("j");
    assert_eq!(fx.app.selected().unwrap().booking.id, yamada);
    let screen = fx.screen(80, 24);
    assert!(
        screen.contains("◦ 予約 再 山田"),
        "flagged on the timeline:\n{screen}"
    );
    // A finished consultation needs nothing.
    fx.keys("ka");
    assert!(fx.app.wizard.is_none());
    fx.keys("ja");
    assert_eq!(fx.step(), Some(Step::Terms));
    fx.keys("Ga\n");
    assert_eq!(fx.step(), Some(Step::Review));
    fx.keys("\n");
    assert_eq!(fx.step(), Some(Step::Done), "{}", fx.wizard_message());
    let b = fx.store.booking(yamada).unwrap().unwrap();
    assert_eq!(b.consent.terms_version, "2026-12-02");
    assert_eq!(b.status, Status::Booked);
    fx.keys("\n");
    assert!(
        fx.screen(80, 24).contains("◦ 予約 山田"),
        "the flag is gone"
    );
}

#[test]
fn statistics_screen_shows_the_month_in_numbers_and_charts() {
    let mut fx = fixture("2026-12-03T09:45", "en", true);
    fx.keys("S");
    assert_eq!(fx.app.mode, Mode::Stats);
    let s = fx.app.stats.as_ref().expect("statistics loaded");
    assert_eq!(s.month.from.to_string(), "2026-12-01");
    assert_eq!(s.month.to.to_string(), "2026-12-31");
    // The six bookings of the fixture, all on 3 December.
    assert_eq!(s.month.total.bookings, 6);
    let screen = fx.screen(80, 24);
    assert!(screen.contains("6 bookings"), "{screen}");
    assert!(
        screen.contains("0900") && screen.contains("1600"),
        "{screen}"
    );
    assert!(screen.is_ascii(), "{screen}");
    // No name and no booking id on it.
    for id in &fx.ids {
        assert!(!screen.contains(&id.to_string()), "{screen}");
    }
    assert!(
        !screen.contains("Sato") && !screen.contains("Maria"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
    fx.keys("]");
    assert_eq!(
        fx.app.stats.as_ref().unwrap().month.from.to_string(),
        "2027-01-01"
    );
    assert_eq!(fx.app.stats.as_ref().unwrap().month.total.bookings, 0);
    fx.key(KeyCode::Esc);
    assert_eq!(fx.app.mode, Mode::Normal);
}

#[test]
fn the_audit_trail_by_day_by_booking_and_by_action() {
    let mut fx = fixture("2026-12-03T09:45", "ja", false);
    // 3 December: a start, a finish and a no-show of the fixture.
    // The cursor on 山田 at 10:00 first.
    fx.keys("jA");
    assert_eq!(fx.app.mode, Mode::Audit);
    // What the store holds, read here on its own: the browser must show
    // exactly that, newest first.
    let all = fx.store.audit().unwrap();
    let on_day = |action: &str| -> Vec<u64> {
        let mut v: Vec<u64> = all
            .iter()
            .filter(|e| e.at.date_naive().to_string() == "2026-12-03")
            .filter(|e| action.is_empty() || e.action == action)
            .map(|e| e.seq)
            .collect();
        v.reverse();
        v
    };
    let seqs = |fx: &Fixture| -> Vec<u64> { fx.app.audit.events.iter().map(|e| e.seq).collect() };
    let day = fx.app.audit.events.clone();
    assert!(day.len() >= 2, "the 3rd holds {} events", day.len());
    assert_eq!(seqs(&fx), on_day(""));
    // Newest first.
    assert!(day.windows(2).all(|w| w[0].seq > w[1].seq));
    // b: the selected booking's whole history (its booking on 1 December too).
    let selected = fx.app.selected().unwrap().booking.id;
    fx.keys("b");
    let one = fx.app.audit.events.clone();
    let mut want: Vec<u64> = all
        .iter()
        .filter(|e| e.booking == Some(selected))
        .map(|e| e.seq)
        .collect();
    want.reverse();
    assert!(!want.is_empty());
    assert_eq!(seqs(&fx), want);
    assert!(one.iter().any(|e| e.action == "book"));
    fx.keys("b");
    // f: one action at a time, in the browser's order; each list is the
    // store's own for that day and action (book: none on the 3rd).
    let mut shown = 0;
    for action in ["book", "cancel", "start"] {
        fx.keys("f");
        assert_eq!(seqs(&fx), on_day(action), "the filter {action}");
        assert!(fx.app.audit.events.iter().all(|e| e.action == action));
        shown += fx.app.audit.events.len();
    }
    // The 3rd holds a start but no booking and no cancellation (that was
    // on the 2nd): the empty lists are right, and the start's is not empty.
    let counts: Vec<usize> = ["book", "cancel", "start"]
        .iter()
        .map(|a| on_day(a).len())
        .collect();
    assert_eq!(counts, [0, 0, 1]);
    assert_eq!(shown, 1);
    let screen = fx.screen(80, 24);
    assert!(screen.contains("開始"), "{screen}");
    fx.keys("[");
    assert_eq!(fx.app.audit.day.to_string(), "2026-12-02");
    fx.key(KeyCode::Esc);
    assert_eq!(fx.app.mode, Mode::Normal);
}

/// At 80x24 in both languages the footer keeps the keys used most: a new
/// booking, a cancellation, start and finish, besides help and quit.
#[test]
fn the_footer_keeps_the_most_used_keys_at_80x24() {
    for (lang, words) in [
        (
            "en",
            [
                "n new booking",
                "c cancel",
                "s start",
                "f finish",
                "? help",
                "q quit",
            ],
        ),
        (
            "ja",
            [
                "n 新規予約",
                "c キャンセル",
                "s 開始",
                "f 終了",
                "? ヘルプ",
                "q 終了する",
            ],
        ),
    ] {
        let fx = fixture("2026-12-03T09:45", lang, false);
        let screen = fx.screen(80, 24);
        let footer = screen.lines().nth(23).unwrap();
        for w in words {
            assert!(footer.contains(w), "{lang}: {w:?} missing from {footer:?}");
        }
    }
}

/// The wizard's own keys at its end: the done step offers closing (not
/// booking again), the abandon question offers its answers.
#[test]
fn the_done_and_abandon_screens_show_their_own_keys() {
    let mut fx = fixture("2026-12-03T09:45", "en", false);
    fx.keys("]]]]]jn\n");
    fx.keys("46010-555\tShiken Taro\t\tst@example.jp\n");
    fx.keys("yyy\n");
    fx.key(KeyCode::End);
    fx.keys("a\nyyyyyyyyy\n");
    let review = fx.screen(80, 24);
    assert!(
        review.lines().nth(23).unwrap().contains("Enter book"),
        "{review}"
    );
    fx.keys("\n");
    let done = fx.screen(80, 24);
    let footer = done.lines().nth(23).unwrap();
    assert!(
        done.contains("Booked") && footer.contains("close") && !footer.contains("book"),
        "{done}"
    );
    fx.keys("\n");
    // A new wizard, left at once: the question's keys, not the form's.
    fx.keys("jn\x1b");
    let ask = fx.screen(80, 24);
    let footer = ask.lines().nth(23).unwrap();
    assert!(
        footer.contains("abandon") && footer.contains("go on") && !footer.contains("next field"),
        "{ask}"
    );
    fx.keys("n");
    assert!(fx.app.wizard.as_ref().is_some_and(|w| !w.abandoning));
}

/// A message too long for the status line is cut with the key that shows
/// it whole; that key opens it wrapped, Esc closes it, the day stays.
#[test]
fn a_long_message_opens_whole_on_a_key() {
    let mut fx = fixture("2026-12-03T09:45", "en", false);
    let long = "The mail was written to /var/lib/soudan/outbox/20261203T094500-ABCDEF-confirmation-q12.eml and waits for the relay, which did not answer.";
    fx.app.status = Some(soudan::tui::app::StatusLine {
        tone: soudan::tui::app::Tone::Info,
        text: long.into(),
    });
    let screen = fx.screen(80, 24);
    let status = screen.lines().nth(22).unwrap();
    assert!(status.ends_with("… v"), "{status:?}");
    fx.keys("v");
    assert_eq!(fx.app.mode, Mode::Message);
    let whole = fx.screen(80, 24);
    let flat: String = whole
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    for word in ["q12.eml", "relay,", "answer."] {
        assert!(flat.contains(word), "{word} not shown:\n{whole}");
    }
    fx.key(KeyCode::Esc);
    assert_eq!(fx.app.mode, Mode::Normal);
    // A short message is shown as it is, with no key to open it.
    fx.app.status = Some(soudan::tui::app::StatusLine {
        tone: soudan::tui::app::Tone::Info,
        text: "Short.".into(),
    });
    let screen = fx.screen(80, 24);
    assert!(screen.lines().nth(22).unwrap().ends_with("Short."));
}

/// A day's counts show whole however many there are, in every look: 16
/// no-shows on one day read 16.
#[test]
fn two_digit_counts_show_whole() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, ascii) in [("ja", false), ("en", false), ("en", true)] {
        let env = env(dir.path(), "2026-12-10T17:00", lang);
        let store = Store::open(dir.path(), "dashboard").unwrap();
        store.claim_clock(true).unwrap();
        if store
            .day(chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap())
            .unwrap()
            .is_empty()
        {
            let at = chrono::DateTime::parse_from_rfc3339("2026-12-01T09:00:00+09:00").unwrap();
            let ctx = Ctx {
                at,
                actor: env.actor.clone(),
                channel: Some(Channel::Phone),
            };
            let starts = [
                "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30",
            ];
            let mut n = 100;
            for time in starts {
                for booth in 1..=2 {
                    n += 1;
                    let start = chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap();
                    let new = NewBooking {
                        slot: Slot {
                            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
                            start,
                            end: start + chrono::Duration::minutes(30),
                            booth,
                        },
                        seeker: person(n, "試験 太郎", "しけん たろう"),
                        channel: Channel::Phone,
                        consent: Consent {
                            terms_version: "2025-02-07".into(),
                            at,
                            documents: Document::ALL.to_vec(),
                        },
                        checklist: checklist_all_yes(),
                        attendance: Attendance::default(),
                        meeting_url_template: "https://meeting.example.jp/{id}".into(),
                        late_override: None,
                    };
                    store.book(&new, &ctx).unwrap();
                }
            }
        }
        let mut app = App::new(
            env.lang,
            Theme::new(ascii),
            Arc::new(env.loaded.clone()),
            env.clock.local(),
        );
        dispatch(&env, &store, &mut app, Action::Tick(env.clock.local())).unwrap();
        let data = load_day(&store, app.date).unwrap();
        dispatch(&env, &store, &mut app, Action::Loaded(Box::new(data))).unwrap();
        let no_shows = app
            .data
            .rows
            .iter()
            .filter(|r| r.booking.status == Status::NoShow)
            .count();
        assert_eq!(no_shows, 16);
        let screen = common::screen_text(80, 24, |f| view::render(&app, f));
        let word = if lang == "ja" { "無断" } else { "no-show" };
        let line = screen
            .lines()
            .find(|l| l.contains(word) && l.contains("16"))
            .unwrap_or_else(|| panic!("{lang} ascii={ascii}: no '{word} 16':\n{screen}"));
        assert!(line.contains("16"), "{line}");
        drop(store);
    }
}

/// `M` picks a booking up and `M` on another slot puts it down there (the
/// same booking, moved); `Esc` leaves it where it was; a slot past its
/// deadline asks for the staff reason first.
#[test]
fn a_booking_is_moved_with_m_and_m_again() {
    let mut fx = fixture("2026-12-01T09:45", "en", false);
    fx.keys("]]kkkkkkkkkkkkkjj"); // Thu 12-03, 10:00, booth 1: 山田
    let id = fx.ids[2];
    assert_eq!(fx.app.selected().map(|r| r.booking.id), Some(id));
    fx.keys("M");
    assert!(fx.app.moving.is_some());
    assert!(status_of(&fx).contains("Moving"), "{}", status_of(&fx));
    // Its own slot: not a move.
    fx.keys("M");
    assert!(status_of(&fx).contains("own slot"), "{}", status_of(&fx));
    // Booth 2 at 10:00 holds a cancelled booking only: free.
    fx.keys("lM");
    assert!(fx.app.moving.is_none(), "{}", status_of(&fx));
    assert!(status_of(&fx).contains("moved from"), "{}", status_of(&fx));
    let b = fx.store.booking(id).unwrap().unwrap();
    assert_eq!(
        (b.slot.start.to_string().as_str(), b.slot.booth),
        ("10:00:00", 2)
    );
    assert_eq!(fx.app.selected().map(|r| r.booking.id), Some(id));
    // Picked up and left.
    fx.keys("M\x1b");
    assert!(fx.app.moving.is_none());
    assert!(status_of(&fx).contains("Not moved"), "{}", status_of(&fx));
    // A slot past its deadline that is also taken off the calendar: the
    // block is said, and no late reason is asked for.
    let ctx = ctx_at("2026-12-01T09:45", "system", "test");
    let block = fx
        .store
        .add_block(
            &training(&ctx, "2026-12-02", "10:00", "10:30", Some(2)),
            &ctx,
        )
        .unwrap();
    fx.keys("M[M");
    assert_eq!(fx.app.mode, Mode::Normal, "no reason asked");
    assert!(
        status_of(&fx).contains("taken off the calendar"),
        "{}",
        status_of(&fx)
    );
    fx.store.remove_block(block.id, &ctx).unwrap();
    fx.keys("\x1b]");
    assert!(fx.app.moving.is_none());
    // To Wed 12-02 (its deadline has passed): the reason first.
    fx.keys("M[M");
    assert_eq!(fx.app.mode, Mode::Prompt);
    fx.keys("\n");
    assert_eq!(fx.app.mode, Mode::Prompt, "an empty reason is refused");
    fx.keys("本人の都合\n");
    assert_eq!(fx.app.mode, Mode::Normal);
    let b = fx.store.booking(id).unwrap().unwrap();
    assert_eq!(b.slot.date.to_string(), "2026-12-02");
    assert_eq!(b.late_override.as_deref(), Some("本人の都合"));
    assert_eq!(b.consent.documents.len(), 4, "consent kept");
    let moves = fx
        .store
        .booking_audit(id)
        .unwrap()
        .iter()
        .filter(|e| e.action == "move")
        .count();
    assert_eq!(moves, 2);
}

/// A change's context: `user` at `terminal`, at `at` (office time, as
/// typed: 2026-12-03T10:20).
fn ctx_at(at: &str, user: &str, terminal: &str) -> Ctx {
    Ctx {
        at: chrono::DateTime::parse_from_rfc3339(&format!("{at}:00+09:00")).unwrap(),
        actor: Actor {
            user: user.into(),
            terminal: terminal.into(),
        },
        channel: None,
    }
}

/// Time taken off for training (研修) on `date` from `from` to `to`, in
/// `booth` (None: every booth), by the context's user.
fn training(
    ctx: &Ctx,
    date: &str,
    from: &str,
    to: &str,
    booth: Option<u8>,
) -> soudan::domain::block::Block {
    soudan::domain::block::Block {
        id: 0,
        date: chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
        from: chrono::NaiveTime::parse_from_str(from, "%H:%M").unwrap(),
        to: chrono::NaiveTime::parse_from_str(to, "%H:%M").unwrap(),
        booth,
        reason: "研修".into(),
        by: ctx.actor.user.clone(),
        at: ctx.at,
    }
}

/// The no-show rule run by itself at 10:15 on 2026-12-03 (ten minutes'
/// grace): the bookings it marked.
fn no_show_rule_at_1015(store: &Store) -> Vec<soudan::domain::booking::Booking> {
    store
        .sweep(
            chrono::NaiveDate::from_ymd_opt(2026, 12, 3)
                .unwrap()
                .and_hms_opt(10, 15, 0)
                .unwrap(),
            chrono::Duration::minutes(10),
            chrono::FixedOffset::east_opt(9 * 3600).unwrap(),
            "server",
        )
        .unwrap()
}

fn status_of(fx: &Fixture) -> String {
    fx.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

/// Five minutes past the start a booking not started shows late (a symbol
/// and a word) and the status line gives the phone to call, once; the
/// no-show still falls at ten by itself.
#[test]
fn a_late_booking_is_marked_and_its_phone_offered() {
    for (lang, word, line) in [("en", "? late", "call"), ("ja", "? 未着", "へ連絡を")] {
        let mut fx = fixture("2026-12-03T10:04", lang, false);
        let screen = fx.screen(100, 30);
        assert!(!screen.contains(word), "{lang}: late too early:\n{screen}");
        let later = |m: &str| {
            chrono::NaiveDateTime::parse_from_str(&format!("2026-12-03 {m}"), "%Y-%m-%d %H:%M")
                .unwrap()
        };
        dispatch(
            &fx.env,
            &fx.store,
            &mut fx.app,
            Action::Tick(later("10:05")),
        )
        .unwrap();
        let status = status_of(&fx);
        assert!(
            status.contains(line) && status.contains("山田 太郎"),
            "{lang}: {status}"
        );
        assert!(status.contains("10:10"), "{lang}: {status}");
        let screen = fx.screen(100, 30);
        assert!(
            screen.contains(&format!("{word} 山田")),
            "{lang}:\n{screen}"
        );
        // Said once: the next tick says nothing new.
        fx.app.status = None;
        dispatch(
            &fx.env,
            &fx.store,
            &mut fx.app,
            Action::Tick(later("10:06")),
        )
        .unwrap();
        assert!(fx.app.status.is_none(), "{lang}: {}", status_of(&fx));
        // Started: no longer late.
        assert_eq!(fx.status(fx.ids[2]), Status::Booked);
        fx.keys("kkkkkkkkkkkkkjjs");
        fx.keys("y");
        assert_eq!(
            fx.status(fx.ids[2]),
            Status::InProgress,
            "{}",
            status_of(&fx)
        );
        assert!(!fx.screen(100, 30).contains(word));
    }
}

/// Search finds a job seeker by email and by phone digits too, and each
/// hit shows what tells people apart: full name, kana, the phone's last
/// digits.
#[test]
fn search_finds_by_email_and_phone_and_tells_hits_apart() {
    let mut fx = fixture("2026-12-03T09:45", "en", false);
    fx.keys("/p3@example.jp\n");
    assert_eq!(fx.app.mode, Mode::Results, "{}", status_of(&fx));
    assert_eq!(fx.app.results.len(), 1);
    assert_eq!(fx.app.results[0].booking.id, fx.ids[2]);
    let screen = fx.screen(100, 30);
    assert!(
        screen.contains("山田 太郎 (ヤマダ タロウ) tel …5678"),
        "{screen}"
    );
    fx.keys("\x1b");
    // Every seeded person has this phone: all six found, by its digits
    // with or without hyphens.
    for q in ["090-1234-5678", "09012345678", "１２３４５６７８"] {
        fx.keys(&format!("/{q}\n"));
        assert_eq!(fx.app.results.len(), 6, "{q}: {}", status_of(&fx));
        fx.keys("\x1b");
    }
    // Two digits are not a phone search; nobody's name has them.
    fx.keys("/56\n");
    assert!(fx.app.results.is_empty());
}

/// `n` on a slot that has begun says so at once, without a wizard; on a
/// slot past its deadline the wizard opens (staff may give a reason).
#[test]
fn n_on_a_slot_it_cannot_book_says_why_at_once() {
    let mut fx = fixture("2026-12-03T13:10", "en", false);
    fx.keys("kkkkkkkkkkkkk"); // 09:00, booth 1: begun long ago
    fx.keys("ln"); // 09:00 booth 2... the first free one that has begun
    assert!(fx.app.wizard.is_none(), "a wizard on a begun slot");
    assert!(
        status_of(&fx).contains("already begun"),
        "{}",
        status_of(&fx)
    );
    // Tomorrow (Fri 12-04) is past its deadline: the wizard opens.
    fx.keys("]n");
    assert!(fx.app.wizard.is_some(), "{}", status_of(&fx));
}

// ---------------------------------------------------------------------------
// The counter's day: time off, notes, the week view, the day sheet.

/// `b` takes time off from the selected slot (Tab: how much), with a
/// reason; the cell says so, `n` there says why at once, and `B` gives it
/// back.
#[test]
fn time_is_taken_off_with_b_and_given_back_with_shift_b() {
    let mut fx = fixture("2026-12-01T09:45", "en", false);
    fx.keys("]]kkkkkkkkkkkkkjjl"); // Thu 12-03, 10:00, booth 2: free
    assert!(
        fx.app
            .selected()
            .is_none_or(|r| !r.booking.status.is_live())
    );
    let date = fx.app.date;
    fx.keys("b");
    assert_eq!(fx.app.mode, Mode::Prompt);
    assert!(
        fx.screen(80, 24).contains("10:00–10:30 booth 2"),
        "{}",
        fx.screen(80, 24)
    );
    fx.keys("\t");
    assert!(
        fx.screen(80, 24).contains("10:00–16:30 booth 2"),
        "{}",
        fx.screen(80, 24)
    );
    fx.keys("\n");
    assert_eq!(fx.app.mode, Mode::Prompt, "a reason is needed");
    fx.keys("off sick\n");
    assert_eq!(fx.app.mode, Mode::Normal);
    let blocks = fx.store.blocks_of(date).unwrap();
    assert_eq!(blocks.len(), 1);
    assert_eq!(
        (
            blocks[0].booth,
            blocks[0].from.to_string(),
            blocks[0].to.to_string(),
            blocks[0].reason.as_str()
        ),
        (Some(2), "10:00:00".into(), "16:30:00".into(), "off sick")
    );
    assert!(status_of(&fx).contains("Taken off"), "{}", status_of(&fx));
    let screen = fx.screen(100, 30);
    assert!(screen.contains("× blocked"), "{screen}");
    // The live bookings already there are named.
    let live_there: Vec<String> = fx
        .store
        .day(date)
        .unwrap()
        .into_iter()
        .filter(|b| b.status.is_live() && blocks[0].covers(&b.slot))
        .map(|b| b.id.to_string())
        .collect();
    for id in &live_there {
        assert!(
            status_of(&fx).contains(id.as_str()),
            "{id}: {}",
            status_of(&fx)
        );
    }
    // `n` there says why at once; `b` again says it is off already.
    fx.keys("n");
    assert_eq!(fx.app.mode, Mode::Normal);
    assert!(
        status_of(&fx).contains("taken off the calendar"),
        "{}",
        status_of(&fx)
    );
    fx.keys("b");
    assert!(
        status_of(&fx).contains("Already taken off"),
        "{}",
        status_of(&fx)
    );
    fx.keys("B");
    assert!(fx.store.blocks_of(date).unwrap().is_empty());
    assert!(status_of(&fx).contains("Given back"), "{}", status_of(&fx));
    // Every booth, the whole day: Tab four times.
    fx.keys("b\t\t\t\tstaff training\n");
    let blocks = fx.store.blocks_of(date).unwrap();
    assert_eq!(
        (blocks[0].booth, blocks[0].from.to_string()),
        (None, "09:00:00".into())
    );
}

/// `N` writes the staff note on the booking, Tab on its job seeker; the
/// details show both; an empty note removes it.
#[test]
fn notes_are_written_with_shift_n_and_shown_in_the_details() {
    for lang in ["en", "ja"] {
        let mut fx = fixture("2026-12-01T09:45", lang, false);
        fx.keys("]]kkkkkkkkkkkkkjj"); // Thu 12-03, 10:00, booth 1: 山田
        let id = fx.ids[2];
        fx.keys("Ncall after 3pm\n");
        assert_eq!(fx.app.mode, Mode::Normal);
        let on = soudan::domain::block::NoteOn::Booking(id);
        assert_eq!(fx.store.note(&on).unwrap().unwrap().text, "call after 3pm");
        let seeker = fx.store.booking(id).unwrap().unwrap().seeker;
        fx.keys("N\tprefers mornings\n");
        let on_seeker = soudan::domain::block::NoteOn::Seeker(seeker);
        assert_eq!(
            fx.store.note(&on_seeker).unwrap().unwrap().text,
            "prefers mornings"
        );
        assert_eq!(
            fx.store.note(&on).unwrap().unwrap().text,
            "call after 3pm",
            "the booking's stays"
        );
        let screen = fx.screen(120, 40);
        assert!(
            screen.contains("call after 3pm") && screen.contains("prefers mornings"),
            "{screen}"
        );
        // The prompt opens with the note as it is: emptied, it is removed.
        fx.keys("N");
        assert_eq!(fx.app.prompt.as_ref().unwrap().input, "call after 3pm");
        for _ in 0.."call after 3pm".len() {
            fx.keys("\x08");
        }
        fx.keys("\n");
        assert!(fx.store.note(&on).unwrap().is_none());
        // A control character is refused in the prompt.
        fx.keys("N");
        dispatch(&fx.env, &fx.store, &mut fx.app, Action::Char('\u{202e}')).unwrap();
        fx.keys("x\n");
        assert_eq!(fx.app.mode, Mode::Prompt, "refused in the prompt");
        assert!(fx.app.prompt.as_ref().unwrap().error.is_some());
        fx.keys("\x1b");
        assert!(fx.store.note(&on).unwrap().is_none(), "nothing was written");
    }
}

/// `w` shows five open days side by side; ←/→ step through them; Enter
/// opens the day.
#[test]
fn the_week_view_shows_five_open_days_and_opens_one() {
    let mut fx = fixture("2026-12-01T09:45", "en", false);
    fx.keys("w");
    let days = fx.app.week.as_ref().expect("the week view is open");
    assert_eq!(days.len(), 5);
    assert_eq!(
        days.iter()
            .map(|d| d.date.unwrap().to_string())
            .collect::<Vec<_>>(),
        [
            "2026-11-30",
            "2026-12-01",
            "2026-12-02",
            "2026-12-03",
            "2026-12-04"
        ]
    );
    let screen = fx.screen(80, 24);
    for d in ["Mon 30 Nov", "Tue 1 Dec", "Fri 4 Dec"] {
        assert!(screen.contains(d), "{d}: {screen}");
    }
    fx.keys("ll");
    assert_eq!(fx.app.date.to_string(), "2026-12-03");
    // Thursday's count is its live bookings against its slots.
    let live = fx
        .store
        .day(fx.app.date)
        .unwrap()
        .iter()
        .filter(|b| b.status.is_live())
        .count();
    assert!(
        fx.screen(80, 24).contains(&format!("{live}/26 booked")),
        "{}",
        fx.screen(80, 24)
    );
    fx.keys("\n");
    assert!(fx.app.week.is_none());
    assert_eq!(fx.app.date.to_string(), "2026-12-03");
    // A change elsewhere reloads it too.
    fx.keys("w");
    assert!(fx.app.week.is_some());
    fx.keys("w");
    assert!(fx.app.week.is_none());
}

/// `p` writes the day sheet into the data folder.
#[test]
fn p_writes_the_day_sheet() {
    let mut fx = fixture("2026-12-01T09:45", "ja", false);
    fx.keys("]]p");
    let path = fx._dir.path().join("sheets/sheet-2026-12-03.html");
    let html = std::fs::read_to_string(&path).expect("the sheet is written");
    assert!(
        html.contains("佐藤 一郎") || html.contains("山田"),
        "full names"
    );
    assert!(
        status_of(&fx).contains("日程表を書きました"),
        "{}",
        status_of(&fx)
    );
}

#[test]
fn snapshot_80x24_week_ja() {
    let mut fx = fixture("2026-12-01T09:45", "ja", false);
    fx.keys("w");
    insta::assert_snapshot!(fx.screen(80, 24));
}

#[test]
fn snapshot_80x24_week_en_ascii() {
    let mut fx = fixture("2026-12-01T09:45", "en", true);
    fx.keys("w");
    insta::assert_snapshot!(fx.screen(80, 24));
}

#[test]
fn snapshot_80x24_block_prompt_ja() {
    let mut fx = fixture("2026-12-01T09:45", "ja", false);
    fx.keys("]]kkkkkkkkkkkkkjjlb\t");
    insta::assert_snapshot!(fx.screen(80, 24));
}

#[test]
fn snapshot_80x24_block_prompt_en_ascii() {
    let mut fx = fixture("2026-12-01T09:45", "en", true);
    fx.keys("]]kkkkkkkkkkkkkjjlb\t");
    insta::assert_snapshot!(fx.screen(80, 24));
}

#[test]
fn snapshot_80x24_late_and_moving_ja() {
    let mut fx = fixture("2026-12-03T10:06", "ja", false);
    fx.keys("M");
    insta::assert_snapshot!(fx.screen(80, 24));
}

#[test]
fn snapshot_80x24_late_and_moving_en_ascii() {
    let mut fx = fixture("2026-12-03T10:06", "en", true);
    fx.keys("M");
    insta::assert_snapshot!(fx.screen(80, 24));
}

/// A dashboard with no booking yet suggests sample data for a data folder
/// of its own, and never for a database shared by offices (which refuses it).
#[test]
fn an_empty_shared_database_suggests_import_not_sample_data() {
    for (url, wanted, never) in [
        ("", "soudan demo", "soudan import"),
        (
            "postgresql://soudan@/soudan?host=/run/postgresql",
            "soudan import",
            "soudan demo",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut env = env(dir.path(), "2026-12-01T09:45", "en");
        env.loaded.config.storage.url = url.to_string();
        let store = Store::open(dir.path(), "dashboard").unwrap();
        let mut app = App::new(
            env.lang,
            Theme::new(false),
            Arc::new(env.loaded.clone()),
            env.clock.local(),
        );
        dispatch(&env, &store, &mut app, Action::Tick(env.clock.local())).unwrap();
        let data = load_day(&store, app.date).unwrap();
        dispatch(&env, &store, &mut app, Action::Loaded(Box::new(data))).unwrap();
        assert!(app.data.empty_db);
        // Wide and short, as in the tmux check: the hint under the slots.
        let screen = common::screen_text(100, 30, |f| view::render(&app, f));
        assert!(screen.contains(wanted), "{url:?}: no {wanted:?}:\n{screen}");
        assert!(!screen.contains(never), "{url:?}: {never:?}:\n{screen}");
    }
}

/// A row's flags stand next to its status word: no run of them, in the
/// order they are shown, forms or contains a status word, in either
/// language (無 for past no-shows followed by 断 for a refusal read as 無断).
#[test]
fn no_run_of_flags_reads_as_a_status_word() {
    use soudan::i18n::{Lang, text};
    for lang in [Lang::Ja, Lang::En] {
        // The order of timeline.rs: no-shows, refused, interpreter,
        // caregiver, new terms, note.
        let flags: Vec<&str> = [
            "flag.no_show",
            "flag.refused",
            "flag.interpreter",
            "flag.caregiver",
            "flag.reconsent",
            "flag.note",
        ]
        .iter()
        .map(|k| text(lang, k))
        .collect();
        let mut words: Vec<String> = Status::ALL
            .iter()
            .map(|s| soudan::error::status_word(lang, *s))
            .collect();
        for key in [
            "late",
            "booked",
            "in_progress",
            "completed",
            "stopped",
            "cancelled",
            "no_show",
        ] {
            words.push(text(lang, &format!("status_short.{key}")).to_string());
        }
        let mut distinct = flags.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(
            distinct.len(),
            flags.len(),
            "{lang:?}: two flags share a mark"
        );
        for mask in 1u32..(1 << flags.len()) {
            let run: String = flags
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, f)| *f)
                .collect();
            for w in &words {
                assert!(
                    !run.contains(w.as_str()),
                    "{lang:?}: the flags {run:?} read as the status word {w:?}"
                );
            }
        }
    }
}

/// A change heard from elsewhere is said for the booking under the cursor:
/// the no-show rule's own marking as the rule's, a clerk's change at
/// another terminal as that.
#[test]
fn a_no_show_the_rule_made_is_not_said_to_come_from_another_terminal() {
    use soudan::server::client::Link;
    let mut fx = fixture("2026-12-03T10:05", "en", false);
    let r = fx
        .app
        .selected()
        .expect("the 10:00 booking under the cursor");
    assert_eq!(r.booking.status, Status::Booked);
    assert_eq!(r.booking.slot.start.to_string(), "10:00:00");
    let id = r.booking.id;
    // The rule, ten minutes past the start.
    let swept = no_show_rule_at_1015(&fx.store);
    assert!(swept.iter().any(|b| b.id == id));
    soudan::tui::reload(&fx.env, &Link::Local(&fx.store), &mut fx.app).unwrap();
    let said = status_of(&fx);
    assert!(said.contains("no-show rule"), "{said}");
    assert!(!said.contains("another terminal"), "{said}");
    // A clerk at another terminal corrects it: said as theirs.
    let ctx = ctx_at("2026-12-03T10:20", "clerk2", "counter-2");
    fx.store
        .apply(
            id,
            &Event::CorrectNoShow {
                reason: "本人から連絡".into(),
            },
            &ctx,
        )
        .unwrap();
    soudan::tui::reload(&fx.env, &Link::Local(&fx.store), &mut fx.app).unwrap();
    let said = status_of(&fx);
    assert!(said.contains("another terminal"), "{said}");
}

/// The audit browser names every action in words of the screen's
/// language, in a column as wide as its widest word, never running into
/// the id beside it (at 80x24, in both languages).
#[test]
fn the_audit_browser_says_every_action_in_words_that_fit() {
    for (lang, words) in [
        (
            "en",
            [
                "kiosk: wrong PIN",
                "kiosk: sent to counter",
                "time taken off",
                "refused: stats",
                "no-show corrected",
            ],
        ),
        (
            "ja",
            [
                "キオスク: PIN誤り",
                "キオスク: 窓口へ案内",
                "受付停止",
                "拒否: stats",
                "無断キャンセルを訂正",
            ],
        ),
    ] {
        let mut fx = fixture("2026-12-03T09:45", lang, false);
        let ctx = ctx_at("2026-12-03T09:40", "kiosk", "lobby");
        for action in ["kiosk.pin_wrong", "kiosk.refused_person", "refused.stats"] {
            fx.store.record(action, &ctx).unwrap();
        }
        let block = training(&ctx, "2026-12-04", "13:00", "14:00", None);
        fx.store.add_block(&block, &ctx).unwrap();
        // A no-show of the day, corrected: its label is the longest.
        let swept = no_show_rule_at_1015(&fx.store);
        let id = swept.first().expect("a no-show to correct").id;
        fx.store
            .apply(
                id,
                &Event::CorrectNoShow {
                    reason: "本人から連絡".into(),
                },
                &ctx,
            )
            .unwrap();
        fx.keys("A");
        assert_eq!(fx.app.mode, Mode::Audit);
        let screen = fx.screen(80, 24);
        for w in words {
            assert!(screen.contains(w), "{lang}: {w} missing:\n{screen}");
        }
        assert!(!screen.contains("kiosk.pin"), "{lang}: a raw id:\n{screen}");
        assert!(!screen.contains("refused."), "{lang}: a raw id:\n{screen}");
        // The corrected no-show's line: its words, then a space, then the id.
        let line = screen
            .lines()
            .find(|l| l.contains(id.as_str()) && l.contains(words[4]))
            .unwrap_or_else(|| panic!("{lang}: no line for {id}:\n{screen}"));
        let after = &line[line.find(words[4]).unwrap() + words[4].len()..];
        assert!(after.starts_with(' '), "{lang}: runs into the id: {line}");
    }
}

/// A hold on a slot whose booking was cancelled shows on the day as it
/// does on the week: the slot is being booked again at another terminal.
#[test]
fn a_hold_over_a_cancelled_booking_shows_on_the_day() {
    let mut fx = fixture("2026-12-01T09:45", "en", false);
    fx.keys("]]"); // Thu 12-03: booth 2 at 10:00 holds a cancelled booking only.
    let day = fx.app.data.date.unwrap();
    let cancelled = fx
        .app
        .data
        .rows
        .iter()
        .find(|r| r.booking.slot.start.to_string() == "10:00:00" && r.booking.slot.booth == 2)
        .expect("the cancelled booking of 10:00, booth 2");
    assert_eq!(cancelled.booking.status, Status::Cancelled);
    let line = |fx: &Fixture| {
        fx.screen(80, 24)
            .lines()
            .find(|l| l.contains("10:00"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(!line(&fx).contains("~ "), "{}", line(&fx));
    fx.app.data.holds.push(soudan::store::hold::Hold {
        date: day,
        time: chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
        booth: 2,
        account: "clerk2".into(),
        terminal: "counter-2".into(),
        until: day.and_hms_opt(10, 15, 0).unwrap(),
        holder: 0,
    });
    let l = line(&fx);
    assert!(l.contains("~ held by clerk2"), "{l}");
    assert!(!l.contains("cancel"), "{l}");
}

/// A field's error is shown whole at 80x24, wrapped, not cut mid-word
/// beside the field (in both languages).
#[test]
fn a_fields_error_is_shown_whole_at_80x24() {
    for (lang, whole) in [
        (
            "en",
            "five digits, a hyphen, one to eight digits, e.g. 46010-12345678",
        ),
        ("ja", "46010-12345678"),
    ] {
        let mut fx = fixture("2026-12-01T09:45", lang, false);
        fx.keys("]]n\n");
        assert_eq!(fx.step(), Some(Step::Seeker));
        fx.keys("12\n");
        assert_eq!(fx.step(), Some(Step::Seeker));
        let screen = fx.screen(80, 24);
        // The screen's text, borders and line ends taken away.
        let flat: String = screen
            .lines()
            .map(|l| l.trim_matches(|c| c == '│' || c == '|').trim())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(flat.contains(whole), "{lang}: not whole:\n{screen}");
        assert!(!screen.contains('…'), "{lang}: cut:\n{screen}");
    }
}

/// Ctrl-C over a reason being typed asks first: the typing stays, a
/// second Ctrl-C quits; over an empty prompt it quits at once.
#[test]
fn ctrl_c_over_typed_words_asks_before_quitting() {
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let press = |fx: &mut Fixture| {
        if let Some(a) = key_action(fx.app.mode, &ctrl_c) {
            dispatch(&fx.env, &fx.store, &mut fx.app, a).unwrap();
        }
    };
    let mut fx = fixture("2026-12-01T09:45", "en", false);
    fx.keys("]]kkkkkkkkkkkkkjj"); // Thu 12-03, 10:00, booth 1: a booking
    fx.keys("c");
    assert_eq!(fx.app.mode, Mode::Prompt);
    fx.keys("本人から電話");
    press(&mut fx);
    assert!(!fx.app.quit, "one Ctrl-C over typed words");
    assert_eq!(fx.app.mode, Mode::Prompt);
    assert_eq!(fx.app.prompt.as_ref().unwrap().input, "本人から電話");
    assert!(fx.screen(80, 24).contains("Ctrl-C again"));
    press(&mut fx);
    assert!(fx.app.quit, "the second quits");
    // Nothing typed: nothing to lose.
    let mut fx = fixture("2026-12-01T09:45", "en", false);
    fx.keys("]]kkkkkkkkkkkkkjjc");
    assert_eq!(fx.app.mode, Mode::Prompt);
    press(&mut fx);
    assert!(fx.app.quit);
}
