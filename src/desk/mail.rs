//! The mail queue's writer and sender.
//!
//! A booking, a cancellation or a terms notice queues its mail in the
//! change's own transaction ([`crate::store::MailIntent`]). Whoever owns
//! the database writes what is queued into the outbox: right after the
//! change, at every start (what a killed process left), and on the clock's
//! rhythm. Each mail has a name made from its queue number, so writing it
//! again after a crash finds it there and writes nothing twice; only then
//! is it taken off the queue. Sending goes through the relay afterwards,
//! never before a booking is reported.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::Loaded;
use crate::domain::booking::BookingId;
use crate::mail::{Kind, SendReport};
use crate::store::{Engine, MailKind, StoreError};

/// A mail written from the queue.
#[derive(Debug, Clone)]
pub struct Written {
    pub booking: BookingId,
    pub kind: MailKind,
    pub path: PathBuf,
}

/// What writing the queue did.
#[derive(Debug, Clone, Default)]
pub struct Drained {
    pub written: Vec<Written>,
    /// Why the rest stays queued (a full disk, an outbox that cannot be
    /// written): tried again on the next round.
    pub error: Option<String>,
}

impl Drained {
    /// The mail written about `booking` of `kind`, if any.
    pub fn path_of(&self, booking: BookingId, kind: MailKind) -> Option<&Path> {
        self.written
            .iter()
            .find(|w| w.booking == booking && w.kind == kind)
            .map(|w| w.path.as_path())
    }
}

fn kind_of(k: MailKind) -> Kind {
    match k {
        MailKind::Confirmation => Kind::Confirmation,
        MailKind::Cancellation => Kind::Cancellation,
        MailKind::TermsChange => Kind::TermsChange,
        MailKind::Moved => Kind::Moved,
        MailKind::Reminder => Kind::Reminder,
    }
}

/// Writes every queued mail into the outbox and takes it off the queue.
/// Stray temporary files of a writer that was killed are removed first.
/// With nothing queued (every clock tick, mostly) it reads one tree and
/// touches no file.
pub fn write_queued(
    store: &dyn Engine,
    loaded: &Loaded,
    data_dir: &Path,
) -> Result<Drained, StoreError> {
    let mut out = Drained::default();
    let queue = store.mail_queue()?;
    if queue.is_empty() {
        return Ok(out);
    }
    // On a shared database another server of the office may be the one
    // that writes (it is told of this change, and writes it at once).
    if !store.mail_writer()? {
        out.error = Some("another server of this office writes it".into());
        return Ok(out);
    }
    // A killed writer's half-file belongs to a mail still queued: the
    // outbox is looked at only when something is.
    let outbox = crate::mail::outbox(loaded, data_dir);
    crate::mail::remove_unfinished(&outbox);
    // Taken off the queue in batches: one flush for many mails.
    let mut done = Vec::new();
    for intent in queue {
        if done.len() >= DONE_BATCH {
            store.mail_done_many(&done)?;
            done.clear();
        }
        let Some(b) = store.booking(intent.booking)? else {
            done.push(intent.seq);
            continue;
        };
        let Some(s) = store.seeker(&b.seeker)? else {
            done.push(intent.seq);
            continue;
        };
        let kind = kind_of(intent.kind);
        let written = crate::mail::compose(kind, &b, &s, loaded, intent.at)
            .and_then(|m| crate::mail::write_once(&outbox, kind, &b, intent.at, intent.seq, &m));
        match written {
            Ok(path) => {
                done.push(intent.seq);
                out.written.push(Written {
                    booking: b.id,
                    kind: intent.kind,
                    path,
                });
            }
            Err(e) => {
                out.error = Some(e.0);
                break;
            }
        }
    }
    store.mail_done_many(&done)?;
    Ok(out)
}

/// How many written mails are taken off the queue with one flush.
const DONE_BATCH: usize = 256;

static SENDING: AtomicBool = AtomicBool::new(false);

/// Sends the outbox through the configured relay, unless a send is already
/// under way in this process (then nothing is sent twice). None without a
/// relay or while another send runs.
pub fn send(loaded: &Loaded, data_dir: &Path) -> Option<SendReport> {
    if loaded.config.mail.smtp_host.is_empty() {
        return None;
    }
    if SENDING.swap(true, Ordering::AcqRel) {
        return None;
    }
    let dir = crate::mail::outbox(loaded, data_dir);
    let report = crate::mail::send_queued(loaded, &dir);
    SENDING.store(false, Ordering::Release);
    Some(report)
}

/// [`send`], after a sender already at work in this process (one started
/// in the background by the change itself) has finished: for a command
/// about to end, which would otherwise cut that sender off mid-message.
pub fn send_before_exit(loaded: &Loaded, data_dir: &Path) -> Option<SendReport> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while SENDING.load(Ordering::Acquire) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    send(loaded, data_dir)
}

/// [`send`] on a thread of its own: a screen never waits on the network.
pub fn send_in_background(loaded: &Loaded, data_dir: &Path) {
    if loaded.config.mail.smtp_host.is_empty() {
        return;
    }
    let loaded = loaded.clone();
    let dir = data_dir.to_path_buf();
    let _ = std::thread::Builder::new()
        .name("mail".into())
        .spawn(move || send(&loaded, &dir));
}

/// Where the mail about one change went, for the front end to say.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub enum Note {
    /// Written into the outbox; `relay` when it is also being sent.
    Written { path: PathBuf, relay: bool },
    /// Still queued: it could not be written (why).
    Waiting(String),
}

/// Writes what is queued and says where the mail about `booking` of
/// `kind` went; with a relay, sending starts in the background.
pub fn after_change(
    env: &super::Env,
    store: &dyn Engine,
    booking: BookingId,
    kind: MailKind,
) -> Result<Note, StoreError> {
    let d = write_queued(store, &env.loaded, &env.data_dir)?;
    let relay = !env.loaded.config.mail.smtp_host.is_empty();
    let note = match (d.path_of(booking, kind), d.error.clone()) {
        (Some(p), _) => Note::Written {
            path: p.to_path_buf(),
            relay,
        },
        (None, Some(e)) => Note::Waiting(e),
        (None, None) => Note::Waiting("-".into()),
    };
    send_in_background(&env.loaded, &env.data_dir);
    Ok(note)
}

/// A mail written again: how it went, and the address it is for.
pub struct Resent {
    pub delivery: Result<crate::mail::Delivery, crate::mail::MailError>,
    pub email: String,
}

/// Writes the booking's mail again (its confirmation while it is live,
/// else its cancellation), and with a relay sends it. None when the
/// booking or its job seeker is not found.
pub fn resend(
    env: &super::Env,
    store: &dyn Engine,
    id: BookingId,
) -> Result<Option<Resent>, StoreError> {
    let Some(b) = store.booking(id)? else {
        return Ok(None);
    };
    let Some(s) = store.seeker(&b.seeker)? else {
        return Ok(None);
    };
    let kind = if b.status.is_live() {
        Kind::Confirmation
    } else {
        Kind::Cancellation
    };
    let delivery = crate::mail::deliver(kind, &b, &s, &env.loaded, &env.data_dir, env.clock.now());
    Ok(Some(Resent {
        delivery,
        email: s.email.as_str().to_string(),
    }))
}
