"""PageRank (scipy.sparse) and betweenness (igraph) centrality, matching networkx's definitions."""

from __future__ import annotations

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
def betweenness(G: nx.Graph, weight: str | None = None, *, normalized: bool = True) -> dict[Hashable, float]:
    """Shortest-path betweenness centrality via igraph, scaled exactly as ``networkx.betweenness_centrality``.

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
    25(2):163–177, doi:10.1080/0022250X.2001.9990249. Implementations: ``igraph_betweenness`` (igraph C
    core, used here) and ``networkx.betweenness_centrality`` (the test oracle).
    """
    nodes = list(G)
    n = len(nodes)
    index = {v: i for i, v in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in G.edges()]
    lengths = None if weight is None else [float(d.get(weight, 1.0)) for _, _, d in G.edges(data=True)]
    g = ig.Graph(n=n, edges=edges, directed=G.is_directed())
    raw = np.asarray(g.betweenness(directed=G.is_directed(), weights=lengths), dtype=float)
    if normalized and n > 2:
        # igraph counts unordered pairs on undirected graphs; networkx normalises over ordered pairs.
        raw *= (1.0 if G.is_directed() else 2.0) / ((n - 1) * (n - 2))
    return dict(zip(nodes, map(float, raw), strict=True))
