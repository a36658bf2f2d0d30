"""Kill-during-build soak: builds killed with SIGKILL at random moments, then every reader checked.

A synthetic data set (``--orgs``, default 1,000) is built once; then, ``--kills`` times (default 12),
a build of a changed data set starts in a child process and is killed after a random fraction of a
full build's time. After each kill the reader's view is checked: the manifest, the store's
fingerprint and the store's deal count must describe one generation (old or new: a mixed one is a
failure), and the next build must succeed and clear what the kill left. Prints the figures; it never
passes or fails on time.

    python bench/bench_build_kills.py [--orgs 1000] [--kills 12] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kg.build import build
from kg.store import EmbeddedStore
from kg.synth import synth

DEALS = "PREFIX aikg: <https://w3id.org/aikg/ontology#> SELECT (COUNT(?d) AS ?n) WHERE { ?d a aikg:Deal }"
AIKG = [sys.executable, "-m", "kg"]


def seen(out: Path) -> tuple[str, int, int]:
    manifest = json.loads((out / "graph" / "manifest.json").read_text(encoding="utf-8"))
    store = EmbeddedStore(out / "store")
    whole = EmbeddedStore.is_current(out / "store", manifest["fingerprint"])
    deals = int(store.query(DEALS).rows[0][0])
    store.close()
    return manifest["fingerprint"] if whole else "MIXED", manifest["deals"], deals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=1_000)
    parser.add_argument("--kills", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        versions = [root / "a", root / "b"]
        for seed, data in enumerate(versions):
            synth(args.orgs, seed, data)
        out = root / "out"
        started = time.perf_counter()
        build(versions[0], out)
        full = time.perf_counter() - started
        print(f"{args.orgs:,} organisations: a full build takes {full:.1f} s in process")
        mixed = killed = finished = leftovers = 0
        old_or_new: dict[str, int] = {"old": 0, "new": 0}
        for i in range(args.kills):
            before = seen(out)
            target = versions[(i + 1) % 2]
            child = subprocess.Popen([*AIKG, "build", "--data", str(target), "--out", str(out)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 1.6) * (full + 1.0))  # about one import plus a build
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                killed += 1
            else:
                finished += 1
            child.wait()
            after = seen(out)
            if after[0] == "MIXED" or after[1] != after[2]:
                mixed += 1
            old_or_new["old" if after == before else "new"] += 1
            leftovers += len(list((out / ".generations").glob("*.partial")))
            build(target, out)  # the next build succeeds and clears what the kill left
            assert not list((out / ".generations").glob("*.partial"))
        print(f"builds started: {args.kills}; killed: {killed}; finished before the kill: {finished}")
        print(f"readers saw the old generation {old_or_new['old']} times, the new one {old_or_new['new']} times; "
              f"mixed generations: {mixed} (must be 0)")
        print(f"partial generations left by kills and removed by the next build: {leftovers}")
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
