//! Opening the files of a batch with as little kernel work per file as possible: the name is
//! looked up relative to its directory's descriptor when several files of the batch share that
//! directory (the kernel then walks one component, not the whole path: path lookup was the
//! biggest kernel cost per small file), and the type and size come from one `fstat` (leaner
//! than std's `statx` on an empty path).

use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::file::{open_failure, type_failure, Failure};

// O_NONBLOCK: opening a FIFO that has no writer would otherwise block forever. O_NOCTTY: a
// terminal must never become our controlling tty. Neither changes how a regular file is read.
const FLAGS: i32 = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;

/// Opens files one after another, keeping the descriptor of the last directory that more than
/// one of them lives in.
#[derive(Default)]
pub struct Opener {
  /// The directory's path as given (bytes) and an `O_PATH` descriptor on it.
  dir: Option<(Vec<u8>, OwnedFd)>,
}

impl Opener {
  /// Opens the regular file `path` (anything else is refused unread) and returns it with its
  /// size. `next` is the path the caller opens after this one: a directory descriptor is only
  /// worth its own open and close when the next file is in the same directory.
  pub fn open(&mut self, path: &Path, next: Option<&Path>) -> Result<(File, u64), Failure> {
    let fd = match split(path) {
      Some((dir, name)) => {
        let known = self.dir.as_ref().is_some_and(|(d, _)| d.as_slice() == dir);
        if !known && next.and_then(split).is_some_and(|(d, _)| d == dir) {
          self.dir = open_dir(dir).map(|fd| (dir.to_vec(), fd));
        }
        match &self.dir {
          Some((d, dirfd)) if d.as_slice() == dir => openat(dirfd.as_raw_fd(), name),
          _ => openat(libc::AT_FDCWD, path.as_os_str().as_bytes()),
        }
      }
      None => openat(libc::AT_FDCWD, path.as_os_str().as_bytes()),
    }
    .map_err(|e| open_failure(path, e))?;
    // SAFETY: `fd` was just opened and is owned by nobody else.
    let file = unsafe { File::from_raw_fd(fd) };
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat fills `st` when it returns 0.
    if unsafe { libc::fstat(file.as_raw_fd(), st.as_mut_ptr()) } != 0 {
      return Err(crate::file::os(std::io::Error::last_os_error(), "fstat"));
    }
    // SAFETY: initialised by the successful fstat above.
    let st = unsafe { st.assume_init() };
    match st.st_mode & libc::S_IFMT {
      libc::S_IFREG => Ok((file, st.st_size as u64)),
      mode => Err(type_failure(mode)),
    }
  }
}

/// `dir/name` split at its last `/`, only when the path is exactly that (no trailing `/`, no
/// `//`, no `.` or `..` as the name): then `openat(dir, name)` means the same as `open(path)`.
fn split(path: &Path) -> Option<(&[u8], &[u8])> {
  let bytes = path.as_os_str().as_bytes();
  let slash = bytes.iter().rposition(|&b| b == b'/')?;
  let (dir, name) = (&bytes[..slash], &bytes[slash + 1..]);
  if dir.is_empty() || dir.ends_with(b"/") || name.is_empty() || name == b"." || name == b".." {
    return None;
  }
  Some((dir, name))
}

fn open_dir(dir: &[u8]) -> Option<OwnedFd> {
  let c = CString::new(dir).ok()?;
  // SAFETY: `c` is a valid NUL-terminated string.
  let fd = unsafe { libc::open(c.as_ptr(), libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) };
  // SAFETY: a descriptor we just opened. (On failure, files are opened by full path and
  // report their own error.)
  (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

fn openat(dirfd: RawFd, name: &[u8]) -> std::io::Result<RawFd> {
  // A NUL inside the name: no system call can take it (std reports this without an errno).
  let c = CString::new(name).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in path"))?;
  loop {
    // SAFETY: `c` is a valid NUL-terminated string.
    let fd = unsafe { libc::openat(dirfd, c.as_ptr(), FLAGS) };
    if fd >= 0 {
      return Ok(fd);
    }
    let e = std::io::Error::last_os_error();
    if e.raw_os_error() != Some(libc::EINTR) {
      return Err(e);
    }
  }
}

/// File systems whose `st_size` of a regular file is its length: there an `fstat` size of 0
/// means an empty file and its read can be skipped (one system call of the three an empty file
/// costs: 200,000 empty files, 0.78 -> 0.71 s). Not procfs, sysfs, debugfs, FUSE or network
/// file systems, whose size-0 files may have content: those are always read.
const EXACT_SIZE_FS: [i64; 8] = [
  0xEF53,      // ext2, ext3, ext4
  0x5846_5342, // xfs
  0x9123_683E, // btrfs
  0x0102_1994, // tmpfs
  0xF2F5_2010, // f2fs
  0x2FC1_2FC1, // zfs
  0x794C_7630, // overlayfs (sizes of the layers' inodes)
  0xCA45_1A4E, // bcachefs
];

/// Whether a size-0 regular file in the directory (or file) open at `fd` is empty: its file
/// system is one of [`EXACT_SIZE_FS`]. One `fstatfs`; false if that fails.
pub fn zero_size_is_empty(fd: RawFd) -> bool {
  let mut st = std::mem::MaybeUninit::<libc::statfs>::uninit();
  // SAFETY: fstatfs fills `st` when it returns 0; it is read only then.
  if unsafe { libc::fstatfs(fd, st.as_mut_ptr()) } != 0 {
    return false;
  }
  // SAFETY: initialised by the successful call above.
  let kind = unsafe { st.assume_init() }.f_type as i64;
  EXACT_SIZE_FS.contains(&kind)
}
