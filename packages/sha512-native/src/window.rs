//! Big files hashed from the page cache in place: a window of the file is mapped (`mmap`,
//! sequential advice) and the four-lane code reads the pages themselves, instead of `read`
//! copying them into a buffer first (the copy cost a fifth of the time of hashing them).
//!
//! A mapped file can shrink under us (another process truncates it): touching a page past the
//! new end raises SIGBUS, which would kill the process. So every live window is registered in
//! [`SLOTS`], and a SIGBUS handler that finds the faulting address in a window maps zero pages
//! over the rest of that window (so the access completes) and marks it faulted; the hasher
//! checks the mark after each use, throws away what it hashed from the window and reads that
//! part again with `read`, which stops at the new end: the digest is then that of what was
//! read, as with plain reads. A SIGBUS anywhere else goes to the handler that was there before
//! (or the default action: the process dies, as it would without us).
//!
//! `MPOOL_SHA512_MMAP=0` turns mapping off (every file is read), to compare the two.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Bytes mapped at once: large enough that mapping costs are noise, small enough to keep the
/// address space of four lanes on many threads modest. A multiple of every page size.
pub const WINDOW: usize = 16 << 20;

struct Slot {
  used: AtomicBool,
  start: AtomicUsize,
  end: AtomicUsize,
  faulted: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const FREE: Slot = Slot {
  used: AtomicBool::new(false),
  start: AtomicUsize::new(0),
  end: AtomicUsize::new(0),
  faulted: AtomicBool::new(false),
};
/// Live windows (four per hashing thread); when all are taken, files are read instead.
static SLOTS: [Slot; 256] = [FREE; 256];
static PAGE: AtomicUsize = AtomicUsize::new(4096);
static mut PREVIOUS: std::mem::MaybeUninit<libc::sigaction> = std::mem::MaybeUninit::uninit();

/// Whether windows can be used: not turned off, and our SIGBUS handler is installed.
fn enabled() -> bool {
  static ON: OnceLock<bool> = OnceLock::new();
  *ON.get_or_init(|| std::env::var_os("MPOOL_SHA512_MMAP").is_none_or(|v| v != "0") && install())
}

fn install() -> bool {
  // SAFETY: plain libc calls; PREVIOUS is written once, here, before the handler that reads
  // it can run (OnceLock runs this once).
  unsafe {
    let page = libc::sysconf(libc::_SC_PAGESIZE);
    if page > 0 {
      PAGE.store(page as usize, Ordering::Relaxed);
    }
    let mut action: libc::sigaction = std::mem::zeroed();
    action.sa_sigaction = on_sigbus as *const () as usize;
    action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_RESTART;
    libc::sigemptyset(&mut action.sa_mask);
    libc::sigaction(libc::SIGBUS, &action, std::ptr::addr_of_mut!(PREVIOUS).cast()) == 0
  }
}

/// Only async-signal-safe work: atomics, mmap, sigaction.
extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
  // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
  let addr = unsafe { (*info).si_addr() } as usize;
  for slot in &SLOTS {
    let start = slot.start.load(Ordering::Acquire);
    let end = slot.end.load(Ordering::Acquire);
    if start == 0 || addr < start || addr >= end {
      continue;
    }
    let page = addr & !(PAGE.load(Ordering::Relaxed) - 1);
    // SAFETY: [page, end) lies inside a window this thread (the fault is synchronous) mapped
    // and is still using; zero pages replace the file's pages there.
    let p = unsafe {
      libc::mmap(
        page as *mut libc::c_void,
        end - page,
        libc::PROT_READ,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
        -1,
        0,
      )
    };
    if p != libc::MAP_FAILED {
      slot.faulted.store(true, Ordering::Release);
      return;
    }
  }
  // Not ours: whatever handled SIGBUS before us.
  // SAFETY: PREVIOUS was filled by install() before this handler was installed.
  unsafe {
    let previous = &*std::ptr::addr_of!(PREVIOUS).cast::<libc::sigaction>();
    let handler = previous.sa_sigaction;
    if handler != libc::SIG_DFL && handler != libc::SIG_IGN {
      if previous.sa_flags & libc::SA_SIGINFO != 0 {
        let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) = std::mem::transmute(handler);
        f(sig, info, ctx);
      } else {
        let f: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
        f(sig);
      }
      return;
    }
    // Default action: put it back and return; the access faults again and the process dies
    // of SIGBUS, exactly as it would have without this handler.
    let mut dfl: libc::sigaction = std::mem::zeroed();
    dfl.sa_sigaction = libc::SIG_DFL;
    libc::sigaction(libc::SIGBUS, &dfl, std::ptr::null_mut());
  }
}

/// `len` bytes of a file from `offset`, mapped read-only.
pub struct Window {
  ptr: *mut libc::c_void,
  len: usize,
  pub offset: u64,
  slot: &'static Slot,
}

impl Window {
  /// Maps `len` bytes of `fd` from `offset` (a multiple of [`WINDOW`]); None when mapping is
  /// off or fails (the caller reads instead).
  pub fn map(fd: RawFd, offset: u64, len: usize) -> Option<Window> {
    if len == 0 || !enabled() {
      return None;
    }
    let slot = SLOTS.iter().find(|s| s.used.compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed).is_ok())?;
    // SAFETY: a fresh read-only shared mapping; its address is registered before any access.
    let ptr = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_SHARED, fd, offset as libc::off_t) };
    if ptr == libc::MAP_FAILED {
      slot.used.store(false, Ordering::Release);
      return None;
    }
    slot.faulted.store(false, Ordering::Relaxed);
    slot.end.store(ptr as usize + len, Ordering::Release);
    slot.start.store(ptr as usize, Ordering::Release);
    // SAFETY: advice on our own mapping; failure only loses the hint.
    unsafe {
      libc::madvise(ptr, len, libc::MADV_SEQUENTIAL);
      // Start the reads of the next window now (cold cache: the disk works while we hash).
      libc::posix_fadvise(fd, (offset + len as u64) as libc::off_t, WINDOW as libc::off_t, libc::POSIX_FADV_WILLNEED);
    }
    Some(Window { ptr, len, offset, slot })
  }

  pub fn len(&self) -> usize {
    self.len
  }

  /// Start of the mapped bytes. Reading them may fault (file truncated): see [`Self::faulted`].
  pub fn ptr(&self) -> *const u8 {
    self.ptr.cast()
  }

  /// True when part of the window vanished (the file shrank) and was read as zeros.
  pub fn faulted(&self) -> bool {
    self.slot.faulted.load(Ordering::Acquire)
  }
}

impl Drop for Window {
  fn drop(&mut self) {
    self.slot.start.store(0, Ordering::Release);
    self.slot.end.store(0, Ordering::Release);
    // SAFETY: our mapping, no longer used.
    unsafe { libc::munmap(self.ptr, self.len) };
    self.slot.used.store(false, Ordering::Release);
  }
}
