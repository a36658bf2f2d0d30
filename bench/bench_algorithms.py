"""Fast paths of ``kg.analytics`` against their baselines on seeded random directed graphs.

Builds a random digraph with 100,000 nodes and about 500,000 edges (seed 7) and times each fast path
and its baseline once, checking that they agree. Baselines that cannot finish at that size run on smaller
graphs from the same generator, or are stopped at a time cap; the table says which. Prints seconds and
ratios; never passes or fails on time. ``python bench/bench_algorithms.py [nodes]`` picks another size.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from kg.analytics import betweenness, debtrank, eisenberg_noe, money_cycles, pagerank
from kg.analytics.contagion import _debtrank_reference
from kg.analytics.cycles import _money_cycles_reference

SEED = 7
CYCLE_CAP_SECONDS = 60.0  # networkx's bounded cycle search is stopped after this long at 10k nodes


def random_digraph(n: int, avg_degree: float = 5.0, seed: int = SEED) -> nx.DiGraph:
    """Uniform random digraph without self-loops; edge attribute ``w`` is a lognormal amount."""
    rng = np.random.default_rng(seed)
    m = int(n * avg_degree)
    pairs = np.unique(rng.integers(0, n, size=(m, 2)), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    amounts = rng.lognormal(mean=0.0, sigma=1.0, size=len(pairs))
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from((int(u), int(v), {"w": float(x)}) for (u, v), x in zip(pairs, amounts, strict=True))
    return G


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def gap(a: dict, b: dict) -> str:
    return f"max |diff| {max((abs(a[k] - b[k]) for k in a), default=0.0):.1e}"


def picard_clearing(G: nx.DiGraph, e: dict, tol: float = 1e-10) -> dict:
    """Baseline clearing: iterate p <- min(p̄, e + Π^T p) from p̄ (vectorised) until it stops moving."""
    nodes = list(G)
    L = nx.to_scipy_sparse_array(G, nodelist=nodes, weight="w", format="csr")
    p_bar = np.asarray(L.sum(axis=1)).ravel()
    inv = np.divide(1.0, p_bar, out=np.zeros_like(p_bar), where=p_bar > 0)
    pi_t = sp.csr_array((sp.diags_array(inv) @ L).T)
    ext = np.array([e[n] for n in nodes])
    p = p_bar.copy()
    while True:
        new = np.minimum(p_bar, ext + pi_t @ p)
        if np.abs(new - p).max() < tol:
            return dict(zip(nodes, new, strict=True))
        p = new


def capped_nx_cycles(G: nx.DiGraph, cap: float) -> tuple[float, int, bool]:
    """Seconds, cycles found (length 2..5) and whether networkx finished before ``cap`` seconds."""
    start = time.perf_counter()
    found = 0
    for cycle in nx.simple_cycles(G, length_bound=5):
        found += len(cycle) >= 2
        if time.perf_counter() - start > cap:  # checked per cycle found, so it may overshoot a little
            return time.perf_counter() - start, found, False
    return time.perf_counter() - start, found, True


def main(n: int) -> None:
    rows: list[tuple[str, str, str, float, float, bool, str]] = []

    def add(task: str, graph: str, baseline: str, base_s: float, fast_s: float, check: str, capped=False):
        rows.append((task, graph, baseline, base_s, fast_s, capped, check))
        print(f"  {task} on {graph}: baseline {base_s:.2f} s, fast {fast_s:.2f} s ({check})", flush=True)

    seconds, G = timed(lambda: random_digraph(n))
    size = f"{G.number_of_nodes():,} n / {G.number_of_edges():,} e"
    print(f"random digraph: {size}, built in {seconds:.1f} s", flush=True)
    rng = np.random.default_rng(SEED)

    # DebtRank: leverage rows sum to 0.1-0.5 so the differential form settles quickly; 1% of nodes fail.
    strength = dict(G.out_degree(weight="w"))
    equity = {v: (strength[v] or 1.0) * rng.uniform(2.0, 10.0) for v in G}
    shock = {int(v): 1.0 for v in rng.choice(n, size=max(1, n // 100), replace=False)}
    for variant in ("battiston2012", "bardoscia2015"):
        base_s, slow = timed(lambda v=variant: _debtrank_reference(G, equity, shock, variant=v, weight="w"))
        fast_s, fast = timed(lambda v=variant: debtrank(G, equity, shock, variant=v, weight="w"))
        add(f"debtrank {variant[:-4]}", size, "node loop", base_s, fast_s, gap(fast, slow))

    # Clearing: external assets between 0 and 1.2 times what each node owes, so that some nodes default.
    ext = {v: strength[v] * rng.uniform(0.0, 1.2) for v in G}
    base_s, slow = timed(lambda: picard_clearing(G, ext))
    fast_s, fast = timed(lambda: eisenberg_noe(G, ext, weight="w"))
    check = f"{gap(fast.payments, slow)}; {len(fast.defaulted):,} defaults in {len(fast.rounds)} rounds"
    add("eisenberg_noe", size, "Picard iteration", base_s, fast_s, check)

    base_s, slow = timed(lambda: nx.pagerank(G, weight="w", tol=1e-12))
    fast_s, fast = timed(lambda: pagerank(G, weight="w", tol=1e-12))
    add("pagerank", size, "nx.pagerank", base_s, fast_s, gap(fast, slow))

    # Cycles of 2..5 nodes: networkx's bounded search runs in full at 1k nodes, is capped at 10k nodes and
    # skipped at 100k.
    small = random_digraph(1_000)
    base_s, slow = timed(lambda: _money_cycles_reference(small, weight="w"))
    fast_s, fast = timed(lambda: money_cycles(small, weight="w"))
    add("money_cycles", "1,000 n / 5k e", "nx.simple_cycles", base_s, fast_s, f"identical: {fast == slow}")
    mid = random_digraph(10_000)
    fast_s, fast = timed(lambda: money_cycles(mid, weight="w"))
    base_s, found, finished = capped_nx_cycles(mid, CYCLE_CAP_SECONDS)
    check = f"{len(fast.cycles)} cycles; nx " + ("finished" if finished else f"stopped having found {found}")
    add("money_cycles", "10,000 n / 50k e", "nx.simple_cycles", base_s, fast_s, check, capped=not finished)
    fast_s, fast = timed(lambda: money_cycles(G, weight="w"))
    add("money_cycles", size, "none (nx far too slow)", float("nan"), fast_s, f"{len(fast.cycles)} cycles")

    # Betweenness is O(n m) for both; at 100k nodes even igraph needs many minutes, so compare at 2k.
    tiny = random_digraph(2_000)
    base_s, slow = timed(lambda: nx.betweenness_centrality(tiny))
    fast_s, fast = timed(lambda: betweenness(tiny))
    add("betweenness (hops)", "2,000 n / 10k e", "nx.betweenness", base_s, fast_s, gap(fast, slow))

    print(f"\n{'task':<20} {'graph':<22} {'baseline':<22} {'base s':>8} {'fast s':>7} {'ratio':>8}  check")
    for task, graph, baseline, base_s, fast_s, capped, check in rows:
        ratio = "-" if base_s != base_s else f"{'>' if capped else ''}{base_s / fast_s:.1f}x"
        base = "-" if base_s != base_s else f"{'>' if capped else ''}{base_s:.2f}"
        print(f"{task:<20} {graph:<22} {baseline:<22} {base:>8} {fast_s:>7.2f} {ratio:>8}  {check}")
    print(f"'>': the baseline was stopped after {CYCLE_CAP_SECONDS:.0f} s, so the ratio is a lower bound.")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
