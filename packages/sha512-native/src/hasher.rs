//! Streaming and one-shot SHA-512 over memory. OpenSSL's SHA512_* functions
//! are used because they were the fastest candidate on the target CPU (AVX2
//! code path); see README "Choosing the implementation".

use napi::bindgen_prelude::*;
use napi_derive::napi;
use openssl::sha;

use crate::guard::guard;

/// Streaming hasher. Finalization rules (update/digest after digest) are
/// enforced by the JS facade so both backends behave alike; the native side
/// only refuses to touch a consumed state.
#[napi]
pub struct Sha512 {
  state: Option<sha::Sha512>,
}

fn finalized() -> Error {
  Error::new(Status::InvalidArg, "Digest already called".to_owned())
}

#[napi]
impl Sha512 {
  /// A fresh SHA-512 state.
  #[napi(constructor)]
  pub fn new() -> Self {
    Sha512 {
      state: Some(sha::Sha512::new()),
    }
  }

  /// Feeds bytes (any Uint8Array, Buffer included) without copying them.
  #[napi]
  pub fn update(&mut self, data: &[u8]) -> Result<()> {
    guard(|| {
      self.state.as_mut().ok_or_else(finalized)?.update(data);
      Ok(())
    })
  }

  /// Feeds a string as UTF-8 (lone surrogates become U+FFFD, as in node:crypto).
  #[napi]
  pub fn update_string(&mut self, data: String) -> Result<()> {
    self.update(data.as_bytes())
  }

  /// Returns the 64-byte digest and consumes the state.
  #[napi]
  pub fn digest<'e>(&mut self, env: &'e Env) -> Result<BufferSlice<'e>> {
    guard(|| {
      let digest = self.state.take().ok_or_else(finalized)?.finish();
      BufferSlice::copy_from(env, digest)
    })
  }
}

/// One-shot SHA-512 of bytes.
#[napi]
pub fn sha512<'e>(env: &'e Env, data: &[u8]) -> Result<BufferSlice<'e>> {
  guard(|| BufferSlice::copy_from(env, sha::sha512(data)))
}

/// One-shot SHA-512 of a string's UTF-8 bytes.
#[napi]
pub fn sha512_string<'e>(env: &'e Env, data: String) -> Result<BufferSlice<'e>> {
  sha512(env, data.as_bytes())
}
