//! The whole database as one JSON document: what `soudan export` writes,
//! in-process or through the office's server.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::store::{Engine, SCHEMA_VERSION};

/// What `format` says in every backup file.
pub const FORMAT: &str = "soudan-backup";
/// The version of the backup file's layout.
pub const VERSION: u32 = 1;

/// The backup file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupFile {
    pub format: String,
    pub version: u32,
    /// The store's schema version the records are in.
    pub schema: u32,
    /// The office code of the configuration it was made under.
    pub office: String,
    pub seekers: Vec<crate::domain::seeker::Seeker>,
    pub bookings: Vec<crate::domain::booking::Booking>,
    pub refusals: Vec<crate::store::SeekerRefusals>,
    pub audit: Vec<crate::store::AuditEvent>,
    /// Staff notes (absent: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<crate::store::NoteRecord>,
    /// Time taken off the calendar (absent: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<crate::domain::block::Block>,
}

/// The backup document of a store, as bytes (pretty JSON, one trailing newline).
pub fn backup_bytes(store: &dyn Engine, office: &str) -> Result<Vec<u8>, Error> {
    snapshot_bytes(store.snapshot()?, office)
}

/// The backup document of a snapshot, from whichever store it was read.
pub fn snapshot_bytes(s: crate::store::Snapshot, office: &str) -> Result<Vec<u8>, Error> {
    let file = BackupFile {
        format: FORMAT.into(),
        version: VERSION,
        schema: SCHEMA_VERSION,
        office: office.into(),
        seekers: s.seekers,
        bookings: s.bookings,
        refusals: s.refusals,
        audit: s.audit,
        notes: s.notes,
        blocks: s.blocks,
    };
    let mut out = serde_json::to_vec_pretty(&file).map_err(|e| Error::Internal(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// Writes `bytes` to `path` atomically, readable by the owner only.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("backup");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
