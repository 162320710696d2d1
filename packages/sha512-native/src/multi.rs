//! Batches hashed four files at a time, one per lane of [`x4`]: each lane
//! reads its file into its own buffer, the message padding is appended to the
//! buffer at EOF, and all lanes are compressed together for as many blocks as
//! the emptiest lane holds. A lane whose file is done takes the next one.

use std::cell::RefCell;
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::batch::{open_for_batch, RawBatch};
use crate::file::{os, Cancel, Failure};
use crate::open::Opener;
use crate::outcome::FileFailure;
use crate::prefetch;
use crate::window::{Window, WINDOW};
use crate::x4::{self, BLOCK, LANES};

// Read size per lane: 4 lanes x 128 KiB stay in the 1 MiB L2 with room to
// spare, and a syscall per 128 KiB is noise next to hashing it.
const CAP: usize = 128 * 1024;
// Room after CAP for the padding (at most two blocks).
const SPARE: usize = 2 * BLOCK;
// Files from this size on are hashed from mapped windows of the page cache (window.rs).
const MAP_FROM: u64 = 1 << 20;

thread_local! {
  static BUFS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// Whether batches use the four-lane code: the CPU must have AVX-512VL, and
/// `MPOOL_SHA512_LANES=1` turns it off (to compare with the one-file path).
pub fn enabled() -> bool {
  static ON: OnceLock<bool> = OnceLock::new();
  *ON.get_or_init(|| std::env::var_os("MPOOL_SHA512_LANES").is_none_or(|v| v != "1") && x4::supported())
}

/// One lane's file and the bytes read from it but not hashed yet: in `buf`, or in a mapped
/// window of the file (see window.rs) when `win` is set; `start..end` index into either.
struct Lane {
  buf: Vec<u8>,
  /// Position in the batch of the file being hashed; None when idle.
  index: Option<usize>,
  file: Option<File>,
  start: usize,
  end: usize,
  /// Bytes taken from the file so far (read, or mapped): the length that goes into the padding.
  total: u64,
  /// Size by fstat at open.
  size: u64,
  /// EOF seen and padding appended: the file ends at `end`.
  padded: bool,
  win: Option<Window>,
  /// This lane's hash state where `win` starts, to hash the window again by reads if it faults.
  saved: [u64; 8],
  /// No first read yet (it probes the page cache, see prefetch.rs).
  fresh: bool,
  /// The first read found the file uncached.
  cold: bool,
}

impl Lane {
  fn new(buf: Vec<u8>) -> Self {
    Lane {
      buf,
      index: None,
      file: None,
      start: 0,
      end: 0,
      total: 0,
      size: 0,
      padded: false,
      win: None,
      saved: x4::IV,
      fresh: true,
      cold: false,
    }
  }

  fn begin(&mut self, index: usize, file: File, size: u64) {
    *self = Lane {
      index: Some(index),
      file: Some(file),
      size,
      ..Lane::new(std::mem::take(&mut self.buf))
    };
    if size >= MAP_FROM {
      self.map_next(x4::IV);
    }
  }

  fn idle(&mut self) {
    self.index = None;
    self.file = None; // closes it
    self.win = None; // unmaps it
  }

  fn blocks(&self) -> usize {
    (self.end - self.start) / BLOCK
  }

  /// Where the unhashed bytes start.
  fn data(&self) -> *const u8 {
    match &self.win {
      // SAFETY: start <= end <= the window's length.
      Some(w) => unsafe { w.ptr().add(self.start) },
      None => self.buf[self.start..].as_ptr(),
    }
  }

  /// Maps the next window at `total` (whole windows only, or what is left of the file by a
  /// fresh fstat, so a file that shrank is mapped only as far as it still goes). `h` is the
  /// lane's state at that point. Leaves the lane reading when nothing is mapped.
  fn map_next(&mut self, h: [u64; 8]) -> bool {
    let Some(file) = self.file.as_ref() else { return false };
    let fd = file.as_raw_fd();
    let now = match file.metadata() {
      Ok(m) => m.len(),
      Err(_) => return false,
    };
    let len = now.saturating_sub(self.total).min(WINDOW as u64) as usize;
    // Mapping the last few blocks is not worth it; reads finish the file.
    if len < BLOCK * 64 {
      return false;
    }
    let Some(w) = Window::map(fd, self.total, len) else { return false };
    self.start = 0;
    self.end = w.len();
    self.total += w.len() as u64;
    self.saved = h;
    self.win = Some(w);
    true
  }

  /// After the window was used: if part of it vanished (file truncated), forget what was
  /// hashed from it and go back to its start, to read it. True if that happened.
  fn rewind_if_faulted(&mut self) -> Option<[u64; 8]> {
    if !self.win.as_ref().is_some_and(Window::faulted) {
      return None;
    }
    let w = self.win.take().expect("checked above");
    self.total = w.offset;
    self.start = 0;
    self.end = 0;
    self.size = u64::MAX; // no short-read shortcut: read to EOF
    let fd = self.file.as_ref().expect("a busy lane has its file").as_raw_fd();
    // SAFETY: seek on our own descriptor. On failure the next read fails and is reported.
    unsafe { libc::lseek(fd, w.offset as libc::off_t, libc::SEEK_SET) };
    Some(self.saved)
  }

  /// Makes at least one block available: maps or reads more, or pads at EOF. `h` is the lane's
  /// state now (all bytes before `start` hashed).
  fn refill(&mut self, h: [u64; 8]) -> Result<(), Failure> {
    if let Some(w) = self.win.take() {
      // The window is used up but for less than a block: that tail goes to the buffer and
      // the rest of the file is read (or mapped again when the window ended on a whole block).
      let rest = self.end - self.start;
      // SAFETY: start..end lies inside the window.
      let tail = unsafe { std::slice::from_raw_parts(w.ptr().add(self.start), rest) };
      self.buf[..rest].copy_from_slice(tail);
      if w.faulted() {
        self.win = Some(w);
        return Ok(()); // the caller's fault check rewinds
      }
      let next = w.offset + w.len() as u64;
      drop(w);
      self.start = 0;
      self.end = rest;
      if rest == 0 && self.map_next(h) {
        return Ok(());
      }
      let fd = self.file.as_ref().expect("refill of an idle lane").as_raw_fd();
      // SAFETY: seek on our own descriptor.
      if unsafe { libc::lseek(fd, next as libc::off_t, libc::SEEK_SET) } < 0 {
        return Err(os(std::io::Error::last_os_error(), "read"));
      }
    }
    let rest = self.end - self.start;
    self.buf.copy_within(self.start..self.end, 0);
    self.start = 0;
    self.end = rest;
    let file = self.file.as_mut().expect("refill of an idle lane");
    while self.end < BLOCK {
      let want = CAP - self.end;
      let got = if self.fresh {
        self.fresh = false;
        prefetch::first_read(file, &mut self.buf[self.end..CAP]).map(|(n, cold)| {
          self.cold |= cold;
          n
        })
      } else {
        file.read(&mut self.buf[self.end..CAP])
      };
      match got {
        // Read to EOF, not to the fstat size: a file that changes while it is read is hashed
        // as read, as sha512sum does.
        Ok(0) => {
          self.pad();
          return Ok(());
        }
        Ok(n) => {
          self.end += n;
          self.total += n as u64;
          // A short read that ends exactly at the fstat size is EOF: a regular file returns
          // less than asked only at its end. That saves the read that would return 0, one
          // syscall per small file. (A short read anywhere else, as some network file
          // systems or a partly cached file under RWF_NOWAIT give, reads on.)
          if n < want && self.total == self.size {
            self.pad();
            return Ok(());
          }
        }
        Err(e) if e.kind() == ErrorKind::Interrupted => {}
        Err(e) => return Err(os(e, "read")),
      }
    }
    Ok(())
  }

/// SHA-512 padding: 0x80, zeros, then the message length in bits (128-bit big-endian).
  fn pad(&mut self) {
    let bits = u128::from(self.total) * 8;
    self.buf[self.end] = 0x80;
    self.end += 1;
    let len_at = (self.end + 16).next_multiple_of(BLOCK) - 16;
    self.buf[self.end..len_at].fill(0);
    self.buf[len_at..len_at + 16].copy_from_slice(&bits.to_be_bytes());
    self.end = len_at + 16;
    self.padded = true;
    self.file = None; // nothing more to read: close now
  }
}

/// Hashes every path in order, four at a time; stops early only if cancelled.
/// Files of `defer_from` bytes or more are only listed in `deferred`.
pub fn hash_batch_lanes(paths: &[PathBuf], cancel: &Cancel, defer_from: u64) -> RawBatch {
  // Buffers are kept per thread: small batches then cost no allocation.
  let mut bufs = BUFS.with(RefCell::take);
  bufs.resize_with(LANES, || vec![0; CAP + SPARE]);
  let mut lanes: Vec<Lane> = bufs.into_iter().map(Lane::new).collect();
  let out = run(&mut lanes, paths, cancel, defer_from);
  BUFS.with(|b| b.replace(lanes.into_iter().map(|l| l.buf).collect()));
  out
}

fn run(lanes: &mut [Lane], paths: &[PathBuf], cancel: &Cancel, defer_from: u64) -> RawBatch {
  let mut out = RawBatch {
    digests: vec![0u8; paths.len() * 64],
    ..RawBatch::default()
  };
  let mut state = x4::State::new();
  let mut next = 0;
  let mut opener = Opener::default();
  // Cold page cache seen in this batch, and how far its paths were queued for read-ahead.
  let mut cold = false;
  let mut queued = 0;
  loop {
    if cancel.is_set() {
      for lane in lanes.iter_mut() {
        if let Some(i) = lane.index {
          out.failures.push(FileFailure::new(i, Failure::Aborted));
          lane.idle();
        }
      }
      break;
    }
    // Give every lane a file with at least one block ready.
    for (l, lane) in lanes.iter_mut().enumerate() {
      loop {
        if lane.index.is_none() {
          if next == paths.len() {
            break;
          }
          if let Some((file, size)) = open_for_batch(&mut opener, paths, next, defer_from, &mut out) {
            lane.begin(next, file, size);
            state.reset(l);
          }
          next += 1;
          continue;
        }
        if lane.blocks() > 0 || lane.padded {
          break;
        }
        if let Some(h) = lane.rewind_if_faulted() {
          state.set_lane(l, h);
          continue;
        }
        if let Err(f) = lane.refill(state.lane(l)) {
          out.failures.push(FileFailure::new(lane.index.unwrap_or(0), f));
          lane.idle();
        }
        cold |= std::mem::take(&mut lane.cold);
      }
    }
    if cold && queued < (next + prefetch::DEPTH).min(paths.len()) {
      let to = (next + prefetch::DEPTH).min(paths.len());
      prefetch::ahead(&paths[queued.max(next)..to]);
      queued = to;
    }
    let Some(first) = lanes.iter().position(|l| l.index.is_some()) else {
      break;
    };
    let blocks = lanes
      .iter()
      .filter(|l| l.index.is_some())
      .map(Lane::blocks)
      .min()
      .unwrap_or(0);
    if lanes.iter().filter(|l| l.index.is_some()).count() == 1 {
      // The last file of the batch: finish it on the one-stream code.
      let lane = &lanes[first];
      let all = lane.blocks();
      let mut h = state.lane(first);
      // SAFETY: `all` whole blocks lie between start and end of the lane's buffer or window.
      x4::compress_one(&mut h, unsafe { std::slice::from_raw_parts(lane.data(), all * BLOCK) });
      state.set_lane(first, h);
      advance(&mut lanes[first..=first], first, all, &state, &mut out.digests);
      if let Some(h) = lanes[first].rewind_if_faulted() {
        state.set_lane(first, h);
      }
      continue;
    }
    // An idle lane hashes a busy lane's bytes again; its result is ignored.
    let data: [*const u8; LANES] = std::array::from_fn(|l| {
      let lane = if lanes[l].index.is_some() {
        &lanes[l]
      } else {
        &lanes[first]
      };
      lane.data()
    });
    // SAFETY: supported() was checked by enabled(); every pointer has at least
    // `blocks` whole blocks between `start` and `end` of its buffer or window.
    unsafe { x4::compress(&mut state, data, blocks) };
    advance(lanes, 0, blocks, &state, &mut out.digests);
    // A window that faulted (its file shrank) was hashed partly as zeros: hash it again by reads.
    for (l, lane) in lanes.iter_mut().enumerate() {
      if let Some(h) = lane.rewind_if_faulted() {
        state.set_lane(l, h);
      }
    }
  }
  out.failures.sort_by_key(|f| f.index);
  out
}

/// Marks `blocks` blocks of each busy lane hashed, and collects the digests of
/// files that are done. `lanes[k]` is lane `first + k` of `state`.
fn advance(lanes: &mut [Lane], first: usize, blocks: usize, state: &x4::State, digests: &mut [u8]) {
  for (k, lane) in lanes.iter_mut().enumerate() {
    let Some(i) = lane.index else { continue };
    lane.start += blocks * BLOCK;
    if lane.padded && lane.start == lane.end {
      digests[i * 64..i * 64 + 64].copy_from_slice(&state.digest(first + k));
      lane.idle();
    }
  }
}
