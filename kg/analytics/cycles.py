"""Bounded money cycles (round trips) in a directed flow network, with each cycle's bottleneck.

An edge ``u -> v`` with ``amount`` ``x`` is money (investment, purchase, backstop) flowing from *u* to
*v*. A cycle's bottleneck is its smallest edge amount: the largest sum that can go round it once.
A missing ``amount`` attribute counts as 1.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import igraph as ig
import networkx as nx
import numpy as np

__all__ = ["CycleResult", "money_cycles"]

# Enumeration runs on node prefixes of n, n/2, n/4, ... nodes (none below this size), smallest first, so
# that it can stop early with work near max_cycles; the smaller prefixes add about 10% on sparse graphs.
_SMALLEST_PREFIX = 1_024


@dataclass(frozen=True)
class CycleResult:
    """Outcome of :func:`money_cycles`.

    Attributes
    ----------
    cycles : list of list
        Each cycle's nodes in flow order, starting at its smallest node (``u -> ... -> u`` is implied).
        Sorted by length, then by node order.
    bottlenecks : list of float
        Smallest edge amount of each cycle, aligned with ``cycles``.
    truncated : bool
        True if more than ``max_cycles`` cycles exist and only ``max_cycles`` are returned.
    min_len, max_len, max_cycles : int
        The limits used (lengths count nodes, which for a cycle equals edges).
    """

    cycles: list[list[Hashable]]
    bottlenecks: list[float]
    truncated: bool
    min_len: int
    max_len: int
    max_cycles: int


def _ordered_nodes(G: nx.DiGraph) -> list:
    """Nodes in canonical order: sorted if they are comparable, else in the graph's own order."""
    try:
        return sorted(G)
    except TypeError:
        return list(G)


def _check_limits(min_len: int, max_len: int, max_cycles: int) -> None:
    if not 1 <= min_len <= max_len:
        raise ValueError(f"need 1 <= min_len <= max_len, got {min_len}, {max_len}")
    if max_cycles < 0:
        raise ValueError(f"max_cycles must be non-negative, got {max_cycles}")


def _result(found: list[tuple[list[int], float]], nodes: list, limits: tuple[int, int, int]) -> CycleResult:
    """Rotate each cycle (as node positions) to start at its smallest node, sort, and cut at max_cycles."""
    canonical = []
    for ranks, bottleneck in found:
        k = ranks.index(min(ranks))
        canonical.append((len(ranks), ranks[k:] + ranks[:k], bottleneck))
    canonical.sort(key=lambda c: (c[0], c[1]))
    kept = canonical[: limits[2]]
    return CycleResult(
        cycles=[[nodes[r] for r in ranks] for _, ranks, _ in kept],
        bottlenecks=[b for _, _, b in kept],
        truncated=len(canonical) > limits[2],
        min_len=limits[0],
        max_len=limits[1],
        max_cycles=limits[2],
    )


def _edge_arrays(G: nx.DiGraph, index: dict, weight: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = G.number_of_edges()
    triples = ((index[u], index[v], d.get(weight, 1.0)) for u, v, d in G.edges(data=True))
    table = np.fromiter(triples, dtype=np.dtype("i8, i8, f8"), count=m)
    return table["f0"], table["f1"], table["f2"]


@nx.utils.not_implemented_for("undirected")
@nx.utils.not_implemented_for("multigraph")
def money_cycles(
    G: nx.DiGraph,
    *,
    min_len: int = 2,
    max_len: int = 5,
    max_cycles: int = 10_000,
    weight: str = "amount",
) -> CycleResult:
    """Simple directed cycles with ``min_len`` to ``max_len`` nodes, and each one's bottleneck amount.

    Parameters
    ----------
    G : networkx.DiGraph
        Money-flow network; edge ``u -> v`` with attribute ``weight`` is an amount flowing from *u* to *v*.
    min_len, max_len : int
        Cycle lengths to report, in nodes (= edges). ``min_len=1`` includes self-loops.
    max_cycles : int
        Largest number of cycles to return.
    weight : str
        Edge attribute holding the amount (missing attributes count as 1).

    Returns
    -------
    CycleResult
        Cycles (each starting at its smallest node), bottlenecks, ``truncated`` and the limits used.

    Notes
    -----
    Only edges inside a strongly connected component can lie on a cycle, so the rest are dropped first.
    The cycles are then enumerated by igraph's ``Graph.simple_cycles(min=, max=)`` (C core, bounded
    search). Its Python binding cannot stop after a given number of cycles, so the search runs on growing
    prefixes of the nodes in canonical order (..., n/4, n/2, n nodes; none below 1,024) and stops at the
    first prefix with more than ``max_cycles`` cycles, which keeps the work near the cap on dense graphs.
    When truncated, the cycles returned are the first ``max_cycles`` (in the order above) of those
    inside that prefix.

    Example
    -------
    The toy loop of analytics.md §7.4 ($B): Nvidia -> OpenAI -> Oracle -> Nvidia.

    >>> G = nx.DiGraph()
    >>> G.add_edge("Nvidia", "OpenAI", amount=100)
    >>> G.add_edge("OpenAI", "Oracle", amount=300)
    >>> G.add_edge("Oracle", "Nvidia", amount=40)
    >>> r = money_cycles(G)
    >>> r.cycles, r.bottlenecks, r.truncated
    ([['Nvidia', 'OpenAI', 'Oracle']], [40.0], False)

    References
    ----------
    Johnson (1975), "Finding all the elementary circuits of a directed graph", SIAM J. Computing
    4(1):77–84, doi:10.1137/0204007. Gupta, Suzumura (2021), "Finding All Bounded-Length Simple Cycles
    in a Directed Graph", arXiv:2105.10094. Reference implementations: ``igraph_simple_cycles`` (igraph
    C core, used here) and ``networkx.simple_cycles(G, length_bound=...)`` (the test oracle).
    """
    _check_limits(min_len, max_len, max_cycles)
    nodes = _ordered_nodes(G)
    limits = (min_len, max_len, max_cycles)
    if not nodes:
        return _result([], nodes, limits)
    index = {n: i for i, n in enumerate(nodes)}
    src, dst, amount = _edge_arrays(G, index, weight)

    strong = ig.Graph(n=len(nodes), edges=np.column_stack([src, dst]), directed=True)
    component = np.asarray(strong.connected_components(mode="strong").membership)
    keep = component[src] == component[dst]
    if min_len > 1:
        keep &= src != dst
    src, dst, amount = src[keep], dst[keep], amount[keep]

    prefixes = [len(nodes)]
    while prefixes[-1] // 2 >= _SMALLEST_PREFIX:
        prefixes.append(prefixes[-1] // 2)
    for prefix in reversed(prefixes):
        inside = np.flatnonzero((src < prefix) & (dst < prefix))
        sub = ig.Graph(n=prefix, edges=np.column_stack([src[inside], dst[inside]]), directed=True)
        paths = sub.simple_cycles(mode=ig.OUT, min=min_len, max=max_len, output="epath")
        if len(paths) > max_cycles:
            break
    found = []
    for path in paths:
        edges = inside[np.asarray(path, dtype=np.int64)]
        found.append((src[edges].tolist(), float(amount[edges].min())))
    return _result(found, nodes, limits)


def _money_cycles_reference(
    G: nx.DiGraph, *, min_len: int = 2, max_len: int = 5, max_cycles: int = 10_000, weight: str = "amount"
) -> CycleResult:
    """Same result from ``networkx.simple_cycles(G, length_bound=max_len)`` (test and bench oracle)."""
    _check_limits(min_len, max_len, max_cycles)
    nodes = _ordered_nodes(G)
    index = {n: i for i, n in enumerate(nodes)}
    found = []
    for cycle in nx.simple_cycles(G, length_bound=max_len):
        if len(cycle) < min_len:
            continue
        steps = zip(cycle, cycle[1:] + cycle[:1], strict=True)
        bottleneck = min(G.edges[u, v].get(weight, 1.0) for u, v in steps)
        found.append(([index[n] for n in cycle], float(bottleneck)))
        if len(found) > max_cycles:
            break
    return _result(found, nodes, (min_len, max_len, max_cycles))
