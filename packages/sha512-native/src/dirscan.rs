//! One directory in one call: list it (`getdents64` on its descriptor), then open its regular
//! files relative to that descriptor (`openat`: the kernel walks one path component, not the
//! whole path) and hash them, four at a time, as a batch does. The result is packed (one
//! buffer of paths, one of digests, a few typed arrays), so a file costs the caller no JS
//! object, string or crossing into native code: that per-file JS work was what separated
//! digest-tree from the open/read/close floor on trees of small files (issue 13).
//!
//! Only regular files (by the entry's `d_type`) are hashed here; every other entry (directories,
//! symlinks, FIFOs, sockets, devices, and entries whose type the file system does not give and a
//! `fstatat` could not tell) is handed back by name and type for the caller to decide, so that
//! the rules for those (following, loops, `--exclude`, notes for special files) live in one place.
//! Names are bytes throughout: any name the kernel gives (newlines, backslashes, not UTF-8)
//! survives, and entries come back in byte order, as `readdirSync` (libuv's scandir) gives them.

use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::time::{Duration, Instant};

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::batch::{hash_source, record_open, DeferredFile, RawBatch, Source};
use crate::dircache::{merged, settle, Cached};
use crate::dirlist::{errno, list, size_at, stat_at, Entry, Listing};
use crate::file::{os, type_failure, Cancel, Failure};
use crate::guard::guard;
use crate::outcome::{FileFailure, JsPath};

const FLAGS: i32 = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC;

/// One directory listed and its regular files hashed (see the module comment).
#[napi(object)]
pub struct DirScan {
  /// errno of opening or reading the directory (0: listed). Nothing else is filled then.
  pub errno: i32,
  /// The system call that failed (`scandir`, as Node names a failed `readdirSync`), or "".
  pub syscall: String,
  /// `prefix` + name of each regular file, in byte order of the names: path i is
  /// `paths[ends[i - 1] ?? 0 .. ends[i]]`.
  pub paths: Buffer,
  pub ends: Uint32Array,
  /// Files started: `0..started` were hashed, failed or deferred; the rest were left unstarted
  /// when the time budget ran out.
  pub started: u32,
  /// 64 bytes per started file (zero for a failed or deferred one).
  pub digests: Buffer,
  pub failures: Vec<FileFailure>,
  /// Files of `deferFrom` bytes or more, not read (their size from `fstat`).
  pub deferred: Vec<DeferredFile>,
  /// Bytes of the files started and not deferred (their `fstat` size; with `sizes`, also those
  /// that failed after the listing, by `fstatat`), for progress and --stats.
  pub bytes: f64,
  /// With `sizes`: the size of each unstarted file (`fstatat`, 0 when that fails).
  pub rest_sizes: Float64Array,
  /// Every other entry: its name (bytes), packed like `paths`, and its `d_type`.
  pub others: Buffer,
  pub other_ends: Uint32Array,
  pub other_types: Buffer,
  /// With `stat`: the metadata of every regular file, in the order of `paths` (40 bytes each:
  /// dev, ino, size, mtime ns, ctime ns as u64 LE; zeros for one whose `fstatat` failed).
  pub meta: Buffer,
  /// With `stat`: how many files took their digest from `cached` (the first ones of `paths`,
  /// after any that vanished).
  pub reused: u32,
}

/// How to scan (all optional).
#[napi(object)]
pub struct ScanOptions {
  /// Regular files of this many bytes or more are only sized, not read.
  pub defer_from: Option<f64>,
  /// No file is started once this many ms have passed since the call began.
  pub budget_ms: Option<f64>,
  /// Also size the files that were not hashed (`restSizes`, and failed files in `bytes`).
  pub sizes: Option<bool>,
  /// --cache: `fstatat` every regular file first and return its metadata (`meta`); files that
  /// match an entry of `cached` (this directory's entries of the previous cache) and are not
  /// racy against `cutoffNs` are not read: their digest is the entry's (dircache.rs).
  pub stat: Option<bool>,
  pub cached: Option<Buffer>,
  /// Decimal (a u64 of ns does not fit a JS number; a string needs no BigInt support).
  pub cutoff_ns: Option<String>,
}

/// Lists `dir` and hashes its regular files on the calling thread (see the module comment).
/// `prefix` is what each file's path in the result starts with (the directory as the caller
/// prints it, with its trailing `/`).
#[napi]
pub fn scan_dir_sync(dir: JsPath, prefix: &[u8], options: Option<ScanOptions>) -> Result<DirScan> {
  guard(|| {
    let started = Instant::now();
    let options = options.unwrap_or(ScanOptions {
      defer_from: None,
      budget_ms: None,
      sizes: None,
      stat: None,
      cached: None,
      cutoff_ns: None,
    });
    let deadline = match options.budget_ms {
      Some(ms) if ms.is_finite() && ms >= 0.0 => Some(started + Duration::from_micros((ms * 1000.0) as u64)),
      _ => None,
    };
    let dir = crate::outcome::to_path(dir);
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
      return Ok(failed(libc::ENOENT));
    };
    // SAFETY: `c` is a valid NUL-terminated string.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
    if fd < 0 {
      return Ok(failed(errno()));
    }
    // SAFETY: a descriptor we just opened and own.
    let dirfd = unsafe { OwnedFd::from_raw_fd(fd) };
    let mut listing = match list(dirfd.as_raw_fd()) {
      Ok(l) => l,
      Err(e) => return Ok(failed(e)),
    };
    let sizes = options.sizes.unwrap_or(false);
    // --cache: files settled by their stats (reused, or gone) come first, in name order.
    let settled = if options.stat.unwrap_or(false) {
      // No (or no valid) cutoff: nothing is old enough to be trusted, nothing is reused.
      let cutoff = options
        .cutoff_ns
        .as_deref()
        .and_then(|c| c.parse::<u64>().ok())
        .unwrap_or(0);
      let cached = options.cached.as_deref().map(|e| Cached::new(e, cutoff));
      Some(settle(dirfd.as_raw_fd(), &mut listing, cached.as_ref()))
    } else {
      None
    };
    let first = settled.as_ref().map_or(0, |s| s.count);
    let mut src = DirFiles {
      dirfd: dirfd.as_raw_fd(),
      names: &listing.names,
      files: &listing.files[first..],
      defer_from: crate::batch::defer_bytes(options.defer_from),
      deadline,
      sizes,
      bytes: settled.as_ref().map_or(0, |s| s.bytes),
      zero_is_empty: crate::open::zero_size_is_empty(dirfd.as_raw_fd()),
    };
    let raw = hash_source(&mut src, &Cancel::default());
    let bytes = src.bytes;
    let rest_sizes: Vec<f64> = if sizes {
      listing.files[first + raw.started..]
        .iter()
        .map(|&f| size_at(src.dirfd, &listing.names, f).unwrap_or(0) as f64)
        .collect()
    } else {
      Vec::new()
    };
    Ok(packed(&listing, prefix, merged(settled, raw), bytes, rest_sizes))
  })
}

fn failed(errno: i32) -> DirScan {
  DirScan {
    errno,
    syscall: "scandir".into(),
    paths: Vec::new().into(),
    ends: Uint32Array::new(Vec::new()),
    started: 0,
    digests: Vec::new().into(),
    failures: Vec::new(),
    deferred: Vec::new(),
    bytes: 0.0,
    rest_sizes: Float64Array::new(Vec::new()),
    others: Vec::new().into(),
    other_ends: Uint32Array::new(Vec::new()),
    other_types: Vec::new().into(),
    meta: Vec::new().into(),
    reused: 0,
  }
}

/// The regular files of a listing as a batch, opened relative to the directory.
struct DirFiles<'a> {
  dirfd: RawFd,
  names: &'a [u8],
  files: &'a [Entry],
  defer_from: u64,
  deadline: Option<Instant>,
  sizes: bool,
  bytes: u64,
  zero_is_empty: bool,
}

impl DirFiles<'_> {
  fn open_regular(&self, e: Entry) -> std::result::Result<(File, u64), Failure> {
    let name = self.names[e.start as usize..].as_ptr().cast();
    let fd = loop {
      // SAFETY: `name` is NUL-terminated (see Listing).
      let fd = unsafe { libc::openat(self.dirfd, name, FLAGS) };
      if fd >= 0 {
        break fd;
      }
      let e2 = std::io::Error::last_os_error();
      match e2.raw_os_error() {
        Some(libc::EINTR) => continue,
        // open(2) on a Unix socket fails with ENXIO; say what it really is (as file.rs does).
        Some(libc::ENXIO)
          if stat_at(self.dirfd, self.names, e)
            .is_ok_and(|st| st.st_mode & libc::S_IFMT == libc::S_IFSOCK) =>
        {
          return Err(Failure::NotRegular("socket"))
        }
        _ => return Err(os(e2, "open")),
      }
    };
    // SAFETY: `fd` was just opened and is owned by nobody else.
    let file = unsafe { File::from_raw_fd(fd) };
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat fills `st` when it returns 0. The type is checked again on the open file:
    // the entry may have been replaced by a FIFO or a device since it was listed.
    if unsafe { libc::fstat(fd, st.as_mut_ptr()) } != 0 {
      return Err(os(std::io::Error::last_os_error(), "fstat"));
    }
    // SAFETY: initialised by the successful fstat above.
    let st = unsafe { st.assume_init() };
    match st.st_mode & libc::S_IFMT {
      libc::S_IFREG => Ok((file, st.st_size as u64)),
      mode => Err(type_failure(mode)),
    }
  }
}

impl Source for DirFiles<'_> {
  fn len(&self) -> usize {
    self.files.len()
  }
  fn open(&mut self, index: usize, out: &mut RawBatch) -> Option<(File, u64)> {
    let e = self.files[index];
    let opened = self.open_regular(e);
    match &opened {
      Ok((_, size)) if *size < self.defer_from => self.bytes += size,
      Err(_) if self.sizes => self.bytes += size_at(self.dirfd, self.names, e).unwrap_or(0),
      _ => {}
    }
    record_open(opened, index, self.defer_from, out)
  }
  fn more(&mut self) -> bool {
    self.deadline.is_none_or(|d| Instant::now() < d)
  }
  fn zero_size_is_empty(&self) -> bool {
    self.zero_is_empty
  }
  fn ahead(&mut self, from: usize, to: usize) {
    // A cold cache only (prefetch.rs): the paths are rebuilt from the directory's descriptor.
    let dir = std::path::PathBuf::from(format!("/proc/self/fd/{}", self.dirfd));
    let Ok(real) = std::fs::read_link(&dir) else {
      return;
    };
    let paths: Vec<std::path::PathBuf> = self.files[from..to]
      .iter()
      .map(|e| {
        real.join(std::ffi::OsStr::from_bytes(
          &self.names[e.start as usize..(e.start + e.len) as usize],
        ))
      })
      .collect();
    crate::prefetch::ahead(&paths);
  }
}

/// The JS shape of a scan: paths with `prefix`, digests of the started files, other entries.
fn packed(
  listing: &Listing,
  prefix: &[u8],
  (raw, meta, reused): (RawBatch, Vec<u8>, u32),
  bytes: u64,
  rest_sizes: Vec<f64>,
) -> DirScan {
  let names_len: usize = listing.files.iter().map(|e| e.len as usize).sum();
  let mut paths = Vec::with_capacity(names_len + prefix.len() * listing.files.len());
  let mut ends = Vec::with_capacity(listing.files.len());
  for &e in &listing.files {
    paths.extend_from_slice(prefix);
    paths.extend_from_slice(listing.name(e));
    ends.push(paths.len() as u32);
  }
  let mut others = Vec::new();
  let mut other_ends = Vec::with_capacity(listing.others.len());
  let mut other_types = Vec::with_capacity(listing.others.len());
  for &e in &listing.others {
    others.extend_from_slice(listing.name(e));
    other_ends.push(others.len() as u32);
    other_types.push(e.kind);
  }
  let mut digests = raw.digests;
  digests.truncate(raw.started * 64);
  DirScan {
    errno: 0,
    syscall: String::new(),
    paths: paths.into(),
    ends: ends.into(),
    started: raw.started as u32,
    digests: digests.into(),
    failures: raw.failures,
    deferred: raw.deferred,
    bytes: bytes as f64,
    rest_sizes: rest_sizes.into(),
    others: others.into(),
    other_ends: other_ends.into(),
    other_types: other_types.into(),
    meta: meta.into(),
    reused,
  }
}
