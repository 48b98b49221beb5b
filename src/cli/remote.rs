//! The commands through the office's server: the same words and JSON as
//! in-process, the work done by the server (which knows the account and
//! checks its role). A command not yet carried over says so, exit 4, and
//! never opens the folder behind the server's back.

use std::path::Path;

use super::output;
use super::{Command, parse_date, reason};
use crate::desk::request::{Request, Response};
use crate::desk::{BookingRequest, Env};
use crate::domain::booking::{Booking, BookingId, Event};
use crate::error::Error;
use crate::server::client::Client;
use crate::tr;

/// Connects to the server at `socket` (it answers, or exit 4).
pub fn connect(env: &Env, socket: &Path) -> Result<Client, Error> {
    // Announcements are for screens: nobody listens here.
    let (tx, _rx) = std::sync::mpsc::channel();
    Client::connect(socket, &env.actor.terminal, env.lang, tx)
}

fn call(env: &Env, c: &Client, req: Request) -> Result<Response, Error> {
    c.call(env.lang, req)
}

fn unexpected(r: Response) -> Error {
    Error::Internal(format!("an answer of another kind: {r:?}"))
}

/// Prints a booking as `--json` does, with its job seeker's record.
fn print_booking(env: &Env, c: &Client, b: &Booking) -> Result<(), Error> {
    let info = match call(
        env,
        c,
        Request::Lookup {
            number: b.seeker.clone(),
            date: b.slot.date,
        },
    )? {
        Response::LookedUp(i) => i,
        other => return Err(unexpected(other)),
    };
    let Some(seeker) = info.known else {
        return Err(Error::Internal(format!(
            "booking {} names a job seeker with no record",
            b.id
        )));
    };
    output::print_json(&output::booking_json(
        b,
        &seeker,
        info.no_shows,
        &env.loaded,
    ));
    Ok(())
}

fn say(line: &str) {
    eprintln!("{line}");
}

fn say_note(env: &Env, note: &crate::desk::mail::Note) {
    use crate::desk::mail::Note;
    match note {
        Note::Written { path, .. } => say(&tr!(env.lang, "mail.written", path = path.display())),
        Note::Waiting(e) => say(&tr!(env.lang, "mail.failed", error = crate::i18n::safe(e))),
    }
}

/// Books the first of `requests` (one per booth tried) the server accepts.
pub fn book(env: &Env, c: &Client, requests: Vec<BookingRequest>, json: bool) -> Result<(), Error> {
    let mut last = None;
    for req in requests {
        match call(env, c, Request::Book(Box::new(req))) {
            Ok(Response::Booked { booking, mail }) => {
                if json {
                    print_booking(env, c, &booking)?;
                } else {
                    println!("{}", booking.id);
                }
                say(&output::booked_line(env.lang, &booking));
                say_note(env, &mail);
                return Ok(());
            }
            Ok(other) => return Err(unexpected(other)),
            // Refused by a rule (this booth taken): the next booth.
            Err(e) if e.exit_code() == 3 => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| Error::Internal("no booth".into())))
}

fn change(env: &Env, c: &Client, id: &str, event: Event, json: bool) -> Result<(), Error> {
    let id = BookingId::parse(id)?;
    match call(env, c, Request::Change { id, event })? {
        Response::Changed { booking, mail } => {
            if json {
                print_booking(env, c, &booking)?;
            }
            say(&crate::desk::changed_line(env.lang, &booking));
            if let Some(note) = mail {
                say_note(env, &note);
            }
            Ok(())
        }
        other => Err(unexpected(other)),
    }
}

/// Whether `command` goes through the server.
pub fn carried(c: &Command) -> bool {
    matches!(
        c,
        Command::Cancel { .. }
            | Command::Start { .. }
            | Command::Finish { .. }
            | Command::Stop { .. }
            | Command::Correct { .. }
            | Command::Day { .. }
            | Command::Sweep { .. }
    )
}

/// A command that works on the folder itself, with a server there: one
/// started for a screen and now idle is asked to leave (and is waited for);
/// otherwise the command is refused, saying why.
pub fn leave_if_idle(env: &Env, c: Client, socket: &Path, command: &Command) -> Result<(), Error> {
    let not_through = || Error::Remote {
        code: 4,
        message: tr!(
            env.lang,
            "server.not_through",
            command = command_name(command)
        ),
    };
    if crate::server::client::ask_idle_to_leave(env, c, socket)? {
        Ok(())
    } else {
        Err(not_through())
    }
}

/// Runs `command` through the server.
pub fn run(env: &Env, c: &Client, command: Command) -> Result<(), Error> {
    match command {
        Command::Cancel {
            id,
            reason: r,
            json,
        } => {
            let event = Event::Cancel {
                reason: reason("reason", &r)?,
            };
            change(env, c, &id, event, json)
        }
        Command::Start { id, json } => change(env, c, &id, Event::Start, json),
        Command::Finish { id, json } => change(env, c, &id, Event::Finish, json),
        Command::Stop {
            id,
            reason: r,
            json,
        } => {
            let event = Event::Stop {
                reason: reason("reason", &r)?,
            };
            change(env, c, &id, event, json)
        }
        Command::Correct {
            id,
            reason: r,
            json,
        } => {
            let event = Event::CorrectNoShow {
                reason: reason("reason", &r)?,
            };
            change(env, c, &id, event, json)
        }
        Command::Day { date, json } => {
            let date = match date.as_deref() {
                Some(s) => parse_date("date", s)?,
                None => env.clock.local().date(),
            };
            let data = match call(env, c, Request::LoadDay { date })? {
                Response::Day(d) => d,
                other => return Err(unexpected(other)),
            };
            let rows: Vec<_> = data
                .rows
                .iter()
                .map(|r| (&r.booking, r.seeker.clone(), r.no_shows))
                .collect();
            let masked: Vec<_> = data.rows.iter().map(|r| r.masked_name.clone()).collect();
            output::print_day_masked_or_json(env.lang, &env.loaded, date, &rows, &masked, json);
            Ok(())
        }
        Command::Sweep { json } => match call(env, c, Request::Sweep)? {
            Response::Swept(n) => {
                if json {
                    output::print_json(&serde_json::json!({ "no_shows": n }));
                } else {
                    println!("{}", tr!(env.lang, "sweep.done", count = n));
                }
                Ok(())
            }
            other => Err(unexpected(other)),
        },
        other => Err(Error::Remote {
            code: 4,
            message: tr!(
                env.lang,
                "server.not_through",
                command = command_name(&other)
            ),
        }),
    }
}

/// The command's name as typed.
fn command_name(c: &Command) -> String {
    use clap::CommandFactory;
    let dbg = format!("{c:?}");
    let head: String = dbg
        .chars()
        .take_while(|ch| ch.is_alphanumeric())
        .collect::<String>();
    // The clap names: kebab-case of the variant.
    super::Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .find(|n| n.replace('-', "") == head.to_lowercase())
        .unwrap_or(head)
}
