//! Read-ahead of files about to be hashed, for a cold page cache. A hashing thread reads one
//! file at a time, so on a cold disk it waits on one read (and one inode) at a time and the
//! device sits idle: throughput then follows the number of reads in flight, not the number of
//! cores. When a batch finds its files uncached (probe.rs), it hands the paths of the next
//! files to a small pool of threads shared by the whole process (every worker thread loads the
//! same addon), which open them, ask the kernel to read them in the background
//! (`posix_fadvise(WILLNEED)`) and close them. The hasher then finds them in the page cache.
//!
//! A walk can also hand over directories as subtrees: the threads list them and queue what is
//! in them (files and directories, in turn), so reads stay in flight ahead of the listing
//! itself whatever the number of hashing threads. That is bounded: what a subtree holds (its
//! files, and its directories to list) is taken, in the order found, only while less than a
//! window (2 GiB, at most an eighth of the RAM) has been asked for and not yet read by a
//! hasher, and is dropped once the cache no longer looks cold (nothing found uncached, by a
//! hasher or by these threads, for a second; or these threads' probes found the files ahead
//! cached several times in a row: probe.rs, `WARM_STREAK`).
//!
//! On a warm cache nothing of this runs and no thread is started: the probe is each file's
//! first read itself, so it costs no extra system call.

use std::ffi::{CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

use napi_derive::napi;

use crate::guard::guard;
use crate::outcome::{to_path, JsPath};
use crate::prefetch_queue::{Item, Waiting};
use crate::prefetch_window as window;
use crate::probe::{first_page_uncached, found_cached, is_cold, touch_cold, UNCACHED};

/// Files queued ahead of the hasher once a batch is found cold.
pub const DEPTH: usize = 32;
/// Most bytes of one file asked for ahead: the hasher's own reads (and the kernel's sequential
/// read-ahead, which can use large folios) take over from there.
const FILE_AHEAD: i64 = 8 << 20;
/// One file in this many read ahead is probed for being cached (one more system call): enough
/// to keep cold mode on while a subtree is uncached, and to end it soon when the files ahead
/// are cached (probe.rs, `WARM_STREAK`), without a syscall per small file (on 100,000 small
/// files, a probe each cost ~10% of a cold run's CPU).
const PROBE_EVERY: u64 = 16;
static PROBED: AtomicU64 = AtomicU64::new(0);
/// Threads that open and advise; each open of a cold file waits on its inode, so this is the
/// number of such waits in flight (the data reads themselves are asynchronous: many more are
/// in flight). `MPOOL_SHA512_READAHEAD=N` sets it; 0 turns read-ahead and the RWF_NOWAIT probe
/// off. On by default: warm runs never find a file uncached, so they start no thread (README,
/// "Cold page cache", has the A/B figures).
const THREADS: usize = 8;
const THREADS_MAX: usize = 64;

/// Paths queued (by callers and by subtrees), of those found in subtrees, and paths the
/// threads have dealt with (opened and advised, listed, failed on, or dropped).
static QUEUED: AtomicU64 = AtomicU64::new(0);
static SUBTREE: AtomicU64 = AtomicU64::new(0);
static DONE: AtomicU64 = AtomicU64::new(0);
struct Queue {
  paths: Mutex<Waiting>,
  ready: Condvar,
}

fn threads() -> usize {
  static N: OnceLock<usize> = OnceLock::new();
  *N.get_or_init(|| {
    match std::env::var("MPOOL_SHA512_READAHEAD").ok().as_deref() {
      None | Some("") => THREADS,
      // A number; anything else (`on`, a typo) means the default. Capped: each is a thread.
      Some(v) => v.parse().map_or(THREADS, |n: usize| n.min(THREADS_MAX)),
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
      paths: Mutex::new(Waiting::default()),
      ready: Condvar::new(),
    })
  })
  .as_ref()
  .inspect(|q| start_threads(q))
}

fn start_threads(q: &'static Queue) {
  static STARTED: OnceLock<()> = OnceLock::new();
  STARTED.get_or_init(|| {
    window::start();
    for i in 0..threads() {
      // A thread that cannot be created only means less read-ahead.
      let _ = std::thread::Builder::new()
        .name(format!("sha512-readahead-{i}"))
        .stack_size(64 << 10)
        .spawn(move || loop {
          advise(&next(q));
          DONE.fetch_add(1, Ordering::Relaxed);
        });
    }
  });
}

/// Waits for the next path to read ahead. Speculative ones wait while the window is full,
/// and are dropped once the cache no longer looks cold (a warm subtree is not walked).
fn next(q: &Queue) -> Item {
  let mut paths = q.paths.lock().unwrap_or_else(|e| e.into_inner());
  loop {
    if paths.has_speculative() && !is_cold() {
      DONE.fetch_add(paths.drop_speculative() as u64, Ordering::Relaxed);
    }
    if let Some(item) = paths.pop(window::room()) {
      return item;
    }
    paths = if paths.has_speculative() {
      // The window frees up as hashers read, which signals nothing: look again soon.
      q.ready
        .wait_timeout(paths, Duration::from_millis(5))
        .unwrap_or_else(|e| e.into_inner())
        .0
    } else {
      q.ready.wait(paths).unwrap_or_else(|e| e.into_inner())
    };
  }
}

/// Queues files (and directories: their entries are read, for the walk; with `subtree`, the
/// files and directories in them too, within the window) for read-ahead on the process's
/// read-ahead threads, if the cache looks cold; returns whether it did. Best effort: nothing
/// is reported, nothing waits.
#[napi]
pub fn read_ahead(paths: Vec<JsPath>, subtree: Option<bool>) -> napi::Result<bool> {
  guard(|| {
    if !is_cold() {
      return Ok(false);
    }
    let paths: Vec<PathBuf> = paths.into_iter().map(to_path).collect();
    push(&paths, subtree.unwrap_or(false), false);
    Ok(true)
  })
}

/// Queues `paths` for read-ahead (best effort: nothing is reported, nothing waits).
pub fn ahead(paths: &[PathBuf]) {
  push(paths, false, false);
}

fn push(paths: &[PathBuf], subtree: bool, speculative: bool) {
  let Some(q) = queue() else { return };
  let mut waiting = q.paths.lock().unwrap_or_else(|e| e.into_inner());
  let added = paths
    .iter()
    .filter(|p| waiting.push(p, subtree, speculative))
    .count();
  drop(waiting);
  QUEUED.fetch_add(added as u64, Ordering::Relaxed);
  if speculative {
    SUBTREE.fetch_add(added as u64, Ordering::Relaxed);
  }
  // Wake as many threads as there is work for (all of them would only race for the lock).
  for _ in 0..added.min(threads()) {
    q.ready.notify_one();
  }
}

/// Opens the item's path: a regular file has the kernel start reading it, a directory is
/// listed (and, for a subtree, its files and directories queued in turn).
fn advise(item: &Item) {
  let Ok(c) = CString::new(item.path.as_os_str().as_bytes()) else {
    return;
  };
  // Same flags as the hasher's open: never blocks on a FIFO, never takes a tty.
  // SAFETY: `c` is a valid NUL-terminated string.
  let fd = unsafe {
    libc::open(
      c.as_ptr(),
      libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_CLOEXEC,
    )
  };
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
        if PROBED.fetch_add(1, Ordering::Relaxed) % PROBE_EVERY == 0 {
          match first_page_uncached(fd) {
            // What keeps a subtree being read ahead while the hashers find everything cached.
            Some(true) => touch_cold(),
            // What ends cold mode when the files ahead are warm (a few evicted ones started it).
            Some(false) => found_cached(),
            None => {}
          }
        }
        let len = st.st_size.min(FILE_AHEAD);
        libc::posix_fadvise(fd, 0, len, libc::POSIX_FADV_WILLNEED);
        window::advised(len as u64);
      } else if kind == libc::S_IFDIR {
        // Reading the entries brings the directory's blocks in, so the walk's listing of it
        // does not wait on the device.
        match crate::dirlist::list(fd) {
          Ok(listing) if item.subtree && is_cold() => {
            let children: Vec<PathBuf> = listing
              .files
              .iter()
              .chain(listing.others.iter().filter(|e| e.kind == libc::DT_DIR))
              .map(|&e| item.path.join(OsStr::from_bytes(listing.name(e))))
              .collect();
            push(&children, true, true);
          }
          _ => {}
        }
      }
    }
    libc::close(fd);
  }
}

/// Whether batches probe the page cache and read ahead (`MPOOL_SHA512_READAHEAD` is not 0).
pub fn enabled() -> bool {
  threads() > 0
}

/// What the read-ahead did in this process so far (for tests and benchmarks).
#[napi(object)]
pub struct ReadAheadStats {
  /// Read-ahead threads when on (`MPOOL_SHA512_READAHEAD`, default 8); 0 when off.
  pub threads: u32,
  /// First reads that found their file not in the page cache.
  pub uncached: f64,
  /// Paths handed to the read-ahead threads (by callers, and found in subtrees).
  pub queued: f64,
  /// Of those, the files and directories found by reading subtrees ahead.
  pub subtree: f64,
  /// Of those, how many the threads have dealt with (advised, listed, skipped on an error, or
  /// dropped from a subtree once the cache no longer looked cold).
  pub done: f64,
}

/// Counters of the cold-cache probe and the read-ahead threads since the process started.
#[napi]
pub fn read_ahead_stats() -> ReadAheadStats {
  ReadAheadStats {
    threads: u32::try_from(threads()).unwrap_or(u32::MAX),
    uncached: UNCACHED.load(Ordering::Relaxed) as f64,
    queued: QUEUED.load(Ordering::Relaxed) as f64,
    subtree: SUBTREE.load(Ordering::Relaxed) as f64,
    done: DONE.load(Ordering::Relaxed) as f64,
  }
}
