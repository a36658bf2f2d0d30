"""Indirect (look-through) ownership through chains and cycles of equity stakes.

Edge ``u -> v`` with ``stake`` ``c`` in [0, 1] means *u* owns the fraction ``c`` of *v*: ``C[u][v] = c``.
A missing ``stake`` attribute counts as 1 (full ownership).
"""

from __future__ import annotations

from collections.abc import Hashable

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from kg.analytics.contagion import _sparse_matrix

__all__ = ["cross_holding_dependency", "look_through"]


def _stakes(G: nx.DiGraph, weight: str) -> tuple[list, sp.csc_array]:
    nodes = list(G)
    C = sp.csc_array(_sparse_matrix(G, nodes, weight))
    if C.nnz and not (C.data.min() >= 0 and C.data.max() <= 1):
        raise ValueError(f"stakes ({weight!r}) must lie in [0, 1]")
    held = np.asarray(C.sum(axis=0)).ravel()
    if (held > 1 + 1e-9).any():
        raise ValueError(f"{nodes[int(np.argmax(held))]!r} is more than 100% owned")
    if C.diagonal().any():
        raise ValueError("a node cannot hold a stake in itself (self-loop)")
    return nodes, C


def _inverse_minus_identity(C: sp.csc_array) -> sp.csc_array:
    """``(I - C)^-1 - I = sum_{k>=1} C^k``: every ownership path, weighted by the product of its stakes."""
    n = C.shape[0]
    if n == 0:
        return sp.csc_array((0, 0))
    try:
        lu = splu(sp.identity(n, format="csc") - C)
    except RuntimeError as err:  # singular: some cycle of stakes is held 100% inside the cycle
        raise ValueError("ownership cycles with no outside holders: (I - C) is singular") from err
    # (I - C)^-1 C = (I - C)^-1 - I; the answer is dense in general, so solve for all columns at once.
    return sp.csc_array(lu.solve(C.toarray()))


def _as_dict(nodes: list, M: sp.sparray) -> dict[Hashable, dict[Hashable, float]]:
    coo = sp.coo_array(M)
    out: dict[Hashable, dict[Hashable, float]] = {}
    for i, j, x in zip(coo.row, coo.col, coo.data, strict=True):
        if x != 0:
            out.setdefault(nodes[i], {})[nodes[j]] = float(x)
    return out


@nx.utils.not_implemented_for("undirected")
@nx.utils.not_implemented_for("multigraph")
def look_through(G: nx.DiGraph, weight: str = "stake") -> dict[Hashable, dict[Hashable, float]]:
    """Integrated (direct plus indirect) ownership of every node in every other.

    The integrated ownership of *j* by *i* sums, over every directed path from *i* to *j*, the product
    of the stakes along it: ``W̃ = sum_{k>=1} C^k = (I - C)^-1 - I``. On a cycle of cross-holdings a
    node can own part of itself indirectly; that share appears on the diagonal.

    Parameters
    ----------
    G : networkx.DiGraph
        Edge ``u -> v`` with attribute ``weight`` = ``c`` means *u* owns the fraction ``c`` of *v*. No
        node may be more than 100% owned by the others, and no cycle may be wholly owned inside itself.
    weight : str
        Edge attribute holding the stake (missing attributes count as 1).

    Returns
    -------
    dict of dict
        ``result[i][j]`` = integrated stake of *i* in *j*; only non-zero entries are listed.

    Notes
    -----
    One sparse LU factorisation of ``I - C``; the result is dense in the worst case (n^2 entries), so
    this is meant for ownership subgraphs, not for 10^5 nodes at once.

    Example
    -------
    XH-2: X owns 50% of Y, which owns 40% of Z, so X indirectly owns 20% of Z.

    >>> G = nx.DiGraph([("X", "Y", {"stake": 0.5}), ("Y", "Z", {"stake": 0.4})])
    >>> look_through(G)
    {'X': {'Y': 0.5, 'Z': 0.2}, 'Y': {'Z': 0.4}}

    References
    ----------
    Vitali, Glattfelder, Battiston (2011), "The Network of Global Corporate Control", PLoS ONE 6(10):
    e25995, doi:10.1371/journal.pone.0025995, arXiv:1107.5728 (integrated ownership). Basel Committee,
    large exposures standard LEX30 (look-through of structures to their underlyings).
    """
    nodes, C = _stakes(G, weight)
    return _as_dict(nodes, _inverse_minus_identity(C))


@nx.utils.not_implemented_for("undirected")
@nx.utils.not_implemented_for("multigraph")
def cross_holding_dependency(G: nx.DiGraph, weight: str = "stake") -> dict[Hashable, dict[Hashable, float]]:
    """Elliott–Golub–Jackson dependency matrix ``A = Ĉ (I - C)^-1`` of a cross-holding network.

    ``Ĉ`` is diagonal with ``Ĉ_ii = 1 - sum_j C[j][i]``, the part of *i* held by outside shareholders.
    ``A[i][j]`` is the fraction of *j*'s primitive assets that ends up with *i*'s outside shareholders,
    so market values are ``v = A p`` and each column of ``A`` sums to 1 (no value is lost).

    Parameters
    ----------
    G : networkx.DiGraph
        Edge ``u -> v`` with attribute ``weight`` = ``c`` means *u* owns the fraction ``c`` of *v*.
    weight : str
        Edge attribute holding the stake (missing attributes count as 1).

    Returns
    -------
    dict of dict
        ``result[i][j] = A[i][j]``; only non-zero entries are listed.

    Example
    -------
    XH-1: two firms each owning half of the other.

    >>> G = nx.DiGraph([(1, 2, {"stake": 0.5}), (2, 1, {"stake": 0.5})])
    >>> A = cross_holding_dependency(G)
    >>> [[round(A[i][j], 6) for j in (1, 2)] for i in (1, 2)]
    [[0.666667, 0.333333], [0.333333, 0.666667]]

    References
    ----------
    Elliott, Golub, Jackson (2014), "Financial Networks and Contagion", American Economic Review
    104(10):3115–3153, doi:10.1257/aer.104.10.3115 (dependency matrix; XH-1 as in the course notes of the
    paper, https://liujing.neocities.org/newworld/Social-Economic-Networks/ ).
    """
    nodes, C = _stakes(G, weight)
    outside = 1.0 - np.asarray(C.sum(axis=0)).ravel()
    inverse = _inverse_minus_identity(C) + sp.identity(len(nodes), format="csc")
    return _as_dict(nodes, sp.diags_array(outside) @ inverse)
