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
//! - [`outbound`]: what is sent to one client, bounded, with a deadline.
//! - [`guard`]: what one account may take (connections, PINs, the kiosk's pace).
//!
//! The server faces strangers (any local account may reach the socket):
//! a connection is counted against its account before a byte is read; the
//! first frame is at most [`wire::MAX_HELLO`] and the whole handshake has
//! one deadline; a request is bounded by its role and checked by the same
//! rules as the command line; no client is ever waited for.

pub mod client;
pub mod guard;
pub mod outbound;
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

/// How long a connection may take to say hello (OpenSSH's
/// `LoginGraceTime`, PostgreSQL's `authentication_timeout`).
const HANDSHAKE: Duration = Duration::from_secs(5);

/// How long one request may take to arrive once its first byte has.
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

/// The least time the kiosk's answers about a person take, so that a
/// refusal and a go-ahead cannot be told apart by their time.
const KIOSK_ANSWER_FLOOR: Duration = Duration::from_millis(250);

/// What every client's thread shares.
struct Shared {
    env: Env,
    store: Box<dyn crate::store::Engine>,
    owner: String,
    /// Every connected client's queue, for the announcements.
    clients: Mutex<Vec<(u64, Arc<outbound::Outbound>)>>,
    connected: AtomicUsize,
    seq: AtomicU64,
    last_client: Mutex<Instant>,
    /// Started for a screen (`--idle-exit`).
    for_screen: bool,
    guard: guard::Guard,
    /// Connections closed at once since the last log line about them.
    turned_away: AtomicU64,
}

impl Shared {
    /// Tells every client that something changed: a notice put in each
    /// queue, never a write waited for.
    fn announce(&self) {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        // Read after the change was durable: the notice names it.
        let events = self.store.audit_next().ok();
        let clients = match self.clients.lock() {
            Ok(c) => c.clone(),
            Err(_) => return,
        };
        for (_, out) in clients {
            out.changed(seq, events);
        }
    }

    /// Records a refusal of account `uid` in the audit trail: the first
    /// [`guard::AUDITED_REFUSALS_PER_MINUTE`] of a minute one by one, the
    /// rest counted in the log (a repeated refusal cannot fill the
    /// database); a failure to record is logged and fails the request.
    fn audit_refusal(&self, uid: u32, action: &str, ctx: &Ctx) -> Result<(), Error> {
        match self.guard.audit_refusal(uid, Instant::now()) {
            guard::Audit::Each => self.audit(action, ctx),
            guard::Audit::FromNowCounted => {
                log(&format!(
                    "{}: more than {} refusals this minute; the rest of the minute's are not audited one by one",
                    ctx.actor.user,
                    guard::AUDITED_REFUSALS_PER_MINUTE
                ));
                Ok(())
            }
            guard::Audit::Counted => Ok(()),
        }
    }

    /// Records an event in the audit trail; a failure to record it is
    /// logged and fails the request (it is never ignored).
    fn audit(&self, action: &str, ctx: &Ctx) -> Result<(), Error> {
        self.store.record(action, ctx).map_err(|e| {
            log(&format!("audit of {action} failed: {e:?}"));
            Error::from(e)
        })
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
    // `--socket`, else the office's `[server] socket`, else the data dir's.
    let path = socket
        .or_else(|| {
            let s = &env.loaded.config.server.socket;
            (!s.is_empty()).then(|| PathBuf::from(s))
        })
        .unwrap_or_else(|| client::default_socket(&env.data_dir));
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
        guard: guard::Guard::default(),
        turned_away: AtomicU64::new(0),
    });
    let mut last_turned_away_log = Instant::now();
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
                // Counted against its account before a byte is read; over
                // a limit it is closed at once, and the log counts it.
                let peer = match identity::peer(&stream) {
                    Ok(p) => p,
                    Err(e) => {
                        log(&format!("client {id}: peer credentials: {e}"));
                        continue;
                    }
                };
                let limits = &shared.env.loaded.config.server;
                if let Err(full) = shared.guard.admit(
                    peer.uid,
                    limits.max_connections as usize,
                    limits.max_per_account as usize,
                ) {
                    drop(stream);
                    let n = shared.turned_away.fetch_add(1, Ordering::SeqCst) + 1;
                    if n == 1 || last_turned_away_log.elapsed() >= Duration::from_secs(10) {
                        log(&format!(
                            "turned away {n} connection(s), the last of uid {}: {full}",
                            peer.uid
                        ));
                        shared.turned_away.store(0, Ordering::SeqCst);
                        last_turned_away_log = Instant::now();
                    }
                    continue;
                }
                let mine = shared.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("client-{id}"))
                    .spawn(move || {
                        let shared = mine;
                        shared.connected.fetch_add(1, Ordering::SeqCst);
                        let mut out = None;
                        let who = client_loop(&shared, id, peer, stream, &mut out);
                        if let Ok(mut c) = shared.clients.lock() {
                            c.retain(|(i, _)| *i != id);
                        }
                        // A wizard's hold ends with its connection.
                        let released =
                            crate::desk::holds::of(&shared.env, &*shared.store).release(id);
                        if released {
                            shared.announce();
                        }
                        match (out.as_ref().and_then(|o| o.dropped()), who) {
                            (Some(why), Ok(account) | Err((account, _))) => log(&format!(
                                "client {id} ({account}) dropped: {why}{}",
                                if released { "; its hold released" } else { "" }
                            )),
                            (None, Err((account, why))) => {
                                log(&format!("client {id} ({account}): {why}"))
                            }
                            (None, Ok(_)) => {}
                        }
                        if let Some(out) = out {
                            out.close();
                        }
                        shared.guard.left(peer.uid);
                        if let Ok(mut t) = shared.last_client.lock() {
                            *t = Instant::now();
                        }
                        shared.connected.fetch_sub(1, Ordering::SeqCst);
                    });
                if let Err(e) = spawned {
                    log(&format!("client {id}: no thread for it: {e}"));
                    shared.guard.handshake_over(peer.uid);
                    shared.guard.left(peer.uid);
                }
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

/// One client: the handshake, then its requests until it leaves. The
/// account it was, and why it ended when that is worth a line in the log.
fn client_loop(
    shared: &Shared,
    id: u64,
    peer: identity::Peer,
    stream: UnixStream,
    out_slot: &mut Option<Arc<outbound::Outbound>>,
) -> Result<String, (String, String)> {
    let mut reader = stream;
    // The whole hello within one deadline, a few KiB at most, whoever it
    // is; nothing else is made for the connection until it has come.
    let hello: Result<Hello, WireError> =
        wire::read_frame_within(&mut reader, wire::MAX_HELLO, HANDSHAKE, true);
    shared.guard.handshake_over(peer.uid);
    let account = identity::account_name(peer.uid);
    let end = |why: String| Err((account.clone(), why));
    let hello = match hello {
        Ok(h) => h,
        // A probe (is anyone there?) connects and leaves: nothing to log.
        Err(WireError::Closed) => return Ok(account),
        Err(e) => return end(format!("hello: {e}")),
    };
    let groups = identity::groups_of(&account, peer.gid);
    let role = role_of(
        &shared.env.loaded.config.access,
        &account,
        &groups,
        &shared.owner,
    );
    // What may wait for it: an export's parts for staff, little for others.
    let limit = match role {
        Some(Role::Staff) => outbound::LIMIT,
        Some(Role::Viewer) => outbound::LIMIT_VIEWER,
        Some(Role::Kiosk) | None => outbound::LIMIT_SMALL,
    };
    let out = match outbound::Outbound::start(&reader, &format!("client-{id}"), limit) {
        Ok(out) => &*out_slot.insert(out),
        Err(e) => return end(e.to_string()),
    };
    if hello.protocol != wire::PROTOCOL {
        send(
            out,
            &Answer::Refused(Refused {
                reason: "protocol".into(),
                protocol: wire::PROTOCOL,
            }),
        );
        return end(format!(
            "protocol {} (this server speaks {})",
            hello.protocol,
            wire::PROTOCOL
        ));
    }
    // The terminal's name goes into the audit trail: checked like any text.
    let terminal = match crate::domain::input::terminal(&hello.terminal) {
        Ok(t) if hello.soudan.len() <= 32 => t,
        _ => {
            send(
                out,
                &Answer::Refused(Refused {
                    reason: "hello".into(),
                    protocol: wire::PROTOCOL,
                }),
            );
            return end("a hello with a terminal name or version that is not one".into());
        }
    };
    let Some(role) = role else {
        send(
            out,
            &Answer::Refused(Refused {
                reason: "not_allowed".into(),
                protocol: wire::PROTOCOL,
            }),
        );
        let ctx = Ctx {
            at: shared.env.clock.now(),
            actor: Actor {
                user: account.clone(),
                terminal,
            },
            channel: None,
        };
        if let Err(e) = shared.audit_refusal(peer.uid, "refused.connect", &ctx) {
            return end(format!("has no role: refused ({e:?})"));
        }
        return end("has no role: refused".into());
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
        terminal: terminal.clone(),
    };
    send(
        out,
        &Answer::Welcome(Welcome {
            protocol: wire::PROTOCOL,
            soudan: env!("CARGO_PKG_VERSION").into(),
            office: env.loaded.config.office.code.clone(),
            clock: env.clock.now().to_rfc3339(),
            account: account.clone(),
            role,
            for_screen: shared.for_screen,
            config: env.loaded.config.fingerprint(),
            training: env.clock.is_training(),
        }),
    );
    log(&format!(
        "client {id}: {account} ({}) from {terminal}",
        role.id(),
    ));
    if let Ok(mut c) = shared.clients.lock() {
        c.push((id, out.clone()));
    }
    // Staff send whole bookings and imports; the kiosk and viewers little.
    let max = match role {
        Role::Staff => wire::MAX_FRAME,
        Role::Kiosk | Role::Viewer => wire::MAX_SMALL_REQUEST,
    };
    let who = Who {
        uid: peer.uid,
        role,
    };
    // The backup document being sent to this client, part by part.
    let mut export: Option<Vec<u8>> = None;
    loop {
        let envelope: Envelope =
            match wire::read_frame_within(&mut reader, max, REQUEST_DEADLINE, false) {
                Ok(e) => e,
                Err(WireError::Closed) => return Ok(account),
                Err(e) => return end(e.to_string()),
            };
        // A change is made once per (account, session, id) and request:
        // sent again after its reply was lost, it answers with what was
        // done; another request under that key is refused. Its free texts
        // are checked where every request's are, after its role
        // (`request::handle` cleans it first).
        let request = envelope.request;
        env.once = match &session {
            Some(s) if request.changes() => {
                Some(format!("{s}:{}#{}", envelope.id, request.digest()))
            }
            _ => None,
        };
        let result = match request {
            // An export is made once and sent part by part.
            Request::Export { offset } if role.allows(Operation::Admin) => {
                export_part(shared, &env, &mut export, offset)
            }
            request => answer(shared, &env, &who, request),
        };
        let changed = result.as_ref().is_ok_and(|(_, changed)| *changed);
        let reply = ServerMsg::Reply {
            id: envelope.id,
            result: result.map(|(r, _)| r),
        };
        let frame = wire::frame_bytes(&reply).or_else(|e| {
            // An answer too large to send is a failure the client can read.
            log(&format!("client {id}: an answer not sent: {e}"));
            wire::frame_bytes(&ServerMsg::Reply {
                id: envelope.id,
                result: Err(Failure {
                    code: 1,
                    message: e.to_string(),
                }),
            })
        });
        match frame {
            Ok(f) => {
                if !out.send(f) {
                    return end("its answers were not read".into());
                }
            }
            Err(e) => return end(e.to_string()),
        }
        if changed {
            shared.announce();
        }
    }
}

/// Who a request comes from, as the server saw it.
struct Who {
    uid: u32,
    role: Role,
}

/// The part of the backup document from `offset` on: the document is made
/// when the first part is asked for (one consistent snapshot) and
/// forgotten after its last part.
fn export_part(
    shared: &Shared,
    env: &Env,
    export: &mut Option<Vec<u8>>,
    offset: u64,
) -> Result<(request::Response, bool), Failure> {
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
    Ok((part, false))
}

/// Whether a refusal is about a person (their record, refusal, bookings,
/// contact details): to the kiosk, every one of these is the same "ask at
/// the counter".
fn about_a_person(e: &Error) -> bool {
    use crate::domain::booking::Violation as V;
    matches!(
        e,
        Error::Rule {
            violation: V::SeekerRefused { .. }
                | V::SeekerBookedThatDay { .. }
                | V::ContactDiffers { .. }
                | V::AlreadyRefused { .. }
                | V::NotRefused,
            ..
        }
    )
}

/// Carries out one request for a client: refused (exit 5, and an audit
/// event) when its role does not allow it.
fn answer(
    shared: &Shared,
    env: &Env,
    who: &Who,
    req: Request,
) -> Result<(request::Response, bool), Failure> {
    let role = who.role;
    let fail = |e: Error| Failure {
        code: e.exit_code(),
        message: e.message(env.lang),
    };
    // A viewer's day: the same request, answered masked.
    let masked = matches!(req, Request::LoadDay { .. })
        && !role.allows(Operation::DayFull)
        && role.allows(Operation::DayMasked);
    if !masked && !role.allows(req.operation()) {
        shared
            .audit_refusal(who.uid, &format!("refused.{}", req.id()), &env.ctx(None))
            .map_err(fail)?;
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
    // The PIN's hash stays here. After a wrong one its account waits
    // longer each time (2 s, 4 s, 8 s … 5 min); a PIN sent while it waits
    // is not checked. The wait is the account's alone: nothing is held
    // while it runs, so a guessing account never delays another.
    if matches!(req, Request::PinCheck { .. }) {
        let now = Instant::now();
        if let Some(wait) = shared.guard.pin_wait(who.uid, now) {
            return Err(Failure {
                code: 4,
                message: crate::tr!(env.lang, "kiosk.pin_wait", seconds = wait.as_secs().max(1)),
            });
        }
        let r = request::handle(env, &*shared.store, req).map_err(fail)?;
        let right = matches!(r, request::Response::Pin(true));
        shared.guard.pin_checked(who.uid, right, now);
        if !right {
            shared
                .audit("kiosk.pin_wrong", &env.ctx(None))
                .map_err(fail)?;
        }
        return Ok((r, false));
    }
    if role == Role::Kiosk {
        return kiosk_answer(shared, env, who, req);
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
        .map_err(fail)
}

/// A request of the kiosk role, which gets what the kiosk screen needs
/// and nothing more: every refusal about a person is one "ask at the
/// counter", in the same time, audited without personal data and paced
/// per kiosk account; its bookings come at a person's pace; it holds one
/// slot at a time, on a day the kiosk may book.
fn kiosk_answer(
    shared: &Shared,
    env: &Env,
    who: &Who,
    req: Request,
) -> Result<(request::Response, bool), Failure> {
    let started = Instant::now();
    let fail = |e: Error| Failure {
        code: e.exit_code(),
        message: e.message(env.lang),
    };
    let about_person = matches!(req, Request::KioskCheck { .. } | Request::KioskBook(_));
    let ask_counter = || Failure {
        code: 3,
        message: crate::tr!(env.lang, "kiosk.blocked"),
    };
    // The same time for every answer about a person, whatever it was.
    let floor = || {
        if about_person {
            std::thread::sleep(KIOSK_ANSWER_FLOOR.saturating_sub(started.elapsed()));
        }
    };
    if about_person && let Some(wait) = shared.guard.kiosk_refusals_wait(who.uid, started) {
        floor();
        return Err(Failure {
            code: 4,
            message: crate::tr!(env.lang, "kiosk.slow_down", seconds = wait.as_secs().max(1)),
        });
    }
    if matches!(req, Request::KioskBook(_))
        && let Some(wait) = shared.guard.kiosk_booking_wait(who.uid, started)
    {
        shared
            .audit_refusal(who.uid, "kiosk.paced", &env.ctx(None))
            .map_err(fail)?;
        floor();
        return Err(Failure {
            code: 4,
            message: crate::tr!(env.lang, "kiosk.slow_down", seconds = wait.as_secs().max(1)),
        });
    }
    if let Request::Hold { slot } = &req {
        kiosk_may_hold(shared, env, who, slot).map_err(fail)?;
    }
    // The kiosk books the days it offers, no other.
    if let Request::KioskBook(b) = &req {
        kiosk_day(env, b.slot.date).map_err(fail)?;
    }
    // The server records a wrong PIN itself; that the kiosk was left is
    // the kiosk's to say, once, after the right PIN.
    if let Request::KioskRecord { action } = &req
        && (action != "kiosk.leave" || !shared.guard.kiosk_may_record_leave(who.uid, started))
    {
        return Err(fail(Error::NotAllowed {
            what: "kiosk_record".into(),
            role: Some(Role::Kiosk.id().into()),
        }));
    }
    let changes = req.changes();
    let result = request::handle(env, &*shared.store, req);
    let refused_person = match &result {
        Ok(request::Response::LookedUp(info)) => info.kiosk_block,
        Err(e) => about_a_person(e),
        Ok(_) => false,
    };
    if refused_person {
        // Counted; the wait it may lead to was looked at before.
        let _ = shared.guard.kiosk_refusal(who.uid, started);
        shared
            .audit("kiosk.refused_person", &env.ctx(None))
            .map_err(fail)?;
    }
    if let Ok(request::Response::Booked { .. }) = &result {
        // A booking made counts toward the kiosk's pace.
        let _ = shared.guard.kiosk_booking(who.uid, started);
    }
    let out = match result {
        Ok(r) => Ok((r, changes)),
        Err(e) if about_a_person(&e) => Err(ask_counter()),
        // The kiosk never learns who holds a slot, nor why time was taken
        // off: to it, the slot is taken.
        Err(Error::Rule {
            violation:
                crate::domain::booking::Violation::SlotHeld {
                    date, time, booth, ..
                },
            ..
        }) => {
            let slot = crate::domain::booking::Slot {
                date,
                start: time,
                end: time + env.loaded.office.slot_length(),
                booth,
            };
            Err(fail(
                crate::domain::booking::Violation::SlotTaken { slot }.into(),
            ))
        }
        Err(e) => Err(fail(e)),
    };
    floor();
    out
}

/// A kiosk account holds one slot at a time, on a day the kiosk may book,
/// and the same slot for [`guard::KIOSK_HOLD_TOTAL`] at most: a hold of
/// another of its connections ends when it takes a new one.
fn kiosk_may_hold(
    shared: &Shared,
    env: &Env,
    who: &Who,
    slot: &crate::domain::office::SlotRequest,
) -> Result<(), Error> {
    let office = &env.loaded.office;
    kiosk_day(env, slot.date)?;
    match shared.guard.kiosk_hold(
        who.uid,
        env.holder,
        (slot.date, slot.time, slot.booth),
        Instant::now(),
    ) {
        Ok(Some(other)) => {
            crate::desk::holds::of(env, &*shared.store).release(other);
            Ok(())
        }
        Ok(None) => Ok(()),
        Err(guard::HeldTooLong) => Err(crate::domain::booking::Violation::SlotTaken {
            slot: crate::domain::booking::Slot {
                date: slot.date,
                start: slot.time,
                end: slot.time + office.slot_length(),
                booth: slot.booth,
            },
        }
        .into()),
    }
}

/// Refuses a day the kiosk does not offer now.
fn kiosk_day(env: &Env, date: chrono::NaiveDate) -> Result<(), Error> {
    let office = &env.loaded.office;
    let days = crate::desk::views::kiosk_dates(office, env.clock.local());
    if days.contains(&date) {
        return Ok(());
    }
    Err(crate::domain::booking::Violation::BeyondHorizon {
        date,
        last: days.last().copied(),
        horizon: office.rules.horizon_open_days,
    }
    .into())
}

/// Queues one frame for a client.
fn send<T: serde::Serialize>(out: &outbound::Outbound, msg: &T) {
    if let Ok(frame) = wire::frame_bytes(msg) {
        out.send(frame);
    }
}
