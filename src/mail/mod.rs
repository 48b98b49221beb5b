//! The confirmation email (Art. 6(3)) and the outbox.
//!
//! Every booking gets a real RFC 5322 message (built with lettre): a UTF-8
//! Japanese subject and body with the booking, the meeting URL, the phone
//! number for cancelling, the ten-minute rule, the checklist as a reminder
//! and the terms version agreed, and an ICS event (`TZID=Asia/Tokyo`).
//! A cancellation gets a notice with a cancelling ICS.
//!
//! Messages are written atomically (a temporary file, then a rename) as one
//! `.eml` each in the outbox, where a mail system can pick them up. When an
//! SMTP relay is configured they are also sent, and moved to `outbox/sent`;
//! a message that could not be sent stays in the outbox and is retried.

pub mod ics;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration as StdDuration, SystemTime};

use chrono::{DateTime, FixedOffset};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Message, Transport};

use crate::config::Loaded;
use crate::domain::booking::Booking;
use crate::domain::seeker::Seeker;
use crate::domain::terms::{ChecklistItem, Document};
use crate::i18n::Lang;
use crate::tr;

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Confirmation,
    Cancellation,
    /// The terms were revised (Art. 13): what changed, where, from when.
    TermsChange,
    /// The booking moved to another time or booth: the updated invitation
    /// (the same calendar event, a higher SEQUENCE).
    Moved,
    /// The open day before: the time, the URL, the checklist, the phone.
    Reminder,
}

impl Kind {
    fn id(self) -> &'static str {
        match self {
            Kind::Confirmation => "confirmation",
            Kind::Cancellation => "cancellation",
            Kind::TermsChange => "terms-change",
            Kind::Moved => "moved",
            Kind::Reminder => "reminder",
        }
    }
}

/// Why a message could not be built or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailError(pub String);

impl std::fmt::Display for MailError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(e: impl std::fmt::Display) -> MailError {
    MailError(e.to_string())
}

/// The body of a message, in Japanese (the language of the terms).
pub fn body(kind: Kind, b: &Booking, s: &Seeker, loaded: &Loaded) -> String {
    let lang = Lang::Ja;
    let office = &loaded.config.office;
    let when = format!(
        "{} {}〜{}",
        crate::i18n::long_date(lang, b.slot.date),
        b.slot.start.format("%H:%M"),
        b.slot.end.format("%H:%M")
    );
    let mut out = String::new();
    out.push_str(&tr!(lang, "mail.greeting", name = s.name));
    out.push_str("\n\n");
    match kind {
        Kind::Confirmation => out.push_str(&tr!(lang, "mail.confirm_intro", office = office.name)),
        Kind::Cancellation => out.push_str(&tr!(lang, "mail.cancel_intro", office = office.name)),
        Kind::Moved => out.push_str(&tr!(
            lang,
            "mail.moved_intro",
            office = office.name,
            from = b
                .moved_from()
                .map(|f| format!(
                    "{} {}〜{}",
                    crate::i18n::long_date(lang, f.date),
                    f.start.format("%H:%M"),
                    f.end.format("%H:%M")
                ))
                .unwrap_or_default()
        )),
        Kind::Reminder => out.push_str(&tr!(
            lang,
            "mail.reminder_intro",
            office = office.name,
            when = when
        )),
        Kind::TermsChange => {
            let v = loaded.office.terms.in_force(b.slot.date);
            let section =
                v.and_then(|v| loaded.config.terms.iter().find(|t| t.version == v.version));
            out.push_str(&tr!(
                lang,
                "mail.terms_intro",
                office = office.name,
                version = v.map(|v| v.version.clone()).unwrap_or_default(),
                effective = v
                    .map(|v| crate::i18n::long_date(lang, v.effective))
                    .unwrap_or_default()
            ));
            if let Some(s) = section {
                if !s.changes.is_empty() {
                    out.push_str("\n\n");
                    out.push_str(&tr!(lang, "mail.terms_changes", changes = s.changes));
                }
                if !s.url.is_empty() {
                    out.push('\n');
                    out.push_str(&tr!(lang, "mail.terms_url", url = s.url));
                }
            }
            out.push_str("\n\n");
            out.push_str(&tr!(lang, "mail.terms_renew", phone = office.phone));
        }
    }
    out.push_str("\n\n");
    out.push_str(&tr!(lang, "mail.details_title"));
    out.push('\n');
    out.push_str(&tr!(
        lang,
        "mail.details",
        id = b.id,
        when = when,
        booth = b.slot.booth,
        seeker = b.seeker
    ));
    out.push('\n');
    if kind == Kind::TermsChange {
        out.push_str(&tr!(lang, "mail.url", url = b.meeting_url));
        out.push('\n');
    } else if matches!(kind, Kind::Confirmation | Kind::Moved | Kind::Reminder) {
        out.push_str(&tr!(lang, "mail.url", url = b.meeting_url));
        out.push('\n');
        if let Some(l) = &b.attendance.interpreter {
            out.push_str(&tr!(lang, "mail.interpreter", language = l));
            out.push('\n');
        }
        if b.attendance.caregiver {
            out.push_str(&tr!(lang, "mail.caregiver"));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&tr!(lang, "mail.cancel_rule", phone = office.phone));
        out.push_str("\n\n");
        out.push_str(&tr!(lang, "mail.checklist_title"));
        out.push('\n');
        for item in ChecklistItem::ALL {
            let t = item.text();
            out.push_str(&format!("・{}（第{}）\n", t.ja, t.article));
        }
        if kind == Kind::Reminder {
            out.push_str(&tr!(lang, "mail.reminder_test"));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&tr!(lang, "mail.terms_title"));
        out.push('\n');
        for d in &b.consent.documents {
            out.push_str(&format!("・{}\n", d.title_ja()));
        }
        out.push_str(&tr!(
            lang,
            "mail.terms_version",
            version = b.consent.terms_version,
            count = b.consent.documents.len(),
            total = Document::ALL.len()
        ));
        out.push('\n');
    } else {
        if let Some(reason) = b.last_reason() {
            out.push_str(&tr!(lang, "mail.cancel_reason", reason = reason));
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&tr!(lang, "mail.rebook", phone = office.phone));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&tr!(
        lang,
        "mail.footer",
        office = office.name,
        phone = office.phone
    ));
    out.push('\n');
    out
}

/// The subject line.
pub fn subject(kind: Kind, b: &Booking, loaded: &Loaded) -> String {
    let lang = Lang::Ja;
    let date = crate::i18n::short_date(lang, b.slot.date);
    let time = b.slot.start.format("%H:%M");
    let office = &loaded.config.office.name;
    match kind {
        Kind::Confirmation => tr!(
            lang,
            "mail.subject_confirm",
            office = office,
            date = date,
            time = time,
            id = b.id
        ),
        Kind::Cancellation => tr!(
            lang,
            "mail.subject_cancel",
            office = office,
            date = date,
            time = time,
            id = b.id
        ),
        Kind::Moved => tr!(
            lang,
            "mail.subject_moved",
            office = office,
            date = date,
            time = time,
            id = b.id
        ),
        Kind::Reminder => tr!(
            lang,
            "mail.subject_reminder",
            office = office,
            date = date,
            time = time,
            id = b.id
        ),
        Kind::TermsChange => tr!(
            lang,
            "mail.subject_terms",
            office = office,
            date = date,
            time = time,
            id = b.id
        ),
    }
}

/// Builds the message.
pub fn compose(
    kind: Kind,
    b: &Booking,
    s: &Seeker,
    loaded: &Loaded,
    now: DateTime<FixedOffset>,
) -> Result<Message, MailError> {
    let from: Mailbox = loaded.config.mail.from.parse().map_err(err)?;
    let to = Mailbox::new(
        Some(s.name.as_str().to_string()),
        s.email.as_str().parse().map_err(err)?,
    );
    let sent = SystemTime::UNIX_EPOCH + StdDuration::from_secs(now.timestamp().max(0) as u64);
    let domain = from.email.domain().to_string();
    let builder = Message::builder()
        .from(from)
        .to(to)
        .subject(subject(kind, b, loaded))
        .date(sent)
        .message_id(Some(format!(
            "<{}.{}.{}@{domain}>",
            b.id,
            kind.id(),
            now.timestamp()
        )));
    let text = SinglePart::plain(body(kind, b, s, loaded));
    // A notice and a reminder change no calendar event.
    if matches!(kind, Kind::TermsChange | Kind::Reminder) {
        return builder.singlepart(text).map_err(err);
    }
    // Confirmations and cancellations carry the calendar event.
    let ics = ics::event(kind, b, loaded, now);
    let method = if kind == Kind::Cancellation {
        "CANCEL"
    } else {
        "PUBLISH"
    };
    let calendar = ContentType::parse(&format!("text/calendar; charset=utf-8; method={method}"))
        .map_err(err)?;
    builder
        .multipart(
            MultiPart::mixed()
                .singlepart(text)
                .singlepart(Attachment::new(format!("{}.ics", b.id)).body(ics, calendar)),
        )
        .map_err(err)
}

/// The outbox folder and its `sent` folder, created when missing.
pub fn outbox(loaded: &Loaded, data_dir: &Path) -> PathBuf {
    loaded.config.outbox(data_dir)
}

/// Writes `message` into `outbox` atomically: a hidden temporary file,
/// flushed to disk, then renamed. Returns the file's path.
pub fn write(
    outbox: &Path,
    kind: Kind,
    b: &Booking,
    now: DateTime<FixedOffset>,
    message: &Message,
) -> Result<PathBuf, MailError> {
    fs::create_dir_all(outbox).map_err(err)?;
    // Never over another message: a second one within the second gets a number.
    let stem = format!("{}-{}-{}", now.format("%Y%m%dT%H%M%S"), b.id, kind.id());
    let mut name = format!("{stem}.eml");
    let mut n = 1;
    while outbox.join(&name).exists() || outbox.join("sent").join(&name).exists() {
        n += 1;
        name = format!("{stem}-{n}.eml");
    }
    let path = outbox.join(&name);
    write_atomically(outbox, &name, message)?;
    Ok(path)
}

/// Writes `message` as `outbox/name`: a hidden temporary file, fsynced,
/// renamed into place, the folder fsynced; nothing half-written is left.
fn write_atomically(outbox: &Path, name: &str, message: &Message) -> Result<(), MailError> {
    let tmp = outbox.join(format!(".{name}.tmp"));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(&message.formatted())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, outbox.join(name))?;
        fs::File::open(outbox)?.sync_all()
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// Writes the queued mail number `seq` into `outbox` under a name of its
/// own, unless it is there already (in the outbox or, sent, in `sent/`):
/// written again after a crash, nothing is written twice.
pub fn write_once(
    outbox: &Path,
    kind: Kind,
    b: &Booking,
    at: DateTime<FixedOffset>,
    seq: u64,
    message: &Message,
) -> Result<PathBuf, MailError> {
    fs::create_dir_all(outbox).map_err(err)?;
    let name = format!(
        "{}-{}-{}-q{seq}.eml",
        at.format("%Y%m%dT%H%M%S"),
        b.id,
        kind.id()
    );
    let path = outbox.join(&name);
    if path.exists() {
        return Ok(path);
    }
    let sent = outbox.join("sent").join(&name);
    if sent.exists() {
        return Ok(sent);
    }
    write_atomically(outbox, &name, message)?;
    Ok(path)
}

/// Removes the temporary files of a writer that was stopped half-way
/// (`.NAME.eml.tmp`): only the owner of the database writes mail, so none
/// of them is still being written.
pub fn remove_unfinished(outbox: &Path) {
    let Ok(rd) = fs::read_dir(outbox) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".eml.tmp") {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Composes and writes one message; sends the outbox when a relay is set.
pub fn deliver(
    kind: Kind,
    b: &Booking,
    s: &Seeker,
    loaded: &Loaded,
    data_dir: &Path,
    now: DateTime<FixedOffset>,
) -> Result<Delivery, MailError> {
    let message = compose(kind, b, s, loaded, now)?;
    let dir = outbox(loaded, data_dir);
    let path = write(&dir, kind, b, now, &message)?;
    let sent = if loaded.config.mail.smtp_host.is_empty() {
        None
    } else {
        Some(send_queued(loaded, &dir))
    };
    Ok(Delivery { path, sent })
}

/// Where a message went.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub path: PathBuf,
    /// With a relay: what sending the queue did.
    pub sent: Option<SendReport>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    pub failed: usize,
    pub error: Option<String>,
}

/// The messages waiting in the outbox, oldest first.
pub fn queued(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml") && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Sends every queued message through the configured relay; each one sent
/// moves to `sent/`. Stops at the first failure (the relay is likely down)
/// and leaves the rest queued.
pub fn send_queued(loaded: &Loaded, dir: &Path) -> SendReport {
    let mut report = SendReport::default();
    let cfg = &loaded.config.mail;
    if cfg.smtp_host.is_empty() {
        return report;
    }
    let transport = lettre::SmtpTransport::builder_dangerous(&cfg.smtp_host)
        .port(cfg.smtp_port)
        .timeout(Some(StdDuration::from_secs(10)))
        .build();
    let sent_dir = dir.join("sent");
    for path in queued(dir) {
        let result = fs::read(&path).map_err(err).and_then(|raw| {
            let envelope = envelope_of(&raw)?;
            transport.send_raw(&envelope, &raw).map_err(err)
        });
        match result {
            Ok(_) => {
                report.sent += 1;
                let _ = fs::create_dir_all(&sent_dir);
                if let Some(name) = path.file_name() {
                    let _ = fs::rename(&path, sent_dir.join(name));
                }
            }
            Err(e) => {
                report.failed = queued(dir).len();
                report.error = Some(e.0);
                break;
            }
        }
    }
    report
}

/// The SMTP envelope of a written message, from its From and To headers
/// (folded header lines joined first).
fn envelope_of(raw: &[u8]) -> Result<lettre::address::Envelope, MailError> {
    let text = String::from_utf8_lossy(raw);
    let mut headers: Vec<String> = Vec::new();
    for line in text.split("\r\n").flat_map(|l| l.split('\n')) {
        if line.is_empty() {
            break;
        }
        match (line.starts_with([' ', '\t']), headers.last_mut()) {
            (true, Some(last)) => last.push_str(line),
            _ => headers.push(line.to_string()),
        }
    }
    let header = |name: &str| {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        headers
            .iter()
            .find(|h| h.to_ascii_lowercase().starts_with(&prefix))
            .map(|h| h[prefix.len()..].trim().to_string())
    };
    let addr = |h: Option<String>| -> Result<lettre::Address, MailError> {
        let h = h.ok_or_else(|| MailError("a header is missing".into()))?;
        let inner = match (h.rfind('<'), h.rfind('>')) {
            (Some(a), Some(b)) if a < b => h[a + 1..b].to_string(),
            _ => h.clone(),
        };
        inner.trim().parse().map_err(err)
    };
    lettre::address::Envelope::new(Some(addr(header("From"))?), vec![addr(header("To"))?])
        .map_err(err)
}
