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
use crate::server::client::Link;
use crate::store::{Engine, StoreError};
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

/// The request an effect is.
fn request_of(effect: Effect) -> crate::desk::request::Request {
    use crate::desk::request::Request as R;
    match effect {
        Effect::Load(date) => R::LoadDay { date },
        Effect::Apply { id, event } => R::Change { id, event },
        Effect::Refuse { seeker, reason } => R::Refuse { seeker, reason },
        Effect::Unrefuse { seeker, reason } => R::Unrefuse { seeker, reason },
        Effect::Search(query) => R::Search { query },
        Effect::Lookup(number, date) => R::Lookup { number, date },
        Effect::Book(req) => R::Book(req),
        Effect::Sweep => R::Sweep,
        Effect::Reconsent(id, documents) => R::Reconsent { id, documents },
        Effect::Stats(first) => R::Stats { first },
        Effect::Audit {
            day,
            booking,
            action,
        } => R::Audit {
            day,
            booking,
            action: action.map(String::from),
        },
        Effect::Resend(id) => R::Resend { id },
        Effect::Move { id, to, late } => R::Move {
            id,
            date: to.date,
            time: to.time,
            booth: Some(to.booth),
            late,
        },
        Effect::Note { on, text } => R::Note { on, text },
        Effect::Block(req) => R::Block(req),
        Effect::Unblock(id) => R::Unblock { id },
        // Carried out in [`perform`] by the day's request.
        Effect::Sheet(date) => R::LoadDay { date },
        Effect::LoadWeek(days) => R::LoadDay {
            date: days.first().copied().unwrap_or_default(),
        },
    }
}

/// The week view's days, each its own day request.
fn load_week(
    env: &Env,
    link: &Link<'_>,
    days: Vec<chrono::NaiveDate>,
) -> Result<Option<Action>, StoreError> {
    use crate::desk::request::{Request, Response};
    let mut out = Vec::with_capacity(days.len());
    for date in days {
        match link.call(env, Request::LoadDay { date }) {
            Ok(Response::Day(d)) => out.push(*d),
            Ok(_) => {}
            Err(Error::Store(e)) => return Err(e),
            Err(e) => return Ok(Some(Action::Done(Err(e.message(env.lang))))),
        }
    }
    Ok(Some(Action::WeekLoaded(out)))
}

/// The day sheet of `date`, written where `soudan sheet` writes it.
fn write_sheet(
    env: &Env,
    link: &Link<'_>,
    date: chrono::NaiveDate,
) -> Result<Option<Action>, StoreError> {
    use crate::desk::request::{Request, Response};
    let lang = env.lang;
    let day = match link.call(env, Request::LoadDay { date }) {
        Ok(Response::Day(d)) => d,
        Ok(_) => return Ok(None),
        Err(Error::Store(e)) => return Err(e),
        Err(e) => return Ok(Some(Action::Done(Err(e.message(lang))))),
    };
    let html = crate::desk::sheet::html(&env.loaded, lang, &day, None, env.clock.now());
    let path = crate::desk::sheet::default_path(&env.data_dir, date, None);
    let written = crate::desk::sheet::write(&path, &html);
    Ok(Some(Action::Done(match written {
        Ok(()) => Ok(tr!(lang, "sheet.written", path = path.display())),
        Err(e) => Err(tr!(lang, "sheet.failed", path = path.display(), error = e)),
    })))
}

/// Carries out an effect: one request to the desk (in-process or through
/// the office's server), and its answer put into words as an action. No
/// rule, consent, mail or statistics here. A database that cannot be used
/// in-process ends the screen; anything else is said on the status line.
fn perform(env: &Env, link: &Link<'_>, effect: Effect) -> Result<Option<Action>, StoreError> {
    use crate::desk::request::Response as R;
    let lang = env.lang;
    let effect = match effect {
        Effect::LoadWeek(days) => return load_week(env, link, days),
        Effect::Sheet(date) => return write_sheet(env, link, date),
        // A server runs the no-show rule by its own clock and announces
        // what it changed: a screen on it never asks (a viewer may not).
        Effect::Sweep if !matches!(link, Link::Local(_)) => return Ok(None),
        other => other,
    };
    let wizard_effect = matches!(effect, Effect::Book(_) | Effect::Reconsent(..));
    let move_effect = matches!(effect, Effect::Move { .. });
    let number = match &effect {
        Effect::Refuse { seeker, .. } | Effect::Unrefuse { seeker, .. } => seeker.to_string(),
        _ => String::new(),
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
    let response = match link.call(env, request_of(effect)) {
        Ok(r) => r,
        Err(Error::Store(e)) => return Err(e),
        Err(e) if wizard_effect => return Ok(Some(Action::Booked(Err(e.message(lang))))),
        Err(e) if move_effect => return Ok(Some(Action::Moved(Err(e.message(lang))))),
        Err(e) => return Ok(Some(Action::Done(Err(e.message(lang))))),
    };
    Ok(Some(match response {
        R::Day(data) => Action::Loaded(data),
        R::Found(hits) => Action::Found(hits),
        R::LookedUp(info) => Action::LookedUp(info),
        R::Changed { booking, mail } => {
            let mut msg = crate::desk::changed_line(lang, &booking);
            if let Some(note) = mail {
                msg.push(' ');
                msg.push_str(&mail_note_line(lang, &note));
            }
            Action::Done(Ok(msg))
        }
        R::Refused(r) => Action::Done(Ok(tr!(
            lang,
            "refuse.done",
            number = number,
            since = r.since.format("%Y-%m-%d %H:%M")
        ))),
        R::Unrefused => Action::Done(Ok(tr!(lang, "unrefuse.done", number = number))),
        R::Booked { booking, mail } => booked(&booking, true, mail_note_line(lang, &mail)),
        R::Reconsented { booking, version } => {
            let mail = tr!(lang, "reconsent.done", id = booking.id, version = version);
            booked(&booking, false, mail)
        }
        R::Stats { month, weeks } => Action::StatsLoaded(Box::new(app::StatsView {
            month: *month,
            weeks: *weeks,
        })),
        R::Audit(events) => Action::AuditLoaded(events),
        R::Resent {
            path,
            sent,
            email,
            error,
        } => Action::Done(Ok(match (path, sent, error) {
            (_, _, Some(e)) => tr!(lang, "mail.failed", error = crate::i18n::safe(&e)),
            (Some(p), Some(false), _) => tr!(lang, "wizard.mail_queued", path = p.display()),
            (_, Some(true), _) => tr!(lang, "wizard.mail_sent", email = email),
            (Some(p), None, _) => tr!(lang, "wizard.mail_written", path = p.display()),
            (None, _, None) => tr!(lang, "mail.failed", error = "-"),
        })),
        R::Swept(n) => Action::Swept(n),
        R::Noted => Action::Done(Ok(tr!(lang, "note.saved"))),
        R::Blocked { block, affected } => Action::Done(Ok(crate::desk::staff::blocked_line(
            lang, &block, &affected,
        ))),
        R::Unblocked(block) => Action::Done(Ok(crate::desk::staff::unblocked_line(lang, &block))),
        R::Moved { booking, mail } => Action::Moved(Ok(format!(
            "{} {}",
            crate::desk::moved_line(lang, &booking),
            mail_note_line(lang, &mail)
        ))),
        R::NextNoShow(_)
        | R::Leaving
        | R::Free(_)
        | R::Pin(_)
        | R::Recorded
        | R::Held { .. }
        | R::Released
        | R::SeekerRecord { .. }
        | R::Contact { .. }
        | R::StatsOf(_)
        | R::Checked(_)
        | R::Notices { .. }
        | R::ExportPart { .. }
        | R::BlockList(_)
        | R::NoteIs(_)
        | R::Reminded(_)
        | R::Text(_) => return Ok(None),
    }))
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
pub fn dispatch(
    env: &Env,
    store: &dyn Engine,
    app: &mut App,
    action: Action,
) -> Result<(), StoreError> {
    dispatch_on(env, &Link::Local(store), app, action)
}

/// [`dispatch`] through `link`: in-process or through the office's server.
pub fn dispatch_on(
    env: &Env,
    link: &Link<'_>,
    app: &mut App,
    action: Action,
) -> Result<(), StoreError> {
    let mut next = Some(action);
    while let Some(action) = next.take() {
        if let Some(effect) = app::update(app, action) {
            next = perform(env, link, effect)?;
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

/// Opens the dashboard on the terminal: through the office's server, or
/// one started for it, else on the folder itself.
pub fn run(env: &Env) -> Result<(), Error> {
    // A server answering (the office's, or one another screen started);
    // else, with none configured, one started for this screen, which this
    // screen starts again should it be gone.
    let (socket, started) = match crate::server::client::server_for(env) {
        Some(s) => (Some(s), false),
        None if env.server.is_none() => (crate::server::client::autostart(env), true),
        None => (None, false),
    };
    if let Some(socket) = socket {
        return run_remote(env, &socket, started);
    }
    let store = env.store("dashboard")?;
    let loaded = Arc::new(env.loaded.clone());
    let mut app = App::new(env.lang, theme(env), loaded, env.clock.local());
    dispatch(env, &*store, &mut app, Action::Tick(env.clock.local()))?;
    let first = load_day(&*store, app.date)?;
    dispatch(env, &*store, &mut app, Action::Loaded(Box::new(first)))?;
    if app.data.empty_db && app.status.is_none() {
        app.status = Some(app::StatusLine {
            tone: app::Tone::Info,
            text: empty_hint(&env.loaded, env.lang),
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
    let result = event_loop(env, &*store, &mut app, &mut terminal);
    ratatui::restore();
    result
}

fn event_loop(
    env: &Env,
    store: &dyn Engine,
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

/// The hold a screen's wizard has on its slot, kept in step by
/// [`sync_hold`].
#[derive(Default)]
pub(crate) struct HoldState {
    slot: Option<crate::domain::office::SlotRequest>,
    renewed: Option<std::time::Instant>,
}

impl HoldState {
    /// The server was lost, and with it the hold: take it again.
    pub(crate) fn lost(&mut self) {
        self.renewed = None;
    }
}

/// The slot a wizard is booking, if it is one that needs holding (not a
/// renewal of consent, not a booking already made).
pub(crate) fn wizard_slot(
    w: Option<&wizard::Wizard>,
) -> Option<crate::domain::office::SlotRequest> {
    let w = w?;
    (w.reconsent_of.is_none() && w.booked.is_none() && w.step != wizard::Step::Done).then_some(
        crate::domain::office::SlotRequest {
            date: w.date,
            time: w.time,
            booth: w.booth,
        },
    )
}

/// How often a wizard in use renews its hold.
const RENEW: StdDuration = StdDuration::from_secs(60);

/// Keeps the server's hold in step with the screen's wizard, called after
/// each key: taken when a wizard opens on a slot, renewed while it is in
/// use (at most once a minute), released when it closes. The
/// refusal, when another terminal holds the slot the wizard just opened
/// on (the screen then closes the wizard and says so).
pub(crate) fn sync_hold(
    env: &Env,
    link: &Link<'_>,
    want: Option<crate::domain::office::SlotRequest>,
    st: &mut HoldState,
) -> Option<Error> {
    use crate::desk::request::Request;
    match (st.slot, want) {
        (None, None) => None,
        (Some(_), None) => {
            let _ = link.call(env, Request::Release);
            *st = HoldState::default();
            None
        }
        (old, Some(slot)) => {
            let fresh = old != Some(slot);
            let due = st.renewed.is_none_or(|t| t.elapsed() >= RENEW);
            if !fresh && !due {
                return None;
            }
            match link.call(env, Request::Hold { slot }) {
                Ok(_) => {
                    st.slot = Some(slot);
                    st.renewed = Some(std::time::Instant::now());
                    None
                }
                Err(e) if fresh && e.exit_code() == 3 => {
                    *st = HoldState::default();
                    Some(e)
                }
                // The server is away: held again at the next key.
                Err(_) => {
                    st.slot = Some(slot);
                    st.renewed = None;
                    None
                }
            }
        }
    }
}

/// What the screen's loop waits on, through one channel: the terminal,
/// the server, and (by the wait's timeout) the clock.
pub(crate) enum LoopEvent {
    Term(TermEvent),
    Server(crate::server::client::Notice),
}

/// Reads the terminal's events on a thread of its own into `tx`, so that
/// the loop waits on one channel for the terminal and the server.
pub(crate) fn spawn_terminal_reader(tx: &std::sync::mpsc::Sender<LoopEvent>) -> Result<(), Error> {
    let tx = tx.clone();
    std::thread::Builder::new()
        .name("terminal".into())
        .spawn(move || {
            while let Ok(ev) = event::read() {
                if tx.send(LoopEvent::Term(ev)).is_err() {
                    break;
                }
            }
        })
        .map(|_| ())
        .map_err(|e| Error::Internal(e.to_string()))
}

/// Connects to the server at `socket`, its announcements forwarded to `tx`.
pub(crate) fn connect(
    env: &Env,
    socket: &std::path::Path,
    tx: &std::sync::mpsc::Sender<LoopEvent>,
) -> Result<crate::server::client::Client, Error> {
    let (ntx, nrx) = std::sync::mpsc::channel();
    let client =
        crate::server::client::Client::connect(socket, &env.actor.terminal, env.lang, ntx)?;
    let tx = tx.clone();
    std::thread::Builder::new()
        .name("notices".into())
        .spawn(move || {
            for n in nrx {
                if tx.send(LoopEvent::Server(n)).is_err() {
                    break;
                }
            }
        })
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(client)
}

/// Reloads the day after a change elsewhere; says so when the booking
/// under the cursor is one that changed: made at another terminal, or by
/// the no-show rule itself (its events are the system's).
pub fn reload(env: &Env, link: &Link<'_>, app: &mut App) -> Result<(), StoreError> {
    let before = app.selected().map(|r| (r.booking.id, r.booking.status));
    if let Some(a) = perform(env, link, Effect::Load(app.date))? {
        dispatch_on(env, link, app, a)?;
    }
    let after = app.selected().map(|r| (r.booking.id, r.booking.status));
    if before != after
        && app.mode == Mode::Normal
        && let Some(r) = app.selected()
    {
        let line = crate::desk::changed_line(env.lang, &r.booking);
        let by_rule = r
            .history
            .last()
            .is_some_and(|e| e.user == crate::store::Actor::SYSTEM);
        let key = if by_rule {
            "dash.changed_by_rule"
        } else {
            "dash.changed_elsewhere"
        };
        app.status = Some(app::StatusLine {
            tone: app::Tone::Info,
            text: crate::i18n::format(env.lang, key, &[("change", line)]),
        });
    }
    Ok(())
}

/// The dashboard as a client of the office's server: every change made at
/// another terminal shows without a key; a lost server is said on screen,
/// what was typed stays, and the screen reconnects by itself.
fn run_remote(env: &Env, socket: &std::path::Path, started: bool) -> Result<(), Error> {
    use std::sync::mpsc::{RecvTimeoutError, channel};
    let (tx, rx) = channel::<LoopEvent>();
    let client = connect(env, socket, &tx)?;
    let followed = crate::server::client::agree(env, &client.welcome, socket)?;
    let env = followed.as_ref().unwrap_or(env);
    // False from the moment the server is lost until it answers again.
    let mut up = true;
    // Since when its socket has not answered, while it is lost.
    let mut unanswered: Option<std::time::Instant> = None;
    let loaded = Arc::new(env.loaded.clone());
    let mut app = App::new(env.lang, theme(env), loaded, env.clock.local());
    app.viewer = client.welcome.role == crate::desk::access::Role::Viewer;
    {
        let link = Link::Remote(&client);
        dispatch_on(env, &link, &mut app, Action::Tick(env.clock.local()))?;
        if let Some(a) = perform(env, &link, Effect::Load(app.date))? {
            dispatch_on(env, &link, &mut app, a)?;
        }
    }
    let mut terminal = ratatui::try_init().map_err(|e| Error::Internal(e.to_string()))?;
    // Listening for resizes starts with the first poll: before the first frame.
    let _ = event::poll(StdDuration::ZERO);
    if let Ok(size) = terminal.size() {
        app.size = (size.width, size.height);
    }
    crate::store::wrap_panic_hook();
    spawn_terminal_reader(&tx)?;
    let io_err = |e: io::Error| Error::Internal(e.to_string());
    let result = (|| -> Result<(), Error> {
        let mut dirty = true;
        // The next no-show, asked again only when something changed (every
        // change is announced, our own too) or the clock ticked: a cursor
        // move costs no round trip.
        let mut next_no_show: Option<Option<NaiveDateTime>> = None;
        let mut hold = HoldState::default();
        while !app.quit {
            if dirty {
                terminal.draw(|f| view::render(&app, f)).map_err(io_err)?;
                dirty = false;
            }
            let link = if up {
                Link::Remote(&client)
            } else {
                Link::Down(socket)
            };
            let next = match next_no_show {
                Some(n) => n,
                None => {
                    let n = match link.call(env, crate::desk::request::Request::NextNoShow) {
                        Ok(crate::desk::request::Response::NextNoShow(t)) => t,
                        _ => None,
                    };
                    if up {
                        next_no_show = Some(n);
                    }
                    n
                }
            };
            let mut wait = until_next_deadline(env.clock.local(), next);
            if !up {
                wait = wait.min(StdDuration::from_secs(2));
            }
            match rx.recv_timeout(wait) {
                Ok(LoopEvent::Term(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
                    if let Some(a) = key_action(app.mode, &key) {
                        dispatch_on(env, &link, &mut app, a)?;
                        let want = wizard_slot(app.wizard.as_ref());
                        if let Some(e) = sync_hold(env, &link, want, &mut hold) {
                            app.refuse_wizard(e.message(env.lang));
                        }
                        dirty = true;
                    }
                }
                Ok(LoopEvent::Term(TermEvent::Paste(text))) if app.mode == Mode::Prompt => {
                    for c in text.chars() {
                        dispatch_on(env, &link, &mut app, Action::Char(c))?;
                    }
                    dirty = true;
                }
                Ok(LoopEvent::Term(TermEvent::Resize(w, h))) => {
                    dispatch_on(env, &link, &mut app, Action::Resize(w, h))?;
                    dirty = true;
                }
                Ok(LoopEvent::Term(_)) => {}
                Ok(LoopEvent::Server(crate::server::client::Notice::Changed(_))) => {
                    next_no_show = None;
                    reload(env, &link, &mut app)?;
                    dirty = true;
                }
                Ok(LoopEvent::Server(crate::server::client::Notice::Lost(why))) => {
                    up = false;
                    hold.lost();
                    app.status = Some(app::StatusLine {
                        tone: app::Tone::Error,
                        text: tr!(env.lang, "server.lost", why = crate::i18n::safe(&why)),
                    });
                    dirty = true;
                }
                Err(RecvTimeoutError::Timeout) if !up => {
                    // The server this screen started is gone (killed, say):
                    // after a few seconds it is started again. An office's
                    // own server is only waited for: its restart must find
                    // its socket free.
                    if started && !crate::server::client::answers(socket) {
                        let since = *unanswered.get_or_insert_with(std::time::Instant::now);
                        if since.elapsed() >= StdDuration::from_secs(3) {
                            let _ = crate::server::client::autostart(env);
                            unanswered = None;
                        }
                    } else {
                        unanswered = None;
                    }
                    if client.reconnect().is_ok() {
                        up = true;
                        let link = Link::Remote(&client);
                        reload(env, &link, &mut app)?;
                        let want = wizard_slot(app.wizard.as_ref());
                        let _ = sync_hold(env, &link, want, &mut hold);
                        app.status = Some(app::StatusLine {
                            tone: app::Tone::Ok,
                            text: tr!(env.lang, "server.back"),
                        });
                        dirty = true;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    next_no_show = None;
                    dispatch_on(env, &link, &mut app, Action::Tick(env.clock.local()))?;
                    dirty = true;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        Ok(())
    })();
    ratatui::restore();
    result
}

/// What a dashboard with no booking yet suggests: sample data for a data
/// folder of its own; on a database shared by offices (which sample data
/// never goes into), booking or importing the office's records.
pub fn empty_hint(loaded: &crate::config::Loaded, lang: crate::i18n::Lang) -> String {
    if loaded.config.store_url().is_empty() {
        tr!(lang, "dash.empty_hint")
    } else {
        tr!(lang, "dash.empty_hint_shared")
    }
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
