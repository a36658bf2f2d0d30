"""The synthetic data sets the benchmarks share, built once and kept in a work folder.

``make bench`` runs several scripts at 100k organisations; building that graph takes minutes, so
each size is generated and built once under ``--work`` (default ``$AIKG_BENCH_WORK`` or
``/tmp/aikg-bench``) and reused while the generator and the data are unchanged (``kg.load`` only
rebuilds when ``data/`` changed).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import kg
from kg.synth import synth

DEFAULT_WORK = Path(os.environ.get("AIKG_BENCH_WORK", "/tmp/aikg-bench"))


def synthetic(orgs: int, work: Path = DEFAULT_WORK, seed: int = 1) -> kg.KnowledgeGraph:
    """The built knowledge graph of ``orgs`` synthetic organisations, generated and built on first use."""
    data = work / f"synth-{orgs}-seed{seed}"
    marker = data / ".complete"
    if not marker.exists():
        started = time.perf_counter()
        synth(orgs, seed, data)
        marker.touch()
        print(f"generated {orgs:,} organisations in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    graph = kg.load(data, work / f"out-{orgs}-seed{seed}")
    print(f"{orgs:,} organisations ready in {time.perf_counter() - started:.0f} s "
          f"({graph.store.triple_count():,} triples)", flush=True)
    return graph
