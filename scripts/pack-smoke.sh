#!/usr/bin/env bash
# Pack-and-install smoke test: every publishable package is packed as npm would publish it,
# installed from the tarballs into an empty project outside the repo (no workspace links), and
# used from ESM and CommonJS: both pool backends, the hasher, and the digest-tree command.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mpool-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tarballs" "$work/app"

for dir in "$repo"/packages/* "$repo"/apps/*; do
  [ -f "$dir/package.json" ] || continue
  if node -e "process.exit(require('$dir/package.json').private ? 0 : 1)"; then continue; fi
  (cd "$dir" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
echo "smoke: packed $(ls "$work/tarballs" | tr '\n' ' ')"

cd "$work/app"
echo '{ "name": "smoke-app", "private": true }' > package.json
npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/*.tgz >/dev/null

cat > tasks.mjs <<'JS'
import { defineTasks } from '@mpool/pool-core';
export const { sqr } = defineTasks(import.meta.url, { sqr: (x) => x * x });
JS
cat > tasks.cjs <<'JS'
const { defineTasks } = require('@mpool/pool-core');
module.exports = defineTasks(__filename, { cube: (x) => x * x * x });
JS
for backend in threads procs; do
  class=$([ $backend = threads ] && echo ThreadPool || echo ProcessPool)
  cat > "esm-$backend.mjs" <<JS
import { $class } from '@mpool/pool-$backend';
import { sqr } from './tasks.mjs';
const pool = new $class({ processes: 2 });
const out = await pool.map(sqr, [1, 2, 3]);
pool.close(); await pool.join(10000);
if (JSON.stringify(out) !== '[1,4,9]') { console.error('esm $backend got', out); process.exit(1); }
console.log('smoke: esm $backend ok');
JS
  cat > "cjs-$backend.cjs" <<JS
const { $class } = require('@mpool/pool-$backend');
const { cube } = require('./tasks.cjs');
(async () => {
  const pool = new $class({ processes: 2 });
  const out = await pool.map(cube, [1, 2, 3]);
  pool.close(); await pool.join(10000);
  if (JSON.stringify(out) !== '[1,8,27]') { console.error('cjs $backend got', out); process.exit(1); }
  console.log('smoke: cjs $backend ok');
})();
JS
  node "esm-$backend.mjs"
  node "cjs-$backend.cjs"
done

cat > hash-check.cjs <<'JS'
const h = require('@mpool/sha512-native');
const want = 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';
const got = h.sha512('abc').toString('hex');
if (got !== want || h.isNative !== (process.argv[2] === 'native')) { console.error('sha512-native', { got, isNative: h.isNative }); process.exit(1); }
console.log(`smoke: sha512-native ok, isNative=${h.isNative}`);
JS
node hash-check.cjs native
# Without a usable binary the package must fall back to node:crypto and say so.
rm node_modules/@mpool/sha512-native/*.node
node hash-check.cjs fallback

mkdir -p tree/sub && printf 'hello\n' > tree/a.txt && printf '' > tree/sub/empty
./node_modules/.bin/digest-tree --version
(cd tree && ../node_modules/.bin/digest-tree . > ../manifest && sha512sum -c --strict --quiet ../manifest)
echo "smoke: digest-tree manifest verified by sha512sum ($(wc -l < manifest) files)"
