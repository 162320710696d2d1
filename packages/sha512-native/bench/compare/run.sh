#!/usr/bin/env bash
# Compares SHA-512 implementations on this machine (see ../../README.md).
# Usage: pnpm --filter @mpool/sha512-native compare   (about 2-3 minutes; builds 3 times)
set -euo pipefail
cd "$(dirname "$0")"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

cargo build -q --release
cargo build -q --release --features asm --target-dir target/asm
RUSTFLAGS='--cfg sha2_backend="soft"' cargo build -q --release --target-dir target/soft

echo "| implementation | 1 MiB blocks, MB/s | 4 KiB files, files/s |"
echo "|---|---|---|"
./target/release/sha512-compare
./target/asm/release/sha512-compare "sha2 0.10"
./target/soft/release/sha512-compare "sha2 0.11"
node node-crypto.mjs
