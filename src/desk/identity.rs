//! Who is acting: the operating system's account of the process, never
//! what the environment says (`$USER` is whatever the caller set). A server
//! takes its clients' accounts from the socket's peer credentials instead.

use crate::store::Actor;

/// The name of the account with user id `uid`, from the system's user
/// database (`/etc/passwd`, or sssd's directory through NSS); the number
/// itself when it has no name.
pub fn account_name(uid: u32) -> String {
    name_from_db(|buf| {
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
        let found = !result.is_null();
        (
            rc,
            if found {
                pwd.pw_name
            } else {
                std::ptr::null_mut()
            },
        )
    })
    .map(|n| crate::i18n::safe(&n))
    .unwrap_or_else(|| uid.to_string())
}

/// One lookup in the system's user or group database (`get*_r`), with a
/// buffer that grows while the entry does not fit: `call` fills `buf` and
/// gives its status and the name it found (a pointer into `buf`, or null).
fn name_from_db(
    mut call: impl FnMut(&mut [u8]) -> (libc::c_int, *mut libc::c_char),
) -> Option<String> {
    let mut buf = vec![0u8; 4096];
    loop {
        let (rc, name) = call(&mut buf);
        if rc == libc::ERANGE && buf.len() < 1 << 20 {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || name.is_null() {
            return None;
        }
        // SAFETY: the name points into `buf`, NUL-terminated by the lookup,
        // and `buf` lives until this returns.
        let name = unsafe { std::ffi::CStr::from_ptr(name) };
        return Some(name.to_string_lossy().into_owned());
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

/// Who is at the other end of a Unix socket, as the kernel says
/// (SO_PEERCRED): it cannot be told otherwise by the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    pub uid: u32,
    pub gid: u32,
    pub pid: i32,
}

/// The credentials of the process that connected `stream`.
pub fn peer(stream: &std::os::unix::net::UnixStream) -> std::io::Result<Peer> {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `cred`, which we own.
    let rc = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(Peer {
        uid: cred.uid,
        gid: cred.gid,
        pid: cred.pid,
    })
}

/// The names of the groups `account` belongs to (its primary group `gid`
/// and its supplementary ones, from the system's group database).
pub fn groups_of(account: &str, gid: u32) -> Vec<String> {
    let Ok(name) = std::ffi::CString::new(account) else {
        return Vec::new();
    };
    let mut n: libc::c_int = 64;
    let mut ids: Vec<libc::gid_t> = vec![0; n as usize];
    loop {
        // SAFETY: getgrouplist writes at most `n` ids into `ids` and sets
        // `n` to how many there are; -1 means the buffer was too small.
        let rc = unsafe { libc::getgrouplist(name.as_ptr(), gid, ids.as_mut_ptr(), &mut n) };
        if rc >= 0 {
            ids.truncate(n.max(0) as usize);
            break;
        }
        if n as usize <= ids.len() || n > 65536 {
            ids.truncate(0);
            break;
        }
        ids.resize(n as usize, 0);
    }
    if ids.is_empty() {
        ids.push(gid);
    }
    let mut out: Vec<String> = ids.into_iter().filter_map(group_name).collect();
    out.sort();
    out.dedup();
    out
}

/// The name of group `gid`, if it has one.
fn group_name(gid: u32) -> Option<String> {
    name_from_db(|buf| {
        // SAFETY: getgrgid_r writes the entry into `grp` and its strings
        // into `buf`, whose length it is told; `result` is set to `grp` or null.
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::group = std::ptr::null_mut();
        let rc = unsafe {
            libc::getgrgid_r(
                gid,
                &mut grp,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut result,
            )
        };
        let found = !result.is_null();
        (
            rc,
            if found {
                grp.gr_name
            } else {
                std::ptr::null_mut()
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peer_of_a_socket_is_this_process() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let p = peer(&a).unwrap();
        assert_eq!(p.uid, real_uid());
        assert_eq!(p.pid, std::process::id() as i32);
        // SAFETY: getgid cannot fail.
        assert_eq!(p.gid, unsafe { libc::getgid() });
    }

    #[test]
    fn account_and_group_names_come_from_the_system() {
        assert_eq!(account_name(0), "root");
        // An id with no entry is named by its number.
        assert_eq!(account_name(4_000_000_000), "4000000000");
        let groups = groups_of("root", 0);
        assert!(groups.iter().any(|g| g == "root"), "{groups:?}");
    }
}
