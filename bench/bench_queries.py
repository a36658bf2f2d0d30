"""Median latency of every named query on the embedded Oxigraph store, beside rdflib's in-memory store.

Part 1, at ``--orgs`` synthetic organisations (default 100,000): Oxigraph only. Each query runs
once in a child process stopped after ``--cap`` seconds; queries that answer within 2 s are run
``--repeat`` more times and the median reported (goal: every query under 1 s).
Part 2, at ``--small`` organisations (default 1,000): the same queries on Oxigraph and on rdflib's
in-memory graph (loaded once in a child process; a query over ``--bound`` seconds is stopped and
the child restarted), as a ratio table. rdflib cannot load the 100k graph in reasonable time
(~25M triples). The synthetic graphs are built once and kept (see bench/synthetic.py).
Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import time
from pathlib import Path

from synthetic import DEFAULT_WORK, synthetic

import kg
from kg.build import DATA_NT, GRAPH_DIR
from kg.store import queries
from kg.store.base import bind_with_values

# Parameters that name records of the synthetic data set (org-000003 has deals of several kinds).
SYNTH_PARAMS = {"org": "org-000003", "a": "org-000003", "b": "org-000001", "fact": "deal-0000001"}
ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"
CTX = mp.get_context("fork")


def params_for(named: queries.NamedQuery) -> dict[str, object]:
    return {p.name: SYNTH_PARAMS[p.name] for p in named.params if p.name in SYNTH_PARAMS}


def _timed_rows(graph: kg.KnowledgeGraph, named: queries.NamedQuery) -> tuple[float, int]:
    started = time.perf_counter()
    rows = len(graph.store.query(named.text, named.bind(params_for(named))).rows)
    return time.perf_counter() - started, rows


def _oxigraph_child(graph: kg.KnowledgeGraph, named: queries.NamedQuery, conn) -> None:
    graph.store.close()  # a store handle opened before the fork is not used in the child
    conn.send(_timed_rows(graph, named))


def oxigraph_latency(graph: kg.KnowledgeGraph, named: queries.NamedQuery, repeat: int,
                     cap: float) -> tuple[float | None, int]:
    """(median seconds, or None if over ``cap``; rows)."""
    parent, child = CTX.Pipe()
    proc = CTX.Process(target=_oxigraph_child, args=(graph, named, child))
    proc.start()
    first = parent.recv() if parent.poll(cap) else None
    proc.kill()
    proc.join()
    if first is None:
        return None, 0
    seconds, rows = first
    if seconds > 2.0:
        return seconds, rows
    times = [_timed_rows(graph, named)[0] for _ in range(repeat)]
    return statistics.median(times), rows


def _rdflib_server(nt: str, conn) -> None:
    import rdflib

    graph = rdflib.Graph()
    graph.parse(nt, format="nt")
    for name in ("aikg.ttl", "codes.ttl", "align.ttl"):
        graph.parse(ONTOLOGY / name, format="turtle")
    conn.send("ready")
    while (text := conn.recv()) is not None:
        started = time.perf_counter()
        try:
            list(graph.query(text))
        except Exception as exc:  # rdflib fails on some valid queries; reported, not fatal
            conn.send(f"error: {type(exc).__name__}")
            continue
        conn.send(time.perf_counter() - started)


class RdflibRunner:
    """rdflib's in-memory graph in a child process, restarted when a query runs over the bound."""

    def __init__(self, nt: Path) -> None:
        self.nt, self.proc, self.conn = nt, None, None

    def _start(self) -> None:
        self.conn, child = CTX.Pipe()
        self.proc = CTX.Process(target=_rdflib_server, args=(str(self.nt), child))
        self.proc.start()
        self.conn.recv()

    def latency(self, text: str, bound: float) -> float | str | None:
        """Seconds, an error text, or None when the query ran over ``bound``."""
        if self.proc is None:
            self._start()
        self.conn.send(text)
        if self.conn.poll(bound):
            return self.conn.recv()
        self.close()
        return None

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join()
            self.proc = None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cap", type=float, default=120.0, help="seconds a query may take in part 1")
    parser.add_argument("--bound", type=float, default=20.0, help="seconds a query may take in rdflib")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="folder the synthetic graphs are kept in")
    args = parser.parse_args()
    library = queries.library()

    big = synthetic(args.orgs, args.work)
    print(f"\nPart 1: Oxigraph at {args.orgs:,} organisations (median of {args.repeat} after a first run "
          f"under 2 s, else the first run; stopped at {args.cap:.0f} s)")
    print(f"{'query':<34} {'seconds':>9} {'rows':>9}")
    fast = 0
    for name, named in library.items():
        seconds, rows = oxigraph_latency(big, named, args.repeat, args.cap)
        fast += seconds is not None and seconds < 1
        shown = f"{seconds:>9.3f}" if seconds is not None else f"{'>' + str(int(args.cap)):>9}"
        print(f"{name:<34} {shown} {rows:>9,}", flush=True)
    print(f"queries under 1 s: {fast} of {len(library)} (goal: all)")

    small = synthetic(args.small, args.work)
    runner = RdflibRunner(small.out / GRAPH_DIR / DATA_NT)
    print(f"\nPart 2: {args.small:,} organisations, Oxigraph against rdflib in memory (bound {args.bound:.0f} s)")
    print(f"{'query':<34} {'oxigraph s':>10} {'rdflib s':>10} {'ratio':>9}")
    try:
        for name, named in library.items():
            ox_s, _ = oxigraph_latency(small, named, args.repeat, args.cap)
            rd_s = runner.latency(bind_with_values(named.text, named.bind(params_for(named))), args.bound)
            if isinstance(rd_s, str):
                print(f"{name:<34} {ox_s or 0:>10.4f} {'rdflib ' + rd_s}", flush=True)
                continue
            rd_text = f"{rd_s:>10.3f}" if rd_s is not None else f"{'>' + str(int(args.bound)):>10}"
            if ox_s is None:
                ratio = "-"
            elif rd_s is not None:
                ratio = f"{rd_s / max(ox_s, 1e-6):.0f}x"
            else:
                ratio = f">{args.bound / max(ox_s, 1e-6):.0f}x"
            ox_text = f"{ox_s:>10.4f}" if ox_s is not None else f"{'>' + str(int(args.cap)):>10}"
            print(f"{name:<34} {ox_text} {rd_text} {ratio:>9}", flush=True)
    finally:
        runner.close()


if __name__ == "__main__":
    main()
