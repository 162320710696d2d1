//! The read-ahead threads' work list (prefetch.rs): paths a hasher or walk is about to read
//! ("needed", always first) and paths found by reading a directory's subtree ahead
//! ("speculative", taken only while the read-ahead window has room), with repeats dropped.

use std::collections::{HashSet, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

/// Paths waiting in each list beyond which new ones are dropped (the hasher is far behind).
const QUEUE_MAX: usize = 4096;
/// How many queued paths are remembered to drop repeats (a hash each: 8 bytes).
const RECENT: usize = 16 << 10;

/// One path to read ahead; `subtree`: a directory whose entries are read ahead in turn.
pub struct Item {
  pub path: PathBuf,
  pub subtree: bool,
}

/// Paths waiting for a read-ahead thread, and those queued lately: the same file is often
/// handed over twice (by the walk that listed it, then by the batch that hashes it), and a
/// second open + advise of it costs as much as the first.
#[derive(Default)]
pub struct Waiting {
  needed: VecDeque<Item>,
  speculative: VecDeque<Item>,
  recent: HashSet<u64>,
  order: VecDeque<u64>,
}

fn key(path: &Path) -> u64 {
  let mut h = DefaultHasher::new();
  path.hash(&mut h);
  h.finish()
}

impl Waiting {
  /// Queues `path` unless it was queued lately or its list is full; true if it was queued.
  pub fn push(&mut self, path: &Path, subtree: bool, speculative: bool) -> bool {
    let list = if speculative {
      &self.speculative
    } else {
      &self.needed
    };
    if list.len() >= QUEUE_MAX {
      return false;
    }
    let key = key(path);
    if !self.recent.insert(key) {
      return false;
    }
    self.order.push_back(key);
    if self.order.len() > RECENT {
      if let Some(old) = self.order.pop_front() {
        self.recent.remove(&old);
      }
    }
    let item = Item {
      path: path.to_path_buf(),
      subtree,
    };
    if speculative {
      self.speculative.push_back(item);
    } else {
      self.needed.push_back(item);
    }
    true
  }

  /// The next needed path, else (if `room`) the next speculative one.
  pub fn pop(&mut self, room: bool) -> Option<Item> {
    if let Some(item) = self.needed.pop_front() {
      return Some(item);
    }
    if room {
      return self.speculative.pop_front();
    }
    None
  }

  pub fn has_speculative(&self) -> bool {
    !self.speculative.is_empty()
  }

  /// Drops every speculative path (the cache no longer looks cold); they may be queued again.
  /// Returns how many there were.
  pub fn drop_speculative(&mut self) -> usize {
    let n = self.speculative.len();
    for item in self.speculative.drain(..) {
      self.recent.remove(&key(&item.path));
    }
    n
  }
}
