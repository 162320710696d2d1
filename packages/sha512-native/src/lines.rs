//! digest-tree's GNU and BSD output lines, written natively from its store's layout
//! (apps/digest-cli/src/store.ts): the last per-file loop of a big run, on the one thread that
//! everything waits for at its end. In JS a line cost ~0.75 µs in a CPU profile of 200,000 empty
//! files (a hex loop and byte copies, in V8's slow tiers for the first tens of thousands), here
//! ~0.2 µs with the call's overhead.
//!
//! The lines are the same bytes as apps/digest-cli/src/format/blocks.ts writes:
//! GNU `HEX  PATH\n`, BSD `SHA512 (PATH) = HEX\n`. A path that must be escaped (it holds `\`,
//! `\n` or `\r`) is not written here: the call stops before it and JS writes that line.

use napi::bindgen_prelude::{Buffer, Uint32Array};
use napi::{Error, Result, Status};
use napi_derive::napi;

use crate::guard::guard;

const DIGEST_BYTES: usize = 64;
/// Digests per chunk of the store (16,384 × 64 bytes = 1 MiB).
const DIGEST_CHUNK_SHIFT: u32 = 14;
/// Name bytes per arena chunk of the store (1 MiB).
const ARENA_SHIFT: u32 = 20;
const HEX: &[u8; 16] = b"0123456789abcdef";

/// Where a call stopped.
#[napi(object)]
pub struct LinesWritten {
  /// Position in `order` of the first line not written.
  pub next: u32,
  /// Bytes written to `out`.
  pub written: u32,
  /// The line at `next` needs escaping (or is longer than `out`): JS writes it.
  pub by_js: bool,
}

/// The store's layout, as `DigestStore.layout()` gives it.
struct Store<'a> {
  dir_of: &'a [u32],
  start_of: &'a [u32],
  length_of: &'a [u32],
  arena: &'a [&'a [u8]],
  dirs: &'a [u8],
  dir_ends: &'a [u32],
  digests: &'a [&'a [u8]],
}

impl Store<'_> {
  /// Directory prefix and name of entry `i`, or None when an index is out of range.
  fn path(&self, i: usize) -> Option<(&[u8], &[u8])> {
    let dir = *self.dir_of.get(i)? as usize;
    let dir_start = if dir == 0 { 0 } else { *self.dir_ends.get(dir - 1)? as usize };
    let dir_bytes = self.dirs.get(dir_start..*self.dir_ends.get(dir)? as usize)?;
    let start = *self.start_of.get(i)?;
    let chunk = self.arena.get((start >> ARENA_SHIFT) as usize)?;
    let from = (start & ((1 << ARENA_SHIFT) - 1)) as usize;
    let name = chunk.get(from..from + *self.length_of.get(i)? as usize)?;
    Some((dir_bytes, name))
  }

  fn digest(&self, i: usize) -> Option<&[u8]> {
    let chunk = self.digests.get(i >> DIGEST_CHUNK_SHIFT)?;
    let at = (i & ((1 << DIGEST_CHUNK_SHIFT) - 1)) * DIGEST_BYTES;
    chunk.get(at..at + DIGEST_BYTES)
  }
}

fn needs_escape(bytes: &[u8]) -> bool {
  bytes.iter().any(|&c| c == b'\\' || c == b'\n' || c == b'\r')
}

fn put_hex(out: &mut [u8], digest: &[u8]) {
  for (k, &b) in digest.iter().enumerate() {
    out[2 * k] = HEX[(b >> 4) as usize];
    out[2 * k + 1] = HEX[(b & 15) as usize];
  }
}

/// Writes the lines of `order[from..]` into `out` until it is full or a line needs JS.
fn write_lines(store: &Store, order: &[u32], from: usize, bsd: bool, out: &mut [u8]) -> Option<LinesWritten> {
  let mut at = 0;
  let mut next = from;
  while next < order.len() {
    let i = order[next] as usize;
    let (dir, name) = store.path(i)?;
    let digest = store.digest(i)?;
    let path_len = dir.len() + name.len();
    let len = path_len + if bsd { 12 + 128 + 1 } else { 128 + 2 + 1 };
    let by_js = needs_escape(dir) || needs_escape(name) || len > out.len();
    if by_js || at + len > out.len() {
      return Some(LinesWritten { next: next as u32, written: at as u32, by_js });
    }
    let line = &mut out[at..at + len];
    let (hex_at, path_at) = if bsd { (8 + path_len + 4, 8) } else { (0, 130) };
    if bsd {
      line[..8].copy_from_slice(b"SHA512 (");
      line[8 + path_len..8 + path_len + 4].copy_from_slice(b") = ");
    } else {
      line[128..130].copy_from_slice(b"  ");
    }
    put_hex(&mut line[hex_at..hex_at + 128], digest);
    line[path_at..path_at + dir.len()].copy_from_slice(dir);
    line[path_at + dir.len()..path_at + path_len].copy_from_slice(name);
    line[len - 1] = b'\n';
    at += len;
    next += 1;
  }
  Some(LinesWritten { next: next as u32, written: at as u32, by_js: false })
}

/// See the module comment. Throws on a layout that does not hold together (an index out of
/// range): that is a bug of the caller, never a line written wrong.
#[napi]
#[allow(clippy::too_many_arguments)]
pub fn write_digest_lines(
  order: Uint32Array,
  from: u32,
  dir_of: Uint32Array,
  start_of: Uint32Array,
  length_of: Uint32Array,
  arena: Vec<&[u8]>,
  dirs: &[u8],
  dir_ends: Uint32Array,
  digests: Vec<&[u8]>,
  bsd: bool,
  mut out: Buffer,
) -> Result<LinesWritten> {
  guard(|| {
    let store = Store {
      dir_of: &dir_of,
      start_of: &start_of,
      length_of: &length_of,
      arena: &arena,
      dirs,
      dir_ends: &dir_ends,
      digests: &digests,
    };
    write_lines(&store, &order, from as usize, bsd, &mut out)
      .ok_or_else(|| Error::new(Status::InvalidArg, "writeDigestLines: an index of the store layout is out of range".to_owned()))
  })
}
