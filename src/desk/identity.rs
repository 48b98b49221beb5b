//! Who is acting: the operating system's account of the process, never
//! what the environment says (`$USER` is whatever the caller set). A server
//! takes its clients' accounts from the socket's peer credentials instead.

use crate::store::Actor;

/// The name of the account with user id `uid`, from the system's user
/// database (`/etc/passwd`, or sssd's directory through NSS); the number
/// itself when it has no name.
pub fn account_name(uid: u32) -> String {
    let mut buf = vec![0u8; 4096];
    loop {
        // SAFETY: getpwuid_r writes the entry into `pwd` and its strings into
        // `buf`, whose length it is told; `result` is set to `pwd` or null.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = unsafe {
            libc::getpwuid_r(
                uid,
                &mut pwd,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return uid.to_string();
        }
        // SAFETY: pw_name points into `buf`, NUL-terminated by getpwuid_r.
        let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
        return crate::i18n::safe(&name.to_string_lossy());
    }
}

/// The real user id of this process.
pub fn real_uid() -> u32 {
    // SAFETY: getuid cannot fail.
    unsafe { libc::getuid() }
}

/// Who is at the keyboard, and where: the real user id's account and
/// `host:tty`.
pub fn actor() -> Actor {
    let user = account_name(real_uid());
    let mut host = [0u8; 256];
    // SAFETY: gethostname writes at most len bytes into the buffer we own.
    let ok = unsafe { libc::gethostname(host.as_mut_ptr().cast(), host.len()) } == 0;
    let host = if ok {
        let end = host.iter().position(|&b| b == 0).unwrap_or(host.len());
        String::from_utf8_lossy(&host[..end]).into_owned()
    } else {
        "localhost".into()
    };
    let tty = std::fs::read_link("/proc/self/fd/0")
        .ok()
        .map(|p| p.display().to_string())
        .filter(|p| p.starts_with("/dev/pts/") || p.starts_with("/dev/tty"))
        .map(|p| p.trim_start_matches("/dev/").to_string());
    let terminal = match tty {
        Some(t) => format!("{host}:{t}"),
        None => host,
    };
    Actor { user, terminal }
}
