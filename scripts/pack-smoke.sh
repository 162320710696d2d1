#!/usr/bin/env bash
# Pack-and-install smoke test: every publishable package is packed as npm would publish it,
# installed from the tarballs into an empty project outside the repo (no workspace links), and
# used from ESM and CommonJS: both pool backends, the hasher, and the digest-tree command; and the
# README's TypeScript example, as written, under tsx.
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

# The README's "A pool in thirty seconds" as written (tasks.ts + main.ts), in a project set up as
# the README says, run by tsx pinned to the workspace's version, on both backends (ProcessPool by
# renaming the two words). Workers must load the .ts task module; without tsx, the error says so.
readme_block() { # the first ```ts block under the heading $1
  awk -v h="$1" '$0 == h {f = 1} f && /^```ts/ {c = 1; next} c && /^```/ {exit} c {print}' "$repo/README.md"
}
tsx_version=$(node -p "require('$repo/package.json').devDependencies.tsx")
mkdir "$work/readme" && cd "$work/readme"
npm init -y >/dev/null && npm pkg set type=module
npm install --no-audit --no-fund --loglevel=error "$work"/tarballs/mpool-pool-{core,threads,procs}-*.tgz >/dev/null
readme_block '## A pool in thirty seconds' > example.ts
[ -s example.ts ] || { echo "smoke: README example not found" >&2; exit 1; }
for backend in threads procs; do
  mkdir "$backend"
  if [ $backend = threads ]; then cp example.ts "$backend/all.ts"; else sed 's/ThreadPool/ProcessPool/g; s/pool-threads/pool-procs/g' example.ts > "$backend/all.ts"; fi
  sed -n '1,/^\/\/ main\.ts/p' "$backend/all.ts" | sed '$d' > "$backend/tasks.ts"
  sed -n '/^\/\/ main\.ts/,$p' "$backend/all.ts" > "$backend/main.ts"
done
# Without tsx (and on a Node that cannot strip types), a .ts task module fails with what to do.
if [ "$(node -p 'Boolean(process.features.typescript)')" = false ]; then
  for backend in threads procs; do
    class=$([ $backend = threads ] && echo ThreadPool || echo ProcessPool)
    out=$(cd $backend && timeout 60 node --input-type=module -e "
      import { $class, taskRef } from '@mpool/pool-$backend';
      const pool = new $class({ processes: 1 });
      try { await pool.map(taskRef(new URL('./tasks.ts', 'file://$work/readme/$backend/'), 'sqr'), [1]); console.log('loaded?!'); }
      catch (e) { console.log(String(e.message) + ' ' + String(e.cause?.message ?? '')); }
      finally { await pool.terminate(); }" 2>&1) || true
    echo "$out" | grep -q 'install tsx' || { echo "smoke: $backend without tsx: expected 'install tsx', got: $out" >&2; exit 1; }
    echo "smoke: $backend without tsx: says to install tsx"
  done
fi
npm install --no-audit --no-fund --loglevel=error "tsx@$tsx_version" >/dev/null
expected=$'[ 1, 4, 9 ]\n49\n[ 1, 4, 9, 16, 25, 36 ]'
for backend in threads procs; do
  for runner in "npx tsx" "node --import tsx"; do
    got=$(cd $backend && timeout 60 $runner main.ts) || { echo "smoke: README example, $backend, $runner: failed: $got" >&2; exit 1; }
    [ "$got" = "$expected" ] || { echo "smoke: README example, $backend, $runner: got $got" >&2; exit 1; }
    echo "smoke: README example ok ($backend, $runner main.ts)"
  done
done
# The README's plain JavaScript form (close() + join() instead of `await using`), as written, on plain node.
awk '$0 == "### Plain JavaScript" {f = 1} f && /^```js/ {c = 1; next} c && /^```/ {exit} c {print}' "$repo/README.md" > plain.mjs
[ -s plain.mjs ] || { echo "smoke: README plain JavaScript example not found" >&2; exit 1; }
sed -n '1,/^\/\/ main\.mjs/p' plain.mjs | sed '$d' > threads/tasks.mjs
sed -n '/^\/\/ main\.mjs/,$p' plain.mjs > threads/main.mjs
got=$(cd threads && timeout 60 node main.mjs) && [ "$got" = '[ 1, 4, 9 ]' ] || { echo "smoke: README plain JavaScript example: got $got" >&2; exit 1; }
echo "smoke: README plain JavaScript example ok (node main.mjs)"
# The README's guarded script (tasks in the main script) runs; the same without its guard fails fast.
readme_block '### Tasks in the main script' > threads/guarded.ts
got=$(cd threads && timeout 60 npx tsx guarded.ts) && [ "$got" = '[ 1, 4, 9 ]' ] || { echo "smoke: README guarded script: got $got" >&2; exit 1; }
sed 's/^if (!isPoolWorker()) {/{/' threads/guarded.ts > threads/unguarded.ts
if err=$(cd threads && timeout 60 npx tsx unguarded.ts 2>&1); then echo "smoke: unguarded script succeeded?!" >&2; exit 1; fi
echo "$err" | grep -q 'TopLevelPoolError' || { echo "smoke: unguarded script: expected TopLevelPoolError, got: $err" >&2; exit 1; }
echo "smoke: README guarded script ok; unguarded it fails with TopLevelPoolError"
cd "$work/app"

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
