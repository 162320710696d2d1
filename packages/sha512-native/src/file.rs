//! Hash one regular file: open, check its type, read to EOF, close. Pure
//! Rust/OS code with no napi types, so it runs unchanged on libuv's pool.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, ErrorKind, Read};
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use openssl::sha;

/// Why a file could not be hashed. Turned into a JS error by the facade.
#[derive(Debug)]
pub enum Failure {
  /// A system call failed with this errno.
  Os { errno: i32, syscall: &'static str },
  /// FIFO, socket or device: refused rather than read (reads could block
  /// forever or never end).
  NotRegular(&'static str),
  /// The path contains a NUL byte, so no system call can take it.
  InvalidPath,
  /// The caller's AbortSignal fired while hashing.
  Aborted,
}

/// Cooperative cancellation, checked between chunks and between files.
#[derive(Clone, Default)]
pub struct Cancel(pub Option<Arc<AtomicBool>>);

impl Cancel {
  pub fn is_set(&self) -> bool {
    self.0.as_ref().is_some_and(|f| f.load(Ordering::Relaxed))
  }
}

// 256 KiB: large enough that syscall cost is noise next to hashing, small
// enough to stay in L2. One per thread (libuv pool threads live for the whole
// process), so small files cost no allocation.
const CHUNK: usize = 256 * 1024;
thread_local! {
  static BUF: RefCell<Vec<u8>> = RefCell::new(vec![0; CHUNK]);
}

/// SHA-512 of the regular file at `path`.
pub fn hash_file(path: &Path, cancel: &Cancel) -> Result<[u8; 64], Failure> {
  if cancel.is_set() {
    return Err(Failure::Aborted);
  }
  let (file, _) = open_regular(path)?;
  hash_open(file, cancel)
}

/// SHA-512 of a file opened by [`open_regular`].
pub fn hash_open(file: File, cancel: &Cancel) -> Result<[u8; 64], Failure> {
  BUF.with(|buf| match buf.try_borrow_mut() {
    Ok(mut buf) => hash_reader(file, &mut buf, cancel),
    // Unreachable in practice (no re-entry), but never worth a panic.
    Err(_) => hash_reader(file, &mut vec![0; CHUNK], cancel),
  })
}

/// Opens a regular file (anything else is refused unread); also returns its size.
pub(crate) fn open_regular(path: &Path) -> Result<(File, u64), Failure> {
  crate::open::Opener::default().open(path, None)
}

/// The failure for a file of type `mode` (`st_mode & S_IFMT`) other than a regular file.
pub(crate) fn type_failure(mode: libc::mode_t) -> Failure {
  match mode {
    // Same code Node's fs.readFile gives for a directory.
    libc::S_IFDIR => Failure::Os {
      errno: libc::EISDIR,
      syscall: "read",
    },
    libc::S_IFIFO => Failure::NotRegular("fifo"),
    libc::S_IFSOCK => Failure::NotRegular("socket"),
    libc::S_IFCHR => Failure::NotRegular("character device"),
    libc::S_IFBLK => Failure::NotRegular("block device"),
    _ => Failure::NotRegular("unknown file type"),
  }
}

pub(crate) fn open_failure(path: &Path, e: io::Error) -> Failure {
  match e.raw_os_error() {
    // std rejects a path with an interior NUL before calling open(2).
    None => Failure::InvalidPath,
    // open(2) on a Unix socket fails with ENXIO; say what it really is.
    Some(libc::ENXIO) => match std::fs::metadata(path) {
      Ok(m) if m.file_type().is_socket() => Failure::NotRegular("socket"),
      _ => Failure::Os {
        errno: libc::ENXIO,
        syscall: "open",
      },
    },
    Some(errno) => Failure::Os {
      errno,
      syscall: "open",
    },
  }
}

pub(crate) fn os(e: io::Error, syscall: &'static str) -> Failure {
  Failure::Os {
    errno: e.raw_os_error().unwrap_or(libc::EIO),
    syscall,
  }
}

fn hash_reader(mut file: File, buf: &mut [u8], cancel: &Cancel) -> Result<[u8; 64], Failure> {
  let mut hasher = sha::Sha512::new();
  loop {
    match file.read(buf) {
      // Read to EOF rather than to the fstat size: a file that grows or
      // shrinks while we read is hashed as read, like sha512sum does.
      Ok(0) => return Ok(hasher.finish()),
      Ok(n) => {
        crate::prefetch_window::consumed(n);
        hasher.update(&buf[..n]);
      }
      Err(e) if e.kind() == ErrorKind::Interrupted => continue,
      Err(e) => return Err(os(e, "read")),
    }
    if cancel.is_set() {
      return Err(Failure::Aborted);
    }
  }
}
