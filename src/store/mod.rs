//! Bookings in sled: the only code that knows sled and bincode.
//!
//! Trees (all values are [`codec`] envelopes or booking ids):
//!
//! | tree | key | value |
//! | --- | --- | --- |
//! | `meta` | `schema_version` | u32 BE |
//! | `meta` | `import_in_progress` | present only while `import` writes |
//! | `bookings` | id | booking |
//! | `slots` | slot | id of the live booking there |
//! | `seeker_day` | seeker, date | id of the job seeker's live booking that day |
//! | `pending` | slot, id | — (bookings still `booked`: what the no-show rule watches) |
//! | `by_day` | slot, id | — (every booking, for the day's schedule) |
//! | `by_seeker` | seeker, slot, id | — (every booking of a job seeker) |
//! | `seekers` | seeker | contact details |
//! | `refusals` | seeker | refusals under Art. 12(1), oldest first |
//! | `audit` | sequence u64 BE | audit event (ids only, no personal data) |
//! | `audit_by_booking` | id, sequence | — (a booking's history) |
//! | `mail_queue` | sequence u64 BE | a mail to write (in the change's own transaction) |
//! | `marks` | kind, id, tag | — (a notice already queued: never twice) |
//! | `marks` | `request`, account, key | booking id (a request carried out: never twice) |
//! | `marks` | `remind`, id, slot | — (the reminder for that slot queued: never twice) |
//! | `notes` | `b` id, or `s` seeker | a staff note |
//! | `blocks` | date | the day's blocks (time taken off the calendar) |
//!
//! Every change is one sled transaction over the trees it touches, which
//! re-checks the slot, the job seeker's day and refusals, so racing terminals
//! produce exactly one booking; and every change is flushed to disk before it
//! is returned. A database held by another process, damaged, or written by a
//! newer soudan is a [`StoreError`], never a panic: sled may panic on damaged
//! files, and every call into it is contained.

mod backup;
pub mod codec;
pub mod engine;
pub mod hold;
mod keys;
pub mod pg;
mod staff;

pub use backup::{NoteRecord, RestoreError, SeekerRefusals, Snapshot};
pub use engine::Engine;
pub use staff::placed_at;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Once};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use crate::domain::booking::{
    Attendance, Booking, BookingId, Channel, Event, ID_LEN, Refusal, Slot, Status, Violation,
    active_refusal, no_show_at,
};
use crate::domain::seeker::{JobSeekerNumber, Seeker};
use crate::domain::terms::{ChecklistAnswer, Consent};
use codec::{DecodeError, Kind};

/// The schema this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;
const SCHEMA_KEY: &[u8] = b"schema_version";
/// Which clock the folder was made under: `real` or `training`.
const CLOCK_KEY: &[u8] = b"clock";
/// The number the next audit event gets (u64 BE).
pub(crate) const AUDIT_NEXT: &[u8] = b"audit_next";
/// The number the next queued mail gets (u64 BE).
const MAIL_NEXT: &[u8] = b"mail_next";

/// What a queued mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MailKind {
    Confirmation,
    Cancellation,
    TermsChange,
    /// The booking moved: the updated invitation.
    Moved,
    /// The open day before: the time, the URL, the checklist, the phone.
    Reminder,
}

/// A job seeker's record with each field as stored text (the layout of
/// [`Seeker`]: its fields serialize as strings).
#[derive(Debug, Clone, Deserialize)]
pub struct SeekerText {
    pub number: String,
    pub name: String,
    pub kana: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    pub registered_on: Option<NaiveDate>,
}

/// A mail to be written: queued in the transaction of the change it tells
/// of, written by whoever owns the database, then taken off the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailIntent {
    pub seq: u64,
    pub booking: BookingId,
    pub kind: MailKind,
    /// When the change happened (the mail's date).
    pub at: DateTime<FixedOffset>,
}

fn read_u64(v: &[u8]) -> Option<u64> {
    v.try_into().ok().map(u64::from_be_bytes)
}
/// How long `open` waits for a lock that is being let go.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(1);
/// Memory the page cache may use.
const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// Beside the database: the number of the newest audit event at the last flush.
const LAST_EVENT: &str = "last-event";

/// Why the database cannot be used (exit status 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// Another process holds it; `holder` says which, when it said so.
    Locked {
        dir: PathBuf,
        holder: Option<String>,
    },
    /// Unreadable or inconsistent on disk.
    Damaged { dir: PathBuf, detail: String },
    /// Written by a newer soudan.
    Newer {
        dir: PathBuf,
        found: u32,
        supported: u32,
    },
    /// The file system refused (permissions, a full disk, a read-only mount).
    Io { dir: PathBuf, detail: String },
    /// The path is not a data folder (a file, or a folder of other files):
    /// refused and left exactly as it was.
    /// `others` names a few of the other files; empty: the path is no folder.
    NotADataDir { dir: PathBuf, others: Vec<String> },
    /// A database server (PostgreSQL) refused or could not be reached;
    /// `place` names it without any password.
    Database { place: String, detail: String },
}

/// Why a process may not use a database with its clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClockRefused {
    /// The folder holds the office's real data: no training clock.
    RealData,
    Store(StoreError),
}

impl From<StoreError> for ClockRefused {
    fn from(e: StoreError) -> Self {
        ClockRefused::Store(e)
    }
}

/// Why a store operation did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpError {
    /// A rule of the terms refused it (exit 3).
    Rule(Violation),
    NotFound(BookingId),
    /// A record that would be over the store's size limit: bad input, never
    /// damage (nothing was written).
    TooLarge(String),
    /// A repeat key used before by another request (exit 2): nothing done.
    KeyReused,
    Store(StoreError),
}

impl From<StoreError> for OpError {
    fn from(e: StoreError) -> Self {
        OpError::Store(e)
    }
}

/// Who did something, from where. Recorded in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user: String,
    pub terminal: String,
}

impl Actor {
    /// The user of what the system does itself (the no-show rule).
    pub const SYSTEM: &'static str = "system";

    /// The system itself (the no-show rule).
    pub fn system(terminal: &str) -> Self {
        Self {
            user: Self::SYSTEM.into(),
            terminal: terminal.into(),
        }
    }
}

/// The moment and the person of a change.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub at: DateTime<FixedOffset>,
    pub actor: Actor,
    /// How staff were reached (counter, phone, ...), when it matters.
    pub channel: Option<Channel>,
}

/// The key under which a request that may come twice is remembered
/// ([`Store::book_once`]): the account that asked and the request's own
/// key, so that one account can never repeat another's.
pub fn once_key(account: &str, key: &str) -> Vec<u8> {
    let mut k = b"request\0".to_vec();
    k.extend_from_slice(account.as_bytes());
    k.push(0);
    k.extend_from_slice(key.as_bytes());
    k
}

/// One entry of the append-only audit trail: ids only, never personal data
/// (no names, contact details or reasons; those stay in their records).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub seq: u64,
    pub at: DateTime<FixedOffset>,
    pub user: String,
    pub terminal: String,
    pub channel: Option<Channel>,
    /// `book`, an [`Event`] id, `refuse` or `unrefuse`.
    pub action: String,
    pub booking: Option<BookingId>,
    /// Only for refusals, whose record is keyed by the job seeker.
    pub seeker: Option<JobSeekerNumber>,
    pub from: Option<Status>,
    pub to: Option<Status>,
}

/// What a booking does with contact details that differ from the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Contact {
    /// The record stays; a booking that names others is refused.
    Keep,
    /// Staff replace them on purpose.
    Replace,
}

/// A booking to be written.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub slot: Slot,
    pub seeker: Seeker,
    pub channel: Channel,
    pub consent: Consent,
    pub checklist: Vec<ChecklistAnswer>,
    pub attendance: Attendance,
    /// `{id}` is replaced with the new booking's id.
    pub meeting_url_template: String,
    pub late_override: Option<String>,
}

impl NewBooking {
    /// The booking it becomes under `id`, made at `at`: booked, no history yet.
    pub fn booking(&self, id: BookingId, at: DateTime<FixedOffset>) -> Booking {
        Booking {
            id,
            slot: self.slot,
            seeker: self.seeker.number.clone(),
            status: Status::Booked,
            channel: self.channel,
            consent: self.consent.clone(),
            checklist: self.checklist.clone(),
            attendance: self.attendance.clone(),
            meeting_url: self.meeting_url_template.replace("{id}", id.as_str()),
            late_override: self.late_override.clone(),
            created_at: at,
            changes: Vec::new(),
        }
    }
}

/// What `check` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    pub bookings: usize,
    pub live: usize,
    pub seekers: usize,
    pub audit_events: usize,
    pub problems: Vec<String>,
    /// Where the database checked is (its folder, or its PostgreSQL
    /// place): a check made through a server names the server's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<PathBuf>,
}

thread_local! {
    static CONTAINING: Cell<bool> = const { Cell::new(false) };
}
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Whether the panic now happening is one the store contains (inside a
/// sled call, or on one of sled's threads); if so, its message is kept for
/// the error the store returns.
fn contained(info: &panic::PanicHookInfo<'_>) -> bool {
    let in_sled_thread = std::thread::current()
        .name()
        .is_some_and(|n| n.starts_with("sled"));
    if !(CONTAINING.with(Cell::get) || in_sled_thread) {
        return false;
    }
    let msg = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into());
    let place = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    if let Ok(mut last) = LAST_PANIC.lock() {
        *last = Some(format!("{msg}{place}"));
    }
    true
}

/// Wraps the current panic hook so that panics the store contains stay
/// quiet (they become a [`StoreError::Damaged`]) and every other panic goes
/// to the hook that was there. Call it again after installing another hook
/// (the terminal's), so that the filter stays outermost.
pub fn wrap_panic_hook() {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if !contained(info) {
            previous(info);
        }
    }));
}

/// [`wrap_panic_hook`], once per process.
pub fn install_panic_filter() {
    static ONCE: Once = Once::new();
    ONCE.call_once(wrap_panic_hook);
}

/// Runs `f`, turning a panic into `Err` with its message.
fn contain<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_panic_filter();
    let was = CONTAINING.with(|c| c.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CONTAINING.with(|c| c.set(was));
    result.map_err(|_| {
        LAST_PANIC
            .lock()
            .ok()
            .and_then(|mut l| l.take())
            .unwrap_or_else(|| "the storage engine stopped".into())
    })
}

/// The index trees a booking has entries in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Index {
    Slots,
    SeekerDay,
    Pending,
    ByDay,
    BySeeker,
}

/// The index entries of a booking in its status: every booking is in
/// `by_day` and `by_seeker`; a live one holds its slot and its job seeker's
/// day; one still `booked` is pending for the no-show rule.
fn index_entries(b: &Booking) -> Vec<(Index, Vec<u8>, Vec<u8>)> {
    let sb = keys::slot_booking(&b.slot, &b.id).to_vec();
    let id = b.id.as_bytes().to_vec();
    let mut out = vec![
        (Index::ByDay, sb.clone(), Vec::new()),
        (
            Index::BySeeker,
            keys::seeker_booking(&b.seeker, &b.slot, &b.id),
            Vec::new(),
        ),
    ];
    if b.status.is_live() {
        out.push((Index::Slots, keys::slot(&b.slot).to_vec(), id.clone()));
        out.push((
            Index::SeekerDay,
            keys::seeker_day(&b.seeker, b.slot.date),
            id,
        ));
    }
    if b.status == Status::Booked {
        out.push((Index::Pending, sb, Vec::new()));
    }
    out
}

#[derive(Clone)]
struct Trees {
    meta: sled::Tree,
    bookings: sled::Tree,
    slots: sled::Tree,
    seeker_day: sled::Tree,
    pending: sled::Tree,
    by_day: sled::Tree,
    by_seeker: sled::Tree,
    seekers: sled::Tree,
    refusals: sled::Tree,
    audit: sled::Tree,
    audit_by_booking: sled::Tree,
    mail_queue: sled::Tree,
    marks: sled::Tree,
    notes: sled::Tree,
    blocks: sled::Tree,
}

/// sled 0.34 writes a snapshot of its page table as `snap.<lsn>.generating`
/// and renames it once complete, but on open it reads the newest `snap.*`
/// file, an unfinished one included (sled issue #1527): a process killed
/// while writing a snapshot (sled writes one at every open) leaves a
/// database that will not open. The log is the record and a snapshot only a
/// head start, so an unfinished one is removed: only under the lock sled
/// itself takes (`flock` on `db/db`), so never one another process is
/// still writing. Found by `tests/crash.rs`.
fn clear_unfinished_snapshots(db_path: &Path) {
    use std::os::fd::AsRawFd;
    let Ok(entries) = fs::read_dir(db_path) else {
        return;
    };
    let unfinished: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("snap.") && n.ends_with(".generating"))
        })
        .collect();
    if unfinished.is_empty() {
        return;
    }
    let Ok(log) = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(db_path.join("db"))
    else {
        return;
    };
    // SAFETY: flock on a descriptor this function owns; the lock goes with it.
    if unsafe { libc::flock(log.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return;
    }
    for p in unfinished {
        let _ = fs::remove_file(p);
    }
}

/// The names soudan itself makes in a data folder; the only ones whose
/// rights it ever narrows. Anything else in the folder is left as it is.
const OWN_NAMES: &[&str] = &[
    "db",
    "outbox",
    "holder",
    LAST_EVENT,
    "log",
    "soudan.sock",
    "server.log",
];

/// Whether `dir`, which exists, may be used as a data folder: a folder
/// (never a file or a device), either empty or a soudan data folder (it
/// holds `db/`). Anything else is refused untouched, so `--data-dir ~` never
/// becomes a database beside someone's files.
fn check_data_dir(dir: &Path) -> Result<(), StoreError> {
    let refuse = |others: Vec<String>| StoreError::NotADataDir {
        dir: dir.to_path_buf(),
        others,
    };
    let meta = fs::metadata(dir).map_err(|e| StoreError::Io {
        dir: dir.to_path_buf(),
        detail: e.to_string(),
    })?;
    if !meta.is_dir() {
        return Err(refuse(Vec::new()));
    }
    let entries = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) => {
            return Err(StoreError::Io {
                dir: dir.to_path_buf(),
                detail: e.to_string(),
            });
        }
    };
    let mut names = Vec::new();
    for e in entries.flatten() {
        names.push(e.file_name().to_string_lossy().into_owned());
        if names.len() > 64 {
            break;
        }
    }
    // Only soudan's own names (a socket a killed server left): as empty.
    if names.iter().all(|n| OWN_NAMES.contains(&n.as_str())) {
        return Ok(());
    }
    let has_db = fs::symlink_metadata(dir.join("db")).is_ok_and(|m| m.is_dir());
    if !has_db {
        names.sort();
        names.truncate(3);
        return Err(refuse(names));
    }
    Ok(())
}

/// Takes the group's and others' rights away from `path`; the owner's
/// stay as they are (a folder made read-only on purpose stays read-only).
/// Takes group and other access away from `path`; whether it had any.
fn restrict(path: &Path) -> io::Result<bool> {
    let mode = fs::metadata(path)?.permissions().mode();
    if mode & 0o077 != 0 {
        fs::set_permissions(path, fs::Permissions::from_mode(mode & 0o7700))?;
        return Ok(true);
    }
    Ok(false)
}

/// Removes the read copies of processes that are gone (killed before they
/// could remove their own): they hold personal data.
fn remove_stale_copies() {
    let Ok(rd) = fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("soudan-read-")) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<i32>().ok()) else {
            continue;
        };
        // SAFETY: signal 0 only asks whether the process exists.
        let gone = unsafe { libc::kill(pid, 0) } != 0
            && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if gone {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// A private copy of a database, removed when dropped.
struct ReadCopy(PathBuf);

impl Drop for ReadCopy {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// fsyncs a folder, so that the entries made in it survive a power loss.
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

/// Opens `<dir>/last-event`, making it (empty, and durable) when missing.
/// Returns whether it was made now.
fn open_note(dir: &Path) -> io::Result<(fs::File, bool)> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(LAST_EVENT);
    let mut opts = fs::OpenOptions::new();
    opts.read(true).write(true).mode(0o600);
    match opts.open(&path) {
        Ok(f) => Ok((f, false)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let f = opts.create(true).open(&path)?;
            f.sync_all()?;
            Ok((f, true))
        }
        Err(e) => Err(e),
    }
}

/// The note's one line: the number, padded to a fixed 21 bytes so that a
/// rewrite in place never leaves a longer old tail, and small enough to be
/// written to one disk sector at once (a write of one sector is not torn).
fn write_note(note: &fs::File, seq: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    let line = format!("{seq:020}\n");
    note.write_all_at(line.as_bytes(), 0)?;
    note.set_len(line.len() as u64)?;
    note.sync_data()
}

/// The database. Open it once per process and clone it: a second open of
/// the same directory fails (sled holds a lock), from any process.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    t: Trees,
    dir: PathBuf,
    /// For a read from a folder that cannot be written: the private copy
    /// the store was opened from, removed with the last handle.
    _copy: Option<Arc<ReadCopy>>,
    /// sled's log, `db/db`, kept open to be fsynced: sled 0.34's own
    /// `flush()` uses `sync_file_range` on Linux, which makes neither the
    /// file's size nor the disk's cache durable.
    log: Arc<fs::File>,
    /// `<data-dir>/last-event`, rewritten in place and fsynced after every
    /// flush (see [`Store::check_last_event`]).
    note: Arc<fs::File>,
    /// The newest event the note holds: threads flushing at once never
    /// move it back, and never write it at the same moment.
    noted: Arc<std::sync::Mutex<Option<u64>>>,
}

type TxResult<T> = Result<T, ConflictableTransactionError<OpError>>;

fn abort<T>(e: OpError) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(e))
}

impl Store {
    /// Opens (creating when missing) the database under `data_dir`, which is
    /// created with mode 0700; files are created 0600. `role` says who holds
    /// it ("dashboard", "book", ...), for the message another process gets.
    pub fn open(data_dir: &Path, role: &str) -> Result<Store, StoreError> {
        let dir = data_dir.to_path_buf();
        let io_err = |e: io::Error| StoreError::Io {
            dir: dir.clone(),
            detail: e.to_string(),
        };
        // Files created from here on (sled's included) are private.
        // SAFETY: umask only changes this process's file creation mask.
        unsafe {
            libc::umask(0o077);
        }
        match fs::symlink_metadata(&dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(&dir)
                    .map_err(io_err)?;
                if let Some(parent) = dir.parent() {
                    let _ = sync_dir(parent);
                }
            }
            Err(e) => return Err(io_err(e)),
            Ok(_) => check_data_dir(&dir)?,
        }
        restrict(&dir).map_err(io_err)?;
        let db_path = dir.join("db");
        clear_unfinished_snapshots(&db_path);
        let cfg = sled::Config::new()
            .path(&db_path)
            .cache_capacity(CACHE_BYTES)
            .flush_every_ms(None)
            .mode(sled::Mode::LowSpace);
        // sled's I/O threads can hold the file lock for a moment after the
        // last handle in this process was dropped; a lock that is being let
        // go is waited for (up to LOCK_WAIT) before "in use" is reported.
        let started = std::time::Instant::now();
        let db = loop {
            match contain(|| cfg.open()) {
                Ok(Ok(db)) => break db,
                Ok(Err(e)) => match Self::open_error(&dir, e) {
                    StoreError::Locked { .. } if started.elapsed() < LOCK_WAIT => {
                        std::thread::sleep(std::time::Duration::from_millis(20));
                    }
                    other => return Err(other),
                },
                Err(panic) => return Err(StoreError::Damaged { dir, detail: panic }),
            }
        };
        let store = contain(|| -> Result<(sled::Db, Trees), sled::Error> {
            let t = Trees {
                meta: db.open_tree("meta")?,
                bookings: db.open_tree("bookings")?,
                slots: db.open_tree("slots")?,
                seeker_day: db.open_tree("seeker_day")?,
                pending: db.open_tree("pending")?,
                by_day: db.open_tree("by_day")?,
                by_seeker: db.open_tree("by_seeker")?,
                seekers: db.open_tree("seekers")?,
                refusals: db.open_tree("refusals")?,
                audit: db.open_tree("audit")?,
                audit_by_booking: db.open_tree("audit_by_booking")?,
                mail_queue: db.open_tree("mail_queue")?,
                marks: db.open_tree("marks")?,
                notes: db.open_tree("notes")?,
                blocks: db.open_tree("blocks")?,
            };
            Ok((db, t))
        });
        let (db, t) = match store {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(Self::open_error(&dir, e)),
            Err(panic) => return Err(StoreError::Damaged { dir, detail: panic }),
        };
        // The log and the note must be reachable after a power loss: their
        // folders' entries are made durable once, here.
        let log = fs::File::open(db_path.join("db")).map_err(io_err)?;
        let (note, note_is_new) = open_note(&dir).map_err(io_err)?;
        sync_dir(&db_path).map_err(io_err)?;
        sync_dir(&dir).map_err(io_err)?;
        let store = Store {
            _copy: None,
            db,
            t,
            dir: dir.clone(),
            log: Arc::new(log),
            note: Arc::new(note),
            noted: Arc::new(std::sync::Mutex::new(None)),
        };
        store.check_schema()?;
        store.check_last_event(note_is_new)?;
        store.init_audit_next()?;
        // Tell a second process who holds the database.
        let holder = format!("{role} (pid {})\n", std::process::id());
        let _ = fs::write(dir.join("holder"), holder);
        store.private_files();
        Ok(store)
    }

    /// Opens a private copy of the database under `data_dir` for reading:
    /// for a folder that cannot be written (a read-only mount, a full disk,
    /// no write permission), where sled cannot open in place since it
    /// writes at every open. Nothing in `data_dir` is touched; what the
    /// copy is changed (the no-show rule catching up) goes with it.
    pub fn open_copy(data_dir: &Path, role: &str) -> Result<Store, StoreError> {
        let io_err = |e: io::Error| StoreError::Io {
            dir: data_dir.to_path_buf(),
            detail: e.to_string(),
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let tmp = std::env::temp_dir().join(format!("soudan-read-{}-{nanos}", std::process::id()));
        remove_stale_copies();
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&tmp)
            .map_err(io_err)?;
        let copy = ReadCopy(tmp.clone());
        fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
            fs::DirBuilder::new().mode(0o700).create(to)?;
            for e in fs::read_dir(from)? {
                let e = e?;
                let ft = e.file_type()?;
                if ft.is_dir() {
                    copy_dir(&e.path(), &to.join(e.file_name()))?;
                } else if ft.is_file() {
                    // The copy is ours to write (the original may be 0400).
                    let dest = to.join(e.file_name());
                    fs::copy(e.path(), &dest)?;
                    fs::set_permissions(&dest, fs::Permissions::from_mode(0o600))?;
                }
            }
            Ok(())
        }
        if !data_dir.join("db").is_dir() {
            return Err(StoreError::Io {
                dir: data_dir.to_path_buf(),
                detail: "no database in this folder".into(),
            });
        }
        copy_dir(&data_dir.join("db"), &tmp.join("db")).map_err(io_err)?;
        if let Ok(note) = fs::read(data_dir.join(LAST_EVENT)) {
            fs::write(tmp.join(LAST_EVENT), note).map_err(io_err)?;
            fs::set_permissions(tmp.join(LAST_EVENT), fs::Permissions::from_mode(0o600))
                .map_err(io_err)?;
        }
        let mut store = Store::open(&tmp, role)?;
        store._copy = Some(Arc::new(copy));
        Ok(store)
    }

    fn open_error(dir: &Path, e: sled::Error) -> StoreError {
        let dir = dir.to_path_buf();
        match e {
            sled::Error::Io(io) if io.to_string().contains("could not acquire lock") => {
                let holder = fs::read_to_string(dir.join("holder"))
                    .ok()
                    .map(|s| s.trim().to_string());
                StoreError::Locked { dir, holder }
            }
            sled::Error::Io(io) => StoreError::Io {
                dir,
                detail: io.to_string(),
            },
            other => StoreError::Damaged {
                dir,
                detail: other.to_string(),
            },
        }
    }

    /// Files made before the umask was set (by an older soudan, or a copy)
    /// are made private too. A folder that is already private keeps
    /// everyone else out of what it holds, so only a folder that was not is
    /// gone through: an outbox of years of mail costs nothing at each open.
    fn private_files(&self) {
        for name in OWN_NAMES {
            let path = self.dir.join(name);
            let Ok(m) = fs::symlink_metadata(&path) else {
                continue;
            };
            let opened_up = (m.is_dir() || m.is_file()) && restrict(&path).unwrap_or(false);
            if m.is_dir() && opened_up {
                walk(&path);
            }
        }
        fn walk(p: &Path) {
            if let Ok(entries) = fs::read_dir(p) {
                for e in entries.flatten() {
                    let path = e.path();
                    if let Ok(ft) = e.file_type() {
                        if ft.is_dir() {
                            let _ = restrict(&path);
                            walk(&path);
                        } else if ft.is_file() {
                            let _ = restrict(&path);
                        }
                    }
                }
            }
        }
    }

    fn check_schema(&self) -> Result<(), StoreError> {
        if self
            .sled(|| self.t.meta.get(backup::IMPORTING_KEY))?
            .is_some()
        {
            return Err(self.damaged(
                "an import into this folder was cut short; remove the folder and import again",
            ));
        }
        let found = self.sled(|| self.t.meta.get(SCHEMA_KEY))?;
        match found {
            Some(v) => {
                let bytes: [u8; 4] = v
                    .as_ref()
                    .try_into()
                    .map_err(|_| self.damaged("schema version is not 4 bytes"))?;
                let found = u32::from_be_bytes(bytes);
                if found > SCHEMA_VERSION {
                    return Err(StoreError::Newer {
                        dir: self.dir.clone(),
                        found,
                        supported: SCHEMA_VERSION,
                    });
                }
                Ok(())
            }
            None => {
                let empty =
                    self.sled(|| Ok(self.t.bookings.is_empty() && self.t.audit.is_empty()))?;
                if !empty {
                    return Err(self.damaged("records without a schema version"));
                }
                self.sled(|| {
                    self.t
                        .meta
                        .insert(SCHEMA_KEY, &SCHEMA_VERSION.to_be_bytes())
                })?;
                self.flush()
            }
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether this is a private copy opened for reading ([`Store::open_copy`]).
    pub fn is_copy(&self) -> bool {
        self._copy.is_some()
    }

    /// Says which clock this process runs on, and whether this database may
    /// be used with it. A data folder remembers the clock it was made
    /// under (`meta.clock`): one made under a training clock (`--now`) is a
    /// training folder; one made under the real clock holds the office's
    /// data and refuses a training clock, so that no moment but the real one
    /// ever applies the no-show rule to real bookings (the ruling "The
    /// training clock never touches the office's data"). A folder from before
    /// this note, with records in it, counts as real.
    pub fn claim_clock(&self, training: bool) -> Result<(), ClockRefused> {
        let want: &[u8] = if training { b"training" } else { b"real" };
        let found = self.sled(|| self.t.meta.get(CLOCK_KEY))?;
        let is_training = match found {
            Some(v) => v.as_ref() == b"training",
            None => {
                let kind: &[u8] = if self.is_blank()? { want } else { b"real" };
                self.sled(|| self.t.meta.insert(CLOCK_KEY, kind))?;
                self.flush()?;
                kind == b"training"
            }
        };
        if training && !is_training {
            return Err(ClockRefused::RealData);
        }
        Ok(())
    }

    /// Whether this folder was made under a training clock.
    pub fn is_training(&self) -> Result<bool, StoreError> {
        Ok(self
            .sled(|| self.t.meta.get(CLOCK_KEY))?
            .is_some_and(|v| v.as_ref() == b"training"))
    }

    fn damaged(&self, detail: impl Into<String>) -> StoreError {
        StoreError::Damaged {
            dir: self.dir.clone(),
            detail: detail.into(),
        }
    }

    fn sled_error(&self, e: sled::Error) -> StoreError {
        match e {
            sled::Error::Io(io) => StoreError::Io {
                dir: self.dir.clone(),
                detail: io.to_string(),
            },
            other => self.damaged(other.to_string()),
        }
    }

    /// One call into sled: its errors and panics become [`StoreError`]s.
    fn sled<T>(&self, f: impl FnOnce() -> sled::Result<T>) -> Result<T, StoreError> {
        match contain(f) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.sled_error(e)),
            Err(panic) => Err(self.damaged(panic)),
        }
    }

    /// Makes every change so far durable. Called before a change is reported.
    /// Makes every change so far durable, then notes the last audit event
    /// in `<data-dir>/last-event` (see [`Store::check_last_event`]).
    ///
    /// Durable means fsynced: sled writes its log and (on Linux) only asks
    /// for write-back with `sync_file_range`, so the log is fdatasynced here
    /// before anything is reported (stdout, a screen, a reply, a mail).
    pub fn flush(&self) -> Result<(), StoreError> {
        let io_err = |e: io::Error| StoreError::Io {
            dir: self.dir.clone(),
            detail: e.to_string(),
        };
        // The newest event read before the flush: every event up to it was
        // committed before the flush began, so the flush holds it. Read after,
        // another thread's change committed meanwhile could be noted without
        // being on disk, and a crash would then look like lost changes.
        let seq = self.last_event()?;
        self.sled(|| self.db.flush().map(|_| ()))?;
        self.log.sync_data().map_err(io_err)?;
        if let Some(seq) = seq {
            let mut noted = self.noted.lock().map_err(|_| StoreError::Io {
                dir: self.dir.clone(),
                detail: "the note's lock was poisoned".into(),
            })?;
            if noted.is_none_or(|n| seq > n) {
                write_note(&self.note, seq).map_err(io_err)?;
                *noted = Some(seq);
            }
        }
        Ok(())
    }

    /// A folder from before dense audit numbers: the next one follows the
    /// newest event.
    fn init_audit_next(&self) -> Result<(), StoreError> {
        if self.sled(|| self.t.meta.get(AUDIT_NEXT))?.is_some() {
            return Ok(());
        }
        let next = self.last_event()?.map_or(0, |l| l + 1);
        self.sled(|| self.t.meta.insert(AUDIT_NEXT, &next.to_be_bytes()))?;
        self.flush()
    }

    /// The sequence number of the newest audit event.
    pub(crate) fn last_event(&self) -> Result<Option<u64>, StoreError> {
        let last = self.sled(|| self.t.audit.last())?;
        Ok(last.and_then(|(k, _)| k.as_ref().try_into().ok().map(u64::from_be_bytes)))
    }

    /// Every change writes an audit event in its transaction, and after
    /// each flush the newest one's number is noted beside the database. If
    /// the database now ends before that event, sled has dropped the tail of
    /// its log on recovery (a damaged file): changes that were reported are
    /// gone, and the database must not be used as if nothing happened.
    ///
    /// A note that cannot be read is damage too (it would switch this
    /// safeguard off). A note made just now (a new folder, or one from a
    /// soudan that kept none) is written from the database as it is.
    fn check_last_event(&self, note_is_new: bool) -> Result<(), StoreError> {
        if note_is_new {
            return match self.last_event()? {
                Some(seq) => write_note(&self.note, seq).map_err(|e| StoreError::Io {
                    dir: self.dir.clone(),
                    detail: e.to_string(),
                }),
                None => Ok(()),
            };
        }
        let text = fs::read_to_string(self.dir.join(LAST_EVENT)).map_err(|e| {
            self.damaged(format!(
                "{LAST_EVENT} cannot be read ({e}); restore the last backup"
            ))
        })?;
        let noted = match text.trim() {
            // Made, but no change has been recorded yet.
            "" => return Ok(()),
            t => t.parse::<u64>().map_err(|_| {
                self.damaged(format!(
                    "{LAST_EVENT} is not a number ({}); restore the last backup",
                    text.trim().chars().take(24).collect::<String>()
                ))
            })?,
        };
        match self.last_event()? {
            Some(found) if found >= noted => Ok(()),
            found => Err(self.damaged(format!(
                "the database ends before its last recorded change (event {noted}, found {}): \
                 changes were lost; restore the last backup (soudan import)",
                found.map_or("none".to_string(), |f| f.to_string())
            ))),
        }
    }

    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        kind: Kind,
        what: &str,
        bytes: &[u8],
    ) -> Result<T, StoreError> {
        codec::decode(kind, bytes).map_err(|e| match e {
            DecodeError::NewerVersion { found, supported } => StoreError::Newer {
                dir: self.dir.clone(),
                found: u32::from(found),
                supported: u32::from(supported),
            },
            other => self.damaged(format!("{what}: {other}")),
        })
    }

    /// Runs a transaction over every tree, contained and flushed.
    fn transact<T>(&self, f: impl Fn(&Tx<'_>) -> TxResult<T>) -> Result<T, OpError> {
        let value = self.transact_unflushed(f)?;
        self.flush()?;
        Ok(value)
    }

    /// Runs a transaction over every tree, contained; the caller flushes.
    fn transact_unflushed<T>(&self, f: impl Fn(&Tx<'_>) -> TxResult<T>) -> Result<T, OpError> {
        let t = &self.t;
        // sled's tuples of trees stop at 14; a slice takes any number.
        let trees: [&sled::Tree; 15] = [
            &t.meta,
            &t.bookings,
            &t.slots,
            &t.seeker_day,
            &t.pending,
            &t.by_day,
            &t.by_seeker,
            &t.seekers,
            &t.refusals,
            &t.audit,
            &t.audit_by_booking,
            &t.mail_queue,
            &t.marks,
            &t.notes,
            &t.blocks,
        ];
        let result = contain(|| {
            trees[..].transaction(|v: &Vec<TransactionalTree>| {
                let tx = Tx {
                    store: self,
                    meta: &v[0],
                    bookings: &v[1],
                    slots: &v[2],
                    seeker_day: &v[3],
                    pending: &v[4],
                    by_day: &v[5],
                    by_seeker: &v[6],
                    seekers: &v[7],
                    refusals: &v[8],
                    audit: &v[9],
                    audit_by_booking: &v[10],
                    mail_queue: &v[11],
                    marks: &v[12],
                    notes: &v[13],
                    blocks: &v[14],
                };
                f(&tx)
            })
        });
        let value = match result {
            Ok(Ok(v)) => v,
            Ok(Err(TransactionError::Abort(e))) => return Err(e),
            Ok(Err(TransactionError::Storage(e))) => return Err(self.sled_error(e).into()),
            Err(panic) => return Err(self.damaged(panic).into()),
        };
        Ok(value)
    }

    /// Writes a new booking after re-checking, in the transaction, that the
    /// job seeker is not refused, the slot is free and the job seeker has no
    /// other live booking that day. The pure checks (open day, deadline,
    /// consent, checklist) are the caller's, through [`crate::domain::office`].
    ///
    /// A known job seeker's contact details stay as stored: a booking that
    /// names others is refused ([`Violation::ContactDiffers`]); see
    /// [`Store::book_with`].
    pub fn book(&self, new: &NewBooking, ctx: &Ctx) -> Result<Booking, OpError> {
        self.book_with(new, ctx, Contact::Keep)
    }

    /// [`Store::book`], saying what becomes of contact details that differ
    /// from the record: kept and refused, or replaced on purpose by staff
    /// (then the change is in the audit trail as `contact`, without values).
    pub fn book_with(
        &self,
        new: &NewBooking,
        ctx: &Ctx,
        contact: Contact,
    ) -> Result<Booking, OpError> {
        self.book_once(new, ctx, contact, None)
    }

    /// [`Store::book_with`] for a request that may come twice (a client
    /// that lost its server sends it again): with `once`, the first time
    /// books and remembers the booking under that key in the same
    /// transaction; a repeat books nothing and returns the booking as it is
    /// now. The key says who asked (see [`once_key`]).
    pub fn book_once(
        &self,
        new: &NewBooking,
        ctx: &Ctx,
        contact: Contact,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        let booking = self.book_unflushed(new, ctx, contact, once)?;
        self.flush()?;
        Ok(booking)
    }

    /// Staff change a job seeker's contact details on purpose: the fields
    /// given replace the stored ones; the audit trail says that they changed
    /// (`contact`), never to what. Returns the record before and after.
    pub fn update_contact(&self, typed: &Seeker, ctx: &Ctx) -> Result<(Seeker, Seeker), OpError> {
        let key = typed.number.as_str().as_bytes().to_vec();
        self.transact(|tx| {
            let Some(raw) = tx.seekers.get(&key)? else {
                return abort(OpError::Rule(Violation::ContactDiffers {
                    fields: Vec::new(),
                }));
            };
            let stored: Seeker = tx.decode(Kind::Seeker, "seeker", &raw)?;
            let after = stored.merged(typed, true);
            if after != stored {
                tx.put(tx.seekers, &key, Kind::Seeker, &after)?;
                tx.audit_seeker(ctx, "contact", &typed.number)?;
            }
            Ok((stored.clone(), after))
        })
    }

    /// Writes many bookings, each in its own transaction with every check of
    /// [`Store::book`], and flushes once at the end (also when one is
    /// refused: what was written before it stays). For sample data and
    /// imports; a booking someone waits for goes through [`Store::book`].
    pub fn book_many(&self, news: &[(NewBooking, Ctx)]) -> Result<Vec<Booking>, OpError> {
        let mut out = Vec::with_capacity(news.len());
        let mut result = Ok(());
        for (new, ctx) in news {
            match self.book_unflushed(new, ctx, Contact::Keep, None) {
                Ok(b) => out.push(b),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.flush()?;
        result.map(|()| out)
    }

    fn book_unflushed(
        &self,
        new: &NewBooking,
        ctx: &Ctx,
        contact: Contact,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        let slot_key = keys::slot(&new.slot);
        let day_key = keys::seeker_day(&new.seeker.number, new.slot.date);
        let seeker_key = new.seeker.number.as_str().as_bytes().to_vec();
        self.transact_unflushed(|tx| {
            if let Some(done) = tx.done_before(once)? {
                return Ok(done);
            }
            let stored: Option<Seeker> = match tx.seekers.get(&seeker_key)? {
                Some(raw) => Some(tx.decode(Kind::Seeker, "seeker", &raw)?),
                None => None,
            };
            let (record, changed) = match &stored {
                None => (new.seeker.clone(), false),
                Some(s) => {
                    let fields = s.contact_changes(&new.seeker);
                    if !fields.is_empty() && contact == Contact::Keep {
                        return abort(OpError::Rule(Violation::ContactDiffers { fields }));
                    }
                    (
                        s.merged(&new.seeker, contact == Contact::Replace),
                        !fields.is_empty(),
                    )
                }
            };
            if let Some(raw) = tx.refusals.get(&seeker_key)? {
                let list: Vec<Refusal> = tx.decode(Kind::Refusals, "refusal", &raw)?;
                if let Some(r) = active_refusal(&list) {
                    return abort(OpError::Rule(Violation::SeekerRefused {
                        since: r.since,
                        reason: r.reason.clone(),
                    }));
                }
            }
            if tx.slots.get(slot_key)?.is_some() {
                return abort(OpError::Rule(Violation::SlotTaken { slot: new.slot }));
            }
            tx.check_not_blocked(&new.slot)?;
            if let Some(other) = tx.seeker_day.get(&day_key)? {
                let id = keys::trailing_id(&other)
                    .ok_or_else(|| tx.fail(self.damaged("seeker_day value is not an id")))?;
                return abort(OpError::Rule(Violation::SeekerBookedThatDay {
                    date: new.slot.date,
                    id,
                }));
            }
            let id = tx.fresh_id()?;
            let booking = new.booking(id, ctx.at);
            tx.put_booking(&booking)?;
            tx.index_new(&booking)?;
            if stored.as_ref() != Some(&record) {
                tx.put(tx.seekers, &seeker_key, Kind::Seeker, &record)?;
            }
            if changed {
                tx.audit_seeker(ctx, "contact", &record.number)?;
            }
            tx.audit(ctx, "book", Some(id), None, None, Some(Status::Booked))?;
            tx.queue_mail(id, MailKind::Confirmation, ctx.at)?;
            tx.remember(once, id)?;
            Ok(booking)
        })
    }

    /// Applies `event` to booking `id`.
    pub fn apply(&self, id: BookingId, event: &Event, ctx: &Ctx) -> Result<Booking, OpError> {
        self.apply_checked(id, event, ctx, &|_| Ok(()))
    }

    /// Applies `event` to booking `id` when `rule` allows it for the
    /// booking as stored, in the same transaction (the office's time window
    /// for a start, say: [`crate::domain::office::Office::check_event`]).
    pub fn apply_checked(
        &self,
        id: BookingId,
        event: &Event,
        ctx: &Ctx,
        rule: &dyn Fn(&Booking) -> Result<(), Violation>,
    ) -> Result<Booking, OpError> {
        self.apply_once(id, event, ctx, rule, None)
    }

    /// [`Store::apply_checked`] for a request that may come twice, as
    /// [`Store::book_once`]: a repeat of `once` changes nothing and returns
    /// the booking as it is now.
    pub fn apply_once(
        &self,
        id: BookingId,
        event: &Event,
        ctx: &Ctx,
        rule: &dyn Fn(&Booking) -> Result<(), Violation>,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        let booking = self.apply_unflushed_with(id, event, ctx, rule, |_| {}, once)?;
        self.flush()?;
        Ok(booking)
    }

    /// Records consent renewed to a newer terms version (Art. 13) for a
    /// booking still ahead: the consent record is replaced and the change
    /// is in the booking's history and the audit trail.
    pub fn reconsent(
        &self,
        id: BookingId,
        consent: &Consent,
        ctx: &Ctx,
    ) -> Result<Booking, OpError> {
        let event = Event::Reconsent {
            version: consent.terms_version.clone(),
        };
        let booking = self.apply_unflushed_with(
            id,
            &event,
            ctx,
            &|_| Ok(()),
            |b| b.consent = consent.clone(),
            None,
        )?;
        self.flush()?;
        Ok(booking)
    }

    /// Moves booking `id` (still `booked`) to `to`, with the meeting URL of
    /// the new booth and, when staff booked past the deadline, their
    /// reason: re-checked in the transaction like a new booking (the slot
    /// free, the job seeker's other bookings that day, a refusal). Consent,
    /// checklist and history stay; the move is in the history and the
    /// audit trail, and the updated invitation is queued.
    pub fn move_booking(
        &self,
        id: BookingId,
        to: Slot,
        meeting_url: &str,
        late_override: Option<String>,
        ctx: &Ctx,
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        let booking = self.transact_unflushed(|tx| {
            if let Some(done) = tx.done_before(once)? {
                return Ok(done);
            }
            let Some(raw) = tx.bookings.get(id.as_bytes())? else {
                return abort(OpError::NotFound(id));
            };
            let old: Booking = tx.decode(Kind::Booking, "booking", &raw)?;
            let seeker_key = old.seeker.as_str().as_bytes().to_vec();
            if let Some(raw) = tx.refusals.get(&seeker_key)? {
                let list: Vec<Refusal> = tx.decode(Kind::Refusals, "refusal", &raw)?;
                if let Some(r) = active_refusal(&list) {
                    return abort(OpError::Rule(Violation::SeekerRefused {
                        since: r.since,
                        reason: r.reason.clone(),
                    }));
                }
            }
            if tx.slots.get(keys::slot(&to))?.is_some() {
                return abort(OpError::Rule(Violation::SlotTaken { slot: to }));
            }
            tx.check_not_blocked(&to)?;
            if to.date != old.slot.date
                && let Some(other) = tx.seeker_day.get(keys::seeker_day(&old.seeker, to.date))?
            {
                let other = keys::trailing_id(&other)
                    .ok_or_else(|| tx.fail(self.damaged("seeker_day value is not an id")))?;
                return abort(OpError::Rule(Violation::SeekerBookedThatDay {
                    date: to.date,
                    id: other,
                }));
            }
            let mut moved = old.clone();
            if let Err(v) = moved.apply(Event::Move { from: old.slot }, ctx.at) {
                return abort(OpError::Rule(v));
            }
            moved.slot = to;
            moved.meeting_url = meeting_url.to_string();
            if late_override.is_some() {
                moved.late_override = late_override.clone();
            }
            tx.unindex(&old)?;
            tx.put_booking(&moved)?;
            tx.index_new(&moved)?;
            tx.audit(
                ctx,
                "move",
                Some(id),
                None,
                Some(Status::Booked),
                Some(Status::Booked),
            )?;
            tx.queue_mail(id, MailKind::Moved, ctx.at)?;
            tx.remember(once, id)?;
            Ok(moved)
        })?;
        self.flush()?;
        Ok(booking)
    }

    /// Applies many events, each in its own transaction, and flushes once at
    /// the end (also when one is refused). For sample data and imports.
    pub fn apply_many(&self, events: &[(BookingId, Event, Ctx)]) -> Result<(), OpError> {
        let mut result = Ok(());
        for (id, event, ctx) in events {
            if let Err(e) = self.apply_unflushed(*id, event, ctx) {
                result = Err(e);
                break;
            }
        }
        self.flush()?;
        result
    }

    fn apply_unflushed(&self, id: BookingId, event: &Event, ctx: &Ctx) -> Result<Booking, OpError> {
        self.apply_unflushed_with(id, event, ctx, &|_| Ok(()), |_| {}, None)
    }

    /// Applies `event` in one transaction, with `edit` made to the booking
    /// in the same write (the new consent of a renewal).
    fn apply_unflushed_with(
        &self,
        id: BookingId,
        event: &Event,
        ctx: &Ctx,
        rule: &dyn Fn(&Booking) -> Result<(), Violation>,
        edit: impl Fn(&mut Booking),
        once: Option<&[u8]>,
    ) -> Result<Booking, OpError> {
        self.transact_unflushed(|tx| {
            if let Some(done) = tx.done_before(once)? {
                return Ok(done);
            }
            let Some(raw) = tx.bookings.get(id.as_bytes())? else {
                return abort(OpError::NotFound(id));
            };
            let mut booking: Booking = tx.decode(Kind::Booking, "booking", &raw)?;
            if let Err(v) = rule(&booking) {
                return abort(OpError::Rule(v));
            }
            let from = booking.status;
            if let Err(v) = booking.apply(event.clone(), ctx.at) {
                return abort(OpError::Rule(v));
            }
            edit(&mut booking);
            tx.put_booking(&booking)?;
            tx.reindex(&booking, from)?;
            if matches!(event, Event::Cancel { .. }) {
                tx.queue_mail(id, MailKind::Cancellation, ctx.at)?;
            }
            tx.audit(
                ctx,
                event.id(),
                Some(id),
                None,
                Some(from),
                Some(booking.status),
            )?;
            tx.remember(once, id)?;
            Ok(booking)
        })
    }

    /// The no-show rule (Art. 6(4)): every booking still `booked` whose start
    /// plus `grace` is not after office time `now` becomes a no-show, recorded
    /// as done by the system at the moment the rule applied. Returns them.
    pub fn sweep(
        &self,
        now: NaiveDateTime,
        grace: Duration,
        offset: FixedOffset,
        terminal: &str,
    ) -> Result<Vec<Booking>, OpError> {
        let mut due = Vec::new();
        // Pending keys sort by start: read only up to the first one not yet due.
        let keys = self.sled(|| {
            let mut keys = Vec::new();
            for key in self.t.pending.iter().keys() {
                let key = key?;
                match keys::parse_slot(&key) {
                    Some((date, time, _)) if no_show_at(date.and_time(time), grace) > now => break,
                    _ => keys.push(key),
                }
            }
            Ok(keys)
        })?;
        for key in keys {
            let (date, time, _) =
                keys::parse_slot(&key).ok_or_else(|| self.damaged("pending key is not a slot"))?;
            let id =
                keys::trailing_id(&key).ok_or_else(|| self.damaged("pending key has no id"))?;
            due.push((id, no_show_at(date.and_time(time), grace)));
        }
        let mut swept = Vec::with_capacity(due.len());
        for (id, at) in due {
            let at = at
                .and_local_timezone(offset)
                .single()
                .unwrap_or_else(|| now.and_utc().fixed_offset());
            let ctx = Ctx {
                at,
                actor: Actor::system(terminal),
                channel: None,
            };
            match self.apply(id, &Event::NoShow, &ctx) {
                Ok(b) => swept.push(b),
                // Started or cancelled meanwhile by another terminal: not a no-show.
                Err(OpError::Rule(Violation::WrongState { .. })) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(swept)
    }

    /// The earliest moment the no-show rule will next apply, if any booking
    /// is still `booked`.
    pub fn next_no_show(&self, grace: Duration) -> Result<Option<NaiveDateTime>, StoreError> {
        let first = self.sled(|| self.t.pending.first())?;
        Ok(first
            .and_then(|(k, _)| keys::parse_slot(&k))
            .map(|(d, t, _)| no_show_at(d.and_time(t), grace)))
    }

    /// Records a refusal under Art. 12(1).
    pub fn refuse(
        &self,
        seeker: &JobSeekerNumber,
        reason: &str,
        ctx: &Ctx,
    ) -> Result<Refusal, OpError> {
        let key = seeker.as_str().as_bytes().to_vec();
        self.transact(|tx| {
            let mut list: Vec<Refusal> = match tx.refusals.get(&key)? {
                Some(raw) => tx.decode(Kind::Refusals, "refusal", &raw)?,
                None => Vec::new(),
            };
            let refusal =
                match crate::domain::booking::refuse(&mut list, reason, ctx.at, &ctx.actor.user) {
                    Ok(r) => r,
                    Err(v) => return abort(OpError::Rule(v)),
                };
            tx.put(tx.refusals, &key, Kind::Refusals, &list)?;
            tx.audit_seeker(ctx, "refuse", seeker)?;
            Ok(refusal)
        })
    }

    /// Lifts the refusal in force.
    pub fn unrefuse(
        &self,
        seeker: &JobSeekerNumber,
        reason: &str,
        ctx: &Ctx,
    ) -> Result<Refusal, OpError> {
        let key = seeker.as_str().as_bytes().to_vec();
        self.transact(|tx| {
            let mut list: Vec<Refusal> = match tx.refusals.get(&key)? {
                Some(raw) => tx.decode(Kind::Refusals, "refusal", &raw)?,
                None => Vec::new(),
            };
            let lifted = match crate::domain::booking::lift_refusal(
                &mut list,
                reason,
                ctx.at,
                &ctx.actor.user,
            ) {
                Ok(r) => r,
                Err(v) => return abort(OpError::Rule(v)),
            };
            tx.put(tx.refusals, &key, Kind::Refusals, &list)?;
            tx.audit_seeker(ctx, "unrefuse", seeker)?;
            Ok(lifted)
        })
    }

    /// Queues the terms-change notice (Art. 13) of `version` for booking
    /// `id`, once: a second call for the same version queues nothing and
    /// returns false.
    pub fn queue_terms_notice(
        &self,
        id: BookingId,
        version: &str,
        ctx: &Ctx,
    ) -> Result<bool, OpError> {
        let mut mark = b"terms-change\0".to_vec();
        mark.extend_from_slice(id.as_bytes());
        mark.push(0);
        mark.extend_from_slice(version.as_bytes());
        self.transact(|tx| {
            if tx.marks.get(&mark)?.is_some() {
                return Ok(false);
            }
            if tx.bookings.get(id.as_bytes())?.is_none() {
                return abort(OpError::NotFound(id));
            }
            tx.marks.insert(mark.as_slice(), &[][..])?;
            tx.audit(ctx, "terms_notice", Some(id), None, None, None)?;
            tx.queue_mail(id, MailKind::TermsChange, ctx.at)?;
            Ok(true)
        })
    }

    /// The mails still to be written, oldest first.
    pub fn mail_queue(&self) -> Result<Vec<MailIntent>, StoreError> {
        self.decode_all(&self.t.mail_queue, Kind::MailIntent, "mail intent")
    }

    /// Takes a written mail off the queue.
    pub fn mail_done(&self, seq: u64) -> Result<(), StoreError> {
        self.mail_done_many(&[seq])
    }

    /// Takes many mails off the queue with one flush (each was written
    /// before: a crash in between finds them written and writes nothing twice).
    pub fn mail_done_many(&self, seqs: &[u64]) -> Result<(), StoreError> {
        if seqs.is_empty() {
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for seq in seqs {
            batch.remove(&seq.to_be_bytes());
        }
        self.sled(|| self.t.mail_queue.apply_batch(batch.clone()))?;
        self.flush()
    }

    /// Records an event of the terminal itself in the audit trail (a kiosk
    /// left with the staff PIN, a wrong PIN): the action word and who, nothing else.
    pub fn record(&self, action: &str, ctx: &Ctx) -> Result<(), OpError> {
        self.transact(|tx| tx.audit(ctx, action, None, None, None, None))
    }

    pub fn booking(&self, id: BookingId) -> Result<Option<Booking>, StoreError> {
        let raw = self.sled(|| self.t.bookings.get(id.as_bytes()))?;
        raw.map(|r| self.decode(Kind::Booking, "booking", &r))
            .transpose()
    }

    fn bookings_at(&self, index: &sled::Tree, prefix: &[u8]) -> Result<Vec<Booking>, StoreError> {
        let keys = self.sled(|| {
            index
                .scan_prefix(prefix)
                .keys()
                .collect::<sled::Result<Vec<_>>>()
        })?;
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let id = keys::trailing_id(&k).ok_or_else(|| self.damaged("index key has no id"))?;
            let b = self
                .booking(id)?
                .ok_or_else(|| self.damaged(format!("index names {id}, which is missing")))?;
            out.push(b);
        }
        Ok(out)
    }

    /// Every booking of `date` (cancelled ones too), by start time then booth.
    pub fn day(&self, date: NaiveDate) -> Result<Vec<Booking>, StoreError> {
        self.bookings_at(&self.t.by_day, &keys::day_prefix(date))
    }

    /// Every booking of the days `from..=to`, in slot order.
    pub fn range(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Booking>, StoreError> {
        let lo = keys::day_prefix(from);
        let hi = keys::day_prefix(to.succ_opt().unwrap_or(to));
        let keys = self.sled(|| {
            self.t
                .by_day
                .range(lo..hi)
                .keys()
                .collect::<sled::Result<Vec<_>>>()
        })?;
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let id = keys::trailing_id(&k).ok_or_else(|| self.damaged("by_day key has no id"))?;
            let raw = self
                .sled(|| self.t.bookings.get(id.as_bytes()))?
                .ok_or_else(|| self.damaged(format!("by_day names a missing booking {id}")))?;
            out.push(self.decode(Kind::Booking, "booking", &raw)?);
        }
        Ok(out)
    }

    /// Live bookings (those holding a slot) per day in `from..=to`.
    pub fn day_counts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<BTreeMap<NaiveDate, usize>, StoreError> {
        let lo = keys::day_prefix(from);
        let hi = keys::day_prefix(to.succ_opt().unwrap_or(to));
        let keys = self.sled(|| {
            self.t
                .slots
                .range(lo..hi)
                .keys()
                .collect::<sled::Result<Vec<_>>>()
        })?;
        let mut out = BTreeMap::new();
        for k in keys {
            if let Some((d, _, _)) = keys::parse_slot(&k) {
                *out.entry(d).or_insert(0) += 1;
            }
        }
        Ok(out)
    }

    /// Every booking of a job seeker, oldest first.
    pub fn seeker_bookings(&self, seeker: &JobSeekerNumber) -> Result<Vec<Booking>, StoreError> {
        self.bookings_at(&self.t.by_seeker, &keys::seeker_prefix(seeker))
    }

    pub fn seeker(&self, number: &JobSeekerNumber) -> Result<Option<Seeker>, StoreError> {
        let raw = self.sled(|| self.t.seekers.get(number.as_str().as_bytes()))?;
        raw.map(|r| self.decode(Kind::Seeker, "seeker", &r))
            .transpose()
    }

    pub fn refusals(&self, number: &JobSeekerNumber) -> Result<Vec<Refusal>, StoreError> {
        let raw = self.sled(|| self.t.refusals.get(number.as_str().as_bytes()))?;
        Ok(raw
            .map(|r| self.decode(Kind::Refusals, "refusal", &r))
            .transpose()?
            .unwrap_or_default())
    }

    /// Whether no booking was ever made.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        self.sled(|| Ok(self.t.bookings.is_empty()))
    }

    /// Every record of a tree, decoded, in key order.
    fn decode_all<T: serde::de::DeserializeOwned>(
        &self,
        tree: &sled::Tree,
        kind: Kind,
        what: &str,
    ) -> Result<Vec<T>, StoreError> {
        let values = self.sled(|| tree.iter().values().collect::<sled::Result<Vec<_>>>())?;
        values.iter().map(|v| self.decode(kind, what, v)).collect()
    }

    /// Every job seeker's record as plain text, for a search to match: the
    /// same record as [`Store::seekers`] without checking each field again
    /// (the record was checked when written, and its checksum is checked
    /// here), so that a search reads tens of thousands in milliseconds.
    pub fn seeker_texts(&self) -> Result<Vec<SeekerText>, StoreError> {
        self.decode_all(&self.t.seekers, Kind::Seeker, "seeker")
    }

    /// Every job seeker on record, by number.
    pub fn seekers(&self) -> Result<Vec<Seeker>, StoreError> {
        self.decode_all(&self.t.seekers, Kind::Seeker, "seeker")
    }

    /// The audit trail, oldest first.
    pub fn audit(&self) -> Result<Vec<AuditEvent>, StoreError> {
        self.decode_all(&self.t.audit, Kind::Audit, "audit event")
    }

    /// The audit events from sequence number `first` on that `keep` keeps,
    /// oldest first, at most `limit` of them: the trail read page by page.
    pub fn audit_from(
        &self,
        first: u64,
        limit: usize,
        keep: &dyn Fn(&AuditEvent) -> bool,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let mut out = Vec::new();
        for item in self.t.audit.range(first.to_be_bytes()..) {
            let (_, raw) = self.sled(|| item)?;
            let e: AuditEvent = self.decode(Kind::Audit, "audit event", &raw)?;
            if keep(&e) {
                out.push(e);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// A booking's history from the audit trail, oldest first.
    pub fn booking_audit(&self, id: BookingId) -> Result<Vec<AuditEvent>, StoreError> {
        let keys = self.sled(|| {
            self.t
                .audit_by_booking
                .scan_prefix(id.as_bytes())
                .keys()
                .collect::<sled::Result<Vec<_>>>()
        })?;
        let mut out = Vec::with_capacity(keys.len());
        for k in keys {
            let seq = k
                .get(ID_LEN..)
                .ok_or_else(|| self.damaged("audit index key is short"))?;
            let raw = self.sled(|| self.t.audit.get(seq))?.ok_or_else(|| {
                self.damaged(format!("audit index of {id} names a missing event"))
            })?;
            out.push(self.decode(Kind::Audit, "audit event", &raw)?);
        }
        Ok(out)
    }

    /// Verifies the database: every record decodes, every index agrees with
    /// the records, no slot or job seeker's day holds two live bookings.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        self.check_with(&|_| Vec::new())
    }

    /// [`Store::check`], with `rule` asked of every booking as it is read
    /// (the office's rules for a stored booking), its problems reported too.
    pub fn check_with(
        &self,
        rule: &dyn Fn(&Booking) -> Vec<String>,
    ) -> Result<CheckReport, StoreError> {
        let mut r = CheckReport::default();
        let all = |tree: &sled::Tree| self.sled(|| tree.iter().collect::<sled::Result<Vec<_>>>());
        let mut bookings = BTreeMap::new();
        for (k, v) in all(&self.t.bookings)? {
            match codec::decode::<Booking>(Kind::Booking, &v) {
                Ok(b) if b.id.as_bytes().as_slice() == k.as_ref() => {
                    for p in rule(&b) {
                        r.problems.push(format!("booking {}: {p}", b.id));
                    }
                    bookings.insert(b.id, b);
                }
                Ok(b) => r
                    .problems
                    .push(format!("booking {} is stored under another key", b.id)),
                Err(e) => r
                    .problems
                    .push(format!("booking {}: {e}", String::from_utf8_lossy(&k))),
            }
        }
        r.bookings = bookings.len();
        let mut slot_live: BTreeMap<Vec<u8>, BookingId> = BTreeMap::new();
        let mut day_live: BTreeMap<Vec<u8>, BookingId> = BTreeMap::new();
        let mut want_pending = BTreeSet::new();
        let mut want_by_day = BTreeSet::new();
        let mut want_by_seeker = BTreeSet::new();
        for b in bookings.values() {
            want_by_day.insert(keys::slot_booking(&b.slot, &b.id).to_vec());
            want_by_seeker.insert(keys::seeker_booking(&b.seeker, &b.slot, &b.id));
            if b.status == Status::Booked {
                want_pending.insert(keys::slot_booking(&b.slot, &b.id).to_vec());
            }
            if b.status.is_live() {
                r.live += 1;
                if let Some(other) = slot_live.insert(keys::slot(&b.slot).to_vec(), b.id) {
                    r.problems.push(format!(
                        "slot {} {} booth {} holds two live bookings: {other} and {}",
                        b.slot.date,
                        b.slot.start.format("%H:%M"),
                        b.slot.booth,
                        b.id
                    ));
                }
                if let Some(other) = day_live.insert(keys::seeker_day(&b.seeker, b.slot.date), b.id)
                {
                    r.problems.push(format!(
                        "a job seeker holds two live bookings on {}: {other} and {}",
                        b.slot.date, b.id
                    ));
                }
            }
        }
        let compare_map = |name: &str,
                           tree: &sled::Tree,
                           want: &BTreeMap<Vec<u8>, BookingId>,
                           problems: &mut Vec<String>|
         -> Result<(), StoreError> {
            let have: BTreeMap<Vec<u8>, Vec<u8>> = all(tree)?
                .into_iter()
                .map(|(k, v)| (k.to_vec(), v.to_vec()))
                .collect();
            for (k, id) in want {
                match have.get(k) {
                    Some(v) if v.as_slice() == id.as_bytes() => {}
                    Some(v) => problems.push(format!(
                        "{name}: entry for {id} names {}",
                        String::from_utf8_lossy(v)
                    )),
                    None => problems.push(format!("{name}: entry for {id} is missing")),
                }
            }
            for (k, v) in &have {
                if !want.contains_key(k) {
                    problems.push(format!(
                        "{name}: stray entry for {}",
                        String::from_utf8_lossy(v)
                    ));
                }
            }
            Ok(())
        };
        compare_map("slots", &self.t.slots, &slot_live, &mut r.problems)?;
        compare_map("seeker_day", &self.t.seeker_day, &day_live, &mut r.problems)?;
        let compare_set = |name: &str,
                           tree: &sled::Tree,
                           want: &BTreeSet<Vec<u8>>,
                           problems: &mut Vec<String>|
         -> Result<(), StoreError> {
            let have: BTreeSet<Vec<u8>> = all(tree)?.into_iter().map(|(k, _)| k.to_vec()).collect();
            let missing = want.difference(&have).count();
            let stray = have.difference(want).count();
            if missing > 0 {
                problems.push(format!("{name}: {missing} entries missing"));
            }
            if stray > 0 {
                problems.push(format!("{name}: {stray} stray entries"));
            }
            Ok(())
        };
        compare_set("pending", &self.t.pending, &want_pending, &mut r.problems)?;
        compare_set("by_day", &self.t.by_day, &want_by_day, &mut r.problems)?;
        compare_set(
            "by_seeker",
            &self.t.by_seeker,
            &want_by_seeker,
            &mut r.problems,
        )?;
        let mut seekers = BTreeSet::new();
        for (k, v) in all(&self.t.seekers)? {
            match codec::decode::<Seeker>(Kind::Seeker, &v) {
                Ok(s) => {
                    seekers.insert(s.number);
                }
                Err(e) => r
                    .problems
                    .push(format!("seeker {}: {e}", String::from_utf8_lossy(&k))),
            }
        }
        r.seekers = seekers.len();
        for b in bookings.values() {
            if !seekers.contains(&b.seeker) {
                r.problems.push(format!(
                    "booking {} names a job seeker with no record",
                    b.id
                ));
            }
        }
        for (k, v) in all(&self.t.refusals)? {
            if let Err(e) = codec::decode::<Vec<Refusal>>(Kind::Refusals, &v) {
                r.problems
                    .push(format!("refusals {}: {e}", String::from_utf8_lossy(&k)));
            }
        }
        let mut want_audit_index = BTreeSet::new();
        for (k, v) in all(&self.t.audit)? {
            match codec::decode::<AuditEvent>(Kind::Audit, &v) {
                Ok(ev) => {
                    r.audit_events += 1;
                    if let Some(id) = ev.booking {
                        let mut key = id.as_bytes().to_vec();
                        key.extend_from_slice(&ev.seq.to_be_bytes());
                        want_audit_index.insert(key);
                    }
                    if ev.booking.is_some_and(|id| !bookings.contains_key(&id)) {
                        r.problems
                            .push(format!("audit event {} names a missing booking", ev.seq));
                    }
                }
                Err(e) => r
                    .problems
                    .push(format!("audit event {:?}: {e}", k.as_ref())),
            }
        }
        compare_set(
            "audit_by_booking",
            &self.t.audit_by_booking,
            &want_audit_index,
            &mut r.problems,
        )?;
        Ok(r)
    }
}

/// The trees inside one transaction.
struct Tx<'a> {
    store: &'a Store,
    meta: &'a TransactionalTree,
    bookings: &'a TransactionalTree,
    slots: &'a TransactionalTree,
    seeker_day: &'a TransactionalTree,
    pending: &'a TransactionalTree,
    by_day: &'a TransactionalTree,
    by_seeker: &'a TransactionalTree,
    seekers: &'a TransactionalTree,
    refusals: &'a TransactionalTree,
    audit: &'a TransactionalTree,
    audit_by_booking: &'a TransactionalTree,
    mail_queue: &'a TransactionalTree,
    marks: &'a TransactionalTree,
    notes: &'a TransactionalTree,
    blocks: &'a TransactionalTree,
}

impl Tx<'_> {
    fn fail(&self, e: StoreError) -> ConflictableTransactionError<OpError> {
        ConflictableTransactionError::Abort(OpError::Store(e))
    }

    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        kind: Kind,
        what: &str,
        raw: &[u8],
    ) -> TxResult<T> {
        self.store.decode(kind, what, raw).map_err(|e| self.fail(e))
    }

    fn put<T: Serialize>(
        &self,
        tree: &TransactionalTree,
        key: &[u8],
        kind: Kind,
        value: &T,
    ) -> TxResult<()> {
        let bytes = codec::encode(kind, value)
            .map_err(|e| ConflictableTransactionError::Abort(OpError::TooLarge(e)))?;
        tree.insert(key, bytes)?;
        Ok(())
    }

    /// The booking a request with this key was carried out on before, as
    /// it is now.
    fn done_before(&self, once: Option<&[u8]>) -> TxResult<Option<Booking>> {
        let Some(once) = once else { return Ok(None) };
        let (key, digest) = keys::once_parts(once);
        let Some(raw) = self.marks.get(key)? else {
            return Ok(None);
        };
        if !keys::same_request(&raw, digest) {
            return Err(ConflictableTransactionError::Abort(OpError::KeyReused));
        }
        let id = keys::trailing_id(&raw)
            .ok_or_else(|| self.fail(self.store.damaged("a request mark is not an id")))?;
        let Some(b) = self.bookings.get(id.as_bytes())? else {
            return Err(self.fail(self.store.damaged("a request mark names no booking")));
        };
        Ok(Some(self.decode(Kind::Booking, "booking", &b)?))
    }

    /// Remembers that the request with this key was carried out on `id`.
    fn remember(&self, once: Option<&[u8]>, id: BookingId) -> TxResult<()> {
        if let Some(once) = once {
            let (key, digest) = keys::once_parts(once);
            let mut value = digest.to_vec();
            value.extend_from_slice(id.as_bytes());
            self.marks.insert(key, value)?;
        }
        Ok(())
    }

    fn put_booking(&self, b: &Booking) -> TxResult<()> {
        self.put(self.bookings, b.id.as_bytes(), Kind::Booking, b)
    }

    /// An id not yet used.
    fn fresh_id(&self) -> TxResult<BookingId> {
        for _ in 0..64 {
            let id = BookingId::from_random(fastrand::u64(..));
            if self.bookings.get(id.as_bytes())?.is_none() {
                return Ok(id);
            }
        }
        Err(self.fail(self.store.damaged("no free booking id after 64 tries")))
    }

    fn index_tree(&self, index: Index) -> &TransactionalTree {
        match index {
            Index::Slots => self.slots,
            Index::SeekerDay => self.seeker_day,
            Index::Pending => self.pending,
            Index::ByDay => self.by_day,
            Index::BySeeker => self.by_seeker,
        }
    }

    fn index_new(&self, b: &Booking) -> TxResult<()> {
        for (index, key, value) in index_entries(b) {
            self.index_tree(index).insert(key, value)?;
        }
        Ok(())
    }

    /// Removes every index entry of `b` as it was (before a move).
    fn unindex(&self, b: &Booking) -> TxResult<()> {
        for (index, key, _) in index_entries(b) {
            self.index_tree(index).remove(key)?;
        }
        Ok(())
    }

    /// Brings the live and pending indexes in line with a status change.
    fn reindex(&self, b: &Booking, from: Status) -> TxResult<()> {
        // A start taken back: pending for the no-show rule again.
        if from != Status::Booked && b.status == Status::Booked {
            self.pending
                .insert(&keys::slot_booking(&b.slot, &b.id)[..], &[][..])?;
        }
        if from == Status::Booked && b.status != Status::Booked {
            self.pending
                .remove(&keys::slot_booking(&b.slot, &b.id)[..])?;
        }
        if from.is_live() && !b.status.is_live() {
            self.slots.remove(&keys::slot(&b.slot)[..])?;
            self.seeker_day
                .remove(keys::seeker_day(&b.seeker, b.slot.date))?;
        }
        Ok(())
    }

    fn audit(
        &self,
        ctx: &Ctx,
        action: &str,
        booking: Option<BookingId>,
        seeker: Option<&JobSeekerNumber>,
        from: Option<Status>,
        to: Option<Status>,
    ) -> TxResult<()> {
        // Dense numbers, one after the other, in the change's own
        // transaction (sled's `generate_id` leaps by a million per process).
        // `open` sets the counter: a missing one would number over event 0.
        let seq = self.next_number(AUDIT_NEXT, None)?;
        let ev = AuditEvent {
            seq,
            at: ctx.at,
            user: ctx.actor.user.clone(),
            terminal: ctx.actor.terminal.clone(),
            channel: ctx.channel,
            action: action.to_string(),
            booking,
            seeker: seeker.cloned(),
            from,
            to,
        };
        if let Some(id) = booking {
            let mut k = id.as_bytes().to_vec();
            k.extend_from_slice(&seq.to_be_bytes());
            self.audit_by_booking.insert(k, &[][..])?;
        }
        self.put(self.audit, &seq.to_be_bytes(), Kind::Audit, &ev)
    }

    /// The next number of the counter `key` in `meta`, counted on in this
    /// transaction; `missing` is the first number, or `None` when a missing
    /// counter is damage.
    fn next_number(&self, key: &[u8], missing: Option<u64>) -> TxResult<u64> {
        let what = String::from_utf8_lossy(key);
        let n = match (self.meta.get(key)?, missing) {
            (Some(v), _) => read_u64(&v)
                .ok_or_else(|| self.fail(self.store.damaged(format!("{what} is not 8 bytes"))))?,
            (None, Some(first)) => first,
            (None, None) => return Err(self.fail(self.store.damaged(format!("{what} is missing")))),
        };
        self.meta.insert(key, &(n + 1).to_be_bytes())?;
        Ok(n)
    }

    /// Queues a mail about `booking`, in this change's own transaction: a
    /// booking never exists without the intent to tell the job seeker.
    fn queue_mail(
        &self,
        booking: BookingId,
        kind: MailKind,
        at: DateTime<FixedOffset>,
    ) -> TxResult<()> {
        let seq = self.next_number(MAIL_NEXT, Some(0))?;
        let intent = MailIntent {
            seq,
            booking,
            kind,
            at,
        };
        self.put(
            self.mail_queue,
            &seq.to_be_bytes(),
            Kind::MailIntent,
            &intent,
        )
    }

    fn audit_seeker(&self, ctx: &Ctx, action: &str, seeker: &JobSeekerNumber) -> TxResult<()> {
        self.audit(ctx, action, None, Some(seeker), None, None)
    }
}
