//! `soudan serve` as a real process on a real Unix socket: clients speak
//! the protocol, book, see each other's changes announced, and are told
//! apart by the kernel's account of them; bad clients do not take the
//! server down; SIGTERM stops it and removes its socket; a stale socket is
//! replaced.

mod common;
#[path = "common/pg_cluster.rs"]
mod pg_cluster;
#[path = "common/strace.rs"]
mod strace;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use soudan::desk::request::{Request, Response};
use soudan::domain::booking::Event;
use soudan::domain::office::SlotRequest;
use soudan::i18n::Lang;
use soudan::server::client::{Client, Notice};
use soudan::server::wire;

const NOW: &str = "2026-12-01T09:00";

/// A `soudan` command on the store of this test.
fn soudan_cmd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_soudan"));
    pg_cluster::with_store(&mut c);
    c
}

/// The office's records as the test's servers keep them, read directly.
fn engine(dir: &Path) -> Box<dyn soudan::store::Engine> {
    match pg_cluster::store_url() {
        Some(url) => Box::new(soudan::store::pg::Pg::connect(&url, "46010").unwrap()),
        None => Box::new(soudan::store::Store::open(dir, "test").unwrap()),
    }
}

struct Server {
    child: Child,
    socket: PathBuf,
    log: PathBuf,
}

impl Server {
    fn start(dir: &Path) -> Server {
        let log = dir.with_extension("log");
        let child = soudan_cmd()
            .env_remove("SOUDAN_CONFIG")
            .env_remove("SOUDAN_SERVER")
            .env("SOUDAN_DATA_DIR", dir)
            .env("SOUDAN_NOW", NOW)
            .env("SOUDAN_LANG", "en")
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let socket = dir.join("soudan.sock");
        let deadline = Instant::now() + Duration::from_secs(20);
        while !soudan::server::client::answers(&socket) {
            assert!(
                Instant::now() < deadline,
                "the server never listened: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Server { child, socket, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn stop(mut self) -> std::process::ExitStatus {
        // SAFETY: kill(2) of our own child.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        common::wait_child(&mut self.child, "the server after SIGTERM")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client(s: &Server, terminal: &str) -> (Client, mpsc::Receiver<Notice>) {
    let (tx, rx) = mpsc::channel();
    let c = Client::connect(&s.socket, terminal, Lang::En, tx).unwrap();
    (c, rx)
}

fn request(number: &str, date: &str, time: &str, booth: u8) -> Request {
    common::book_request_at(number, date, time, booth)
}

fn day(c: &Client, date: &str) -> soudan::desk::views::DayData {
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    match c.call(Lang::En, Request::LoadDay { date }).unwrap() {
        Response::Day(d) => *d,
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_clients_book_and_each_hears_of_the_others_change() {
    two_clients_book_and_each_hears_of_the_others_change_suite();
}

#[test]
fn two_clients_book_and_each_hears_of_the_others_change_on_postgresql() {
    pg_cluster::on_postgresql(two_clients_book_and_each_hears_of_the_others_change_suite);
}

fn two_clients_book_and_each_hears_of_the_others_change_suite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let server = Server::start(&dir);
    let (a, a_notices) = client(&server, "counter-1");
    let (b, b_notices) = client(&server, "counter-2");
    assert_eq!(a.welcome.role, soudan::desk::access::Role::Staff);
    assert_eq!(a.welcome.office, "46010");
    assert!(day(&b, "2026-12-10").rows.is_empty());
    let booked = match a.call(Lang::En, request("46010-1", "2026-12-10", "10:00", 1)) {
        Ok(Response::Booked { booking, .. }) => booking,
        other => panic!("{other:?}"),
    };
    // b hears of it, and then sees it.
    let started = Instant::now();
    assert!(matches!(
        b_notices.recv_timeout(Duration::from_secs(10)),
        Ok(Notice::Changed(_))
    ));
    eprintln!("announced to the other client in {:?}", started.elapsed());
    let d = day(&b, "2026-12-10");
    assert_eq!(d.rows.len(), 1);
    assert_eq!(d.rows[0].booking.id, booked.id);
    // The same slot from b: refused by the rule, exit 3, nothing announced.
    match b.call(Lang::En, request("46010-2", "2026-12-10", "10:00", 1)) {
        Err(e) => {
            assert_eq!(e.exit_code(), 3, "{}", e.message(Lang::En));
            assert!(
                e.message(Lang::En).contains("already booked"),
                "{}",
                e.message(Lang::En)
            );
        }
        Ok(r) => panic!("booked twice: {r:?}"),
    }
    // a's own change was announced to a too; nothing more came.
    assert!(matches!(
        a_notices.recv_timeout(Duration::from_secs(5)),
        Ok(Notice::Changed(_))
    ));
    assert!(b_notices.recv_timeout(Duration::from_millis(300)).is_err());
    // b cancels it; a hears.
    let r = b
        .call(
            Lang::En,
            Request::Change {
                id: booked.id,
                event: Event::Cancel {
                    reason: "本人から電話".into(),
                },
            },
        )
        .unwrap();
    assert!(matches!(r, Response::Changed { .. }), "{r:?}");
    assert!(matches!(
        a_notices.recv_timeout(Duration::from_secs(10)),
        Ok(Notice::Changed(_))
    ));
    drop((a, b));
    let status = server.stop();
    assert!(status.success(), "{status:?}");
    // The audit trail names the account the kernel gave, and each terminal.
    let o = soudan_cmd()
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .arg("audit")
        .output()
        .unwrap();
    let audit = String::from_utf8_lossy(&o.stdout).into_owned();
    let me = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
    for action in ["book", "cancel"] {
        let line = audit
            .lines()
            .find(|l| l.contains(&format!("\"action\":\"{action}\"")))
            .unwrap_or_else(|| panic!("no {action}:\n{audit}"));
        assert!(
            line.contains(&format!("\"user\":\"{}\"", me.trim())),
            "{line}"
        );
    }
    // The terminal each client named is kept (never printed per device).
    let store = engine(&dir);
    let events = store.audit().unwrap();
    let terminal = |a: &str| {
        events
            .iter()
            .find(|e| e.action == a)
            .map(|e| e.terminal.clone())
    };
    assert_eq!(terminal("book").as_deref(), Some("counter-1"));
    assert_eq!(terminal("cancel").as_deref(), Some("counter-2"));
    drop(store);
    assert!(!dir.join("soudan.sock").exists(), "the socket was left");
}

#[test]
fn sixteen_clients_racing_for_one_slot_make_one_booking_and_fifty_slots_all_book() {
    sixteen_clients_racing_for_one_slot_make_one_booking_and_fifty_slots_all_book_suite();
}

#[test]
fn sixteen_clients_racing_for_one_slot_make_one_booking_and_fifty_slots_all_book_on_postgresql() {
    pg_cluster::on_postgresql(
        sixteen_clients_racing_for_one_slot_make_one_booking_and_fifty_slots_all_book_suite,
    );
}

fn sixteen_clients_racing_for_one_slot_make_one_booking_and_fifty_slots_all_book_suite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let server = Server::start(&dir);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let socket = server.socket.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let (tx, _rx) = mpsc::channel();
                let c = Client::connect(&socket, &format!("racer-{i}"), Lang::En, tx).unwrap();
                barrier.wait();
                c.call(
                    Lang::En,
                    request(&format!("46010-{}", 100 + i), "2026-12-11", "11:00", 2),
                )
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "exactly one of 16 gets the slot");
    // Each of the others was told the slot is taken (exit 3), not failed
    // in some other way.
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(r.exit_code(), 3, "{}", r.message(Lang::En));
        assert!(
            r.message(Lang::En).contains("already booked"),
            "{}",
            r.message(Lang::En)
        );
    }
    // 50 different slots from 16 clients: all booked.
    let times = [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30",
        "15:00", "15:30", "16:00",
    ];
    let mut slots = Vec::new();
    for date in ["2026-12-14", "2026-12-15"] {
        for t in times {
            for booth in 1..=2u8 {
                slots.push((date, t, booth));
            }
        }
    }
    slots.truncate(50);
    let slots = std::sync::Arc::new(slots);
    let handles: Vec<_> = (0..16)
        .map(|i| {
            let socket = server.socket.clone();
            let slots = slots.clone();
            std::thread::spawn(move || {
                let (tx, _rx) = mpsc::channel();
                let c = Client::connect(&socket, &format!("client-{i}"), Lang::En, tx).unwrap();
                let mut ok = 0;
                for (k, (date, t, booth)) in slots.iter().enumerate() {
                    if k % 16 == i {
                        let r = c.call(
                            Lang::En,
                            request(&format!("46010-{}", 1000 + k), date, t, *booth),
                        );
                        assert!(r.is_ok(), "{date} {t} {booth}: {:?}", r.err());
                        ok += 1;
                    }
                }
                ok
            })
        })
        .collect();
    let booked: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(booked, 50);
    assert!(server.stop().success());
    let o = soudan_cmd()
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .env("SOUDAN_LANG", "en")
        .args(["check", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["bookings"], 51, "{report}");
}

/// Connects and says `hello`: the stream and the server's answer. As the
/// real client does, a connection the server turned away at once (the
/// account's connections still in their handshake, the ones just made
/// among them) is made again, for as long as a handshake may take.
fn say_hello(socket: &Path, hello: &wire::Hello) -> (UnixStream, wire::Answer) {
    let deadline = Instant::now() + Duration::from_secs(6);
    loop {
        let mut s = UnixStream::connect(socket).unwrap();
        let sent = wire::write_frame(&mut s, hello);
        match wire::read_frame::<wire::Answer>(&mut s) {
            Ok(answer) => return (s, answer),
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("no answer to a hello: {e} ({sent:?})"),
        }
    }
}

#[test]
fn bad_clients_do_not_take_the_server_down() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let server = Server::start(&dir);
    // Random bytes; an oversized frame; a wrong protocol version; a client
    // that says nothing and one killed mid-request.
    let mut rng = fastrand::Rng::with_seed(3);
    for _ in 0..20 {
        let mut s = UnixStream::connect(&server.socket).unwrap();
        let bytes: Vec<u8> = (0..rng.usize(1..200)).map(|_| rng.u8(..)).collect();
        let _ = s.write_all(&bytes);
    }
    // An oversized frame, sent again while the account's random-byte
    // connections above may still be in their handshake and it is turned
    // away before it is read.
    let deadline = Instant::now() + Duration::from_secs(6);
    while !server.log().contains("frame of 4294967295 bytes") && Instant::now() < deadline {
        let mut s = UnixStream::connect(&server.socket).unwrap();
        let _ = s.write_all(&u32::MAX.to_be_bytes());
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        let _ = s.read(&mut [0u8; 64]);
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut hello = wire::hello("old", Lang::En);
    hello.protocol = 99;
    let (_, answer) = say_hello(&server.socket, &hello);
    assert!(
        matches!(answer, wire::Answer::Refused(ref r) if r.reason == "protocol"),
        "{answer:?}"
    );
    let _silent = UnixStream::connect(&server.socket).unwrap();
    {
        let (mut s, _) = say_hello(&server.socket, &wire::hello("half", Lang::En));
        // Half a request, then gone.
        let _ = s.write_all(&100u32.to_be_bytes());
        let _ = s.write_all(b"{\"id\":1,");
    }
    // Everyone else is served as before.
    let (c, _rx) = client(&server, "counter-1");
    let r = c.call(Lang::En, request("46010-7", "2026-12-10", "13:00", 1));
    assert!(matches!(r, Ok(Response::Booked { .. })), "{r:?}");
    let log = server.log();
    assert!(log.contains("protocol 99"), "{log}");
    assert!(log.contains("frame of 4294967295 bytes"), "{log}");
    assert!(server.stop().success());
}

#[test]
fn a_stale_socket_is_replaced_and_a_live_one_is_not_taken() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    std::fs::create_dir_all(&dir).unwrap();
    // A socket file nobody listens on (a server that was killed).
    let stale = dir.join("soudan.sock");
    // Made by a process that then ends: a listener made here could live on
    // for a moment in a child another test is forking.
    let made = Command::new("python3")
        .args([
            "-c",
            "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)",
        ])
        .arg(&stale)
        .status()
        .unwrap();
    assert!(made.success());
    assert!(stale.exists(), "the stale socket file was not made");
    let probe = UnixStream::connect(&stale);
    assert!(
        probe.is_err(),
        "something answers on the stale socket: {probe:?}"
    );
    let server = Server::start(&dir);
    assert!(
        server.log().contains("replaced the stale socket"),
        "{}",
        server.log()
    );
    // A second server on the same folder: refused, exit 4, the first goes on.
    let o = soudan_cmd()
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .env("SOUDAN_LANG", "en")
        .arg("serve")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (c, _rx) = client(&server, "counter-1");
    assert!(day(&c, "2026-12-10").rows.is_empty());
    assert!(server.stop().success());
}

/// An account the server does not know is refused at the handshake, and
/// the refusal is in the audit trail; run as `nobody` (when the tests run
/// as root) against a server of root's with a socket others may reach.
#[test]
fn an_account_without_a_role_is_refused_at_the_handshake() {
    if unsafe { libc::geteuid() } != 0 {
        let why = "running a client as another account needs root";
        common::not_run(why, "sudo -E cargo test");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let dir = tmp.path().join("d");
    let server = Server::start(&dir);
    // Reachable for the test: the folder opened up (an office puts the
    // socket in a runtime folder instead).
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o711)).unwrap();
    std::fs::set_permissions(&server.socket, std::fs::Permissions::from_mode(0o666)).unwrap();
    let script = format!(
        "import socket,struct,json\ns=socket.socket(socket.AF_UNIX)\ns.connect({:?})\nb=json.dumps({{'protocol':1,'soudan':'x','terminal':'t','lang':'en'}}).encode()\ns.sendall(struct.pack('>I',len(b))+b)\nn=struct.unpack('>I',s.recv(4))[0]\nprint(s.recv(n).decode())\n",
        server.socket.display().to_string()
    );
    let o = Command::new("runuser")
        .args(["-u", "nobody", "--", "python3", "-c", &script])
        .output()
        .unwrap();
    let answer = String::from_utf8_lossy(&o.stdout);
    assert!(
        answer.contains("not_allowed"),
        "{answer} {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(server.stop().success());
    let o = soudan_cmd()
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .args(["audit", "--action", "refused"])
        .output()
        .unwrap();
    let audit = String::from_utf8_lossy(&o.stdout);
    assert!(
        audit.contains("\"user\":\"nobody\""),
        "{audit} {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A dashboard in a pseudo-terminal, reading its screen as it comes.
struct Dash {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    parser: vt100::Parser,
    rx: mpsc::Receiver<Vec<u8>>,
}

impl Dash {
    fn spawn(dir: &Path, lang: &str) -> Dash {
        Dash::spawn_with(dir, lang, &[], &[])
    }

    /// `soudan ARGS` in an 80x24 pseudo-terminal, with `envs` besides.
    fn spawn_with(dir: &Path, lang: &str, args: &[&str], envs: &[(&str, &Path)]) -> Dash {
        use portable_pty::{CommandBuilder, PtySize, native_pty_system};
        use std::io::Read;
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_soudan"));
        cmd.env("SOUDAN_DATA_DIR", dir);
        cmd.env("SOUDAN_NOW", NOW);
        cmd.env("SOUDAN_LANG", lang);
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("SOUDAN_SERVER");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.args(args);
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Dash {
            child,
            _master: pair.master,
            writer,
            parser: vt100::Parser::new(24, 80, 0),
            rx,
        }
    }

    /// Waits until the screen shows `what` (at most 10 s); how long it took.
    fn wait_for(&mut self, what: &str) -> Duration {
        let started = Instant::now();
        let deadline = started + Duration::from_secs(10);
        while !self.parser.screen().contents().contains(what) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "{what:?} never showed:\n{}",
                self.parser.screen().contents()
            );
            if let Ok(chunk) = self.rx.recv_timeout(left.min(Duration::from_millis(50))) {
                self.parser.process(&chunk);
            }
        }
        started.elapsed()
    }

    fn keys(&mut self, k: &[u8]) {
        self.writer.write_all(k).unwrap();
        self.writer.flush().unwrap();
    }

    /// Reads what arrived without waiting; the screen as it is now.
    fn screen(&mut self) -> String {
        while let Ok(chunk) = self.rx.try_recv() {
            self.parser.process(&chunk);
        }
        self.parser.screen().contents()
    }

    /// Keys, then waits for `what` (typing into a wizard goes step by step).
    fn step(&mut self, k: &[u8], what: &str) {
        self.keys(k);
        self.wait_for(what);
    }
}

/// Two dashboards and the shell on one data dir through its server: a
/// booking and a cancellation made from the shell show on both screens
/// without a key; the server stopping is said on screen, its return too.
#[test]
fn two_dashboards_show_a_change_from_the_shell_without_a_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let server = Server::start(&dir);
    let mut a = Dash::spawn(&dir, "en");
    let mut b = Dash::spawn(&dir, "ja");
    a.wait_for("Terms 2025-02-07");
    b.wait_for("規約 2025-02-07");
    // Both to 3 December.
    a.keys(b"]]");
    b.keys(b"]]");
    a.wait_for("Thu 3 Dec 2026");
    b.wait_for("12/3(木)");
    let shell = |args: &[&str]| {
        soudan_cmd()
            .env("SOUDAN_DATA_DIR", &dir)
            .env("SOUDAN_NOW", NOW)
            .env("SOUDAN_LANG", "en")
            .env_remove("SOUDAN_SERVER")
            .args(args)
            .output()
            .unwrap()
    };
    let before = Instant::now();
    let o = shell(&[
        "book",
        "--date",
        "2026-12-03",
        "--time",
        "10:00",
        "--booth",
        "1",
        "--seeker",
        "46010-5",
        "--name",
        "鹿児島 花子",
        "--email",
        "h@example.jp",
        "--consent",
        "--checklist",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let id = String::from_utf8_lossy(&o.stdout).trim().to_string();
    let took = before.elapsed();
    a.wait_for("booked 鹿児島");
    b.wait_for("予約 鹿児島");
    eprintln!(
        "`soudan book` through the server took {took:?}; both dashboards showed it {:?} after it began",
        before.elapsed()
    );
    let o = shell(&["cancel", &id, "--reason", "本人から電話"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    a.wait_for("cancel 鹿児島");
    b.wait_for("取消 鹿児島");
    // The server goes away: both say so and stay.
    assert!(server.stop().success());
    a.wait_for("server was lost");
    b.wait_for("接続が切れました");
    assert!(a.child.try_wait().unwrap().is_none() && b.child.try_wait().unwrap().is_none());
    // It comes back: both reconnect by themselves.
    let _server = Server::start(&dir);
    a.wait_for("Connected to the office's server again");
    b.wait_for("再接続しました");
    a.keys(b"q");
    b.keys(b"q");
    common::wait_pty(&mut a.child, "dashboard a");
    common::wait_pty(&mut b.child, "dashboard b");
}

/// A server started for a screen leaves by itself when idle, and a command
/// that works on the folder itself asks an idle one to make way.
#[test]
fn a_server_started_for_a_screen_leaves_when_idle_or_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let serve = |idle: &str| {
        soudan_cmd()
            .env("SOUDAN_DATA_DIR", &dir)
            .env("SOUDAN_NOW", NOW)
            .env("SOUDAN_LANG", "en")
            .args(["serve", "--idle-exit", idle])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let socket = dir.join("soudan.sock");
    let wait_up = || {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !soudan::server::client::answers(&socket) {
            assert!(Instant::now() < deadline, "never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    let mut child = serve("1s");
    wait_up();
    let status = common::wait_child(&mut child, "an idle server");
    assert!(status.success());
    assert!(!socket.exists());
    // Ten minutes of idle time: a command that works on the folder itself
    // (sample data goes only into a blank database) asks it to leave, and
    // runs.
    let mut child = serve("10");
    wait_up();
    let o = soudan_cmd()
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .env("SOUDAN_LANG", "en")
        .args(["demo", "--days", "3"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(common::wait_child(&mut child, "the server asked to leave").success());
    // With a client connected it stays, and the command says why.
    let mut child = serve("10");
    wait_up();
    let (tx, _rx) = mpsc::channel();
    let c = Client::connect(&socket, "counter-1", Lang::En, tx).unwrap();
    let o = soudan_cmd()
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .env("SOUDAN_LANG", "en")
        .args(["demo", "--days", "3"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("1 other terminal"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!day(&c, "2026-12-02").rows.is_empty(), "the sample data");
    drop(c);
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    assert!(common::wait_child(&mut child, "the server after SIGTERM").success());
    // Its socket removed (the folder deleted under it): it can never be
    // reached again, and leaves by itself instead of lingering.
    let mut child = serve("10");
    wait_up();
    std::fs::remove_file(&socket).unwrap();
    assert!(common::wait_child(&mut child, "a server whose socket is gone").success());
}

/// `cargo run --release` in two terminals: the first dashboard starts a
/// server for the folder in the background, the second joins it.
#[test]
fn two_dashboards_on_one_folder_share_the_server_the_first_started() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let mut a = Dash::spawn(&dir, "en");
    a.wait_for("Terms 2025-02-07");
    assert!(dir.join("soudan.sock").exists(), "no server was started");
    let mut b = Dash::spawn(&dir, "en");
    b.wait_for("Terms 2025-02-07");
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
    assert_eq!(log.matches("(staff) from").count(), 2, "{log}");
    assert_eq!(log.matches("serving").count(), 1, "{log}");
    a.keys(b"q");
    b.keys(b"q");
    assert!(common::wait_pty(&mut a.child, "dashboard a").success());
    assert!(common::wait_pty(&mut b.child, "dashboard b").success());
    // The server stays for its idle time; a command that works on the
    // folder itself asks it to leave.
    let o = soudan_cmd()
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .args(["demo", "--days", "3"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!dir.join("soudan.sock").exists());
}

/// The server killed (SIGKILL) again and again while four clients book
/// without a pause: the clients find the new server by themselves and send
/// again what was unanswered, and the server makes each change once. So
/// every booking stored is one its client was told of, and every booking a
/// client was told of is stored: nothing lost, nothing twice, no booking
/// made and then reported "taken" to its own client.
#[test]
fn every_acknowledged_booking_survives_killing_the_server() {
    every_acknowledged_booking_survives_killing_the_server_suite();
}

#[test]
fn every_acknowledged_booking_survives_killing_the_server_on_postgresql() {
    pg_cluster::on_postgresql(every_acknowledged_booking_survives_killing_the_server_suite);
}

fn every_acknowledged_booking_survives_killing_the_server_suite() {
    use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let kills: usize = std::env::var("SOUDAN_SERVER_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let times = [
        "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:00", "13:30", "14:00", "14:30",
        "15:00", "15:30", "16:00",
    ];
    let office = soudan::config::Config::builtin().office;
    let first = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    let days: Vec<String> = (0..90)
        .map(|d| first + chrono::Days::new(d))
        .filter(|d| office.calendar.is_open(*d))
        .take(55)
        .map(|d| d.to_string())
        .collect();
    // (booking id, job seeker number) of every booking a client was told of.
    let acked = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let taken = Arc::new(AtomicUsize::new(0));
    let gave_up = Arc::new(Mutex::new(Vec::<String>::new()));
    let counter = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut server = Server::start(&dir);
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let socket = server.socket.clone();
            let (acked, taken, gave_up, stop, counter, days) = (
                acked.clone(),
                taken.clone(),
                gave_up.clone(),
                stop.clone(),
                counter.clone(),
                days.clone(),
            );
            std::thread::spawn(move || {
                // The first connection may meet a server being killed.
                let deadline = Instant::now() + Duration::from_secs(60);
                let c = loop {
                    let (tx, _rx) = mpsc::channel();
                    match Client::connect(&socket, &format!("k{i}"), Lang::En, tx) {
                        Ok(c) => break c,
                        Err(e) => {
                            assert!(Instant::now() < deadline, "never connected: {e:?}");
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                };
                let mut r = fastrand::Rng::with_seed(i as u64);
                while !stop.load(Ordering::SeqCst) {
                    let n = counter.fetch_add(1, Ordering::SeqCst);
                    let number = format!("46010-{}", 20_000 + n);
                    let date = &days[r.usize(..days.len())];
                    let time = times[r.usize(..times.len())];
                    let booth = 1 + r.u8(0..2);
                    match c.call(Lang::En, request(&number, date, time, booth)) {
                        Ok(Response::Booked { booking, .. }) => {
                            assert_eq!(booking.seeker.as_str(), number);
                            acked.lock().unwrap().push((booking.id.to_string(), number));
                        }
                        Ok(other) => panic!("{other:?}"),
                        Err(e) if e.exit_code() == 3 => {
                            taken.fetch_add(1, Ordering::SeqCst);
                        }
                        // Not sent (the server was down at that moment):
                        // never carried out. Anything else is kept.
                        Err(e) => {
                            let m = e.message(Lang::En);
                            if !m.contains("Broken pipe")
                                && !m.contains("Connection refused")
                                && !m.contains("No such file")
                            {
                                gave_up.lock().unwrap().push(format!("{number}: {m}"));
                            }
                            std::thread::sleep(Duration::from_millis(5));
                        }
                    }
                }
            })
        })
        .collect();
    let mut rng = fastrand::Rng::with_seed(41);
    for _ in 0..kills {
        std::thread::sleep(Duration::from_millis(rng.u64(10..120)));
        let _ = server.child.kill();
        let _ = server.child.wait();
        server = Server::start(&dir);
    }
    // The clients book on the last server for a moment, then stop.
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::SeqCst);
    for h in handles {
        h.join().unwrap();
    }
    let (c, _rx) = client(&server, "checker");
    let acked = acked.lock().unwrap().clone();
    let gave_up = gave_up.lock().unwrap().clone();
    assert!(gave_up.is_empty(), "requests left unanswered: {gave_up:?}");
    assert!(
        acked.len() > kills,
        "too few bookings to mean much: {}",
        acked.len()
    );
    let mut stored = std::collections::BTreeMap::new();
    for d in &days {
        // Every booking of this folder is one of the clients' (their
        // numbers run from 46010-20000 up, past 46010-30000 in a long run).
        for r in day(&c, d).rows {
            let seeker = r.booking.seeker.as_str().to_string();
            let before = stored.insert(r.booking.id.to_string(), seeker);
            assert!(before.is_none());
        }
    }
    let told: std::collections::BTreeMap<String, String> = acked.iter().cloned().collect();
    assert_eq!(told.len(), acked.len(), "one booking acknowledged twice");
    for (id, seeker) in &told {
        if stored.get(id) != Some(seeker) {
            let theirs: Vec<_> = stored.iter().filter(|(_, s)| *s == seeker).collect();
            panic!(
                "booking {id} of {seeker} was acknowledged and is gone: stored as {:?}; {seeker}'s stored bookings {theirs:?}; {} acknowledged, {} stored",
                stored.get(id),
                told.len(),
                stored.len()
            );
        }
    }
    for (id, seeker) in &stored {
        assert!(
            told.contains_key(id),
            "booking {id} of {seeker} is stored, and its client was never told"
        );
    }
    let mut seekers: Vec<&String> = stored.values().collect();
    seekers.sort();
    seekers.dedup();
    assert_eq!(seekers.len(), stored.len(), "a request booked twice");
    drop(c);
    assert!(server.stop().success());
    let o = soudan_cmd()
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .env("SOUDAN_LANG", "en")
        .args(["check", "--json"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    eprintln!(
        "{kills} SIGKILLs of the server: {} bookings acknowledged, all stored and no other; {} taken; check clean",
        acked.len(),
        taken.load(Ordering::SeqCst)
    );
}

/// Each role against each kind of request, spoken on the socket by another
/// OS account (`nobody`, when the tests run as root): what the role does
/// not allow is refused with exit 5 and an audit event.
#[test]
fn each_role_against_each_request_over_the_protocol() {
    if unsafe { libc::geteuid() } != 0 {
        let why = "running a client as another account needs root";
        common::not_run(why, "sudo -E cargo test");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let requests = [
        ("load_day", r#"{"load_day":{"date":"2026-12-10"}}"#),
        ("search", r#"{"search":{"query":"46010"}}"#),
        ("stats", r#"{"stats":{"first":"2026-12-01"}}"#),
        ("sweep", r#""sweep""#),
        ("kiosk_free", r#""kiosk_free""#),
        (
            "kiosk_check",
            r#"{"kiosk_check":{"number":"46010-1","date":"2026-12-10","name":"x"}}"#,
        ),
        (
            "hold",
            r#"{"hold":{"slot":{"date":"2026-12-08","time":"10:30:00","booth":1}}}"#,
        ),
        ("release", r#""release""#),
        (
            "stats_range",
            r#"{"stats_range":{"from":"2026-12-01","to":"2026-12-31"}}"#,
        ),
        ("seeker", r#"{"seeker":{"number":"46010-9"}}"#),
        ("check", r#""check""#),
        ("export", r#"{"export":{"offset":0}}"#),
        (
            "note",
            r#"{"note":{"on":{"seeker":"46010-9"},"text":"calls back"}}"#,
        ),
        ("get_note", r#"{"get_note":{"on":{"seeker":"46010-9"}}}"#),
        (
            "block",
            r#"{"block":{"date":"2026-12-10","from":"13:00:00","booth":2,"reason":"off"}}"#,
        ),
        (
            "blocks",
            r#"{"blocks":{"from":"2026-12-01","to":"2026-12-31"}}"#,
        ),
        ("unblock", r#"{"unblock":{"id":1}}"#),
        ("remind", r#"{"remind":{"dry_run":true}}"#),
        (
            "booth_calendar",
            r#"{"booth_calendar":{"booth":1,"from":"2026-12-01","to":"2026-12-31","full":false}}"#,
        ),
        ("leave", r#""leave""#),
    ];
    let mut cases = 0;
    for (role, allowed) in [
        (
            "kiosk",
            &["kiosk_free", "kiosk_check", "hold", "release"][..],
        ),
        (
            "viewer",
            &["load_day", "stats", "kiosk_free", "stats_range"][..],
        ),
        (
            "staff",
            &[
                "load_day",
                "search",
                "stats",
                "sweep",
                "kiosk_free",
                "kiosk_check",
                "hold",
                "release",
                "stats_range",
                "seeker",
                "check",
                "export",
                "note",
                "get_note",
                "block",
                "blocks",
                "unblock",
                "remind",
                "booth_calendar",
            ][..],
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let dir = tmp.path().join("d");
        let run = tmp.path().join("run");
        std::fs::create_dir(&run).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).unwrap();
        let config = tmp.path().join("office.toml");
        std::fs::write(
            &config,
            format!(
                "{}\n[access]\n{role} = [\"nobody\"]\n{}",
                soudan::config::BUILTIN,
                if role == "staff" {
                    ""
                } else {
                    "staff = [\"root\"]\n"
                }
            ),
        )
        .unwrap();
        // One booking to be shown, masked or not.
        let o = soudan_cmd()
            .env("SOUDAN_DATA_DIR", &dir)
            .env("SOUDAN_NOW", NOW)
            .env_remove("SOUDAN_SERVER")
            .arg("--config")
            .arg(&config)
            .args([
                "book",
                "--date",
                "2026-12-10",
                "--time",
                "10:00",
                "--booth",
                "1",
                "--seeker",
                "46010-9",
                "--name",
                "鹿児島 花子",
                "--kana",
                "カゴシマ ハナコ",
                "--email",
                "hanako@example.jp",
                "--phone",
                "099-000-1234",
                "--consent",
                "--checklist",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let socket = run.join("soudan.sock");
        let log = tmp.path().join("serve.log");
        let mut server = soudan_cmd()
            .env("SOUDAN_DATA_DIR", &dir)
            .env("SOUDAN_NOW", NOW)
            .env("SOUDAN_LANG", "en")
            .arg("--config")
            .arg(&config)
            .args(["serve", "--socket"])
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !soudan::server::client::answers(&socket) {
            assert!(
                Instant::now() < deadline,
                "{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let list: Vec<String> = requests.iter().map(|(_, r)| r.to_string()).collect();
        let script = format!(
            r#"
import socket,struct,json,sys
s=socket.socket(socket.AF_UNIX); s.connect({sock:?})
def send(o):
    b=json.dumps(o).encode(); s.sendall(struct.pack('>I',len(b))+b)
def recv():
    n=struct.unpack('>I',s.recv(4,socket.MSG_WAITALL))[0]
    d=b''
    while len(d)<n: d+=s.recv(n-len(d))
    return json.loads(d)
send({{'protocol':1,'soudan':'t','terminal':'role-test','lang':'en'}})
w=recv()
print('ROLE', w['welcome']['role'])
for i,r in enumerate({list}):
    send({{'id':i+1,'request':json.loads(r)}})
    while True:
        m=recv()
        if 'reply' in m: break
    res=m['reply']['result']
    print('R', i, 'ok' if 'Ok' in res else res['Err']['code'])
    if i == 0 and 'Ok' in res: print('DAY', json.dumps(res['Ok'], ensure_ascii=False))
"#,
            sock = socket.display().to_string(),
            list = serde_json::to_string(&list).unwrap()
        );
        let o = Command::new("runuser")
            .args(["-u", "nobody", "--", "python3", "-c", &script])
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            out.contains(&format!("ROLE {role}")),
            "{out}\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
        for (i, (name, _)) in requests.iter().enumerate() {
            let line = out
                .lines()
                .find(|l| l.starts_with(&format!("R {i} ")))
                .unwrap_or_else(|| panic!("{role} {name}: no answer\n{out}"));
            // Leave: staff may ask, but the office's server (not one started
            // for a screen) never leaves: exit 4 then.
            let want = if allowed.contains(name) {
                "ok"
            } else if *name == "leave" && role == "staff" {
                "4"
            } else {
                "5"
            };
            assert!(line.ends_with(want), "{role} {name}: {line}");
            cases += 1;
        }
        // The day as each role is given it: full to staff; to a viewer
        // masked, with nothing that names or reaches the person.
        let day = out.lines().find(|l| l.starts_with("DAY ")).unwrap_or("");
        match role {
            "staff" => {
                for full in [
                    "鹿児島 花子",
                    "hanako@example.jp",
                    "099-000-1234",
                    "46010-9",
                    "meeting.example.jp",
                ] {
                    assert!(day.contains(full), "staff day lacks {full}: {day}");
                }
            }
            "viewer" => {
                assert!(
                    day.contains("鹿児島 ＊＊") && day.contains("00000-1"),
                    "{day}"
                );
                for secret in [
                    "花子",
                    "カゴシマ",
                    "hanako",
                    "099-000",
                    "46010-9",
                    "meeting.example.jp",
                    "role-test",
                    "\"user\"",
                ] {
                    assert!(!day.contains(secret), "a viewer was shown {secret}: {day}");
                }
            }
            _ => assert!(day.is_empty(), "{role} was given a day: {day}"),
        }
        unsafe {
            libc::kill(server.id() as i32, libc::SIGTERM);
        }
        assert!(common::wait_child(&mut server, "the server").success());
        // Every refusal is in the audit trail, with the account.
        let o = soudan_cmd()
            .env("SOUDAN_DATA_DIR", &dir)
            .env("SOUDAN_NOW", NOW)
            .arg("--config")
            .arg(&config)
            .args(["audit", "--action", "refused"])
            .output()
            .unwrap();
        let audit = String::from_utf8_lossy(&o.stdout);
        let refused = requests.len() - allowed.len() - usize::from(role == "staff");
        assert_eq!(audit.lines().count(), refused, "{role}: {audit}");
        assert!(
            audit.lines().all(|l| l.contains("\"user\":\"nobody\"")),
            "{audit}"
        );
    }
    assert_eq!(cases, 60);
}

fn slot(date: &str, time: &str, booth: u8) -> soudan::domain::office::SlotRequest {
    SlotRequest {
        date: chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap(),
        time: chrono::NaiveTime::parse_from_str(time, "%H:%M").unwrap(),
        booth,
    }
}

/// Drains what a client heard, waiting for a change to be announced.
fn heard_change(rx: &mpsc::Receiver<Notice>) -> bool {
    let got = matches!(
        rx.recv_timeout(Duration::from_secs(10)),
        Ok(Notice::Changed(_))
    );
    while rx.try_recv().is_ok() {}
    got
}

/// A wizard's hold: the slot is shown as held (with the holder) to staff,
/// as taken to the kiosk's free/full, and refused to every other booker;
/// it ends with the holder's booking and with its connection.
#[test]
fn a_held_slot_is_refused_to_others_until_booked_or_the_holder_leaves() {
    a_held_slot_is_refused_to_others_until_booked_or_the_holder_leaves_suite();
}

#[test]
fn a_held_slot_is_refused_to_others_until_booked_or_the_holder_leaves_on_postgresql() {
    pg_cluster::on_postgresql(
        a_held_slot_is_refused_to_others_until_booked_or_the_holder_leaves_suite,
    );
}

fn a_held_slot_is_refused_to_others_until_booked_or_the_holder_leaves_suite() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let server = Server::start(&dir);
    let (a, _a_rx) = client(&server, "counter-1");
    let (b, b_rx) = client(&server, "counter-2");
    let me = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
    let me = me.trim();
    let r = a.call(
        Lang::En,
        Request::Hold {
            slot: slot("2026-12-04", "10:00", 1),
        },
    );
    assert!(matches!(r, Ok(Response::Held { .. })), "{r:?}");
    assert!(heard_change(&b_rx), "the hold was not announced");
    // b sees who holds it, and where.
    let d = day(&b, "2026-12-04");
    assert_eq!(d.holds.len(), 1, "{:?}", d.holds);
    assert_eq!(d.holds[0].account, me);
    assert_eq!(d.holds[0].terminal, "counter-1");
    // b may neither hold nor book it; the message says why, exit 3.
    for req in [
        Request::Hold {
            slot: slot("2026-12-04", "10:00", 1),
        },
        request("46010-2", "2026-12-04", "10:00", 1),
    ] {
        match b.call(Lang::En, req) {
            Err(e) => {
                let m = e.message(Lang::En);
                assert_eq!(e.exit_code(), 3, "{m}");
                assert!(
                    m.contains("being booked at another terminal") && m.contains(me),
                    "{m}"
                );
            }
            Ok(r) => panic!("{r:?}"),
        }
    }
    // The kiosk's free/full: 10:00 goes to booth 2 while booth 1 is held.
    let free = match b.call(Lang::En, Request::KioskFree).unwrap() {
        Response::Free(days) => days,
        other => panic!("{other:?}"),
    };
    let ten = free
        .iter()
        .find(|d| d.date.to_string() == "2026-12-04")
        .and_then(|d| {
            d.slots
                .iter()
                .find(|s| s.time.format("%H:%M").to_string() == "10:00")
        })
        .copied()
        .unwrap();
    assert_eq!(ten.booth, Some(2), "{ten:?}");
    // Other slots stay bookable for b; a booked slot cannot be held.
    assert!(matches!(
        b.call(Lang::En, request("46010-3", "2026-12-04", "10:30", 1)),
        Ok(Response::Booked { .. })
    ));
    let r = a.call(
        Lang::En,
        Request::Hold {
            slot: slot("2026-12-04", "10:30", 1),
        },
    );
    assert!(matches!(&r, Err(e) if e.exit_code() == 3), "{r:?}");
    // a books the slot it holds: the hold ends with it.
    let r = a.call(
        Lang::En,
        Request::Hold {
            slot: slot("2026-12-04", "10:00", 1),
        },
    );
    assert!(matches!(r, Ok(Response::Held { .. })), "{r:?}");
    assert!(matches!(
        a.call(Lang::En, request("46010-1", "2026-12-04", "10:00", 1)),
        Ok(Response::Booked { .. })
    ));
    while b_rx.try_recv().is_ok() {}
    assert!(day(&b, "2026-12-04").holds.is_empty());
    // A hold ends when its holder is gone, and the others hear of it.
    let r = a.call(
        Lang::En,
        Request::Hold {
            slot: slot("2026-12-04", "11:00", 1),
        },
    );
    assert!(matches!(r, Ok(Response::Held { .. })), "{r:?}");
    assert!(heard_change(&b_rx));
    assert_eq!(day(&b, "2026-12-04").holds.len(), 1);
    drop(a);
    // Announced: another change's notice (the booking's mail) may come
    // first, so listen until the hold is gone, at most 10 s.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !day(&b, "2026-12-04").holds.is_empty() {
        assert!(
            Instant::now() < deadline && heard_change(&b_rx),
            "the end of the hold was not announced"
        );
    }
    assert!(matches!(
        b.call(Lang::En, request("46010-4", "2026-12-04", "11:00", 1)),
        Ok(Response::Booked { .. })
    ));
    // Release: the holder leaves the wizard.
    let r = b.call(
        Lang::En,
        Request::Hold {
            slot: slot("2026-12-04", "13:00", 1),
        },
    );
    assert!(matches!(r, Ok(Response::Held { .. })), "{r:?}");
    assert!(matches!(
        b.call(Lang::En, Request::Release),
        Ok(Response::Released)
    ));
    assert!(day(&b, "2026-12-04").holds.is_empty());
    drop(b);
    assert!(server.stop().success());
}

/// Four dashboards (two in English, two in Japanese), the kiosk and the
/// shell on one data dir at once, through its server: a booking made at
/// each shows on every dashboard without a key, and how long that took is
/// printed; while a dashboard's wizard is on a slot, the others show it
/// held (by whom) and cannot open a wizard there.
#[test]
fn four_dashboards_the_kiosk_and_the_shell_see_each_others_bookings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let server = Server::start(&dir);
    let langs = ["en", "ja", "en", "ja"];
    let mut dash: Vec<Dash> = langs.iter().map(|l| Dash::spawn(&dir, l)).collect();
    for (d, l) in dash.iter_mut().zip(langs) {
        d.wait_for(if l == "en" {
            "Terms 2025-02-07"
        } else {
            "規約 2025-02-07"
        });
        d.step(
            b"]]",
            if l == "en" {
                "Thu 3 Dec 2026"
            } else {
                "12/3(木)"
            },
        );
    }
    let me = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
    let me = me.trim().to_string();
    // What a dashboard shows for a booking of `surname`.
    let shown = |lang: &str, surname: &str| {
        if lang == "en" {
            format!("booked {surname}")
        } else {
            format!("予約 {surname}")
        }
    };
    let mut report = Vec::new();
    // Every dashboard but `except` shows `surname`'s booking: the slowest.
    let seen_by_all = |dash: &mut Vec<Dash>, except: Option<usize>, surname: &str| {
        let started = Instant::now();
        for (i, d) in dash.iter_mut().enumerate() {
            if Some(i) != except {
                d.wait_for(&shown(langs[i], surname));
            }
        }
        started.elapsed()
    };
    let surnames = ["田中", "佐藤", "鈴木", "高橋"];
    for i in 0..4 {
        let lang = langs[i];
        // Dashboard i takes the slot i+1 rows down (09:30, 10:00, ...).
        let d = &mut dash[i];
        d.keys(&b"j".repeat(i + 1));
        d.step(b"n", "1/6");
        // Every other dashboard shows the slot held, by this account.
        let held = Instant::now();
        for (j, o) in dash.iter_mut().enumerate() {
            if j != i {
                let word = if langs[j] == "en" {
                    "held by"
                } else {
                    "入力中"
                };
                o.wait_for(&format!("~ {word} {me}"));
            }
        }
        let held = held.elapsed();
        // The next dashboard tries the same slot: told at once, no wizard.
        let n = (i + 1) % 4;
        {
            let o = &mut dash[n];
            o.keys(&b"j".repeat(i + 1));
            o.keys(b"n");
            o.wait_for(if langs[n] == "en" {
                "is being booked at another terminal"
            } else {
                "は別の端末で予約の入力中です"
            });
            assert!(
                !o.screen().contains("1/6"),
                "a wizard opened on a held slot"
            );
            o.keys(&b"k".repeat(i + 1));
        }
        let d = &mut dash[i];
        d.step(b"\r", "2/6");
        d.keys(format!("46010-{}", 500 + i).as_bytes());
        d.keys(b"\t");
        d.keys(format!("{} 一郎", surnames[i]).as_bytes());
        d.keys(b"\t\t");
        d.keys(format!("p{i}@example.jp").as_bytes());
        d.step(b"\r", "3/6");
        d.step(b"yyy\r", "4/6");
        d.step(b"Ga\r", "5/6");
        d.step(b"yyyyyyyyy\r", "6/6");
        let started = Instant::now();
        d.keys(b"\r");
        d.wait_for(if lang == "en" {
            "Booked."
        } else {
            "予約しました"
        });
        let took = started.elapsed();
        let seen = seen_by_all(&mut dash, Some(i), surnames[i]);
        report.push(format!(
            "dashboard {i} ({lang}): held shown on the others within {held:?}; booked in {took:?}; on every other dashboard {seen:?} later"
        ));
        let d = &mut dash[i];
        d.step(b"\r", &shown(lang, surnames[i]));
        d.keys(&b"k".repeat(i + 1));
    }
    // The kiosk, through the same server: its first slot (09:00 of the
    // first bookable day, the 3rd), its own booking.
    let mut kiosk = Dash::spawn_with(&dir, "en", &["kiosk"], &[("SOUDAN_SERVER", &server.socket)]);
    kiosk.wait_for("Book an online job consultation");
    kiosk.step(b"\r", "Choose a day and time");
    kiosk.step(b"\r", "2/6 Your details");
    kiosk.keys(b"46010-600\t");
    kiosk.keys(b"Ito Hanako\t\t");
    kiosk.keys(b"ito@example.jp");
    kiosk.step(b"\r", "3/");
    kiosk.step(b"yyy\r", "4/");
    kiosk.step(b"Ga\r", "5/");
    kiosk.step(b"yyyyyyyyy\r", "6/");
    let started = Instant::now();
    kiosk.keys(b"\r");
    let seen = seen_by_all(&mut dash, None, "Ito");
    report.push(format!(
        "the kiosk: on every dashboard {:?} after its last key",
        started.elapsed()
    ));
    let _ = seen;
    // The shell.
    let started = Instant::now();
    let o = soudan_cmd()
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .env("SOUDAN_LANG", "en")
        .env_remove("SOUDAN_SERVER")
        .args([
            "book",
            "--date",
            "2026-12-03",
            "--time",
            "11:30",
            "--booth",
            "2",
            "--seeker",
            "46010-601",
            "--name",
            "渡辺 花子",
            "--email",
            "w@example.jp",
            "--consent",
            "--checklist",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let took = started.elapsed();
    let seen = seen_by_all(&mut dash, None, "渡辺");
    report.push(format!(
        "the shell: `soudan book` {took:?}; on every dashboard {seen:?} after it returned"
    ));
    // Six bookings, every one through the server, `check` clean.
    let c = client(&server, "checker").0;
    let rows = day(&c, "2026-12-03").rows;
    assert_eq!(rows.len(), 6, "{rows:?}");
    assert!(day(&c, "2026-12-03").holds.is_empty());
    drop(c);
    for line in &report {
        eprintln!("{line}");
    }
    for mut d in dash {
        d.keys(b"q");
        common::wait_pty(&mut d.child, "a dashboard");
    }
    let _ = kiosk.child.kill();
    assert!(server.stop().success());
}

/// Every command a script or a manager runs says exactly the same through
/// the office's server as on the folder itself: the same bytes on stdout
/// and the same exit status (an export is byte-identical, the audit trail
/// comes page by page); and the changes made through it are there after.
#[test]
fn every_command_says_the_same_through_the_server() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let run = |args: &[&str]| {
        soudan_cmd()
            .env("SOUDAN_DATA_DIR", &dir)
            .env("SOUDAN_NOW", NOW)
            .env("SOUDAN_LANG", "en")
            .env_remove("SOUDAN_SERVER")
            .env_remove("SOUDAN_CONFIG")
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&["demo", "--days", "160", "--seed", "7"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A job seeker with bookings, and a day with some.
    let o = run(&["day", "--date", "2026-12-03", "--json"]);
    let day: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let seeker = day[0]["seeker"].as_str().unwrap().to_string();
    let audit_lines = String::from_utf8(run(&["audit"]).stdout)
        .unwrap()
        .lines()
        .count();
    assert!(
        audit_lines > soudan::desk::ops::AUDIT_PAGE,
        "{audit_lines} audit events: too few to need a second page"
    );
    let reads: Vec<Vec<&str>> = vec![
        vec!["day", "--date", "2026-12-03"],
        vec!["day", "--date", "2026-12-03", "--json"],
        vec!["seeker", &seeker],
        vec!["seeker", &seeker, "--json"],
        vec!["seeker", "46010-99999999"],
        vec!["stats", "--from", "2026-09-01", "--to", "2026-12-31"],
        vec![
            "stats",
            "--from",
            "2026-09-01",
            "--to",
            "2026-12-31",
            "--format",
            "csv",
        ],
        vec![
            "stats",
            "--from",
            "2026-09-01",
            "--to",
            "2026-12-31",
            "--format",
            "json",
        ],
        vec!["stats", "--from", "2026-12-31", "--to", "2026-09-01"],
        vec!["audit"],
        vec![
            "audit",
            "--action",
            "book",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
        ],
        vec!["audit", "--action", "nonsense"],
        vec!["check"],
        vec!["check", "--json"],
        vec!["export"],
    ];
    let folder: Vec<_> = reads.iter().map(|a| run(a)).collect();
    let refusals_before = String::from_utf8(run(&["audit", "--action", "refuse"]).stdout)
        .unwrap()
        .lines()
        .count();
    let server = Server::start(&dir);
    for (args, before) in reads.iter().zip(&folder) {
        let through = run(args);
        assert_eq!(
            through.status.code(),
            before.status.code(),
            "{args:?}: {}",
            String::from_utf8_lossy(&through.stderr)
        );
        assert!(
            through.stdout == before.stdout,
            "{args:?} printed something else through the server ({} bytes, {} on the folder)",
            through.stdout.len(),
            before.stdout.len()
        );
        assert_eq!(
            String::from_utf8_lossy(&through.stderr),
            String::from_utf8_lossy(&before.stderr),
            "{args:?}"
        );
    }
    let export = &folder.last().unwrap().stdout;
    assert!(
        export.len() > 2 * soudan::desk::request::EXPORT_PART,
        "one part only: {}",
        export.len()
    );
    // Changes through the server.
    let ok = |args: &[&str]| {
        let o = run(args);
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o
    };
    let o = ok(&["contact", &seeker, "--phone", "099-111-2222"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("099-111-2222"));
    let o = ok(&["refuse", &seeker, "--reason", "暴言（第12条1項）"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is refused service"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = run(&["refuse", &seeker, "--reason", "again"]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    ok(&["unrefuse", &seeker, "--reason", "面談で確認"]);
    ok(&["terms-notice", "--json"]);
    let o = run(&["reconsent", day[0]["id"].as_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(3),
        "without --consent: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(server.stop().success());
    let o = ok(&["seeker", &seeker, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["phone"], "099-111-2222", "{v}");
    let o = ok(&["audit", "--action", "refuse"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).lines().count(),
        refusals_before + 1
    );
    ok(&["check"]);
}

/// The server's order, from a syscall trace of the server itself: the
/// booking's bytes reach the log and the log is fsynced before the reply
/// carrying its id is written to the booking client's socket, and before
/// the notice to another screen.
#[test]
fn the_server_replies_and_announces_only_after_the_fsync() {
    if !strace::available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("d");
    let socket = dir.join("soudan.sock");
    let mut cmd = soudan_cmd();
    cmd.env_remove("SOUDAN_CONFIG")
        .env_remove("SOUDAN_SERVER")
        .env("SOUDAN_DATA_DIR", &dir)
        .env("SOUDAN_NOW", NOW)
        .env("SOUDAN_LANG", "en")
        .arg("serve");
    let traced = strace::Traced::start(
        &cmd,
        "write,pwrite64,pwritev,writev,sendto,sendmsg,fsync,fdatasync",
        &tmp.path().join("trace"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !soudan::server::client::answers(&socket) {
        assert!(
            Instant::now() < deadline,
            "the traced server never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (tx, watcher) = mpsc::channel();
    let _screen = Client::connect(&socket, "counter-2", Lang::En, tx).unwrap();
    let (tx, _rx) = mpsc::channel();
    let c = Client::connect(&socket, "counter-1", Lang::En, tx).unwrap();
    let id = match c.call(Lang::En, request("46010-7", "2026-12-10", "13:00", 1)) {
        Ok(Response::Booked { booking, .. }) => booking.id.to_string(),
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        watcher.recv_timeout(Duration::from_secs(10)),
        Ok(Notice::Changed(_))
    ));
    drop(c);
    let lines = traced.stop();
    strace::durable_before_reply(&lines, &id)
        .unwrap_or_else(|e| panic!("{e}\n{}", lines.join("\n")));

    // The checker fails on a trace in the wrong order: the reply, or the
    // notice, written right after the booking's bytes, before any fsync;
    // the log's fsyncs left out.
    let log_sync = |l: &String| strace::on_file(l).ends_with("/db/db") && strace::is_sync(l);
    let own = |t: &[String]| {
        t.iter()
            .position(|l| strace::on_file(l).ends_with("/db/db") && l.contains(&id))
            .unwrap()
    };
    for early in [
        strace::reply_at(&lines, &id).unwrap(),
        strace::notice_after(&lines, 0).unwrap(),
    ] {
        let mut wrong = lines.clone();
        let moved = wrong.remove(early);
        let at = own(&wrong) + 1;
        wrong.insert(at, moved);
        assert!(strace::durable_before_reply(&wrong, &id).is_err());
    }
    let wrong: Vec<String> = lines.iter().filter(|l| !log_sync(l)).cloned().collect();
    assert!(strace::durable_before_reply(&wrong, &id).is_err());
}
