//! The PostgreSQL store: many offices in one database (`[storage] url =
//! "postgresql://…"` or `SOUDAN_STORE`), an [`Engine`] like the embedded
//! one, held to the same tests. Every row carries its office, and a
//! connection works for one office only; the schema carries the rules as
//! well as the desk (one live booking per slot and per job seeker and day,
//! an append-only audit trail numbered densely per office); each change
//! is announced on [`CHANNEL`] at its commit, for the other servers of the
//! office ([`Pg::watch_changes`]).
//!
//! The schema is SQL files under `assets/sql/`, applied in order at the
//! first connection, in one transaction under an advisory lock (two
//! processes starting at once apply them once), with its version in
//! `soudan_schema`; a database of a newer version is refused (exit 4), as a
//! newer sled database is.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use chrono::{Duration, FixedOffset, NaiveDate, NaiveDateTime};
use postgres::{Client, NoTls};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::backup::{NoteRecord, RestoreError, SeekerRefusals, Snapshot};
use super::hold::{Hold, HoldBook};
use super::{
    AuditEvent, CheckReport, ClockRefused, Contact, Ctx, Engine, MailIntent, MailKind, NewBooking,
    OpError, SeekerText, StoreError,
};
use crate::domain::block::{Block, Note, NoteOn};
use crate::domain::booking::{
    Booking, BookingId, Event, Refusal, Slot, Status, Violation, active_refusal,
};
use crate::domain::seeker::{JobSeekerNumber, Seeker};
use crate::domain::terms::Consent;

/// The schema's migrations, in order: (version, SQL).
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../assets/sql/0001_init.sql")),
    (2, include_str!("../../assets/sql/0002_holds.sql")),
];

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i32 = 2;

/// The advisory lock the migrations are applied under (any number that
/// no other program of the database uses; "soudan" in ASCII).
const MIGRATION_LOCK: i64 = 0x736f_7564_616e;

/// Rows per statement of a bulk write.
const CHUNK: usize = 5_000;

/// A query of holds' rows: `office = $1`, and the conditions given.
macro_rules! hold_row {
    ($rest:literal) => {
        concat!(
            "SELECT day, start_time, booth, account, terminal, holder, until
             FROM soudan_hold WHERE office = $1",
            $rest
        )
    };
}

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

/// One office's records in a PostgreSQL database: a few connections,
/// each opened when first needed and again by itself after it was lost (a
/// restart of PostgreSQL, a network cut), each used by one request at a
/// time, with its statements prepared once.
pub struct Pg {
    conns: Vec<Mutex<Option<Conn>>>,
    next: std::sync::atomic::AtomicUsize,
    /// How many times a connection of the pool was found lost.
    losses: std::sync::atomic::AtomicU64,
    config: postgres::Config,
    tls: Tls,
    office: String,
    place: String,
    /// This process among the office's writers, for the change notices.
    instance: String,
}

/// Connections per process: requests of a server's terminals overlap
/// where they do not wait for the office's row.
const POOL: usize = 4;

/// One connection and what it has prepared.
struct Conn {
    client: Client,
    statements: std::collections::HashMap<&'static str, postgres::Statement>,
    /// It holds the office's mail-writer lock (a session lock).
    mail_lock: bool,
    /// When it last answered: a connection idle for a while is asked
    /// whether it is still there before a request goes on it.
    used: std::time::Instant,
    /// The pool's loss count when it was last known good: after another
    /// connection of the pool was found lost, it is asked too.
    seen: u64,
}

/// How long a connection may sit idle before it is checked before use.
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// A connection lent to one request, with the office it works for.
struct Session<'a> {
    client: &'a mut Client,
    statements: &'a mut std::collections::HashMap<&'static str, postgres::Statement>,
    mail_lock: &'a mut bool,
    office: String,
    place: String,
    instance: &'a str,
}

/// A statement prepared once per connection.
fn prepared<C: postgres::GenericClient>(
    c: &mut C,
    cache: &mut std::collections::HashMap<&'static str, postgres::Statement>,
    sql: &'static str,
) -> Result<postgres::Statement, postgres::Error> {
    if let Some(st) = cache.get(sql) {
        return Ok(st.clone());
    }
    let st = c.prepare(sql)?;
    cache.insert(sql, st.clone());
    Ok(st)
}

fn fail(place: &str) -> impl Fn(postgres::Error) -> StoreError + '_ {
    move |e| StoreError::Database {
        place: place.to_string(),
        detail: match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            // The cause too ("error performing tls handshake: invalid peer
            // certificate: UnknownIssuer").
            None => {
                let mut d = e.to_string();
                let mut cause = std::error::Error::source(&e);
                while let Some(c) = cause {
                    d = format!("{d}: {c}");
                    cause = c.source();
                }
                d
            }
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

/// How connections are made. `sslmode=require` in the URL asks for TLS,
/// through rustls: the server's certificate and host name are checked
/// (stricter than libpq's `require`, which checks neither) against the
/// authorities of `sslrootcert=FILE` (PEM), else the system's
/// (`/etc/ssl/certs/ca-certificates.crt`). Otherwise none: a Unix socket
/// needs none, and a URL that asks for none gets none.
#[derive(Clone)]
enum Tls {
    None,
    Rustls(tokio_postgres_rustls::MakeRustlsConnect),
}

/// The system's certificate authorities (Debian's bundle).
const SYSTEM_ROOTS: &str = "/etc/ssl/certs/ca-certificates.crt";

impl Tls {
    fn for_config(
        config: &postgres::Config,
        rootcert: Option<&str>,
        place: &str,
    ) -> Result<Tls, StoreError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        if config.get_ssl_mode() != postgres::config::SslMode::Require {
            return Ok(Tls::None);
        }
        let file = rootcert.unwrap_or(SYSTEM_ROOTS);
        let bad = |detail: String| StoreError::Database {
            place: place.to_string(),
            detail,
        };
        let mut roots = rustls::RootCertStore::empty();
        let certs = CertificateDer::pem_file_iter(file)
            .map_err(|e| bad(format!("sslrootcert {file}: {e}")))?;
        for cert in certs {
            let cert = cert.map_err(|e| bad(format!("sslrootcert {file}: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| bad(format!("sslrootcert {file}: {e}")))?;
        }
        if roots.is_empty() {
            return Err(bad(format!("sslrootcert {file}: no certificate in it")));
        }
        let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Tls::Rustls(tokio_postgres_rustls::MakeRustlsConnect::new(
            tls,
        )))
    }

    fn connect(&self, config: &postgres::Config) -> Result<Client, postgres::Error> {
        match self {
            Tls::None => config.connect(NoTls),
            Tls::Rustls(t) => config.connect(t.clone()),
        }
    }
}

/// The URL without its `sslrootcert` (which the connection's own parser
/// does not know), and that file.
fn without_rootcert(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut file = None;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.strip_prefix("sslrootcert=") {
            Some(f) => {
                file = Some(percent_decoded(f));
                false
            }
            None => true,
        })
        .collect();
    let url = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (url, file)
}

/// `%2F` and the like in a URL's value, as bytes.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a change notice on [`CHANNEL`] says: which office changed, and
/// which process changed it (its own notices a server passes over).
fn notice(office: &str, instance: &str) -> String {
    format!("{office} {instance}")
}

/// The channel every office's changes are announced on; the payload is
/// [`notice`]'s `OFFICE INSTANCE`.
pub const CHANNEL: &str = "soudan_changed";

/// The key (with the office's) of the session lock held by the one
/// process that writes an office's queued mail.
const MAIL_LOCK: i32 = 0x6d61_696c;

impl Pg {
    /// Connects (a Unix socket folder as `host=/path`, or TCP), applies the
    /// migrations, and works for `office` from here on.
    pub fn connect(url: &str, office: &str) -> Result<Pg, StoreError> {
        let place = shown(url);
        let (url, rootcert) = without_rootcert(url);
        let config: postgres::Config =
            url.parse()
                .map_err(|e: postgres::Error| StoreError::Database {
                    place: place.clone(),
                    detail: e.to_string(),
                })?;
        let tls = Tls::for_config(&config, rootcert.as_deref(), &place)?;
        let mut client = tls.connect(&config).map_err(fail(&place))?;
        migrate(&mut client, &place)?;
        let mut conns: Vec<Mutex<Option<Conn>>> = (0..POOL).map(|_| Mutex::new(None)).collect();
        conns[0] = Mutex::new(Some(Conn {
            client,
            statements: Default::default(),
            mail_lock: false,
            used: std::time::Instant::now(),
            seen: 0,
        }));
        Ok(Pg {
            conns,
            next: std::sync::atomic::AtomicUsize::new(0),
            losses: std::sync::atomic::AtomicU64::new(0),
            config,
            tls,
            office: office.to_string(),
            place,
            instance: format!("{:016x}", fastrand::u64(..)),
        })
    }

    /// The database as it may be named in messages.
    pub fn place_name(&self) -> &str {
        &self.place
    }

    /// The office this connection works for.
    pub fn office(&self) -> &str {
        &self.office
    }

    /// This process's name in the change notices.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Runs `f` on the connection, opening it again first if it was lost;
    /// a connection that broke during `f` is dropped, to be opened again
    /// by the next request.
    fn session<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Session<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        // A free connection, the first one first (a command needs one);
        // with none free, the next in turn is waited for.
        let mut guard = None;
        for c in &self.conns {
            if let Ok(g) = c.try_lock() {
                guard = Some(g);
                break;
            }
        }
        let mut guard = match guard {
            Some(g) => g,
            None => {
                let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % POOL;
                self.conns[i].lock().unwrap_or_else(|p| p.into_inner())
            }
        };
        self.with_conn(&mut guard, f)
    }

    /// [`Pg::session`] on the first connection (the one that may hold the
    /// office's mail-writer lock).
    fn first_session<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&mut Session<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut guard = self.conns[0].lock().unwrap_or_else(|p| p.into_inner());
        self.with_conn(&mut guard, f)
    }

    fn with_conn<T, E: From<StoreError>>(
        &self,
        guard: &mut Option<Conn>,
        f: impl FnOnce(&mut Session<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        // One that sat idle may have lost its server meanwhile (nobody was
        // reading it): asked first, so that a request never fails on a
        // connection that was already gone.
        use std::sync::atomic::Ordering;
        let losses = self.losses.load(Ordering::SeqCst);
        if let Some(c) = guard.as_mut()
            && (c.used.elapsed() > IDLE_CHECK || c.seen < losses)
        {
            if c.client.is_valid(IDLE_CHECK).is_err() {
                *guard = None;
                self.losses.fetch_add(1, Ordering::SeqCst);
            } else {
                c.seen = losses;
            }
        }
        if guard.as_ref().is_none_or(|c| c.client.is_closed()) {
            *guard = None;
            let client = self
                .tls
                .connect(&self.config)
                .map_err(fail(&self.place))
                .map_err(E::from)?;
            *guard = Some(Conn {
                client,
                statements: Default::default(),
                mail_lock: false,
                used: std::time::Instant::now(),
                seen: self.losses.load(Ordering::SeqCst),
            });
        }
        let Some(conn) = guard.as_mut() else {
            return Err(E::from(StoreError::Database {
                place: self.place.clone(),
                detail: "no connection".into(),
            }));
        };
        let mut s = Session {
            client: &mut conn.client,
            statements: &mut conn.statements,
            mail_lock: &mut conn.mail_lock,
            office: self.office.clone(),
            place: self.place.clone(),
            instance: &self.instance,
        };
        let out = f(&mut s);
        conn.used = std::time::Instant::now();
        if conn.client.is_closed() {
            *guard = None;
            self.losses.fetch_add(1, Ordering::SeqCst);
        }
        out
    }

    /// The schema version of the database (0: none yet).
    pub fn schema_version(&self) -> Result<i32, StoreError> {
        self.session(|s| {
            let row = s
                .client
                .query_one("SELECT coalesce(max(version), 0) FROM soudan_schema", &[])
                .map_err(fail(&s.place))?;
            Ok(row.get(0))
        })
    }

    /// The bookings of `offices` on the days `from..=to`, for statistics.
    pub fn bookings_of(
        &self,
        offices: &[String],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Booking>, StoreError> {
        self.session(|s| s.bookings_of(offices, from, to))
    }

    /// Waits for changes of this office made by other processes and calls
    /// `changed` for each, until `stop`: by LISTEN, or (`poll` set, for an
    /// engine without LISTEN) by reading the office's audit counter every
    /// `poll`. After any reconnection `changed` is called too, since
    /// notices sent meanwhile are lost: the screens then load afresh.
    pub fn watch_changes(
        &self,
        poll: Option<std::time::Duration>,
        stop: &std::sync::atomic::AtomicBool,
        changed: &dyn Fn(),
    ) {
        use std::sync::atomic::Ordering;
        use std::time::Duration;
        let mut first = true;
        let mut last_counter: Option<i64> = None;
        while !stop.load(Ordering::SeqCst) {
            let mut client = match self.tls.connect(&self.config) {
                Ok(c) => c,
                Err(_) => {
                    std::thread::sleep(Duration::from_millis(250));
                    continue;
                }
            };
            if !first {
                // The pool's connections were likely lost too: each is
                // asked before its next request.
                self.losses.fetch_add(1, Ordering::SeqCst);
                changed();
            }
            first = false;
            if poll.is_none() && client.batch_execute(&format!("LISTEN {CHANNEL}")).is_err() {
                continue;
            }
            while !stop.load(Ordering::SeqCst) && !client.is_closed() {
                match poll {
                    None => {
                        use postgres::fallible_iterator::FallibleIterator;
                        let mut broken = false;
                        let mut notices = client.notifications();
                        let mut it = notices.timeout_iter(Duration::from_millis(500));
                        // Each notice passed on as it comes; half a second
                        // without one ends the wait.
                        loop {
                            match it.next() {
                                Ok(Some(n)) => {
                                    let (office, from) =
                                        n.payload().split_once(' ').unwrap_or((n.payload(), ""));
                                    if office == self.office && from != self.instance {
                                        changed();
                                    }
                                    if stop.load(Ordering::SeqCst) {
                                        break;
                                    }
                                }
                                Ok(None) => break,
                                Err(_) => {
                                    broken = true;
                                    break;
                                }
                            }
                        }
                        drop(it);
                        drop(notices);
                        // A quiet connection may be a dead one: asked.
                        if broken || client.simple_query("").is_err() {
                            break;
                        }
                    }
                    Some(every) => {
                        let now = client
                            .query_opt(
                                "SELECT audit_next FROM soudan_office WHERE office = $1",
                                &[&self.office],
                            )
                            .map(|r| r.map_or(0, |r| r.get::<_, i64>(0)));
                        match now {
                            Ok(n) => {
                                if last_counter.is_some_and(|l| l != n) {
                                    changed();
                                }
                                last_counter = Some(n);
                            }
                            Err(_) => break,
                        }
                        std::thread::sleep(every);
                    }
                }
            }
        }
    }
}

fn migrate(client: &mut Client, place: &str) -> Result<(), StoreError> {
    let mut tx = client.transaction().map_err(fail(place))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(fail(place))?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS soudan_schema (version integer NOT NULL)")
        .map_err(fail(place))?;
    let found: i32 = tx
        .query_one("SELECT coalesce(max(version), 0) FROM soudan_schema", &[])
        .map_err(fail(place))?
        .get(0);
    if found > SCHEMA_VERSION {
        return Err(StoreError::Newer {
            dir: place.into(),
            found: found as u32,
            supported: SCHEMA_VERSION as u32,
        });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        tx.batch_execute(sql).map_err(fail(place))?;
        tx.execute(
            "INSERT INTO soudan_schema (version) VALUES ($1)",
            &[version],
        )
        .map_err(fail(place))?;
    }
    tx.commit().map_err(fail(place))
}

/// One write in progress: its transaction, with the office's row locked
/// (the office's writers go one at a time, so its audit trail is numbered
/// densely) and the office's counters.
struct W<'t> {
    tx: postgres::Transaction<'t>,
    stmts: &'t mut std::collections::HashMap<&'static str, postgres::Statement>,
    place: String,
    office: String,
    audit_next: i64,
    mail_next: i64,
    block_next: i64,
}

impl W<'_> {
    /// `sql` prepared on this connection (once).
    fn st(&mut self, sql: &'static str) -> Result<postgres::Statement, postgres::Error> {
        prepared(&mut self.tx, self.stmts, sql)
    }

    fn store(&self, e: StoreError) -> Failed {
        Failed::Op(OpError::Store(e))
    }

    fn json<T: Serialize>(&self, v: &T) -> Result<serde_json::Value, Failed> {
        json(&self.place, v).map_err(|e| self.store(e))
    }

    fn read<T: DeserializeOwned>(&self, what: &str, v: serde_json::Value) -> Result<T, Failed> {
        from_json(&self.place, what, v).map_err(|e| self.store(e))
    }

    /// Writes the next audit event.
    fn audit(&mut self, ctx: &Ctx, what: Audited<'_>) -> Result<(), Failed> {
        let ev = AuditEvent {
            seq: self.audit_next as u64,
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
        let record = self.json(&ev)?;
        let st1 = self.st(
            "INSERT INTO soudan_audit (office, seq, booking, record) VALUES ($1, $2, $3, $4)",
        )?;
        self.tx.execute(
            &st1,
            &[
                &self.office,
                &self.audit_next,
                &what.booking.as_ref().map(|b| b.as_str()),
                &record,
            ],
        )?;
        self.audit_next += 1;
        Ok(())
    }

    /// Queues the next mail about `booking`.
    fn mail(&mut self, booking: BookingId, kind: MailKind, ctx: &Ctx) -> Result<(), Failed> {
        let intent = MailIntent {
            seq: self.mail_next as u64,
            booking,
            kind,
            at: ctx.at,
        };
        let record = self.json(&intent)?;
        let st2 =
            self.st("INSERT INTO soudan_mail_queue (office, seq, record) VALUES ($1, $2, $3)")?;
        self.tx
            .execute(&st2, &[&self.office, &self.mail_next, &record])?;
        self.mail_next += 1;
        Ok(())
    }

    /// Sets `mark` once: false when it was set before.
    fn mark(&mut self, mark: &[u8], value: &[u8]) -> Result<bool, Failed> {
        let st3 = self.st(
            "INSERT INTO soudan_mark (office, mark, value) VALUES ($1, $2, $3)
             ON CONFLICT (office, mark) DO NOTHING",
        )?;
        let n = self.tx.execute(&st3, &[&self.office, &mark, &value])?;
        Ok(n == 1)
    }

    fn has_mark(&mut self, mark: &[u8]) -> Result<Option<Vec<u8>>, Failed> {
        let st = self.st("SELECT value FROM soudan_mark WHERE office = $1 AND mark = $2")?;
        Ok(self
            .tx
            .query_opt(&st, &[&self.office, &mark])?
            .map(|r| r.get(0)))
    }

    /// The booking a request under `once` made before, as it is now.
    fn done_before(&mut self, once: Option<&[u8]>) -> Result<Option<Booking>, Failed> {
        let Some(once) = once else { return Ok(None) };
        let (key, digest) = super::keys::once_parts(once);
        let Some(value) = self.has_mark(key)? else {
            return Ok(None);
        };
        if !super::keys::same_request(&value, digest) {
            return Err(OpError::KeyReused.into());
        }
        let id = std::str::from_utf8(
            &value[value.len().saturating_sub(crate::domain::booking::ID_LEN)..],
        )
        .ok()
        .and_then(|v| BookingId::parse(v).ok())
        .ok_or_else(|| {
            self.store(StoreError::Damaged {
                dir: self.place.clone().into(),
                detail: "a request's mark names no booking".into(),
            })
        })?;
        Ok(Some(self.booking(id, false)?))
    }

    /// Remembers that the request under `once` was booking `id`.
    fn remember(&mut self, once: Option<&[u8]>, id: BookingId) -> Result<(), Failed> {
        if let Some(once) = once {
            let (key, digest) = super::keys::once_parts(once);
            let mut value = digest.to_vec();
            value.extend_from_slice(id.as_str().as_bytes());
            self.mark(key, &value)?;
        }
        Ok(())
    }

    /// Booking `id`, locked for this write when `lock`.
    fn booking(&mut self, id: BookingId, lock: bool) -> Result<Booking, Failed> {
        let sql = if lock {
            "SELECT record FROM soudan_booking WHERE office = $1 AND id = $2 FOR UPDATE"
        } else {
            "SELECT record FROM soudan_booking WHERE office = $1 AND id = $2"
        };
        let Some(row) = self.tx.query_opt(sql, &[&self.office, &id.as_str()])? else {
            return Err(OpError::NotFound(id).into());
        };
        self.read("booking", row.get(0))
    }

    /// Writes a booking's new state (its columns follow its record).
    fn put_booking(&mut self, b: &Booking) -> Result<(), Failed> {
        let record = self.json(b)?;
        let st4 = self.st(
            "UPDATE soudan_booking SET day = $3, start_time = $4, booth = $5, status = $6,
             record = $7 WHERE office = $1 AND id = $2",
        )?;
        let r = self.tx.execute(
            &st4,
            &[
                &self.office,
                &b.id.as_str(),
                &b.slot.date,
                &b.slot.start,
                &i16::from(b.slot.booth),
                &b.status.id(),
                &record,
            ],
        );
        taken_or(r, b.slot).map(|_| ())
    }

    fn seeker(&mut self, number: &str) -> Result<Option<Seeker>, Failed> {
        let st5 = self.st("SELECT record FROM soudan_seeker WHERE office = $1 AND number = $2")?;
        match self.tx.query_opt(&st5, &[&self.office, &number])? {
            Some(r) => Ok(Some(self.read("seeker", r.get(0))?)),
            None => Ok(None),
        }
    }

    fn put_seeker(&mut self, s: &Seeker) -> Result<(), Failed> {
        let record = self.json(s)?;
        let st6 = self.st(
            "INSERT INTO soudan_seeker (office, number, record) VALUES ($1, $2, $3)
             ON CONFLICT (office, number) DO UPDATE SET record = EXCLUDED.record",
        )?;
        self.tx
            .execute(&st6, &[&self.office, &s.number.as_str(), &record])?;
        Ok(())
    }

    fn refusal_list(&mut self, number: &str) -> Result<Vec<Refusal>, Failed> {
        let st7 =
            self.st("SELECT record FROM soudan_refusals WHERE office = $1 AND seeker = $2")?;
        match self.tx.query_opt(&st7, &[&self.office, &number])? {
            Some(r) => self.read("refusal", r.get(0)),
            None => Ok(Vec::new()),
        }
    }

    /// Refuses a job seeker refused under Art. 12(1).
    fn not_refused(&mut self, number: &str) -> Result<(), Failed> {
        let list = self.refusal_list(number)?;
        if let Some(r) = active_refusal(&list) {
            return Err(OpError::Rule(Violation::SeekerRefused {
                since: r.since,
                reason: r.reason.clone(),
            })
            .into());
        }
        Ok(())
    }

    /// Refuses a slot that is taken or blocked, or a second live booking of
    /// the job seeker that day (`except`: the booking being moved).
    fn slot_free(
        &mut self,
        slot: Slot,
        seeker: &str,
        except: Option<BookingId>,
    ) -> Result<(), Failed> {
        let except = except.map(|e| e.as_str().to_string()).unwrap_or_default();
        let booth = i16::from(slot.booth);
        // One round trip for the three checks.
        let st = self.st("SELECT
               EXISTS (SELECT 1 FROM soudan_booking WHERE office = $1 AND day = $2
                       AND start_time = $3 AND booth = $4
                       AND status NOT IN ('cancelled', 'no_show')),
               (SELECT coalesce(jsonb_agg(record ORDER BY id), '[]'::jsonb) FROM soudan_block
                WHERE office = $1 AND day = $2),
               (SELECT id FROM soudan_booking WHERE office = $1 AND seeker = $5 AND day = $2
                AND status NOT IN ('cancelled', 'no_show') AND id <> $6 LIMIT 1)")?;
        let row = self.tx.query_one(
            &st,
            &[
                &self.office,
                &slot.date,
                &slot.start,
                &booth,
                &seeker,
                &except,
            ],
        )?;
        let (taken, blocks, other): (bool, serde_json::Value, Option<String>) =
            (row.get(0), row.get(1), row.get(2));
        if taken {
            return Err(OpError::Rule(Violation::SlotTaken { slot }).into());
        }
        let blocks: Vec<Block> = self.read("block", blocks)?;
        if let Some(b) = blocks.into_iter().find(|b| b.covers(&slot)) {
            return Err(OpError::Rule(Violation::SlotBlocked {
                slot,
                reason: b.reason,
            })
            .into());
        }
        if let Some(id) = other.and_then(|id| BookingId::parse(&id).ok()) {
            return Err(OpError::Rule(Violation::SeekerBookedThatDay {
                date: slot.date,
                id,
            })
            .into());
        }
        Ok(())
    }
}

/// A write that a unique index refused because another writer's live
/// booking got in first: the slot is taken (the indexes are the rule).
fn taken_or(r: Result<u64, postgres::Error>, slot: Slot) -> Result<u64, Failed> {
    r.map_err(|e| {
        let name = e.as_db_error().and_then(|d| d.constraint()).unwrap_or("");
        if name == "soudan_booking_one_per_slot" {
            Failed::Op(OpError::Rule(Violation::SlotTaken { slot }))
        } else {
            Failed::Db(e)
        }
    })
}

impl Session<'_> {
    /// Runs `f`'s reads on one snapshot of the database (a repeatable-read,
    /// read-only transaction): a backup or a check made while others write
    /// sees each of their changes whole or not at all.
    fn on_one_snapshot<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.client
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .map_err(fail(&self.place))?;
        let out = f(self);
        let end = if out.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = self.client.batch_execute(end).map_err(fail(&self.place));
        let v = out?;
        ended?;
        Ok(v)
    }

    fn snapshot(&mut self) -> Result<Snapshot, StoreError> {
        self.on_one_snapshot(|s| s.snapshot_in())
    }

    fn check(&mut self, rule: &dyn Fn(&Booking) -> Vec<String>) -> Result<CheckReport, StoreError> {
        self.on_one_snapshot(|s| s.check_in(rule))
    }

    /// Runs `f` as one write: the office's row locked and its counters
    /// read, `f`, the counters written, the change announced on
    /// [`CHANNEL`] (PostgreSQL delivers it at the commit, never before),
    /// the commit (durable before it returns). Tried again on a
    /// serialization failure or a deadlock, at most [`TRIES`] times.
    fn write<T>(&mut self, f: impl Fn(&mut W<'_>) -> Result<T, Failed>) -> Result<T, OpError> {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.write_once(&f) {
                Ok(v) => return Ok(v),
                Err(Failed::Op(e)) => return Err(e),
                Err(Failed::Db(e)) if retryable(&e) && tries < TRIES => {
                    std::thread::sleep(std::time::Duration::from_millis(5 * tries as u64));
                }
                Err(Failed::Db(e)) => return Err(OpError::Store(fail(&self.place)(e))),
            }
        }
    }

    fn write_once<T>(&mut self, f: &impl Fn(&mut W<'_>) -> Result<T, Failed>) -> Result<T, Failed> {
        let mut tx = self.client.transaction()?;
        let lock = prepared(
            &mut tx,
            self.statements,
            "INSERT INTO soudan_office (office) VALUES ($1)
             ON CONFLICT (office) DO UPDATE SET office = EXCLUDED.office
             RETURNING audit_next, mail_next, block_next",
        )?;
        let row = tx.query_one(&lock, &[&self.office])?;
        let mut w = W {
            tx,
            stmts: &mut *self.statements,
            place: self.place.clone(),
            office: self.office.clone(),
            audit_next: row.get(0),
            mail_next: row.get(1),
            block_next: row.get(2),
        };
        let v = f(&mut w)?;
        let payload = notice(&w.office, self.instance);
        let st10 = w.st(
            "WITH u AS (UPDATE soudan_office SET audit_next = $2, mail_next = $3, block_next = $4
                        WHERE office = $1 RETURNING 1)
             SELECT pg_notify($5, $6) FROM u",
        )?;
        w.tx.execute(
            &st10,
            &[
                &w.office,
                &w.audit_next,
                &w.mail_next,
                &w.block_next,
                &CHANNEL,
                &payload,
            ],
        )?;
        w.tx.commit()?;
        Ok(v)
    }

    /// `sql` prepared on this connection (once).
    fn st(&mut self, sql: &'static str) -> Result<postgres::Statement, StoreError> {
        prepared(self.client, self.statements, sql).map_err(fail(&self.place))
    }

    fn bookings(
        &mut self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<Booking>, StoreError> {
        self.all("booking", sql, params)
    }

    fn one<T: DeserializeOwned>(
        &mut self,
        what: &str,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Option<T>, StoreError> {
        let st = self.st(sql)?;
        let row = self
            .client
            .query_opt(&st, params)
            .map_err(fail(&self.place))?;
        row.map(|r| from_json(&self.place, what, r.get(0)))
            .transpose()
    }

    fn all<T: DeserializeOwned>(
        &mut self,
        what: &str,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<T>, StoreError> {
        let st = self.st(sql)?;
        let rows = self.client.query(&st, params).map_err(fail(&self.place))?;
        rows.into_iter()
            .map(|r| from_json(&self.place, what, r.get::<_, serde_json::Value>(0)))
            .collect()
    }

    fn apply(
        &mut self,
        id: BookingId,
        event: &Event,
        ctx: &Ctx,
        rule: &dyn Fn(&Booking) -> Result<(), Violation>,
        edit: &dyn Fn(&mut Booking),
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        self.write(|w| {
            if let Some(done) = w.done_before(once)? {
                return Ok(done);
            }
            let mut booking = w.booking(id, true)?;
            rule(&booking).map_err(OpError::Rule)?;
            let from = booking.status;
            booking
                .apply(event.clone(), ctx.at)
                .map_err(OpError::Rule)?;
            edit(&mut booking);
            w.put_booking(&booking)?;
            if matches!(event, Event::Cancel { .. }) {
                w.mail(id, MailKind::Cancellation, ctx)?;
            }
            w.audit(
                ctx,
                Audited {
                    action: event.id(),
                    booking: Some(id),
                    seeker: None,
                    from: Some(from),
                    to: Some(booking.status),
                },
            )?;
            w.remember(once, id)?;
            Ok(booking)
        })
    }
}

impl Session<'_> {
    /// Whether this office has no record at all.
    fn is_blank(&mut self) -> Result<bool, StoreError> {
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
    fn restore(&mut self, s: &Snapshot) -> Result<(), RestoreError> {
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
        // The reminders already queued stay sent (none is sent twice).
        let marks = super::staff::reminded_at_now(&s.bookings, &s.audit);
        if !marks.is_empty() {
            tx.execute(
                "INSERT INTO soudan_mark (office, mark, value)
                 SELECT $1, m, '' FROM unnest($2::bytea[]) AS m",
                &[&office, &marks],
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

    /// Every record `sql` reads for this office (`office = $1`).
    fn records<T: DeserializeOwned>(
        &mut self,
        what: &str,
        sql: &'static str,
    ) -> Result<Vec<T>, StoreError> {
        let office = self.office.clone();
        self.all(what, sql, &[&office])
    }

    /// The bookings of `offices` on the days `from..=to`, for statistics.
    fn bookings_of(
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
    fn snapshot_in(&mut self) -> Result<Snapshot, StoreError> {
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

/// What one audit event says, besides who and when (the change's `Ctx`).
struct Audited<'a> {
    action: &'a str,
    booking: Option<BookingId>,
    seeker: Option<&'a JobSeekerNumber>,
    from: Option<Status>,
    to: Option<Status>,
}

impl<'a> Audited<'a> {
    fn action(action: &'a str) -> Self {
        Audited {
            action,
            booking: None,
            seeker: None,
            from: None,
            to: None,
        }
    }

    fn booking(action: &'a str, id: BookingId) -> Self {
        Audited {
            booking: Some(id),
            ..Audited::action(action)
        }
    }

    fn seeker(action: &'a str, n: &'a JobSeekerNumber) -> Self {
        Audited {
            seeker: Some(n),
            ..Audited::action(action)
        }
    }

    fn from(self, s: Status) -> Self {
        Audited {
            from: Some(s),
            ..self
        }
    }

    fn to(self, s: Status) -> Self {
        Audited {
            to: Some(s),
            ..self
        }
    }
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

impl Engine for Pg {
    fn place(&self) -> PathBuf {
        PathBuf::from(&self.place)
    }

    fn claim_clock(&self, training: bool) -> Result<(), ClockRefused> {
        let clock = if training { "training" } else { "real" };
        let found: String = self
            .session(|s| {
                s.client
                    .query_one(
                        "INSERT INTO soudan_office (office, clock) VALUES ($1, $2)
                         ON CONFLICT (office) DO UPDATE SET office = EXCLUDED.office
                         RETURNING clock",
                        &[&s.office, &clock],
                    )
                    .map(|r| r.get(0))
                    .map_err(fail(&s.place))
            })
            .map_err(ClockRefused::Store)?;
        if found == "real" && training {
            return Err(ClockRefused::RealData);
        }
        Ok(())
    }

    fn is_blank(&self) -> Result<bool, StoreError> {
        self.session(|s| s.is_blank())
    }

    fn is_empty(&self) -> Result<bool, StoreError> {
        self.session(|s| {
            let row = s
                .client
                .query_opt(
                    "SELECT 1 FROM soudan_booking WHERE office = $1 LIMIT 1",
                    &[&s.office],
                )
                .map_err(fail(&s.place))?;
            Ok(row.is_none())
        })
    }

    fn snapshot(&self) -> Result<Snapshot, StoreError> {
        self.session(|s| s.snapshot())
    }

    fn restore(&self, snap: &Snapshot) -> Result<(), RestoreError> {
        self.session(|s| s.restore(snap))
    }

    fn booking(&self, id: BookingId) -> Result<Option<Booking>, StoreError> {
        self.session(|s| {
            let office = s.office.clone();
            s.one(
                "booking",
                "SELECT record FROM soudan_booking WHERE office = $1 AND id = $2",
                &[&office, &id.as_str()],
            )
        })
    }

    fn day(&self, date: NaiveDate) -> Result<Vec<Booking>, StoreError> {
        self.range(date, date)
    }

    fn range(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Booking>, StoreError> {
        self.session(|s| {
            let office = s.office.clone();
            s.bookings(
                "SELECT record FROM soudan_booking WHERE office = $1 AND day BETWEEN $2 AND $3
                 ORDER BY day, start_time, booth, id COLLATE \"C\"",
                &[&office, &from, &to],
            )
        })
    }

    fn day_counts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, usize>, StoreError> {
        self.session(|s| {
            let rows = s
                .client
                .query(
                    "SELECT day, count(*) FROM soudan_booking
                     WHERE office = $1 AND day BETWEEN $2 AND $3
                     AND status NOT IN ('cancelled', 'no_show') GROUP BY day",
                    &[&s.office, &from, &to],
                )
                .map_err(fail(&s.place))?;
            Ok(rows
                .into_iter()
                .map(|r| {
                    let n: i64 = r.get(1);
                    (r.get(0), usize::try_from(n).unwrap_or(0))
                })
                .collect())
        })
    }

    fn next_no_show(&self, grace: Duration) -> Result<Option<NaiveDateTime>, StoreError> {
        self.session(|s| {
            let row = s
                .client
                .query_opt(
                    "SELECT day, start_time FROM soudan_booking
                     WHERE office = $1 AND status = 'booked'
                     ORDER BY day, start_time LIMIT 1",
                    &[&s.office],
                )
                .map_err(fail(&s.place))?;
            Ok(row.map(|r| {
                let (d, t): (NaiveDate, chrono::NaiveTime) = (r.get(0), r.get(1));
                crate::domain::booking::no_show_at(d.and_time(t), grace)
            }))
        })
    }

    fn seeker(&self, number: &JobSeekerNumber) -> Result<Option<Seeker>, StoreError> {
        self.session(|s| {
            let office = s.office.clone();
            s.one(
                "seeker",
                "SELECT record FROM soudan_seeker WHERE office = $1 AND number = $2",
                &[&office, &number.as_str()],
            )
        })
    }

    fn seekers(&self) -> Result<Vec<Seeker>, StoreError> {
        self.session(|s| s.records("seeker", SEEKERS))
    }

    fn seeker_texts(&self) -> Result<Vec<SeekerText>, StoreError> {
        self.session(|s| s.records("seeker", SEEKERS))
    }

    fn seeker_bookings(&self, number: &JobSeekerNumber) -> Result<Vec<Booking>, StoreError> {
        self.session(|s| {
            let office = s.office.clone();
            s.bookings(
                "SELECT record FROM soudan_booking WHERE office = $1 AND seeker = $2
                 ORDER BY day, start_time, booth, id COLLATE \"C\"",
                &[&office, &number.as_str()],
            )
        })
    }

    fn refusals(&self, number: &JobSeekerNumber) -> Result<Vec<Refusal>, StoreError> {
        self.session(|s| {
            let office = s.office.clone();
            let list: Option<Vec<Refusal>> = s.one(
                "refusal",
                "SELECT record FROM soudan_refusals WHERE office = $1 AND seeker = $2",
                &[&office, &number.as_str()],
            )?;
            Ok(list.unwrap_or_default())
        })
    }

    fn audit(&self) -> Result<Vec<AuditEvent>, StoreError> {
        self.session(|s| {
            s.records(
                "audit",
                "SELECT record FROM soudan_audit WHERE office = $1 ORDER BY seq",
            )
        })
    }

    fn audit_from(
        &self,
        first: u64,
        limit: usize,
        keep: &dyn Fn(&AuditEvent) -> bool,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        // Read in pages of the trail, kept or not, until `limit` are kept.
        const PAGE: i64 = 5_000;
        self.session(|s| {
            let office = s.office.clone();
            let mut out = Vec::new();
            let mut from = i64::try_from(first).unwrap_or(i64::MAX);
            loop {
                let page: Vec<AuditEvent> = s.all(
                    "audit",
                    "SELECT record FROM soudan_audit WHERE office = $1 AND seq >= $2
                     ORDER BY seq LIMIT $3",
                    &[&office, &from, &PAGE],
                )?;
                let n = page.len();
                for e in page {
                    from = i64::try_from(e.seq).unwrap_or(i64::MAX).saturating_add(1);
                    if keep(&e) {
                        out.push(e);
                        if out.len() >= limit {
                            return Ok(out);
                        }
                    }
                }
                if (n as i64) < PAGE {
                    return Ok(out);
                }
            }
        })
    }

    fn day_details(&self, bookings: &[Booking]) -> Result<super::engine::DayDetails, StoreError> {
        let mut d = super::engine::DayDetails::default();
        if bookings.is_empty() {
            return Ok(d);
        }
        let mut numbers: Vec<String> = bookings
            .iter()
            .map(|b| b.seeker.as_str().to_string())
            .collect();
        numbers.sort();
        numbers.dedup();
        let ids: Vec<String> = bookings.iter().map(|b| b.id.as_str().to_string()).collect();
        // Five queries on one connection, whatever the day holds.
        self.session(|s| {
            let office = s.office.clone();
            let seekers: Vec<Seeker> = s.all(
                "seeker",
                "SELECT record FROM soudan_seeker WHERE office = $1 AND number = ANY($2)",
                &[&office, &numbers],
            )?;
            for seeker in seekers {
                d.seekers.insert(seeker.number.as_str().to_string(), seeker);
            }
            for n in &numbers {
                d.seeker_bookings.insert(n.clone(), Vec::new());
            }
            let theirs = s.bookings(
                "SELECT record FROM soudan_booking WHERE office = $1 AND seeker = ANY($2)
                 ORDER BY day, start_time, booth, id COLLATE \"C\"",
                &[&office, &numbers],
            )?;
            for b in theirs {
                d.seeker_bookings
                    .entry(b.seeker.as_str().to_string())
                    .or_default()
                    .push(b);
            }
            let st = s.st(
                "SELECT seeker, record FROM soudan_refusals WHERE office = $1 AND seeker = ANY($2)",
            )?;
            let rows = s
                .client
                .query(&st, &[&office, &numbers])
                .map_err(fail(&s.place))?;
            for r in rows {
                let list: Vec<Refusal> = from_json(&s.place, "refusal", r.get(1))?;
                if !list.is_empty() {
                    d.refusals.insert(r.get(0), list);
                }
            }
            let events: Vec<AuditEvent> = s.all(
                "audit",
                "SELECT record FROM soudan_audit WHERE office = $1 AND booking = ANY($2) ORDER BY seq",
                &[&office, &ids],
            )?;
            for e in events {
                if let Some(id) = e.booking {
                    d.history.entry(id.as_str().to_string()).or_default().push(e);
                }
            }
            let st = s.st(
                "SELECT on_kind, on_key, record FROM soudan_note WHERE office = $1
                 AND ((on_kind = 'booking' AND on_key = ANY($2))
                   OR (on_kind = 'seeker' AND on_key = ANY($3)))",
            )?;
            let rows = s
                .client
                .query(&st, &[&office, &ids, &numbers])
                .map_err(fail(&s.place))?;
            for r in rows {
                let kind: String = r.get(0);
                let note: Note = from_json(&s.place, "note", r.get(2))?;
                match kind.as_str() {
                    "booking" => d.booking_notes.insert(r.get(1), note),
                    _ => d.seeker_notes.insert(r.get(1), note),
                };
            }
            Ok::<_, StoreError>(())
        })?;
        Ok(d)
    }

    fn audit_next(&self) -> Result<u64, StoreError> {
        self.session(|s| {
            let st = s.st("SELECT audit_next FROM soudan_office WHERE office = $1")?;
            let row = s
                .client
                .query_opt(&st, &[&s.office])
                .map_err(fail(&s.place))?;
            Ok(row.map_or(0, |r| r.get::<_, i64>(0)).max(0) as u64)
        })
    }

    fn booking_audit(&self, id: BookingId) -> Result<Vec<AuditEvent>, StoreError> {
        self.session(|s| {
            let office = s.office.clone();
            s.all(
                "audit",
                "SELECT record FROM soudan_audit WHERE office = $1 AND booking = $2 ORDER BY seq",
                &[&office, &id.as_str()],
            )
        })
    }

    fn check_with(
        &self,
        rule: &dyn Fn(&Booking) -> Vec<String>,
    ) -> Result<CheckReport, StoreError> {
        self.session(|s| s.check(rule))
    }

    fn note(&self, on: &NoteOn) -> Result<Option<Note>, StoreError> {
        let (kind, key) = note_key(on);
        self.session(|s| {
            let office = s.office.clone();
            s.one(
                "note",
                "SELECT record FROM soudan_note WHERE office = $1 AND on_kind = $2 AND on_key = $3",
                &[&office, &kind, &key],
            )
        })
    }

    fn blocks_of(&self, date: NaiveDate) -> Result<Vec<Block>, StoreError> {
        self.session(|s| {
            let office = s.office.clone();
            s.all(
                "block",
                "SELECT record FROM soudan_block WHERE office = $1 AND day = $2 ORDER BY id",
                &[&office, &date],
            )
        })
    }

    fn all_blocks(&self) -> Result<Vec<Block>, StoreError> {
        self.session(|s| {
            s.records(
                "block",
                "SELECT record FROM soudan_block WHERE office = $1 ORDER BY day, id",
            )
        })
    }

    fn reminded(&self, id: BookingId, slot: &Slot) -> Result<bool, StoreError> {
        let mark = super::staff::remind_mark(id, slot);
        self.session(|s| {
            s.client
                .query_opt(
                    "SELECT 1 FROM soudan_mark WHERE office = $1 AND mark = $2",
                    &[&s.office, &mark],
                )
                .map(|r| r.is_some())
                .map_err(fail(&s.place))
        })
    }

    fn mail_queue(&self) -> Result<Vec<MailIntent>, StoreError> {
        self.session(|s| {
            s.records(
                "mail",
                "SELECT record FROM soudan_mail_queue WHERE office = $1 ORDER BY seq",
            )
        })
    }

    fn mail_done_many(&self, seqs: &[u64]) -> Result<(), StoreError> {
        if seqs.is_empty() {
            return Ok(());
        }
        let seqs: Vec<i64> = seqs
            .iter()
            .map(|s| i64::try_from(*s).unwrap_or(i64::MAX))
            .collect();
        self.session(|s| {
            s.client
                .execute(
                    "DELETE FROM soudan_mail_queue WHERE office = $1 AND seq = ANY($2)",
                    &[&s.office, &seqs],
                )
                .map(|_| ())
                .map_err(fail(&s.place))
        })
    }

    fn mail_writer(&self) -> Result<bool, StoreError> {
        // A session lock: held while this connection lives, so one process
        // of the office writes its mail, and another takes over when it goes.
        self.first_session(|s| {
            if !*s.mail_lock {
                *s.mail_lock = s
                    .client
                    .query_one(
                        "SELECT pg_try_advisory_lock($1, hashtext($2))",
                        &[&MAIL_LOCK, &s.office],
                    )
                    .map(|r| r.get(0))
                    .map_err(fail(&s.place))?;
            }
            Ok(*s.mail_lock)
        })
    }

    fn book_once(
        &self,
        new: &NewBooking,
        ctx: &Ctx,
        contact: Contact,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        self.session(|s| {
            s.write(|w| {
                if let Some(done) = w.done_before(once)? {
                    return Ok(done);
                }
                let number = new.seeker.number.as_str();
                let stored = w.seeker(number)?;
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
                w.not_refused(number)?;
                w.slot_free(new.slot, number, None)?;
                let id = BookingId::from_random(fastrand::u64(..));
                let booking = new.booking(id, ctx.at);
                if stored.as_ref() != Some(&record) {
                    w.put_seeker(&record)?;
                }
                let row = w.json(&booking)?;
                let st11 = w.st("INSERT INTO soudan_booking
                     (office, id, seeker, day, start_time, booth, status, record)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")?;
                let inserted = w.tx.execute(
                    &st11,
                    &[
                        &w.office,
                        &id.as_str(),
                        &number,
                        &new.slot.date,
                        &new.slot.start,
                        &i16::from(new.slot.booth),
                        &Status::Booked.id(),
                        &row,
                    ],
                );
                taken_or(inserted, new.slot)?;
                if changed {
                    w.audit(
                        ctx,
                        Audited {
                            action: "contact",
                            booking: None,
                            seeker: Some(&record.number),
                            from: None,
                            to: None,
                        },
                    )?;
                }
                w.audit(ctx, Audited::booking("book", id).to(Status::Booked))?;
                w.mail(id, MailKind::Confirmation, ctx)?;
                w.remember(once, id)?;
                Ok(booking)
            })
        })
    }

    fn apply_once(
        &self,
        id: BookingId,
        event: &Event,
        ctx: &Ctx,
        rule: &dyn Fn(&Booking) -> Result<(), Violation>,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        self.session(|s| s.apply(id, event, ctx, rule, &|_| {}, once))
    }

    fn reconsent(&self, id: BookingId, consent: &Consent, ctx: &Ctx) -> Result<Booking, OpError> {
        let event = Event::Reconsent {
            version: consent.terms_version.clone(),
        };
        self.session(|s| {
            s.apply(
                id,
                &event,
                ctx,
                &|_| Ok(()),
                &|b| b.consent = consent.clone(),
                None,
            )
        })
    }

    fn move_booking(
        &self,
        id: BookingId,
        to: Slot,
        meeting_url: &str,
        late_override: Option<String>,
        ctx: &Ctx,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        self.session(|s| {
            s.write(|w| {
                if let Some(done) = w.done_before(once)? {
                    return Ok(done);
                }
                let old = w.booking(id, true)?;
                w.not_refused(old.seeker.as_str())?;
                w.slot_free(to, old.seeker.as_str(), Some(id))?;
                let mut moved = old.clone();
                moved
                    .apply(Event::Move { from: old.slot }, ctx.at)
                    .map_err(OpError::Rule)?;
                moved.slot = to;
                moved.meeting_url = meeting_url.to_string();
                if late_override.is_some() {
                    moved.late_override = late_override.clone();
                }
                w.put_booking(&moved)?;
                w.audit(
                    ctx,
                    Audited::booking("move", id)
                        .from(Status::Booked)
                        .to(Status::Booked),
                )?;
                w.mail(id, MailKind::Moved, ctx)?;
                w.remember(once, id)?;
                Ok(moved)
            })
        })
    }

    fn update_contact(&self, typed: &Seeker, ctx: &Ctx) -> Result<(Seeker, Seeker), OpError> {
        self.session(|s| {
            s.write(|w| {
                let Some(stored) = w.seeker(typed.number.as_str())? else {
                    return Err(
                        OpError::Rule(Violation::ContactDiffers { fields: Vec::new() }).into(),
                    );
                };
                let after = stored.merged(typed, true);
                if after != stored {
                    w.put_seeker(&after)?;
                    w.audit(ctx, Audited::seeker("contact", &typed.number))?;
                }
                Ok((stored, after))
            })
        })
    }

    fn refuse(
        &self,
        seeker: &JobSeekerNumber,
        reason: &str,
        ctx: &Ctx,
    ) -> Result<Refusal, OpError> {
        self.session(|s| {
            s.write(|w| {
                let mut list = w.refusal_list(seeker.as_str())?;
                let r = crate::domain::booking::refuse(&mut list, reason, ctx.at, &ctx.actor.user)
                    .map_err(OpError::Rule)?;
                w.put_refusals(seeker, &list)?;
                w.audit(ctx, Audited::seeker("refuse", seeker))?;
                Ok(r)
            })
        })
    }

    fn unrefuse(
        &self,
        seeker: &JobSeekerNumber,
        reason: &str,
        ctx: &Ctx,
    ) -> Result<Refusal, OpError> {
        self.session(|s| {
            s.write(|w| {
                let mut list = w.refusal_list(seeker.as_str())?;
                let lifted = crate::domain::booking::lift_refusal(
                    &mut list,
                    reason,
                    ctx.at,
                    &ctx.actor.user,
                )
                .map_err(OpError::Rule)?;
                w.put_refusals(seeker, &list)?;
                w.audit(ctx, Audited::seeker("unrefuse", seeker))?;
                Ok(lifted)
            })
        })
    }

    fn record(&self, action: &str, ctx: &Ctx) -> Result<(), OpError> {
        self.session(|s| s.write(|w| w.audit(ctx, Audited::action(action))))
    }

    fn queue_terms_notice(&self, id: BookingId, version: &str, ctx: &Ctx) -> Result<bool, OpError> {
        let mut mark = b"terms-change\0".to_vec();
        mark.extend_from_slice(id.as_bytes());
        mark.push(0);
        mark.extend_from_slice(version.as_bytes());
        self.session(|s| {
            s.write(|w| {
                w.booking(id, false)?;
                if !w.mark(&mark, b"")? {
                    return Ok(false);
                }
                w.audit(ctx, Audited::booking("terms_notice", id))?;
                w.mail(id, MailKind::TermsChange, ctx)?;
                Ok(true)
            })
        })
    }

    fn queue_reminder(&self, id: BookingId, slot: &Slot, ctx: &Ctx) -> Result<bool, OpError> {
        let mark = super::staff::remind_mark(id, slot);
        self.session(|s| {
            s.write(|w| {
                let b = w.booking(id, true)?;
                if b.status != Status::Booked || b.slot != *slot {
                    return Ok(false);
                }
                if !w.mark(&mark, b"")? {
                    return Ok(false);
                }
                w.audit(ctx, Audited::booking("remind", id))?;
                w.mail(id, MailKind::Reminder, ctx)?;
                Ok(true)
            })
        })
    }

    fn set_note(&self, on: &NoteOn, text: Option<&str>, ctx: &Ctx) -> Result<(), OpError> {
        let (kind, key) = note_key(on);
        self.session(|s| {
            s.write(|w| {
                match on {
                    NoteOn::Booking(id) => {
                        w.booking(*id, false)?;
                    }
                    NoteOn::Seeker(n) => {
                        if w.seeker(n.as_str())?.is_none() {
                            return Err(OpError::Rule(Violation::ContactDiffers {
                                fields: Vec::new(),
                            })
                            .into());
                        }
                    }
                }
                let n = match text {
                    Some(t) => {
                        let note = Note {
                            text: t.to_string(),
                            by: ctx.actor.user.clone(),
                            at: ctx.at,
                        };
                        let record = w.json(&note)?;
                        let st12 = w.st("INSERT INTO soudan_note (office, on_kind, on_key, record)
                             VALUES ($1, $2, $3, $4) ON CONFLICT (office, on_kind, on_key)
                             DO UPDATE SET record = EXCLUDED.record")?;
                        w.tx.execute(&st12,
                            &[&w.office, &kind, &key, &record],
                        )?
                    }
                    None => {
                        let st13 = w.st(
                            "DELETE FROM soudan_note WHERE office = $1 AND on_kind = $2 AND on_key = $3",
                        )?;
                        w.tx.execute(&st13, &[&w.office, &kind, &key])?
                    }
                };
                if n == 0 {
                    return Ok(());
                }
                match on {
                    NoteOn::Booking(id) => w.audit(ctx, Audited::booking("note", *id)),
                    NoteOn::Seeker(n) => w.audit(ctx, Audited::seeker("note", n)),
                }
            })
        })
    }

    fn add_block(&self, block: &Block, ctx: &Ctx) -> Result<Block, OpError> {
        self.session(|s| {
            s.write(|w| {
                let mut b = block.clone();
                b.id = w.block_next as u64;
                b.by = ctx.actor.user.clone();
                b.at = ctx.at;
                w.block_next += 1;
                let record = w.json(&b)?;
                let st14 = w.st(
                    "INSERT INTO soudan_block (office, id, day, record) VALUES ($1, $2, $3, $4)",
                )?;
                w.tx.execute(&st14, &[&w.office, &(b.id as i64), &b.date, &record])?;
                w.audit(ctx, Audited::action("block"))?;
                Ok(b)
            })
        })
    }

    fn remove_block(&self, id: u64, ctx: &Ctx) -> Result<Option<Block>, OpError> {
        let id = i64::try_from(id).unwrap_or(i64::MAX);
        self.session(|s| {
            s.write(|w| {
                let st15 = w.st(
                    "DELETE FROM soudan_block WHERE office = $1 AND id = $2 RETURNING record",
                )?;
                let Some(row) = w.tx.query_opt(&st15, &[&w.office, &id])? else {
                    return Ok(None);
                };
                let gone: Block = w.read("block", row.get(0))?;
                w.audit(ctx, Audited::action("unblock"))?;
                Ok(Some(gone))
            })
        })
    }

    fn watch(
        &self,
        poll: Option<std::time::Duration>,
        stop: &std::sync::atomic::AtomicBool,
        changed: &dyn Fn(),
    ) {
        self.watch_changes(poll, stop, changed);
    }

    fn shared_holds(&self) -> Option<&dyn HoldBook> {
        Some(self)
    }

    fn sweep(
        &self,
        now: NaiveDateTime,
        grace: Duration,
        offset: FixedOffset,
        terminal: &str,
    ) -> Result<Vec<Booking>, OpError> {
        self.session(|s| {
            let rows = s
                .client
                .query(
                    "SELECT id, day, start_time FROM soudan_booking
                     WHERE office = $1 AND status = 'booked' AND day <= $2
                     ORDER BY day, start_time, booth",
                    &[&s.office, &now.date()],
                )
                .map_err(|e| OpError::Store(fail(&s.place)(e)))?;
            let mut swept = Vec::new();
            for r in rows {
                let (id, day, start): (String, NaiveDate, chrono::NaiveTime) =
                    (r.get(0), r.get(1), r.get(2));
                let due = crate::domain::booking::no_show_at(day.and_time(start), grace);
                let Ok(id) = BookingId::parse(&id) else {
                    continue;
                };
                if due > now {
                    continue;
                }
                let ctx = Ctx {
                    at: due
                        .and_local_timezone(offset)
                        .single()
                        .unwrap_or_else(|| now.and_utc().fixed_offset()),
                    actor: super::Actor::system(terminal),
                    channel: None,
                };
                // Another server's rule may have come first: nothing to do.
                match s.apply(id, &Event::NoShow, &ctx, &|_| Ok(()), &|_| {}, None) {
                    Ok(b) => swept.push(b),
                    Err(OpError::Rule(Violation::WrongState { .. })) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(swept)
        })
    }
}

const SEEKERS: &str =
    "SELECT record FROM soudan_seeker WHERE office = $1 ORDER BY number COLLATE \"C\"";

/// How a note's subject is kept: its kind and its key.
fn note_key(on: &NoteOn) -> (&'static str, String) {
    match on {
        NoteOn::Booking(id) => ("booking", id.as_str().to_string()),
        NoteOn::Seeker(n) => ("seeker", n.as_str().to_string()),
    }
}

impl W<'_> {
    fn put_refusals(&mut self, seeker: &JobSeekerNumber, list: &[Refusal]) -> Result<(), Failed> {
        let record = self.json(&list)?;
        let st16 = self.st(
            "INSERT INTO soudan_refusals (office, seeker, record) VALUES ($1, $2, $3)
             ON CONFLICT (office, seeker) DO UPDATE SET record = EXCLUDED.record",
        )?;
        self.tx
            .execute(&st16, &[&self.office, &seeker.as_str(), &record])?;
        Ok(())
    }
}

impl Session<'_> {
    /// The office's records checked against themselves and `rule`: each
    /// record reads back and agrees with its columns, no slot or job
    /// seeker's day holds two live bookings, the audit trail is numbered
    /// densely from 0, every queued mail names a booking.
    fn check_in(
        &mut self,
        rule: &dyn Fn(&Booking) -> Vec<String>,
    ) -> Result<CheckReport, StoreError> {
        use std::collections::BTreeSet;
        let mut r = CheckReport::default();
        let rows = self
            .client
            .query(
                "SELECT id, seeker, day, start_time, booth, status, record FROM soudan_booking
                 WHERE office = $1 ORDER BY id COLLATE \"C\"",
                &[&self.office],
            )
            .map_err(fail(&self.place))?;
        let mut slots = BTreeSet::new();
        let mut days = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for row in rows {
            let id: String = row.get(0);
            let b: Booking = match serde_json::from_value(row.get::<_, serde_json::Value>(6)) {
                Ok(b) => b,
                Err(e) => {
                    r.problems.push(format!("booking {id}: {e}"));
                    continue;
                }
            };
            let (seeker, day, start, booth, status): (
                String,
                NaiveDate,
                chrono::NaiveTime,
                i16,
                String,
            ) = (row.get(1), row.get(2), row.get(3), row.get(4), row.get(5));
            if b.id.as_str() != id
                || b.seeker.as_str() != seeker
                || b.slot.date != day
                || b.slot.start != start
                || i16::from(b.slot.booth) != booth
                || b.status.id() != status
            {
                r.problems
                    .push(format!("booking {id}: its columns differ from its record"));
            }
            for p in rule(&b) {
                r.problems.push(format!("booking {}: {p}", b.id));
            }
            if b.status.is_live() {
                r.live += 1;
                if !slots.insert(b.slot) {
                    r.problems.push(format!(
                        "slot {} {} booth {} holds two live bookings",
                        b.slot.date,
                        b.slot.start.format("%H:%M"),
                        b.slot.booth
                    ));
                }
                if !days.insert((b.seeker.as_str().to_string(), b.slot.date)) {
                    r.problems.push(format!(
                        "a job seeker holds two live bookings on {}",
                        b.slot.date
                    ));
                }
            }
            ids.insert(b.id);
            r.bookings += 1;
        }
        let seekers: Vec<Seeker> = self.records("seeker", SEEKERS)?;
        r.seekers = seekers.len();
        let audit: Vec<AuditEvent> = self.records(
            "audit",
            "SELECT record FROM soudan_audit WHERE office = $1 ORDER BY seq",
        )?;
        r.audit_events = audit.len();
        for (i, e) in audit.iter().enumerate() {
            if e.seq != i as u64 {
                r.problems
                    .push(format!("audit: event {} where {i} was due", e.seq));
                break;
            }
        }
        let next: i64 = self
            .client
            .query_opt(
                "SELECT audit_next FROM soudan_office WHERE office = $1",
                &[&self.office],
            )
            .map_err(fail(&self.place))?
            .map_or(0, |r| r.get(0));
        if next != audit.len() as i64 {
            r.problems.push(format!(
                "audit: the next number is {next}, after {} events",
                audit.len()
            ));
        }
        let queue: Vec<MailIntent> = self.records(
            "mail",
            "SELECT record FROM soudan_mail_queue WHERE office = $1 ORDER BY seq",
        )?;
        for m in queue {
            if !ids.contains(&m.booking) {
                r.problems.push(format!(
                    "mail {}: names a missing booking {}",
                    m.seq, m.booking
                ));
            }
        }
        Ok(r)
    }
}

/// The holds of every server of the office, in the database: a server
/// names its own as `INSTANCE:CONNECTION`. A hold is a courtesy, not a
/// booking: when the database cannot be reached, there are none (the
/// booking itself is then refused, saying so).
impl HoldBook for Pg {
    fn take(&self, hold: Hold, now: NaiveDateTime) -> Result<(), Hold> {
        let me = self.holder_key(hold.holder);
        let account: String = crate::i18n::safe(&hold.account).chars().take(64).collect();
        let terminal: String = crate::i18n::safe(&hold.terminal).chars().take(64).collect();
        let booth = i16::from(hold.booth);
        let payload = notice(&self.office, &self.instance);
        let r: Result<Option<Hold>, StoreError> = self.session(|s| {
            let f = fail(&s.place);
            let mut tx = s.client.transaction().map_err(&f)?;
            tx.execute(
                "DELETE FROM soudan_hold WHERE office = $1 AND (until <= $2 OR holder = $3)",
                &[&s.office, &now, &me],
            )
            .map_err(&f)?;
            let n = tx
                .execute(
                    "INSERT INTO soudan_hold
                     (office, day, start_time, booth, account, terminal, holder, until)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                    &[
                        &s.office,
                        &hold.date,
                        &hold.time,
                        &booth,
                        &account,
                        &terminal,
                        &me,
                        &hold.until,
                    ],
                )
                .map_err(&f)?;
            let other = if n == 0 {
                let st = prepared(
                    &mut tx,
                    s.statements,
                    hold_row!(" AND day = $2 AND start_time = $3 AND booth = $4"),
                )
                .map_err(&f)?;
                tx.query_opt(&st, &[&s.office, &hold.date, &hold.time, &booth])
                    .map_err(&f)?
                    .map(|r| self.hold_of(&r))
            } else {
                tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
                    .map_err(&f)?;
                None
            };
            tx.commit().map_err(&f)?;
            Ok(other)
        });
        match r {
            Ok(Some(other)) => Err(other),
            _ => Ok(()),
        }
    }

    fn release(&self, holder: u64) -> bool {
        let me = self.holder_key(holder);
        self.ended(
            "DELETE FROM soudan_hold WHERE office = $1 AND holder = $2",
            &me,
        )
    }

    fn expire(&self, now: NaiveDateTime) -> bool {
        self.ended(
            "DELETE FROM soudan_hold WHERE office = $1 AND until <= $2",
            &now,
        )
    }

    fn other(
        &self,
        holder: u64,
        date: NaiveDate,
        time: chrono::NaiveTime,
        booth: u8,
        now: NaiveDateTime,
    ) -> Option<Hold> {
        let me = self.holder_key(holder);
        self.session(|s| {
            let st = s.st(hold_row!(
                " AND day = $2 AND start_time = $3 AND booth = $4
                  AND until > $5 AND holder <> $6"
            ))?;
            s.client
                .query_opt(
                    &st,
                    &[&s.office, &date, &time, &i16::from(booth), &now, &me],
                )
                .map_err(fail(&s.place))
        })
        .ok()
        .flatten()
        .map(|r| self.hold_of(&r))
    }

    fn on(&self, date: NaiveDate, now: NaiveDateTime) -> Vec<Hold> {
        self.session(|s| {
            let st = s.st(hold_row!(
                " AND day = $2 AND until > $3 ORDER BY start_time, booth"
            ))?;
            s.client
                .query(&st, &[&s.office, &date, &now])
                .map_err(fail(&s.place))
        })
        .map(|rows| rows.iter().map(|r| self.hold_of(r)).collect())
        .unwrap_or_default()
    }

    fn next_end(&self) -> Option<NaiveDateTime> {
        self.session(|s| {
            s.client
                .query_one(
                    "SELECT min(until) FROM soudan_hold WHERE office = $1",
                    &[&s.office],
                )
                .map(|r| r.get(0))
                .map_err(fail(&s.place))
        })
        .ok()
        .flatten()
    }
}

impl Pg {
    /// A connection of this process, as the holds name it.
    fn holder_key(&self, holder: u64) -> String {
        format!("{}:{holder}", self.instance)
    }

    fn hold_of(&self, r: &postgres::Row) -> Hold {
        let holder: String = r.get(5);
        let booth: i16 = r.get(2);
        Hold {
            date: r.get(0),
            time: r.get(1),
            booth: u8::try_from(booth).unwrap_or(0),
            account: r.get(3),
            terminal: r.get(4),
            until: r.get(6),
            // Another server's connection is no connection of this one.
            holder: holder
                .strip_prefix(&format!("{}:", self.instance))
                .and_then(|n| n.parse().ok())
                .unwrap_or(u64::MAX),
        }
    }

    /// Deletes holds by `sql` (`office = $1`, `$2` given); whether any
    /// ended (then the other servers are told).
    fn ended(&self, sql: &str, arg: &(dyn postgres::types::ToSql + Sync)) -> bool {
        let payload = notice(&self.office, &self.instance);
        self.session(|s| {
            let f = fail(&s.place);
            let mut tx = s.client.transaction().map_err(&f)?;
            let n = tx.execute(sql, &[&s.office, arg]).map_err(&f)?;
            if n > 0 {
                tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
                    .map_err(&f)?;
            }
            tx.commit().map_err(&f)?;
            Ok::<bool, StoreError>(n > 0)
        })
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_certificate_is_taken_out_of_the_url() {
        assert_eq!(
            without_rootcert("postgresql://s@db/x?sslmode=require&sslrootcert=%2Fetc%2Fca.pem"),
            (
                "postgresql://s@db/x?sslmode=require".to_string(),
                Some("/etc/ca.pem".to_string())
            )
        );
        assert_eq!(
            without_rootcert("postgresql://s@db/x?sslrootcert=/a.pem"),
            (
                "postgresql://s@db/x".to_string(),
                Some("/a.pem".to_string())
            )
        );
        assert_eq!(
            without_rootcert("postgresql:///x?host=/run/postgresql"),
            ("postgresql:///x?host=/run/postgresql".to_string(), None)
        );
    }

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
