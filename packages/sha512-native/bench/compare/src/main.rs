//! Throughput of candidate SHA-512 implementations, measured the way the
//! addon uses them: large in-memory blocks, and many small files read whole.
//! Prints markdown table rows (median of interleaved rounds) for the package
//! README; run.sh adds a node:crypto row. All candidates live in one binary so
//! that their rounds can be interleaved: this VM is shared and noisy.

use std::fs;
use std::hint::black_box;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

type OneShot = fn(&[u8]) -> [u8; 64];

fn sha2_10(d: &[u8]) -> [u8; 64] {
  use sha2_10::Digest;
  sha2_10::Sha512::digest(d).into()
}
fn sha2_11(d: &[u8]) -> [u8; 64] {
  use sha2_11::Digest;
  sha2_11::Sha512::digest(d).into()
}
/// What sha2's `asm` feature plugs in: sha2-asm's x86-64 assembly compression
/// function. sha2 0.10 only uses it where AVX2 is missing, so on this CPU it is
/// driven directly (with the standard padding) to measure it at all.
fn sha2_asm(d: &[u8]) -> [u8; 64] {
  let mut state: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
  ];
  let (blocks, rest) = d.as_chunks::<128>();
  sha2_asm::compress512(&mut state, blocks);
  let mut tail = [0u8; 256];
  tail[..rest.len()].copy_from_slice(rest);
  tail[rest.len()] = 0x80;
  let n = if rest.len() + 17 <= 128 { 128 } else { 256 };
  tail[n - 16..n].copy_from_slice(&(d.len() as u128 * 8).to_be_bytes());
  sha2_asm::compress512(&mut state, tail[..n].as_chunks::<128>().0);
  let mut out = [0u8; 64];
  for (o, w) in out.chunks_exact_mut(8).zip(state) {
    o.copy_from_slice(&w.to_be_bytes());
  }
  out
}
fn ring(d: &[u8]) -> [u8; 64] {
  ring::digest::digest(&ring::digest::SHA512, d)
    .as_ref()
    .try_into()
    .unwrap()
}
fn openssl_sha(d: &[u8]) -> [u8; 64] {
  openssl::sha::sha512(d)
}
fn openssl_evp(d: &[u8]) -> [u8; 64] {
  let mut h = openssl::hash::Hasher::new(openssl::hash::MessageDigest::sha512()).unwrap();
  h.update(d).unwrap();
  h.finish().unwrap().as_ref().try_into().unwrap()
}

const ROUNDS: usize = 9;

fn median(mut v: Vec<f64>) -> f64 {
  v.sort_by(|a, b| a.partial_cmp(b).unwrap());
  v[v.len() / 2]
}

/// MB/s (10^6 bytes) hashing one 1 MiB block `reps` times.
fn blocks(f: OneShot, buf: &[u8], reps: usize) -> f64 {
  let t = Instant::now();
  for _ in 0..reps {
    black_box(f(black_box(buf)));
  }
  (buf.len() * reps) as f64 / t.elapsed().as_secs_f64() / 1e6
}

/// files/s for open + read whole + hash + close over `files`.
fn files(f: OneShot, files: &[PathBuf]) -> f64 {
  let mut buf = Vec::with_capacity(8192);
  let t = Instant::now();
  for p in files {
    buf.clear();
    fs::File::open(p).unwrap().read_to_end(&mut buf).unwrap();
    black_box(f(&buf));
  }
  files.len() as f64 / t.elapsed().as_secs_f64()
}

fn make_files(dir: &Path, n: usize) -> Vec<PathBuf> {
  fs::create_dir_all(dir).unwrap();
  (0..n)
    .map(|i| {
      let p = dir.join(format!("f{i}"));
      let body: Vec<u8> = (0..4096u32)
        .map(|j| (j.wrapping_mul(31) ^ i as u32) as u8)
        .collect();
      fs::write(&p, body).unwrap();
      p
    })
    .collect()
}

fn main() {
  let all: [(&str, OneShot); 6] = [
    ("sha2 0.10.9 (AVX2 backend, chosen at run time)", sha2_10),
    ("sha2 0.10.9 `asm` feature (sha2-asm 0.6.4)", sha2_asm),
    ("sha2 0.11.1 (AVX2 backend, chosen at run time)", sha2_11),
    ("ring 0.17.14", ring),
    ("openssl 0.10.82, SHA512_* (chosen)", openssl_sha),
    ("openssl 0.10.82, EVP", openssl_evp),
  ];
  // Optional name filter, e.g. `sha2 0.10`, so other builds print only their row.
  let only = std::env::args().nth(1).unwrap_or_default();
  let impls: Vec<_> = all
    .into_iter()
    .filter(|(n, _)| n.starts_with(only.as_str()))
    .collect();
  let block: Vec<u8> = (0..1 << 20).map(|i: u32| (i * 7) as u8).collect();
  let dir = std::env::temp_dir().join(format!("sha512-compare-{}", std::process::id()));
  let paths = make_files(&dir, 10_000);
  // All candidates must agree before any figure means anything.
  let want = openssl_sha(&block);
  for (name, f) in &impls {
    assert_eq!(f(&block), want, "{name} disagrees");
  }

  // Rounds interleave the candidates, and medians are reported, so a noisy
  // neighbour on the VM slows every candidate alike.
  let mut mb = vec![Vec::new(); impls.len()];
  let mut fps = vec![Vec::new(); impls.len()];
  for (_, f) in &impls {
    blocks(*f, &block, 20);
  } // warm-up: feature detection, caches
  for _ in 0..ROUNDS {
    for (i, (_, f)) in impls.iter().enumerate() {
      mb[i].push(blocks(*f, &block, 100));
      fps[i].push(files(*f, &paths));
    }
  }
  for (i, (name, _)) in impls.iter().enumerate() {
    println!(
      "| {name} | {:.0} | {:.0} |",
      median(mb[i].clone()),
      median(fps[i].clone())
    );
  }
  fs::remove_dir_all(&dir).unwrap();
}
