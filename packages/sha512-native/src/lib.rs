//! Native half of @mpool/sha512-native: SHA-512 of whole files (open, read,
//! hash, close in one call), off the JS thread when asked. The JS facade
//! (api.js) turns the plain failure records returned here into errors, so the
//! native and node:crypto backends raise identical errors.

mod batch;
mod dircache;
mod dirlist;
mod dirscan;
mod file;
mod guard;
mod hasher;
mod lines;
// The four-lane hasher uses x86-64 vector instructions; other targets use OpenSSL alone.
#[cfg(target_arch = "x86_64")]
mod multi;
mod open;
mod outcome;
mod prefetch;
mod prefetch_queue;
mod prefetch_window;
mod probe;
mod speed;
mod task;
#[cfg(target_arch = "x86_64")]
mod x4;
