//! What the server sends one client: a bounded queue and a thread of its
//! own that writes it with a deadline. Whoever makes a change only puts a
//! notice in each queue and goes on; a client that cannot keep up (its
//! queue over its role's limit, [`LIMIT`] for staff, or one write not
//! taken within [`WRITE_DEADLINE`])
//! is dropped, like a slow consumer in NATS or a client over Redis's
//! output buffer limit: its socket is shut, so its own thread ends, its
//! holds are released, and the log says why. No client's slowness ever
//! delays another client, the server's clock or a commit.

use std::collections::VecDeque;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// The most bytes waiting for a staff client: a day of 60 booths and an
/// export's part (2 MiB) fit several times over.
pub const LIMIT: usize = 8 << 20;

/// The most bytes waiting for a viewer (a masked day of 60 booths is a few
/// hundred KiB).
pub const LIMIT_VIEWER: usize = 1 << 20;

/// The most bytes waiting for a kiosk, or a connection refused at its
/// hello (the free slots are a few KiB).
pub const LIMIT_SMALL: usize = 256 << 10;

/// How long one write may wait for the client to read.
pub const WRITE_DEADLINE: Duration = Duration::from_secs(10);

enum Frame {
    /// A frame as it goes on the wire.
    Bytes(Vec<u8>),
    /// "Something changed", the newest count and the audit trail's length:
    /// notices not yet written fold into one (a screen reloads once for all
    /// of them), which names the newest change.
    Changed(u64, Option<u64>),
}

#[derive(Default)]
struct State {
    frames: VecDeque<Frame>,
    bytes: usize,
    /// Why the client was dropped; nothing more is queued then.
    dropped: Option<String>,
}

/// One client's queue, shared by whoever sends to it and its writer.
pub struct Outbound {
    state: Mutex<State>,
    ready: Condvar,
    socket: UnixStream,
    limit: usize,
}

impl Outbound {
    /// The queue of the client on `socket`, at most `limit` bytes, and
    /// its writer thread.
    pub fn start(socket: &UnixStream, name: &str, limit: usize) -> std::io::Result<Arc<Outbound>> {
        let out = Arc::new(Outbound {
            state: Mutex::new(State::default()),
            ready: Condvar::new(),
            socket: socket.try_clone()?,
            limit,
        });
        let mut writer = socket.try_clone()?;
        writer.set_write_timeout(Some(WRITE_DEADLINE))?;
        let me = out.clone();
        std::thread::Builder::new()
            .name(format!("{name}-out"))
            .spawn(move || me.write_all(&mut writer))?;
        Ok(out)
    }

    /// Queues one frame; false (and the client dropped) when that would
    /// pass its limit.
    pub fn send(&self, frame: Vec<u8>) -> bool {
        let Ok(mut s) = self.state.lock() else {
            return false;
        };
        if s.dropped.is_some() {
            return false;
        }
        if s.bytes + frame.len() > self.limit {
            let why = format!(
                "it fell behind: {} bytes waiting, {} more (limit {})",
                s.bytes,
                frame.len(),
                self.limit
            );
            drop(s);
            self.drop_client(why);
            return false;
        }
        s.bytes += frame.len();
        s.frames.push_back(Frame::Bytes(frame));
        self.ready.notify_one();
        true
    }

    /// Queues "changed" (`seq`, `events`), folded into a notice still
    /// waiting.
    pub fn changed(&self, seq: u64, events: Option<u64>) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        if s.dropped.is_some() {
            return;
        }
        if let Some(Frame::Changed(last, known)) = s.frames.back_mut() {
            *last = seq;
            *known = (*known).max(events);
            return;
        }
        s.frames.push_back(Frame::Changed(seq, events));
        self.ready.notify_one();
    }

    /// Drops the client: nothing more is sent, and its socket is shut so
    /// that its reading thread ends too. The first reason given is kept.
    pub fn drop_client(&self, why: String) {
        if let Ok(mut s) = self.state.lock()
            && s.dropped.is_none()
        {
            s.dropped = Some(why);
            s.frames.clear();
            s.bytes = 0;
        }
        self.ready.notify_all();
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
    }

    /// Why the client was dropped, if it was.
    pub fn dropped(&self) -> Option<String> {
        self.state.lock().ok().and_then(|s| s.dropped.clone())
    }

    /// The client has left: the writer ends once it has written what was
    /// queued (a refusal's words, say).
    pub fn close(&self) {
        if let Ok(mut s) = self.state.lock() {
            s.frames.push_back(Frame::Bytes(Vec::new()));
        }
        self.ready.notify_all();
    }

    /// The writer: each frame in turn, each write within the deadline.
    fn write_all(&self, w: &mut UnixStream) {
        loop {
            let frame = {
                let Ok(mut s) = self.state.lock() else { return };
                loop {
                    if s.dropped.is_some() {
                        return;
                    }
                    if let Some(f) = s.frames.pop_front() {
                        break f;
                    }
                    s = match self.ready.wait(s) {
                        Ok(s) => s,
                        Err(_) => return,
                    };
                }
            };
            let bytes = match frame {
                // The end of the client: nothing after it.
                Frame::Bytes(b) if b.is_empty() => return,
                Frame::Bytes(b) => {
                    if let Ok(mut s) = self.state.lock() {
                        s.bytes = s.bytes.saturating_sub(b.len());
                    }
                    b
                }
                Frame::Changed(seq, events) => {
                    match super::wire::frame_bytes(&super::wire::ServerMsg::Changed { seq, events })
                    {
                        Ok(b) => b,
                        Err(_) => continue,
                    }
                }
            };
            if let Err(e) = w.write_all(&bytes).and_then(|_| w.flush()) {
                let why = match e.kind() {
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => format!(
                        "it did not read for {} s (a write's deadline)",
                        WRITE_DEADLINE.as_secs()
                    ),
                    _ => format!("a write failed: {e}"),
                };
                self.drop_client(why);
                return;
            }
        }
    }
}
