//! The commands of staff's own work: `note`, `block`, `unblock`, `blocks`,
//! `remind`, `ics` and `sheet`. Each is written once against a [`Link`]:
//! the same requests in-process or through the office's server.

use std::path::Path;

use chrono::NaiveDate;
use serde_json::json;

use super::args::Command;
use super::{Env, parse_date, parse_time};
use crate::desk::request::{Request, Response};
use crate::desk::staff::BlockRequest;
use crate::domain::Invalid;
use crate::domain::block::NoteOn;
use crate::error::Error;
use crate::server::client::Link;
use crate::tr;

/// Whether `c` is one of these commands.
pub fn is_staff(c: &Command) -> bool {
    matches!(
        c,
        Command::Note { .. }
            | Command::Block { .. }
            | Command::Unblock { .. }
            | Command::Blocks { .. }
            | Command::Remind { .. }
            | Command::Ics { .. }
            | Command::Sheet { .. }
    )
}

fn unexpected(r: Response) -> Error {
    Error::Internal(format!("an answer of another kind: {r:?}"))
}

fn parse_booth(s: &str) -> Result<u8, Invalid> {
    s.trim()
        .parse::<u8>()
        .map_err(|_| Invalid::new("booth", s, "booth"))
}

/// What a note is on: a booking id or a 求職番号.
pub fn note_target(s: &str) -> Result<NoteOn, Invalid> {
    if let Ok(id) = crate::domain::booking::BookingId::parse(s) {
        return Ok(NoteOn::Booking(id));
    }
    crate::domain::seeker::JobSeekerNumber::parse(s)
        .map(NoteOn::Seeker)
        .map_err(|_| Invalid::new("target", s, "note_target"))
}

/// A period given by `--from`/`--to`, today and 60 days on when missing.
fn period(
    env: &Env,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(NaiveDate, NaiveDate), Invalid> {
    let today = env.clock.local().date();
    let from = from
        .map(|s| parse_date("from", s))
        .transpose()?
        .unwrap_or(today);
    let to = match to {
        Some(s) => parse_date("to", s)?,
        None => from + chrono::Days::new(60),
    };
    if to < from {
        return Err(Invalid::new("to", to.to_string(), "date_after_from"));
    }
    Ok((from, to))
}

/// Writes a document staff asked for to `path` (see [`crate::desk::sheet::write`]).
fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    crate::desk::sheet::write(path, text).map_err(|e| {
        Invalid::new("out", path.display().to_string(), "out_file")
            .with_detail(e.to_string())
            .into()
    })
}

pub fn run(env: &Env, link: &Link<'_>, command: Command) -> Result<(), Error> {
    let lang = env.lang;
    match command {
        Command::Note {
            target,
            text,
            clear,
        } => {
            let on = note_target(&target)?;
            match (text, clear) {
                (None, false) => match link.call(env, Request::GetNote { on })? {
                    Response::NoteIs(Some(n)) => {
                        println!("{}", crate::i18n::safe(&n.text));
                        env.say(&format!("{} {}", n.by, n.at.format("%Y-%m-%d %H:%M")));
                        Ok(())
                    }
                    Response::NoteIs(None) => {
                        env.say(&tr!(lang, "note.none"));
                        Ok(())
                    }
                    other => Err(unexpected(other)),
                },
                (text, _) => {
                    let text = text.unwrap_or_default();
                    let removing = crate::domain::block::note_text(&text)?.is_none();
                    match link.call(env, Request::Note { on, text })? {
                        Response::Noted => {
                            env.say(&if removing {
                                tr!(lang, "note.removed")
                            } else {
                                tr!(lang, "note.saved")
                            });
                            Ok(())
                        }
                        other => Err(unexpected(other)),
                    }
                }
            }
        }
        Command::Block {
            date,
            from,
            to,
            booth,
            reason,
            json,
        } => {
            let req = BlockRequest {
                date: parse_date("date", &date)?,
                from: from.as_deref().map(|s| parse_time("from", s)).transpose()?,
                to: to.as_deref().map(|s| parse_time("to", s)).transpose()?,
                booth: booth.as_deref().map(parse_booth).transpose()?,
                reason,
            };
            match link.call(env, Request::Block(req))? {
                Response::Blocked { block, affected } => {
                    if json {
                        super::output::print_json(&json!({
                            "block": block_json(&block),
                            "affected": affected.iter().map(|b| b.id.to_string()).collect::<Vec<_>>(),
                        }));
                    } else {
                        println!("{}", block.id);
                    }
                    env.say(&crate::desk::staff::blocked_line(lang, &block, &affected));
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        Command::Unblock { id } => {
            let n = id
                .trim()
                .trim_start_matches('#')
                .parse::<u64>()
                .map_err(|_| Invalid::new("ID", &id, "block_id"))?;
            match link.call(env, Request::Unblock { id: n })? {
                Response::Unblocked(b) => {
                    env.say(&crate::desk::staff::unblocked_line(lang, &b));
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        Command::Blocks { from, to, json } => {
            let (from, to) = period(env, from.as_deref(), to.as_deref())?;
            match link.call(env, Request::Blocks { from, to })? {
                Response::BlockList(list) => {
                    if json {
                        super::output::print_json(&json!(
                            list.iter().map(block_json).collect::<Vec<_>>()
                        ));
                    } else if list.is_empty() {
                        env.say(&tr!(lang, "block.none"));
                    } else {
                        for b in &list {
                            println!("{}", crate::desk::staff::block_words(lang, b));
                        }
                    }
                    Ok(())
                }
                other => Err(unexpected(other)),
            }
        }
        Command::Remind { dry_run, json } => match link.call(env, Request::Remind { dry_run })? {
            Response::Reminded(list) => {
                if json {
                    super::output::print_json(&json!(
                        list.iter()
                            .map(|b| json!({
                                "id": b.id.to_string(),
                                "date": b.slot.date.to_string(),
                                "start": b.slot.start.format("%H:%M").to_string(),
                                "booth": b.slot.booth,
                            }))
                            .collect::<Vec<_>>()
                    ));
                } else {
                    for b in &list {
                        println!("{}", b.id);
                    }
                }
                env.say(&if dry_run {
                    tr!(lang, "remind.due", count = list.len())
                } else {
                    tr!(lang, "remind.done", count = list.len())
                });
                // In-process, the reminders go out before the process ends
                // (a server sends them on its own).
                if !dry_run && !list.is_empty() && matches!(link, Link::Local(_)) {
                    env.send_mail();
                }
                Ok(())
            }
            other => Err(unexpected(other)),
        },
        Command::Ics {
            booth,
            from,
            to,
            full,
            out,
        } => {
            let booth = parse_booth(&booth)?;
            let (from, to) = period(env, from.as_deref(), to.as_deref())?;
            match link.call(
                env,
                Request::BoothCalendar {
                    booth,
                    from,
                    to,
                    full,
                },
            )? {
                Response::Text(ics) => match out {
                    Some(path) => write_file(&path, &ics),
                    None => {
                        use std::io::Write;
                        let mut o = std::io::stdout().lock();
                        let _ = o.write_all(ics.as_bytes());
                        Ok(())
                    }
                },
                other => Err(unexpected(other)),
            }
        }
        Command::Sheet { date, booth, out } => {
            let date = match date {
                Some(d) => parse_date("date", &d)?,
                None => env.clock.local().date(),
            };
            let booth = booth.as_deref().map(parse_booth).transpose()?;
            if let Some(n) = booth
                && env.loaded.office.booth(n).is_none()
            {
                return Err(Invalid::new("booth", n.to_string(), "booth").into());
            }
            let path =
                out.unwrap_or_else(|| crate::desk::sheet::default_path(&env.data_dir, date, booth));
            let day = match link.call(env, Request::LoadDay { date })? {
                Response::Day(d) => d,
                other => return Err(unexpected(other)),
            };
            let html = crate::desk::sheet::html(&env.loaded, lang, &day, booth, env.clock.now());
            write_file(&path, &html)?;
            println!("{}", path.display());
            env.say(&tr!(lang, "sheet.written", path = path.display()));
            Ok(())
        }
        other => Err(Error::Internal(format!("not a staff command: {other:?}"))),
    }
}

fn block_json(b: &crate::domain::block::Block) -> serde_json::Value {
    json!({
        "id": b.id,
        "date": b.date.to_string(),
        "from": b.from.format("%H:%M").to_string(),
        "to": b.to.format("%H:%M").to_string(),
        "booth": b.booth,
        "reason": b.reason,
        "by": b.by,
        "at": b.at.to_rfc3339(),
    })
}
