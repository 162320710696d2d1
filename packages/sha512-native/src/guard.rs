//! Panic containment. napi-rs only catches panics in functions marked
//! `catch_unwind`, and never in `Task::compute` (a panic there would unwind
//! into libuv's C frames and abort the process), so every entry point runs its
//! body through `guard`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::{Error, Result, Status};

/// Runs `f`, turning a panic into an ordinary `Err` (a JS exception).
pub fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
  // AssertUnwindSafe: after a panic we only report it; no state touched by `f`
  // is used again except a hasher, which the facade then treats as failed.
  match catch_unwind(AssertUnwindSafe(f)) {
    Ok(result) => result,
    Err(payload) => {
      let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic payload".into());
      Err(Error::new(
        Status::GenericFailure,
        format!("sha512-native: internal panic: {what}"),
      ))
    }
  }
}

/// Test hook: panics inside `guard`, so the test suite can prove a panic
/// becomes a JS error instead of a crashed process.
#[napi_derive::napi]
pub fn panic_for_tests() -> Result<()> {
  guard(|| panic!("deliberate panic for tests"))
}
