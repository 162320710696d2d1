//! Whole batches in one native call: per-file JS↔native crossings were what
//! made JS-side hashing slow, so a worker hands over its whole list at once.

use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::file::{hash_file, hash_open, Cancel, Failure};
use crate::guard::guard;
#[cfg(target_arch = "x86_64")]
use crate::multi;
use crate::open::Opener;
use crate::outcome::{to_path, FileFailure};

/// Result of a batch: digest i is `digests[64*i .. 64*i+64]` unless a failure
/// or a deferral with index i is listed (its 64 bytes are then zero). One
/// Buffer for the whole batch keeps allocation and GC cost per file near zero.
#[napi(object)]
pub struct BatchOutput {
  pub digests: Buffer,
  pub failures: Vec<FileFailure>,
  pub deferred: Vec<DeferredFile>,
}

/// A file left unhashed because it is at least `deferFrom` bytes: the caller
/// schedules it with other big files (see multi.rs), knowing its size.
#[napi(object)]
pub struct DeferredFile {
  pub index: u32,
  pub size: f64,
}

/// The plain-Rust form of a batch result, built off the JS thread.
#[derive(Default)]
pub struct RawBatch {
  pub digests: Vec<u8>,
  pub failures: Vec<FileFailure>,
  pub deferred: Vec<DeferredFile>,
  /// Files started (hashed, failed or deferred): all of them unless cancelled or the
  /// source's budget ran out ([`Source::more`]); the others have no record.
  pub started: usize,
}

/// Where the files of a batch come from: a list of paths, or the entries of one directory
/// (dirscan.rs), opened relative to its descriptor.
pub trait Source {
  /// Files in the batch.
  fn len(&self) -> usize;
  /// Opens file `index` to hash it, or records in `out` why not (failed, deferred).
  fn open(&mut self, index: usize, out: &mut RawBatch) -> Option<(std::fs::File, u64)>;
  /// Whether to start another file; false ends the batch early (time budget), leaving the
  /// rest unstarted.
  fn more(&mut self) -> bool {
    true
  }
  /// Read-ahead of files `from..to` (a cold page cache: prefetch.rs).
  fn ahead(&mut self, from: usize, to: usize);
  /// Whether a file opened with size 0 is empty, so that it is hashed without a read (its file
  /// system reports exact sizes: open.rs). False: every file is read to EOF.
  fn zero_size_is_empty(&self) -> bool {
    false
  }
}

/// Records the outcome of opening file `index`: the file to hash, or a failure or deferral.
pub fn record_open(
  opened: std::result::Result<(std::fs::File, u64), Failure>,
  index: usize,
  defer_from: u64,
  out: &mut RawBatch,
) -> Option<(std::fs::File, u64)> {
  match opened {
    Ok((_, size)) if size >= defer_from => {
      // Batches come from JS arrays (or one directory), whose length fits in u32.
      let index = u32::try_from(index).unwrap_or(u32::MAX);
      out.deferred.push(DeferredFile {
        index,
        size: size as f64,
      });
      None
    }
    Ok(opened) => Some(opened),
    Err(f) => {
      out.failures.push(FileFailure::new(index, f));
      None
    }
  }
}

/// A batch given as paths.
struct PathSource<'a> {
  paths: &'a [PathBuf],
  opener: Opener,
  defer_from: u64,
}

impl Source for PathSource<'_> {
  fn len(&self) -> usize {
    self.paths.len()
  }
  fn open(&mut self, index: usize, out: &mut RawBatch) -> Option<(std::fs::File, u64)> {
    let next = self.paths.get(index + 1).map(PathBuf::as_path);
    let opened = self.opener.open(&self.paths[index], next);
    record_open(opened, index, self.defer_from, out)
  }
  fn ahead(&mut self, from: usize, to: usize) {
    crate::prefetch::ahead(&self.paths[from..to]);
  }
}

impl From<RawBatch> for BatchOutput {
  fn from(raw: RawBatch) -> Self {
    BatchOutput {
      digests: raw.digests.into(),
      failures: raw.failures,
      deferred: raw.deferred,
    }
  }
}

/// Hashes every path in order; stops early only if cancelled.
/// Files of `defer_from` bytes or more are only listed in `deferred`.
pub fn hash_batch(paths: &[PathBuf], cancel: &Cancel, defer_from: u64) -> RawBatch {
  let mut src = PathSource {
    paths,
    opener: Opener::default(),
    defer_from,
  };
  hash_source(&mut src, cancel)
}

/// Hashes the files of `src` in order; stops early if cancelled or when `src` says so. Two
/// files or more go through the four-lane code when the CPU has it (see multi.rs).
pub fn hash_source(src: &mut dyn Source, cancel: &Cancel) -> RawBatch {
  #[cfg(target_arch = "x86_64")]
  if src.len() > 1 && multi::enabled() {
    return multi::hash_batch_lanes(src, cancel);
  }
  let mut out = RawBatch {
    digests: vec![0u8; src.len() * 64],
    ..RawBatch::default()
  };
  let mut i = 0;
  while i < src.len() {
    if cancel.is_set() {
      out.failures.push(FileFailure::new(i, Failure::Aborted));
      i += 1;
      break;
    }
    if !src.more() {
      break;
    }
    let opened = src.open(i, &mut out);
    i += 1;
    let Some((file, _)) = opened else { continue };
    match hash_open(file, cancel) {
      Ok(d) => out.digests[(i - 1) * 64..i * 64].copy_from_slice(&d),
      Err(f) => out.failures.push(FileFailure::new(i - 1, f)),
    }
  }
  out.started = i;
  out
}

/// Hashes one file on the calling thread (for pool workers).
#[napi]
pub fn hash_file_sync<'e>(
  env: &'e Env,
  path: Either<String, &[u8]>,
) -> Result<Either<BufferSlice<'e>, FileFailure>> {
  guard(|| match hash_file(&to_path(path), &Cancel::default()) {
    Ok(d) => Ok(Either::A(BufferSlice::copy_from(env, d)?)),
    Err(f) => Ok(Either::B(FileFailure::new(0, f))),
  })
}

/// Hashes a batch on the calling thread (for pool workers); files of
/// `defer_from` bytes or more are left out and listed with their sizes.
#[napi]
pub fn hash_files_sync(paths: Vec<Either<String, &[u8]>>, defer_from: Option<f64>) -> Result<BatchOutput> {
  guard(|| {
    let paths: Vec<PathBuf> = paths.into_iter().map(to_path).collect();
    Ok(hash_batch(&paths, &Cancel::default(), defer_bytes(defer_from)).into())
  })
}

/// `deferFrom` from JS: absent (or not a positive number) means never.
pub fn defer_bytes(defer_from: Option<f64>) -> u64 {
  match defer_from {
    Some(n) if n >= 0.0 => n.ceil() as u64,
    _ => u64::MAX,
  }
}
