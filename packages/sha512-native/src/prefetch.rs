//! Read-ahead of files about to be hashed, for a cold page cache. A hashing thread reads one
//! file at a time, so on a cold disk it waits on one read (and one inode) at a time and the
//! device sits idle: throughput then follows the number of reads in flight, not the number of
//! cores. When a batch finds its files uncached (see [`first_read`]), it hands the paths of the
//! next files to a small pool of threads shared by the whole process (every worker thread
//! loads the same addon), which open them, ask the kernel to read them in the background
//! (`posix_fadvise(WILLNEED)`) and close them. The hasher then finds them in the page cache.
//!
//! On a warm cache nothing of this runs: the probe is the file's first read itself
//! (`preadv2(RWF_NOWAIT)`, which fails with EAGAIN instead of waiting for the disk), so it
//! costs no extra system call.

use std::collections::VecDeque;
use std::ffi::CString;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

use napi_derive::napi;

use crate::guard::guard;
use crate::outcome::{to_path, JsPath};
use std::sync::{Condvar, Mutex, OnceLock};

/// Files queued ahead of the hasher once a batch is found cold.
pub const DEPTH: usize = 32;
/// Most bytes of one file asked for ahead: the hasher's own reads (and the kernel's
/// sequential read-ahead) take over from there.
const FILE_AHEAD: i64 = 8 << 20;
/// Paths waiting beyond which new ones are dropped (the hasher is far behind anyway).
const QUEUE_MAX: usize = 4096;
/// Threads that open and advise; each open of a cold file waits on its inode, so this is the
/// number of such waits in flight. `MPOOL_SHA512_READAHEAD=N` sets it; 0 (the default for now)
/// turns read-ahead and the RWF_NOWAIT probe off. Off by default because one warm-cache A/B run
/// on a loaded machine showed the probe misfiring (EAGAIN on cached pages that carry the
/// kernel's read-ahead mark) and the threads re-opening warm files: 1.6 s became 2.6 s. It
/// becomes the default once a quiet machine shows the warm case unchanged (issue 13).
const THREADS: usize = 0;
/// What `MPOOL_SHA512_READAHEAD=1`-style opt-in users get when they ask without a number.
const THREADS_WHEN_ON: usize = 8;

struct Queue {
  paths: Mutex<VecDeque<PathBuf>>,
  ready: Condvar,
}

fn threads() -> usize {
  static N: OnceLock<usize> = OnceLock::new();
  *N.get_or_init(|| {
    match std::env::var("MPOOL_SHA512_READAHEAD").ok().as_deref() {
      None | Some("") => THREADS,
      Some("on") | Some("yes") | Some("true") => THREADS_WHEN_ON,
      Some(v) => v.parse().unwrap_or(THREADS),
    }
  })
}

fn queue() -> Option<&'static Queue> {
  static Q: OnceLock<Option<Queue>> = OnceLock::new();
  Q.get_or_init(|| {
    let n = threads();
    if n == 0 {
      return None;
    }
    Some(Queue {
      paths: Mutex::new(VecDeque::new()),
      ready: Condvar::new(),
    })
  })
  .as_ref()
  .inspect(|q| start_threads(q))
}

fn start_threads(q: &'static Queue) {
  static STARTED: OnceLock<()> = OnceLock::new();
  STARTED.get_or_init(|| {
    for i in 0..threads() {
      // A thread that cannot be created only means less read-ahead.
      let _ = std::thread::Builder::new()
        .name(format!("sha512-readahead-{i}"))
        .stack_size(64 << 10)
        .spawn(move || loop {
          let path = {
            let mut paths = q.paths.lock().unwrap_or_else(|e| e.into_inner());
            loop {
              match paths.pop_front() {
                Some(p) => break p,
                None => paths = q.ready.wait(paths).unwrap_or_else(|e| e.into_inner()),
              }
            }
          };
          advise(&path);
        });
    }
  });
}

/// When a first read last found a file uncached, in ms since [`epoch`] (0: never).
static COLD_AT: AtomicU64 = AtomicU64::new(0);
/// A read that took this long after an EAGAIN waited on the device (a page-cache hit takes
/// a few µs; a virtual disk read, 100 µs or more).
const WAITED_US: u128 = 150;
/// How long one uncached file keeps the process in read-ahead mode.
const COLD_MS: u64 = 1000;

fn epoch() -> Instant {
  static E: OnceLock<Instant> = OnceLock::new();
  *E.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
  epoch().elapsed().as_millis() as u64 + 1
}

/// True when a file was found uncached in the last second (by any thread of the process).
pub fn is_cold() -> bool {
  let at = COLD_AT.load(Ordering::Relaxed);
  at != 0 && now_ms().saturating_sub(at) < COLD_MS
}

/// Whether the page cache looked cold lately (a file read in the last second had to wait for
/// the device); callers then hand what they will read next to [`read_ahead`].
#[napi]
pub fn cache_cold() -> bool {
  is_cold()
}

/// Queues files (and directories: their entries are read, for the walk) for read-ahead on
/// the process's read-ahead threads, if the cache looks cold; returns whether it did. Best
/// effort: nothing is reported, nothing waits.
#[napi]
pub fn read_ahead(paths: Vec<JsPath>) -> napi::Result<bool> {
  guard(|| {
    if !is_cold() {
      return Ok(false);
    }
    let paths: Vec<PathBuf> = paths.into_iter().map(to_path).collect();
    ahead(&paths);
    Ok(true)
  })
}

/// Queues `paths` for read-ahead (best effort: nothing is reported, nothing waits).
pub fn ahead(paths: &[PathBuf]) {
  let Some(q) = queue() else { return };
  let mut waiting = q.paths.lock().unwrap_or_else(|e| e.into_inner());
  for p in paths {
    if waiting.len() >= QUEUE_MAX {
      break;
    }
    waiting.push_back(p.clone());
  }
  drop(waiting);
  q.ready.notify_all();
}

/// Opens `path` and, if it is a regular file, has the kernel start reading it.
fn advise(path: &Path) {
  let Ok(c) = CString::new(path.as_os_str().as_bytes()) else { return };
  // Same flags as the hasher's open: never blocks on a FIFO, never takes a tty.
  // SAFETY: `c` is a valid NUL-terminated string.
  let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC) };
  if fd < 0 {
    return;
  }
  let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
  // SAFETY: `fd` is open; `st` is only read after fstat succeeded.
  unsafe {
    if libc::fstat(fd, st.as_mut_ptr()) == 0 {
      let st = st.assume_init();
      let kind = st.st_mode & libc::S_IFMT;
      if kind == libc::S_IFREG && st.st_size > 0 {
        libc::posix_fadvise(fd, 0, st.st_size.min(FILE_AHEAD), libc::POSIX_FADV_WILLNEED);
      } else if kind == libc::S_IFDIR {
        // Reading the entries brings the directory's blocks in, so the walk's listing of it
        // does not wait on the device.
        let mut buf = [0u8; 16 << 10];
        while libc::syscall(libc::SYS_getdents64, fd, buf.as_mut_ptr(), buf.len()) > 0 {}
      }
    }
    libc::close(fd);
  }
}

/// The first read of a file: like `file.read(buf)`, and also tells whether the data was not
/// in the page cache (the read had to wait for the device).
pub fn first_read(file: &mut File, buf: &mut [u8]) -> io::Result<(usize, bool)> {
  static NOWAIT_WORKS: AtomicBool = AtomicBool::new(true);
  if NOWAIT_WORKS.load(Ordering::Relaxed) && threads() > 0 && !buf.is_empty() {
    let iov = libc::iovec {
      iov_base: buf.as_mut_ptr().cast(),
      iov_len: buf.len(),
    };
    // offset -1: from (and advancing) the file position, like read(2).
    // SAFETY: `iov` describes `buf`, which outlives the call.
    let n = unsafe { libc::preadv2(file.as_raw_fd(), &iov, 1, -1, libc::RWF_NOWAIT) };
    if n >= 0 {
      return Ok((n as usize, false));
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
      Some(libc::EAGAIN) => {
        // EAGAIN also comes for cached data whose page carries the read-ahead mark (the
        // kernel would start the next read-ahead): only a read that then really waited on
        // the device counts as cold.
        let started = Instant::now();
        let n = file.read(buf)?;
        let cold = started.elapsed().as_micros() >= WAITED_US;
        if cold {
          COLD_AT.store(now_ms(), Ordering::Relaxed);
        }
        return Ok((n, cold));
      }
      // A kernel or file system without RWF_NOWAIT: plain reads from now on.
      Some(libc::EOPNOTSUPP) | Some(libc::EINVAL) | Some(libc::ENOSYS) => NOWAIT_WORKS.store(false, Ordering::Relaxed),
      Some(libc::EINTR) => {}
      _ => return Err(e),
    }
  }
  file.read(buf).map(|n| (n, false))
}
