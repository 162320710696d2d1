//! Whole batches in one native call: per-file JS↔native crossings were what
//! made JS-side hashing slow, so a worker hands over its whole list at once.

use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::file::{hash_file, Cancel};
use crate::guard::guard;
use crate::outcome::{to_path, FileFailure};

/// Result of a batch: digest i is `digests[64*i .. 64*i+64]` unless a failure
/// with index i is listed (its 64 bytes are then zero). One Buffer for the
/// whole batch keeps allocation and GC cost per file near zero.
#[napi(object)]
pub struct BatchOutput {
  pub digests: Buffer,
  pub failures: Vec<FileFailure>,
}

/// The plain-Rust form of a batch result, built off the JS thread.
pub struct RawBatch {
  pub digests: Vec<u8>,
  pub failures: Vec<FileFailure>,
}

impl From<RawBatch> for BatchOutput {
  fn from(raw: RawBatch) -> Self {
    BatchOutput {
      digests: raw.digests.into(),
      failures: raw.failures,
    }
  }
}

/// Hashes every path in order; stops early only if cancelled.
pub fn hash_batch(paths: &[PathBuf], cancel: &Cancel) -> RawBatch {
  let mut digests = vec![0u8; paths.len() * 64];
  let mut failures = Vec::new();
  for (i, (path, out)) in paths.iter().zip(digests.chunks_exact_mut(64)).enumerate() {
    match hash_file(path, cancel) {
      Ok(d) => out.copy_from_slice(&d),
      Err(f) => failures.push(FileFailure::new(i, f)),
    }
    if cancel.is_set() {
      break;
    }
  }
  RawBatch { digests, failures }
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

/// Hashes a batch on the calling thread (for pool workers).
#[napi]
pub fn hash_files_sync(paths: Vec<Either<String, &[u8]>>) -> Result<BatchOutput> {
  guard(|| {
    let paths: Vec<PathBuf> = paths.into_iter().map(to_path).collect();
    Ok(hash_batch(&paths, &Cancel::default()).into())
  })
}
