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

/// How long a change whose reply was lost with the server keeps being
/// sent again, to the server when it is back (a restart takes tens of
/// milliseconds; systemd waits a moment before it restarts one).
const RETRY_FOR: Duration = Duration::from_secs(8);

/// One connection: where requests go and where their replies come.
struct Conn {
    writer: UnixStream,
    replies: Receiver<Incoming>,
}

/// A connection to `soudan serve`, made again when it is lost: a request
/// whose reply was lost with the server is sent again, with the same id,
/// to the server when it is back, and the server makes a change once per
/// (account, session, id), so nothing is ever committed twice.
pub struct Client {
    path: PathBuf,
    terminal: String,
    lang: Lang,
    session: String,
    notices: Sender<Notice>,
    conn: Mutex<Option<Conn>>,
    next: AtomicU64,
    pub welcome: Welcome,
}

/// A change the server announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// The count of changes the server has announced since it started.
    pub seq: u64,
    /// How many events the audit trail held when it was said: the change's
    /// own event is below this (None from a server that does not say).
    pub events: Option<u64>,
}

/// What a screen hears from the server besides replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Something changed: reload.
    Changed(Change),
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

/// Why an exchange did not end in a reply.
enum Lost {
    /// The request never left (it cannot have been carried out).
    NotSent(String),
    /// It may have been carried out; its reply was lost.
    Unanswered(String),
}

impl Client {
    /// Connects to the server at `path` and says hello; `notices` receives
    /// the server's announcements (those of every later connection too).
    pub fn connect(
        path: &Path,
        terminal: &str,
        lang: Lang,
        notices: Sender<Notice>,
    ) -> Result<Client, Error> {
        let session = wire::new_session();
        let (conn, welcome) = open(path, terminal, lang, &session, &notices)?;
        Ok(Client {
            path: path.to_path_buf(),
            terminal: terminal.to_string(),
            lang,
            session,
            notices,
            conn: Mutex::new(Some(conn)),
            next: AtomicU64::new(1),
            welcome,
        })
    }

    /// Whether the connection is up, connecting again (once) when it is
    /// not: a screen calls it while it says the server is lost.
    pub fn reconnect(&self) -> Result<(), Error> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| unreachable(self.lang, &self.path, "a writer failed"))?;
        // The connection that was lost may still be held here (its reader
        // ended, nobody wrote since): it is never taken for a new one.
        *conn = None;
        self.ensure(&mut conn).map(|_| ())
    }

    fn ensure<'a>(&self, conn: &'a mut Option<Conn>) -> Result<&'a mut Conn, Error> {
        if conn.is_none() {
            let (c, _) = open(
                &self.path,
                &self.terminal,
                self.lang,
                &self.session,
                &self.notices,
            )?;
            *conn = Some(c);
        }
        conn.as_mut()
            .ok_or_else(|| unreachable(self.lang, &self.path, "no connection"))
    }

    /// Sends `request` and waits for its reply. A request that cannot be
    /// sent (the server is down) fails at once; one whose reply was lost is
    /// sent again for a few seconds, and fails only if the server does not
    /// come back.
    pub fn call(&self, lang: Lang, request: Request) -> Result<Response, Error> {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let envelope = Envelope { id, request };
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| unreachable(lang, &self.path, "a writer failed"))?;
        let deadline = std::time::Instant::now() + RETRY_FOR;
        let mut first = true;
        loop {
            let why = match self.ensure(&mut conn) {
                Err(e) if first => return Err(e),
                Err(e) => e.message(lang),
                Ok(c) => match exchange(c, &envelope) {
                    Ok(result) => {
                        return result.map_err(|f| Error::Remote {
                            code: f.code,
                            message: f.message,
                        });
                    }
                    Err(Lost::NotSent(why)) if first => {
                        *conn = None;
                        return Err(unreachable(lang, &self.path, &why));
                    }
                    Err(Lost::NotSent(why) | Lost::Unanswered(why)) => {
                        *conn = None;
                        why
                    }
                },
            };
            first = false;
            if std::time::Instant::now() >= deadline {
                return Err(unreachable(lang, &self.path, &why));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // The reader's copy of the socket ends with it.
        let _ = self.writer.shutdown(std::net::Shutdown::Both);
    }
}

/// Sends one request on `c` and waits for its reply.
fn exchange(c: &mut Conn, envelope: &Envelope) -> Result<Result<Response, wire::Failure>, Lost> {
    // Replies to requests given up on before are not this one's.
    while c.replies.try_recv().is_ok() {}
    wire::write_frame(&mut c.writer, envelope).map_err(|e| Lost::NotSent(e.to_string()))?;
    loop {
        match c.replies.recv_timeout(REPLY_WAIT) {
            Ok(Incoming::Reply { id, result }) if id == envelope.id => return Ok(result),
            Ok(Incoming::Reply { .. }) => continue,
            Ok(Incoming::Gone(why)) => return Err(Lost::Unanswered(why)),
            Err(_) => return Err(Lost::Unanswered("no reply".into())),
        }
    }
}

/// How long a connection turned away at once is tried again.
const TURNED_AWAY_FOR: Duration = Duration::from_secs(6);

/// Why a hello got no answer.
enum Turned {
    /// Closed before any answer: the server turned the connection away.
    Away(String),
    Failed(String),
}

/// Connects and says hello once: the stream and the server's answer.
fn hello_once(
    path: &Path,
    terminal: &str,
    lang: Lang,
    session: &str,
) -> Result<(UnixStream, Answer), Turned> {
    let failed = |e: &dyn std::fmt::Display| Turned::Failed(e.to_string());
    let mut stream = UnixStream::connect(path).map_err(|e| failed(&e))?;
    stream
        .set_read_timeout(Some(REPLY_WAIT))
        .map_err(|e| failed(&e))?;
    let mut hello = wire::hello(terminal, lang);
    hello.session = session.to_string();
    let sent = wire::write_frame(&mut stream, &hello);
    match wire::read_frame::<Answer>(&mut stream) {
        Ok(answer) => Ok((stream, answer)),
        Err(WireError::Closed) => Err(Turned::Away("closed".into())),
        Err(WireError::Io(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ) =>
        {
            Err(Turned::Away(e.to_string()))
        }
        Err(e) => Err(match sent {
            Err(s) => failed(&s),
            Ok(()) => failed(&e),
        }),
    }
}

/// Connects, says hello (as `session`), and starts the thread that sorts
/// what the server sends into replies and `notices`.
fn open(
    path: &Path,
    terminal: &str,
    lang: Lang,
    session: &str,
    notices: &Sender<Notice>,
) -> Result<(Conn, Welcome), Error> {
    // A server busy with others' handshakes (its account's or its own
    // limit reached) closes a new connection at once: asked again for a
    // few seconds, as long as a handshake may take.
    let deadline = std::time::Instant::now() + TURNED_AWAY_FOR;
    let (stream, answer) = loop {
        match hello_once(path, terminal, lang, session) {
            Ok(got) => break got,
            Err(Turned::Away(_)) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(Turned::Away(why) | Turned::Failed(why)) => {
                return Err(unreachable(lang, path, &why));
            }
        }
    };
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
    let notices = notices.clone();
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
                    Ok(ServerMsg::Changed { seq, events }) => {
                        let _ = notices.send(Notice::Changed(Change { seq, events }));
                    }
                    Err(e) => {
                        let why = match e {
                            WireError::Closed => "closed".to_string(),
                            other => other.to_string(),
                        };
                        // A connection given up on by its client is not news.
                        if tx.send(Incoming::Gone(why.clone())).is_ok() {
                            let _ = notices.send(Notice::Lost(why));
                        }
                        break;
                    }
                }
            }
        })
        .map_err(|e| unreachable(lang, path, &e.to_string()))?;
    Ok((
        Conn {
            writer: stream,
            replies: rx,
        },
        welcome,
    ))
}

/// Whether this terminal agrees with its server on the office: the same
/// configuration (else refused, exit 2, saying so), and the same clock. A
/// training clock given to a terminal of a real server is refused; on a
/// training server every terminal follows the server's clock: the
/// terminal's `Env` with that clock is returned then.
pub fn agree(
    env: &crate::desk::Env,
    welcome: &Welcome,
    socket: &Path,
) -> Result<Option<crate::desk::Env>, Error> {
    if !welcome.config.is_empty() && welcome.config != env.loaded.config.fingerprint() {
        return Err(Error::Config(crate::config::ConfigError {
            path: env.config_path.clone(),
            field: "office".into(),
            detail: crate::tr!(env.lang, "server.config_differs", path = socket.display()),
            invalid: None,
        }));
    }
    if !welcome.training {
        if let Some(now) = &env.now_text {
            return Err(crate::domain::Invalid::new("now", now.clone(), "now_real_server").into());
        }
        return Ok(None);
    }
    let start = crate::clock::Clock::parse_start(env.loaded.tz, &welcome.clock)?;
    let mut followed = env.clone();
    followed.clock = crate::clock::Clock::starting_at(env.loaded.tz, start);
    followed.now_text = Some(welcome.clock.clone());
    Ok(Some(followed))
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
    Local(&'a dyn crate::store::Engine),
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
            Link::Local(store) => crate::desk::request::handle(env, *store, req),
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
    // A training clock runs on: the server starts where the screen's is now
    // (one started again later must not go back in time).
    if env.now_text.is_some() {
        cmd.arg("--now").arg(env.clock.now().to_rfc3339());
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
    // A million bookings take sled a few seconds to open, more on a slow
    // disk: waited for as long as the server is alive, within reason.
    let started = std::time::Instant::now();
    let deadline = started + Duration::from_secs(120);
    let mut said = false;
    loop {
        if !said && started.elapsed() > Duration::from_secs(1) {
            eprintln!(
                "{}",
                crate::tr!(env.lang, "server.starting", path = env.data_dir.display())
            );
            said = true;
        }
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
