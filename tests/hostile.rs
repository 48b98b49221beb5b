//! Hostile input: every parser takes arbitrary text (or bytes) without a
//! panic, and what it accepts never carries a control, format or bidi
//! character; nor does anything soudan draws, whatever was typed.

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use soudan::domain::seeker::{
    Email, JobSeekerNumber, Kana, PersonName, Phone, free_text, is_forbidden_char,
};

/// Text that leans on the characters that make trouble.
fn nasty() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("\u{1b}[31m".to_string()),
        Just("\u{1b}]0;title\u{7}".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{2066}".to_string()),
        Just("\u{200b}".to_string()),
        Just("\u{feff}".to_string()),
        Just("\r\n".to_string()),
        Just("\t".to_string()),
        Just("\u{0}".to_string()),
        Just("\u{85}".to_string()),
        Just("\u{9b}".to_string()),
        Just("\u{2028}".to_string()),
        Just("\u{e000}".to_string()),
        Just("山田".to_string()),
        Just("ヤマダ".to_string()),
        Just("４６０１０－１２３".to_string()),
        Just("46010-123".to_string()),
        Just("@example.jp".to_string()),
        Just("099-250-6060".to_string()),
        Just(" ".to_string()),
        Just("　".to_string()),
        Just("é".to_string()),
        Just("e\u{301}".to_string()),
        Just("👩‍👩‍👧".to_string()),
        any::<String>(),
    ];
    prop::collection::vec(pieces, 0..8).prop_map(|v| v.concat())
}

fn clean(s: &str) -> bool {
    !s.chars().any(is_forbidden_char)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsers_never_panic_and_accept_only_clean_text(s in nasty()) {
        if let Ok(n) = JobSeekerNumber::parse(&s) { prop_assert!(clean(n.as_str()) && n.as_str().is_ascii()); }
        if let Ok(n) = PersonName::parse(&s) { prop_assert!(clean(n.as_str()) && clean(&n.masked())); }
        if let Ok(k) = Kana::parse(&s) { prop_assert!(clean(k.as_str())); }
        if let Ok(e) = Email::parse(&s) { prop_assert!(clean(e.as_str())); }
        if let Ok(p) = Phone::parse(&s) { prop_assert!(clean(p.as_str())); }
        if let Ok(t) = free_text("reason", &s, 200) { prop_assert!(clean(&t)); }
        let _ = soudan::cli::parse_date("date", &s);
        let _ = soudan::cli::parse_time("time", &s);
        let _ = soudan::domain::booking::BookingId::parse(&s);
        let _ = soudan::clock::Clock::parse_start(chrono_tz::Asia::Tokyo, &s);
        let _ = soudan::i18n::Lang::parse(&s);
        prop_assert!(clean(&soudan::i18n::safe(&s)));
    }

    #[test]
    fn the_configuration_parser_never_panics(s in nasty(), cut in 0usize..6000, flip in any::<u8>()) {
        let _ = soudan::config::Config::parse(&s, None);
        // The real configuration, cut or with one byte changed.
        let base = soudan::config::BUILTIN.as_bytes();
        let mut b = base[..cut.min(base.len())].to_vec();
        if let Some(x) = b.last_mut() { *x ^= flip; }
        if let Ok(text) = std::str::from_utf8(&b) {
            let _ = soudan::config::Config::parse(text, None);
        }
    }

    #[test]
    fn the_backup_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2000), s in nasty()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        std::fs::write(&p, &bytes).unwrap();
        let _ = soudan::cli::backup::read_backup(&p);
        let doc = serde_json::json!({
            "format": "soudan-backup", "version": 1, "schema": 1, "office": "46010",
            "seekers": [{"number": s, "name": s, "kana": null, "email": s, "phone": null, "registered_on": null}],
            "bookings": [], "refusals": [], "audit": []
        })
        .to_string();
        std::fs::write(&p, doc).unwrap();
        if let Ok(f) = soudan::cli::backup::read_backup(&p) {
            for seeker in f.seekers {
                prop_assert!(clean(seeker.name.as_str()) && clean(seeker.email.as_str()));
            }
        }
    }
}

/// Whatever is typed into the dashboard's prompts and the wizard's fields,
/// no cell of the screen holds a control, format or bidi character.
#[test]
fn nothing_typed_reaches_the_screen_raw() {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use soudan::tui::app::{Action, App};
    use soudan::tui::wizard::{SEEKER_FIELDS, Step};
    let loaded = std::sync::Arc::new(soudan::config::Config::builtin());
    let now = chrono::NaiveDateTime::parse_from_str("2026-12-01T09:00", "%Y-%m-%dT%H:%M").unwrap();
    let hostile = "\u{1b}[2J\u{202e}evil\u{7}\u{9b}31m\u{200b}\r\n\t\u{0}名前\u{2066}";
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut fields_scanned = 0;
    for round in 0..64 {
        let extra = nasty().new_tree(&mut runner).unwrap().current();
        let typed = format!("{hostile}{extra}");
        for ascii in [false, true] {
            let mut app = App::new(
                soudan::i18n::Lang::Ja,
                soudan::tui::theme::Theme::new(ascii),
                loaded.clone(),
                now,
            );
            // The search prompt.
            soudan::tui::app::update(&mut app, Action::Key(soudan::tui::keymap::Command::Search));
            for c in typed.chars() {
                soudan::tui::app::update(&mut app, Action::Char(c));
            }
            scan(&app, &format!("search prompt, round {round}"));
            // The wizard's job seeker fields, each in turn, on a slot far
            // enough ahead that the slot step lets the wizard go on.
            let mut app = App::new(
                soudan::i18n::Lang::En,
                soudan::tui::theme::Theme::new(ascii),
                loaded.clone(),
                now,
            );
            app.date = chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
            soudan::tui::app::update(&mut app, Action::Key(soudan::tui::keymap::Command::New));
            let w = app
                .wizard
                .as_ref()
                .expect("the wizard opens on a free slot");
            assert_eq!(w.step, Step::Slot);
            let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
            soudan::tui::app::update(&mut app, Action::WizardKey(enter));
            let w = app.wizard.as_ref().expect("the wizard stays open");
            assert_eq!(w.step, Step::Seeker, "the slot step did not let it go on");
            for (field, name) in SEEKER_FIELDS.iter().enumerate() {
                assert_eq!(app.wizard.as_ref().unwrap().focus, field);
                for c in typed.chars() {
                    let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
                    soudan::tui::app::update(&mut app, Action::WizardKey(key));
                }
                let w = app.wizard.as_ref().expect("the wizard stays open");
                assert_eq!(w.step, Step::Seeker, "typing left the job seeker step");
                assert!(
                    w.value(field).contains("evil"),
                    "the text did not land in {name}: {:?}",
                    w.value(field)
                );
                scan(&app, &format!("wizard field {name}, round {round}"));
                let tab = KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE);
                soudan::tui::app::update(&mut app, Action::WizardKey(tab));
            }
            fields_scanned += SEEKER_FIELDS.len();
        }
    }
    assert_eq!(fields_scanned, 64 * 2 * SEEKER_FIELDS.len());
}

fn scan(app: &soudan::tui::app::App, what: &str) {
    for (w, h) in [(100, 30), (80, 24)] {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| soudan::tui::view::render(app, f)).unwrap();
        let buf = t.backend().buffer();
        for cell in buf.content() {
            assert!(
                clean(cell.symbol()),
                "{what} at {w}x{h}: a cell holds {:?}",
                cell.symbol()
            );
        }
    }
}
