//! The kiosk's event loop and its effects against the store. The store's
//! answers are cut down here to what the kiosk may show: free-or-full flags
//! and "go on" or "ask at the counter".

use std::io;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use ratatui::crossterm::event::{self, Event as TermEvent, KeyEventKind};

use super::kiosk::{DAYS, FreeDay, FreeSlot, Kiosk, KioskAction, KioskEffect, update};
use crate::desk::Env;
use crate::domain::office::Office;
use crate::error::Error;
use crate::store::{Ctx, OpError, Store, StoreError};
use crate::tr;

/// The free slots of the next `DAYS` bookable days after `now`: for each
/// slot time the first booth without a live booking, or none.
pub fn free_days(
    store: &Store,
    office: &Office,
    now: NaiveDateTime,
) -> Result<Vec<FreeDay>, StoreError> {
    let mut out = Vec::new();
    let Some(mut day) = office
        .calendar
        .first_bookable(now.date(), office.rules.deadline_open_days)
    else {
        return Ok(out);
    };
    let mut tries = 0;
    while out.len() < DAYS && tries < 60 {
        tries += 1;
        let slots = office.slots_of(day);
        if !slots.is_empty() {
            let taken: Vec<_> = store
                .day(day)?
                .into_iter()
                .filter(|b| b.status.is_live())
                .map(|b| (b.slot.start, b.slot.booth))
                .collect();
            let mut free: Vec<FreeSlot> = Vec::new();
            for s in slots {
                let open = !taken.contains(&(s.start, s.booth));
                match free.iter_mut().find(|f| f.time == s.start) {
                    Some(f) if f.booth.is_none() && open => f.booth = Some(s.booth),
                    Some(_) => {}
                    None => free.push(FreeSlot {
                        time: s.start,
                        booth: open.then_some(s.booth),
                    }),
                }
            }
            out.push(FreeDay {
                date: day,
                slots: free,
            });
        }
        day = match day.succ_opt() {
            Some(d) if d.year() <= 9999 => d,
            _ => break,
        };
    }
    Ok(out)
}

fn perform(
    env: &Env,
    store: &Store,
    k: &Kiosk,
    effect: KioskEffect,
) -> Result<Option<KioskAction>, StoreError> {
    let lang = k.lang;
    let ctx = |channel| Ctx {
        at: env.clock.now(),
        actor: env.actor.clone(),
        channel,
    };
    match effect {
        KioskEffect::LoadFree => Ok(Some(KioskAction::Free(free_days(
            store,
            &env.loaded.office,
            env.clock.local(),
        )?))),
        KioskEffect::Lookup { number, date, name } => {
            let info = super::lookup_seeker(store, number, date)?.for_kiosk(&name);
            Ok(Some(KioskAction::LookedUp(Box::new(info))))
        }
        KioskEffect::Book(req) => match crate::desk::place(env, store, &req) {
            Ok(b) => {
                // The mail was queued with the booking, to the address on
                // record; it is written now and sent beside the screen.
                let drained = crate::desk::mail::write_queued(store, &env.loaded, &env.data_dir)?;
                let mail = match drained.path_of(b.id, crate::store::MailKind::Confirmation) {
                    Some(_) => tr!(lang, "kiosk.mail_on_its_way"),
                    None => tr!(lang, "kiosk.mail_at_counter"),
                };
                crate::desk::mail::send_in_background(&env.loaded, &env.data_dir);
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
            Err(Error::Store(e)) => Err(e),
            // The slot was taken meanwhile, or a rule refused it: said in
            // words that name no one else.
            Err(_) => Ok(Some(KioskAction::Booked(Err(tr!(
                lang,
                "kiosk.not_booked"
            ))))),
        },
        KioskEffect::CheckPin(typed) => Ok(Some(KioskAction::PinChecked(crate::pin::verify(
            &typed,
            &env.loaded.config.kiosk.pin_hash,
        )))),
        KioskEffect::PinWrong => {
            record(store, "kiosk.pin_wrong", &ctx(None))?;
            Ok(None)
        }
        KioskEffect::Leave => {
            record(store, "kiosk.leave", &ctx(None))?;
            Ok(None)
        }
    }
}

fn record(store: &Store, action: &str, ctx: &Ctx) -> Result<(), StoreError> {
    match store.record(action, ctx) {
        Ok(()) => Ok(()),
        Err(OpError::Store(e)) => Err(e),
        Err(other) => Err(StoreError::Damaged {
            dir: store.dir().to_path_buf(),
            detail: format!("{other:?}"),
        }),
    }
}

/// Runs `action` and every effect it leads to.
pub fn dispatch(
    env: &Env,
    store: &Store,
    k: &mut Kiosk,
    action: KioskAction,
) -> Result<(), StoreError> {
    let mut next = Some(action);
    while let Some(action) = next.take() {
        if let Some(effect) = update(k, action) {
            let leave = matches!(effect, KioskEffect::Leave);
            next = perform(env, store, k, effect)?;
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
    if loaded.config.kiosk.pin_hash.is_empty() {
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
    // The kiosk does not go through the office's server yet: a server
    // started for a screen and idle makes way; any other is said.
    if let Some(socket) = crate::server::client::server_for(env) {
        let (tx, _rx) = std::sync::mpsc::channel();
        let c = crate::server::client::Client::connect(&socket, &env.actor.terminal, env.lang, tx)?;
        if !crate::server::client::ask_idle_to_leave(env, c, &socket)? {
            return Err(Error::Remote {
                code: 4,
                message: tr!(env.lang, "server.not_through", command = "kiosk"),
            });
        }
    }
    let store = env.store("kiosk")?;
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
    let result = event_loop(env, &store, &mut k, &mut terminal);
    ratatui::restore();
    result
}

fn event_loop(
    env: &Env,
    store: &Store,
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
