"""The analysis suite on a synthetic data set (default 100,000 organisations), fast paths beside baselines.

Times the projection and each analysis as the API runs them, then the algorithms with a
pure-Python or NetworkX baseline beside the fast path on the same inputs (baselines that would
take too long are capped and marked ">"). Goal: the full suite under 30 s at 100k organisations.
Prints figures and ratios; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import networkx as nx
from synthetic import DEFAULT_WORK, synthetic

import kg
from kg.analytics import contagion, cycles, pagerank
from kg.metrics.circularity import value_flows
from kg.metrics.exposure import claims_graph, direct_exposures
from kg.projection import tables as projection_tables


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _child(fn: Callable[[], object], conn) -> None:
    conn.send(timed(fn)[0])


def capped(fn: Callable[[], object], cap: float) -> float | None:
    """Seconds ``fn`` takes in a child process, or None if it did not finish within ``cap``."""
    parent, child = mp.Pipe()
    proc = mp.get_context("fork").Process(target=_child, args=(fn, child))
    proc.start()
    seconds = parent.recv() if parent.poll(cap) else None
    proc.kill()
    proc.join()
    return seconds


def run(steps: list[tuple[str, Callable[[], object]]]) -> float:
    """Time each step, print it, and return the total."""
    total = 0.0
    for name, fn in steps:
        seconds, _ = timed(fn)
        total += seconds
        print(f"{name:<36} {seconds:>9.2f}", flush=True)
    return total


@contextmanager
def collector_time() -> Iterator[list[float]]:
    """Seconds CPython's cyclic garbage collector ran inside the block (in ``[0]`` once it ends)."""
    spent, started = [0.0], [0.0]

    def watch(phase: str, _info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[0] += time.perf_counter() - started[0]

    gc.callbacks.append(watch)
    try:
        yield spent
    finally:
        gc.callbacks.remove(watch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--cap", type=float, default=120.0, help="seconds a baseline may take")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="folder the synthetic graphs are kept in")
    args = parser.parse_args()
    graph = synthetic(args.orgs, args.work)
    fail = "org-000001"
    projection = [
        ("projection (deal legs)", lambda: graph.legs()),
        ("projection, subsidiaries grouped", lambda: graph.legs(group_subsidiaries=True)),
    ]
    suite = [
        ("sizes", lambda: graph.sizes()),
        ("exposed_to", lambda: graph.exposed_to(fail)),
        ("concentration (funders)", lambda: graph.concentration(fail, "funders")),
        ("concentration (market)", lambda: graph.concentration(None, "market")),
        ("cycles (2-5 parties)", lambda: graph.cycles(max_len=5)),
        ("centrality", lambda: graph.centrality()),
        ("stress: debtrank", lambda: graph.stress(fail, pays=0.4, method="debtrank")),
        ("stress: eisenberg-noe", lambda: graph.stress(fail, pays=0.4, method="eisenberg-noe")),
        ("stress: rogers-veraart", lambda: graph.stress(fail, pays=0.4, method="rogers-veraart")),
    ]
    cached = projection_tables.cache_path(graph.store)
    source = "from the cache" if cached is not None and cached.exists() else "from the store"
    print(f"{'analysis (API)':<36} {'seconds':>9}")
    with collector_time() as collected:
        first = run(projection)
        print(f"{'projection':<36} {first:>9.2f}   (tables read {source})")
        total = run(suite)
        print(f"{'metric suite':<36} {total:>9.2f}   (goal: under 30 s)")
        print(f"{'projection and metric suite':<36} {first + total:>9.2f}")
    print(f"{'  of which garbage collection':<36} {collected[0]:>9.2f}")
    # a later session reads the projection's tables from the cache the first projection wrote
    again = kg.load(graph.data, graph.out)
    print(f"{'projection in a new session':<36} {timed(lambda: again.legs())[0]:>9.2f}   (tables cached)\n")

    legs = graph.legs(group_subsidiaries=True)
    sizes = graph.sizes()
    exposures = direct_exposures(legs, sizes)
    held = claims_graph(exposures[exposures["holder"].isin(sizes.keys()) & (exposures["at_risk"] > 0)])
    equity = {n: sizes[n].usd for n in held if n in sizes}
    held.add_node(fail)
    equity.setdefault(fail, 1.0)
    flows = value_flows(legs)
    pairs = [
        ("debtrank (battiston2012)", lambda: contagion.debtrank(held, equity, {fail: 0.6}),
         "node loop", lambda: contagion._debtrank_reference(held, equity, {fail: 0.6})),
        ("debtrank (bardoscia2015)",
         lambda: contagion.debtrank(held, equity, {fail: 0.6}, variant="bardoscia2015"),
         "node loop", lambda: contagion._debtrank_reference(held, equity, {fail: 0.6}, variant="bardoscia2015")),
        ("pagerank", lambda: pagerank(flows, weight="amount"),
         "networkx", lambda: nx.pagerank(flows, weight="amount")),
        ("money cycles (2-5)", lambda: cycles.money_cycles(flows, max_len=5),
         "networkx", lambda: list(nx.simple_cycles(flows, length_bound=5))),
    ]
    print(f"{'algorithm':<28} {'fast s':>9} {'baseline':<10} {'base s':>9} {'ratio':>8}")
    for name, fast, base_name, base in pairs:
        fast_s, _ = timed(fast)
        base_s = capped(base, args.cap)
        base_text = f"{base_s:>9.2f}" if base_s is not None else f"{'>' + str(int(args.cap)):>9}"
        ratio = (base_s if base_s is not None else args.cap) / max(fast_s, 1e-9)
        ratio_text = (">" if base_s is None else "") + f"{ratio:.0f}x"
        print(f"{name:<28} {fast_s:>9.2f} {base_name:<10} {base_text} {ratio_text:>8}", flush=True)
    print(f"\nnetwork: {legs.number_of_nodes():,} organisations, {legs.number_of_edges():,} legs, "
          f"{flows.number_of_edges():,} value-flow edges, {held.number_of_edges():,} claims")


if __name__ == "__main__":
    main()
