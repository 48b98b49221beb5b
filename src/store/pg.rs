//! The PostgreSQL store: many offices in one database (`[storage] url =
//! "postgresql://…"` or `SOUDAN_STORE`). So far it holds what a backup
//! holds, so that an office moves between the embedded database and
//! PostgreSQL (`soudan import`, `soudan export`, byte for byte); the schema
//! carries the rules (one live booking per slot and per job seeker and day,
//! an append-only audit trail) and every row its office.
//!
//! The schema is SQL files under `assets/sql/`, applied in order at the
//! first connection, in one transaction under an advisory lock (two
//! processes starting at once apply them once), with its version in
//! `soudan_schema`; a database of a newer version is refused (exit 4), as a
//! newer sled database is.

use postgres::{Client, NoTls};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::backup::{NoteRecord, RestoreError, SeekerRefusals, Snapshot};
use super::{AuditEvent, Contact, Ctx, MailIntent, MailKind, NewBooking, OpError, StoreError};
use crate::domain::block::{Block, NoteOn};
use crate::domain::booking::{Booking, BookingId};
use crate::domain::seeker::Seeker;

/// The schema's migrations, in order: (version, SQL).
const MIGRATIONS: &[(i32, &str)] = &[(1, include_str!("../../assets/sql/0001_init.sql"))];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i32 = 1;

/// The advisory lock the migrations are applied under (any number that
/// no other program of the database uses; "soudan" in ASCII).
const MIGRATION_LOCK: i64 = 0x736f_7564_616e;

/// Rows per statement of a bulk write.
const CHUNK: usize = 5_000;

/// Whether a store URL names PostgreSQL.
pub fn is_postgres(url: &str) -> bool {
    let u = url.trim();
    u.starts_with("postgresql://") || u.starts_with("postgres://")
}

/// The URL as it may be shown: without a password.
pub fn shown(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.chars().take(200).collect();
    };
    let rest = match rest.split_once('@') {
        Some((userinfo, host)) if !userinfo.contains('/') => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{user}@{host}")
        }
        _ => rest.to_string(),
    };
    format!("{scheme}://{rest}").chars().take(200).collect()
}

/// One office's records in a PostgreSQL database.
pub struct Pg {
    client: Client,
    office: String,
    place: String,
}

fn fail(place: &str) -> impl Fn(postgres::Error) -> StoreError + '_ {
    move |e| StoreError::Database {
        place: place.to_string(),
        detail: match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => e.to_string(),
        },
    }
}

fn json<T: Serialize>(place: &str, v: &T) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(v).map_err(|e| StoreError::Database {
        place: place.to_string(),
        detail: e.to_string(),
    })
}

fn from_json<T: DeserializeOwned>(
    place: &str,
    what: &str,
    v: serde_json::Value,
) -> Result<T, StoreError> {
    serde_json::from_value(v).map_err(|e| StoreError::Damaged {
        dir: place.into(),
        detail: format!("a {what} record does not read back: {e}"),
    })
}

impl Pg {
    /// Connects (a Unix socket folder as `host=/path`, or TCP), applies the
    /// migrations, and works for `office` from here on.
    pub fn connect(url: &str, office: &str) -> Result<Pg, StoreError> {
        let place = shown(url);
        let config: postgres::Config =
            url.parse()
                .map_err(|e: postgres::Error| StoreError::Database {
                    place: place.clone(),
                    detail: e.to_string(),
                })?;
        let client = config.connect(NoTls).map_err(fail(&place))?;
        let mut pg = Pg {
            client,
            office: office.to_string(),
            place,
        };
        pg.migrate()?;
        Ok(pg)
    }

    /// The database as it may be named in messages.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// The schema version of the database (0: none yet).
    pub fn schema_version(&mut self) -> Result<i32, StoreError> {
        let place = self.place.clone();
        let row = self
            .client
            .query_one("SELECT coalesce(max(version), 0) FROM soudan_schema", &[])
            .map_err(fail(&place))?;
        Ok(row.get(0))
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let place = self.place.clone();
        let mut tx = self.client.transaction().map_err(fail(&place))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(fail(&place))?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS soudan_schema (version integer NOT NULL)")
            .map_err(fail(&place))?;
        let found: i32 = tx
            .query_one("SELECT coalesce(max(version), 0) FROM soudan_schema", &[])
            .map_err(fail(&place))?
            .get(0);
        if found > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                dir: place.into(),
                found: found as u32,
                supported: SCHEMA_VERSION as u32,
            });
        }
        for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
            tx.batch_execute(sql).map_err(fail(&place))?;
            tx.execute(
                "INSERT INTO soudan_schema (version) VALUES ($1)",
                &[version],
            )
            .map_err(fail(&place))?;
        }
        tx.commit().map_err(fail(&place))
    }

    /// Whether this office has no record at all.
    pub fn is_blank(&mut self) -> Result<bool, StoreError> {
        let place = self.place.clone();
        let row = self
            .client
            .query_one(
                "SELECT (SELECT count(*) FROM soudan_seeker WHERE office = $1)
                      + (SELECT count(*) FROM soudan_booking WHERE office = $1)
                      + (SELECT count(*) FROM soudan_audit WHERE office = $1)
                      + (SELECT count(*) FROM soudan_note WHERE office = $1)
                      + (SELECT count(*) FROM soudan_block WHERE office = $1)",
                &[&self.office],
            )
            .map_err(fail(&place))?;
        let n: i64 = row.get(0);
        Ok(n == 0)
    }

    /// Writes `s` as this office's records, in one transaction: all of it
    /// or nothing. Only into an office with no records.
    pub fn restore(&mut self, s: &Snapshot) -> Result<(), RestoreError> {
        super::backup::check_snapshot(s)?;
        if !self.is_blank()? {
            return Err(RestoreError::NotBlank);
        }
        let place = self.place.clone();
        let office = self.office.clone();
        let f = fail(&place);
        let mut tx = self.client.transaction().map_err(&f)?;
        tx.execute(
            "INSERT INTO soudan_office (office) VALUES ($1) ON CONFLICT (office) DO NOTHING",
            &[&office],
        )
        .map_err(&f)?;
        for chunk in s.seekers.chunks(CHUNK) {
            let numbers: Vec<&str> = chunk.iter().map(|x| x.number.as_str()).collect();
            let records = chunk
                .iter()
                .map(|x| json(&place, x))
                .collect::<Result<Vec<_>, _>>()?;
            tx.execute(
                "INSERT INTO soudan_seeker (office, number, record)
                 SELECT $1, * FROM unnest($2::text[], $3::jsonb[])",
                &[&office, &numbers, &records],
            )
            .map_err(&f)?;
        }
        for chunk in s.bookings.chunks(CHUNK) {
            let ids: Vec<&str> = chunk.iter().map(|b| b.id.as_str()).collect();
            let seekers: Vec<&str> = chunk.iter().map(|b| b.seeker.as_str()).collect();
            let days: Vec<chrono::NaiveDate> = chunk.iter().map(|b| b.slot.date).collect();
            let starts: Vec<chrono::NaiveTime> = chunk.iter().map(|b| b.slot.start).collect();
            let booths: Vec<i16> = chunk.iter().map(|b| i16::from(b.slot.booth)).collect();
            let statuses: Vec<&str> = chunk.iter().map(|b| b.status.id()).collect();
            let records = chunk
                .iter()
                .map(|b| json(&place, b))
                .collect::<Result<Vec<_>, _>>()?;
            tx.execute(
                "INSERT INTO soudan_booking (office, id, seeker, day, start_time, booth, status, record)
                 SELECT $1, * FROM unnest($2::text[], $3::text[], $4::date[], $5::time[],
                                          $6::int2[], $7::text[], $8::jsonb[])",
                &[
                    &office, &ids, &seekers, &days, &starts, &booths, &statuses, &records,
                ],
            )
            .map_err(&f)?;
        }
        for chunk in s.refusals.chunks(CHUNK) {
            let seekers: Vec<&str> = chunk.iter().map(|r| r.seeker.as_str()).collect();
            let records = chunk
                .iter()
                .map(|r| json(&place, &r.refusals))
                .collect::<Result<Vec<_>, _>>()?;
            tx.execute(
                "INSERT INTO soudan_refusals (office, seeker, record)
                 SELECT $1, * FROM unnest($2::text[], $3::jsonb[])",
                &[&office, &seekers, &records],
            )
            .map_err(&f)?;
        }
        for chunk in s.audit.chunks(CHUNK) {
            let seqs: Vec<i64> = chunk
                .iter()
                .map(|e| i64::try_from(e.seq).unwrap_or(i64::MAX))
                .collect();
            let bookings: Vec<Option<&str>> = chunk
                .iter()
                .map(|e| e.booking.as_ref().map(|b| b.as_str()))
                .collect();
            let records = chunk
                .iter()
                .map(|e| json(&place, e))
                .collect::<Result<Vec<_>, _>>()?;
            tx.execute(
                "INSERT INTO soudan_audit (office, seq, booking, record)
                 SELECT $1, * FROM unnest($2::int8[], $3::text[], $4::jsonb[])",
                &[&office, &seqs, &bookings, &records],
            )
            .map_err(&f)?;
        }
        for n in &s.notes {
            let (kind, key) = match &n.on {
                NoteOn::Booking(id) => ("booking", id.as_str().to_string()),
                NoteOn::Seeker(number) => ("seeker", number.as_str().to_string()),
            };
            tx.execute(
                "INSERT INTO soudan_note (office, on_kind, on_key, record) VALUES ($1, $2, $3, $4)",
                &[&office, &kind, &key, &json(&place, &n.note)?],
            )
            .map_err(&f)?;
        }
        for b in &s.blocks {
            let id = i64::try_from(b.id).unwrap_or(i64::MAX);
            tx.execute(
                "INSERT INTO soudan_block (office, id, day, record) VALUES ($1, $2, $3, $4)",
                &[&office, &id, &b.date, &json(&place, b)?],
            )
            .map_err(&f)?;
        }
        // New events, mails and blocks number on after the restored ones.
        let audit_next = s.audit.iter().map(|e| e.seq).max().map_or(0, |m| m + 1);
        let block_next = s.blocks.iter().map(|b| b.id).max().map_or(1, |m| m + 1);
        tx.execute(
            "UPDATE soudan_office SET audit_next = $2, block_next = $3 WHERE office = $1",
            &[
                &office,
                &i64::try_from(audit_next).unwrap_or(i64::MAX),
                &i64::try_from(block_next).unwrap_or(i64::MAX),
            ],
        )
        .map_err(&f)?;
        tx.commit().map_err(&f)?;
        Ok(())
    }

    fn records<T: DeserializeOwned>(
        &mut self,
        what: &str,
        sql: &str,
    ) -> Result<Vec<T>, StoreError> {
        let place = self.place.clone();
        let rows = self
            .client
            .query(sql, &[&self.office])
            .map_err(fail(&place))?;
        rows.into_iter()
            .map(|r| from_json(&place, what, r.get::<_, serde_json::Value>(0)))
            .collect()
    }

    /// The bookings of `offices` on the days `from..=to`, for statistics.
    pub fn bookings_of(
        &mut self,
        offices: &[String],
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<Booking>, StoreError> {
        let place = self.place.clone();
        let rows = self
            .client
            .query(
                "SELECT record FROM soudan_booking
                 WHERE office = ANY($1) AND day BETWEEN $2 AND $3
                 ORDER BY office, day, start_time, booth, id COLLATE \"C\"",
                &[&offices, &from, &to],
            )
            .map_err(fail(&place))?;
        rows.into_iter()
            .map(|r| from_json(&place, "booking", r.get::<_, serde_json::Value>(0)))
            .collect()
    }

    /// This office's records, each list in the order the embedded store
    /// keeps them (so that an export is the same document from either).
    pub fn snapshot(&mut self) -> Result<Snapshot, StoreError> {
        let seekers: Vec<Seeker> = self.records(
            "seeker",
            "SELECT record FROM soudan_seeker WHERE office = $1 ORDER BY number COLLATE \"C\"",
        )?;
        let bookings: Vec<Booking> = self.records(
            "booking",
            "SELECT record FROM soudan_booking WHERE office = $1 ORDER BY id COLLATE \"C\"",
        )?;
        let place = self.place.clone();
        let rows = self
            .client
            .query(
                "SELECT seeker, record FROM soudan_refusals WHERE office = $1
                 ORDER BY seeker COLLATE \"C\"",
                &[&self.office],
            )
            .map_err(fail(&place))?;
        let mut refusals = Vec::with_capacity(rows.len());
        for r in rows {
            let seeker: String = r.get(0);
            refusals.push(SeekerRefusals {
                seeker: crate::domain::seeker::JobSeekerNumber::parse(&seeker).map_err(|_| {
                    StoreError::Damaged {
                        dir: place.clone().into(),
                        detail: format!("a refusal names {seeker:?}, no job seeker number"),
                    }
                })?,
                refusals: from_json(&place, "refusal", r.get::<_, serde_json::Value>(1))?,
            });
        }
        let audit: Vec<AuditEvent> = self.records(
            "audit",
            "SELECT record FROM soudan_audit WHERE office = $1 ORDER BY seq",
        )?;
        let rows = self
            .client
            .query(
                "SELECT on_kind, on_key, record FROM soudan_note WHERE office = $1
                 ORDER BY on_kind = 'seeker', on_key COLLATE \"C\"",
                &[&self.office],
            )
            .map_err(fail(&place))?;
        let mut notes = Vec::with_capacity(rows.len());
        for r in rows {
            let kind: String = r.get(0);
            let key: String = r.get(1);
            let on = match kind.as_str() {
                "booking" => crate::domain::booking::BookingId::parse(&key)
                    .ok()
                    .map(NoteOn::Booking),
                _ => crate::domain::seeker::JobSeekerNumber::parse(&key)
                    .ok()
                    .map(NoteOn::Seeker),
            }
            .ok_or_else(|| StoreError::Damaged {
                dir: place.clone().into(),
                detail: format!("a note is on {kind} {key:?}, which names nothing"),
            })?;
            notes.push(NoteRecord {
                on,
                note: from_json(&place, "note", r.get::<_, serde_json::Value>(2))?,
            });
        }
        let blocks: Vec<Block> = self.records(
            "block",
            "SELECT record FROM soudan_block WHERE office = $1 ORDER BY day, id",
        )?;
        Ok(Snapshot {
            seekers,
            bookings,
            refusals,
            audit,
            notes,
            blocks,
        })
    }
}

/// Whether a PostgreSQL error is worth trying the transaction again for
/// (a serialization failure or a deadlock under concurrent writers).
fn retryable(e: &postgres::Error) -> bool {
    use postgres::error::SqlState;
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    })
}

/// Queues a mail about `booking` as number `seq`, in the change's own
/// transaction.
fn queue_mail(
    tx: &mut postgres::Transaction<'_>,
    place: &str,
    office: &str,
    seq: i64,
    booking: BookingId,
    kind: MailKind,
    ctx: &Ctx,
) -> Result<(), Failed> {
    let intent = MailIntent {
        seq: seq as u64,
        booking,
        kind,
        at: ctx.at,
    };
    tx.execute(
        "INSERT INTO soudan_mail_queue (office, seq, record) VALUES ($1, $2, $3)",
        &[
            &office,
            &seq,
            &json(place, &intent).map_err(OpError::Store)?,
        ],
    )?;
    Ok(())
}

/// What one audit event says, besides who and when (the change's `Ctx`).
struct Audited<'a> {
    action: &'a str,
    booking: Option<BookingId>,
    seeker: Option<&'a crate::domain::seeker::JobSeekerNumber>,
    from: Option<crate::domain::booking::Status>,
    to: Option<crate::domain::booking::Status>,
}

/// Writes audit event number `seq`, in the change's own transaction.
fn audit(
    tx: &mut postgres::Transaction<'_>,
    place: &str,
    office: &str,
    seq: i64,
    ctx: &Ctx,
    what: Audited<'_>,
) -> Result<(), Failed> {
    let ev = AuditEvent {
        seq: seq as u64,
        at: ctx.at,
        user: ctx.actor.user.clone(),
        terminal: ctx.actor.terminal.clone(),
        channel: ctx.channel,
        action: what.action.to_string(),
        booking: what.booking,
        seeker: what.seeker.cloned(),
        from: what.from,
        to: what.to,
    };
    tx.execute(
        "INSERT INTO soudan_audit (office, seq, booking, record) VALUES ($1, $2, $3, $4)",
        &[
            &office,
            &seq,
            &what.booking.as_ref().map(|b| b.as_str()),
            &json(place, &ev).map_err(OpError::Store)?,
        ],
    )?;
    Ok(())
}

/// How many times a transaction is tried before its failure is reported.
const TRIES: usize = 5;

enum Failed {
    Op(OpError),
    Db(postgres::Error),
}

impl From<postgres::Error> for Failed {
    fn from(e: postgres::Error) -> Self {
        Failed::Db(e)
    }
}

impl From<OpError> for Failed {
    fn from(e: OpError) -> Self {
        Failed::Op(e)
    }
}

impl Pg {
    /// Lets this process use the office with its clock: an office made
    /// under the real clock refuses a training one (`--now`), as a data
    /// folder does; a new office takes the clock it was made under.
    pub fn claim_clock(&mut self, training: bool) -> Result<(), super::ClockRefused> {
        let place = self.place.clone();
        let clock = if training { "training" } else { "real" };
        let row = self
            .client
            .query_one(
                "INSERT INTO soudan_office (office, clock) VALUES ($1, $2)
                 ON CONFLICT (office) DO UPDATE SET office = EXCLUDED.office
                 RETURNING clock",
                &[&self.office, &clock],
            )
            .map_err(|e| super::ClockRefused::Store(fail(&place)(e)))?;
        let found: String = row.get(0);
        if found == "real" && training {
            return Err(super::ClockRefused::RealData);
        }
        Ok(())
    }

    /// Books, in one transaction: the office's row locked (its writers go
    /// one at a time, and its audit events are numbered densely), the job
    /// seeker's record kept or replaced as `contact` says, refusals, blocks
    /// and the slot checked, the booking, its audit events and its mail
    /// written. The unique indexes stand behind the checks: a live booking
    /// that got in anyway is the same refusal. Tried again on a
    /// serialization failure or a deadlock, at most five times.
    pub fn book(
        &mut self,
        new: &NewBooking,
        ctx: &Ctx,
        contact: Contact,
    ) -> Result<Booking, OpError> {
        self.retrying(|pg| pg.book_once(new, ctx, contact))
    }

    fn book_once(
        &mut self,
        new: &NewBooking,
        ctx: &Ctx,
        contact: Contact,
    ) -> Result<Booking, Failed> {
        use crate::domain::booking::{Refusal, Status, Violation, active_refusal};
        let place = self.place.clone();
        let office = self.office.clone();
        let mut tx = self.client.transaction()?;
        tx.execute(
            "INSERT INTO soudan_office (office) VALUES ($1) ON CONFLICT (office) DO NOTHING",
            &[&office],
        )?;
        let row = tx.query_one(
            "SELECT audit_next, mail_next FROM soudan_office WHERE office = $1 FOR UPDATE",
            &[&office],
        )?;
        let (mut audit_next, mail_next): (i64, i64) = (row.get(0), row.get(1));
        let number = new.seeker.number.as_str();
        let stored: Option<Seeker> = match tx.query_opt(
            "SELECT record FROM soudan_seeker WHERE office = $1 AND number = $2",
            &[&office, &number],
        )? {
            Some(r) => Some(from_json(&place, "seeker", r.get(0)).map_err(OpError::Store)?),
            None => None,
        };
        let (record, changed) = match &stored {
            None => (new.seeker.clone(), false),
            Some(s) => {
                let fields = s.contact_changes(&new.seeker);
                if !fields.is_empty() && contact == Contact::Keep {
                    return Err(OpError::Rule(Violation::ContactDiffers { fields }).into());
                }
                (
                    s.merged(&new.seeker, contact == Contact::Replace),
                    !fields.is_empty(),
                )
            }
        };
        if let Some(r) = tx.query_opt(
            "SELECT record FROM soudan_refusals WHERE office = $1 AND seeker = $2",
            &[&office, &number],
        )? {
            let list: Vec<Refusal> =
                from_json(&place, "refusal", r.get(0)).map_err(OpError::Store)?;
            if let Some(r) = active_refusal(&list) {
                return Err(OpError::Rule(Violation::SeekerRefused {
                    since: r.since,
                    reason: r.reason.clone(),
                })
                .into());
            }
        }
        let slot = new.slot;
        for r in tx.query(
            "SELECT record FROM soudan_block WHERE office = $1 AND day = $2",
            &[&office, &slot.date],
        )? {
            let b: Block = from_json(&place, "block", r.get(0)).map_err(OpError::Store)?;
            if b.covers(&slot) {
                return Err(OpError::Rule(Violation::SlotBlocked {
                    slot,
                    reason: b.reason,
                })
                .into());
            }
        }
        let booth = i16::from(slot.booth);
        if tx
            .query_opt(
                "SELECT 1 FROM soudan_booking WHERE office = $1 AND day = $2 AND start_time = $3
                 AND booth = $4 AND status NOT IN ('cancelled', 'no_show')",
                &[&office, &slot.date, &slot.start, &booth],
            )?
            .is_some()
        {
            return Err(OpError::Rule(Violation::SlotTaken { slot }).into());
        }
        if let Some(r) = tx.query_opt(
            "SELECT id FROM soudan_booking WHERE office = $1 AND seeker = $2 AND day = $3
             AND status NOT IN ('cancelled', 'no_show')",
            &[&office, &number, &slot.date],
        )? {
            let id: String = r.get(0);
            if let Ok(id) = BookingId::parse(&id) {
                return Err(OpError::Rule(Violation::SeekerBookedThatDay {
                    date: slot.date,
                    id,
                })
                .into());
            }
        }
        let id = BookingId::from_random(fastrand::u64(..));
        let booking = new.booking(id, ctx.at);
        let seeker_json = json(&place, &record).map_err(OpError::Store)?;
        if stored.as_ref() != Some(&record) {
            tx.execute(
                "INSERT INTO soudan_seeker (office, number, record) VALUES ($1, $2, $3)
                 ON CONFLICT (office, number) DO UPDATE SET record = EXCLUDED.record",
                &[&office, &number, &seeker_json],
            )?;
        }
        let status = Status::Booked.id();
        let inserted = tx.execute(
            "INSERT INTO soudan_booking (office, id, seeker, day, start_time, booth, status, record)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &office,
                &id.as_str(),
                &number,
                &slot.date,
                &slot.start,
                &booth,
                &status,
                &json(&place, &booking).map_err(OpError::Store)?,
            ],
        );
        if let Err(e) = inserted {
            // Another writer's booking got in after the checks: the same
            // refusal as the check's (the unique indexes are the rule).
            let name = e.as_db_error().and_then(|d| d.constraint()).unwrap_or("");
            if name == "soudan_booking_one_per_slot" {
                return Err(OpError::Rule(Violation::SlotTaken { slot }).into());
            }
            return Err(e.into());
        }
        if changed {
            let what = Audited {
                action: "contact",
                booking: None,
                seeker: Some(&record.number),
                from: None,
                to: None,
            };
            audit(&mut tx, &place, &office, audit_next, ctx, what)?;
            audit_next += 1;
        }
        let what = Audited {
            action: "book",
            booking: Some(id),
            seeker: None,
            from: None,
            to: Some(Status::Booked),
        };
        audit(&mut tx, &place, &office, audit_next, ctx, what)?;
        audit_next += 1;
        queue_mail(
            &mut tx,
            &place,
            &office,
            mail_next,
            id,
            MailKind::Confirmation,
            ctx,
        )?;
        tx.execute(
            "UPDATE soudan_office SET audit_next = $2, mail_next = $3 WHERE office = $1",
            &[&office, &audit_next, &(mail_next + 1)],
        )?;
        // PostgreSQL's commit is durable (synchronous_commit) before it returns.
        tx.commit()?;
        Ok(booking)
    }

    /// A booking of this office.
    pub fn booking(&mut self, id: BookingId) -> Result<Option<Booking>, StoreError> {
        let place = self.place.clone();
        let row = self
            .client
            .query_opt(
                "SELECT record FROM soudan_booking WHERE office = $1 AND id = $2",
                &[&self.office, &id.as_str()],
            )
            .map_err(fail(&place))?;
        row.map(|r| from_json(&place, "booking", r.get(0)))
            .transpose()
    }

    /// A job seeker of this office.
    pub fn seeker(&mut self, number: &str) -> Result<Option<Seeker>, StoreError> {
        let place = self.place.clone();
        let row = self
            .client
            .query_opt(
                "SELECT record FROM soudan_seeker WHERE office = $1 AND number = $2",
                &[&self.office, &number],
            )
            .map_err(fail(&place))?;
        row.map(|r| from_json(&place, "seeker", r.get(0)))
            .transpose()
    }

    /// This office's queued mails, oldest first.
    pub fn mail_queue(&mut self) -> Result<Vec<MailIntent>, StoreError> {
        self.records(
            "mail",
            "SELECT record FROM soudan_mail_queue WHERE office = $1 ORDER BY seq",
        )
    }

    /// Takes a written mail off the queue.
    pub fn mail_done(&mut self, seq: u64) -> Result<(), StoreError> {
        let place = self.place.clone();
        self.client
            .execute(
                "DELETE FROM soudan_mail_queue WHERE office = $1 AND seq = $2",
                &[&self.office, &i64::try_from(seq).unwrap_or(i64::MAX)],
            )
            .map_err(fail(&place))?;
        Ok(())
    }
}

impl Pg {
    fn bookings(
        &mut self,
        sql: &str,
        key: &(dyn postgres::types::ToSql + Sync),
    ) -> Result<Vec<Booking>, StoreError> {
        let place = self.place.clone();
        let rows = self
            .client
            .query(sql, &[&self.office, key])
            .map_err(fail(&place))?;
        rows.into_iter()
            .map(|r| from_json(&place, "booking", r.get::<_, serde_json::Value>(0)))
            .collect()
    }

    /// Every booking of `date` (cancelled ones too), by start time then booth.
    pub fn day(&mut self, date: chrono::NaiveDate) -> Result<Vec<Booking>, StoreError> {
        self.bookings(
            "SELECT record FROM soudan_booking WHERE office = $1 AND day = $2
             ORDER BY start_time, booth, id COLLATE \"C\"",
            &date,
        )
    }

    /// Records a refusal under Art. 12(1) (`refuse`), or lifts the one in
    /// force, in one transaction with its audit event.
    pub fn refuse(
        &mut self,
        number: &str,
        reason: &str,
        ctx: &Ctx,
        refuse: bool,
    ) -> Result<crate::domain::booking::Refusal, OpError> {
        self.retrying(|pg| pg.refuse_once(number, reason, ctx, refuse))
    }

    fn refuse_once(
        &mut self,
        number: &str,
        reason: &str,
        ctx: &Ctx,
        refuse: bool,
    ) -> Result<crate::domain::booking::Refusal, Failed> {
        use crate::domain::booking::{Lifted, Refusal, Violation, active_refusal};
        let place = self.place.clone();
        let office = self.office.clone();
        let seeker = crate::domain::seeker::JobSeekerNumber::parse(number).map_err(|_| {
            OpError::Store(StoreError::Damaged {
                dir: place.clone().into(),
                detail: format!("{number:?} is no job seeker number"),
            })
        })?;
        let mut tx = self.client.transaction()?;
        tx.execute(
            "INSERT INTO soudan_office (office) VALUES ($1) ON CONFLICT (office) DO NOTHING",
            &[&office],
        )?;
        let seq: i64 = tx
            .query_one(
                "SELECT audit_next FROM soudan_office WHERE office = $1 FOR UPDATE",
                &[&office],
            )?
            .get(0);
        let mut list: Vec<Refusal> = match tx.query_opt(
            "SELECT record FROM soudan_refusals WHERE office = $1 AND seeker = $2",
            &[&office, &number],
        )? {
            Some(r) => from_json(&place, "refusal", r.get(0)).map_err(OpError::Store)?,
            None => Vec::new(),
        };
        let changed = if refuse {
            if let Some(r) = active_refusal(&list) {
                return Err(OpError::Rule(Violation::AlreadyRefused { since: r.since }).into());
            }
            let r = Refusal {
                reason: reason.to_string(),
                since: ctx.at,
                by: ctx.actor.user.clone(),
                lifted: None,
            };
            list.push(r.clone());
            r
        } else {
            let Some(active) = list.iter_mut().rev().find(|r| r.lifted.is_none()) else {
                return Err(OpError::Rule(Violation::NotRefused).into());
            };
            active.lifted = Some(Lifted {
                at: ctx.at,
                reason: reason.to_string(),
                by: ctx.actor.user.clone(),
            });
            active.clone()
        };
        tx.execute(
            "INSERT INTO soudan_refusals (office, seeker, record) VALUES ($1, $2, $3)
             ON CONFLICT (office, seeker) DO UPDATE SET record = EXCLUDED.record",
            &[
                &office,
                &number,
                &json(&place, &list).map_err(OpError::Store)?,
            ],
        )?;
        let what = Audited {
            action: if refuse { "refuse" } else { "unrefuse" },
            booking: None,
            seeker: Some(&seeker),
            from: None,
            to: None,
        };
        audit(&mut tx, &place, &office, seq, ctx, what)?;
        tx.execute(
            "UPDATE soudan_office SET audit_next = $2 WHERE office = $1",
            &[&office, &(seq + 1)],
        )?;
        tx.commit()?;
        Ok(changed)
    }

    /// This office's audit trail, oldest first.
    pub fn audit(&mut self) -> Result<Vec<AuditEvent>, StoreError> {
        self.records(
            "audit",
            "SELECT record FROM soudan_audit WHERE office = $1 ORDER BY seq",
        )
    }

    /// A job seeker's refusals, oldest first.
    pub fn refusals(
        &mut self,
        number: &str,
    ) -> Result<Vec<crate::domain::booking::Refusal>, StoreError> {
        let place = self.place.clone();
        let row = self
            .client
            .query_opt(
                "SELECT record FROM soudan_refusals WHERE office = $1 AND seeker = $2",
                &[&self.office, &number],
            )
            .map_err(fail(&place))?;
        Ok(row
            .map(|r| from_json(&place, "refusal", r.get(0)))
            .transpose()?
            .unwrap_or_default())
    }

    /// Every booking of a job seeker, oldest first.
    pub fn seeker_bookings(&mut self, number: &str) -> Result<Vec<Booking>, StoreError> {
        self.bookings(
            "SELECT record FROM soudan_booking WHERE office = $1 AND seeker = $2
             ORDER BY day, start_time, booth, id COLLATE \"C\"",
            &number,
        )
    }

    /// Applies `event` to booking `id` when `rule` allows it, in one
    /// transaction with the office's row locked: the booking's new state,
    /// its audit event and (a cancellation) its mail intent.
    pub fn apply(
        &mut self,
        id: BookingId,
        event: &crate::domain::booking::Event,
        ctx: &Ctx,
        rule: &dyn Fn(&Booking) -> Result<(), crate::domain::booking::Violation>,
    ) -> Result<Booking, OpError> {
        self.retrying(|pg| pg.apply_once(id, event, ctx, rule))
    }

    /// Runs a transaction, again on a serialization failure or a deadlock,
    /// at most [`TRIES`] times.
    fn retrying<T>(&mut self, f: impl Fn(&mut Pg) -> Result<T, Failed>) -> Result<T, OpError> {
        let place = self.place.clone();
        let mut tries = 0;
        loop {
            tries += 1;
            match f(self) {
                Ok(v) => return Ok(v),
                Err(Failed::Op(e)) => return Err(e),
                Err(Failed::Db(e)) if retryable(&e) && tries < TRIES => {
                    std::thread::sleep(std::time::Duration::from_millis(5 * tries as u64));
                }
                Err(Failed::Db(e)) => return Err(OpError::Store(fail(&place)(e))),
            }
        }
    }

    fn apply_once(
        &mut self,
        id: BookingId,
        event: &crate::domain::booking::Event,
        ctx: &Ctx,
        rule: &dyn Fn(&Booking) -> Result<(), crate::domain::booking::Violation>,
    ) -> Result<Booking, Failed> {
        let place = self.place.clone();
        let office = self.office.clone();
        let mut tx = self.client.transaction()?;
        let Some(row) = tx.query_opt(
            "SELECT audit_next, mail_next FROM soudan_office WHERE office = $1 FOR UPDATE",
            &[&office],
        )?
        else {
            return Err(OpError::NotFound(id).into());
        };
        let (audit_next, mail_next): (i64, i64) = (row.get(0), row.get(1));
        let Some(row) = tx.query_opt(
            "SELECT record FROM soudan_booking WHERE office = $1 AND id = $2 FOR UPDATE",
            &[&office, &id.as_str()],
        )?
        else {
            return Err(OpError::NotFound(id).into());
        };
        let mut booking: Booking =
            from_json(&place, "booking", row.get(0)).map_err(OpError::Store)?;
        rule(&booking).map_err(OpError::Rule)?;
        let from = booking.status;
        booking
            .apply(event.clone(), ctx.at)
            .map_err(OpError::Rule)?;
        let status = booking.status.id();
        tx.execute(
            "UPDATE soudan_booking SET status = $3, record = $4 WHERE office = $1 AND id = $2",
            &[
                &office,
                &id.as_str(),
                &status,
                &json(&place, &booking).map_err(OpError::Store)?,
            ],
        )?;
        let mut mail_next = mail_next;
        if matches!(event, crate::domain::booking::Event::Cancel { .. }) {
            queue_mail(
                &mut tx,
                &place,
                &office,
                mail_next,
                id,
                MailKind::Cancellation,
                ctx,
            )?;
            mail_next += 1;
        }
        let what = Audited {
            action: event.id(),
            booking: Some(id),
            seeker: None,
            from: Some(from),
            to: Some(booking.status),
        };
        audit(&mut tx, &place, &office, audit_next, ctx, what)?;
        tx.execute(
            "UPDATE soudan_office SET audit_next = $2, mail_next = $3 WHERE office = $1",
            &[&office, &(audit_next + 1), &mail_next],
        )?;
        tx.commit()?;
        Ok(booking)
    }

    /// The no-show rule (Art. 6(4)) at office time `now`, as the embedded
    /// store applies it: every booking still booked whose start plus
    /// `grace` has come becomes a no-show, done by the system at that moment.
    pub fn sweep(
        &mut self,
        now: chrono::NaiveDateTime,
        grace: chrono::Duration,
        offset: chrono::FixedOffset,
        terminal: &str,
    ) -> Result<Vec<Booking>, OpError> {
        let place = self.place.clone();
        let rows = self
            .client
            .query(
                "SELECT id, day, start_time FROM soudan_booking
                 WHERE office = $1 AND status = 'booked' AND day <= $2
                 ORDER BY day, start_time, booth",
                &[&self.office, &now.date()],
            )
            .map_err(|e| OpError::Store(fail(&place)(e)))?;
        let mut swept = Vec::new();
        for r in rows {
            let (id, day, start): (String, chrono::NaiveDate, chrono::NaiveTime) =
                (r.get(0), r.get(1), r.get(2));
            let due = day.and_time(start) + grace;
            if due > now {
                continue;
            }
            let Ok(id) = BookingId::parse(&id) else {
                continue;
            };
            let ctx = Ctx {
                at: due
                    .and_local_timezone(offset)
                    .single()
                    .unwrap_or_else(|| now.and_utc().fixed_offset()),
                actor: super::Actor::system(terminal),
                channel: None,
            };
            match self.apply(
                id,
                &crate::domain::booking::Event::NoShow,
                &ctx,
                &|_| Ok(()),
            ) {
                Ok(b) => swept.push(b),
                Err(OpError::Rule(crate::domain::booking::Violation::WrongState { .. })) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(swept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(
            shown("postgresql://soudan:s3cret@db.example.jp:5432/soudan"),
            "postgresql://soudan@db.example.jp:5432/soudan"
        );
        assert_eq!(
            shown("postgresql:///soudan?host=/run/postgresql"),
            "postgresql:///soudan?host=/run/postgresql"
        );
        assert!(is_postgres("postgres://x/y") && !is_postgres("/var/lib/soudan"));
    }
}
