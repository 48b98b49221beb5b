//! The staff PIN that leaves the kiosk: an argon2id hash (PHC string) in the
//! configuration, never the PIN itself. Wrong PINs are slowed down by the
//! kiosk; the hash makes each guess cost time and memory as well.

use std::io::{self, BufRead, Write};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The shortest PIN accepted.
pub const MIN_LEN: usize = 4;
/// The longest PIN accepted.
pub const MAX_LEN: usize = 64;

/// Whether `s` is a PHC hash string this module can verify against.
pub fn is_hash(s: &str) -> bool {
    PasswordHash::new(s).is_ok_and(|h| h.algorithm.as_str().starts_with("argon2"))
}

/// Why a PIN is not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinError {
    TooShort,
    TooLong,
    /// Control characters or spaces.
    Characters,
    Mismatch,
    Hash(String),
}

/// Checks a new PIN: 4 to 64 printable characters, no spaces.
pub fn check(pin: &str) -> Result<(), PinError> {
    let n = pin.chars().count();
    if n < MIN_LEN {
        return Err(PinError::TooShort);
    }
    if n > MAX_LEN {
        return Err(PinError::TooLong);
    }
    if pin.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(PinError::Characters);
    }
    Ok(())
}

/// Hashes a PIN with argon2id and a fresh random salt.
pub fn hash(pin: &str) -> Result<String, PinError> {
    check(pin)?;
    let mut random = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut random))
        .map_err(|e| PinError::Hash(format!("/dev/urandom: {e}")))?;
    let salt = SaltString::encode_b64(&random).map_err(|e| PinError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// Whether `pin` matches `hash`. A hash that does not parse matches nothing.
pub fn verify(pin: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(h) => Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// How long the kiosk refuses PINs after `failures` wrong ones in a row:
/// none for the first two, then 2, 4, 8 ... seconds, at most five minutes.
pub fn delay_after(failures: u32) -> u32 {
    if failures < 3 {
        0
    } else {
        2u32.saturating_pow(failures - 2).min(300)
    }
}

/// Reads one line from the terminal without echo (or from standard input
/// when it is not a terminal, for scripts).
pub fn read_hidden(prompt: &str) -> io::Result<String> {
    let mut err = io::stderr();
    write!(err, "{prompt}")?;
    err.flush()?;
    let stdin = io::stdin();
    let fd = libc::STDIN_FILENO;
    // SAFETY: termios is plain data; tcgetattr fills it or fails.
    let mut saved: libc::termios = unsafe { std::mem::zeroed() };
    let tty = unsafe { libc::isatty(fd) == 1 && libc::tcgetattr(fd, &mut saved) == 0 };
    if tty {
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        quiet.c_lflag |= libc::ECHONL;
        // SAFETY: a termios copied from tcgetattr, with echo off.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if tty {
        // SAFETY: restores what tcgetattr returned.
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &saved) };
    }
    read?;
    if !tty {
        writeln!(err)?;
    }
    while line.ends_with('\n') || line.ends_with('\r') {
        line.pop();
    }
    Ok(line)
}

/// Writes `hash` as `kiosk.pin_hash` into the configuration text: the line
/// is replaced where it is, or added to `[kiosk]`, or a `[kiosk]` table is
/// added. Everything else (comments included) stays as it was.
pub fn set_in_config(text: &str, hash: &str) -> String {
    let line = format!("pin_hash = \"{hash}\"");
    let mut out = Vec::new();
    let mut in_kiosk = false;
    let mut done = false;
    let mut kiosk_at = None;
    for l in text.lines() {
        let t = l.trim();
        if t.starts_with('[') {
            in_kiosk = t == "[kiosk]";
            if in_kiosk {
                kiosk_at = Some(out.len());
            }
        } else if in_kiosk && !done && t.starts_with("pin_hash") {
            out.push(line.clone());
            done = true;
            continue;
        }
        out.push(l.to_string());
    }
    if !done {
        match kiosk_at {
            Some(i) => out.insert(i + 1, line),
            None => {
                out.push(String::new());
                out.push("[kiosk]".into());
                out.push(line);
            }
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_pin_only() {
        let h = hash("4711").unwrap();
        assert!(is_hash(&h));
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("4711", &h));
        assert!(!verify("4712", &h));
        assert!(!verify("", &h));
        assert!(!verify("4711", "not a hash"));
        // A fresh salt each time.
        assert_ne!(h, hash("4711").unwrap());
    }

    #[test]
    fn short_long_and_spaced_pins_are_refused() {
        assert_eq!(check("123"), Err(PinError::TooShort));
        assert_eq!(check(&"1".repeat(65)), Err(PinError::TooLong));
        assert_eq!(check("12 34"), Err(PinError::Characters));
        assert_eq!(check("12\u{1b}4"), Err(PinError::Characters));
        assert_eq!(check("1234"), Ok(()));
    }

    #[test]
    fn wrong_pins_wait_longer_and_longer() {
        assert_eq!(delay_after(1), 0);
        assert_eq!(delay_after(2), 0);
        assert_eq!(delay_after(3), 2);
        assert_eq!(delay_after(4), 4);
        assert_eq!(delay_after(10), 256);
        assert_eq!(delay_after(40), 300);
    }

    #[test]
    fn the_hash_goes_into_the_kiosk_table_and_nothing_else_changes() {
        let text = "# office\n[office]\nname = \"x\"\n\n[kiosk]\n# the pin\npin_hash = \"\"\nidle_seconds = 90\n";
        let out = set_in_config(text, "$argon2id$abc");
        assert_eq!(
            out,
            "# office\n[office]\nname = \"x\"\n\n[kiosk]\n# the pin\npin_hash = \"$argon2id$abc\"\nidle_seconds = 90\n"
        );
        let added = set_in_config("[kiosk]\nidle_seconds = 90\n", "H");
        assert_eq!(added, "[kiosk]\npin_hash = \"H\"\nidle_seconds = 90\n");
        let table = set_in_config("[office]\nname = \"x\"\n", "H");
        assert_eq!(
            table,
            "[office]\nname = \"x\"\n\n[kiosk]\npin_hash = \"H\"\n"
        );
        // A pin_hash of another table is left alone.
        let other = set_in_config("[mail]\npin_hash = 1\n", "H");
        assert!(other.starts_with("[mail]\npin_hash = 1\n"));
    }
}
