//! Off-thread variants: one napi AsyncTask per call, run on libuv's pool.
//! Cancellation uses our own token rather than napi-rs's AbortSignal support,
//! which overwrites the signal's `onabort` property and cannot stop a task
//! that has already started; the token is checked between chunks and files.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::batch::{hash_batch, BatchOutput, RawBatch};
use crate::file::{self, Cancel, Failure};
use crate::guard::guard;
use crate::outcome::{to_path, FileFailure};

/// Set from JS when the caller's AbortSignal fires.
#[napi]
pub struct CancelToken {
  flag: Arc<AtomicBool>,
}

#[napi]
impl CancelToken {
  /// A token that is not cancelled yet.
  #[napi(constructor)]
  pub fn new() -> Self {
    CancelToken {
      flag: Arc::new(AtomicBool::new(false)),
    }
  }

  /// Asks running and queued tasks holding this token to stop at the next check.
  #[napi]
  pub fn cancel(&self) {
    self.flag.store(true, Ordering::Relaxed);
  }
}

fn cancel_of(token: Option<&CancelToken>) -> Cancel {
  Cancel(token.map(|t| t.flag.clone()))
}

pub struct HashFileTask {
  path: PathBuf,
  cancel: Cancel,
}

impl Task for HashFileTask {
  type Output = std::result::Result<[u8; 64], Failure>;
  type JsValue = Either<Buffer, FileFailure>;

  fn compute(&mut self) -> Result<Self::Output> {
    guard(|| Ok(file::hash_file(&self.path, &self.cancel)))
  }

  fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
    Ok(match output {
      Ok(d) => Either::A(d.to_vec().into()),
      Err(f) => Either::B(FileFailure::new(0, f)),
    })
  }
}

/// Hashes one file on the libuv thread pool.
#[napi(ts_return_type = "Promise<Buffer | FileFailure>")]
pub fn hash_file(path: Either<String, &[u8]>, token: Option<&CancelToken>) -> AsyncTask<HashFileTask> {
  AsyncTask::new(HashFileTask {
    path: to_path(path),
    cancel: cancel_of(token),
  })
}

pub struct HashFilesTask {
  paths: Vec<PathBuf>,
  cancel: Cancel,
}

impl Task for HashFilesTask {
  type Output = RawBatch;
  type JsValue = BatchOutput;

  fn compute(&mut self) -> Result<Self::Output> {
    guard(|| Ok(hash_batch(&self.paths, &self.cancel, u64::MAX)))
  }

  fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
    Ok(output.into())
  }
}

/// Hashes a batch on the libuv thread pool (one pool round trip in total).
#[napi(ts_return_type = "Promise<BatchOutput>")]
pub fn hash_files_async(
  paths: Vec<Either<String, &[u8]>>,
  token: Option<&CancelToken>,
) -> AsyncTask<HashFilesTask> {
  AsyncTask::new(HashFilesTask {
    paths: paths.into_iter().map(to_path).collect(),
    cancel: cancel_of(token),
  })
}
