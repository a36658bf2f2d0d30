"""Look-through ownership and the Elliott–Golub–Jackson dependency matrix: worked examples and path sums."""

from __future__ import annotations

import doctest
import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kg.analytics.ownership as ownership
from kg.analytics import cross_holding_dependency, look_through

FAST = settings(max_examples=40, deadline=None)


def stakes(edges: list[tuple]) -> nx.DiGraph:
    return nx.DiGraph([(u, v, {"stake": c}) for u, v, c in edges])


def test_xh2_chain():
    # X owns 50% of Y, Y owns 40% of Z: X indirectly owns 20% of Z.
    W = look_through(stakes([("X", "Y", 0.5), ("Y", "Z", 0.4)]))
    assert W.keys() == {"X", "Y"} and W["X"].keys() == {"Y", "Z"} and W["Y"] == {"Z": 0.4}
    assert W["X"]["Y"] == 0.5 and W["X"]["Z"] == pytest.approx(0.2, rel=1e-12)


def test_xh1_cross_holdings():
    # Elliott–Golub–Jackson: two firms each owning half of the other; A = Ĉ (I - C)^-1
    G = stakes([(1, 2, 0.5), (2, 1, 0.5)])
    A = cross_holding_dependency(G)
    np.testing.assert_allclose(matrix(A, [1, 2]), [[2 / 3, 1 / 3], [1 / 3, 2 / 3]], rtol=1e-12)
    # (I - C)^-1 - I: each firm indirectly owns 1/3 of itself and 2/3 of the other.
    np.testing.assert_allclose(matrix(look_through(G), [1, 2]), [[1 / 3, 2 / 3], [2 / 3, 1 / 3]], rtol=1e-12)


def matrix(rows: dict, order: list) -> list[list[float]]:
    return [[rows.get(i, {}).get(j, 0.0) for j in order] for i in order]


def test_missing_stake_means_full_ownership_and_checks():
    assert look_through(nx.DiGraph([("parent", "sub"), ("sub", "op", {"stake": 0.3})]))["parent"]["op"] == 0.3
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        look_through(stakes([("a", "b", 1.5)]))
    with pytest.raises(ValueError, match="more than 100%"):
        look_through(stakes([("a", "c", 0.7), ("b", "c", 0.6)]))
    with pytest.raises(ValueError, match="singular"):
        look_through(stakes([("a", "b", 1.0), ("b", "a", 1.0)]))
    with pytest.raises(ValueError, match="itself"):
        look_through(stakes([("a", "a", 0.1)]))
    with pytest.raises(nx.NetworkXNotImplemented):
        look_through(nx.Graph([("a", "b")]))
    assert look_through(nx.DiGraph()) == {}


@st.composite
def ownership_dags(draw):
    """Random ownership DAGs on 0..n-1 (edges from lower to higher nodes), each node at most 100% owned."""
    n = draw(st.integers(2, 7))
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for v in range(1, n):
        owners = draw(st.lists(st.integers(0, v - 1), unique=True, max_size=v))
        shares = [draw(st.floats(0.01, 1.0)) for _ in owners]
        scale = min(1.0, 1.0 / sum(shares)) if shares else 1.0
        G.add_edges_from((u, v, {"stake": s * scale}) for u, s in zip(owners, shares, strict=True))
    return G


@FAST
@given(ownership_dags())
def test_look_through_sums_products_over_all_paths(G):
    W = look_through(G)
    for i in G:
        for j in G:
            paths = nx.all_simple_paths(G, i, j) if i != j else []
            expected = sum(math.prod(G.edges[u, v]["stake"] for u, v in nx.utils.pairwise(p)) for p in paths)
            assert W.get(i, {}).get(j, 0.0) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@FAST
@given(ownership_dags(), st.floats(0.0, 0.9))
def test_dependency_columns_sum_to_one(G, back):
    # Close a cycle so that value goes round; no value is lost: each column of A sums to 1.
    last = max(G)
    held = sum(c for _, _, c in G.in_edges(0, data="stake"))
    if back and last != 0:
        G.add_edge(last, 0, stake=back * (1 - held))
    A = cross_holding_dependency(G)
    for j in G:
        assert sum(A.get(i, {}).get(j, 0.0) for i in G) == pytest.approx(1.0)


def test_docstring_examples():
    assert doctest.testmod(ownership).failed == 0
