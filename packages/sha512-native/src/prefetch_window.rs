//! The read-ahead window (prefetch.rs): bytes asked for ahead and not yet read by a hasher.
//! What a subtree holds is read ahead only while that is below the window, so that pages read
//! ahead are not evicted before they are hashed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;

/// Default of the window (bytes asked for ahead and not yet read by a hasher) beyond which a
/// subtree's files wait: [`WINDOW_MAX`] or an eighth of the RAM, whichever is less, so that
/// pages read ahead are not evicted before they are hashed. Big: a walk hashes the files of
/// 1 MiB or more last (digest-tree), so those read ahead are consumed last; a 256 MiB window
/// filled with them and made the mixed corpus 1.2x slower cold than no bound at all.
const WINDOW_MAX: u64 = 2 << 30;
/// Bytes asked for ahead, and bytes the hashers have read since the threads started: their
/// difference is what the window bounds.
static ADVISED: AtomicU64 = AtomicU64::new(0);
static CONSUMED: AtomicU64 = AtomicU64::new(0);
/// Set when the threads start: until then the hashers count nothing (a warm run).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// The window in bytes; `MPOOL_SHA512_READAHEAD_WINDOW=BYTES` sets it (0: subtrees are
/// listed ahead, their files are not).
fn window() -> u64 {
  static W: OnceLock<u64> = OnceLock::new();
  *W.get_or_init(|| {
    if let Some(n) = std::env::var("MPOOL_SHA512_READAHEAD_WINDOW")
      .ok()
      .and_then(|v| v.parse().ok())
    {
      return n;
    }
    let mut info = std::mem::MaybeUninit::<libc::sysinfo>::zeroed();
    // SAFETY: sysinfo fills the struct; it is read only when the call succeeded.
    let ram = unsafe {
      if libc::sysinfo(info.as_mut_ptr()) == 0 {
        let info = info.assume_init();
        info.totalram as u64 * u64::from(info.mem_unit)
      } else {
        0
      }
    };
    if ram == 0 {
      WINDOW_MAX
    } else {
      WINDOW_MAX.min(ram / 8)
    }
  })
}

/// Whether a subtree's next file may be read ahead: less than the window is asked for and
/// not yet read.
pub fn room() -> bool {
  ADVISED
    .load(Ordering::Relaxed)
    .saturating_sub(CONSUMED.load(Ordering::Relaxed))
    < window()
}

/// A hasher read `n` bytes of a file (counted only once read-ahead has started).
pub fn consumed(n: usize) {
  if ACTIVE.load(Ordering::Relaxed) {
    CONSUMED.fetch_add(n as u64, Ordering::Relaxed);
  }
}

/// The read-ahead threads have started: from now on the hashers' reads are counted.
pub fn start() {
  ACTIVE.store(true, Ordering::Relaxed);
}

/// `n` more bytes were asked for ahead.
pub fn advised(n: u64) {
  ADVISED.fetch_add(n, Ordering::Relaxed);
}
