//! SHA-512 of four independent messages at once, one per 64-bit lane of a
//! 256-bit vector (AVX-512F + AVX-512VL: 64-bit rotates and three-input logic
//! on ymm registers). No CPU has SHA-512 instructions here, and the scalar
//! code (OpenSSL's) is bound by the dependency chain of each round; four
//! messages side by side fill the vector units instead, for ~2-3x the bytes
//! per cycle of one stream.

use std::arch::x86_64::*;

pub const LANES: usize = 4;
pub const BLOCK: usize = 128;

const K: [u64; 80] = [
  0x428a2f98d728ae22,
  0x7137449123ef65cd,
  0xb5c0fbcfec4d3b2f,
  0xe9b5dba58189dbbc,
  0x3956c25bf348b538,
  0x59f111f1b605d019,
  0x923f82a4af194f9b,
  0xab1c5ed5da6d8118,
  0xd807aa98a3030242,
  0x12835b0145706fbe,
  0x243185be4ee4b28c,
  0x550c7dc3d5ffb4e2,
  0x72be5d74f27b896f,
  0x80deb1fe3b1696b1,
  0x9bdc06a725c71235,
  0xc19bf174cf692694,
  0xe49b69c19ef14ad2,
  0xefbe4786384f25e3,
  0x0fc19dc68b8cd5b5,
  0x240ca1cc77ac9c65,
  0x2de92c6f592b0275,
  0x4a7484aa6ea6e483,
  0x5cb0a9dcbd41fbd4,
  0x76f988da831153b5,
  0x983e5152ee66dfab,
  0xa831c66d2db43210,
  0xb00327c898fb213f,
  0xbf597fc7beef0ee4,
  0xc6e00bf33da88fc2,
  0xd5a79147930aa725,
  0x06ca6351e003826f,
  0x142929670a0e6e70,
  0x27b70a8546d22ffc,
  0x2e1b21385c26c926,
  0x4d2c6dfc5ac42aed,
  0x53380d139d95b3df,
  0x650a73548baf63de,
  0x766a0abb3c77b2a8,
  0x81c2c92e47edaee6,
  0x92722c851482353b,
  0xa2bfe8a14cf10364,
  0xa81a664bbc423001,
  0xc24b8b70d0f89791,
  0xc76c51a30654be30,
  0xd192e819d6ef5218,
  0xd69906245565a910,
  0xf40e35855771202a,
  0x106aa07032bbd1b8,
  0x19a4c116b8d2d0c8,
  0x1e376c085141ab53,
  0x2748774cdf8eeb99,
  0x34b0bcb5e19b48a8,
  0x391c0cb3c5c95a63,
  0x4ed8aa4ae3418acb,
  0x5b9cca4f7763e373,
  0x682e6ff3d6b2b8a3,
  0x748f82ee5defb2fc,
  0x78a5636f43172f60,
  0x84c87814a1f0ab72,
  0x8cc702081a6439ec,
  0x90befffa23631e28,
  0xa4506cebde82bde9,
  0xbef9a3f7b2c67915,
  0xc67178f2e372532b,
  0xca273eceea26619c,
  0xd186b8c721c0c207,
  0xeada7dd6cde0eb1e,
  0xf57d4f7fee6ed178,
  0x06f067aa72176fba,
  0x0a637dc5a2c898a6,
  0x113f9804bef90dae,
  0x1b710b35131c471b,
  0x28db77f523047d84,
  0x32caab7b40c72493,
  0x3c9ebe0a15c9bebc,
  0x431d67c49c100d4c,
  0x4cc5d4becb3e42b6,
  0x597f299cfc657e2a,
  0x5fcb6fab3ad6faec,
  0x6c44198c4a475817,
];

/// The initial hash value of SHA-512.
pub const IV: [u64; 8] = [
  0x6a09e667f3bcc908,
  0xbb67ae8584caa73b,
  0x3c6ef372fe94f82b,
  0xa54ff53a5f1d36f1,
  0x510e527fade682d1,
  0x9b05688c2b3e6c1f,
  0x1f83d9abfb41bd6b,
  0x5be0cd19137e2179,
];

/// True when this CPU can run [`compress`].
pub fn supported() -> bool {
  is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl")
}

/// Four SHA-512 states, word-major: `words[w][lane]`.
#[derive(Clone, Copy)]
pub struct State {
  pub words: [[u64; LANES]; 8],
}

impl State {
  pub fn new() -> Self {
    State {
      words: IV.map(|w| [w; LANES]),
    }
  }

  /// Starts a new message in `lane`.
  pub fn reset(&mut self, lane: usize) {
    for (w, iv) in self.words.iter_mut().zip(IV) {
      w[lane] = iv;
    }
  }

  /// The eight words of `lane`.
  pub fn lane(&self, lane: usize) -> [u64; 8] {
    self.words.map(|w| w[lane])
  }

  pub fn set_lane(&mut self, lane: usize, h: [u64; 8]) {
    for (w, v) in self.words.iter_mut().zip(h) {
      w[lane] = v;
    }
  }

  /// The digest of `lane` (after its padded last block).
  pub fn digest(&self, lane: usize) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (chunk, w) in out.chunks_exact_mut(8).zip(&self.words) {
      chunk.copy_from_slice(&w[lane].to_be_bytes());
    }
    out
  }
}

/// Runs `blocks` compression rounds on every lane: lane `i` reads
/// `blocks * 128` bytes from `data[i]`.
///
/// # Safety
/// The CPU must pass [`supported`], and each `data[i]` must be valid for
/// `blocks * 128` bytes of reads.
#[target_feature(enable = "avx2,avx512f,avx512vl")]
pub unsafe fn compress(state: &mut State, data: [*const u8; LANES], blocks: usize) {
  let mut h: [__m256i; 8] = [_mm256_setzero_si256(); 8];
  for (v, w) in h.iter_mut().zip(&state.words) {
    *v = _mm256_loadu_si256(w.as_ptr().cast());
  }
  // Byte swap within each 64-bit word (SHA-512 words are big-endian).
  let bswap = _mm256_set_epi8(
    8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6,
    7,
  );
  for b in 0..blocks {
    let off = b * BLOCK;
    let mut w = [_mm256_setzero_si256(); 16];
    // Transpose: 4 words of each lane's block per load, then 4x4 64-bit transposes.
    for q in 0..4 {
      let r0 = _mm256_shuffle_epi8(_mm256_loadu_si256(data[0].add(off + 32 * q).cast()), bswap);
      let r1 = _mm256_shuffle_epi8(_mm256_loadu_si256(data[1].add(off + 32 * q).cast()), bswap);
      let r2 = _mm256_shuffle_epi8(_mm256_loadu_si256(data[2].add(off + 32 * q).cast()), bswap);
      let r3 = _mm256_shuffle_epi8(_mm256_loadu_si256(data[3].add(off + 32 * q).cast()), bswap);
      // r_i = [w0 w1 w2 w3] of lane i
      let t0 = _mm256_unpacklo_epi64(r0, r1); // l0w0 l1w0 l0w2 l1w2
      let t1 = _mm256_unpackhi_epi64(r0, r1); // l0w1 l1w1 l0w3 l1w3
      let t2 = _mm256_unpacklo_epi64(r2, r3); // l2w0 l3w0 l2w2 l3w2
      let t3 = _mm256_unpackhi_epi64(r2, r3); // l2w1 l3w1 l2w3 l3w3
      w[4 * q] = _mm256_permute2x128_si256::<0x20>(t0, t2);
      w[4 * q + 1] = _mm256_permute2x128_si256::<0x20>(t1, t3);
      w[4 * q + 2] = _mm256_permute2x128_si256::<0x31>(t0, t2);
      w[4 * q + 3] = _mm256_permute2x128_si256::<0x31>(t1, t3);
    }
    let mut v = h;
    // Fully unrolled (16 rounds per step, constant indices), so that the 16 schedule words and
    // the 8 state words all stay in the 32 vector registers; a rolled loop indexes `w` in memory.
    round16(&mut v, &mut w, 0, false);
    round16(&mut v, &mut w, 16, true);
    round16(&mut v, &mut w, 32, true);
    round16(&mut v, &mut w, 48, true);
    round16(&mut v, &mut w, 64, true);
    let [a, bb, c, d, e, f, g, hh] = v;
    h[0] = _mm256_add_epi64(h[0], a);
    h[1] = _mm256_add_epi64(h[1], bb);
    h[2] = _mm256_add_epi64(h[2], c);
    h[3] = _mm256_add_epi64(h[3], d);
    h[4] = _mm256_add_epi64(h[4], e);
    h[5] = _mm256_add_epi64(h[5], f);
    h[6] = _mm256_add_epi64(h[6], g);
    h[7] = _mm256_add_epi64(h[7], hh);
  }
  for (v, w) in h.iter().zip(state.words.iter_mut()) {
    _mm256_storeu_si256(w.as_mut_ptr().cast(), *v);
  }
}

/// Sixteen rounds from round `t0`; with `schedule`, each first extends the message schedule.
#[inline(always)]
unsafe fn round16(v: &mut [__m256i; 8], w: &mut [__m256i; 16], t0: usize, schedule: bool) {
  macro_rules! r {
    ($i:expr) => {
      if schedule {
        w[$i] = next_word(w[($i + 14) & 15], w[($i + 9) & 15], w[($i + 1) & 15], w[$i]);
      }
      round(v, w[$i], K[t0 + $i]);
    };
  }
  r!(0);
  r!(1);
  r!(2);
  r!(3);
  r!(4);
  r!(5);
  r!(6);
  r!(7);
  r!(8);
  r!(9);
  r!(10);
  r!(11);
  r!(12);
  r!(13);
  r!(14);
  r!(15);
}

/// W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16].
#[inline(always)]
unsafe fn next_word(w2: __m256i, w7: __m256i, w15: __m256i, w16: __m256i) -> __m256i {
  let s1 = _mm256_ternarylogic_epi64::<0x96>(
    _mm256_ror_epi64::<19>(w2),
    _mm256_ror_epi64::<61>(w2),
    _mm256_srli_epi64::<6>(w2),
  );
  let s0 = _mm256_ternarylogic_epi64::<0x96>(
    _mm256_ror_epi64::<1>(w15),
    _mm256_ror_epi64::<8>(w15),
    _mm256_srli_epi64::<7>(w15),
  );
  _mm256_add_epi64(_mm256_add_epi64(s1, w7), _mm256_add_epi64(s0, w16))
}

/// One round on state `v` = [a, b, c, d, e, f, g, h] with schedule word `wt`.
#[inline(always)]
unsafe fn round(v: &mut [__m256i; 8], wt: __m256i, k: u64) {
  let [a, b, c, d, e, f, g, h] = *v;
  // 0x96: x ^ y ^ z; 0xCA: e ? f : g (Ch); 0xE8: majority (Maj).
  let s1 = _mm256_ternarylogic_epi64::<0x96>(
    _mm256_ror_epi64::<14>(e),
    _mm256_ror_epi64::<18>(e),
    _mm256_ror_epi64::<41>(e),
  );
  let ch = _mm256_ternarylogic_epi64::<0xCA>(e, f, g);
  let kw = _mm256_add_epi64(wt, _mm256_set1_epi64x(k as i64));
  let t1 = _mm256_add_epi64(_mm256_add_epi64(h, s1), _mm256_add_epi64(ch, kw));
  let s0 = _mm256_ternarylogic_epi64::<0x96>(
    _mm256_ror_epi64::<28>(a),
    _mm256_ror_epi64::<34>(a),
    _mm256_ror_epi64::<39>(a),
  );
  let maj = _mm256_ternarylogic_epi64::<0xE8>(a, b, c);
  *v = [
    _mm256_add_epi64(t1, _mm256_add_epi64(s0, maj)),
    a,
    b,
    c,
    _mm256_add_epi64(d, t1),
    e,
    f,
    g,
  ];
}

/// Compresses whole blocks into one state with OpenSSL's one-stream code: a
/// lane left alone runs at 1/4 of the four-lane throughput, below OpenSSL's.
pub fn compress_one(h: &mut [u64; 8], blocks: &[u8]) {
  debug_assert_eq!(blocks.len() % BLOCK, 0);
  let mut ctx = std::mem::MaybeUninit::<openssl_sys::SHA512_CTX>::uninit();
  // SAFETY: SHA512_Init fills the whole context. With `num == 0` and whole
  // blocks, SHA512_Update runs the block function straight on `blocks` and
  // buffers nothing, so `h` afterwards is exactly the compressed state (the
  // length counters it also updates are not used: multi.rs pads itself).
  unsafe {
    openssl_sys::SHA512_Init(ctx.as_mut_ptr());
    let ctx = ctx.assume_init_mut();
    ctx.h = *h;
    openssl_sys::SHA512_Update(ctx, blocks.as_ptr().cast(), blocks.len());
    *h = ctx.h;
  }
}
