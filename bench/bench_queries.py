"""Median latency of every named query on the embedded Oxigraph store, beside rdflib's in-memory store.

Part 1, at ``--orgs`` synthetic organisations (default 100,000): Oxigraph only, each query run
``--repeat`` times after one warm-up, median reported (goal: every query under 1 s).
Part 2, at ``--small`` organisations (default 1,000): the same queries on Oxigraph and on rdflib's
in-memory graph, each rdflib query in a child process stopped after ``--bound`` seconds, as a
ratio table (rdflib cannot load the 100k graph in reasonable time: ~25M triples).
Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import tempfile
import time
from pathlib import Path

import kg
from kg import queries
from kg.build import DATA_NT, GRAPH_DIR
from kg.synth import synth

# Parameters that name records of the synthetic data set.
SYNTH_PARAMS = {"org": "org-000001", "a": "org-000001", "b": "org-000002", "fact": "deal-0000001"}


def params_for(named: queries.NamedQuery) -> dict[str, object]:
    return {p.name: SYNTH_PARAMS[p.name] for p in named.params if p.name in SYNTH_PARAMS}


def built(orgs: int, root: Path) -> kg.KnowledgeGraph:
    data = root / f"synth-{orgs}"
    if not data.exists():
        synth(orgs, 1, data)
    return kg.load(data, root / f"out-{orgs}")


def oxigraph_latency(graph: kg.KnowledgeGraph, named: queries.NamedQuery, repeat: int) -> tuple[float, int]:
    params = named.bind(params_for(named))
    graph.store.query(named.text, params)  # warm-up
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = len(graph.store.query(named.text, params).rows)
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def _rdflib_child(nt: str, text: str, params: dict, conn) -> None:
    import rdflib

    graph = rdflib.Graph()
    graph.parse(nt, format="nt")
    for name in ("aikg.ttl", "codes.ttl", "align.ttl"):
        graph.parse(Path(__file__).resolve().parent.parent / "ontology" / name, format="turtle")
    bindings = {rdflib.Variable(k): rdflib.Literal(v) for k, v in params.items()}
    started = time.perf_counter()
    list(graph.query(text, initBindings=bindings))
    conn.send(time.perf_counter() - started)


def rdflib_latency(nt: Path, named: queries.NamedQuery, bound: float) -> float | None:
    """Seconds for one run in rdflib's in-memory graph, or None if it did not finish within ``bound``."""
    parent, child = mp.Pipe()
    proc = mp.Process(target=_rdflib_child, args=(str(nt), named.text, named.bind(params_for(named)), child))
    proc.start()
    ready = parent.poll(bound + 120)  # loading the graph is not timed; the query gets ``bound`` seconds
    result = parent.recv() if ready else None
    proc.join(1)
    if proc.is_alive():
        proc.kill()
    return result if result is not None and result <= bound else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--bound", type=float, default=20.0)
    args = parser.parse_args()
    library = queries.library()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        big = built(args.orgs, root)
        print(f"built {args.orgs:,} organisations in {time.perf_counter() - started:.0f} s")
        print(f"\nPart 1: Oxigraph at {args.orgs:,} organisations (median of {args.repeat})")
        print(f"{'query':<34} {'median s':>9} {'rows':>8}")
        slow = 0
        for name, named in library.items():
            seconds, rows = oxigraph_latency(big, named, args.repeat)
            slow += seconds >= 1
            print(f"{name:<34} {seconds:>9.3f} {rows:>8,}", flush=True)
        print(f"queries at or over 1 s: {slow} of {len(library)} (goal: none)")

        small = built(args.small, root)
        nt = small.out / GRAPH_DIR / DATA_NT
        print(f"\nPart 2: {args.small:,} organisations, Oxigraph against rdflib in memory (bound {args.bound:.0f} s)")
        print(f"{'query':<34} {'oxigraph s':>10} {'rdflib s':>10} {'ratio':>9}")
        for name, named in library.items():
            ox_s, _ = oxigraph_latency(small, named, args.repeat)
            rd_s = rdflib_latency(nt, named, args.bound)
            rd_text = f"{rd_s:>10.3f}" if rd_s is not None else f"{'>' + str(int(args.bound)):>10}"
            if rd_s is not None and ox_s > 0:
                ratio = f"{rd_s / ox_s:>8.0f}x"
            else:
                ratio = f"{'>' + f'{args.bound / ox_s:.0f}':>8}x"
            print(f"{name:<34} {ox_s:>10.4f} {rd_text} {ratio}", flush=True)


if __name__ == "__main__":
    main()
