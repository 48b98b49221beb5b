//! The kiosk's event loop and its effects against the store. The store's
//! answers are cut down here to what the kiosk may show: free-or-full flags
//! and "go on" or "ask at the counter".

use std::io;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::crossterm::event::{self, Event as TermEvent, KeyEventKind};

use super::kiosk::{Kiosk, KioskAction, KioskEffect, update};
use crate::desk::Env;
use crate::domain::office::Office;
use crate::error::Error;
use crate::server::client::Link;
use crate::store::{Engine, StoreError};
use crate::tr;

pub use crate::desk::views::free_days;

fn perform(
    env: &Env,
    link: &Link<'_>,
    k: &Kiosk,
    effect: KioskEffect,
) -> Result<Option<KioskAction>, StoreError> {
    use crate::desk::request::{Request as Q, Response as R};
    let lang = k.lang;
    // A database that cannot be used in-process is the loop's to survive;
    // anything the desk or the server refuses is said in words that name
    // no one else.
    let ask = |req: Q| -> Result<Result<R, Error>, StoreError> {
        match link.call(env, req) {
            Err(Error::Store(e)) => Err(e),
            other => Ok(other),
        }
    };
    match effect {
        KioskEffect::LoadFree => match ask(Q::KioskFree)? {
            Ok(R::Free(days)) => Ok(Some(KioskAction::Free(days))),
            Ok(_) | Err(_) => Ok(Some(KioskAction::Free(Vec::new()))),
        },
        KioskEffect::Lookup { number, date, name } => {
            let info = match ask(Q::KioskCheck { number, date, name })? {
                Ok(R::LookedUp(info)) => *info,
                // Nothing known: the counter decides.
                _ => crate::desk::views::SeekerInfo {
                    kiosk_block: true,
                    ..Default::default()
                },
            };
            Ok(Some(KioskAction::LookedUp(Box::new(info))))
        }
        KioskEffect::Book(req) => match ask(Q::KioskBook(req))? {
            Ok(R::Booked { booking: b, mail }) => {
                let mail = match mail {
                    crate::desk::mail::Note::Written { .. } => tr!(lang, "kiosk.mail_on_its_way"),
                    crate::desk::mail::Note::Waiting(_) => tr!(lang, "kiosk.mail_at_counter"),
                };
                let when = format!(
                    "{} {}-{}",
                    crate::i18n::long_date(lang, b.slot.date),
                    b.slot.start.format("%H:%M"),
                    b.slot.end.format("%H:%M"),
                );
                Ok(Some(KioskAction::Booked(Ok(super::wizard::Booked {
                    id: b.id,
                    when,
                    url: b.meeting_url.clone(),
                    mail,
                }))))
            }
            // The server's words are the kiosk's own (one answer about a
            // person, the pace of bookings); in-process, one line for all.
            Err(Error::Remote { message, .. }) => Ok(Some(KioskAction::Booked(Err(message)))),
            _ => Ok(Some(KioskAction::Booked(Err(tr!(
                lang,
                "kiosk.not_booked"
            ))))),
        },
        KioskEffect::CheckPin(typed) => {
            let ok = matches!(ask(Q::PinCheck { typed })?, Ok(R::Pin(true)));
            Ok(Some(KioskAction::PinChecked(ok)))
        }
        // Through a server, the server records a wrong PIN itself.
        KioskEffect::PinWrong if matches!(link, Link::Remote(_) | Link::Down(_)) => Ok(None),
        KioskEffect::PinWrong => {
            let _ = ask(Q::KioskRecord {
                action: "kiosk.pin_wrong".into(),
            })?;
            Ok(None)
        }
        KioskEffect::Leave => {
            let _ = ask(Q::KioskRecord {
                action: "kiosk.leave".into(),
            })?;
            Ok(None)
        }
    }
}

/// Runs `action` and every effect it leads to.
pub fn dispatch(
    env: &Env,
    store: &dyn Engine,
    k: &mut Kiosk,
    action: KioskAction,
) -> Result<(), StoreError> {
    dispatch_on(env, &Link::Local(store), k, action)
}

/// [`dispatch`] through `link`: in-process or through the office's server.
pub fn dispatch_on(
    env: &Env,
    link: &Link<'_>,
    k: &mut Kiosk,
    action: KioskAction,
) -> Result<(), StoreError> {
    let mut next = Some(action);
    while let Some(action) = next.take() {
        if let Some(effect) = update(k, action) {
            let leave = matches!(effect, KioskEffect::Leave);
            next = perform(env, link, k, effect)?;
            if leave {
                k.quit = true;
            }
        }
    }
    Ok(())
}

/// Whether the console most likely has no Japanese font.
pub fn no_japanese_font() -> bool {
    std::env::var("TERM").is_ok_and(|t| t == "linux")
}

/// Opens the kiosk on the terminal.
pub fn run(env: &Env, idle: Option<u32>) -> Result<(), Error> {
    let mut loaded = env.loaded.clone();
    // The PIN's hash is checked where the database is: an office's server
    // (given) holds its own; otherwise it is this configuration's, which a
    // server started here shares.
    if env.server.is_none() && loaded.config.kiosk.pin_hash.is_empty() {
        return Err(Error::Config(crate::config::ConfigError {
            path: env.config_path.clone(),
            field: "kiosk.pin_hash".into(),
            detail: tr!(env.lang, "kiosk.no_pin"),
            invalid: None,
        }));
    }
    if let Some(s) = idle {
        loaded.config.kiosk.idle_seconds = s;
    }
    let socket = crate::server::client::server_for_screen(env);
    let (tx, rx) = std::sync::mpsc::channel::<super::LoopEvent>();
    let mut followed = None;
    let backend = match &socket {
        Some(s) => {
            let client = super::connect(env, s, &tx)?;
            followed = crate::server::client::agree(env, &client.welcome, s)?;
            Backend::Remote(Box::new(client))
        }
        None => Backend::Local(env.store("kiosk")?),
    };
    let env = followed.as_ref().unwrap_or(env);
    let mut k = Kiosk::new(
        env.lang,
        super::theme(env),
        Arc::new(loaded),
        env.clock.local(),
    );
    k.font_hint = env.lang == crate::i18n::Lang::Ja && no_japanese_font();
    // Raw mode already turns these keys into input; a signal sent some
    // other way must not end or stop the kiosk either.
    // SAFETY: setting the disposition of these signals to "ignore".
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
        libc::signal(libc::SIGQUIT, libc::SIG_IGN);
        libc::signal(libc::SIGTSTP, libc::SIG_IGN);
    }
    let mut terminal = ratatui::try_init().map_err(|e| Error::Internal(e.to_string()))?;
    let _ = event::poll(StdDuration::ZERO);
    if let Ok(size) = terminal.size() {
        k.size = (size.width, size.height);
    }
    crate::store::wrap_panic_hook();
    let result = match (backend, &socket) {
        (Backend::Local(store), _) => event_loop(env, &*store, &mut k, &mut terminal),
        (Backend::Remote(client), Some(socket)) => {
            remote_loop(env, socket, *client, tx, rx, &mut k, &mut terminal)
        }
        (Backend::Remote(_), None) => Err(Error::Internal("a client without a socket".into())),
    };
    ratatui::restore();
    result
}

enum Backend {
    Local(Box<dyn Engine>),
    Remote(Box<crate::server::client::Client>),
}

/// The kiosk as a client of the office's server: the free slots follow
/// every change made elsewhere; a lost server sends the person to the
/// counter and the kiosk reconnects by itself.
fn remote_loop(
    env: &Env,
    socket: &std::path::Path,
    client: crate::server::client::Client,
    tx: std::sync::mpsc::Sender<super::LoopEvent>,
    rx: std::sync::mpsc::Receiver<super::LoopEvent>,
    k: &mut Kiosk,
    terminal: &mut ratatui::DefaultTerminal,
) -> Result<(), Error> {
    use super::LoopEvent as L;
    use crate::server::client::Notice;
    use std::sync::mpsc::RecvTimeoutError;
    let io_err = |e: io::Error| Error::Internal(e.to_string());
    super::spawn_terminal_reader(&tx)?;
    // False from the moment the server is lost until it answers again.
    let mut up = true;
    let mut hold = super::HoldState::default();
    let reload = |k: &mut Kiosk, link: &Link<'_>| -> Result<(), StoreError> {
        if k.screen == super::kiosk::Screen::Slots
            && let Some(a) = perform(env, link, k, KioskEffect::LoadFree)?
        {
            dispatch_on(env, link, k, a)?;
        }
        Ok(())
    };
    let mut dirty = true;
    while !k.quit {
        if dirty {
            terminal
                .draw(|f| super::view::kiosk::render(k, f))
                .map_err(io_err)?;
            dirty = false;
        }
        k.now = env.clock.local();
        let link = if up {
            Link::Remote(&client)
        } else {
            Link::Down(socket)
        };
        let mut wait = k.next_wake();
        if !up {
            wait = wait.min(StdDuration::from_secs(2));
        }
        match rx.recv_timeout(wait) {
            Ok(L::Term(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
                k.now = env.clock.local();
                let was = k.mode();
                let r = dispatch_on(env, &link, k, KioskAction::Key(key));
                survive(k, r);
                let want = super::wizard_slot(k.wizard.as_ref());
                if super::sync_hold(env, &link, want, &mut hold).is_some() {
                    // Someone else is booking it: to the kiosk, it is full.
                    k.refuse_wizard();
                    let r = reload(k, &link);
                    survive(k, r);
                }
                if k.mode() != was && k.mode() == super::keymap::Mode::KioskDone {
                    // Keys pressed while the booking was made are dropped.
                    while let Ok(ev) = rx.try_recv() {
                        if let L::Server(Notice::Lost(_)) = ev {
                            up = false;
                        }
                    }
                }
                dirty = true;
            }
            Ok(L::Term(TermEvent::Resize(w, h))) => {
                let r = dispatch_on(env, &link, k, KioskAction::Resize(w, h));
                survive(k, r);
                dirty = true;
            }
            Ok(L::Term(_)) => {}
            Ok(L::Server(Notice::Changed(_))) => {
                let r = reload(k, &link);
                survive(k, r);
                dirty = true;
            }
            Ok(L::Server(Notice::Lost(_))) => {
                up = false;
                hold = super::HoldState::default();
                k.reset();
                k.message = Some(tr!(k.lang, "kiosk.not_booked"));
                dirty = true;
            }
            Err(RecvTimeoutError::Timeout) if !up => {
                if client.reconnect().is_ok() {
                    up = true;
                    k.message = None;
                    dirty = true;
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                let r = dispatch_on(env, &link, k, KioskAction::Tick(env.clock.local()));
                survive(k, r);
                dirty = true;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    Ok(())
}

fn event_loop(
    env: &Env,
    store: &dyn Engine,
    k: &mut Kiosk,
    terminal: &mut ratatui::DefaultTerminal,
) -> Result<(), Error> {
    let io_err = |e: io::Error| Error::Internal(e.to_string());
    let mut dirty = true;
    while !k.quit {
        if dirty {
            terminal
                .draw(|f| super::view::kiosk::render(k, f))
                .map_err(io_err)?;
            dirty = false;
        }
        k.now = env.clock.local();
        if event::poll(k.next_wake()).map_err(io_err)? {
            match event::read().map_err(io_err)? {
                TermEvent::Key(key) if key.kind != KeyEventKind::Release => {
                    k.now = env.clock.local();
                    let was = k.mode();
                    let r = dispatch(env, store, k, KioskAction::Key(key));
                    survive(k, r);
                    // Keys pressed while the booking was being made (a second
                    // Enter) must not end the screen that tells its outcome.
                    if k.mode() != was && k.mode() == super::keymap::Mode::KioskDone {
                        while event::poll(StdDuration::ZERO).map_err(io_err)? {
                            let _ = event::read().map_err(io_err)?;
                        }
                    }
                    dirty = true;
                }
                TermEvent::Resize(w, h) => {
                    let r = dispatch(env, store, k, KioskAction::Resize(w, h));
                    survive(k, r);
                    dirty = true;
                }
                _ => {}
            }
        } else {
            let r = dispatch(env, store, k, KioskAction::Tick(env.clock.local()));
            survive(k, r);
            dirty = true;
        }
    }
    Ok(())
}

/// No store error ends the kiosk (leaving it needs the staff PIN): the
/// person is sent to the counter, everything of theirs is cleared, and the
/// kiosk stays on its welcome screen.
fn survive(k: &mut Kiosk, result: Result<(), StoreError>) {
    if result.is_err() {
        k.reset();
        k.message = Some(tr!(k.lang, "kiosk.not_booked"));
    }
}

/// The date the kiosk's slots start from, for tests and benchmarks.
pub fn first_day(office: &Office, now: NaiveDateTime) -> Option<NaiveDate> {
    office
        .calendar
        .first_bookable(now.date(), office.rules.deadline_open_days)
}
