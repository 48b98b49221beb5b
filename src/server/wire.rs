//! Every message between `soudan serve` and its clients, and how they
//! travel: a frame is a 4-byte big-endian length and that many bytes of
//! JSON. A frame over [`MAX_FRAME`] is refused before its body is read,
//! so a client cannot make the server allocate what it likes; anything
//! that does not decode is an error for that connection only.
//!
//! A connection starts with [`Hello`] from the client and [`Welcome`] (or
//! [`Refused`]) from the server; the versions are checked there.

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// The protocol's version: a server answers only its own.
pub const PROTOCOL: u32 = 1;

/// The largest frame either side sends or reads: a day of 60 booths is a
/// few hundred KiB.
pub const MAX_FRAME: usize = 4 << 20;

/// What the client says first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hello {
    pub protocol: u32,
    /// The client's soudan version, for the server's log.
    pub soudan: String,
    /// The terminal it runs on (`host:tty`): what the audit trail records
    /// beside the account, which the server takes from the socket.
    pub terminal: String,
    /// The language its person reads (`ja`, `en`): the server's messages
    /// come in it.
    pub lang: String,
    /// The client's own random name, the same across its reconnections:
    /// with a request's id it is the key that makes a change sent again
    /// (its reply lost with the server) happen once. Empty: no such key.
    #[serde(default)]
    pub session: String,
}

/// Whether `s` may be a [`Hello::session`]: 1 to 64 letters, digits and
/// `-`.
pub fn valid_session(s: &str) -> bool {
    (1..=64).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A fresh session name: 128 random bits from the kernel, in hex.
pub fn new_session() -> String {
    let mut bytes = [0u8; 16];
    // SAFETY: getrandom(2) writes at most `bytes.len()` bytes into it.
    let n = unsafe { libc::getrandom(bytes.as_mut_ptr().cast(), bytes.len(), 0) };
    if n != bytes.len() as isize {
        // No kernel randomness: the clock and the process keep it unique.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        return format!("{t:x}-{:x}-{:x}", std::process::id(), fastrand::u64(..));
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A request of a client, with the id its reply carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub id: u64,
    pub request: crate::desk::request::Request,
}

/// A failure as it travels: the exit status of the contract and one line
/// in the client's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

/// What the server sends after the handshake.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerMsg {
    /// The answer to the request with this id.
    Reply {
        id: u64,
        result: Result<crate::desk::request::Response, Failure>,
    },
    /// Something changed, durably: screens reload what they show. `seq`
    /// counts the changes since the server started; `events` is how many
    /// events the office's audit trail held when it was said, so the
    /// change it tells of is named: its event is below that number (a
    /// hold, which is not audited, leaves it as it was).
    Changed {
        seq: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        events: Option<u64>,
    },
}

/// The server's answer to a [`Hello`] it accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Welcome {
    pub protocol: u32,
    pub soudan: String,
    /// The office code of the database it owns.
    pub office: String,
    /// The server's clock (RFC 3339, office time): every front end shows
    /// and checks against this one.
    pub clock: String,
    /// The account the server sees, and its role.
    pub account: String,
    pub role: crate::desk::access::Role,
    /// Started for a screen (it leaves when idle, or when a command that
    /// works on the folder itself asks and nobody else is connected).
    #[serde(default)]
    pub for_screen: bool,
    /// The digest of the office's configuration as the server has it
    /// ([`crate::config::Config::fingerprint`]): a terminal with another is
    /// refused by its own side, never silently mixed.
    #[serde(default)]
    pub config: String,
    /// The server runs a training clock: every terminal follows it.
    #[serde(default)]
    pub training: bool,
}

/// The server's answer to a [`Hello`] it does not accept; the connection
/// is closed after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refused {
    /// `protocol` (another version), `not_allowed` (no role for the account).
    pub reason: String,
    pub protocol: u32,
}

/// How the server first answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Welcome(Welcome),
    Refused(Refused),
}

/// What went wrong with a frame.
#[derive(Debug)]
pub enum WireError {
    /// The other side closed the connection between frames.
    Closed,
    /// A length over [`MAX_FRAME`]: nothing of the body was read.
    TooLarge(usize),
    /// Bytes that are not the message expected.
    Malformed(String),
    /// The frame did not come whole within its deadline.
    TimedOut,
    Io(io::Error),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Closed => write!(f, "the connection was closed"),
            WireError::TooLarge(n) => write!(f, "a frame of {n} bytes, over its limit"),
            WireError::Malformed(e) => write!(f, "a frame that does not decode: {e}"),
            WireError::TimedOut => write!(f, "a frame that did not come whole in time"),
            WireError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Writes `msg` as one frame.
pub fn write_frame<T: Serialize>(w: &mut impl Write, msg: &T) -> Result<(), WireError> {
    let frame = frame_bytes(msg)?;
    w.write_all(&frame).map_err(WireError::Io)?;
    w.flush().map_err(WireError::Io)
}

/// The largest first frame (a [`Hello`]): a stranger's first words are
/// small, and a longer announcement is refused before anything is read.
pub const MAX_HELLO: usize = 4 << 10;

/// The largest request of a kiosk or a viewer: a booking is a few KiB.
pub const MAX_SMALL_REQUEST: usize = 64 << 10;

/// Reads one frame of at most `max` bytes as a `T` from a socket, within
/// `deadline` once its first byte has come (`None`: the first byte may be
/// waited for without end, as between a screen's requests; `Some` with
/// `whole`: the deadline covers the wait for the first byte too). The body
/// is read as it arrives, so announcing a large frame costs nothing until
/// its bytes come; the deadline is one for the whole frame and never
/// restarts with a byte.
pub fn read_frame_within<T: DeserializeOwned>(
    r: &mut std::os::unix::net::UnixStream,
    max: usize,
    deadline: std::time::Duration,
    whole: bool,
) -> Result<T, WireError> {
    let mut end = whole.then(|| std::time::Instant::now() + deadline);
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        set_wait(r, end)?;
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Err(WireError::Closed),
            Ok(0) => return Err(WireError::Malformed("cut inside a length".into())),
            Ok(n) => {
                got += n;
                end.get_or_insert_with(|| std::time::Instant::now() + deadline);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(timed_out(e)),
        }
    }
    let n = u32::from_be_bytes(len) as usize;
    if n > max {
        return Err(WireError::TooLarge(n));
    }
    let mut body = Vec::new();
    let mut chunk = [0u8; 8192];
    while body.len() < n {
        set_wait(r, end)?;
        let want = (n - body.len()).min(chunk.len());
        match r.read(&mut chunk[..want]) {
            Ok(0) => {
                return Err(WireError::Malformed(format!(
                    "cut inside a frame of {n} bytes"
                )));
            }
            Ok(k) => body.extend_from_slice(&chunk[..k]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(timed_out(e)),
        }
    }
    serde_json::from_slice(&body).map_err(|e| WireError::Malformed(e.to_string()))
}

/// Sets the socket's read timeout to what is left until `end` (none: no
/// timeout); a deadline already passed is a time-out.
fn set_wait(
    r: &std::os::unix::net::UnixStream,
    end: Option<std::time::Instant>,
) -> Result<(), WireError> {
    let wait = match end {
        None => None,
        Some(end) => {
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(WireError::TimedOut);
            }
            Some(left)
        }
    };
    r.set_read_timeout(wait).map_err(WireError::Io)
}

fn timed_out(e: io::Error) -> WireError {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => WireError::TimedOut,
        _ => WireError::Io(e),
    }
}

/// One frame's bytes: the length and the JSON of `msg`.
pub fn frame_bytes<T: Serialize>(msg: &T) -> Result<Vec<u8>, WireError> {
    let body = serde_json::to_vec(msg).map_err(|e| WireError::Malformed(e.to_string()))?;
    if body.len() > MAX_FRAME {
        return Err(WireError::TooLarge(body.len()));
    }
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

/// Reads one frame and decodes it as a `T`.
pub fn read_frame<T: DeserializeOwned>(r: &mut impl Read) -> Result<T, WireError> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Err(WireError::Closed),
            Ok(0) => return Err(WireError::Malformed("cut inside a length".into())),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(WireError::Io(e)),
        }
    }
    let n = u32::from_be_bytes(len) as usize;
    if n > MAX_FRAME {
        return Err(WireError::TooLarge(n));
    }
    let mut body = vec![0u8; n];
    r.read_exact(&mut body).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            WireError::Malformed(format!("cut inside a frame of {n} bytes"))
        }
        _ => WireError::Io(e),
    })?;
    serde_json::from_slice(&body).map_err(|e| WireError::Malformed(e.to_string()))
}

/// The [`Hello`] of this soudan.
pub fn hello(terminal: &str, lang: crate::i18n::Lang) -> Hello {
    Hello {
        session: String::new(),
        protocol: PROTOCOL,
        soudan: env!("CARGO_PKG_VERSION").into(),
        terminal: crate::i18n::safe(terminal).chars().take(200).collect(),
        lang: match lang {
            crate::i18n::Lang::Ja => "ja".into(),
            crate::i18n::Lang::En => "en".into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hello_goes_through_a_real_socket_and_back() {
        let (mut a, mut b) = std::os::unix::net::UnixStream::pair().unwrap();
        write_frame(&mut a, &hello("counter-pc:pts/3", crate::i18n::Lang::Ja)).unwrap();
        let got: Hello = read_frame(&mut b).unwrap();
        assert_eq!(got, hello("counter-pc:pts/3", crate::i18n::Lang::Ja));
        drop(a);
        assert!(matches!(
            read_frame::<Hello>(&mut b),
            Err(WireError::Closed)
        ));
    }

    #[test]
    fn an_oversized_length_is_refused_before_its_body() {
        let mut bytes = ((MAX_FRAME + 1) as u32).to_be_bytes().to_vec();
        // No body follows: reading it would block or fail differently.
        let mut r = std::io::Cursor::new(std::mem::take(&mut bytes));
        assert!(
            matches!(read_frame::<Hello>(&mut r), Err(WireError::TooLarge(n)) if n == MAX_FRAME + 1)
        );
        let mut r = std::io::Cursor::new(u32::MAX.to_be_bytes().to_vec());
        assert!(matches!(
            read_frame::<Hello>(&mut r),
            Err(WireError::TooLarge(_))
        ));
    }

    #[test]
    fn cut_frames_and_other_messages_are_malformed() {
        let mut full = Vec::new();
        write_frame(&mut full, &hello("t", crate::i18n::Lang::En)).unwrap();
        for cut in 1..full.len() {
            let mut r = std::io::Cursor::new(full[..cut].to_vec());
            assert!(
                matches!(read_frame::<Hello>(&mut r), Err(WireError::Malformed(_))),
                "{cut}"
            );
        }
        // A frame of another shape, and an unknown field.
        let mut other = Vec::new();
        write_frame(&mut other, &serde_json::json!({"protocol": "1"})).unwrap();
        assert!(matches!(
            read_frame::<Hello>(&mut std::io::Cursor::new(other)),
            Err(WireError::Malformed(_))
        ));
        let mut extra = Vec::new();
        write_frame(
            &mut extra,
            &serde_json::json!({"protocol": 1, "soudan": "x", "terminal": "t", "lang": "en", "admin": true}),
        )
        .unwrap();
        assert!(matches!(
            read_frame::<Hello>(&mut std::io::Cursor::new(extra)),
            Err(WireError::Malformed(_))
        ));
    }

    #[test]
    fn random_bytes_never_panic() {
        let mut rng = fastrand::Rng::with_seed(12);
        for _ in 0..2000 {
            let n = rng.usize(0..64);
            let mut bytes: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
            if rng.bool() && bytes.len() >= 4 {
                // A plausible length, then noise.
                let len = (bytes.len() - 4) as u32;
                bytes[..4].copy_from_slice(&len.to_be_bytes());
            }
            let _ = read_frame::<Hello>(&mut std::io::Cursor::new(bytes.clone()));
            let _ = read_frame::<Answer>(&mut std::io::Cursor::new(bytes));
        }
    }

    #[test]
    fn sessions_are_fresh_and_valid() {
        let a = new_session();
        let b = new_session();
        assert!(valid_session(&a) && valid_session(&b) && a != b, "{a} {b}");
        for bad in ["", "a b", "x:1", &"a".repeat(65), "\u{1b}"] {
            assert!(!valid_session(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_terminal_name_is_cleaned_and_bounded() {
        let h = hello(
            &format!("evil\u{1b}[2J{}", "x".repeat(1000)),
            crate::i18n::Lang::En,
        );
        assert!(!h.terminal.contains('\u{1b}') && h.terminal.chars().count() <= 200);
    }
}
