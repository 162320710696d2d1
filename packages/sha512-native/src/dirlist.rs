//! Listing one directory for dirscan.rs: every entry's name and type from `getdents64` on the
//! directory's descriptor, names kept NUL-terminated in one buffer (ready for `openat`/`fstatat`
//! relative to the directory, no allocation per file), regular files apart from the rest, each
//! in byte order of the names (the order `readdirSync` gives, libuv's scandir).

use std::os::fd::RawFd;

/// `d_type` of a regular file (dirent.h).
pub const DT_REG: u8 = 8;
pub const DT_UNKNOWN: u8 = 0;

pub fn errno() -> i32 {
  std::io::Error::last_os_error()
    .raw_os_error()
    .unwrap_or(libc::EIO)
}

/// A name in [`Listing::names`]: where it starts, its length (without the NUL), its type.
#[derive(Clone, Copy)]
pub struct Entry {
  pub start: u32,
  pub len: u32,
  pub kind: u8,
}

/// The entries of a directory: every name NUL-terminated in one buffer (ready for `openat`,
/// no allocation per file), the regular files and the other entries, each in byte order.
pub struct Listing {
  pub names: Vec<u8>,
  pub files: Vec<Entry>,
  pub others: Vec<Entry>,
}

impl Listing {
  pub fn name(&self, e: Entry) -> &[u8] {
    &self.names[e.start as usize..(e.start + e.len) as usize]
  }
}

/// Reads every entry of the directory open at `fd` (not `.` and `..`); an entry of unknown
/// type is looked up with `fstatat` (not following symlinks), and stays unknown if that fails.
pub fn list(fd: RawFd) -> std::result::Result<Listing, i32> {
  let mut listing = Listing {
    names: Vec::with_capacity(16 << 10),
    files: Vec::new(),
    others: Vec::new(),
  };
  // u64 words: dirent64 records are 8-byte aligned.
  let mut buf = vec![0u64; 4096];
  loop {
    // SAFETY: the buffer is valid for its length in bytes.
    let n = unsafe { libc::syscall(libc::SYS_getdents64, fd, buf.as_mut_ptr(), buf.len() * 8) };
    if n < 0 {
      let e = errno();
      if e == libc::EINTR {
        continue;
      }
      return Err(e);
    }
    if n == 0 {
      break;
    }
    // SAFETY: the kernel filled the first `n` bytes with dirent64 records.
    let bytes = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n as usize) };
    let mut at = 0;
    while at < bytes.len() {
      // struct linux_dirent64 { u64 d_ino; i64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
      let reclen = u16::from_ne_bytes([bytes[at + 16], bytes[at + 17]]) as usize;
      let kind = bytes[at + 18];
      let name_area = &bytes[at + 19..at + reclen];
      let len = name_area.iter().position(|&b| b == 0).unwrap_or(name_area.len());
      let name = &name_area[..len];
      at += reclen;
      if name == b"." || name == b".." {
        continue;
      }
      let start = listing.names.len() as u32;
      listing.names.extend_from_slice(name);
      listing.names.push(0);
      let mut entry = Entry {
        start,
        len: len as u32,
        kind,
      };
      if kind == DT_UNKNOWN {
        entry.kind = kind_at(fd, &listing.names, entry).unwrap_or(DT_UNKNOWN);
      }
      if entry.kind == DT_REG {
        listing.files.push(entry);
      } else {
        listing.others.push(entry);
      }
    }
  }
  let names = std::mem::take(&mut listing.names);
  let by_name = |a: &Entry, b: &Entry| {
    names[a.start as usize..(a.start + a.len) as usize]
      .cmp(&names[b.start as usize..(b.start + b.len) as usize])
  };
  listing.files.sort_unstable_by(by_name);
  listing.others.sort_unstable_by(by_name);
  listing.names = names;
  Ok(listing)
}

/// `fstatat` of an entry (not following symlinks).
pub fn stat_at(dirfd: RawFd, names: &[u8], e: Entry) -> std::result::Result<libc::stat, i32> {
  let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
  // SAFETY: names[e.start..] is NUL-terminated; `st` is read only after success.
  let r = unsafe {
    libc::fstatat(
      dirfd,
      names.as_ptr().add(e.start as usize).cast(),
      st.as_mut_ptr(),
      libc::AT_SYMLINK_NOFOLLOW,
    )
  };
  if r != 0 {
    return Err(errno());
  }
  // SAFETY: filled by the successful call.
  Ok(unsafe { st.assume_init() })
}

/// The `d_type` matching an entry's `st_mode`.
fn kind_at(dirfd: RawFd, names: &[u8], e: Entry) -> Option<u8> {
  let mode = stat_at(dirfd, names, e).ok()?.st_mode & libc::S_IFMT;
  Some(match mode {
    libc::S_IFREG => DT_REG,
    libc::S_IFDIR => libc::DT_DIR,
    libc::S_IFLNK => libc::DT_LNK,
    libc::S_IFIFO => libc::DT_FIFO,
    libc::S_IFSOCK => libc::DT_SOCK,
    libc::S_IFCHR => libc::DT_CHR,
    libc::S_IFBLK => libc::DT_BLK,
    _ => DT_UNKNOWN,
  })
}

pub fn size_at(dirfd: RawFd, names: &[u8], e: Entry) -> Option<u64> {
  stat_at(dirfd, names, e).ok().map(|st| st.st_size as u64)
}
