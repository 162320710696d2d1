//! Read-ahead of files about to be hashed, for a cold page cache. A hashing thread reads one
//! file at a time, so on a cold disk it waits on one read (and one inode) at a time and the
//! device sits idle: throughput then follows the number of reads in flight, not the number of
//! cores. When a batch finds its files uncached (probe.rs), it hands the paths of the next
//! files to a small pool of threads shared by the whole process (every worker thread loads the
//! same addon), which open them, ask the kernel to read them in the background
//! (`posix_fadvise(WILLNEED)`) and close them. The hasher then finds them in the page cache.
//!
//! On a warm cache nothing of this runs and no thread is started: the probe is each file's
//! first read itself, so it costs no extra system call.

use std::collections::{HashSet, VecDeque};
use std::ffi::CString;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

use napi_derive::napi;

use crate::guard::guard;
use crate::outcome::{to_path, JsPath};
use crate::probe::{is_cold, UNCACHED};

/// Files queued ahead of the hasher once a batch is found cold.
pub const DEPTH: usize = 32;
/// Most bytes of one file asked for ahead: the hasher's own reads (and the kernel's
/// sequential read-ahead) take over from there.
const FILE_AHEAD: i64 = 8 << 20;
/// Paths waiting beyond which new ones are dropped (the hasher is far behind anyway).
const QUEUE_MAX: usize = 4096;
/// Threads that open and advise; each open of a cold file waits on its inode, so this is the
/// number of such waits in flight (the data reads themselves are asynchronous: many more are
/// in flight). `MPOOL_SHA512_READAHEAD=N` sets it; 0 turns read-ahead and the RWF_NOWAIT probe
/// off. On by default: warm runs never find a file uncached, so they start no thread (README,
/// "Cold page cache", has the A/B figures).
const THREADS: usize = 8;
const THREADS_MAX: usize = 64;

/// Paths queued, and paths the threads have opened and advised (or listed, or failed on).
static QUEUED: AtomicU64 = AtomicU64::new(0);
static DONE: AtomicU64 = AtomicU64::new(0);

struct Queue {
  paths: Mutex<Waiting>,
  ready: Condvar,
}

/// Paths waiting for a read-ahead thread, and those queued lately: the same file is often
/// handed over twice (by the walk that listed it, then by the batch that hashes it), and a
/// second open + advise of it costs as much as the first.
#[derive(Default)]
struct Waiting {
  paths: VecDeque<PathBuf>,
  recent: HashSet<u64>,
  order: VecDeque<u64>,
}

/// How many queued paths are remembered to drop repeats (a hash each: 8 bytes).
const RECENT: usize = 16 << 10;

impl Waiting {
  /// Queues `path` unless it was queued lately or the queue is full; true if it was queued.
  fn push(&mut self, path: &Path) -> bool {
    if self.paths.len() >= QUEUE_MAX {
      return false;
    }
    let mut h = DefaultHasher::new();
    path.hash(&mut h);
    let key = h.finish();
    if !self.recent.insert(key) {
      return false;
    }
    self.order.push_back(key);
    if self.order.len() > RECENT {
      if let Some(old) = self.order.pop_front() {
        self.recent.remove(&old);
      }
    }
    self.paths.push_back(path.to_path_buf());
    true
  }
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
    for i in 0..threads() {
      // A thread that cannot be created only means less read-ahead.
      let _ = std::thread::Builder::new()
        .name(format!("sha512-readahead-{i}"))
        .stack_size(64 << 10)
        .spawn(move || loop {
          let path = {
            let mut paths = q.paths.lock().unwrap_or_else(|e| e.into_inner());
            loop {
              match paths.paths.pop_front() {
                Some(p) => break p,
                None => paths = q.ready.wait(paths).unwrap_or_else(|e| e.into_inner()),
              }
            }
          };
          advise(&path);
          DONE.fetch_add(1, Ordering::Relaxed);
        });
    }
  });
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
  let added = paths.iter().filter(|p| waiting.push(p)).count();
  drop(waiting);
  QUEUED.fetch_add(added as u64, Ordering::Relaxed);
  // Wake as many threads as there is work for (all of them would only race for the lock).
  for _ in 0..added.min(threads()) {
    q.ready.notify_one();
  }
}

/// Opens `path` and, if it is a regular file, has the kernel start reading it.
fn advise(path: &Path) {
  let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
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
  /// Paths handed to the read-ahead threads.
  pub queued: f64,
  /// Of those, how many the threads have dealt with (advised, listed, or skipped on an error).
  pub done: f64,
}

/// Counters of the cold-cache probe and the read-ahead threads since the process started.
#[napi]
pub fn read_ahead_stats() -> ReadAheadStats {
  ReadAheadStats {
    threads: u32::try_from(threads()).unwrap_or(u32::MAX),
    uncached: UNCACHED.load(Ordering::Relaxed) as f64,
    queued: QUEUED.load(Ordering::Relaxed) as f64,
    done: DONE.load(Ordering::Relaxed) as f64,
  }
}
