"""PageRank (scipy.sparse) and betweenness (igraph) centrality, matching networkx's definitions."""

from __future__ import annotations

import random
from collections.abc import Hashable

import igraph as ig
import networkx as nx
import numpy as np
import scipy.sparse as sp

from kg.analytics.contagion import _sparse_matrix

__all__ = ["betweenness", "pagerank"]


def pagerank(
    G: nx.Graph,
    weight: str | None = "weight",
    alpha: float = 0.85,
    *,
    tol: float = 1e-12,
    max_iter: int = 1_000,
) -> dict[Hashable, float]:
    """PageRank by power iteration on a sparse transition matrix (same model as ``networkx.pagerank``).

    Each step follows an out-edge with probability proportional to its weight (with probability
    ``alpha``) or teleports uniformly; a node without out-weight (dangling) teleports uniformly.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        Undirected edges count in both directions.
    weight : str or None
        Edge attribute used as the transition weight (missing attributes count as 1); None for 1 everywhere.
    alpha : float
        Damping factor.
    tol : float
        Stop when the L1 change of the vector falls below ``len(G) * tol`` (networkx's criterion).
    max_iter : int
        Raise ``networkx.PowerIterationFailedConvergence`` after this many steps.

    Returns
    -------
    dict
        Node -> PageRank; the values sum to 1.

    Example
    -------
    >>> r = pagerank(nx.DiGraph([("a", "b"), ("b", "a")]))
    >>> round(r["a"], 6), round(r["b"], 6)
    (0.5, 0.5)

    References
    ----------
    Page, Brin, Motwani, Winograd (1999), "The PageRank Citation Ranking: Bringing Order to the Web",
    Stanford InfoLab 1999-66. Reference implementation: ``networkx.pagerank`` (scipy power iteration,
    uniform personalisation and dangling distribution), which the tests match to 1e-8.
    """
    n = len(G)
    if n == 0:
        return {}
    nodes = list(G)
    A = _sparse_matrix(G, nodes, weight)
    out = np.asarray(A.sum(axis=1)).ravel()
    dangling = out == 0
    inv = np.divide(1.0, out, out=np.zeros_like(out), where=~dangling)
    # Transposed and row-normalised, so each step is one CSR mat-vec: x <- P^T x.
    P_T = sp.csr_array((sp.diags_array(inv) @ A).T)
    x = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        last = x
        x = alpha * (P_T @ x + x[dangling].sum() / n) + (1.0 - alpha) / n
        if np.abs(x - last).sum() < n * tol:
            return dict(zip(nodes, map(float, x), strict=True))
    raise nx.PowerIterationFailedConvergence(max_iter)


@nx.utils.not_implemented_for("multigraph")
def betweenness(G: nx.Graph, weight: str | None = None, *, normalized: bool = True, k: int | None = None,
                seed: int | None = None) -> dict[Hashable, float]:
    """Shortest-path betweenness centrality via igraph, scaled exactly as ``networkx.betweenness_centrality``.

    Exact betweenness costs one shortest-path search per node, O(nm) in all: fine for thousands of
    nodes, hours for 100k. With ``k``, paths are counted from ``k`` sampled sources only and scaled
    up (Brandes and Pich 2007), choosing the same sources as networkx for the same ``seed``.

    Parameters
    ----------
    G : networkx.Graph or networkx.DiGraph
        Directed graphs count directed paths.
    weight : str or None
        Edge attribute used as a (positive) path length; None counts hops. Missing attributes count as 1.
    normalized : bool
        Divide by the number of ordered pairs of other nodes, ``(n - 1)(n - 2)`` (halved for undirected
        graphs), as networkx does; otherwise directed graphs count ordered pairs and undirected
        graphs unordered ones.
    k : int or None
        Number of sampled source nodes (None or ``len(G)``: every node, the exact value).
    seed : int or None
        Seed of the source sample (``random.Random(seed).sample(list(G), k)``, as networkx).

    Returns
    -------
    dict
        Node -> betweenness centrality.

    Example
    -------
    >>> betweenness(nx.path_graph(3))
    {0: 0.0, 1: 1.0, 2: 0.0}

    References
    ----------
    Brandes (2001), "A faster algorithm for betweenness centrality", Journal of Mathematical Sociology
    25(2):163–177, doi:10.1080/0022250X.2001.9990249; sampling: Brandes and Pich (2007), "Centrality
    estimation in large networks", International Journal of Bifurcation and Chaos 17(7):2303–2318,
    doi:10.1142/S0218127407018403. Implementations: ``igraph_betweenness`` and
    ``igraph_betweenness_subset`` (igraph C core, used here) and ``networkx.betweenness_centrality``
    (the test oracle, also for ``k`` and ``seed``).
    """
    nodes = list(G)
    n = len(nodes)
    index = {v: i for i, v in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in G.edges()]
    lengths = None if weight is None else [float(d.get(weight, 1.0)) for _, _, d in G.edges(data=True)]
    directed = G.is_directed()
    g = ig.Graph(n=n, edges=edges, directed=directed)
    if k is None or k >= n:
        raw = np.asarray(g.betweenness(directed=directed, weights=lengths), dtype=float)
        if normalized and n > 2:
            # igraph counts unordered pairs on undirected graphs; networkx normalises over ordered pairs.
            raw *= (1.0 if directed else 2.0) / ((n - 1) * (n - 2))
        return dict(zip(nodes, map(float, raw), strict=True))
    if k < 2:
        raise ValueError(f"k must be at least 2 sampled sources, got {k}")
    sources = [index[v] for v in random.Random(seed).sample(nodes, k)]  # noqa: S311 (a sample, not a secret)
    raw = np.asarray(g.betweenness(directed=directed, weights=lengths, sources=sources, targets=range(n)),
                     dtype=float)
    if not directed:
        raw *= 2.0  # igraph counts each sampled undirected pair once, networkx once from each end
    # networkx's scaling without endpoints: a sampled source cannot lie on its own paths, so it is
    # scaled over k - 1 sources, every other node over k.
    pairs, per = n - 1, 1 if directed else 2
    if normalized:
        scale_source, scale_other = 1 / ((k - 1) * (pairs - 1)), 1 / (k * (pairs - 1))
    else:
        scale_source, scale_other = pairs / ((k - 1) * per), pairs / (k * per)
    scale = np.full(n, scale_other)
    scale[sources] = scale_source
    return dict(zip(nodes, map(float, raw * scale), strict=True))
