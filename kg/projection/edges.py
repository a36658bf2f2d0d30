"""Half a million edges into a networkx MultiDiGraph, and the order networkx will list them in.

``MultiDiGraph.add_edges_from`` calls ``add_edge`` once per edge, which checks both nodes, looks the
key up, copies the attribute dict and clears the graph's cache: at 100k organisations (485,000 legs)
about 6 s a graph. :func:`add_edges` writes the same adjacency directly (``G._succ[u][v]`` and
``G._pred[v][u]`` are one key dict, as networkx's own ``add_edge`` makes them) and keeps each given
attribute dict instead of a copy; :func:`edge_order` says where each edge of an insertion sequence
comes out of ``G.edges`` (by source node in node order, then by target in the order the pair first
appeared, then by insertion), so a table built in insertion order can be put in the graph's edge
order without walking the graph. ``tests/test_projection_edges.py`` checks both against networkx.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence

import networkx as nx
import numpy as np
import pandas as pd

__all__ = ["add_edges", "edge_order", "iter_edges"]

Edge = tuple[Hashable, Hashable, Hashable, dict]


def add_edges(graph: nx.MultiDiGraph, edges: Iterable[Edge]) -> None:
    """Add ``(u, v, key, data)`` edges to ``graph`` as ``graph.add_edges_from(edges)`` would, except
    that each ``data`` dict becomes the edge's attribute dict itself (not a copy) and a key given twice
    for one pair keeps the later dict (networkx would merge the two).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("a")
    >>> data = {"w": 1}
    >>> add_edges(g, [("a", "b", "k", data), ("b", "a", "k", {"w": 2})])
    >>> list(g.edges(keys=True, data=True))
    [('a', 'b', 'k', {'w': 1}), ('b', 'a', 'k', {'w': 2})]
    >>> g.edges["a", "b", "k"] is data
    True
    """
    succ, pred, nodes = graph._succ, graph._pred, graph._node
    for u, v, key, data in edges:
        if u not in succ or v not in succ:
            for node in (u, v):
                if node is None:
                    raise ValueError("None cannot be a node")
                if node not in succ:
                    succ[node], pred[node], nodes[node] = {}, {}, {}
        targets = succ[u]
        if v in targets:
            targets[v][key] = data
        else:
            targets[v] = pred[v][u] = {key: data}
    nx._clear_cache(graph)


def iter_edges(graph: nx.MultiDiGraph) -> Iterator[Edge]:
    """``graph.edges(keys=True, data=True)`` without the view objects (same order, same dicts)."""
    for u, targets in graph._succ.items():
        for v, keys in targets.items():
            for key, data in keys.items():
                yield u, v, key, data


def edge_order(givers: Sequence[Hashable] | np.ndarray, takers: Sequence[Hashable] | np.ndarray,
               nodes: Sequence[Hashable]) -> np.ndarray:
    """Positions of the inserted edges ``(givers[i], takers[i])`` in the order ``G.edges`` lists them, for a
    graph whose nodes are ``nodes`` (in order, every end among them) and whose edges were inserted in this
    order, each with its own key: sorted by the source's place among the nodes, then by the place the pair
    first appeared, then by insertion.

    >>> edge_order(["b", "a", "b", "b"], ["x", "y", "a", "x"], ["a", "b", "x", "y"]).tolist()
    [1, 0, 3, 2]
    """
    n = len(givers)
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    index = pd.Index(list(nodes))
    place, target = (index.get_indexer(pd.Index(np.asarray(x, dtype=object))) for x in (givers, takers))
    if (place < 0).any() or (target < 0).any():
        raise ValueError("an edge's end is not among the nodes")
    pair, _ = pd.factorize(place.astype(np.int64) * len(index) + target)  # codes in order of first appearance
    return np.lexsort((np.arange(n), pair, place))
