//! A file system that forgets what was not fsynced: the tests' power cut.
//!
//! Mounted with FUSE (`/dev/fuse`, as root), it keeps every file in memory
//! twice: what the programs see (`live`) and what a disk would still hold
//! after the power went (`durable`). A write or a truncation changes only
//! `live`; `fsync` or `fdatasync` of a file copies its `live` to `durable`.
//! [`Mounted::cut`] is the power cut: from that instant every request fails
//! and nothing more is kept, the test kills what ran on it, and
//! [`Mounted::restart`] mounts it again holding only what was durable.
//!
//! As in LazyFS (the reference for such a file system, used by Jepsen),
//! only file data is volatile: the names in folders (create, rename,
//! unlink) are kept as they are made, as a journalling file system with
//! ordered data would keep them. Every open is direct I/O and nothing is
//! cached by the kernel, so that after the cut no page of the forgotten
//! data can be read back from the page cache.

use std::collections::{BTreeMap, HashMap};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, LockOwner,
    OpenFlags, RenameFlags, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyOpen, ReplyStatfs, ReplyWrite, Request, TimeOrNow, WriteFlags,
};

const NOTHING_CACHED: Duration = Duration::ZERO;

struct Node {
    kind: FileType,
    perm: u16,
    nlink: u32,
    mtime: SystemTime,
    live: Vec<u8>,
    durable: Vec<u8>,
    children: BTreeMap<OsString, u64>,
}

impl Node {
    fn new(kind: FileType, perm: u16) -> Node {
        Node {
            kind,
            perm,
            nlink: if kind == FileType::Directory { 2 } else { 1 },
            mtime: SystemTime::now(),
            live: Vec::new(),
            durable: Vec::new(),
            children: BTreeMap::new(),
        }
    }
}

struct State {
    nodes: HashMap<u64, Node>,
    next: u64,
    /// The power is off: every request fails.
    off: bool,
    /// fsyncs of files, since the mount (for the tests' own checks).
    syncs: u64,
}

/// The file system's state, shared by each mount of it.
#[derive(Clone)]
struct PowerFs(Arc<Mutex<State>>);

impl PowerFs {
    fn new() -> PowerFs {
        let mut nodes = HashMap::new();
        nodes.insert(1, Node::new(FileType::Directory, 0o755));
        PowerFs(Arc::new(Mutex::new(State {
            nodes,
            next: 2,
            off: false,
            syncs: 0,
        })))
    }

    /// The state, or EIO while the power is off.
    fn on(&self) -> Result<MutexGuard<'_, State>, Errno> {
        let s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if s.off { Err(Errno::EIO) } else { Ok(s) }
    }
}

fn attr(ino: u64, n: &Node) -> FileAttr {
    let size = n.live.len() as u64;
    FileAttr {
        ino: INodeNo(ino),
        size,
        blocks: size.div_ceil(512),
        atime: n.mtime,
        mtime: n.mtime,
        ctime: n.mtime,
        crtime: n.mtime,
        kind: n.kind,
        perm: n.perm,
        nlink: n.nlink,
        uid: 0,
        gid: 0,
        rdev: 0,
        blksize: 4096,
        flags: 0,
    }
}

/// The permissions a new file or folder gets: its mode less the umask.
fn perm_of(mode: u32, umask: u32) -> u16 {
    (mode & !umask & 0o7777) as u16
}

fn kind_of(mode: u32) -> Option<FileType> {
    match mode & libc::S_IFMT {
        libc::S_IFREG => Some(FileType::RegularFile),
        libc::S_IFDIR => Some(FileType::Directory),
        libc::S_IFSOCK => Some(FileType::Socket),
        libc::S_IFIFO => Some(FileType::NamedPipe),
        _ => None,
    }
}

impl State {
    fn make(
        &mut self,
        parent: u64,
        name: &OsStr,
        kind: FileType,
        perm: u16,
    ) -> Result<FileAttr, Errno> {
        let dir = self.nodes.get(&parent).ok_or(Errno::ENOENT)?;
        if dir.kind != FileType::Directory {
            return Err(Errno::ENOTDIR);
        }
        if dir.children.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let ino = self.next;
        self.next += 1;
        let node = Node::new(kind, perm);
        let a = attr(ino, &node);
        self.nodes.insert(ino, node);
        let dir = self.nodes.get_mut(&parent).ok_or(Errno::ENOENT)?;
        dir.children.insert(name.to_os_string(), ino);
        if kind == FileType::Directory {
            dir.nlink += 1;
        }
        Ok(a)
    }

    fn child(&self, parent: u64, name: &OsStr) -> Result<u64, Errno> {
        self.nodes
            .get(&parent)
            .ok_or(Errno::ENOENT)?
            .children
            .get(name)
            .copied()
            .ok_or(Errno::ENOENT)
    }

    fn remove(&mut self, parent: u64, name: &OsStr, dir: bool) -> Result<(), Errno> {
        let ino = self.child(parent, name)?;
        let node = self.nodes.get(&ino).ok_or(Errno::ENOENT)?;
        match (dir, node.kind == FileType::Directory) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            (true, true) if !node.children.is_empty() => return Err(Errno::ENOTEMPTY),
            _ => {}
        }
        if let Some(p) = self.nodes.get_mut(&parent) {
            p.children.remove(name);
            if dir {
                p.nlink -= 1;
            }
        }
        // An open file lives on until the program closes it; its data is
        // simply never reached again by name.
        if let Some(n) = self.nodes.get_mut(&ino) {
            n.nlink = 0;
        }
        Ok(())
    }
}

macro_rules! on_or_fail {
    ($fs:expr, $reply:expr) => {
        match $fs.on() {
            Ok(s) => s,
            Err(e) => {
                $reply.error(e);
                return;
            }
        }
    };
}

impl Filesystem for PowerFs {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let s = on_or_fail!(self, reply);
        match s.child(parent.0, name) {
            Ok(ino) => reply.entry(&NOTHING_CACHED, &attr(ino, &s.nodes[&ino]), Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        let s = on_or_fail!(self, reply);
        match s.nodes.get(&ino.0) {
            Some(n) => reply.attr(&NOTHING_CACHED, &attr(ino.0, n)),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        _mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let mut s = on_or_fail!(self, reply);
        let Some(n) = s.nodes.get_mut(&ino.0) else {
            reply.error(Errno::ENOENT);
            return;
        };
        if let Some(mode) = mode {
            n.perm = (mode & 0o7777) as u16;
        }
        if let Some(size) = size {
            // Volatile, as a write is.
            n.live.resize(size as usize, 0);
            n.mtime = SystemTime::now();
        }
        reply.attr(&NOTHING_CACHED, &attr(ino.0, n));
    }

    fn mknod(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        _rdev: u32,
        reply: ReplyEntry,
    ) {
        let mut s = on_or_fail!(self, reply);
        let Some(kind) = kind_of(mode) else {
            reply.error(Errno::EPERM);
            return;
        };
        match s.make(parent.0, name, kind, perm_of(mode, umask)) {
            Ok(a) => reply.entry(&NOTHING_CACHED, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn mkdir(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        let mut s = on_or_fail!(self, reply);
        let perm = perm_of(mode, umask);
        match s.make(parent.0, name, FileType::Directory, perm) {
            Ok(a) => reply.entry(&NOTHING_CACHED, &a, Generation(0)),
            Err(e) => reply.error(e),
        }
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut s = on_or_fail!(self, reply);
        match s.remove(parent.0, name, false) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut s = on_or_fail!(self, reply);
        match s.remove(parent.0, name, true) {
            Ok(()) => reply.ok(),
            Err(e) => reply.error(e),
        }
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        let mut s = on_or_fail!(self, reply);
        let ino = match s.child(parent.0, name) {
            Ok(i) => i,
            Err(e) => {
                reply.error(e);
                return;
            }
        };
        if flags.contains(RenameFlags::RENAME_EXCHANGE) {
            reply.error(Errno::EINVAL);
            return;
        }
        if s.child(newparent.0, newname) == Ok(ino) {
            reply.ok();
            return;
        }
        if let Ok(old) = s.child(newparent.0, newname) {
            if flags.contains(RenameFlags::RENAME_NOREPLACE) {
                reply.error(Errno::EEXIST);
                return;
            }
            let is_dir = s.nodes[&old].kind == FileType::Directory;
            if let Err(e) = s.remove(newparent.0, newname, is_dir) {
                reply.error(e);
                return;
            }
        }
        let moved_dir = s.nodes[&ino].kind == FileType::Directory;
        if let Some(p) = s.nodes.get_mut(&parent.0) {
            p.children.remove(name);
            if moved_dir {
                p.nlink -= 1;
            }
        }
        match s.nodes.get_mut(&newparent.0) {
            Some(p) => {
                p.children.insert(newname.to_os_string(), ino);
                if moved_dir {
                    p.nlink += 1;
                }
                reply.ok();
            }
            None => reply.error(Errno::ENOENT),
        }
    }

    fn open(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        let s = on_or_fail!(self, reply);
        if s.nodes.contains_key(&ino.0) {
            reply.opened(FileHandle(0), FopenFlags::FOPEN_DIRECT_IO);
        } else {
            reply.error(Errno::ENOENT);
        }
    }

    fn read(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let s = on_or_fail!(self, reply);
        match s.nodes.get(&ino.0) {
            Some(n) => {
                let from = (offset as usize).min(n.live.len());
                let to = (from + size as usize).min(n.live.len());
                reply.data(&n.live[from..to]);
            }
            None => reply.error(Errno::ENOENT),
        }
    }

    fn write(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        let mut s = on_or_fail!(self, reply);
        let Some(n) = s.nodes.get_mut(&ino.0) else {
            reply.error(Errno::ENOENT);
            return;
        };
        let end = offset as usize + data.len();
        if n.live.len() < end {
            n.live.resize(end, 0);
        }
        n.live[offset as usize..end].copy_from_slice(data);
        n.mtime = SystemTime::now();
        reply.written(data.len() as u32);
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        // close(2) makes nothing durable.
        reply.ok();
    }

    fn fsync(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let mut s = on_or_fail!(self, reply);
        s.syncs += 1;
        match s.nodes.get_mut(&ino.0) {
            Some(n) => {
                n.durable = n.live.clone();
                reply.ok();
            }
            None => reply.error(Errno::ENOENT),
        }
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let s = on_or_fail!(self, reply);
        let Some(n) = s.nodes.get(&ino.0) else {
            reply.error(Errno::ENOENT);
            return;
        };
        let mut entries = vec![
            (ino.0, FileType::Directory, OsString::from(".")),
            (ino.0, FileType::Directory, OsString::from("..")),
        ];
        for (name, child) in &n.children {
            entries.push((*child, s.nodes[child].kind, name.clone()));
        }
        for (i, (child, kind, name)) in entries.into_iter().enumerate().skip(offset as usize) {
            if reply.add(INodeNo(child), (i + 1) as u64, kind, name) {
                break;
            }
        }
        reply.ok();
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        // Names are kept as they are made (see the module's comment).
        let _s = on_or_fail!(self, reply);
        reply.ok();
    }

    fn statfs(&self, _req: &Request, _ino: INodeNo, reply: ReplyStatfs) {
        reply.statfs(1 << 20, 1 << 19, 1 << 19, 1 << 20, 1 << 19, 4096, 255, 4096);
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        reply.ok();
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        _flags: i32,
        reply: ReplyCreate,
    ) {
        let mut s = on_or_fail!(self, reply);
        let perm = perm_of(mode, umask);
        match s.make(parent.0, name, FileType::RegularFile, perm) {
            Ok(a) => reply.created(
                &NOTHING_CACHED,
                &a,
                Generation(0),
                FileHandle(0),
                FopenFlags::FOPEN_DIRECT_IO,
            ),
            Err(e) => reply.error(e),
        }
    }
}

/// Whether this machine can mount one: root and `/dev/fuse`. `Err` says
/// what is missing.
pub fn available() -> Result<(), String> {
    if unsafe { libc::geteuid() } != 0 {
        return Err("a FUSE mount needs root".into());
    }
    if !Path::new("/dev/fuse").exists() {
        return Err("/dev/fuse is missing (Debian's fuse3, or a container without it)".into());
    }
    Ok(())
}

/// The file system, mounted at a folder.
pub struct Mounted {
    fs: PowerFs,
    at: PathBuf,
    session: Option<fuser::BackgroundSession>,
}

impl Mounted {
    /// Mounts a new, empty one at `at` (made if missing).
    pub fn new(at: &Path) -> std::io::Result<Mounted> {
        std::fs::create_dir_all(at)?;
        let mut m = Mounted {
            fs: PowerFs::new(),
            at: at.to_path_buf(),
            session: None,
        };
        m.mount()?;
        Ok(m)
    }

    fn mount(&mut self) -> std::io::Result<()> {
        let mut cfg = fuser::Config::default();
        cfg.mount_options = vec![
            fuser::MountOption::FSName("soudan-powercut".into()),
            fuser::MountOption::DefaultPermissions,
        ];
        cfg.n_threads = Some(2);
        self.session = Some(fuser::spawn_mount(self.fs.clone(), &self.at, &cfg)?);
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.at
    }

    /// The power goes: from now on every request fails, and whatever was
    /// not fsynced is gone. Kill what runs on it, then [`Mounted::restart`].
    pub fn cut(&self) {
        let mut s = self.fs.0.lock().unwrap_or_else(|p| p.into_inner());
        s.off = true;
        for n in s.nodes.values_mut() {
            n.live = n.durable.clone();
        }
    }

    /// The machine starts again: unmounted (the kernel forgets everything
    /// it had of it) and mounted again with only what was durable.
    pub fn restart(&mut self) -> std::io::Result<()> {
        self.cut();
        if let Some(session) = self.session.take() {
            session.umount_and_join()?;
        }
        {
            let mut s = self.fs.0.lock().unwrap_or_else(|p| p.into_inner());
            s.off = false;
            // Files unlinked while open are gone with the processes.
            s.nodes.retain(|ino, n| *ino == 1 || n.nlink > 0);
        }
        self.mount()
    }

    /// The number of fsyncs of files since it was first mounted.
    pub fn syncs(&self) -> u64 {
        self.fs.0.lock().unwrap_or_else(|p| p.into_inner()).syncs
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.cut();
        self.session.take();
    }
}
