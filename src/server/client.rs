//! A terminal's end of the office's server: connect, say hello, then send
//! requests and wait for their replies; announcements of changes arrive on
//! a channel of their own for the screen's loop.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use crate::desk::request::{Request, Response};
use crate::error::Error;
use crate::i18n::Lang;

use super::wire::{self, Answer, Envelope, ServerMsg, Welcome, WireError};

/// How long a request may wait for its reply before the server counts as
/// gone (a booking's fsync takes milliseconds).
const REPLY_WAIT: Duration = Duration::from_secs(30);

/// What the reader thread hands on.
enum Incoming {
    Reply {
        id: u64,
        result: Result<Response, wire::Failure>,
    },
    Gone(String),
}

/// A connection to `soudan serve`.
pub struct Client {
    path: PathBuf,
    writer: Mutex<UnixStream>,
    replies: Mutex<Receiver<Incoming>>,
    next: AtomicU64,
    pub welcome: Welcome,
}

/// What a screen hears from the server besides replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Something changed: reload.
    Changed(u64),
    /// The connection is gone (why).
    Lost(String),
}

fn unreachable(lang: Lang, path: &Path, why: &str) -> Error {
    Error::Remote {
        code: 4,
        message: crate::tr!(
            lang,
            "server.unreachable",
            path = path.display(),
            why = crate::i18n::safe(why)
        ),
    }
}

impl Client {
    /// Connects to the server at `path` and says hello; `notices` receives
    /// the server's announcements.
    pub fn connect(
        path: &Path,
        terminal: &str,
        lang: Lang,
        notices: Sender<Notice>,
    ) -> Result<Client, Error> {
        let mut stream =
            UnixStream::connect(path).map_err(|e| unreachable(lang, path, &e.to_string()))?;
        stream
            .set_read_timeout(Some(REPLY_WAIT))
            .map_err(|e| unreachable(lang, path, &e.to_string()))?;
        wire::write_frame(&mut stream, &wire::hello(terminal, lang))
            .map_err(|e| unreachable(lang, path, &e.to_string()))?;
        let answer: Answer =
            wire::read_frame(&mut stream).map_err(|e| unreachable(lang, path, &e.to_string()))?;
        let welcome = match answer {
            Answer::Welcome(w) => w,
            Answer::Refused(r) if r.reason == "not_allowed" => {
                return Err(Error::NotAllowed {
                    what: path.display().to_string(),
                    role: None,
                });
            }
            Answer::Refused(r) => {
                return Err(unreachable(
                    lang,
                    path,
                    &format!("{} (protocol {})", r.reason, r.protocol),
                ));
            }
        };
        // Replies and announcements come on one stream; the reader sorts them.
        let mut reader = stream
            .try_clone()
            .map_err(|e| unreachable(lang, path, &e.to_string()))?;
        let _ = reader.set_read_timeout(None);
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("server-reader".into())
            .spawn(move || {
                loop {
                    match wire::read_frame::<ServerMsg>(&mut reader) {
                        Ok(ServerMsg::Reply { id, result }) => {
                            if tx.send(Incoming::Reply { id, result }).is_err() {
                                break;
                            }
                        }
                        Ok(ServerMsg::Changed { seq }) => {
                            let _ = notices.send(Notice::Changed(seq));
                        }
                        Err(e) => {
                            let why = match e {
                                WireError::Closed => "closed".to_string(),
                                other => other.to_string(),
                            };
                            let _ = tx.send(Incoming::Gone(why.clone()));
                            let _ = notices.send(Notice::Lost(why));
                            break;
                        }
                    }
                }
            })
            .map_err(|e| unreachable(lang, path, &e.to_string()))?;
        Ok(Client {
            path: path.to_path_buf(),
            writer: Mutex::new(stream),
            replies: Mutex::new(rx),
            next: AtomicU64::new(1),
            welcome,
        })
    }

    /// Sends `request` and waits for its reply.
    pub fn call(&self, lang: Lang, request: Request) -> Result<Response, Error> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let replies = self
            .replies
            .lock()
            .map_err(|_| unreachable(lang, &self.path, "a reader failed"))?;
        {
            let mut w = self
                .writer
                .lock()
                .map_err(|_| unreachable(lang, &self.path, "a writer failed"))?;
            wire::write_frame(&mut *w, &Envelope { id, request })
                .map_err(|e| unreachable(lang, &self.path, &e.to_string()))?;
        }
        loop {
            match replies.recv_timeout(REPLY_WAIT) {
                Ok(Incoming::Reply { id: got, result }) if got == id => {
                    return result.map_err(|f| Error::Remote {
                        code: f.code,
                        message: f.message,
                    });
                }
                // The reply to a request given up on: not this one's.
                Ok(Incoming::Reply { .. }) => continue,
                Ok(Incoming::Gone(why)) => return Err(unreachable(lang, &self.path, &why)),
                Err(_) => return Err(unreachable(lang, &self.path, "no reply")),
            }
        }
    }
}

/// The socket a data dir's server listens on when none is configured.
pub fn default_socket(data_dir: &Path) -> PathBuf {
    data_dir.join("soudan.sock")
}

/// Whether something answers at `path` (a socket accepting connections).
pub fn answers(path: &Path) -> bool {
    UnixStream::connect(path).is_ok()
}

/// Where a screen's requests go: the database in this process, or the
/// office's server.
pub enum Link<'a> {
    Local(&'a crate::store::Store),
    Remote(&'a Client),
    /// The server at this path was lost: every request says so, and what
    /// the screen holds stays.
    Down(&'a Path),
}

impl Link<'_> {
    /// Carries out `req`: in-process, or by the server (which checks the
    /// account's role).
    pub fn call(&self, env: &crate::desk::Env, req: Request) -> Result<Response, Error> {
        match self {
            Link::Local(store) => crate::desk::request::handle(env, store, req),
            Link::Remote(c) => c.call(env.lang, req),
            Link::Down(path) => Err(unreachable(env.lang, path, "reconnecting")),
        }
    }
}

/// The office's server a front end is to use: the one given (`--server`,
/// `SOUDAN_SERVER`, `server.socket`: that one or none), else one answering
/// at the data dir's socket.
pub fn server_for(env: &crate::desk::Env) -> Option<PathBuf> {
    env.server.clone().or_else(|| {
        let d = default_socket(&env.data_dir);
        answers(&d).then_some(d)
    })
}

/// The server a screen is to use: [`server_for`], or with none configured
/// one started for it ([`autostart`]), which a second screen on the same
/// folder then joins.
pub fn server_for_screen(env: &crate::desk::Env) -> Option<PathBuf> {
    server_for(env).or_else(|| env.server.is_none().then(|| autostart(env)).flatten())
}

/// Asks a server started for a screen to leave, when nobody else is
/// connected, and waits for it to be gone: then the folder itself may be
/// used. False when it is the office's own server (it stays); an error when
/// others are connected to it.
pub fn ask_idle_to_leave(env: &crate::desk::Env, c: Client, socket: &Path) -> Result<bool, Error> {
    if !c.welcome.for_screen {
        return Ok(false);
    }
    match c.call(env.lang, Request::Leave)? {
        Response::Leaving => {}
        other => {
            return Err(Error::Internal(format!(
                "an answer of another kind: {other:?}"
            )));
        }
    }
    drop(c);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while answers(socket) || socket.exists() {
        if std::time::Instant::now() >= deadline {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(true)
}

/// Starts a server for a screen on `env`'s data dir, in the background and
/// in a session of its own (closing the terminal does not stop it), its
/// log in `<data-dir>/server.log`; it leaves `server.idle_exit_minutes`
/// after its last client. The socket, once it answers; None if it could
/// not start (the folder in use in-process, say): the screen then opens the
/// folder itself and says what holds it.
pub fn autostart(env: &crate::desk::Env) -> Option<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    use std::os::unix::process::CommandExt;
    let socket = default_socket(&env.data_dir);
    let _ = std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&env.data_dir);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(env.data_dir.join("server.log"))
        .ok()?;
    let exe = std::env::current_exe().ok()?;
    let mut cmd = std::process::Command::new(exe);
    cmd.arg("--data-dir").arg(&env.data_dir);
    if let Some(c) = &env.config_path {
        cmd.arg("--config").arg(c);
    }
    if let Some(n) = &env.now_text {
        cmd.arg("--now").arg(n);
    }
    cmd.args([
        "serve",
        "--idle-exit",
        &env.loaded.config.server.idle_exit_minutes.to_string(),
    ])
    .env_remove("SOUDAN_SERVER")
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::null())
    .stderr(log);
    // SAFETY: setsid(2) in the child before exec, async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = cmd.spawn().ok()?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if answers(&socket) {
            // Reaped when it leaves, so that it never lingers as a zombie.
            std::thread::spawn(move || child.wait());
            return Some(socket);
        }
        if let Ok(Some(_)) = child.try_wait() {
            // Another screen's server may have won the race.
            return answers(&socket).then_some(socket);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
