#!/usr/bin/env bash
# Compares SHA-512 implementations on this machine (see ../../README.md).
# Usage: pnpm --filter @mpool/sha512-native compare   (about 1-2 minutes)
set -euo pipefail
cd "$(dirname "$0")"
export PATH="$PATH:${CARGO_HOME:-$HOME/.cargo}/bin"

cargo build -q --release
echo "| implementation | 1 MiB blocks, MB/s | 4 KiB files, files/s |"
echo "|---|---|---|"
./target/release/sha512-compare
node node-crypto.mjs
