"""The build, phase by phase, beside the store's own load of the same triples; the first analysis after it.

For each size (synthetic data, ``aikg synth --orgs N --seed 0``), each in a fresh child process:

1. ``kg.build.build`` with the default formats (N-Triples, store, projection tables): wall seconds of
   each phase (from the build's progress messages), triples, peak memory of the child;
2. the store's own load of the same files (the build's N-Triples and the ontology, read once beforehand so
   that they come from memory): pyoxigraph ``bulk_load`` of the files alone, then ``flush`` and
   ``optimize``, as the build does it (lenient),
   and, with ``--variants``, the alternatives measured for the README (strict parsing, no optimize,
   from bytes in memory);
3. the first analysis after the build in a new session: ``kg.load(...).legs()`` then an exposure of the
   busiest organisation, ``--repeat`` times (3), each in a new process: the median and every run (the
   shared machine's speed varies by a third from one minute to the next), and (``--sparql``) reading
   the projection's tables out of the store instead, as before the build wrote them.

Prints figures and ratios (goals at 100k: build at most 1.3x the store's own load, first analysis
under 15 s); never passes or fails on time. ``--rounds N`` repeats steps 1 and 2 N times, each load right
after its build, and prints the median ratio: the shared machine's speed drifts by a third within minutes,
and a pair measured together sees one speed. ``python bench/bench_build.py [--variants] [--sparql]
[--rounds N] [--data-root DIR] 1000 10000`` (``--data-root`` reuses ``DIR/d<N>`` synthetic folders when present).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "PYTHONPATH": str(REPO)}  # the children import this checkout's kg
GOAL_RATIO, GOAL_ANALYSIS = 1.3, 15.0

_BUILD = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    from kg.build import build
    marks = []
    def cpu():  # this process, all its threads (Oxigraph loads on several)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    started, cpu0 = time.perf_counter(), cpu()
    def say(msg, *_):  # one phase per kind of message: all "checking and converting FILE" are one
        marks.append(("reading, checking, converting" if msg.startswith("checking") else msg,
                      time.perf_counter() - started, cpu() - cpu0))
    result = build(Path(sys.argv[1]), Path(sys.argv[2]), progress=say)
    total, total_cpu = time.perf_counter() - started, cpu() - cpu0
    phases = {}
    for (name, at, used), (_, following, used_next) in zip(marks, marks[1:] + [("", total, total_cpu)]):
        wall, spent = phases.get(name, (0.0, 0.0))
        phases[name] = (wall + following - at, spent + used_next - used)
    print(json.dumps({"seconds": total, "cpu": total_cpu, "triples": result.triples, "deals": result.deals,
                      "phases": phases, "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024}))
""")

_LOAD = textwrap.dedent("""
    import json, resource, sys, tempfile, time
    from pathlib import Path
    import pyoxigraph as ox
    from kg.build import ontology_paths
    variant, nt = sys.argv[1], Path(sys.argv[2])
    files = [nt, *ontology_paths()]
    for file in files:  # read once before the clock: the build writes its N-Triples around the page cache,
        with file.open("rb") as stream:  # and the load is timed reading them from memory, as before it did
            while stream.read(1 << 24):
                pass
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    with tempfile.TemporaryDirectory(dir=sys.argv[3]) as tmp:
        started = time.perf_counter()
        store = ox.Store(tmp)
        for file in files:
            fmt = ox.RdfFormat.N_TRIPLES if file.suffix == ".nt" else ox.RdfFormat.TURTLE
            lenient = variant != "strict"
            if variant == "memory":
                store.bulk_load(file.read_bytes(), fmt, lenient=lenient)
            else:
                store.bulk_load(path=str(file), format=fmt, lenient=lenient)
        loaded = time.perf_counter()
        store.flush()
        flushed = time.perf_counter()
        if variant != "no-optimize":
            store.optimize()
        done = time.perf_counter()
        del store
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"bulk_load": loaded - started, "flush": flushed - loaded, "optimize": done - flushed,
                      "seconds": done - started, "cpu": cpu.ru_utime + cpu.ru_stime - cpu0,
                      "peak_gb": cpu.ru_maxrss / 1024 / 1024}))
""")

_ANALYSIS = textwrap.dedent("""
    import json, resource, sys, time
    from pathlib import Path
    import kg
    from kg.projection import tables
    def cpu():
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    started, cpu0 = time.perf_counter(), cpu()
    graph = kg.load(Path(sys.argv[1]), Path(sys.argv[2]))
    opened = time.perf_counter()
    legs = graph.legs()
    projected = time.perf_counter()
    org = max(legs.degree, key=lambda pair: pair[1])[0]  # the busiest organisation
    graph.exposure(org)
    done = time.perf_counter()
    figures = {"open": opened - started, "legs": projected - opened, "exposure": done - projected,
               "seconds": done - started, "cpu": cpu() - cpu0, "legs_count": legs.number_of_edges()}
    if sys.argv[3] == "sparql":
        before = time.perf_counter()
        tables.read(graph.store)
        figures["sparql_tables"] = time.perf_counter() - before
    figures["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    print(json.dumps(figures))
""")


def child(script: str, *args: str) -> dict:
    """Run ``script`` in a fresh interpreter (this checkout's ``kg``); its last output line is JSON."""
    done = subprocess.run([sys.executable, "-c", script, *args], check=True, capture_output=True, text=True,
                          cwd=REPO, env=ENV)
    return json.loads(done.stdout.strip().splitlines()[-1])


def data_for(orgs: int, root: Path | None, tmp: Path) -> Path:
    if root is not None and (root / f"d{orgs}").is_dir():
        return root / f"d{orgs}"
    data = tmp / "data"
    subprocess.run([sys.executable, "-m", "kg", "synth", "--orgs", str(orgs), "--seed", "0", "--out", str(data)],
                   check=True, stdout=subprocess.DEVNULL, cwd=REPO, env=ENV)
    return data


def measure(orgs: int, root: Path | None, variants: bool, sparql: bool, repeat: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        data = data_for(orgs, root, tmp)
        ratios = []
        for round_ in range(rounds):  # build and load one after the other: a round sees one speed of the machine
            out = tmp / f"out-{round_}"
            built = child(_BUILD, str(data), str(out))
            if round_ == 0:
                print(f"\n{orgs:,} organisations: {built['deals']:,} deals, {built['triples']:,} triples")
            print(f"  round {round_ + 1} of {rounds}: build {built['seconds']:.1f} s (CPU {built['cpu']:.1f} s), "
                  f"peak {built['peak_gb']:.2f} GB; phases:")
            for phase, (seconds, used) in built["phases"].items():
                print(f"    {phase:<34} {seconds:>8.1f} s   CPU {used:>7.1f} s")
            nt = out / "graph" / "aikg.nt"
            loads = {}
            for variant in ("lenient", *(("strict", "no-optimize", "memory") if variants and round_ == 0 else ())):
                loads[variant] = child(_LOAD, variant, str(nt), str(tmp))
            print("    the store's own load of the same files (bulk_load + flush + optimize):")
            for variant, load in loads.items():
                print(f"      {variant:<12} {load['seconds']:>7.1f} s (bulk_load {load['bulk_load']:.1f}, flush "
                      f"{load['flush']:.1f}, optimize {load['optimize']:.1f}; CPU {load['cpu']:.1f} s; "
                      f"peak {load['peak_gb']:.2f} GB)")
            ratio, by_cpu = built["seconds"] / loads["lenient"]["seconds"], built["cpu"] / loads["lenient"]["cpu"]
            ratios.append(ratio)
            print(f"    build / store's own load: {ratio:.2f}x wall, {by_cpu:.2f}x CPU")
            if round_ < rounds - 1:
                shutil.rmtree(out)
        middle = statistics.median(ratios)
        print(f"  build / store's own load, median of {rounds} rounds ({', '.join(f'{r:.2f}' for r in ratios)}): "
              f"{middle:.2f}x wall (goal at 100k: at most {GOAL_RATIO}x)")
        runs = [child(_ANALYSIS, str(data), str(out), "sparql" if sparql and i == 0 else "-") for i in range(repeat)]
        first = sorted(runs, key=lambda run: run["seconds"])[len(runs) // 2]  # the median run, each in a new process
        spread = ", ".join(f"{run['seconds']:.1f}" for run in runs)
        print(f"  first analysis after the build (median of {len(runs)}: {spread} s): {first['seconds']:.1f} s, "
              f"CPU {first['cpu']:.1f} s (open {first['open']:.1f}, legs "
              f"{first['legs']:.1f} for {first['legs_count']:,} legs, exposure {first['exposure']:.1f}; "
              f"peak {first['peak_gb']:.2f} GB; goal at 100k: under {GOAL_ANALYSIS:.0f} s)")
        first = runs[0]
        if "sparql_tables" in first:
            print(f"  the projection's tables read out of the store instead: {first['sparql_tables']:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000, 100_000])
    parser.add_argument("--variants", action="store_true", help="also time the store-load alternatives")
    parser.add_argument("--sparql", action="store_true", help="also time reading the tables out of the store")
    parser.add_argument("--data-root", type=Path, default=None, help="reuse DIR/d<N> synthetic data folders")
    parser.add_argument("--repeat", type=int, default=3, help="first analyses, each in a new process (median)")
    parser.add_argument("--rounds", type=int, default=1, help="builds, each followed by the store's own load of "
                        "its files (the median ratio is printed)")
    args = parser.parse_args()
    for orgs in args.sizes:
        measure(orgs, args.data_root, args.variants, args.sparql, args.repeat, args.rounds)


if __name__ == "__main__":
    main()
