//! The staff dashboard: the day's consultations at a glance, every action in
//! a few keys.
//!
//! The loop blocks on the next key or the next deadline (the clock's minute,
//! the next no-show): no polling tick, no redraw without a change. Ratatui's
//! buffer diff then writes only the cells that changed. The dashboard holds
//! the database while it runs; the terminal is restored on every exit path.

pub mod app;
pub mod keymap;
pub mod kiosk;
pub mod kiosk_loop;
pub mod theme;
pub mod view;
pub mod wizard;

use std::io;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{NaiveDateTime, Timelike};
use ratatui::crossterm::event::{self, Event as TermEvent, KeyEventKind};

use crate::desk::Env;
pub use crate::desk::views::{load_day, lookup_seeker, search};
use crate::error::Error;
use crate::store::{OpError, Store, StoreError};
use crate::tr;
use app::{Action, App, Effect};
use keymap::Mode;
use theme::Theme;

/// The kiosk's marks for a free and a full slot.
pub fn kiosk_symbols(ascii: bool) -> [&'static str; 2] {
    if ascii { ["o", "x"] } else { ["◦", "✕"] }
}

/// The action of a key in `mode`: its command, or a character typed into a prompt.
pub fn key_action(mode: Mode, key: &event::KeyEvent) -> Option<Action> {
    if matches!(
        mode,
        Mode::WizardForm
            | Mode::WizardChoice
            | Mode::WizardTerms
            | Mode::WizardReview
            | Mode::WizardDone
            | Mode::WizardAbandon
    ) {
        return Some(Action::WizardKey(*key));
    }
    match keymap::resolve(mode, key) {
        Some(c) => Some(Action::Key(c)),
        None => match (mode, key.code) {
            (Mode::Prompt, event::KeyCode::Char(c)) => Some(Action::Char(c)),
            _ => None,
        },
    }
}

/// Carries out an effect: one call to the desk each, and its answer put
/// into words as an action. No rule, consent, mail or statistics here.
fn perform(env: &Env, store: &Store, effect: Effect) -> Result<Option<Action>, StoreError> {
    let lang = env.lang;
    let message = |r: Result<String, OpError>| match r {
        Ok(m) => Ok(Some(Action::Done(Ok(m)))),
        Err(OpError::Store(e)) => Err(e),
        Err(e) => Ok(Some(Action::Done(Err(Error::from(e).message(lang))))),
    };
    let booked = |b: &crate::domain::booking::Booking, booth: bool, mail: String| {
        let mut when = format!(
            "{} {}-{}",
            crate::i18n::long_date(lang, b.slot.date),
            b.slot.start.format("%H:%M"),
            b.slot.end.format("%H:%M"),
        );
        if booth {
            when.push(' ');
            when.push_str(&tr!(lang, "day.booth_n", booth = b.slot.booth));
        }
        Action::Booked(Ok(wizard::Booked {
            id: b.id,
            when,
            url: b.meeting_url.clone(),
            mail,
        }))
    };
    match effect {
        Effect::Load(date) => {
            let mut data = load_day(store, date)?;
            if !env.loaded.config.mail.smtp_host.is_empty() {
                data.mail_queued =
                    crate::mail::queued(&crate::mail::outbox(&env.loaded, &env.data_dir)).len();
            }
            Ok(Some(Action::Loaded(Box::new(data))))
        }
        Effect::Apply { id, event } => {
            let cancel = matches!(event, crate::domain::booking::Event::Cancel { .. });
            match crate::desk::ops::change(env, store, id, &event, None) {
                Ok(b) => {
                    let mut msg = crate::desk::changed_line(lang, &b);
                    if cancel {
                        let note = crate::desk::mail::after_change(
                            env,
                            store,
                            b.id,
                            crate::store::MailKind::Cancellation,
                        )?;
                        msg.push(' ');
                        msg.push_str(&mail_note_line(lang, &note));
                    }
                    Ok(Some(Action::Done(Ok(msg))))
                }
                Err(Error::Store(e)) => Err(e),
                Err(e) => Ok(Some(Action::Done(Err(e.message(lang))))),
            }
        }
        Effect::Refuse { seeker, reason } => {
            message(store.refuse(&seeker, &reason, &env.ctx(None)).map(|r| {
                tr!(
                    lang,
                    "refuse.done",
                    number = seeker,
                    since = r.since.format("%Y-%m-%d %H:%M")
                )
            }))
        }
        Effect::Unrefuse { seeker, reason } => message(
            store
                .unrefuse(&seeker, &reason, &env.ctx(None))
                .map(|_| tr!(lang, "unrefuse.done", number = seeker)),
        ),
        Effect::Search(q) => Ok(Some(Action::Found(search(store, &q)?))),
        Effect::Lookup(number, date) => Ok(Some(Action::LookedUp(Box::new(lookup_seeker(
            store, number, date,
        )?)))),
        Effect::Book(req) => match crate::desk::place(env, store, &req) {
            Ok(b) => {
                let note = crate::desk::mail::after_change(
                    env,
                    store,
                    b.id,
                    crate::store::MailKind::Confirmation,
                )?;
                Ok(Some(booked(&b, true, mail_note_line(lang, &note))))
            }
            Err(Error::Store(e)) => Err(e),
            Err(e) => Ok(Some(Action::Booked(Err(e.message(lang))))),
        },
        Effect::Sweep => {
            let swept = crate::desk::ops::sweep(env, store)?;
            Ok(Some(Action::Swept(swept.len())))
        }
        Effect::Reconsent(id, documents) => {
            match crate::desk::ops::reconsent(env, store, id, documents) {
                Ok((b, version)) => {
                    let mail = tr!(lang, "reconsent.done", id = b.id, version = version);
                    Ok(Some(booked(&b, false, mail)))
                }
                Err(Error::Store(e)) => Err(e),
                Err(e) => Ok(Some(Action::Booked(Err(e.message(lang))))),
            }
        }
        Effect::Stats(first) => {
            let (month, weeks) = crate::desk::ops::month_stats(env, store, first)?;
            Ok(Some(Action::StatsLoaded(Box::new(app::StatsView {
                month,
                weeks,
            }))))
        }
        Effect::Audit {
            day,
            booking,
            action,
        } => Ok(Some(Action::AuditLoaded(
            crate::desk::ops::audit_newest_first(store, day, booking, action)?,
        ))),
        Effect::Resend(id) => match crate::desk::mail::resend(env, store, id)? {
            None => Ok(Some(Action::Done(Err(Error::NotFound(id).message(lang))))),
            Some(crate::desk::mail::Resent { delivery, email }) => {
                let line = match delivery {
                    Ok(d) => match d.sent {
                        Some(r) if r.error.is_some() => {
                            tr!(lang, "wizard.mail_queued", path = d.path.display())
                        }
                        Some(_) => tr!(lang, "wizard.mail_sent", email = email),
                        None => tr!(lang, "wizard.mail_written", path = d.path.display()),
                    },
                    Err(e) => tr!(lang, "mail.failed", error = e.0),
                };
                Ok(Some(Action::Done(Ok(line))))
            }
        },
    }
}

/// Where the mail about a change went, in one line.
fn mail_note_line(lang: crate::i18n::Lang, note: &crate::desk::mail::Note) -> String {
    use crate::desk::mail::Note;
    match note {
        Note::Written { path, relay: false } => {
            tr!(lang, "wizard.mail_written", path = path.display())
        }
        Note::Written { path, relay: true } => {
            tr!(lang, "wizard.mail_queued", path = path.display())
        }
        Note::Waiting(e) => tr!(lang, "mail.failed", error = crate::i18n::safe(e)),
    }
}

/// Runs `action` and every effect it leads to.
pub fn dispatch(env: &Env, store: &Store, app: &mut App, action: Action) -> Result<(), StoreError> {
    let mut next = Some(action);
    while let Some(action) = next.take() {
        if let Some(effect) = app::update(app, action) {
            next = perform(env, store, effect)?;
        }
    }
    Ok(())
}

/// How long until the next thing the screen must show by itself: the next
/// minute of the clock, or the next no-show.
fn until_next_deadline(now: NaiveDateTime, next_no_show: Option<NaiveDateTime>) -> StdDuration {
    let into_minute = StdDuration::from_secs(u64::from(now.second()))
        + StdDuration::from_nanos(u64::from(now.nanosecond() % 1_000_000_000));
    let to_minute = StdDuration::from_secs(60).saturating_sub(into_minute);
    match next_no_show {
        Some(at) => to_minute.min((at - now).to_std().unwrap_or(StdDuration::ZERO)),
        None => to_minute,
    }
}

pub(crate) fn theme(env: &Env) -> Theme {
    let term = std::env::var("TERM").ok();
    let locale = ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()));
    Theme::new(env.ascii || Theme::ascii_by_default(term.as_deref(), locale.as_deref()))
}

/// Opens the dashboard on the terminal.
pub fn run(env: &Env) -> Result<(), Error> {
    let store = env.store("dashboard")?;
    let loaded = Arc::new(env.loaded.clone());
    let mut app = App::new(env.lang, theme(env), loaded, env.clock.local());
    dispatch(env, &store, &mut app, Action::Tick(env.clock.local()))?;
    let first = load_day(&store, app.date)?;
    dispatch(env, &store, &mut app, Action::Loaded(Box::new(first)))?;
    if app.data.empty_db && app.status.is_none() {
        app.status = Some(app::StatusLine {
            tone: app::Tone::Info,
            text: tr!(env.lang, "dash.empty_hint"),
        });
    }
    // The Linux console has no Japanese font: say so in words it can show.
    if env.lang == crate::i18n::Lang::Ja && kiosk_loop::no_japanese_font() {
        app.status = Some(app::StatusLine {
            tone: app::Tone::Info,
            text: tr!(crate::i18n::Lang::En, "dash.font_hint"),
        });
    }

    let mut terminal = ratatui::try_init().map_err(|e| Error::Internal(e.to_string()))?;
    // crossterm starts listening for resizes (SIGWINCH) on its first poll: do
    // that before the first frame, or a resize right after it is lost.
    let _ = event::poll(StdDuration::ZERO);
    if let Ok(size) = terminal.size() {
        app.size = (size.width, size.height);
    }
    // ratatui's hook restores the terminal on a panic; a panic that the store
    // contains (a damaged file) must not, so the store's filter goes outside it.
    crate::store::wrap_panic_hook();
    let result = event_loop(env, &store, &mut app, &mut terminal);
    ratatui::restore();
    result
}

fn event_loop(
    env: &Env,
    store: &Store,
    app: &mut App,
    terminal: &mut ratatui::DefaultTerminal,
) -> Result<(), Error> {
    let io_err = |e: io::Error| Error::Internal(e.to_string());
    let mut dirty = true;
    while !app.quit {
        if dirty {
            terminal.draw(|f| view::render(app, f)).map_err(io_err)?;
            dirty = false;
        }
        let now = env.clock.local();
        let wait = until_next_deadline(now, store.next_no_show(env.loaded.office.rules.grace())?);
        if event::poll(wait).map_err(io_err)? {
            match event::read().map_err(io_err)? {
                TermEvent::Key(key) if key.kind != KeyEventKind::Release => {
                    if let Some(a) = key_action(app.mode, &key) {
                        dispatch(env, store, app, a)?;
                        dirty = true;
                    }
                }
                TermEvent::Paste(text) if app.mode == Mode::Prompt => {
                    for c in text.chars() {
                        dispatch(env, store, app, Action::Char(c))?;
                    }
                    dirty = true;
                }
                TermEvent::Resize(w, h) => {
                    dispatch(env, store, app, Action::Resize(w, h))?;
                    dirty = true;
                }
                _ => {}
            }
        } else {
            dispatch(env, store, app, Action::Tick(env.clock.local()))?;
            dirty = true;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap()
    }

    #[test]
    fn waits_for_the_minute_or_the_next_no_show() {
        assert_eq!(
            until_next_deadline(t("2026-12-03T10:00:00"), None),
            StdDuration::from_secs(60)
        );
        assert_eq!(
            until_next_deadline(t("2026-12-03T10:00:45"), None),
            StdDuration::from_secs(15)
        );
        assert_eq!(
            until_next_deadline(t("2026-12-03T10:09:45"), Some(t("2026-12-03T10:10:00"))),
            StdDuration::from_secs(15)
        );
        assert_eq!(
            until_next_deadline(t("2026-12-03T10:09:00"), Some(t("2026-12-03T10:09:20"))),
            StdDuration::from_secs(20)
        );
        assert_eq!(
            until_next_deadline(t("2026-12-03T10:11:00"), Some(t("2026-12-03T10:10:00"))),
            StdDuration::ZERO
        );
    }
}
