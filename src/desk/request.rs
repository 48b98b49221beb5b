//! The desk's operations as data: what a screen asks for ([`Request`]) and
//! what comes back ([`Response`]). The same request is carried out
//! in-process ([`handle`]) or by `soudan serve` for a client, so a screen
//! does not know which.

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use crate::domain::booking::{Booking, BookingId, Event, Refusal};
use crate::domain::office::SlotRequest;
use crate::domain::seeker::JobSeekerNumber;
use crate::domain::stats::Stats;
use crate::domain::terms::Document;
use crate::error::Error;
use crate::store::{AuditEvent, Engine, MailKind};

use super::access::Operation;
use super::mail::Note;
use super::views::{DayData, Hit, SeekerInfo};
use super::{BookingRequest, Env};

/// What a front end asks the desk for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// A day with everything staff see beside each booking, and its month.
    LoadDay {
        date: NaiveDate,
    },
    /// When the next no-show falls, for the screen's clock.
    NextNoShow,
    Search {
        query: String,
    },
    Lookup {
        number: JobSeekerNumber,
        date: NaiveDate,
    },
    /// A change of status (a cancellation is by phone).
    Change {
        id: BookingId,
        event: Event,
    },
    Refuse {
        seeker: JobSeekerNumber,
        reason: String,
    },
    Unrefuse {
        seeker: JobSeekerNumber,
        reason: String,
    },
    Book(Box<BookingRequest>),
    Reconsent {
        id: BookingId,
        documents: Vec<Document>,
    },
    Stats {
        first: NaiveDate,
    },
    Audit {
        day: NaiveDate,
        booking: Option<BookingId>,
        action: Option<String>,
    },
    Resend {
        id: BookingId,
    },
    /// Let the no-show rule catch up with the clock.
    Sweep,
    /// The kiosk: free or full for each slot time of the next bookable days.
    KioskFree,
    /// The kiosk: go on, or ask at the counter, for a typed number and name
    /// (nothing else of the record leaves the desk).
    KioskCheck {
        number: JobSeekerNumber,
        date: NaiveDate,
        name: String,
    },
    /// The kiosk's booking: its own channel, no deadline override, the
    /// record's contact details kept, whatever the request says.
    KioskBook(Box<BookingRequest>),
    /// The staff PIN typed at the kiosk, checked where the hash is.
    PinCheck {
        typed: String,
    },
    /// One of the kiosk's own audit events (`kiosk.pin_wrong`, `kiosk.leave`).
    KioskRecord {
        action: String,
    },
    /// A server started for a screen, asked by a command that works on
    /// the folder itself: leave now if nobody else is connected.
    Leave,
    /// Hold a slot while a wizard is on it (or renew the hold).
    Hold {
        slot: SlotRequest,
    },
    /// End this terminal's hold (its wizard was left).
    Release,
    /// A booking moved to another slot (`soudan move`, the dashboard's `m`).
    Move {
        id: BookingId,
        date: NaiveDate,
        time: chrono::NaiveTime,
        booth: Option<u8>,
        late: crate::domain::office::Override,
    },
    /// A job seeker's record, bookings and refusals (`soudan seeker`).
    Seeker {
        number: JobSeekerNumber,
    },
    /// Contact details changed on purpose (`soudan contact`).
    Contact(super::ops::ContactChange),
    /// The statistics of a period (`soudan stats`).
    StatsRange {
        from: NaiveDate,
        to: NaiveDate,
    },
    /// One page of the audit trail, from sequence number `first` on
    /// (`soudan audit`).
    AuditPage {
        filter: super::audit::AuditFilter,
        first: u64,
    },
    /// The database checked against itself and the office's rules.
    Check,
    /// The terms-change notices (`soudan terms-notice`).
    TermsNotices,
    /// The whole database as a backup document, from byte `offset` on, one
    /// part at a time (`soudan export`).
    Export {
        offset: u64,
    },
    /// A staff note written, or removed with an empty text (`soudan note`).
    Note {
        on: crate::domain::block::NoteOn,
        text: String,
    },
    /// The staff note on a booking or a job seeker.
    GetNote {
        on: crate::domain::block::NoteOn,
    },
    /// Time taken off the calendar (`soudan block`, the dashboard's `b`).
    Block(super::staff::BlockRequest),
    /// A block given back (`soudan unblock`).
    Unblock {
        id: u64,
    },
    /// The blocks of a period.
    Blocks {
        from: NaiveDate,
        to: NaiveDate,
    },
    /// The reminders due now, queued and written (or only listed).
    Remind {
        dry_run: bool,
    },
    /// A booth's calendar (`soudan ics`).
    BoothCalendar {
        booth: u8,
        from: NaiveDate,
        to: NaiveDate,
        full: bool,
    },
}

/// The desk's answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Day(Box<DayData>),
    NextNoShow(Option<NaiveDateTime>),
    Found(Vec<Hit>),
    LookedUp(Box<SeekerInfo>),
    Changed {
        booking: Box<Booking>,
        mail: Option<Note>,
    },
    Refused(Refusal),
    Unrefused,
    Booked {
        booking: Box<Booking>,
        mail: Note,
    },
    Reconsented {
        booking: Box<Booking>,
        version: String,
    },
    Stats {
        month: Box<Stats>,
        weeks: Box<Stats>,
    },
    Audit(Vec<AuditEvent>),
    /// A mail written again: where, whether it went out, to whom; or why not.
    Resent {
        path: Option<std::path::PathBuf>,
        sent: Option<bool>,
        email: String,
        error: Option<String>,
    },
    Swept(usize),
    /// The server is leaving (it was asked to and nobody else is there).
    Leaving,
    Free(Vec<super::views::FreeDay>),
    Pin(bool),
    Recorded,
    /// The slot is held until then (office time).
    Held {
        until: NaiveDateTime,
    },
    Released,
    Moved {
        booking: Box<Booking>,
        mail: Note,
    },
    SeekerRecord {
        record: Option<Box<crate::domain::seeker::Seeker>>,
        bookings: Vec<Booking>,
        refusals: Vec<Refusal>,
    },
    /// The record before and after.
    Contact {
        old: Box<crate::domain::seeker::Seeker>,
        new: Box<crate::domain::seeker::Seeker>,
    },
    StatsOf(Box<Stats>),
    Checked(crate::store::CheckReport),
    /// The bookings noticed, with the mail written for each; why mail
    /// waits, if it does.
    Notices {
        written: Vec<(BookingId, std::path::PathBuf)>,
        error: Option<String>,
    },
    /// A part of the backup document (text: it is JSON), and the whole
    /// document's length in bytes.
    ExportPart {
        text: String,
        total: u64,
    },
    Noted,
    NoteIs(Option<crate::domain::block::Note>),
    /// The block as stored, and the live bookings already in it.
    Blocked {
        block: crate::domain::block::Block,
        affected: Vec<Booking>,
    },
    Unblocked(crate::domain::block::Block),
    BlockList(Vec<crate::domain::block::Block>),
    /// The bookings reminded (or, in a dry run, due a reminder).
    Reminded(Vec<Booking>),
    /// A text document (a calendar).
    Text(String),
}

/// The largest part of an export in one answer.
pub const EXPORT_PART: usize = 2 << 20;

/// The part of `doc` from byte `offset` on: at most [`EXPORT_PART`] bytes,
/// ending on a character's boundary.
pub fn export_part(doc: &[u8], offset: u64) -> Result<Response, Error> {
    let total = doc.len() as u64;
    let start = usize::try_from(offset.min(total)).unwrap_or(doc.len());
    let mut end = (start + EXPORT_PART).min(doc.len());
    let text = loop {
        match std::str::from_utf8(&doc[start..end]) {
            Ok(t) => break t.to_string(),
            // A character cut at the end: a byte or three less.
            Err(e) if e.error_len().is_none() && end > start => {
                end = start + e.valid_up_to();
            }
            Err(_) => {
                return Err(
                    crate::domain::Invalid::new("offset", offset.to_string(), "offset").into(),
                );
            }
        }
    };
    Ok(Response::ExportPart { text, total })
}

impl Request {
    /// The request with every free text it carries checked by the rule the
    /// command line uses for the same field ([`crate::domain::input`]), and
    /// as it is stored (spaces folded); a value the command line refuses is
    /// refused here, whoever sent it. Typed values (numbers, names, emails,
    /// dates) were checked when the request was decoded. [`handle`] calls
    /// it first, so the server, the screens and the command line share it.
    pub fn clean(self) -> Result<Request, crate::domain::Invalid> {
        use crate::domain::input;
        let late = |o: crate::domain::office::Override| -> Result<_, crate::domain::Invalid> {
            Ok(match o {
                crate::domain::office::Override::Staff(r) => {
                    crate::domain::office::Override::Staff(input::reason("override-deadline", &r)?)
                }
                none => none,
            })
        };
        Ok(match self {
            Request::Search { query } => Request::Search {
                query: input::query(&query)?,
            },
            Request::Change { id, event } => Request::Change {
                id,
                event: match event {
                    Event::Stop { reason } => Event::Stop {
                        reason: input::reason("reason", &reason)?,
                    },
                    Event::Cancel { reason } => Event::Cancel {
                        reason: input::reason("reason", &reason)?,
                    },
                    Event::CorrectNoShow { reason } => Event::CorrectNoShow {
                        reason: input::reason("reason", &reason)?,
                    },
                    e @ (Event::Start | Event::Finish | Event::Unstart) => e,
                    // The rule's, a move's and a new consent's own requests
                    // make these; asked for as a change, they are not one.
                    other => {
                        return Err(crate::domain::Invalid::new("event", other.id(), "event"));
                    }
                },
            },
            Request::Refuse { seeker, reason } => Request::Refuse {
                seeker,
                reason: input::reason("reason", &reason)?,
            },
            Request::Unrefuse { seeker, reason } => Request::Unrefuse {
                seeker,
                reason: input::reason("reason", &reason)?,
            },
            Request::Book(req) => Request::Book(Box::new(req.clean()?)),
            Request::KioskBook(req) => Request::KioskBook(Box::new(req.clean()?)),
            Request::Audit {
                day,
                booking,
                action,
            } => Request::Audit {
                day,
                booking,
                action: action.map(|a| super::audit::parse_action(&a)).transpose()?,
            },
            Request::AuditPage { mut filter, first } => {
                filter.action = filter
                    .action
                    .map(|a| super::audit::parse_action(&a))
                    .transpose()?;
                Request::AuditPage { filter, first }
            }
            Request::KioskCheck { number, date, name } => Request::KioskCheck {
                number,
                date,
                // A name may be typed in any form, or not at all.
                name: if name.trim().is_empty() {
                    String::new()
                } else {
                    input::reason("name", &name)?
                },
            },
            Request::PinCheck { typed } => Request::PinCheck {
                typed: input::pin(&typed)?,
            },
            Request::Move {
                id,
                date,
                time,
                booth,
                late: l,
            } => Request::Move {
                id,
                date,
                time,
                booth,
                late: late(l)?,
            },
            Request::Note { on, text } => {
                crate::domain::block::note_text(&text)?;
                Request::Note { on, text }
            }
            Request::Block(mut b) => {
                b.reason = input::reason("reason", &b.reason)?;
                Request::Block(b)
            }
            other => other,
        })
    }

    /// A digest of the whole request (of its JSON): kept
    /// with its repeat key, so that a different request sent under a used
    /// key is refused instead of answered with what the first one did.
    pub fn digest(&self) -> String {
        crate::digest::of(&serde_json::to_vec(self).unwrap_or_default())
    }

    /// What the request is, for the roles.
    pub fn operation(&self) -> Operation {
        match self {
            Request::LoadDay { .. } => Operation::DayFull,
            Request::NextNoShow => Operation::FreeSlots,
            Request::Search { .. } | Request::Lookup { .. } | Request::Audit { .. } => {
                Operation::Records
            }
            Request::Stats { .. } => Operation::Stats,
            Request::Change { .. }
            | Request::Refuse { .. }
            | Request::Unrefuse { .. }
            | Request::Book(_)
            | Request::Reconsent { .. }
            | Request::Resend { .. }
            | Request::Sweep => Operation::Change,
            Request::Leave => Operation::Admin,
            Request::KioskFree => Operation::FreeSlots,
            Request::KioskCheck { .. } => Operation::KioskCheck,
            Request::KioskBook(_) => Operation::KioskBook,
            Request::PinCheck { .. } | Request::KioskRecord { .. } => Operation::PinCheck,
            Request::Hold { .. } | Request::Release => Operation::Hold,
            Request::Seeker { .. } | Request::AuditPage { .. } => Operation::Records,
            Request::Contact(_) | Request::TermsNotices | Request::Move { .. } => Operation::Change,
            Request::StatsRange { .. } => Operation::Stats,
            Request::Check | Request::Export { .. } => Operation::Admin,
            Request::Note { .. }
            | Request::Block(_)
            | Request::Unblock { .. }
            | Request::Remind { .. } => Operation::Change,
            Request::Blocks { .. } => Operation::DayFull,
            Request::GetNote { .. } => Operation::Records,
            Request::BoothCalendar { full: true, .. } => Operation::Records,
            Request::BoothCalendar { full: false, .. } => Operation::DayFull,
        }
    }

    /// Whether carrying it out may change what other screens show.
    pub fn changes(&self) -> bool {
        (self.operation() == Operation::Change
            && !matches!(self, Request::Leave | Request::TermsNotices))
            || matches!(
                self,
                Request::KioskBook(_) | Request::Hold { .. } | Request::Release
            )
    }

    /// A name for logs and the audit trail's refusals.
    pub fn id(&self) -> &'static str {
        match self {
            Request::LoadDay { .. } => "load_day",
            Request::NextNoShow => "next_no_show",
            Request::Search { .. } => "search",
            Request::Lookup { .. } => "lookup",
            Request::Change { .. } => "change",
            Request::Refuse { .. } => "refuse",
            Request::Unrefuse { .. } => "unrefuse",
            Request::Book(_) => "book",
            Request::Reconsent { .. } => "reconsent",
            Request::Stats { .. } => "stats",
            Request::Audit { .. } => "audit",
            Request::Resend { .. } => "resend",
            Request::Sweep => "sweep",
            Request::Leave => "leave",
            Request::KioskFree => "kiosk_free",
            Request::KioskCheck { .. } => "kiosk_check",
            Request::KioskBook(_) => "kiosk_book",
            Request::PinCheck { .. } => "pin_check",
            Request::KioskRecord { .. } => "kiosk_record",
            Request::Hold { .. } => "hold",
            Request::Release => "release",
            Request::Move { .. } => "move",
            Request::Seeker { .. } => "seeker",
            Request::Contact(_) => "contact",
            Request::StatsRange { .. } => "stats_range",
            Request::AuditPage { .. } => "audit_page",
            Request::Check => "check",
            Request::TermsNotices => "terms_notices",
            Request::Export { .. } => "export",
            Request::Note { .. } => "note",
            Request::GetNote { .. } => "get_note",
            Request::Block(_) => "block",
            Request::Unblock { .. } => "unblock",
            Request::Blocks { .. } => "blocks",
            Request::Remind { .. } => "remind",
            Request::BoothCalendar { .. } => "booth_calendar",
        }
    }
}

/// Carries out `req` on `store` as `env` says (who, when, the office).
/// Whoever calls it has checked the role.
pub fn handle(env: &Env, store: &dyn Engine, req: Request) -> Result<Response, Error> {
    Ok(match req.clean()? {
        Request::LoadDay { date } => {
            let today = env.clock.local().date();
            let mut data = super::views::load_day_at(store, date, Some(today))?;
            if !env.loaded.config.mail.smtp_host.is_empty() {
                data.mail_queued =
                    crate::mail::queued(&crate::mail::outbox(&env.loaded, &env.data_dir)).len();
            }
            data.holds = super::holds::of(env, store).on(date, env.clock.local());
            Response::Day(Box::new(data))
        }
        Request::NextNoShow => {
            Response::NextNoShow(store.next_no_show(env.loaded.office.rules.grace())?)
        }
        Request::Search { query } => Response::Found(super::views::search(store, &query)?),
        Request::Lookup { number, date } => {
            Response::LookedUp(Box::new(super::views::lookup_seeker(store, number, date)?))
        }
        Request::Change { id, event } => {
            let cancel = matches!(event, Event::Cancel { .. });
            let b = super::ops::change(env, store, id, &event, None)?;
            let mail = if cancel {
                Some(super::mail::after_change(
                    env,
                    store,
                    b.id,
                    MailKind::Cancellation,
                )?)
            } else {
                None
            };
            Response::Changed {
                booking: Box::new(b),
                mail,
            }
        }
        Request::Refuse { seeker, reason } => {
            Response::Refused(store.refuse(&seeker, &reason, &env.ctx(None))?)
        }
        Request::Unrefuse { seeker, reason } => {
            store.unrefuse(&seeker, &reason, &env.ctx(None))?;
            Response::Unrefused
        }
        Request::Book(req) => {
            not_held(env, store, &req.slot)?;
            let b = super::place(env, store, &req)?;
            super::holds::of(env, store).release(env.holder);
            let mail = super::mail::after_change(env, store, b.id, MailKind::Confirmation)?;
            Response::Booked {
                booking: Box::new(b),
                mail,
            }
        }
        Request::Reconsent { id, documents } => {
            let (b, version) = super::ops::reconsent(env, store, id, documents)?;
            Response::Reconsented {
                booking: Box::new(b),
                version,
            }
        }
        Request::Stats { first } => {
            let (month, weeks) = super::ops::month_stats(env, store, first)?;
            Response::Stats {
                month: Box::new(month),
                weeks: Box::new(weeks),
            }
        }
        Request::Audit {
            day,
            booking,
            action,
        } => Response::Audit(super::ops::audit_newest_first(
            store,
            day,
            booking,
            action.as_deref(),
        )?),
        Request::Resend { id } => match super::mail::resend(env, store, id)? {
            None => return Err(Error::NotFound(id)),
            Some(r) => match r.delivery {
                Ok(d) => Response::Resent {
                    path: Some(d.path),
                    sent: d.sent.map(|s| s.error.is_none()),
                    email: r.email,
                    error: None,
                },
                Err(e) => Response::Resent {
                    path: None,
                    sent: None,
                    email: r.email,
                    error: Some(e.0),
                },
            },
        },
        Request::Sweep => Response::Swept(super::ops::sweep(env, store)?.len()),
        // Only a server can leave; in-process there is nothing to do.
        Request::Leave => Response::Leaving,
        Request::KioskFree => {
            let now = env.clock.local();
            Response::Free(super::views::free_days_held(
                store,
                &env.loaded.office,
                now,
                &|date, time, booth| {
                    super::holds::of(env, store)
                        .other(env.holder, date, time, booth, now)
                        .is_some()
                },
            )?)
        }
        Request::Hold { slot } => {
            let now = env.clock.local();
            let office = &env.loaded.office;
            if office.booth(slot.booth).is_none() {
                return Err(
                    crate::domain::Invalid::new("booth", slot.booth.to_string(), "booth").into(),
                );
            }
            if !office.starts.contains(&slot.time) {
                return Err(crate::domain::booking::Violation::NotASlot { time: slot.time }.into());
            }
            if let Some(b) = store.day(slot.date)?.into_iter().find(|b| {
                b.status.is_live() && b.slot.start == slot.time && b.slot.booth == slot.booth
            }) {
                return Err(crate::domain::booking::Violation::SlotTaken { slot: b.slot }.into());
            }
            let wanted = crate::domain::booking::Slot {
                date: slot.date,
                start: slot.time,
                end: slot.time + office.slot_length(),
                booth: slot.booth,
            };
            if let Some(b) = store
                .blocks_of(slot.date)?
                .iter()
                .find(|b| b.covers(&wanted))
            {
                // A hold may be the kiosk's: the reason stays with staff.
                let _ = b;
                return Err(crate::domain::booking::Violation::SlotBlocked {
                    slot: wanted,
                    reason: String::new(),
                }
                .into());
            }
            let until =
                now + chrono::Duration::minutes(i64::from(env.loaded.config.server.hold_minutes));
            super::holds::of(env, store)
                .take(
                    super::holds::Hold {
                        date: slot.date,
                        time: slot.time,
                        booth: slot.booth,
                        account: env.actor.user.clone(),
                        terminal: env.actor.terminal.clone(),
                        until,
                        holder: env.holder,
                    },
                    now,
                )
                .map_err(held)?;
            Response::Held { until }
        }
        Request::Release => {
            super::holds::of(env, store).release(env.holder);
            Response::Released
        }
        Request::Move {
            id,
            date,
            time,
            booth,
            late,
        } => {
            let b = super::ops::move_booking(env, store, id, date, time, booth, &late)?;
            let mail = super::mail::after_change(env, store, b.id, MailKind::Moved)?;
            Response::Moved {
                booking: Box::new(b),
                mail,
            }
        }
        Request::Seeker { number } => Response::SeekerRecord {
            record: store.seeker(&number)?.map(Box::new),
            bookings: store.seeker_bookings(&number)?,
            refusals: store.refusals(&number)?,
        },
        Request::Contact(change) => {
            let (old, new) = super::ops::contact(env, store, change)?;
            Response::Contact {
                old: Box::new(old),
                new: Box::new(new),
            }
        }
        Request::StatsRange { from, to } => {
            super::ops::check_stats_range(from, to)?;
            let bookings = store.range(from, to)?;
            Response::StatsOf(Box::new(crate::domain::stats::compute(
                &env.loaded.office,
                &bookings,
                from,
                to,
            )))
        }
        Request::AuditPage { filter, first } => {
            Response::Audit(super::ops::audit_page(store, &filter, first)?)
        }
        Request::Check => {
            let office = &env.loaded.office;
            let mut report = store.check_with(&|b| office.stored_booking_problems(b))?;
            report.place = Some(store.place());
            Response::Checked(report)
        }
        Request::TermsNotices => {
            let (written, error) = super::ops::terms_notices(env, store)?;
            Response::Notices { written, error }
        }
        Request::Export { offset } => {
            let doc = super::backup::backup_bytes(store, &env.loaded.config.office.code)?;
            export_part(&doc, offset)?
        }
        Request::Note { on, text } => {
            super::staff::note(env, store, &on, &text)?;
            Response::Noted
        }
        Request::GetNote { on } => Response::NoteIs(store.note(&on)?),
        Request::Block(req) => {
            let (block, affected) = super::staff::block(env, store, &req)?;
            Response::Blocked { block, affected }
        }
        Request::Unblock { id } => Response::Unblocked(super::staff::unblock(env, store, id)?),
        Request::Blocks { from, to } => {
            super::ops::check_stats_range(from, to)?;
            Response::BlockList(super::staff::blocks(store, from, to)?)
        }
        Request::Remind { dry_run } => {
            Response::Reminded(super::staff::remind(env, store, dry_run)?)
        }
        Request::BoothCalendar {
            booth,
            from,
            to,
            full,
        } => Response::Text(super::staff::booth_calendar(
            env, store, booth, from, to, full,
        )?),
        Request::KioskCheck { number, date, name } => Response::LookedUp(Box::new(
            super::views::lookup_seeker(store, number, date)?.for_kiosk(&name),
        )),
        Request::KioskBook(mut req) => {
            req.channel = crate::domain::booking::Channel::Kiosk;
            req.late = crate::domain::office::Override::None;
            req.contact = crate::store::Contact::Keep;
            // The kiosk never changes a record: a known job seeker's
            // registration date stays as staff recorded it.
            if store.seeker(&req.seeker.number)?.is_some() {
                req.seeker.registered_on = None;
            }
            not_held(env, store, &req.slot)?;
            // Time taken off is full to the kiosk: its reason is for staff.
            let b = super::place(env, store, &req).map_err(|e| match e {
                Error::Rule {
                    violation: crate::domain::booking::Violation::SlotBlocked { slot, .. },
                    ..
                } => Error::from(crate::domain::booking::Violation::SlotTaken { slot }),
                other => other,
            })?;
            super::holds::of(env, store).release(env.holder);
            let mail = super::mail::after_change(env, store, b.id, MailKind::Confirmation)?;
            Response::Booked {
                booking: Box::new(b),
                mail,
            }
        }
        Request::PinCheck { typed } => {
            let typed: String = typed.chars().take(64).collect();
            Response::Pin(crate::pin::verify(
                &typed,
                &env.loaded.config.kiosk.pin_hash,
            ))
        }
        Request::KioskRecord { action } => {
            let action = match action.as_str() {
                "kiosk.pin_wrong" => "kiosk.pin_wrong",
                "kiosk.leave" => "kiosk.leave",
                other => {
                    return Err(crate::domain::Invalid::new("action", other, "audit_action").into());
                }
            };
            store.record(action, &env.ctx(None))?;
            Response::Recorded
        }
    })
}

/// The refusal of a slot another terminal holds.
fn held(h: super::holds::Hold) -> Error {
    crate::domain::booking::Violation::SlotHeld {
        date: h.date,
        time: h.time,
        booth: h.booth,
        by: h.account,
        until: h.until.time(),
    }
    .into()
}

/// Refuses a booking of a slot another terminal's wizard holds.
fn not_held(env: &Env, store: &dyn Engine, slot: &SlotRequest) -> Result<(), Error> {
    match super::holds::of(env, store).other(
        env.holder,
        slot.date,
        slot.time,
        slot.booth,
        env.clock.local(),
    ) {
        Some(h) => Err(held(h)),
        None => Ok(()),
    }
}
