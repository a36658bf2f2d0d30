"""Build time, triples per second and peak memory at 1k, 10k and 100k synthetic organisations.

Each size is generated with ``aikg synth`` and built with ``aikg build`` in a fresh process, so
peak memory (ru_maxrss of the child) is the build's own. Prints figures; never passes or fails on time.
Sizes can be chosen: ``python bench/bench_build.py 1000 10000``.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AIKG = [sys.executable, "-m", "kg"]
GOAL_SECONDS, GOAL_GB = 60, 4


def run(args: list[str]) -> tuple[float, float]:
    """Seconds and peak resident memory (GB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far; sizes run smallest first, so it is this one's
    return seconds, max(peak_kb, before) / 1024 / 1024


def main(sizes: list[int]) -> None:
    print(f"{'orgs':>8} {'deals':>9} {'triples':>12} {'synth s':>8} {'build s':>8} {'triples/s':>11} {'peak GB':>8}")
    for orgs in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            data, out = Path(tmp) / "data", Path(tmp) / "out"
            synth_s, _ = run([*AIKG, "synth", "--orgs", str(orgs), "--seed", "1", "--out", str(data)])
            build_s, peak = run([*AIKG, "build", "--data", str(data), "--out", str(out)])
            manifest = json.loads((out / "graph" / "manifest.json").read_text())
            print(f"{orgs:>8,} {manifest['deals']:>9,} {manifest['triples']:>12,} {synth_s:>8.1f} {build_s:>8.1f} "
                  f"{manifest['triples'] / build_s:>11,.0f} {peak:>8.2f}", flush=True)
    print(f"goal at 100k organisations: build under {GOAL_SECONDS} s with peak memory under {GOAL_GB} GB (2 cores)")


if __name__ == "__main__":
    main([int(x) for x in sys.argv[1:]] or [1_000, 10_000, 100_000])
