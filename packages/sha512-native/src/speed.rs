//! Bench hook: the four-lane code's speed from memory, with no file, read or copy involved.
//! `pnpm bench` reports it (on every core at once) as the limit a directory digest of big
//! files is compared with, beside OpenSSL's one-stream speed.

use napi_derive::napi;

use crate::guard::guard;

/// MB/s (10^6 bytes/s) of the four-lane hasher on this thread, hashing four in-memory buffers
/// of `mib_per_lane` MiB over and over for about `seconds`; 0 when the CPU lacks AVX-512VL
/// (batches then use OpenSSL's one-stream code).
#[napi]
pub fn lanes_speed_for_bench(mib_per_lane: u32, seconds: f64) -> napi::Result<f64> {
  guard(|| Ok(measure(mib_per_lane.max(1) as usize, seconds.max(0.01))))
}

#[cfg(target_arch = "x86_64")]
fn measure(mib: usize, seconds: f64) -> f64 {
  use crate::x4::{self, BLOCK, LANES};
  if !x4::supported() {
    return 0.0;
  }
  let len = mib << 20;
  // Not zeros, so no part of the pipeline could take a shortcut.
  let bufs: Vec<Vec<u8>> = (0..LANES).map(|l| (0..len).map(|i| (i * 131 + l * 7) as u8).collect()).collect();
  let mut state = x4::State::new();
  let started = std::time::Instant::now();
  let mut bytes = 0usize;
  while started.elapsed().as_secs_f64() < seconds {
    let data: [*const u8; LANES] = std::array::from_fn(|l| bufs[l].as_ptr());
    // SAFETY: supported() holds; each buffer holds len / BLOCK whole blocks.
    unsafe { x4::compress(&mut state, data, len / BLOCK) };
    bytes += LANES * len;
  }
  std::hint::black_box(&state.words);
  bytes as f64 / 1e6 / started.elapsed().as_secs_f64()
}

#[cfg(not(target_arch = "x86_64"))]
fn measure(_mib: usize, _seconds: f64) -> f64 {
  0.0
}
