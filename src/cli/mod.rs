//! The non-interactive commands of the command-line contract.
//!
//! Each command checks its input with the domain, opens the store once, lets
//! the no-show rule catch up, does its work, and prints: data to stdout (text
//! or JSON), messages to stderr in the chosen language. Errors go back to
//! `main` as values.

pub mod args;
pub mod backup;
pub mod help;
mod output;
mod remote;
mod staff;
pub mod stats;

pub use crate::desk::{
    BookingRequest, Env, changed_line, check_request, default_data_dir, needing_reconsent, place,
};

use std::io::Write;
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveTime};

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::Invalid;
use crate::domain::booking::{Booking, BookingId, Channel, Event, Violation};
use crate::domain::office::{Override, SlotRequest};
use crate::domain::seeker::{Email, JobSeekerNumber, Kana, PersonName, Phone, Seeker};
use crate::domain::terms::{Document, checklist_all_yes};
use crate::error::Error;
use crate::i18n::Lang;
use crate::server::client::Client;
use crate::store::Engine;
use crate::tr;
pub use args::{Cli, Command};

impl Env {
    /// Reads the global options. The language is read first, so that every
    /// later message is in it.
    pub fn from_global(g: &args::Global) -> Result<Env, (Lang, Error)> {
        let lang = match g.lang.as_deref() {
            None => Lang::Ja,
            Some(s) => {
                Lang::parse(s).ok_or((Lang::Ja, Error::Invalid(Invalid::new("lang", s, "lang"))))?
            }
        };
        let fail = |e: Error| (lang, e);
        // `--config`, else the office's own file, read by every account.
        let config_path = g.config.clone().or_else(|| {
            crate::config::system_config(std::path::Path::new(crate::config::SYSTEM_CONFIG))
        });
        let loaded = match &config_path {
            // `kiosk --set-pin` makes the file when it is not there yet.
            Some(path) if g.config_may_be_missing && !path.exists() => Config::builtin(),
            Some(path) => Config::load(path).map_err(|e| fail(e.into()))?,
            None => Config::builtin(),
        };
        let clock = match &g.now {
            Some(s) => Clock::starting_at(
                loaded.tz,
                Clock::parse_start(loaded.tz, s).map_err(|e| fail(e.into()))?,
            ),
            None => Clock::system(loaded.tz),
        };
        let data_dir = match &g.data_dir {
            Some(d) => d.clone(),
            None => default_data_dir()
                .ok_or_else(|| fail(Error::Internal(tr!(lang, "error.no_home"))))?,
        };
        let loaded_socket = loaded.config.server.socket.clone();
        Ok(Env {
            lang,
            loaded,
            clock,
            data_dir,
            actor: crate::desk::identity::actor(),
            ascii: g.ascii,
            config_path,
            now_text: g.now.clone(),
            // The server named, else the office's: every account reaches
            // the office's server, and a private database is made only
            // with a data dir given on purpose.
            server: g.server.clone().or_else(|| {
                let s = &loaded_socket;
                (!s.is_empty() && g.data_dir.is_none()).then(|| PathBuf::from(s))
            }),
            once: None,
            holds: Default::default(),
            holder: 0,
        })
    }

    /// Writes the queued mail (the change queued it in its own
    /// transaction) and says where the one about `booking` went. A failure
    /// is reported, never undoes the change: the mail stays queued.
    fn write_mail(&self, store: &dyn Engine, booking: BookingId, kind: crate::store::MailKind) {
        let drained = crate::desk::mail::write_queued(store, &self.loaded, &self.data_dir);
        self.say_mail(drained, booking, kind);
    }

    /// Says where the mail about `booking` went, or why it waits.
    fn say_mail(
        &self,
        drained: Result<crate::desk::mail::Drained, crate::store::StoreError>,
        booking: BookingId,
        kind: crate::store::MailKind,
    ) {
        let lang = self.lang;
        match drained {
            Ok(d) => {
                if let Some(path) = d.path_of(booking, kind) {
                    self.say(&tr!(lang, "mail.written", path = path.display()));
                }
                if let Some(e) = d.error {
                    self.say(&tr!(lang, "mail.failed", error = crate::i18n::safe(&e)));
                }
            }
            Err(e) => self.say(&tr!(
                lang,
                "mail.failed",
                error = crate::i18n::safe(&Error::from(e).message(lang))
            )),
        }
    }

    /// Sends the outbox through the relay, when one is set: after everything
    /// about the change was reported, so that no booking waits on the network.
    fn send_mail(&self) {
        let lang = self.lang;
        if let Some(r) = crate::desk::mail::send_before_exit(&self.loaded, &self.data_dir) {
            match r.error {
                None => self.say(&tr!(lang, "mail.sent", count = r.sent)),
                Some(e) => self.say(&tr!(
                    lang,
                    "mail.queued",
                    count = r.failed,
                    error = crate::i18n::safe(&e)
                )),
            }
        }
    }

    fn say(&self, line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }
}

pub fn parse_date(field: &'static str, s: &str) -> Result<NaiveDate, Invalid> {
    use unicode_normalization::UnicodeNormalization;
    let s: String = s.nfkc().collect::<String>().trim().replace('/', "-");
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| Invalid::new(field, s, "date"))
}

pub fn parse_time(field: &'static str, s: &str) -> Result<NaiveTime, Invalid> {
    use unicode_normalization::UnicodeNormalization;
    let s: String = s.nfkc().collect::<String>().trim().to_string();
    NaiveTime::parse_from_str(&s, "%H:%M").map_err(|_| Invalid::new(field, s, "time"))
}

/// `kiosk --idle-seconds`: 5 to 3600.
pub fn parse_idle_seconds(s: Option<&str>) -> Result<Option<u32>, Invalid> {
    s.map(|s| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (5..=3600).contains(n))
            .ok_or_else(|| Invalid::new("idle-seconds", s, "idle_seconds"))
    })
    .transpose()
}

fn parse_channel(s: &str) -> Result<Channel, Invalid> {
    Channel::ALL
        .into_iter()
        .find(|c| c.id() == s.trim().to_ascii_lowercase())
        .ok_or_else(|| Invalid::new("channel", s, "channel"))
}

fn reason(field: &'static str, s: &str) -> Result<String, Invalid> {
    crate::domain::input::reason(field, s)
}

/// Sends `command` to the office's server when one is given or answers
/// (done: `None`); hands it back to run on the folder itself when there is
/// none, or when the one there was started for a screen, is idle, and left
/// when asked.
fn server_route(env: &Env, command: Command) -> Result<Option<Command>, Error> {
    // These do not use the database (the outbox is files in the folder).
    if matches!(
        command,
        Command::Config
            | Command::Serve { .. }
            | Command::Kiosk { .. }
            | Command::Outbox { send: false }
    ) {
        return Ok(Some(command));
    }
    let Some(socket) = crate::server::client::server_for(env) else {
        return Ok(Some(command));
    };
    let client = remote::connect(env, &socket)?;
    let followed = crate::server::client::agree(env, &client.welcome, &socket)?;
    let env = followed.as_ref().unwrap_or(env);
    match command {
        Command::Book(a) => book(env, a, Some(&client)).map(|()| None),
        c if remote::carried(&c) => remote::run(env, &client, c).map(|()| None),
        c => {
            remote::leave_if_idle(env, client, &socket, &c)?;
            Ok(Some(c))
        }
    }
}

/// A change of status as typed: the booking, the event (its reason
/// checked), `--json`, and the channel (a cancellation comes by phone).
fn status_change(c: Command) -> Result<(String, Event, bool, Option<Channel>), Error> {
    Ok(match c {
        Command::Cancel {
            id,
            reason: r,
            json,
        } => (
            id,
            Event::Cancel {
                reason: reason("reason", &r)?,
            },
            json,
            Some(Channel::Phone),
        ),
        Command::Start { id, json } => (id, Event::Start, json, None),
        Command::Unstart { id, json } => (id, Event::Unstart, json, None),
        Command::Finish { id, json } => (id, Event::Finish, json, None),
        Command::Stop {
            id,
            reason: r,
            json,
        } => (
            id,
            Event::Stop {
                reason: reason("reason", &r)?,
            },
            json,
            None,
        ),
        // The person had called: by phone, as a cancellation is.
        Command::Correct {
            id,
            reason: r,
            json,
        } => (
            id,
            Event::CorrectNoShow {
                reason: reason("reason", &r)?,
            },
            json,
            Some(Channel::Phone),
        ),
        other => {
            return Err(Error::Internal(format!(
                "not a change of status: {other:?}"
            )));
        }
    })
}

/// A command with a store URL (`[storage] url`, `SOUDAN_STORE`) that
/// works on the database itself rather than through the desk: statistics
/// across offices, the configuration
/// (its password never shown). None: the command goes the usual way, on
/// the PostgreSQL engine.
fn on_database(env: &Env, url: &str, command: Command) -> Result<Option<Command>, Error> {
    if !crate::store::pg::is_postgres(url) {
        return Err(Invalid::new("storage.url", crate::store::pg::shown(url), "store_url").into());
    }
    match command {
        Command::Stats {
            from,
            to,
            format,
            offices: Some(offices),
        } => stats::stats_pg(env, url, &from, &to, &format, Some(&offices)).map(|()| None),
        Command::Config => {
            let mut c = env.loaded.config.clone();
            c.storage.url = crate::store::pg::shown(url);
            print!("{}", c.to_toml());
            Ok(None)
        }
        Command::Demo { .. } => {
            Err(Invalid::new("storage.url", crate::store::pg::shown(url), "demo_blank").into())
        }
        c => Ok(Some(c)),
    }
}

/// Runs a command (not the dashboard). With the office's server given or
/// answering at the data dir, a command that uses the database goes
/// through it (or is refused saying so), never to the folder itself.
pub fn run(env: &Env, command: Command) -> Result<(), Error> {
    let url = env.loaded.config.store_url();
    let command = if url.is_empty() {
        command
    } else {
        match on_database(env, &url, command)? {
            Some(c) => c,
            None => return Ok(()),
        }
    };
    let command = match server_route(env, command)? {
        Some(command) => command,
        None => return Ok(()),
    };
    match command {
        Command::Book(a) => book(env, a, None),
        c @ (Command::Cancel { .. }
        | Command::Start { .. }
        | Command::Unstart { .. }
        | Command::Finish { .. }
        | Command::Stop { .. }
        | Command::Correct { .. }) => {
            let (id, event, json, channel) = status_change(c)?;
            change(env, &id, event, json, channel)
        }
        Command::Move {
            id,
            date,
            time,
            booth,
            override_deadline,
            json,
        } => {
            let req = move_request(
                &id,
                &date,
                &time,
                booth.as_deref(),
                override_deadline.as_deref(),
            )?;
            let store = env.open("soudan move")?;
            let (booking, mail) = match crate::desk::request::handle(env, &*store, req)? {
                crate::desk::request::Response::Moved { booking, mail } => (booking, mail),
                other => return Err(Error::Internal(format!("{other:?}"))),
            };
            if json {
                report(env, &*store, &booking, true)?;
            } else {
                println!("{}", booking.id);
            }
            env.say(&crate::desk::moved_line(env.lang, &booking));
            remote::say_note(env, &mail);
            // The updated invitation goes out before the process ends.
            env.send_mail();
            Ok(())
        }
        c @ (Command::Note { .. }
        | Command::Block { .. }
        | Command::Unblock { .. }
        | Command::Blocks { .. }
        | Command::Remind { .. }
        | Command::Ics { .. }
        | Command::Sheet { .. }) => {
            let store = env.open("soudan")?;
            staff::run(env, &crate::server::client::Link::Local(&*store), c)
        }
        Command::Day { date, json } => day(env, date.as_deref(), json),
        Command::Sweep { json } => sweep(env, json),
        Command::Seeker { number, json } => seeker(env, &number, json),
        Command::Contact {
            number,
            name,
            kana,
            email,
            phone,
        } => contact(
            env,
            contact_change(
                &number,
                name.as_deref(),
                kana.as_deref(),
                email.as_deref(),
                phone.as_deref(),
            )?,
        ),
        Command::Refuse { number, reason: r } => refuse(env, &number, &r, true),
        Command::Unrefuse { number, reason: r } => refuse(env, &number, &r, false),
        Command::Check { json } => check(env, json),
        Command::Demo { days, seed } => demo(env, days, seed),
        Command::Export { out, force } => backup::export(env, out, force),
        Command::Stats {
            from,
            to,
            format,
            offices,
        } => {
            stats::only_this_office(env, offices.as_deref())?;
            stats::stats(env, &from, &to, &format)
        }
        Command::Import { file } => backup::import(env, &file),
        Command::Audit {
            from,
            to,
            booking,
            action,
        } => backup::audit(env, &audit_filter(from, to, booking, action)?),
        Command::Serve { socket, idle_exit } => {
            // Minutes (1 to 1440), or seconds written `Ns`.
            let idle = idle_exit
                .as_deref()
                .map(|s| {
                    let t = s.trim();
                    let secs = match t.strip_suffix('s') {
                        Some(n) => n.parse::<u64>().ok().filter(|n| (1..=86_400).contains(n)),
                        None => t
                            .parse::<u64>()
                            .ok()
                            .filter(|n| (1..=1440).contains(n))
                            .map(|m| m * 60),
                    };
                    secs.ok_or_else(|| Invalid::new("idle-exit", s, "idle_exit"))
                })
                .transpose()?;
            crate::server::serve(env, socket, idle.map(std::time::Duration::from_secs))
        }
        Command::Kiosk { set_pin: true, .. } => set_pin(env),
        // The kiosk's screen is the terminal front end's: `main` starts it.
        Command::Kiosk { .. } => Err(Error::Internal(
            "the kiosk screen is started by main, not the command line".into(),
        )),
        Command::Reconsent { id, consent, json } => reconsent(env, &id, consent, json),
        Command::TermsNotice { json } => terms_notice(env, json),
        Command::Outbox { send } => {
            let dir = crate::mail::outbox(&env.loaded, &env.data_dir);
            let failed = if send {
                if env.loaded.config.mail.smtp_host.is_empty() {
                    return Err(Invalid::new("send", "", "no_relay").into());
                }
                let r = crate::mail::send_queued(&env.loaded, &dir);
                if r.error.is_none() {
                    env.say(&tr!(env.lang, "mail.sent", count = r.sent));
                }
                r.error
            } else {
                None
            };
            let waiting = crate::mail::queued(&dir);
            for path in &waiting {
                println!("{}", path.display());
            }
            // The exit status says that not everything went (a script must
            // not think so); what still waits is listed above.
            match failed {
                Some(detail) => Err(Error::Relay {
                    waiting: waiting.len(),
                    detail,
                }),
                None => Ok(()),
            }
        }
        Command::Config => {
            print!("{}", env.loaded.config.to_toml());
            Ok(())
        }
    }
}

fn book(env: &Env, a: Box<args::BookArgs>, remote: Option<&Client>) -> Result<(), Error> {
    let office = &env.loaded.office;
    let lang = env.lang;
    // Every value is checked before anything is opened or written.
    let date = parse_date("date", &a.date)?;
    let time = parse_time("time", &a.time)?;
    let seeker = Seeker {
        number: JobSeekerNumber::parse(&a.seeker)?,
        name: PersonName::parse(&a.name)?,
        kana: a.kana.as_deref().map(Kana::parse).transpose()?,
        email: Email::parse(&a.email)?,
        phone: a.phone.as_deref().map(Phone::parse).transpose()?,
        registered_on: a
            .registered
            .as_deref()
            .map(|s| parse_date("registered", s))
            .transpose()?,
    };
    let channel = parse_channel(&a.channel)?;
    let booth = match a.booth.as_deref() {
        None => None,
        Some(s) => Some(
            s.trim()
                .parse::<u8>()
                .map_err(|_| Invalid::new("booth", s, "booth"))?,
        ),
    };
    let interpreter = a
        .interpreter
        .as_deref()
        .map(crate::domain::input::interpreter)
        .transpose()?;
    let late = match a.override_deadline.as_deref() {
        None => Override::None,
        Some(r) => Override::Staff(reason("override-deadline", r)?),
    };
    let booths: Vec<u8> = match booth {
        Some(b) => vec![b],
        None => office.booths.iter().map(|b| b.number).collect(),
    };
    let request = |b: u8| BookingRequest {
        slot: SlotRequest {
            date,
            time,
            booth: b,
        },
        late: late.clone(),
        seeker: seeker.clone(),
        channel,
        documents: if a.consent {
            Document::ALL.to_vec()
        } else {
            Vec::new()
        },
        checklist: if a.checklist {
            checklist_all_yes()
        } else {
            Vec::new()
        },
        interpreter: interpreter.clone(),
        caregiver: a.caregiver,
        contact: if a.update_contact {
            crate::store::Contact::Replace
        } else {
            crate::store::Contact::Keep
        },
    };
    // The pure checks before the database is opened (the same for every booth).
    check_request(office, &request(booths[0]), env.clock.now())?;
    if let Some(link) = remote {
        let requests: Vec<BookingRequest> = booths.iter().map(|b| request(*b)).collect();
        return remote::book(env, link, requests, a.json);
    }

    let store = env.open("soudan book")?;
    let before = store.seeker(&seeker.number)?;
    let mut last = None;
    // Without --booth, the first free booth.
    for b in booths {
        match place(env, &*store, &request(b)) {
            Ok(booking) => {
                // The record as stored now: mail goes to its address.
                let seeker = store.seeker(&booking.seeker)?.ok_or_else(|| {
                    Error::from(crate::store::StoreError::Damaged {
                        dir: store.place(),
                        detail: format!("booking {} names a job seeker with no record", booking.id),
                    })
                })?;
                if let Some(old) = &before {
                    say_contact_change(env, old, &seeker);
                }
                // Stored and flushed: only now is it reported.
                let history = store.seeker_bookings(&booking.seeker)?;
                let no_shows = crate::domain::booking::no_show_count(&history);
                if no_shows >= office.rules.no_show_flag {
                    env.say(&tr!(lang, "book.no_show_warning", count = no_shows));
                }
                // Stored and fsynced with its mail queued: the mail is
                // written before the id is printed, so a reader that goes
                // away (a closed pipe) cannot leave a booking without one.
                let drained = crate::desk::mail::write_queued(&*store, &env.loaded, &env.data_dir);
                if a.json {
                    output::print_json(&output::booking_json(
                        &booking,
                        &seeker,
                        no_shows,
                        &env.loaded,
                    ));
                } else {
                    println!("{}", booking.id);
                }
                env.say(&output::booked_line(lang, &booking));
                env.say_mail(drained, booking.id, crate::store::MailKind::Confirmation);
                env.send_mail();
                return Ok(());
            }
            Err(Error::Rule {
                violation: v @ (Violation::SlotTaken { .. } | Violation::SlotBlocked { .. }),
                ..
            }) => last = Some(v),
            Err(e) => return Err(e),
        }
    }
    Err(last
        .map(Error::from)
        .unwrap_or_else(|| Error::Internal("no booth".into())))
}

/// Says which contact details changed, old → new, on stderr.
fn say_contact_change(env: &Env, old: &Seeker, new: &Seeker) {
    for line in crate::desk::contact_change_lines(env.lang, old, new, &crate::error::field_label) {
        env.say(&line);
    }
}

/// `soudan contact NUMBER [--name] [--kana] [--email] [--phone]`.
/// What `soudan move` asked for, checked.
pub(crate) fn move_request(
    id: &str,
    date: &str,
    time: &str,
    booth: Option<&str>,
    override_deadline: Option<&str>,
) -> Result<crate::desk::request::Request, Error> {
    let booth = booth
        .map(|s| {
            s.trim()
                .parse::<u8>()
                .map_err(|_| Invalid::new("booth", s, "booth"))
        })
        .transpose()?;
    Ok(crate::desk::request::Request::Move {
        id: BookingId::parse(id)?,
        date: parse_date("date", date)?,
        time: parse_time("time", time)?,
        booth,
        late: match override_deadline {
            None => Override::None,
            Some(r) => Override::Staff(reason("override-deadline", r)?),
        },
    })
}

/// What `soudan audit` asked for, checked.
pub(crate) fn audit_filter(
    from: Option<String>,
    to: Option<String>,
    booking: Option<String>,
    action: Option<String>,
) -> Result<backup::AuditFilter, Error> {
    Ok(backup::AuditFilter {
        from: from.as_deref().map(|s| parse_date("from", s)).transpose()?,
        to: to.as_deref().map(|s| parse_date("to", s)).transpose()?,
        booking: booking.as_deref().map(BookingId::parse).transpose()?,
        action: action
            .as_deref()
            .map(crate::desk::audit::parse_action)
            .transpose()?,
    })
}

/// What `soudan contact` typed, checked.
fn contact_change(
    number: &str,
    name: Option<&str>,
    kana: Option<&str>,
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<crate::desk::ops::ContactChange, Error> {
    Ok(crate::desk::ops::ContactChange {
        number: JobSeekerNumber::parse(number)?,
        name: name.map(PersonName::parse).transpose()?,
        kana: kana.map(Kana::parse).transpose()?,
        email: email.map(Email::parse).transpose()?,
        phone: phone.map(Phone::parse).transpose()?,
    })
}

fn contact(env: &Env, change: crate::desk::ops::ContactChange) -> Result<(), Error> {
    let store = env.open("soudan contact")?;
    let (old, new) = crate::desk::ops::contact(env, &*store, change)?;
    print_contact(env, &old, &new);
    Ok(())
}

/// What changed in a record, one line per field.
pub(crate) fn print_contact(env: &Env, old: &Seeker, new: &Seeker) {
    let lines = crate::desk::contact_change_lines(env.lang, old, new, &crate::error::field_label);
    if lines.is_empty() {
        env.say(&tr!(env.lang, "contact.same", number = new.number));
    }
    for line in lines {
        println!("{line}");
    }
}

fn change(
    env: &Env,
    id: &str,
    event: Event,
    json: bool,
    channel: Option<Channel>,
) -> Result<(), Error> {
    let id = BookingId::parse(id)?;
    let store = env.open(&format!("soudan {}", event.id()))?;
    let booking = crate::desk::ops::change(env, &*store, id, &event, channel)?;
    report(env, &*store, &booking, json)?;
    env.say(&changed_line(env.lang, &booking));
    if matches!(event, Event::Cancel { .. }) {
        env.write_mail(&*store, booking.id, crate::store::MailKind::Cancellation);
        env.send_mail();
    }
    Ok(())
}

fn report(env: &Env, store: &dyn Engine, booking: &Booking, json: bool) -> Result<(), Error> {
    if json {
        let seeker = store.seeker(&booking.seeker)?;
        let history = store.seeker_bookings(&booking.seeker)?;
        let no_shows = crate::domain::booking::no_show_count(&history);
        match seeker {
            Some(s) => {
                output::print_json(&output::booking_json(booking, &s, no_shows, &env.loaded))
            }
            None => {
                return Err(crate::store::StoreError::Damaged {
                    dir: store.place(),
                    detail: format!("booking {} names a job seeker with no record", booking.id),
                }
                .into());
            }
        }
    }
    Ok(())
}

fn day(env: &Env, date: Option<&str>, json: bool) -> Result<(), Error> {
    let date = match date {
        Some(s) => parse_date("date", s)?,
        None => env.clock.local().date(),
    };
    let store = env.open_for_reading("soudan day")?;
    let bookings = store.day(date)?;
    let mut rows = Vec::with_capacity(bookings.len());
    for b in &bookings {
        let seeker = store.seeker(&b.seeker)?;
        let no_shows = crate::domain::booking::no_show_count(&store.seeker_bookings(&b.seeker)?);
        rows.push((b, seeker, no_shows));
    }
    output::print_day_or_json(env.lang, &env.loaded, date, &rows, json);
    Ok(())
}

fn sweep(env: &Env, json: bool) -> Result<(), Error> {
    let store = env.store("soudan sweep")?;
    let swept = store.sweep(
        env.clock.local(),
        env.loaded.office.rules.grace(),
        env.clock.offset(),
        &env.actor.terminal,
    )?;
    if json {
        let ids: Vec<String> = swept.iter().map(|b| b.id.to_string()).collect();
        output::print_json(&serde_json::json!({ "no_shows": swept.len(), "ids": ids }));
    } else {
        println!("{}", tr!(env.lang, "sweep.done", count = swept.len()));
    }
    Ok(())
}

fn seeker(env: &Env, number: &str, json: bool) -> Result<(), Error> {
    let number = JobSeekerNumber::parse(number)?;
    let store = env.open_for_reading("soudan seeker")?;
    let record = store.seeker(&number)?;
    let bookings = store.seeker_bookings(&number)?;
    let refusals = store.refusals(&number)?;
    print_seeker(env, &number, record.as_ref(), &bookings, &refusals, json);
    Ok(())
}

/// A job seeker's record as `soudan seeker` prints it.
pub(crate) fn print_seeker(
    env: &Env,
    number: &JobSeekerNumber,
    record: Option<&Seeker>,
    bookings: &[Booking],
    refusals: &[crate::domain::booking::Refusal],
    json: bool,
) {
    if record.is_none() && refusals.is_empty() {
        env.say(&tr!(env.lang, "seeker.unknown", number = number));
    }
    if json {
        output::print_json(&output::seeker_json(
            number,
            record,
            bookings,
            refusals,
            &env.loaded,
        ));
    } else {
        output::print_seeker(env.lang, &env.loaded, number, record, bookings, refusals);
    }
}

fn refuse(env: &Env, number: &str, r: &str, refuse: bool) -> Result<(), Error> {
    let number = JobSeekerNumber::parse(number)?;
    let r = reason("reason", r)?;
    let store = env.open(if refuse {
        "soudan refuse"
    } else {
        "soudan unrefuse"
    })?;
    let ctx = env.ctx(None);
    if refuse {
        let refusal = store.refuse(&number, &r, &ctx)?;
        env.say(&tr!(
            env.lang,
            "refuse.done",
            number = number,
            since = refusal.since.format("%Y-%m-%d %H:%M")
        ));
        say_bookings_ahead(env, &store.seeker_bookings(&number)?);
    } else {
        store.unrefuse(&number, &r, &ctx)?;
        env.say(&tr!(env.lang, "unrefuse.done", number = number));
    }
    Ok(())
}

/// The bookings still ahead of a job seeker just refused: they are not
/// cancelled by themselves, staff call the person.
pub(crate) fn say_bookings_ahead(env: &Env, bookings: &[Booking]) {
    for b in bookings
        .iter()
        .filter(|b| b.status == crate::domain::booking::Status::Booked)
    {
        env.say(&tr!(
            env.lang,
            "refuse.booking_ahead",
            id = b.id,
            date = b.slot.date,
            time = b.slot.start.format("%H:%M")
        ));
    }
}

fn check(env: &Env, json: bool) -> Result<(), Error> {
    let store = env.store_for_reading("soudan check")?;
    // The records as the office's rules see them, beside the store's own view.
    let office = &env.loaded.office;
    let report = store.check_with(&|b| office.stored_booking_problems(b))?;
    print_check(env, &report, json)
}

/// What `check` found, as it prints it; exit 4 when there are problems.
pub(crate) fn print_check(
    env: &Env,
    report: &crate::store::CheckReport,
    json: bool,
) -> Result<(), Error> {
    if json {
        // Where it was checked is said on failure, not in the report.
        let shown = crate::store::CheckReport {
            place: None,
            ..report.clone()
        };
        output::print_json(&serde_json::to_value(&shown).unwrap_or_default());
    } else {
        println!(
            "{}",
            tr!(
                env.lang,
                "check.summary",
                bookings = report.bookings,
                live = report.live,
                seekers = report.seekers,
                audit = report.audit_events
            )
        );
        for p in &report.problems {
            println!("  ! {}", crate::i18n::safe(p));
        }
    }
    if report.problems.is_empty() {
        env.say(&tr!(env.lang, "check.ok"));
        Ok(())
    } else {
        Err(crate::store::StoreError::Damaged {
            dir: report.place.clone().unwrap_or_else(|| env.data_dir.clone()),
            detail: tr!(env.lang, "check.problems", count = report.problems.len()),
        }
        .into())
    }
}

fn demo(env: &Env, days: u32, seed: u64) -> Result<(), Error> {
    if days == 0 || days > 5000 {
        return Err(Invalid::new("days", days.to_string(), "demo_days").into());
    }
    let store = env.store("soudan demo")?;
    if !store.is_blank()? {
        return Err(
            Invalid::new("data-dir", env.data_dir.display().to_string(), "demo_empty").into(),
        );
    }
    let office = &env.loaded.office;
    let plan = crate::sample::plan(office, env.clock.local(), env.clock.offset(), days, seed);
    // Built in memory through the same state machine, then written in one
    // bulk restore: fast enough for a million bookings. Ids follow from the seed.
    let snapshot =
        crate::sample::snapshot(&plan, seed, &env.actor.terminal).map_err(Error::Internal)?;
    let count = snapshot.bookings.len();
    match store.restore(&snapshot) {
        Ok(()) => {}
        Err(crate::store::RestoreError::Store(e)) => return Err(e.into()),
        Err(crate::store::RestoreError::NotBlank) => {
            return Err(
                Invalid::new("data-dir", env.data_dir.display().to_string(), "demo_empty").into(),
            );
        }
        Err(crate::store::RestoreError::Record { place, detail }) => {
            return Err(Error::Internal(format!("sample {place}: {detail}")));
        }
    }
    store.sweep(
        env.clock.local(),
        office.rules.grace(),
        env.clock.offset(),
        &env.actor.terminal,
    )?;
    env.say(&tr!(
        env.lang,
        "demo.done",
        count = count,
        from = plan.first_day.map(|d| d.to_string()).unwrap_or_default(),
        to = plan.last_day.map(|d| d.to_string()).unwrap_or_default()
    ));
    Ok(())
}

fn reconsent(env: &Env, id: &str, consent: bool, json: bool) -> Result<(), Error> {
    let id = BookingId::parse(id)?;
    if !consent {
        return Err(Violation::ConsentMissing.into());
    }
    // The terms in force are known before anything is opened.
    env.loaded
        .office
        .terms_in_force(env.clock.now().date_naive())?;
    let store = env.open("soudan reconsent")?;
    let (booking, version) = crate::desk::ops::reconsent(env, &*store, id, Document::ALL.to_vec())?;
    report(env, &*store, &booking, json)?;
    env.say(&tr!(env.lang, "reconsent.done", id = id, version = version));
    Ok(())
}

fn terms_notice(env: &Env, json: bool) -> Result<(), Error> {
    let store = env.open("soudan terms-notice")?;
    // One notice per booking and version, whatever how often this runs.
    let (written, error) = crate::desk::ops::terms_notices(env, &*store)?;
    print_notices(env, &written, error.as_deref(), json);
    Ok(())
}

/// The terms-change notices written, as `terms-notice` prints them.
pub(crate) fn print_notices(
    env: &Env,
    written: &[(BookingId, PathBuf)],
    error: Option<&str>,
    json: bool,
) {
    if let Some(e) = error {
        env.say(&tr!(env.lang, "mail.failed", error = crate::i18n::safe(e)));
    }
    if json {
        let list: Vec<_> = written
            .iter()
            .map(|(id, p)| serde_json::json!({"id": id.to_string(), "mail": p.display().to_string()}))
            .collect();
        output::print_json(&serde_json::json!({ "notices": list }));
    } else {
        println!(
            "{}",
            tr!(env.lang, "terms_notice.done", count = written.len())
        );
    }
}

/// `soudan kiosk --set-pin`: asks for the staff PIN twice without echo and
/// writes its argon2 hash into the configuration file given with --config
/// (made from the built-in configuration when it does not exist yet).
fn set_pin(env: &Env) -> Result<(), Error> {
    let lang = env.lang;
    let Some(path) = env.config_path.clone() else {
        return Err(Error::Config(crate::config::ConfigError {
            path: None,
            field: "--config".into(),
            detail: tr!(lang, "kiosk.set_pin_needs_config"),
            invalid: None,
        }));
    };
    // The file is replaced by a new one: a link would be replaced by a
    // file while the real configuration keeps no PIN.
    let existing = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(Invalid::new("config", path.display().to_string(), "config_link").into());
        }
        Ok(m) => Some(m),
        Err(_) => None,
    };
    let hidden = || tr!(lang, "kiosk.hidden");
    let io = |e: std::io::Error| Error::Internal(e.to_string());
    let first = crate::pin::read_hidden(&tr!(lang, "kiosk.pin_new")).map_err(io)?;
    crate::pin::check(&first).map_err(|_| Invalid::new("pin", hidden(), "pin"))?;
    let again = crate::pin::read_hidden(&tr!(lang, "kiosk.pin_again")).map_err(io)?;
    if first != again {
        return Err(Invalid::new("pin", hidden(), "pin_again").into());
    }
    let hash = crate::pin::hash(&first).map_err(|e| Error::Internal(format!("{e:?}")))?;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => crate::config::BUILTIN.to_string(),
        Err(e) => {
            return Err(Error::Config(crate::config::ConfigError {
                path: Some(path),
                field: String::new(),
                detail: e.to_string(),
                invalid: None,
            }));
        }
    };
    let new = crate::pin::set_in_config(&text, &hash);
    // The result must still load, with this hash, before it replaces the file.
    let loaded = Config::parse(&new, Some(&path))?;
    if loaded.config.kiosk.pin_hash != hash {
        return Err(Error::Internal("kiosk.pin_hash was not written".into()));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("config"),
        std::process::id()
    ));
    // The new file keeps the old one's mode and owner (a PIN hash is only
    // 10,000 guesses away: a private file stays private); a new file is 0600.
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
        let mode = existing.as_ref().map_or(0o600, |m| m.mode() & 0o7777);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        if let Some(m) = &existing {
            let made = f.metadata()?;
            if (made.uid(), made.gid()) != (m.uid(), m.gid()) {
                std::os::unix::fs::fchown(&f, Some(m.uid()), Some(m.gid()))?;
            }
        }
        f.write_all(new.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, &path)?;
        std::fs::File::open(dir)?.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::Config(crate::config::ConfigError {
            path: Some(path),
            field: String::new(),
            detail: e.to_string(),
            invalid: None,
        }));
    }
    println!("{}", tr!(lang, "kiosk.pin_set", path = path.display()));
    Ok(())
}
