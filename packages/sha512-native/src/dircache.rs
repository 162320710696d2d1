//! `--cache` for a directory scan (dirscan.rs): each regular file's metadata by `fstatat`
//! relative to the directory, matched against the directory's entries of the previous cache,
//! so that an unchanged file costs one system call and no JS work at all ([`settle`]; the
//! files it settles go first, and [`merged`] puts their record before the hashed files').
//!
//! The rule is digest-tree's (apps/digest-cli/src/cache-match.ts), and must stay the same: a
//! cached digest is reused only when dev, ino, size, mtime ns and ctime ns all equal the entry's
//! AND both times are older than `cutoff_ns` (the previous cache's write time less a margin:
//! git's "racily clean" rule). The metadata layout is cache-format.ts's: five u64 LE.

use std::collections::HashMap;
use std::os::fd::RawFd;

use crate::batch::{DeferredFile, RawBatch};
use crate::dirlist::{stat_at, Listing};
use crate::file::Failure;
use crate::outcome::FileFailure;

/// Bytes of the metadata of one file (dev, ino, size, mtime ns, ctime ns).
pub const META_BYTES: usize = 40;
const DIGEST_BYTES: usize = 64;

/// The metadata of `st` as a cache entry keeps it.
pub fn meta_of(st: &libc::stat) -> [u8; META_BYTES] {
  let words = [
    st.st_dev,
    st.st_ino,
    st.st_size as u64,
    ns(st.st_mtime, st.st_mtime_nsec) as u64,
    ns(st.st_ctime, st.st_ctime_nsec) as u64,
  ];
  let mut out = [0u8; META_BYTES];
  for (k, w) in words.iter().enumerate() {
    out[k * 8..k * 8 + 8].copy_from_slice(&w.to_le_bytes());
  }
  out
}

/// A time in ns since the epoch (signed: a file may predate 1970).
fn ns(sec: i64, nsec: i64) -> i128 {
  i128::from(sec) * 1_000_000_000 + i128::from(nsec)
}

/// One directory's entries of the previous cache, by name.
pub struct Cached<'a> {
  by_name: HashMap<&'a [u8], (&'a [u8], &'a [u8])>,
  cutoff_ns: u64,
}

impl<'a> Cached<'a> {
  /// Indexes `entries` (name length u16 LE, name, metadata, digest; repeated). A block that runs
  /// past its end stops the index there: the cache file was verified by its checksum, so that
  /// can only be a caller's mistake, and it only means fewer files reused.
  pub fn new(entries: &'a [u8], cutoff_ns: u64) -> Self {
    let mut by_name = HashMap::new();
    let mut at = 0;
    while at + 2 <= entries.len() {
      let len = u16::from_le_bytes([entries[at], entries[at + 1]]) as usize;
      let end = at + 2 + len + META_BYTES + DIGEST_BYTES;
      if end > entries.len() {
        break;
      }
      let name = &entries[at + 2..at + 2 + len];
      let meta = &entries[at + 2 + len..at + 2 + len + META_BYTES];
      by_name.insert(name, (meta, &entries[end - DIGEST_BYTES..end]));
      at = end;
    }
    Cached { by_name, cutoff_ns }
  }

  /// The cached digest of the file `name` of stats `st` (metadata `meta`) when its entry
  /// matches and it is not racy.
  pub fn reuse(&self, name: &[u8], st: &libc::stat, meta: &[u8; META_BYTES]) -> Option<&'a [u8]> {
    let cutoff = i128::from(self.cutoff_ns);
    if ns(st.st_mtime, st.st_mtime_nsec) >= cutoff || ns(st.st_ctime, st.st_ctime_nsec) >= cutoff {
      return None;
    }
    let (cached_meta, digest) = self.by_name.get(name)?;
    (*cached_meta == meta.as_slice()).then_some(*digest)
  }
}

/// Files settled by their stats alone (--cache), moved to the front of `listing.files`.
pub struct Settled {
  pub count: usize,
  /// Digests of the settled files (64 bytes each; zeros for a failed one).
  digests: Vec<u8>,
  failures: Vec<FileFailure>,
  /// Metadata of every regular file, in the new order of `listing.files`.
  meta: Vec<u8>,
  /// Sizes of the reused files.
  pub bytes: u64,
  pub reused: u32,
}

/// Stats every regular file: those whose digest `cached` gives, and those that vanished since
/// the listing (failed `fstatat`: reported like a failed open), go first.
pub fn settle(dirfd: RawFd, listing: &mut Listing, cached: Option<&Cached>) -> Settled {
  let mut first = Vec::new();
  let mut later = Vec::new();
  for &e in &listing.files {
    let st = stat_at(dirfd, &listing.names, e);
    let found = st.map(|st| {
      let meta = meta_of(&st);
      let digest = cached.and_then(|c| c.reuse(listing.name(e), &st, &meta));
      (meta, digest, st.st_size as u64)
    });
    match found {
      Ok((meta, Some(digest), size)) => first.push((e, meta, Ok((digest, size)))),
      Ok((meta, None, _)) => later.push((e, meta)),
      Err(errno) => first.push((e, [0; META_BYTES], Err(errno))),
    }
  }
  let mut out = Settled {
    count: first.len(),
    digests: Vec::with_capacity(first.len() * 64),
    failures: Vec::new(),
    meta: Vec::with_capacity(listing.files.len() * META_BYTES),
    bytes: 0,
    reused: 0,
  };
  let mut files = Vec::with_capacity(listing.files.len());
  for (i, (e, meta, got)) in first.into_iter().enumerate() {
    files.push(e);
    out.meta.extend_from_slice(&meta);
    match got {
      Ok((digest, size)) => {
        out.digests.extend_from_slice(digest);
        out.bytes += size;
        out.reused += 1;
      }
      Err(errno) => {
        out.digests.extend_from_slice(&[0; 64]);
        out.failures.push(FileFailure::new(
          i,
          Failure::Os {
            errno,
            syscall: "lstat",
          },
        ));
      }
    }
  }
  for (e, meta) in later {
    files.push(e);
    out.meta.extend_from_slice(&meta);
  }
  listing.files = files;
  out
}

/// The settled files' record followed by the hashed ones' (indices shifted past the settled).
pub fn merged(settled: Option<Settled>, raw: RawBatch) -> (RawBatch, Vec<u8>, u32) {
  let Some(s) = settled else {
    return (raw, Vec::new(), 0);
  };
  let shift = s.count;
  let mut digests = s.digests;
  digests.extend_from_slice(&raw.digests[..raw.started * 64]);
  let mut failures = s.failures;
  failures.extend(raw.failures.into_iter().map(|mut f| {
    f.index += shift as u32;
    f
  }));
  let deferred = raw
    .deferred
    .into_iter()
    .map(|d| DeferredFile {
      index: d.index + shift as u32,
      size: d.size,
    })
    .collect();
  let batch = RawBatch {
    digests,
    failures,
    deferred,
    started: shift + raw.started,
  };
  (batch, s.meta, s.reused)
}
