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

from kg.analytics.contagion import _edge_arrays

__all__ = ["CycleResult", "money_cycles"]

# Start nodes per window: each chunk of start nodes gets the small subgraph of nodes that can lie on a
# short cycle through them, so that the path search never touches the rest of a large graph.
_CHUNK = 32


@dataclass(frozen=True)
class CycleResult:
    """Outcome of :func:`money_cycles`.

    Attributes
    ----------
    cycles : list of list
        Each cycle's nodes in flow order, starting at its smallest node (``u -> ... -> u`` is implied).
        Sorted by these node sequences (in node order), so cycles through the smallest nodes come first.
    bottlenecks : list of float
        Smallest edge amount of each cycle, aligned with ``cycles``.
    truncated : bool
        True if more than ``max_cycles`` cycles exist; the first ``max_cycles`` in the order above are kept.
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
        canonical.append((ranks[k:] + ranks[:k], bottleneck))
    canonical.sort(key=lambda c: c[0])
    kept = canonical[: limits[2]]
    return CycleResult(
        cycles=[[nodes[r] for r in ranks] for ranks, _ in kept],
        bottlenecks=[b for _, b in kept],
        truncated=len(canonical) > limits[2],
        min_len=limits[0],
        max_len=limits[1],
        max_cycles=limits[2],
    )


class _Adjacency:
    """Edges ``tail -> head`` grouped by tail (CSR), keeping each edge's id, for multi-source BFS."""

    def __init__(self, tail: np.ndarray, head: np.ndarray, n: int) -> None:
        order = np.argsort(tail, kind="stable")
        self.edge = order
        self.head = head[order]
        self.indptr = np.searchsorted(tail[order], np.arange(n + 1))

    def step(self, frontier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Edge ids leaving ``frontier`` and the nodes they reach."""
        starts = self.indptr[frontier]
        counts = self.indptr[frontier + 1] - starts
        positions = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        return self.edge[positions], self.head[positions]


def _bfs(
    adj: _Adjacency,
    sources: np.ndarray,
    floor: int,
    depth: int,
    dist: np.ndarray,
    slot: np.ndarray,
    cap: np.ndarray | None = None,
) -> np.ndarray:
    """Write hop counts from ``sources`` (up to ``depth``) into ``dist``, over nodes of rank >= ``floor``
    (and, with ``cap``, only into nodes v reached at hop d with ``cap[v] >= d``); return the nodes reached.

    ``dist`` must hold a value above ``depth`` wherever it is not yet written; the caller resets the
    returned nodes afterwards, so each search costs what it visits, not the size of the graph.
    """
    dist[sources] = 0
    visited = [sources]
    frontier = sources
    for d in range(1, depth + 1):
        _, reached = adj.step(frontier)
        keep = (reached >= floor) & (dist[reached] > d)
        if cap is not None:
            keep &= cap[reached] >= d
        reached = reached[keep]
        if not reached.size:
            break
        order = np.arange(len(reached))
        slot[reached] = order  # deduplicates without sorting: the last write wins
        frontier = reached[slot[reached] == order]
        dist[frontier] = d
        visited.append(frontier)
    return np.concatenate(visited)


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
    Start nodes s are then taken in node order, 32 at a time. Every node v of a cycle of length k
    through s has d(s, v) + d(v, s) <= k hops, so two bounded breadth-first searches (vectorised, over
    nodes not before the chunk) cut out the small window of nodes that can matter. In that window the
    cycles whose smallest node is s are igraph's ``get_all_simple_paths`` (C core, ``maxlen`` bounded)
    from s to its in-neighbours over nodes after s, each closed by its last edge. The search stops after
    the start node whose cycles take the count past ``max_cycles``, so a truncated result is exactly the
    first ``max_cycles`` cycles in the order above.

    igraph's own ``Graph.simple_cycles(min=, max=)`` is not used: in igraph 1.0 it misses cycles on some
    directed graphs (igraph issue #2911, "simple_cycles() returns empty for a graph with cycles";
    reproduced here on random graphs) and costs O(n) per start node on an n-node graph.

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
    in a Directed Graph", arXiv:2105.10094. Reference implementation: ``networkx.simple_cycles(G,
    length_bound=...)`` (the test oracle); path search: ``igraph_get_all_simple_paths`` (igraph C core).
    """
    _check_limits(min_len, max_len, max_cycles)
    nodes = _ordered_nodes(G)
    limits = (min_len, max_len, max_cycles)
    n = len(nodes)
    if not n:
        return _result([], nodes, limits)
    src, dst, amount = _edge_arrays(G, nodes, weight)
    strong = ig.Graph(n=n, edges=np.column_stack([src, dst]), directed=True)
    component = np.asarray(strong.connected_components(mode="strong").membership)
    keep = component[src] == component[dst]
    if min_len > 1:
        keep &= src != dst
    src, dst, amount = src[keep], dst[keep], amount[keep]
    out, into = _Adjacency(src, dst, n), _Adjacency(dst, src, n)
    keys = src * n + dst  # edge (u, v) -> amount, by binary search on u * n + v
    by_key = np.argsort(keys)
    keys, amount = keys[by_key], amount[by_key]
    far, half = max_len + 1, max_len // 2
    ahead, back, cap = np.full(n, far), np.full(n, far), np.full(n, -1)
    slot, local = np.empty(n, dtype=np.int64), np.full(n, -1)
    found: list[tuple[list[int], float]] = []
    for first in range(0, n, _CHUNK):
        starts = np.arange(first, min(first + _CHUNK, n))
        # A node v on a cycle of length <= max_len through a start node s has d(s, v) + d(v, s) <= max_len,
        # so it lies within max_len // 2 hops of s one way or the other: search both ways that far, then
        # measure the full distances inside that set only.
        near = np.concatenate(
            [_bfs(out, starts, first, half, ahead, slot), _bfs(into, starts, first, half, back, slot)]
        )
        ahead[near], back[near], cap[near] = far, far, max_len
        reach = _bfs(out, starts, first, max_len - 1, ahead, slot, cap)
        cap[near] = -1
        cap[reach] = max_len - ahead[reach]
        returns = _bfs(into, starts, first, max_len - 1, back, slot, cap)
        cap[reach] = -1
        window = np.sort(returns[ahead[returns] + back[returns] <= max_len])  # the start nodes come first
        ahead[reach], back[returns] = far, far
        local[window] = np.arange(len(window))
        edges, heads = out.step(window)
        edges = edges[local[heads] >= 0]
        pairs = np.column_stack([local[src[edges]], local[dst[edges]]])
        local[window] = -1
        sub = ig.Graph(n=len(window), edges=pairs, directed=True)
        for k, start in enumerate(starts):
            # sub holds window[k:], so this start node is vertex 0 and every other vertex comes after it:
            # each cycle is found once, from its smallest node, as a path 0 -> ... -> u closed by u -> 0.
            if min_len == 1 and sub.are_adjacent(0, 0):
                found.append(([int(start)], float(amount[np.searchsorted(keys, start * n + start)])))
            closers = [u for u in sub.predecessors(0) if u]
            if closers:
                for path in sub.get_all_simple_paths(0, closers, max(min_len - 1, 1), max_len - 1):
                    ranks = window[np.asarray(path) + k]
                    steps = ranks * n + np.roll(ranks, -1)  # each edge of the cycle, closing edge last
                    found.append((ranks.tolist(), float(amount[np.searchsorted(keys, steps)].min())))
            sub.delete_vertices(0)
            if len(found) > max_cycles:
                return _result(found, nodes, limits)
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
        if len(cycle) >= min_len:
            steps = zip(cycle, cycle[1:] + cycle[:1], strict=True)
            bottleneck = min(G.edges[u, v].get(weight, 1.0) for u, v in steps)
            found.append(([index[n] for n in cycle], float(bottleneck)))
    return _result(found, nodes, (min_len, max_len, max_cycles))
