//! Batches hashed four files at a time, one per lane of [`x4`]: each lane
//! reads its file into its own buffer, the message padding is appended to the
//! buffer at EOF, and all lanes are compressed together for as many blocks as
//! the emptiest lane holds. A lane whose file is done takes the next one.

use std::cell::RefCell;
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::sync::OnceLock;

use crate::batch::{RawBatch, Source};
use crate::file::{os, Cancel, Failure};
use crate::outcome::FileFailure;
use crate::x4::{self, BLOCK, LANES};
use crate::{prefetch, probe};

// Read size per lane: 4 lanes x 128 KiB stay in the 1 MiB L2 with room to
// spare, and a syscall per 128 KiB is noise next to hashing it. Big files are read, not
// mapped: on this VM hashing mapped page-cache pages cost as much CPU as reading them into
// these L2-resident buffers (the page faults cost what the copy saves; README "Big files"),
// and a mapped file that shrinks raises SIGBUS, where a read just stops at the new end.
const CAP: usize = 128 * 1024;
// Room after CAP for the padding (at most two blocks).
const SPARE: usize = 2 * BLOCK;

thread_local! {
  static BUFS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// Whether batches use the four-lane code: the CPU must have AVX-512VL, and
/// `MPOOL_SHA512_LANES=1` turns it off (to compare with the one-file path).
pub fn enabled() -> bool {
  static ON: OnceLock<bool> = OnceLock::new();
  *ON.get_or_init(|| std::env::var_os("MPOOL_SHA512_LANES").is_none_or(|v| v != "1") && x4::supported())
}

/// One lane's file and the bytes read from it but not hashed yet.
struct Lane {
  buf: Vec<u8>,
  /// Position in the batch of the file being hashed; None when idle.
  index: Option<usize>,
  file: Option<File>,
  start: usize,
  end: usize,
  /// Bytes read so far (the length that goes into the padding).
  total: u64,
  /// Size by fstat at open.
  size: u64,
  /// EOF seen and padding appended: the file ends at `end`.
  padded: bool,
  /// No read yet: the first one probes the page cache (see probe.rs).
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
  }

  fn idle(&mut self) {
    self.index = None;
    self.file = None; // closes it
  }

  fn blocks(&self) -> usize {
    (self.end - self.start) / BLOCK
  }

  /// Makes at least one block available: reads more, or pads at EOF.
  fn refill(&mut self) -> Result<(), Failure> {
    let rest = self.end - self.start;
    self.buf.copy_within(self.start..self.end, 0);
    self.start = 0;
    self.end = rest;
    let file = self.file.as_mut().expect("refill of an idle lane");
    while self.end < BLOCK {
      let want = CAP - self.end;
      let got = if self.fresh {
        self.fresh = false;
        probe::first_read(file, &mut self.buf[self.end..CAP], prefetch::enabled()).map(|(n, cold)| {
          self.cold |= cold;
          n
        })
      } else {
        file.read(&mut self.buf[self.end..CAP])
      };
      match got {
        // Read to EOF, not to the fstat size: a file that changes while it is
        // read is hashed as read, as sha512sum does.
        Ok(0) => {
          self.pad();
          return Ok(());
        }
        Ok(n) => {
          self.end += n;
          self.total += n as u64;
          crate::prefetch_window::consumed(n);
          // A short read that ends exactly at the fstat size is EOF: a regular
          // file returns less than asked only at its end. That saves the read
          // that would return 0, one syscall per small file. (A short read
          // anywhere else, as some network file systems or a partly cached
          // file under RWF_NOWAIT give, reads on.)
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

/// Hashes every file of `src` in order, four at a time; stops early only if cancelled or
/// when `src` says to start no more (see [`Source::more`]).
pub fn hash_batch_lanes(src: &mut dyn Source, cancel: &Cancel) -> RawBatch {
  // Buffers are kept per thread: small batches then cost no allocation.
  let mut bufs = BUFS.with(RefCell::take);
  bufs.resize_with(LANES, || vec![0; CAP + SPARE]);
  let mut lanes: Vec<Lane> = bufs.into_iter().map(Lane::new).collect();
  let out = run(&mut lanes, src, cancel);
  BUFS.with(|b| b.replace(lanes.into_iter().map(|l| l.buf).collect()));
  out
}

fn run(lanes: &mut [Lane], src: &mut dyn Source, cancel: &Cancel) -> RawBatch {
  let count = src.len();
  let mut out = RawBatch {
    digests: vec![0u8; count * 64],
    ..RawBatch::default()
  };
  let mut state = x4::State::new();
  let mut next = 0;
  // Files from `next` on stay unstarted once `src` says so (a time budget ran out).
  let mut end = count;
  // Cold page cache seen in this batch, and how far its paths were queued for read-ahead.
  let mut cold = probe::is_cold();
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
          if next < end && !src.more() {
            end = next;
          }
          if next == end {
            break;
          }
          if let Some((file, size)) = src.open(next, &mut out) {
            lane.begin(next, file, size);
            if size == 0 && src.zero_size_is_empty() {
              lane.pad(); // EOF without a read (batch.rs, Source::zero_size_is_empty)
            }
            state.reset(l);
          }
          next += 1;
          continue;
        }
        if lane.blocks() > 0 || lane.padded {
          break;
        }
        if let Err(f) = lane.refill() {
          out.failures.push(FileFailure::new(lane.index.unwrap_or(0), f));
          lane.idle();
        }
        cold |= std::mem::take(&mut lane.cold);
      }
    }
    // Once a file of the batch was not cached, the next ones are read ahead (prefetch.rs).
    let ahead = (next + prefetch::DEPTH).min(end);
    if cold && queued < ahead {
      src.ahead(queued.max(next), ahead);
      queued = ahead;
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
      x4::compress_one(&mut h, &lane.buf[lane.start..lane.start + all * BLOCK]);
      state.set_lane(first, h);
      advance(&mut lanes[first..=first], first, all, &state, &mut out.digests);
      continue;
    }
    // An idle lane hashes a busy lane's bytes again; its result is ignored.
    let data: [*const u8; LANES] = std::array::from_fn(|l| {
      let lane = if lanes[l].index.is_some() {
        &lanes[l]
      } else {
        &lanes[first]
      };
      lane.buf[lane.start..].as_ptr()
    });
    // SAFETY: supported() was checked by enabled(); every pointer has at least
    // `blocks` whole blocks between `start` and `end` of its buffer.
    unsafe { x4::compress(&mut state, data, blocks) };
    advance(lanes, 0, blocks, &state, &mut out.digests);
  }
  out.failures.sort_by_key(|f| f.index);
  out.started = next;
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
