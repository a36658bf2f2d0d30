"""PageRank (scipy.sparse) and betweenness (igraph) against their networkx reference implementations."""

from __future__ import annotations

import doctest
import random

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kg.analytics.centrality as centrality
from kg.analytics import betweenness, pagerank

FAST = settings(max_examples=40, deadline=None)


@st.composite
def graphs(draw, directed: bool | None = None):
    n = draw(st.integers(1, 12))
    is_directed = draw(st.booleans()) if directed is None else directed
    G = nx.DiGraph() if is_directed else nx.Graph()
    G.add_nodes_from(range(n))
    density = draw(st.floats(0.05, 0.7))
    for u in range(n):
        for v in range(n):
            if u != v and draw(st.floats(0, 1)) < density:
                G.add_edge(u, v, weight=draw(st.integers(1, 5)))
    return G


@FAST
@given(graphs(), st.sampled_from(["weight", None]), st.floats(0.5, 0.95))
def test_pagerank_matches_networkx(G, weight, alpha):
    ours = pagerank(G, weight=weight, alpha=alpha)
    ref = nx.pagerank(G, weight=weight, alpha=alpha, tol=1e-14, max_iter=10_000)
    assert ours.keys() == ref.keys()
    assert all(ours[n] == pytest.approx(ref[n], abs=1e-8) for n in G)
    assert sum(ours.values()) == pytest.approx(1.0)


def test_pagerank_dangling_nodes_and_edge_cases():
    G = nx.DiGraph([("a", "b", {"weight": 3}), ("a", "c", {"weight": 1})])  # b and c are dangling
    ref = nx.pagerank(G, tol=1e-14)
    assert pagerank(G) == {n: pytest.approx(ref[n], abs=1e-10) for n in G}
    M = nx.MultiDiGraph([("a", "b"), ("a", "b"), ("a", "c"), ("c", "a"), ("b", "b")])  # parallel edges add up
    ref = nx.pagerank(M, tol=1e-14)
    assert pagerank(M) == {n: pytest.approx(ref[n], abs=1e-10) for n in M}
    assert pagerank(nx.DiGraph()) == {}
    with pytest.raises(nx.PowerIterationFailedConvergence):
        pagerank(nx.DiGraph([(1, 2), (2, 3)]), max_iter=1)


@FAST
@given(graphs(), st.sampled_from(["weight", None]), st.booleans())
def test_betweenness_matches_networkx(G, weight, normalized):
    ours = betweenness(G, weight=weight, normalized=normalized)
    ref = nx.betweenness_centrality(G, weight=weight, normalized=normalized)
    assert ours.keys() == ref.keys()
    assert all(ours[n] == pytest.approx(ref[n], abs=1e-9) for n in G)


@FAST
@given(graphs(), st.sampled_from(["weight", None]), st.booleans(), st.integers(2, 6), st.integers(0, 10**6))
def test_sampled_betweenness_matches_networkx(G, weight, normalized, k, seed):
    """Same sampled sources and the same scaling as networkx's ``k``/``seed`` estimate."""
    if len(G) < 3:
        return
    ours = betweenness(G, weight=weight, normalized=normalized, k=min(k, len(G)), seed=seed)
    ref = nx.betweenness_centrality(G, weight=weight, normalized=normalized, k=min(k, len(G)), seed=seed)
    assert all(ours[n] == pytest.approx(ref[n], abs=1e-9) for n in G)


def test_sampled_betweenness_by_hand():
    # a directed path 0 → 1 → 2 → 3 with sources {0, 1}: node 1 lies on 0→2 and 0→3, node 2 on 0→3
    # and 1→3; source 1 is scaled over k - 1 = 1 source, node 2 over k = 2, times 1/(n - 2)
    G = nx.DiGraph([(0, 1), (1, 2), (2, 3)])
    seed = next(s for s in range(1000) if set(random.Random(s).sample(list(G), 2)) == {0, 1})
    assert betweenness(G, k=2, seed=seed) == {0: 0.0, 1: 1.0, 2: 0.5, 3: 0.0}
    with pytest.raises(ValueError, match="at least 2"):
        betweenness(G, k=1, seed=0)


def test_betweenness_small_cases():
    assert betweenness(nx.DiGraph([(0, 1), (1, 2)])) == {0: 0.0, 1: 0.5, 2: 0.0}
    assert betweenness(nx.Graph([(0, 1)])) == {0: 0.0, 1: 0.0}
    assert betweenness(nx.Graph()) == {}
    with pytest.raises(nx.NetworkXNotImplemented):
        betweenness(nx.MultiDiGraph([(0, 1)]))


def test_docstring_examples():
    assert doctest.testmod(centrality).failed == 0
