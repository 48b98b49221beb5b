//! The context of every call to the desk: the office's configuration, the
//! clock, the data folder, who is acting and from where, and the language
//! its words are in. Each front end builds one (the command line from its
//! options) and hands it to the desk with the store.

use std::path::PathBuf;

use crate::clock::Clock;
use crate::config::Loaded;
use crate::domain::Invalid;
use crate::domain::booking::Channel;
use crate::error::Error;
use crate::i18n::Lang;
use crate::store::{Actor, Ctx, Engine, Store};

/// What every command needs: language, configuration, clock, data folder.
#[derive(Clone)]
pub struct Env {
    pub lang: Lang,
    pub loaded: Loaded,
    pub clock: Clock,
    pub data_dir: PathBuf,
    pub actor: Actor,
    /// ASCII borders and markers only.
    pub ascii: bool,
    /// The configuration file given, if any.
    pub config_path: Option<PathBuf>,
    /// `--now` as given (a training clock), for messages.
    pub now_text: Option<String>,
    /// The office's server given (`--server`, `SOUDAN_SERVER`,
    /// `server.socket`): that one or none, never a local database instead.
    pub server: Option<PathBuf>,
    /// The key of the request being carried out, when it may come twice
    /// (a client that lost its server sends it again): a change is then
    /// made once, and a repeat answers with what the first one did.
    pub once: Option<String>,
    /// The slots held by wizards, shared by every client of one owner of
    /// the database.
    pub holds: std::sync::Arc<super::holds::Holds>,
    /// Who holds, among them: the connection (0 in-process).
    pub holder: u64,
}

impl Env {
    /// Who and when, for a change made now through `channel`.
    pub fn ctx(&self, channel: Option<Channel>) -> Ctx {
        Ctx {
            at: self.clock.now(),
            actor: self.actor.clone(),
            channel,
        }
    }

    /// The store's key for the request being carried out ([`Env::once`]),
    /// under the account that asked.
    /// A key written `key#digest` carries the digest of its request (see
    /// [`crate::store::keys::once_parts`]).
    pub fn once_key(&self) -> Option<Vec<u8>> {
        self.once.as_deref().map(|k| {
            let (key, digest) = k.split_once('#').unwrap_or((k, ""));
            let mut bytes = crate::store::once_key(&self.actor.user, key);
            if !digest.is_empty() {
                bytes.extend_from_slice(b"\0#");
                bytes.extend_from_slice(digest.as_bytes());
            }
            bytes
        })
    }

    /// Opens the office's records (the embedded database in the data dir,
    /// or the PostgreSQL database of `[storage] url`), refusing a training
    /// clock on the office's real data.
    pub fn store(&self, role: &str) -> Result<Box<dyn Engine>, Error> {
        let url = self.loaded.config.store_url();
        let store: Box<dyn Engine> = if url.is_empty() {
            Box::new(Store::open(&self.data_dir, role)?)
        } else if crate::store::pg::is_postgres(&url) {
            // The records are elsewhere; the folder keeps this terminal's
            // own things (the server's socket, the outbox, day sheets).
            use std::os::unix::fs::DirBuilderExt;
            let _ = std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&self.data_dir);
            Box::new(crate::store::pg::Pg::connect(
                &url,
                &self.loaded.config.office.code,
            )?)
        } else {
            return Err(
                Invalid::new("storage.url", crate::store::pg::shown(&url), "store_url").into(),
            );
        };
        self.claim(&*store)?;
        Ok(store)
    }

    /// The embedded database of the data dir, whatever `[storage]` says
    /// (an import into it, a blank folder's demo).
    pub fn sled_store(&self, role: &str) -> Result<Store, Error> {
        let store = Store::open(&self.data_dir, role)?;
        self.claim(&store)?;
        Ok(store)
    }

    pub(crate) fn claim(&self, store: &dyn Engine) -> Result<(), Error> {
        match store.claim_clock(self.clock.is_training()) {
            Ok(()) => Ok(()),
            Err(crate::store::ClockRefused::Store(e)) => Err(e.into()),
            Err(crate::store::ClockRefused::RealData) => Err(Invalid::new(
                "now",
                self.now_text.clone().unwrap_or_default(),
                "now_real_data",
            )
            .into()),
        }
    }

    /// [`Env::store`] for a command that only reads: a folder that cannot
    /// be written (read-only, full, not ours to write) is read from a
    /// private copy, since reading needs no write.
    pub fn store_for_reading(&self, role: &str) -> Result<Box<dyn Engine>, Error> {
        match self.store(role) {
            Err(Error::Store(crate::store::StoreError::Io { dir, detail })) => {
                match Store::open_copy(&self.data_dir, role) {
                    Ok(store) => {
                        self.claim(&store)?;
                        Ok(Box::new(store))
                    }
                    Err(_) => Err(Error::Store(crate::store::StoreError::Io { dir, detail })),
                }
            }
            other => other,
        }
    }

    /// [`Env::open`] for a command that only reads (see [`Env::store_for_reading`]).
    pub fn open_for_reading(&self, role: &str) -> Result<Box<dyn Engine>, Error> {
        let store = self.store_for_reading(role)?;
        self.catch_up(&*store)?;
        Ok(store)
    }

    /// Opens the store and lets the no-show rule catch up with the clock.
    pub fn open(&self, role: &str) -> Result<Box<dyn Engine>, Error> {
        let store = self.store(role)?;
        self.catch_up(&*store)?;
        Ok(store)
    }

    /// The no-show rule catches up with the clock, and what a process
    /// stopped half-way left queued is written (not into a private copy,
    /// whose mail would be written twice); the command's own work never
    /// waits on the mail.
    pub(crate) fn catch_up(&self, store: &dyn Engine) -> Result<(), Error> {
        store.sweep(
            self.clock.local(),
            self.loaded.office.rules.grace(),
            self.clock.offset(),
            &self.actor.terminal,
        )?;
        if !store.is_copy() {
            let _ = crate::desk::mail::write_queued(store, &self.loaded, &self.data_dir);
        }
        Ok(())
    }
}

/// `$XDG_DATA_HOME/soudan`, else `~/.local/share/soudan`.
pub fn default_data_dir() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("soudan"));
    }
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".local/share/soudan"))
}
