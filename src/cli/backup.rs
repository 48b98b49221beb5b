//! `soudan export`, `soudan import` and `soudan audit`: the whole database as
//! one JSON document and back, and the audit trail as JSON lines.
//!
//! The backup holds personal data (it is the database): it is written with
//! mode 0600, atomically. The audit export holds no personal data and no
//! terminal name (Art. 7(2)): who (the staff account), when, what, which
//! booking.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Env;
use crate::domain::Invalid;
use crate::error::Error;
use crate::store::{RestoreError, SCHEMA_VERSION, Snapshot};
use crate::tr;

/// The largest backup `import` reads, in GiB: a million bookings with their
/// history take about 2.
pub const MAX_BACKUP_GIB: usize = 8;
const MAX_BACKUP_BYTES: u64 = (MAX_BACKUP_GIB as u64) << 30;

pub use crate::desk::backup::{BackupFile, FORMAT, VERSION, backup_bytes, write_private};

/// Whether `path` may be written by `export --out`: a new file, or (with
/// `force`) an existing regular file. A device, a pipe, a folder or a
/// symbolic link is never replaced.
fn check_out_path(path: &Path, force: bool) -> Result<(), Invalid> {
    let shown = path.display().to_string();
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Invalid::new("out", shown, "writable").with_detail(e.to_string())),
        Ok(m) if m.file_type().is_file() && force => Ok(()),
        Ok(m) if m.file_type().is_file() => Err(Invalid::new("out", shown, "out_exists")),
        Ok(_) => Err(Invalid::new("out", shown, "out_not_file")),
    }
}

pub fn export(env: &Env, out: Option<PathBuf>, force: bool) -> Result<(), Error> {
    export_of(env, out, force, &|| {
        let store = env.store_for_reading("soudan export")?;
        backup_bytes(&*store, &env.loaded.config.office.code)
    })
}

/// `soudan export` of the document `get` makes (from the folder itself, or
/// through the office's server): the place to write is checked first.
pub fn export_of(
    env: &Env,
    out: Option<PathBuf>,
    force: bool,
    get: &dyn Fn() -> Result<Vec<u8>, Error>,
) -> Result<(), Error> {
    if let Some(path) = &out {
        check_out_path(path, force)?;
    }
    let bytes = get()?;
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(&bytes)
                .and_then(|()| stdout.flush())
                .map_err(|e| Error::Internal(e.to_string()))?;
        }
        Some(path) => {
            write_private(&path, &bytes).map_err(|e| {
                Error::Invalid(
                    Invalid::new("out", path.display().to_string(), "writable")
                        .with_detail(e.to_string()),
                )
            })?;
            eprintln!(
                "{}",
                tr!(
                    env.lang,
                    "backup.written",
                    path = path.display(),
                    bytes = bytes.len()
                )
            );
        }
    }
    Ok(())
}

/// Reads and checks a backup file; the place of any fault is named.
pub fn read_backup(path: &Path) -> Result<BackupFile, Invalid> {
    use std::io::Read;
    let shown = path.display().to_string();
    let bad = |detail: String| Invalid::new("FILE", &shown, "backup_file").with_detail(detail);
    // Opened without waiting: a pipe with no writer would block here.
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| bad(e.to_string()))?
    };
    let meta = file.metadata().map_err(|e| bad(e.to_string()))?;
    // A device (/dev/zero) or a pipe never ends: only a file, of a size a
    // backup can have, is read, and never more than that.
    if !meta.is_file() {
        return Err(Invalid::new("FILE", &shown, "backup_not_file"));
    }
    if meta.len() > MAX_BACKUP_BYTES {
        return Err(Invalid::new("FILE", &shown, "backup_too_large").with_limit(MAX_BACKUP_GIB));
    }
    let mut text = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_BACKUP_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| bad(e.to_string()))?;
    if text.len() as u64 > MAX_BACKUP_BYTES {
        return Err(Invalid::new("FILE", &shown, "backup_too_large").with_limit(MAX_BACKUP_GIB));
    }
    let file: BackupFile = serde_json::from_slice(&text).map_err(|e| {
        Invalid::new("FILE", &shown, "backup_file").with_detail(format!(
            "line {} column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    if file.format != FORMAT || file.version != VERSION {
        return Err(Invalid::new("FILE", &shown, "backup_file")
            .with_detail(format!("format {:?} version {}", file.format, file.version)));
    }
    if file.schema > SCHEMA_VERSION {
        return Err(
            Invalid::new("FILE", &shown, "backup_file").with_detail(format!(
                "schema {} is newer than {SCHEMA_VERSION}",
                file.schema
            )),
        );
    }
    Ok(file)
}

/// `soudan import` into the office's records: the embedded database, or
/// this office's rows of the PostgreSQL database of `[storage] url`.
pub fn import(env: &Env, path: &Path) -> Result<(), Error> {
    // The whole file is read and checked before the database is touched.
    let file = read_backup(path)?;
    // Every booking is held to the rules of a new one under this office's
    // configuration: a backup is no way around them.
    for (i, b) in file.bookings.iter().enumerate() {
        if let Some(p) = env.loaded.office.stored_booking_problems(b).first() {
            return Err(
                Invalid::new("FILE", path.display().to_string(), "backup_file")
                    .with_detail(format!("bookings[{i}] ({}): {p}", b.id))
                    .into(),
            );
        }
    }
    if file.audit.iter().any(|e| e.seq == u64::MAX) {
        return Err(
            Invalid::new("FILE", path.display().to_string(), "backup_file")
                .with_detail("an audit event numbered past the last number")
                .into(),
        );
    }
    let counts = (file.bookings.len(), file.seekers.len(), file.audit.len());
    let snapshot = Snapshot {
        seekers: file.seekers,
        bookings: file.bookings,
        refusals: file.refusals,
        audit: file.audit,
        notes: file.notes,
        blocks: file.blocks,
    };
    let store = env.store("soudan import")?;
    let restored = match store.restore(&snapshot) {
        Err(RestoreError::NotBlank) if !env.loaded.config.store_url().is_empty() => {
            let place = store.place().display().to_string();
            return Err(Error::Store(crate::store::StoreError::Database {
                detail: tr!(
                    env.lang,
                    "store.pg_not_blank",
                    office = &env.loaded.config.office.code,
                    place = &place
                ),
                place,
            }));
        }
        other => other,
    };
    match restored {
        Ok(()) => {
            println!(
                "{}",
                tr!(
                    env.lang,
                    "backup.imported",
                    bookings = counts.0,
                    seekers = counts.1,
                    events = counts.2
                )
            );
            Ok(())
        }
        Err(RestoreError::NotBlank) => Err(Invalid::new(
            "data-dir",
            env.data_dir.display().to_string(),
            "import_blank",
        )
        .into()),
        Err(RestoreError::Record { place, detail }) => {
            Err(
                Invalid::new("FILE", path.display().to_string(), "backup_file")
                    .with_detail(format!("{place}: {detail}"))
                    .into(),
            )
        }
        Err(RestoreError::Store(e)) => Err(Error::Store(e)),
    }
}

/// One line of the audit export: no terminal, no job seeker.
#[derive(Debug, Serialize)]
pub struct AuditLine {
    pub seq: u64,
    pub at: String,
    pub user: String,
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<crate::domain::booking::Channel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub booking: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<crate::domain::booking::Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<crate::domain::booking::Status>,
}

impl From<&crate::store::AuditEvent> for AuditLine {
    fn from(e: &crate::store::AuditEvent) -> Self {
        AuditLine {
            seq: e.seq,
            at: e.at.to_rfc3339(),
            user: e.user.clone(),
            action: e.action.clone(),
            channel: e.channel,
            booking: e.booking.map(|b| b.to_string()),
            from: e.from,
            to: e.to,
        }
    }
}

pub use crate::desk::audit::{AuditFilter, audit_events};

pub fn audit(env: &Env, filter: &AuditFilter) -> Result<(), Error> {
    let store = env.store_for_reading("soudan audit")?;
    print_audit(&audit_events(&*store, filter)?)
}

/// Audit events as `soudan audit` prints them: one JSON line each.
pub fn print_audit(events: &[crate::store::AuditEvent]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    for e in events {
        let line = serde_json::to_string(&AuditLine::from(e))
            .map_err(|x| Error::Internal(x.to_string()))?;
        writeln!(out, "{line}").map_err(|x| Error::Internal(x.to_string()))?;
    }
    Ok(())
}
