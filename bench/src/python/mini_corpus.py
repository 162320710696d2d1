"""The --quick corpora: the same three shapes as shared/bench/make-corpus.sh, about 10x smaller.

Usage: python3 mini_corpus.py OUT   (builds OUT/large, OUT/small, OUT/mixed if missing)
  large/  2 files x 48 MiB
  small/  10,000 files of 1-16 KiB in 100 folders
  mixed/  2,000 files, log-normal sizes clipped to [100 B, 5 MiB], ~100 MiB, some unicode,
          hidden and empty files, one relative file symlink
Deterministic (seeded); quick figures are for checking the harness, not for comparison.
"""
import math
import os
import random
import shutil
import sys

KiB, MiB = 1 << 10, 1 << 20
out = sys.argv[1]
SEED = "mpool-bench-quick"


def fresh(tree):
    root = os.path.join(out, tree)
    if os.path.lexists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    return root


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def large(root):
    rng = random.Random(f"{SEED}:large")
    for i in range(2):
        write(os.path.join(root, f"part-{i:02d}.bin"), rng.randbytes(48 * MiB))


def small(root):
    rng = random.Random(f"{SEED}:small")
    for i in range(10_000):
        d = os.path.join(root, f"a{i % 10}", f"b{(i // 10) % 10}")
        os.makedirs(d, exist_ok=True)
        write(os.path.join(d, f"f{i:05d}.dat"), rng.randbytes(rng.randint(KiB, 16 * KiB)))


def mixed(root):
    rng = random.Random(f"{SEED}:mixed")
    names = ["résumé", "naïve café", "日本語", "emoji 🎉", "space  twice", "-dash", ".hidden"]
    dirs = [root]
    for i in range(60):
        d = os.path.join(rng.choice(dirs), f"{rng.choice(names)} {i}")
        os.mkdir(d)
        dirs.append(d)
    files = []
    for i in range(2_000):
        size = 0 if i < 5 else min(5 * MiB, max(100, int(math.exp(rng.gauss(9.3, 2.0)))))
        p = os.path.join(rng.choice(dirs), f"{rng.choice(names)}_{i}.bin")
        write(p, rng.randbytes(size))
        files.append(p)
    os.symlink(os.path.relpath(files[7], root), os.path.join(root, "a link.bin"))


for tree, fn in (("large", large), ("small", small), ("mixed", mixed)):
    marker = os.path.join(out, f".{tree}.done")
    if not os.path.exists(marker):
        fn(fresh(tree))
        write(marker, b"")
