//! Telling a cold page cache from a warm one at no cost on the warm side: the first read of
//! each file in a batch is `preadv2(RWF_NOWAIT)`, which returns the data when it is cached and
//! fails with EAGAIN instead of waiting when it is not (or while its read is still in flight).
//! That is the same one system call a plain read would be, so a warm run pays nothing. A file
//! found uncached puts the whole process in "cold" mode for [`COLD_MS`]; the batch code and
//! `readAhead` callers then hand what comes next to the read-ahead threads (prefetch.rs).
//!
//! EAGAIN alone is the signal. Linux (mm/filemap.c) gives it under RWF_NOWAIT only when a page
//! of the range is missing or not yet read in (or, rarely, the file is being truncated); a
//! cached page carrying the read-ahead mark is read normally (only RWF_NOIO-style reads refuse
//! those). An earlier rule also required the fallback read to take 150 µs, to filter misfires
//! that were never seen on warm data (`readAheadStats` counts them: 0 on warm runs); on a
//! virtual disk that the host caches, a real miss can be served faster than that and was lost.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use napi_derive::napi;

/// How long one uncached file keeps the process in read-ahead mode (unless the read-ahead
/// threads find the files ahead cached first: [`WARM_STREAK`]).
pub const COLD_MS: u64 = 1000;
/// Probes in a row by the read-ahead threads that found a file ahead of the hashers cached,
/// after which the process leaves cold mode at once. Why: a warm tree with a few files evicted
/// (this KVM guest drops a directory's pages now and then: 30-174 of 100,000 files in one run
/// of five) put a whole run in cold mode for a second after its last miss, and the read-ahead
/// (batch by batch, and by subtrees) then opened every file of the tree a second time (~25%
/// more wall time on the small corpus). With one probe per 16 files, 8 cached probes mean ~128 files ahead found
/// cached; on a cold tree the probes find uncached files and the streak never builds.
pub const WARM_STREAK: u64 = 8;
/// Cached probes in a row so far; reset whenever a file is found uncached.
static CACHED_RUN: AtomicU64 = AtomicU64::new(0);

/// When a first read last found a file uncached, in ms since [`epoch`] (0: never).
static COLD_AT: AtomicU64 = AtomicU64::new(0);
/// First reads that found their file uncached, since the process started.
pub static UNCACHED: AtomicU64 = AtomicU64::new(0);
/// False once the kernel showed it has no RWF_NOWAIT at all (before Linux 4.14).
static NOWAIT_KNOWN: AtomicBool = AtomicBool::new(true);

fn epoch() -> Instant {
  static E: OnceLock<Instant> = OnceLock::new();
  *E.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
  epoch().elapsed().as_millis() as u64 + 1
}

/// True when a file was found uncached in the last [`COLD_MS`] (by any thread of the process).
pub fn is_cold() -> bool {
  let at = COLD_AT.load(Ordering::Relaxed);
  at != 0 && now_ms().saturating_sub(at) < COLD_MS
}

/// Whether the page cache looked cold lately (a file read in the last second was not cached);
/// callers then hand what they will read next to `readAhead`.
#[napi]
pub fn cache_cold() -> bool {
  is_cold()
}

fn mark_cold() {
  UNCACHED.fetch_add(1, Ordering::Relaxed);
  touch_cold();
}

/// Keeps the process in cold mode: something was found uncached (not counted in [`UNCACHED`],
/// which counts the hashers' first reads).
pub fn touch_cold() {
  CACHED_RUN.store(0, Ordering::Relaxed);
  COLD_AT.store(now_ms(), Ordering::Relaxed);
}

/// A read-ahead thread's probe found a file ahead of the hashers cached: the [`WARM_STREAK`]th
/// in a row ends cold mode now (a hasher's next miss starts it again; one that lands between the
/// two stores below is lost, which only costs read-ahead until the next miss).
pub fn found_cached() {
  if CACHED_RUN.fetch_add(1, Ordering::Relaxed) + 1 >= WARM_STREAK {
    CACHED_RUN.store(0, Ordering::Relaxed);
    COLD_AT.store(0, Ordering::Relaxed);
  }
}

/// The first read of a file: like `file.read(buf)`, and also tells whether the data was not in
/// the page cache. `probe` false (read-ahead off) makes it a plain read.
pub fn first_read(file: &mut File, buf: &mut [u8], probe: bool) -> io::Result<(usize, bool)> {
  if probe && !buf.is_empty() && NOWAIT_KNOWN.load(Ordering::Relaxed) {
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
      // Not cached: the kernel has already started reading it (page_cache_sync_ra runs before
      // the EAGAIN), so the plain read below waits for that I/O rather than issuing its own.
      Some(libc::EAGAIN) => {
        mark_cold();
        return file.read(buf).map(|n| (n, true));
      }
      // This file's file system has no RWF_NOWAIT (procfs, some FUSE or network ones): a plain
      // read for this file only; the failure costs no I/O (checked before anything is read).
      Some(libc::EOPNOTSUPP) => {}
      // The kernel does not know the flag or the call (before 4.14 / 4.6): never again.
      Some(libc::EINVAL) | Some(libc::ENOSYS) => NOWAIT_KNOWN.store(false, Ordering::Relaxed),
      Some(libc::EINTR) => {}
      _ => return Err(e),
    }
  }
  file.read(buf).map(|n| (n, false))
}

/// Whether the first page of the file open at `fd` is not in the page cache, for a reader that
/// does not hash it (prefetch.rs): a one-byte `RWF_NOWAIT` read at offset 0 (the file position
/// is left alone), which also starts reading the page in when it is not. `None` when the file
/// system or kernel has no RWF_NOWAIT (or the read failed otherwise): nothing is known then.
pub fn first_page_uncached(fd: std::os::fd::RawFd) -> Option<bool> {
  if !NOWAIT_KNOWN.load(Ordering::Relaxed) {
    return None;
  }
  let mut byte = 0u8;
  let iov = libc::iovec {
    iov_base: (&mut byte as *mut u8).cast(),
    iov_len: 1,
  };
  // SAFETY: `iov` describes `byte`, which outlives the call.
  let n = unsafe { libc::preadv2(fd, &iov, 1, 0, libc::RWF_NOWAIT) };
  if n >= 0 {
    return Some(false);
  }
  (io::Error::last_os_error().raw_os_error() == Some(libc::EAGAIN)).then_some(true)
}
