//! The JS-facing shapes of results: path arguments in, failure records out.
//! Failures are data, not exceptions, so one bad file never fails a batch and
//! the facade can build the same Error objects for both backends.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use napi::bindgen_prelude::Either;
use napi_derive::napi;

use crate::file::Failure;

/// A path as JS passes it: a string, or raw bytes (Buffer/Uint8Array) for
/// names that are not valid UTF-8.
pub type JsPath<'a> = Either<String, &'a [u8]>;

/// Copies a JS path into an owned PathBuf (needed anyway to leave the JS thread).
pub fn to_path(p: JsPath) -> PathBuf {
  match p {
    Either::A(s) => PathBuf::from(s),
    Either::B(bytes) => PathBuf::from(OsStr::from_bytes(bytes)),
  }
}

/// Why one file could not be hashed (see api.js `toError`).
#[napi(object)]
pub struct FileFailure {
  /// Position of the file in the batch (0 for single-file calls).
  pub index: u32,
  /// "os" | "notRegular" | "invalidPath" | "aborted"
  pub kind: String,
  /// errno of the failing system call when kind is "os", else 0.
  pub errno: i32,
  /// The system call that failed ("open", "fstat", "read"), or "".
  pub syscall: String,
  /// For kind "notRegular": "fifo", "socket", "character device", ...
  pub file_type: String,
}

impl FileFailure {
  pub fn new(index: usize, failure: Failure) -> Self {
    let (kind, errno, syscall, file_type) = match failure {
      Failure::Os { errno, syscall } => ("os", errno, syscall, ""),
      Failure::NotRegular(t) => ("notRegular", 0, "open", t),
      Failure::InvalidPath => ("invalidPath", 0, "open", ""),
      Failure::Aborted => ("aborted", 0, "", ""),
    };
    FileFailure {
      // Batches are built from JS arrays, whose length fits in u32.
      index: u32::try_from(index).unwrap_or(u32::MAX),
      kind: kind.into(),
      errno,
      syscall: syscall.into(),
      file_type: file_type.into(),
    }
  }
}
