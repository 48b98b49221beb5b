//! `soudan serve`: the one owner of a data dir's database, for every
//! terminal of the office. Each client connects over a Unix socket; the
//! kernel says which account it is (SO_PEERCRED), `[access]` gives that
//! account its role, and the desk runs every request the role allows, with
//! that account in the audit trail. A change is announced to every client
//! after it is durable (the store's fsync comes before its reply). The
//! server's own clock runs the no-show rule and the mail queue. SIGTERM
//! and SIGINT stop it cleanly; a socket left by a killed server is
//! replaced.
//!
//! - [`wire`]: frames and every message.
//! - [`client`]: a terminal's end.

pub mod client;
pub mod wire;

use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::desk::Env;
use crate::desk::access::{Operation, Role, role_of};
use crate::desk::identity;
use crate::desk::request::{self, Request};
use crate::error::Error;
use crate::i18n::Lang;
use crate::store::{Actor, Ctx};

use wire::{Answer, Envelope, Failure, Hello, Refused, ServerMsg, Welcome, WireError};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// What every client's thread shares.
struct Shared {
    env: Env,
    store: Box<dyn crate::store::Engine>,
    owner: String,
    /// Every connected client's stream, for the announcements.
    clients: Mutex<Vec<(u64, Arc<Mutex<UnixStream>>)>>,
    connected: AtomicUsize,
    seq: AtomicU64,
    last_client: Mutex<Instant>,
    /// Started for a screen (`--idle-exit`).
    for_screen: bool,
}

impl Shared {
    fn announce(&self) {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let msg = ServerMsg::Changed { seq };
        let clients = match self.clients.lock() {
            Ok(c) => c.clone(),
            Err(_) => return,
        };
        for (_, stream) in clients {
            if let Ok(mut s) = stream.lock() {
                let _ = wire::write_frame(&mut *s, &msg);
            }
        }
    }
}

fn log(line: &str) {
    eprintln!(
        "{} soudan serve: {}",
        chrono::Local::now().format("%Y-%m-%dT%H:%M:%S"),
        crate::i18n::safe(line)
    );
}

/// Binds `path`, replacing a socket nobody answers on (a server that was
/// killed); refuses when a server answers there, or when `path` is
/// something other than a socket.
fn bind(env: &Env, path: &Path) -> Result<UnixListener, Error> {
    use std::os::unix::fs::FileTypeExt;
    let in_use = |why: String| Error::Remote {
        code: 4,
        message: crate::tr!(
            env.lang,
            "server.in_use",
            path = path.display(),
            why = crate::i18n::safe(&why)
        ),
    };
    if let Ok(m) = std::fs::symlink_metadata(path) {
        if !m.file_type().is_socket() {
            return Err(in_use("not a socket".into()));
        }
        if client::answers(path) {
            return Err(in_use("a server answers there".into()));
        }
        std::fs::remove_file(path).map_err(|e| in_use(e.to_string()))?;
        log(&format!("replaced the stale socket {}", path.display()));
    }
    let listener = UnixListener::bind(path).map_err(|e| in_use(e.to_string()))?;
    // Only the owner reaches it unless [access] lets others in.
    use std::os::unix::fs::PermissionsExt;
    let open = !env.loaded.config.access.staff.is_empty()
        || !env.loaded.config.access.kiosk.is_empty()
        || !env.loaded.config.access.viewer.is_empty();
    let mode = if open { 0o666 } else { 0o600 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| in_use(e.to_string()))?;
    Ok(listener)
}

/// Runs the server until SIGTERM or SIGINT, or (with `idle_exit`) until
/// that long after its last client left.
pub fn serve(env: &Env, socket: Option<PathBuf>, idle_exit: Option<Duration>) -> Result<(), Error> {
    let path = socket.unwrap_or_else(|| client::default_socket(&env.data_dir));
    let store = env.open("soudan serve")?;
    let listener = bind(env, &path)?;
    // Which file is ours: on leaving, only that one is removed (the folder
    // may have been removed and made again, with another server's socket).
    let ours = {
        use std::os::unix::fs::MetadataExt;
        std::fs::symlink_metadata(&path)
            .ok()
            .map(|m| (m.dev(), m.ino()))
    };
    // SAFETY: the handler only stores into an atomic.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
    }
    let owner = identity::account_name(identity::real_uid());
    log(&format!(
        "serving {} on {} as {owner}",
        store.place().display(),
        path.display()
    ));
    let shared = Arc::new(Shared {
        env: env.clone(),
        store,
        owner,
        clients: Mutex::new(Vec::new()),
        connected: AtomicUsize::new(0),
        seq: AtomicU64::new(0),
        last_client: Mutex::new(Instant::now()),
        for_screen: idle_exit.is_some(),
    });
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("clock".into())
            .spawn(move || clock(&shared))
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    {
        // Another server of the office (on a shared database) changed
        // something: this one's screens load afresh, and the mail it
        // queued is written here if this server is the office's writer.
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("watch".into())
            .spawn(move || {
                let poll = shared.env.loaded.config.storage.poll();
                shared.store.watch(poll, &STOP, &|| {
                    let _ = crate::desk::mail::write_queued(
                        &*shared.store,
                        &shared.env.loaded,
                        &shared.env.data_dir,
                    );
                    crate::desk::mail::send_in_background(&shared.env.loaded, &shared.env.data_dir);
                    shared.announce();
                });
            })
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    let mut next_id = 0u64;
    while !STOP.load(Ordering::SeqCst) {
        let mut fds = libc::pollfd {
            fd: listener.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll reads and writes the one pollfd it is given.
        let ready = unsafe { libc::poll(&mut fds, 1, 500) };
        if ready <= 0 {
            if let Some(idle) = idle_exit
                && shared.connected.load(Ordering::SeqCst) == 0
                && shared
                    .last_client
                    .lock()
                    .map(|t| t.elapsed() >= idle)
                    .unwrap_or(false)
            {
                log("no client for the idle time: leaving");
                break;
            }
            // A server started for a screen whose socket was removed (its
            // folder deleted, say) can never be reached again: it leaves.
            if idle_exit.is_some() && shared.connected.load(Ordering::SeqCst) == 0 {
                use std::os::unix::fs::MetadataExt;
                let now = std::fs::symlink_metadata(&path)
                    .ok()
                    .map(|m| (m.dev(), m.ino()));
                if now != ours {
                    log("its socket is gone: leaving");
                    break;
                }
            }
            continue;
        }
        match listener.accept() {
            Ok((stream, _)) => {
                next_id += 1;
                let id = next_id;
                let shared = shared.clone();
                let _ = std::thread::Builder::new()
                    .name(format!("client-{id}"))
                    .spawn(move || {
                        shared.connected.fetch_add(1, Ordering::SeqCst);
                        if let Err(why) = client_loop(&shared, id, stream) {
                            log(&format!("client {id}: {why}"));
                        }
                        if let Ok(mut c) = shared.clients.lock() {
                            c.retain(|(i, _)| *i != id);
                        }
                        // A wizard's hold ends with its connection.
                        if crate::desk::holds::of(&shared.env, &*shared.store).release(id) {
                            shared.announce();
                        }
                        if let Ok(mut t) = shared.last_client.lock() {
                            *t = Instant::now();
                        }
                        shared.connected.fetch_sub(1, Ordering::SeqCst);
                    });
            }
            Err(e) => log(&format!("accept: {e}")),
        }
    }
    {
        use std::os::unix::fs::MetadataExt;
        let now = std::fs::symlink_metadata(&path)
            .ok()
            .map(|m| (m.dev(), m.ino()));
        if now.is_some() && now == ours {
            let _ = std::fs::remove_file(&path);
        }
    }
    let _ = shared.store.flush();
    log("stopped");
    Ok(())
}

/// The server's clock: the no-show rule at its moments and the mail
/// queue, announced when something changed.
fn clock(shared: &Shared) {
    let env = &shared.env;
    loop {
        let now = env.clock.local();
        let next = shared
            .store
            .next_no_show(env.loaded.office.rules.grace())
            .ok()
            .flatten();
        // The next no-show or the next hold's end, whichever comes first.
        let next = match (next, crate::desk::holds::of(env, &*shared.store).next_end()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let wait = match next {
            Some(t) if t > now => (t - now).to_std().unwrap_or(Duration::from_secs(60)),
            Some(_) => Duration::ZERO,
            None => Duration::from_secs(60),
        }
        .min(Duration::from_secs(60));
        std::thread::sleep(wait.max(Duration::from_millis(200)));
        if STOP.load(Ordering::SeqCst) {
            return;
        }
        if crate::desk::holds::of(env, &*shared.store).expire(env.clock.local()) {
            shared.announce();
        }
        match crate::desk::ops::sweep(env, &*shared.store) {
            Ok(swept) if !swept.is_empty() => {
                log(&format!("{} no-show(s)", swept.len()));
                shared.announce();
            }
            Ok(_) => {}
            Err(e) => log(&format!("sweep: {e:?}")),
        }
    }
}

fn lang_of(hello: &Hello) -> Lang {
    Lang::parse(&hello.lang).unwrap_or(Lang::Ja)
}

/// One client: the handshake, then its requests until it leaves.
fn client_loop(shared: &Shared, id: u64, stream: UnixStream) -> Result<(), String> {
    let peer = identity::peer(&stream).map_err(|e| format!("peer credentials: {e}"))?;
    let account = identity::account_name(peer.uid);
    let groups = identity::groups_of(&account, peer.gid);
    let role = role_of(
        &shared.env.loaded.config.access,
        &account,
        &groups,
        &shared.owner,
    );
    let mut reader = stream.try_clone().map_err(|e| e.to_string())?;
    let writer = Arc::new(Mutex::new(stream));
    // A client that says nothing is not waited for long.
    let _ = reader.set_read_timeout(Some(Duration::from_secs(10)));
    let hello: Hello = match wire::read_frame(&mut reader) {
        Ok(h) => h,
        // A probe (is anyone there?) connects and leaves: nothing to log.
        Err(WireError::Closed) => return Ok(()),
        Err(e) => return Err(format!("hello: {e}")),
    };
    if hello.protocol != wire::PROTOCOL {
        send(
            &writer,
            &Answer::Refused(Refused {
                reason: "protocol".into(),
                protocol: wire::PROTOCOL,
            }),
        )?;
        return Err(format!(
            "{account}: protocol {} (this server speaks {})",
            hello.protocol,
            wire::PROTOCOL
        ));
    }
    let Some(role) = role else {
        send(
            &writer,
            &Answer::Refused(Refused {
                reason: "not_allowed".into(),
                protocol: wire::PROTOCOL,
            }),
        )?;
        let ctx = Ctx {
            at: shared.env.clock.now(),
            actor: Actor {
                user: account.clone(),
                terminal: hello.terminal.clone(),
            },
            channel: None,
        };
        let _ = shared.store.record("refused.connect", &ctx);
        return Err(format!("{account} has no role: refused"));
    };
    let session = if wire::valid_session(&hello.session) {
        Some(hello.session.clone())
    } else {
        if !hello.session.is_empty() {
            log(&format!(
                "client {id}: a session name that is not one: ignored"
            ));
        }
        None
    };
    let mut env = shared.env.clone();
    env.lang = lang_of(&hello);
    env.holder = id;
    env.actor = Actor {
        user: account.clone(),
        terminal: hello.terminal.clone(),
    };
    send(
        &writer,
        &Answer::Welcome(Welcome {
            protocol: wire::PROTOCOL,
            soudan: env!("CARGO_PKG_VERSION").into(),
            office: env.loaded.config.office.code.clone(),
            clock: env.clock.now().to_rfc3339(),
            account: account.clone(),
            role,
            for_screen: shared.for_screen,
        }),
    )?;
    log(&format!(
        "client {id}: {account} ({}) from {}",
        role.id(),
        hello.terminal
    ));
    if let Ok(mut c) = shared.clients.lock() {
        c.push((id, writer.clone()));
    }
    let _ = reader.set_read_timeout(None);
    // The backup document being sent to this client, part by part.
    let mut export: Option<Vec<u8>> = None;
    loop {
        let envelope: Envelope = match wire::read_frame(&mut reader) {
            Ok(e) => e,
            Err(WireError::Closed) => return Ok(()),
            Err(e) => {
                return Err(format!("{account}: {e}"));
            }
        };
        // A change is made once per (account, session, id): sent again
        // after its reply was lost, it answers with what was done.
        env.once = match &session {
            Some(s) if envelope.request.changes() => Some(format!("{s}:{}", envelope.id)),
            _ => None,
        };
        let result = match envelope.request {
            // An export is made once and sent part by part.
            Request::Export { offset } if role.allows(Operation::Admin) => {
                export_part(shared, &env, &mut export, offset).map(|r| (r, false))
            }
            request => answer(shared, &env, role, request),
        };
        let changed = result.as_ref().is_ok_and(|(_, changed)| *changed);
        let reply = ServerMsg::Reply {
            id: envelope.id,
            result: result.map(|(r, _)| r),
        };
        send(&writer, &reply)?;
        if changed {
            shared.announce();
        }
    }
}

/// The part of the backup document from `offset` on: the document is made
/// when the first part is asked for (one consistent snapshot) and
/// forgotten after its last part.
fn export_part(
    shared: &Shared,
    env: &Env,
    export: &mut Option<Vec<u8>>,
    offset: u64,
) -> Result<request::Response, Failure> {
    let fail = |e: Error| Failure {
        code: e.exit_code(),
        message: e.message(env.lang),
    };
    if offset == 0 || export.is_none() {
        let doc = crate::desk::backup::backup_bytes(&*shared.store, &env.loaded.config.office.code)
            .map_err(fail)?;
        log(&format!(
            "{}: export of {} bytes",
            env.actor.user,
            doc.len()
        ));
        *export = Some(doc);
    }
    let Some(doc) = export.as_deref() else {
        return Err(fail(Error::Internal("no export".into())));
    };
    let part = request::export_part(doc, offset).map_err(fail)?;
    if let request::Response::ExportPart { text, total } = &part
        && offset + text.len() as u64 >= *total
    {
        *export = None;
    }
    Ok(part)
}

/// Carries out one request for a client of `role`: refused (exit 5, and
/// an audit event) when the role does not allow it.
fn answer(
    shared: &Shared,
    env: &Env,
    role: Role,
    req: Request,
) -> Result<(request::Response, bool), Failure> {
    let fail = |e: Error| Failure {
        code: e.exit_code(),
        message: e.message(env.lang),
    };
    // A viewer's day: the same request, answered masked.
    let masked = matches!(req, Request::LoadDay { .. })
        && !role.allows(Operation::DayFull)
        && role.allows(Operation::DayMasked);
    if !masked && !role.allows(req.operation()) {
        let _ = shared
            .store
            .record(&format!("refused.{}", req.id()), &env.ctx(None));
        return Err(fail(Error::NotAllowed {
            what: req.id().into(),
            role: Some(role.id().into()),
        }));
    }
    if matches!(req, Request::Leave) {
        // Terminals that said who they are, the asker aside: a probe that
        // connected and left (is anyone there?) may still be counted in
        // `connected` for a moment, and is nobody.
        let others = shared
            .clients
            .lock()
            .map(|c| c.len())
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        if shared.for_screen && others == 0 {
            log(&format!("{} asked it to leave: leaving", env.actor.user));
            STOP.store(true, Ordering::SeqCst);
            return Ok((request::Response::Leaving, false));
        }
        return Err(Failure {
            code: 4,
            message: crate::tr!(env.lang, "server.busy", count = others),
        });
    }
    // The PIN's hash stays here; a wrong PIN costs a second, and checks go
    // one at a time, so trying every PIN from a kiosk account takes hours
    // (each wrong one in the audit trail).
    if matches!(req, Request::PinCheck { .. }) {
        static PIN: Mutex<()> = Mutex::new(());
        let _one = PIN.lock();
        let r = request::handle(env, &*shared.store, req).map_err(fail)?;
        if matches!(r, request::Response::Pin(false)) {
            let _ = shared.store.record("kiosk.pin_wrong", &env.ctx(None));
            std::thread::sleep(Duration::from_secs(1));
        }
        return Ok((r, false));
    }
    let changes = req.changes();
    request::handle(env, &*shared.store, req)
        .map(|r| {
            // A sweep that found nothing changed nothing.
            let changed = changes && !matches!(r, request::Response::Swept(0));
            let r = match r {
                request::Response::Day(d) if masked => request::Response::Day(Box::new(d.masked())),
                other => other,
            };
            (r, changed)
        })
        .map_err(|e| match e {
            // The kiosk never learns who holds a slot: to it, it is taken.
            Error::Rule {
                violation:
                    crate::domain::booking::Violation::SlotHeld {
                        date, time, booth, ..
                    },
                ..
            } if role == Role::Kiosk => {
                let slot = crate::domain::booking::Slot {
                    date,
                    start: time,
                    end: time + env.loaded.office.slot_length(),
                    booth,
                };
                fail(crate::domain::booking::Violation::SlotTaken { slot }.into())
            }
            other => fail(other),
        })
}

/// Writes one frame to a client, through the lock its announcements share.
fn send<T: serde::Serialize>(writer: &Mutex<UnixStream>, msg: &T) -> Result<(), String> {
    let mut w = writer.lock().map_err(|_| "a writer failed".to_string())?;
    wire::write_frame(&mut *w, msg).map_err(|e| e.to_string())
}
