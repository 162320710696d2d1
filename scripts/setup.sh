#!/usr/bin/env bash
# Installs everything mpool needs on a fresh machine, then builds every package.
# Used by the README's first command and by .ci/run, so both stay the same.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2   # see ../shared/docs/toolchain.md for why exactly this one
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

# Debian packages: a C toolchain for the Rust addon and the tools tests compare against
# (sha512sum is coreutils; setpriv is util-linux, used to test permission errors as non-root).
need_apt=()
command -v cc >/dev/null || need_apt+=(build-essential)
# sha512-native links OpenSSL's SHA-512 (the fastest one measured here; see its README).
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
[ -f /usr/include/openssl/sha.h ] || need_apt+=(libssl-dev)
command -v setpriv >/dev/null || need_apt+=(util-linux)
command -v sha512sum >/dev/null || need_apt+=(coreutils)
# digest-cli's --exclude tests compare with `git ls-files -o --exclude=...`.
command -v git >/dev/null || need_apt+=(git)
[ -x /usr/bin/time ] || need_apt+=(time)
# @mpool/pool-bullmq's tests run a real Redis (Debian's 7.0.x); its package does not start a daemon here.
command -v redis-server >/dev/null || need_apt+=(redis-server)
# …and its TLS test makes a throw-away CA and server certificate with the openssl command.
command -v openssl >/dev/null || need_apt+=(openssl)
if ! command -v cargo >/dev/null; then
  # rustup's toolchain if the machine has one, else Debian's cargo.
  if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; else need_apt+=(cargo); fi
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} with apt-get"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v pnpm >/dev/null || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install -g "pnpm@$PNPM_VERSION" --allow-scripts=pnpm >/dev/null 2>&1 || npm install -g "pnpm@$PNPM_VERSION" >/dev/null
fi

pnpm install --frozen-lockfile
pnpm build
