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

pub(crate) fn say_note(env: &Env, note: &crate::desk::mail::Note) {
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
            | Command::Unstart { .. }
            | Command::Finish { .. }
            | Command::Stop { .. }
            | Command::Correct { .. }
            | Command::Day { .. }
            | Command::Sweep { .. }
            | Command::Move { .. }
            | Command::Seeker { .. }
            | Command::Contact { .. }
            | Command::Refuse { .. }
            | Command::Unrefuse { .. }
            | Command::Reconsent { .. }
            | Command::TermsNotice { .. }
            | Command::Stats { .. }
            | Command::Audit { .. }
            | Command::Check { .. }
            | Command::Export { .. }
    ) || super::staff::is_staff(c)
}

/// A job seeker's record, bookings and refusals.
type SeekerRecord = (
    Option<crate::domain::seeker::Seeker>,
    Vec<Booking>,
    Vec<crate::domain::booking::Refusal>,
);

/// A job seeker's record, bookings and refusals, from the server.
fn seeker_record(
    env: &Env,
    c: &Client,
    number: &crate::domain::seeker::JobSeekerNumber,
) -> Result<SeekerRecord, Error> {
    match call(
        env,
        c,
        Request::Seeker {
            number: number.clone(),
        },
    )? {
        Response::SeekerRecord {
            record,
            bookings,
            refusals,
        } => Ok((record.map(|r| *r), bookings, refusals)),
        other => Err(unexpected(other)),
    }
}

/// The whole backup document, part by part.
fn export_document(env: &Env, c: &Client) -> Result<Vec<u8>, Error> {
    let mut doc: Vec<u8> = Vec::new();
    loop {
        match call(
            env,
            c,
            Request::Export {
                offset: doc.len() as u64,
            },
        )? {
            Response::ExportPart { text, total } => {
                if text.is_empty() && (doc.len() as u64) < total {
                    return Err(Error::Internal("an empty part of an export".into()));
                }
                doc.extend_from_slice(text.as_bytes());
                if doc.len() as u64 >= total {
                    return Ok(doc);
                }
            }
            other => return Err(unexpected(other)),
        }
    }
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
        c2 if super::staff::is_staff(&c2) => {
            super::staff::run(env, &crate::server::client::Link::Remote(c), c2)
        }
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
        Command::Unstart { id, json } => change(env, c, &id, Event::Unstart, json),
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
        Command::Move {
            id,
            date,
            time,
            booth,
            override_deadline,
            json,
        } => {
            let req = super::move_request(
                &id,
                &date,
                &time,
                booth.as_deref(),
                override_deadline.as_deref(),
            )?;
            match call(env, c, req)? {
                Response::Moved { booking, mail } => {
                    if json {
                        print_booking(env, c, &booking)?;
                    } else {
                        println!("{}", booking.id);
                    }
                    say(&crate::desk::moved_line(env.lang, &booking));
                    say_note(env, &mail);
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        Command::Seeker { number, json } => {
            let number = crate::domain::seeker::JobSeekerNumber::parse(&number)?;
            let (record, bookings, refusals) = seeker_record(env, c, &number)?;
            super::print_seeker(env, &number, record.as_ref(), &bookings, &refusals, json);
            Ok(())
        }
        Command::Contact {
            number,
            name,
            kana,
            email,
            phone,
        } => {
            let change = super::contact_change(
                &number,
                name.as_deref(),
                kana.as_deref(),
                email.as_deref(),
                phone.as_deref(),
            )?;
            match call(env, c, Request::Contact(change))? {
                Response::Contact { old, new } => {
                    super::print_contact(env, &old, &new);
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        Command::Refuse { number, reason: r } => {
            let seeker = crate::domain::seeker::JobSeekerNumber::parse(&number)?;
            let reason = reason("reason", &r)?;
            match call(
                env,
                c,
                Request::Refuse {
                    seeker: seeker.clone(),
                    reason,
                },
            )? {
                Response::Refused(refusal) => {
                    say(&tr!(
                        env.lang,
                        "refuse.done",
                        number = seeker,
                        since = refusal.since.format("%Y-%m-%d %H:%M")
                    ));
                    let (_, bookings, _) = seeker_record(env, c, &seeker)?;
                    super::say_bookings_ahead(env, &bookings);
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        Command::Unrefuse { number, reason: r } => {
            let seeker = crate::domain::seeker::JobSeekerNumber::parse(&number)?;
            let reason = reason("reason", &r)?;
            match call(
                env,
                c,
                Request::Unrefuse {
                    seeker: seeker.clone(),
                    reason,
                },
            )? {
                Response::Unrefused => {
                    say(&tr!(env.lang, "unrefuse.done", number = seeker));
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        Command::Reconsent { id, consent, json } => {
            let id = BookingId::parse(&id)?;
            if !consent {
                return Err(crate::domain::booking::Violation::ConsentMissing.into());
            }
            let documents = crate::domain::terms::Document::ALL.to_vec();
            match call(env, c, Request::Reconsent { id, documents })? {
                Response::Reconsented { booking, version } => {
                    if json {
                        print_booking(env, c, &booking)?;
                    }
                    say(&tr!(env.lang, "reconsent.done", id = id, version = version));
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        Command::TermsNotice { json } => match call(env, c, Request::TermsNotices)? {
            Response::Notices { written, error } => {
                super::print_notices(env, &written, error.as_deref(), json);
                Ok(())
            }
            other => Err(unexpected(other)),
        },
        Command::Stats {
            from,
            to,
            format,
            offices,
        } => {
            super::stats::only_this_office(env, offices.as_deref())?;
            super::stats::stats_of(env, &from, &to, &format, &|from, to| match call(
                env,
                c,
                Request::StatsRange { from, to },
            )? {
                Response::StatsOf(s) => Ok(*s),
                other => Err(unexpected(other)),
            })
        }
        Command::Audit {
            from,
            to,
            booking,
            action,
        } => {
            let filter = super::audit_filter(from, to, booking, action)?;
            let mut first = 0;
            loop {
                let page = match call(
                    env,
                    c,
                    Request::AuditPage {
                        filter: filter.clone(),
                        first,
                    },
                )? {
                    Response::Audit(events) => events,
                    other => return Err(unexpected(other)),
                };
                super::backup::print_audit(&page)?;
                // A page is bounded by count and by size: the end is the
                // first empty one.
                match page.last() {
                    Some(last) => first = last.seq + 1,
                    None => return Ok(()),
                }
            }
        }
        Command::Check { json } => match call(env, c, Request::Check)? {
            Response::Checked(report) => super::print_check(env, &report, json),
            other => Err(unexpected(other)),
        },
        Command::Export { out, force } => {
            super::backup::export_of(env, out, force, &|| export_document(env, c))
        }
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
