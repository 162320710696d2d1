//! Native half of @mpool/sha512-native: SHA-512 of whole files (open, read,
//! hash, close in one call), off the JS thread when asked. The JS facade
//! (api.js) turns the plain failure records returned here into errors, so the
//! native and node:crypto backends raise identical errors.

mod batch;
mod file;
mod guard;
mod hasher;
mod multi;
mod outcome;
mod task;
mod x4;
