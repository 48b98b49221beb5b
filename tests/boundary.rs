//! The office's server as a boundary: hostile clients against a real
//! `soudan serve` on a real socket, each run as an OS account of its own
//! (made with `useradd` for the test and removed after; `runuser` runs
//! the client as it). Every case is bounded in count and time and speaks
//! only to the server's socket. After each, a staff client still books and
//! the records are clean.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use soudan::desk::request::{Request, Response};
use soudan::i18n::Lang;
use soudan::server::client::Client;

/// The training clock of the suite's servers.
const NOW: &str = "2026-12-01T09:00";

/// Why a case cannot run here: under CI that fails the test; elsewhere it
/// is said where the person running `cargo test` sees it.
fn cannot_run(why: &str) -> bool {
    common::not_run(
        why,
        "sudo -E cargo test (the suite makes OS accounts of its own)",
    );
    true
}

fn not_root() -> bool {
    (unsafe { libc::geteuid() }) != 0
        && cannot_run("the boundary suite runs clients as OS accounts of their own: it needs root")
}

/// An OS account made for one test and removed (with its home and any
/// process left) when dropped.
struct Account {
    name: String,
    home: PathBuf,
}

impl Account {
    fn new(tag: &str, homes: &Path) -> Account {
        // Short enough for every tool (32 bytes), unique to this process.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let name = format!("sdb{}x{n}{tag}", std::process::id() % 1_000_000);
        let home = homes.join(&name);
        let o = Command::new("useradd")
            .args(["-m", "-d"])
            .arg(&home)
            .args(["-s", "/bin/sh", &name])
            .output()
            .expect("useradd");
        assert!(
            o.status.success(),
            "useradd {name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        Account { name, home }
    }

    /// `program`, run as this account with a clean environment (its home,
    /// a plain PATH, and `vars`).
    fn command(&self, vars: &[(&str, &Path)], program: &str) -> Command {
        let mut c = Command::new("runuser");
        c.args(["-u", &self.name, "--", "env", "-i"])
            .arg(format!("HOME={}", self.home.display()))
            .arg("PATH=/usr/local/bin:/usr/bin:/bin")
            .arg("SOUDAN_LANG=en");
        for (k, v) in vars {
            c.arg(format!("{k}={}", v.display()));
        }
        c.arg(program);
        c
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        let _ = Command::new("pkill")
            .args(["-KILL", "-u", &self.name])
            .status();
        std::thread::sleep(Duration::from_millis(100));
        let _ = Command::new("userdel")
            .args(["-r", &self.name])
            .stderr(Stdio::null())
            .status();
    }
}

/// A server of root's for the test, its socket in a folder others reach.
struct Server {
    child: Child,
    socket: PathBuf,
    log: PathBuf,
    dir: PathBuf,
    config: PathBuf,
    training: bool,
}

impl Drop for Server {
    fn drop(&mut self) {
        // A test that failed leaves no server behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    /// Starts `soudan serve` on `root/data` with `extra` added to the
    /// built-in configuration, on the training clock (or the real one).
    fn start(root: &Path, extra: &str, training: bool) -> Server {
        Server::start_as(root, extra, training, false)
    }

    /// [`Server::start`]; with `office`, the configuration names the
    /// socket (`[server] socket`) and the server is given none.
    fn start_as(root: &Path, extra: &str, training: bool, office: bool) -> Server {
        let dir = root.join("data");
        let run = root.join("run");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
        let socket = run.join("soudan.sock");
        let config = root.join("office.toml");
        let named = if office {
            format!("[server]\nsocket = \"{}\"\n", socket.display())
        } else {
            String::new()
        };
        std::fs::write(
            &config,
            format!("{}\n{named}{extra}", soudan::config::BUILTIN),
        )
        .unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
        let log = root.join("serve.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_soudan"));
        cmd.env_remove("SOUDAN_STORE")
            .env_remove("SOUDAN_SERVER")
            .env_remove("SOUDAN_DATA_DIR")
            .env("SOUDAN_LANG", "en")
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&dir)
            .arg("serve");
        if !office {
            cmd.arg("--socket").arg(&socket);
        }
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        if training {
            cmd.env("SOUDAN_NOW", NOW);
        } else {
            cmd.env_remove("SOUDAN_NOW");
        }
        let child = cmd.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !soudan::server::client::answers(&socket) {
            assert!(
                Instant::now() < deadline,
                "the server never listened: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Server {
            child,
            socket,
            log,
            dir,
            config,
            training,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The audit trail's events of `action`, read on the folder after the
    /// server stopped.
    fn audit(&self, action: &str) -> String {
        let o = self
            .command()
            .args(["audit", "--action", action])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// A line of `/proc/PID/status` as a number (`VmRSS` in KiB, `Threads`).
    fn status(&self, key: &str) -> u64 {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        s.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}:")))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// A staff client of root's (root is staff in every configuration here).
    fn staff(&self) -> Client {
        let (tx, _rx) = std::sync::mpsc::channel();
        Client::connect(&self.socket, "counter-1", Lang::En, tx).unwrap()
    }

    /// A `soudan` command of root's on the folder, after the server stopped.
    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_soudan"));
        c.env_remove("SOUDAN_STORE")
            .env_remove("SOUDAN_SERVER")
            .env_remove("SOUDAN_NOW")
            .env("SOUDAN_DATA_DIR", &self.dir)
            .env("SOUDAN_LANG", "en")
            .arg("--config")
            .arg(&self.config);
        if self.training {
            c.env("SOUDAN_NOW", NOW);
        }
        c
    }

    /// Stops the server, then checks the folder and a round trip of its
    /// export through an import: what the clients did left it clean.
    fn stop_and_check(&mut self, root: &Path) -> String {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        assert!(common::wait_child(&mut self.child, "the server").success());
        let o = self.command().arg("check").output().unwrap();
        assert!(
            o.status.success(),
            "check: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let export = root.join("export.json");
        let o = self
            .command()
            .args(["export", "--out"])
            .arg(&export)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = self
            .command()
            .env("SOUDAN_DATA_DIR", root.join("restored"))
            .arg("import")
            .arg(&export)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "import: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        self.log()
    }
}

/// A server whose kiosk role is an account of the test's own, in a folder
/// of its own; none when the suite cannot run here. Bound in this order,
/// the server goes first, then the account, then the folder.
fn kiosk_office() -> Option<(tempfile::TempDir, Account, Server)> {
    if not_root() {
        return None;
    }
    let tmp = open_tmp();
    let kiosk = Account::new("k", tmp.path());
    let server = Server::start(
        tmp.path(),
        &format!(
            "[access]\nstaff = [\"root\"]\nkiosk = [\"{}\"]\n",
            kiosk.name
        ),
        true,
    );
    Some((tmp, kiosk, server))
}

/// A folder others may read (the clients' scripts, the accounts' homes).
fn open_tmp() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    tmp
}

/// The protocol in Python, for the hostile clients: connect and say hello,
/// send and read frames, call and wait for the reply with the same id.
const PRELUDE: &str = r#"
import socket, struct, json, sys, time
def send(s, o):
    b = json.dumps(o, ensure_ascii=False).encode()
    s.sendall(struct.pack('>I', len(b)) + b)
def recv(s):
    h = b''
    while len(h) < 4:
        c = s.recv(4 - len(h))
        if not c: raise EOFError()
        h += c
    n = struct.unpack('>I', h)[0]; d = b''
    while len(d) < n:
        c = s.recv(n - len(d))
        if not c: raise EOFError()
        d += c
    return json.loads(d)
def conn(path, terminal='kiosk-1', session=''):
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    send(s, {'protocol': 1, 'soudan': 't', 'terminal': terminal, 'lang': 'en', 'session': session})
    return s, recv(s)
def call(s, i, req):
    send(s, {'id': i, 'request': req})
    while True:
        m = recv(s)
        if 'reply' in m and m['reply']['id'] == i: return m['reply']['result']
PATH = sys.argv[1]
ARGS = json.load(open(sys.argv[2], encoding='utf-8')) if len(sys.argv) > 2 else None
"#;

/// Runs `body` (after [`PRELUDE`]) as `account`, with the socket and
/// `args` (JSON); returns its standard output, which must end well.
fn python(
    account: &Account,
    tmp: &Path,
    socket: &Path,
    body: &str,
    args: &serde_json::Value,
) -> Child {
    let script = tmp.join(format!("client-{}.py", fastrand::u64(..)));
    std::fs::write(&script, format!("{PRELUDE}\n{body}")).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
    account
        .command(&[], "python3")
        .arg(&script)
        .arg(socket)
        .arg(args_file(tmp, args))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `args` in a file the client's account may read (too large for a
/// command line, some of them).
fn args_file(tmp: &Path, args: &serde_json::Value) -> PathBuf {
    let path = tmp.join(format!("args-{}.json", fastrand::u64(..)));
    std::fs::write(&path, args.to_string()).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    path
}

fn output(child: Child, what: &str) -> String {
    let o = common::output_of(child, what);
    assert!(
        o.status.success(),
        "{what}: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn time(s: &str) -> chrono::NaiveTime {
    chrono::NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

/// The kiosk's free slots as the server gives them: (date, time, booth).
fn kiosk_slots(c: &Client) -> Vec<(chrono::NaiveDate, chrono::NaiveTime, u8)> {
    match c.call(Lang::En, Request::KioskFree).unwrap() {
        Response::Free(days) => days
            .iter()
            .flat_map(|d| {
                d.slots
                    .iter()
                    .filter_map(move |s| s.booth.map(|b| (d.date, s.time, b)))
            })
            .collect(),
        other => panic!("{other:?}"),
    }
}

fn hold(slot: (chrono::NaiveDate, chrono::NaiveTime, u8)) -> Request {
    Request::Hold {
        slot: soudan::domain::office::SlotRequest {
            date: slot.0,
            time: slot.1,
            booth: slot.2,
        },
    }
}

fn json(r: &Request) -> serde_json::Value {
    serde_json::to_value(r).unwrap()
}

/// A staff booking's round trip, which must come back well within a few
/// seconds: a liveness bound, not a figure (the figures are in the bench).
fn books_promptly(c: &Client, number: &str, slot: (chrono::NaiveDate, chrono::NaiveTime, u8)) {
    let t = Instant::now();
    let r = c.call(
        Lang::En,
        common::book_request(number, slot.0, slot.1, slot.2),
    );
    assert!(matches!(r, Ok(Response::Booked { .. })), "{r:?}");
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "a staff booking took {:?}",
        t.elapsed()
    );
}

/// A client that asks and never reads is dropped (its queue over its
/// limit, or a write not taken in time); meanwhile every other client's
/// round trip and the server's announcements go on; its hold is released
/// and the log says why.
#[test]
fn a_client_that_never_reads_is_dropped_and_delays_nobody() {
    let Some((tmp, kiosk, mut server)) = kiosk_office() else {
        return;
    };
    let staff = server.staff();
    let slots = kiosk_slots(&staff);
    let held = slots[0];
    // Holds a slot, then asks for the free slots again and again without
    // ever reading an answer, and stays.
    let body = r#"
s, w = conn(PATH)
assert 'welcome' in w, w
r = call(s, 1, ARGS['hold'])
assert 'Ok' in r, r
print('HELD', flush=True)
n = 0
try:
    for i in range(20000):
        send(s, {'id': 10 + i, 'request': 'kiosk_free'})
        n += 1
except OSError as e:
    print('CUT', n, e, flush=True)
# It stays connected: the server drops it, it never leaves by itself.
time.sleep(120)
"#;
    let mut never = python(
        &kiosk,
        tmp.path(),
        &server.socket,
        body,
        &serde_json::json!({ "hold": json(&hold(held)) }),
    );
    // While it sits there, staff book and hold, each change announced.
    let (tx, notices) = std::sync::mpsc::channel();
    let watcher = Client::connect(&server.socket, "counter-2", Lang::En, tx).unwrap();
    for (i, slot) in slots.iter().skip(1).take(12).enumerate() {
        books_promptly(&staff, &format!("46010-7{i}"), *slot);
    }
    assert!(
        notices.recv_timeout(Duration::from_secs(5)).is_ok(),
        "another screen heard no change"
    );
    // The log says it was dropped for not keeping up (while it is still
    // there: it never leaves by itself), and its hold is gone with it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let dropped = |log: &str| {
        log.lines().any(|l| {
            l.contains(&kiosk.name)
                && (l.contains("dropped: it fell behind") || l.contains("dropped: it did not read"))
                && l.contains("hold released")
        })
    };
    while !dropped(&server.log()) {
        assert!(Instant::now() < deadline, "never dropped: {}", server.log());
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        matches!(never.try_wait(), Ok(None)),
        "the client left by itself"
    );
    books_promptly(&staff, "46010-70000", held);
    drop(watcher);
    let _ = never.kill();
    let _ = never.wait();
    server.stop_and_check(tmp.path());
}

/// Before its handshake a stranger costs almost nothing: 100 connections
/// of an account with no role, half announcing a 4 MiB first frame, half a
/// 3 KB one sent a byte a second, are turned away, refused unread or timed
/// out within the handshake's one deadline (never restarted by a byte);
/// the server's memory and threads stay flat, and staff book meanwhile.
#[test]
fn before_the_handshake_a_stranger_costs_almost_nothing() {
    if not_root() {
        return;
    }
    let tmp = open_tmp();
    let stranger = Account::new("s", tmp.path());
    let mut server = Server::start(tmp.path(), "[access]\nstaff = [\"root\"]\n", true);
    let staff = server.staff();
    let slots = kiosk_slots(&staff);
    let rss_before = server.status("VmRSS");
    let threads_before = server.status("Threads");
    let body = r#"
socks = []
for i in range(100):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.connect(PATH)
        size = (4 << 20) - 1 if i % 2 else 3000
        s.sendall(struct.pack('>I', size) + b'{')
        socks.append(s)
    except OSError:
        pass
closed = 0
start = time.time()
while socks and time.time() - start < 12:
    time.sleep(1)
    still = []
    for s in socks:
        try:
            s.sendall(b' ')
            s.setblocking(False)
            try:
                if s.recv(1) == b'':
                    raise OSError('eof')
            except BlockingIOError:
                pass
            s.setblocking(True)
            still.append(s)
        except OSError:
            closed += 1
    socks = still
print('OPEN', len(socks), 'CLOSED', closed, flush=True)
"#;
    let flood = python(
        &stranger,
        tmp.path(),
        &server.socket,
        body,
        &serde_json::json!({}),
    );
    let mut rss_max = rss_before;
    let mut threads_max = threads_before;
    let started = Instant::now();
    let mut booked = false;
    while started.elapsed() < Duration::from_secs(4) {
        rss_max = rss_max.max(server.status("VmRSS"));
        threads_max = threads_max.max(server.status("Threads"));
        if !booked && started.elapsed() > Duration::from_millis(500) {
            books_promptly(&staff, "46010-71", slots[0]);
            booked = true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = output(flood, "the stranger's flood");
    assert!(
        out.contains("OPEN 0 "),
        "a stranger's connection outlived the handshake: {out}"
    );
    let grown = rss_max.saturating_sub(rss_before);
    assert!(grown < 16 * 1024, "the server grew by {grown} KiB");
    assert!(
        // One thread for each connection in its handshake, at most as many
        // as one account may have there.
        threads_max
            <= threads_before + soudan::server::guard::MAX_HANDSHAKES_PER_ACCOUNT as u64 + 2,
        "{threads_before} threads before, {threads_max} during"
    );
    let log = server.log();
    assert!(log.contains("still in their handshake"), "{log}");
    books_promptly(&staff, "46010-72", slots[1]);
    server.stop_and_check(tmp.path());
}

/// Every free text of every request is checked by the server with the
/// command line's rules: control, bidi and combining floods and 64 KiB
/// values are refused as bad input (exit 2) and nothing of them is stored;
/// a hello with a long or dirty terminal name is refused before anything
/// is recorded.
#[test]
fn the_server_checks_every_free_text_as_the_command_line_does() {
    if not_root() {
        return;
    }
    let tmp = open_tmp();
    let kiosk = Account::new("k", tmp.path());
    let viewer = Account::new("v", tmp.path());
    let mut server = Server::start(
        tmp.path(),
        &format!(
            "[access]\nstaff = [\"root\"]\nkiosk = [\"{}\"]\nviewer = [\"{}\"]\n",
            kiosk.name, viewer.name
        ),
        true,
    );
    let staff = server.staff();
    let slots = kiosk_slots(&staff);
    books_promptly(&staff, "46010-73", slots[0]);
    let id = match staff
        .call(
            Lang::En,
            Request::Search {
                query: "46010-73".into(),
            },
        )
        .unwrap()
    {
        Response::Found(hits) => hits[0].booking.id,
        other => panic!("{other:?}"),
    };
    let floods = [
        "English\u{1b}[8m".to_string(),
        "a\u{202e}b".to_string(),
        format!("e{}", "\u{301}".repeat(40)),
        "x".repeat(64 << 10),
        "a\u{0}b".to_string(),
    ];
    let number = soudan::domain::seeker::JobSeekerNumber::parse("46010-73").unwrap();
    // Every request of every role, each free text flooded: sent by staff
    // here, then raw by the kiosk's and a viewer's accounts.
    let mut every = Vec::new();
    for bad in &floods {
        let mut requests = vec![
            Request::Change {
                id,
                event: soudan::domain::booking::Event::CorrectNoShow {
                    reason: bad.clone(),
                },
            },
            Request::Unrefuse {
                seeker: number.clone(),
                reason: bad.clone(),
            },
            Request::KioskCheck {
                number: number.clone(),
                date: slots[0].0,
                name: bad.clone(),
            },
            Request::Audit {
                day: slots[0].0,
                booking: None,
                action: Some(bad.clone()),
            },
            Request::Change {
                id,
                event: soudan::domain::booking::Event::Cancel {
                    reason: bad.clone(),
                },
            },
            Request::Change {
                id,
                event: soudan::domain::booking::Event::Stop {
                    reason: bad.clone(),
                },
            },
            Request::Refuse {
                seeker: number.clone(),
                reason: bad.clone(),
            },
            Request::Search { query: bad.clone() },
            Request::Note {
                on: soudan::domain::block::NoteOn::Booking(id),
                text: bad.clone(),
            },
            Request::Block(soudan::desk::staff::BlockRequest {
                date: slots[1].0,
                from: None,
                to: None,
                booth: None,
                reason: bad.clone(),
            }),
            Request::Move {
                id,
                date: slots[2].0,
                time: slots[2].1,
                booth: Some(slots[2].2),
                late: soudan::domain::office::Override::Staff(bad.clone()),
            },
            Request::PinCheck {
                typed: "1".repeat(64 << 10),
            },
            Request::AuditPage {
                filter: soudan::desk::audit::AuditFilter {
                    action: Some(bad.clone()),
                    ..Default::default()
                },
                first: 0,
            },
        ];
        for kiosk_book in [false, true] {
            let mut r = common::book_request("46010-74", slots[3].0, slots[3].1, slots[3].2);
            if let Request::Book(b) = &mut r {
                b.interpreter = Some(bad.clone());
                if kiosk_book {
                    r = Request::KioskBook(b.clone());
                }
            }
            requests.push(r);
        }
        for r in requests {
            let what = r.id();
            every.push(json(&r));
            match staff.call(Lang::En, r) {
                Err(soudan::error::Error::Remote { code: 2, .. }) => {}
                other => panic!("{what} with {:?}: {other:?}", &bad[..bad.len().min(40)]),
            }
        }
    }
    // A change that only the rule, a move or a new consent makes is not
    // a change a client may ask for.
    for event in [
        soudan::domain::booking::Event::NoShow,
        soudan::domain::booking::Event::Reconsent {
            version: "\u{1b}[2J".into(),
        },
    ] {
        let r = staff.call(Lang::En, Request::Change { id, event });
        assert!(
            matches!(r, Err(soudan::error::Error::Remote { code: 2, .. })),
            "{r:?}"
        );
    }
    // The same, raw, from the kiosk's account and a viewer's: refused as
    // bad input or as not theirs, or (past the role's frame limit) cut off.
    let raw = r#"
def connect():
    s, w = conn(PATH)
    assert 'welcome' in w, w
    return s
s = connect()
answers = {}
for i, req in enumerate(ARGS['every']):
    try:
        r = call(s, i + 1, req)
        code = r.get('Err', {}).get('code', 'ok')
    except (EOFError, OSError):
        code = 'closed'
        s = connect()
    answers[str(code)] = answers.get(str(code), 0) + 1
print('ANSWERS', json.dumps(answers, sort_keys=True))
"#;
    for account in [&kiosk, &viewer] {
        let out = output(
            python(
                account,
                tmp.path(),
                &server.socket,
                raw,
                &serde_json::json!({ "every": every }),
            ),
            "every request, raw",
        );
        let line = out
            .lines()
            .find(|l| l.starts_with("ANSWERS"))
            .unwrap_or_default();
        let answers: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(line.trim_start_matches("ANSWERS ")).unwrap();
        assert!(
            answers
                .keys()
                .all(|k| ["2", "5", "closed"].contains(&k.as_str())),
            "{}: {line}",
            account.name
        );
    }
    // The kiosk's own booking with a dirty interpreter, sent raw.
    let mut r = common::book_request("46010-75", slots[4].0, slots[4].1, slots[4].2);
    if let Request::Book(b) = &r {
        let mut b = b.clone();
        b.interpreter = Some("English\u{1b}[8m".into());
        r = Request::KioskBook(b);
    }
    let body = r#"
s, w = conn(PATH)
assert 'welcome' in w, w
r = call(s, 1, ARGS['book'])
print('CODE', r.get('Err', {}).get('code'))
# Hellos that are not one: a terminal name of 3 KB, one with an escape.
for t in ['t' * 3000, 'evil\x1b[2J', 'a b']:
    s2 = socket.socket(socket.AF_UNIX); s2.connect(PATH)
    send(s2, {'protocol': 1, 'soudan': 't', 'terminal': t, 'lang': 'en'})
    try:
        print('HELLO', recv(s2))
    except (EOFError, OSError) as e:
        print('HELLO closed')
# A hello over the first frame's limit is closed unread.
s3 = socket.socket(socket.AF_UNIX); s3.connect(PATH)
b = json.dumps({'protocol': 1, 'soudan': 't', 'terminal': 'x' * 45000, 'lang': 'en'}).encode()
try:
    s3.sendall(struct.pack('>I', len(b)) + b)
    print('BIG', recv(s3))
except (EOFError, OSError):
    print('BIG closed')
"#;
    let out = output(
        python(
            &kiosk,
            tmp.path(),
            &server.socket,
            body,
            &serde_json::json!({ "book": json(&r) }),
        ),
        "the kiosk's raw requests",
    );
    assert!(out.contains("CODE 2"), "{out}");
    assert_eq!(out.matches("HELLO").count(), 3, "{out}");
    assert!(
        !out.contains("welcome"),
        "a dirty hello was welcomed: {out}"
    );
    assert!(out.contains("BIG closed"), "{out}");
    books_promptly(&staff, "46010-76", slots[5]);
    server.stop_and_check(tmp.path());
    // Nothing of any of it was stored.
    let export = std::fs::read_to_string(tmp.path().join("export.json")).unwrap();
    for marker in [
        "\\u001b",
        "\u{1b}",
        "\u{202e}",
        "xxxxxxxxxx",
        "tttttttttt",
        "\u{301}\u{301}",
    ] {
        assert!(!export.contains(marker), "{marker:?} was stored");
    }
}

/// What a kiosk account learns about a person is one "ask at the counter"
/// whatever the reason, and never which field differed, a refusal's
/// reason or another booking's id; each such refusal is audited without
/// personal data and paced; its booking never changes a known record.
#[test]
fn the_kiosk_role_learns_nothing_about_a_person() {
    let Some((tmp, kiosk, mut server)) = kiosk_office() else {
        return;
    };
    let staff = server.staff();
    let slots = kiosk_slots(&staff);
    let day = slots[0].0;
    assert_eq!(slots[1].0, day, "{slots:?}");
    let later: Vec<_> = slots.iter().filter(|s| s.0 != day).copied().collect();
    // Days other than `day` and C's own booking's.
    let others: Vec<_> = later
        .iter()
        .filter(|s| s.0 != later[0].0)
        .copied()
        .collect();
    // A: booked on `day`; B: refused; C: known, registered 2026-11-02.
    books_promptly(&staff, "46010-81", slots[0]);
    let booked_id = match staff
        .call(
            Lang::En,
            Request::Search {
                query: "46010-81".into(),
            },
        )
        .unwrap()
    {
        Response::Found(hits) => hits[0].booking.id,
        other => panic!("{other:?}"),
    };
    let mut c = common::book_request("46010-83", later[0].0, later[0].1, later[0].2);
    if let Request::Book(b) = &mut c {
        b.seeker.phone = Some(soudan::domain::seeker::Phone::parse("099-000-1234").unwrap());
        b.seeker.registered_on = Some(date("2026-11-02"));
    }
    assert!(matches!(
        staff.call(Lang::En, c.clone()),
        Ok(Response::Booked { .. })
    ));
    let b_number = soudan::domain::seeker::JobSeekerNumber::parse("46010-82").unwrap();
    staff
        .call(
            Lang::En,
            Request::Refuse {
                seeker: b_number,
                reason: "SECRET-REASON threats at the counter".into(),
            },
        )
        .unwrap();
    let kiosk_book = |number: &str,
                      slot: (chrono::NaiveDate, chrono::NaiveTime, u8),
                      f: &dyn Fn(&mut soudan::desk::BookingRequest)| {
        let mut r = common::book_request(number, slot.0, slot.1, slot.2);
        if let Request::Book(b) = &mut r {
            f(b);
            r = Request::KioskBook(b.clone());
        }
        json(&r)
    };
    let cases = serde_json::json!([
        // A again on `day`: already booked that day.
        kiosk_book("46010-81", slots[1], &|_| {}),
        // B: refused.
        kiosk_book("46010-82", others[0], &|_| {}),
        // C with another email; C with another phone.
        kiosk_book("46010-83", others[1], &|b| b.seeker.email =
            soudan::domain::seeker::Email::parse("other@example.jp").unwrap()),
        kiosk_book("46010-83", others[2], &|b| {
            b.seeker.phone = Some(soudan::domain::seeker::Phone::parse("099-999-9999").unwrap())
        }),
    ]);
    let body = r#"
s, w = conn(PATH)
assert 'welcome' in w, w
for i, req in enumerate(ARGS['cases']):
    t = time.time()
    r = call(s, i + 1, req)
    print('ANSWER', json.dumps(r.get('Err'), ensure_ascii=False), round(time.time() - t, 3), flush=True)
# C at the kiosk with the contact on record and another registration date.
r = call(s, 40, ARGS['c'])
print('C', json.dumps(r, ensure_ascii=False)[:200])
r = call(s, 50, {'kiosk_check': {'number': '46010-81', 'date': ARGS['day'], 'name': ''}})
print('CHECK', json.dumps(r, ensure_ascii=False))
# More refusals than a person makes: paced.
for i in range(8):
    r = call(s, 60 + i, {'kiosk_check': {'number': '46010-82', 'date': ARGS['day'], 'name': ''}})
    print('PACE', json.dumps(r, ensure_ascii=False), flush=True)
"#;
    let mut c_again = common::book_request("46010-83", others[3].0, others[3].1, others[3].2);
    if let Request::Book(b) = &mut c_again {
        b.seeker.phone = Some(soudan::domain::seeker::Phone::parse("099-000-1234").unwrap());
        b.seeker.registered_on = Some(date("2026-12-01"));
        c_again = Request::KioskBook(b.clone());
    }
    let out = output(
        python(
            &kiosk,
            tmp.path(),
            &server.socket,
            body,
            &serde_json::json!({ "cases": cases, "day": day.to_string(), "c": json(&c_again) }),
        ),
        "the kiosk's person requests",
    );
    let answers: Vec<(&str, f64)> = out
        .lines()
        .filter_map(|l| l.strip_prefix("ANSWER "))
        .map(|l| {
            let (a, t) = l.rsplit_once(' ').unwrap();
            (a, t.parse().unwrap())
        })
        .collect();
    assert_eq!(answers.len(), 4, "{out}");
    assert!(
        answers
            .iter()
            .all(|(a, _)| *a == answers[0].0 && a.contains("\"code\": 3")),
        "{out}"
    );
    // The same time for each: no refusal answers before the kiosk's floor.
    assert!(answers.iter().all(|(_, t)| *t >= 0.24), "{out}");
    for leak in ["email", "phone", "SECRET", booked_id.as_str(), "46010-8"] {
        assert!(!answers[0].0.contains(leak), "{leak} in {out}");
    }
    assert!(out.contains("CHECK {\"Ok\""), "{out}");
    assert!(out.contains("\"kiosk_block\": true"), "{out}");
    let paced: Vec<&str> = out.lines().filter(|l| l.starts_with("PACE")).collect();
    assert!(paced.last().unwrap().contains("\"code\": 4"), "{out}");
    assert!(out.contains("C {\"Ok\""), "{out}");
    // The record's registration date is as staff recorded it.
    let number = soudan::domain::seeker::JobSeekerNumber::parse("46010-83").unwrap();
    match staff.call(Lang::En, Request::Seeker { number }).unwrap() {
        Response::SeekerRecord {
            record: Some(r), ..
        } => {
            assert_eq!(r.registered_on, Some(date("2026-11-02")))
        }
        other => panic!("{other:?}"),
    }
    server.stop_and_check(tmp.path());
    // Audited, with no personal data: the refusals by count.
    let audit = server.audit("kiosk");
    assert!(
        audit.matches("kiosk.refused_person").count() >= 5,
        "{audit}"
    );
    for leak in ["46010-8", "example.jp", "SECRET"] {
        assert!(!audit.contains(leak), "{leak} in {audit}");
    }
}

/// A kiosk account holds one slot at a time, on a day the kiosk offers;
/// books at a person's pace; and after a wrong PIN waits longer each time,
/// alone: staff are never made to wait behind its guesses.
#[test]
fn the_kiosk_role_holds_one_slot_books_at_a_persons_pace_and_guesses_slowly() {
    let Some((tmp, kiosk, mut server)) = kiosk_office() else {
        return;
    };
    let staff = server.staff();
    let slots = kiosk_slots(&staff);
    let far = (date("2027-01-29"), time("10:00"), 1);
    let books: Vec<serde_json::Value> = slots[2..7]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut r = common::book_request(&format!("46010-9{i}"), s.0, s.1, s.2);
            if let Request::Book(b) = &r {
                r = Request::KioskBook(b.clone());
            }
            json(&r)
        })
        .collect();
    let body = r#"
a, _ = conn(PATH, 'kiosk-a')
b, _ = conn(PATH, 'kiosk-b')
print('A', 'Ok' in call(a, 1, ARGS['hold0']))
print('B', 'Ok' in call(b, 1, ARGS['hold1']))
print('FAR', json.dumps(call(a, 2, ARGS['far'])), flush=True)
sys.stdin.readline()
for i, req in enumerate(ARGS['books']):
    r = call(a, 10 + i, req)
    print('BOOK', 'Ok' if 'Ok' in r else r['Err']['code'], flush=True)
waits = []
for i in range(4):
    t = time.time()
    r = call(a, 20 + i, {'pin_check': {'typed': '000000'}})
    print('PIN', json.dumps(r), round(time.time() - t, 2), flush=True)
time.sleep(0.5)
"#;
    let mut cmd_child = {
        let script = tmp.path().join("pace.py");
        std::fs::write(&script, format!("{PRELUDE}\n{body}")).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
        kiosk
            .command(&[], "python3")
            .arg(&script)
            .arg(&server.socket)
            .arg(args_file(
                tmp.path(),
                &serde_json::json!({
                    "hold0": json(&hold(slots[0])),
                    "hold1": json(&hold(slots[1])),
                    "far": json(&hold(far)),
                    "books": books,
                }),
            ))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Until the kiosk has held its two slots.
    let mut first = String::new();
    {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(cmd_child.stdout.as_mut().unwrap());
        for _ in 0..3 {
            let mut l = String::new();
            lines.read_line(&mut l).unwrap();
            first.push_str(&l);
        }
    }
    // While the kiosk's second connection holds slot 1, its first's hold
    // of slot 0 is over: staff hold slot 0, and not slot 1.
    assert!(matches!(
        staff.call(Lang::En, hold(slots[0])),
        Ok(Response::Held { .. })
    ));
    let r = staff.call(Lang::En, hold(slots[1]));
    assert!(
        matches!(r, Err(soudan::error::Error::Remote { code: 3, .. })),
        "{r:?}"
    );
    staff.call(Lang::En, Request::Release).unwrap();
    // Staff's own PIN checks go on while the kiosk guesses.
    let t = Instant::now();
    let r = staff.call(Lang::En, Request::PinCheck { typed: "1".into() });
    assert!(r.is_ok(), "{r:?}");
    assert!(t.elapsed() < Duration::from_secs(3));
    {
        use std::io::Write;
        cmd_child.stdin.take().unwrap().write_all(b"go\n").unwrap();
    }
    let out = first + &output(cmd_child, "the kiosk's holds, bookings and PINs");
    assert!(out.contains("A True") && out.contains("B True"), "{out}");
    assert!(
        out.contains("FAR {\"Err\""),
        "a hold beyond the kiosk's days: {out}"
    );
    let books: Vec<&str> = out.lines().filter(|l| l.starts_with("BOOK")).collect();
    assert_eq!(
        books,
        ["BOOK Ok", "BOOK Ok", "BOOK Ok", "BOOK 4", "BOOK 4"],
        "{out}"
    );
    let pins: Vec<&str> = out.lines().filter(|l| l.starts_with("PIN")).collect();
    // Two wrong ones answered, the third sets a wait, the fourth is
    // refused at once while it runs (never slept on).
    assert!(
        pins[0].contains("\"pin\": false") && pins[2].contains("\"pin\": false"),
        "{out}"
    );
    assert!(pins[3].contains("\"code\": 4"), "{out}");
    let last: f64 = pins[3].rsplit(' ').next().unwrap().parse().unwrap();
    assert!(last < 1.0, "{out}");
    server.stop_and_check(tmp.path());
}

/// A change is made once per (account, session, request number), and only
/// for the same request: another request sent under a used number is
/// refused and changes nothing; the same one sent again answers with what
/// was done.
#[test]
fn a_used_request_number_answers_only_its_own_request() {
    let tmp = open_tmp();
    let mut server = Server::start(tmp.path(), "", true);
    let staff = server.staff();
    let slots = kiosk_slots(&staff);
    drop(staff);
    let mut s = std::os::unix::net::UnixStream::connect(&server.socket).unwrap();
    let mut hello = soudan::server::wire::hello("counter-3", Lang::En);
    hello.session = soudan::server::wire::new_session();
    soudan::server::wire::write_frame(&mut s, &hello).unwrap();
    let _: soudan::server::wire::Answer = soudan::server::wire::read_frame(&mut s).unwrap();
    let mut call = |id: u64, request: Request| -> Result<Response, soudan::server::wire::Failure> {
        soudan::server::wire::write_frame(&mut s, &soudan::server::wire::Envelope { id, request })
            .unwrap();
        loop {
            match soudan::server::wire::read_frame(&mut s).unwrap() {
                soudan::server::wire::ServerMsg::Reply { id: i, result } if i == id => {
                    return result;
                }
                _ => {}
            }
        }
    };
    let book = common::book_request("46010-61", slots[0].0, slots[0].1, slots[0].2);
    let first = match call(7, book.clone()).unwrap() {
        Response::Booked { booking, .. } => booking,
        other => panic!("{other:?}"),
    };
    let cancel = Request::Change {
        id: first.id,
        event: soudan::domain::booking::Event::Cancel {
            reason: "by phone".into(),
        },
    };
    let r = call(7, cancel.clone());
    assert!(matches!(&r, Err(f) if f.code == 2), "{r:?}");
    // The same booking sent again under its number: the same booking.
    match call(7, book).unwrap() {
        Response::Booked { booking, .. } => assert_eq!(booking.id, first.id),
        other => panic!("{other:?}"),
    }
    // Still booked; the cancel under a number of its own goes through.
    match call(9, cancel).unwrap() {
        Response::Changed { booking, .. } => {
            assert_eq!(booking.status, soudan::domain::booking::Status::Cancelled)
        }
        other => panic!("{other:?}"),
    }
    server.stop_and_check(tmp.path());
}

/// Three OS accounts with no settings of their own and one office
/// configuration naming the server reach that one server: each one's
/// booking is on every one's day, and none of them got a private database.
/// A terminal with another configuration is refused, and so is `--now` on
/// the real server; on a training server, a command follows its clock.
#[test]
fn every_account_reaches_the_office_and_its_configuration_and_clock() {
    if not_root() {
        return;
    }
    let tmp = open_tmp();
    let clerks: Vec<Account> = ["a", "b", "c"]
        .iter()
        .map(|t| Account::new(t, tmp.path()))
        .collect();
    let names: Vec<String> = clerks.iter().map(|a| format!("\"{}\"", a.name)).collect();
    let access = format!("[access]\nstaff = [\"root\", {}]\n", names.join(", "));
    // The office's server, on the real clock, listening where the
    // configuration says (no --socket).
    let mut server = Server::start_as(tmp.path(), &access, false, true);
    let config = server.config.clone();
    let bin = env!("CARGO_BIN_EXE_soudan");
    let office = [("SOUDAN_CONFIG", config.as_path())];
    // Each clerk books by the real clock: the first day ahead that takes it.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive();
    let mut booked = Vec::new();
    for (i, clerk) in clerks.iter().enumerate() {
        let number = format!("46010-5{i}");
        let mut done = None;
        for ahead in 5..40 {
            let day = today + chrono::Duration::days(ahead);
            let o = clerk
                .command(&office, bin)
                .args([
                    "book",
                    "--date",
                    &day.to_string(),
                    "--time",
                    "10:00",
                    "--booth",
                ])
                .arg((i % 2 + 1).to_string())
                .args([
                    "--seeker",
                    &number,
                    "--name",
                    "窓口 太郎",
                    "--email",
                    "m@example.jp",
                ])
                .args(["--consent", "--checklist"])
                .output()
                .unwrap();
            if o.status.success() {
                done = Some(day);
                break;
            }
            assert_eq!(
                o.status.code(),
                Some(3),
                "{}: {}",
                clerk.name,
                String::from_utf8_lossy(&o.stderr)
            );
        }
        booked.push((
            done.unwrap_or_else(|| panic!("{} could not book", clerk.name)),
            number,
        ));
    }
    // Every clerk sees every clerk's booking: one office, one database.
    for clerk in &clerks {
        for (day, number) in &booked {
            let o = clerk
                .command(&office, bin)
                .args(["day", "--json", "--date", &day.to_string()])
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "{}: {}",
                clerk.name,
                String::from_utf8_lossy(&o.stderr)
            );
            let out = String::from_utf8_lossy(&o.stdout);
            assert!(out.contains(number.as_str()), "{}: {out}", clerk.name);
        }
        assert!(
            !clerk.home.join(".local/share/soudan").exists(),
            "{} got a private database",
            clerk.name
        );
    }
    // Another configuration (another office name) is refused, not mixed.
    let other = tmp.path().join("other.toml");
    std::fs::write(
        &other,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("ハローワークかごしま", "ハローワークよそ"),
    )
    .unwrap();
    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = clerks[0]
        .command(&[("SOUDAN_CONFIG", other.as_path())], bin)
        .args(["day", "--json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("differs"), "{err}");
    // --now on the office's real server is refused.
    let o = clerks[1]
        .command(&office, bin)
        .args(["--now", "2026-12-24T10:00", "day", "--json"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--now"), "{err}");
    server.stop_and_check(tmp.path());

    // A training server: a command with the real clock follows the
    // server's, months ahead, where its own clock would refuse the day.
    // The first day the training clock offers is a day the real clock
    // has already passed.
    let training = tmp.path().join("training");
    let mut t = Server::start(&training, "", true);
    let first = kiosk_slots(&t.staff())[0];
    let o = Command::new(bin)
        .env_remove("SOUDAN_STORE")
        .env_remove("SOUDAN_NOW")
        .env("SOUDAN_SERVER", &t.socket)
        .arg("--config")
        .arg(&t.config)
        .args(["book", "--date", &first.0.to_string(), "--time"])
        .arg(first.1.format("%H:%M").to_string())
        .args([
            "--seeker",
            "46010-57",
            "--name",
            "練習 花子",
            "--email",
            "r@example.jp",
        ])
        .args(["--consent", "--checklist"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = Command::new(bin)
        .env_remove("SOUDAN_STORE")
        .env_remove("SOUDAN_NOW")
        .env("SOUDAN_SERVER", &t.socket)
        .arg("--config")
        .arg(&t.config)
        .args(["day", "--json"])
        .output()
        .unwrap();
    // Today, to a command of the training server, is the server's day.
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "[]");
    t.stop_and_check(&training);
}

/// A viewer's dashboard asks only what a viewer may: it never asks for
/// the no-show rule (the server runs it), offers no key that changes a
/// booking or opens a record (and says so when one is pressed), so it
/// shows no refusal and adds nothing to the audit trail's refusals.
#[test]
fn a_viewers_dashboard_asks_only_what_a_viewer_may() {
    if not_root() {
        return;
    }
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    use std::io::{Read, Write};
    let tmp = open_tmp();
    let viewer = Account::new("v", tmp.path());
    let mut server = Server::start_as(
        tmp.path(),
        &format!(
            "[access]\nstaff = [\"root\"]\nviewer = [\"{}\"]\n",
            viewer.name
        ),
        true,
        true,
    );
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 80,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new("runuser");
    cmd.args(["-u", &viewer.name, "--", "env", "-i"]);
    cmd.arg(format!("HOME={}", viewer.home.display()));
    cmd.arg("TERM=xterm-256color");
    cmd.arg("SOUDAN_LANG=en");
    cmd.arg(format!("SOUDAN_CONFIG={}", server.config.display()));
    cmd.arg(env!("CARGO_BIN_EXE_soudan"));
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut writer = pair.master.take_writer().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut parser = vt100::Parser::new(24, 80, 0);
    let deadline = Instant::now() + Duration::from_secs(15);
    // The day shows (its date in the header).
    while !parser.screen().contents().contains("2026") {
        assert!(
            Instant::now() < deadline,
            "the viewer's day never showed:\n{}",
            parser.screen().contents()
        );
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
            parser.process(&chunk);
        }
    }
    // A moment more: what the first minute's tick would ask has been asked.
    let settle = Instant::now() + Duration::from_millis(700);
    while Instant::now() < settle {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
            parser.process(&chunk);
        }
    }
    let screen = parser.screen().contents();
    // It offers no key a viewer may not use; pressed anyway, the screen
    // says so itself, and the server is not asked.
    let footer = screen.lines().last().unwrap_or_default();
    assert!(
        footer.contains("next day")
            && !footer.contains("new booking")
            && !footer.contains("cancel"),
        "{screen}"
    );
    let _ = writer.write_all(b"n");
    let _ = writer.flush();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !parser.screen().contents().contains("views the day only") {
        assert!(
            Instant::now() < deadline,
            "a staff key at a viewer's screen:\n{}",
            parser.screen().contents()
        );
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
            parser.process(&chunk);
        }
    }
    let _ = writer.write_all(b"q");
    let _ = writer.flush();
    std::thread::sleep(Duration::from_millis(300));
    let _ = child.kill();
    let _ = child.wait();
    assert!(!screen.to_lowercase().contains("not allowed"), "{screen}");
    server.stop_and_check(tmp.path());
    let audit = server.audit("refused");
    assert!(
        audit.trim().is_empty(),
        "a viewer's dashboard was refused: {audit}"
    );
}

/// A check made through the server that finds a problem names the
/// server's folder, not the one the command would have opened itself.
#[test]
fn a_check_through_the_server_names_the_servers_folder() {
    let tmp = open_tmp();
    let server = Server::start(tmp.path(), "", true);
    let staff = server.staff();
    books_promptly(&staff, "46010-31", kiosk_slots(&staff)[0]);
    drop(staff);
    let data = server.dir.clone();
    drop(server);
    // The slot index lost: the check finds the booking without its entry.
    {
        let db = sled::open(data.join("db")).unwrap();
        db.open_tree("slots").unwrap().clear().unwrap();
        db.flush().unwrap();
    }
    let server = Server::start(tmp.path(), "", true);
    let own = tmp.path().join("the-clerks-own-folder");
    let o = Command::new(env!("CARGO_BIN_EXE_soudan"))
        .env_remove("SOUDAN_STORE")
        .env("SOUDAN_SERVER", &server.socket)
        .env("SOUDAN_DATA_DIR", &own)
        .env("SOUDAN_NOW", NOW)
        .env("SOUDAN_LANG", "en")
        .arg("--config")
        .arg(&server.config)
        .arg("check")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(4), "{err}");
    assert!(err.contains(&data.display().to_string()), "{err}");
    assert!(!err.contains("the-clerks-own-folder"), "{err}");
}

/// Randomised strangers: a kiosk account and an account with no role send
/// frames of random bytes, random JSON, and requests with random values,
/// for a bounded time. The server stays up, staff book promptly after, and
/// the records are clean.
#[test]
fn randomised_strangers_leave_the_office_as_it_was() {
    if not_root() {
        return;
    }
    let tmp = open_tmp();
    let kiosk = Account::new("k", tmp.path());
    let stranger = Account::new("s", tmp.path());
    let mut server = Server::start(
        tmp.path(),
        &format!(
            "[access]\nstaff = [\"root\"]\nkiosk = [\"{}\"]\n",
            kiosk.name
        ),
        true,
    );
    let staff = server.staff();
    let slots = kiosk_slots(&staff);
    let seed = fastrand::u64(..);
    let body = r#"
import random
rng = random.Random(ARGS['seed'])
NASTY = ['\x1b[31m', '\u202e', '\u200b', '\x00', '\r\n', '山田', 'e' + '\u0301' * 9, 'x' * 3000, '46010-1', '', ' ']
NAMES = ['kiosk_free', 'kiosk_check', 'kiosk_book', 'hold', 'release', 'pin_check', 'kiosk_record', 'book', 'load_day', 'export', 'check', 'leave', 'sweep']
def value(depth=0):
    k = rng.randrange(8 if depth < 3 else 4)
    if k == 0: return rng.choice(NASTY) * rng.randrange(1, 4)
    if k == 1: return rng.randrange(-2**40, 2**40)
    if k == 2: return rng.random() < 0.5
    if k == 3: return None
    if k in (4, 5): return {rng.choice(['date', 'time', 'booth', 'slot', 'number', 'name', 'typed', 'action', 'seeker', 'x']): value(depth + 1) for _ in range(rng.randrange(4))}
    return [value(depth + 1) for _ in range(rng.randrange(4))]
def frame():
    k = rng.randrange(4)
    if k == 0:
        b = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        return struct.pack('>I', len(b)) + b
    if k == 1:
        b = json.dumps(value()).encode()
        return struct.pack('>I', len(b)) + b
    if k == 2:
        req = rng.choice(NAMES)
        b = json.dumps({'id': rng.randrange(1, 10**6), 'request': req if rng.random() < 0.3 else {req: value()}}).encode()
        return struct.pack('>I', len(b)) + b
    return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 16)))
sent = 0
end = time.time() + 6
while time.time() < end:
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(PATH); s.settimeout(0.5)
        if rng.random() < 0.8:
            send(s, {'protocol': 1, 'soudan': 't', 'terminal': 'r', 'lang': 'en'})
        for _ in range(rng.randrange(1, 20)):
            s.sendall(frame()); sent += 1
            try: s.recv(65536)
            except OSError: pass
        s.close()
    except OSError:
        pass
print('SENT', sent)
"#;
    let a = python(
        &kiosk,
        tmp.path(),
        &server.socket,
        body,
        &serde_json::json!({ "seed": seed }),
    );
    let b = python(
        &stranger,
        tmp.path(),
        &server.socket,
        body,
        &serde_json::json!({ "seed": seed ^ 1 }),
    );
    let out = output(a, "the random kiosk client") + &output(b, "the random stranger");
    assert!(out.matches("SENT").count() == 2, "seed {seed}: {out}");
    books_promptly(&staff, "46010-21", slots[0]);
    drop(staff);
    let log = server.stop_and_check(tmp.path());
    assert!(!log.contains("panicked"), "seed {seed}: {log}");
}
