"""Bounded money cycles: igraph fast path against networkx.simple_cycles, bottlenecks and truncation."""

from __future__ import annotations

import doctest
from unittest import mock

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kg.analytics.cycles as cycles
from kg.analytics import money_cycles
from kg.analytics.cycles import _money_cycles_reference

FAST = settings(max_examples=40, deadline=None)


def test_toy_ai_loop_bottleneck():
    # analytics.md §7.4: Nvidia -(100)-> OpenAI -(300)-> Oracle -(40)-> Nvidia, bottleneck 40 ($B).
    G = nx.DiGraph()
    G.add_edge("OpenAI", "Oracle", amount=300)
    G.add_edge("Oracle", "Nvidia", amount=40)
    G.add_edge("Nvidia", "OpenAI", amount=100)
    G.add_edge("Microsoft", "OpenAI", amount=13)  # not on a cycle
    r = money_cycles(G)
    assert r.cycles == [["Nvidia", "OpenAI", "Oracle"]]
    assert r.bottlenecks == [40.0]
    assert (r.truncated, r.min_len, r.max_len, r.max_cycles) == (False, 2, 5, 10_000)


def test_lengths_self_loops_and_missing_amounts():
    G = nx.DiGraph([("a", "b"), ("b", "a"), ("b", "c"), ("c", "a"), ("c", "c")])
    G.edges["b", "c"]["amount"] = 0.5
    assert money_cycles(G).cycles == [["a", "b"], ["a", "b", "c"]]
    assert money_cycles(G).bottlenecks == [1.0, 0.5]  # missing amounts count as 1
    assert money_cycles(G, min_len=1).cycles == [["a", "b"], ["a", "b", "c"], ["c"]]
    assert money_cycles(G, min_len=3).cycles == [["a", "b", "c"]]
    assert money_cycles(G, max_len=2).cycles == [["a", "b"]]


def test_incomparable_nodes_use_graph_order():
    G = nx.DiGraph([(("t", 1), "x"), ("x", ("t", 1))])
    assert money_cycles(G).cycles == [[("t", 1), "x"]]


def test_limits_are_checked():
    G = nx.DiGraph([(1, 2), (2, 1)])
    for kwargs in ({"min_len": 0}, {"min_len": 3, "max_len": 2}, {"max_cycles": -1}):
        with pytest.raises(ValueError):
            money_cycles(G, **kwargs)
    with pytest.raises(nx.NetworkXNotImplemented):
        money_cycles(nx.Graph(G))
    assert money_cycles(nx.DiGraph()).cycles == []


def triangles(k: int) -> nx.DiGraph:
    """k disjoint directed triangles on nodes 0 .. 3k - 1, with amounts 1, 2, 3 around each."""
    G = nx.DiGraph()
    for t in range(k):
        a, b, c = 3 * t, 3 * t + 1, 3 * t + 2
        G.add_edges_from([(a, b, {"amount": 1.0}), (b, c, {"amount": 2.0}), (c, a, {"amount": 3.0})])
    return G


def test_truncation_keeps_the_first_cycles_in_node_order():
    G = triangles(1_000)
    r = money_cycles(G, max_cycles=100)
    # Start nodes go in node order: the search stops at node 300, whose triangle is the 101st.
    assert r.truncated and r.cycles == [[3 * t, 3 * t + 1, 3 * t + 2] for t in range(100)]
    assert r.bottlenecks == [1.0] * 100
    full = money_cycles(G, max_cycles=1_000)
    assert not full.truncated and len(full.cycles) == 1_000
    assert full == _money_cycles_reference(G, max_cycles=1_000)
    assert money_cycles(G, max_cycles=999).truncated
    assert money_cycles(G, max_cycles=0) == _money_cycles_reference(G, max_cycles=0)


@st.composite
def flow_networks(draw):
    n = draw(st.integers(1, 9))
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    density = draw(st.floats(0.1, 0.6))
    for u in range(n):
        for v in range(n):
            if draw(st.floats(0, 1)) < density:
                G.add_edge(u, v, amount=draw(st.integers(1, 100)))
    return G


@FAST
@given(flow_networks(), st.integers(1, 3), st.integers(0, 4), st.sampled_from([1, 2, 3, 32]))
def test_igraph_cycles_equal_networkx_cycles(G, min_len, extra, chunk):
    max_len = min_len + extra
    with mock.patch.object(cycles, "_CHUNK", chunk):  # small chunks exercise the windowed search
        fast = money_cycles(G, min_len=min_len, max_len=max_len)
    assert fast == _money_cycles_reference(G, min_len=min_len, max_len=max_len)
    for cycle, bottleneck in zip(fast.cycles, fast.bottlenecks, strict=True):
        assert cycle[0] == min(cycle) and min_len <= len(cycle) <= max_len
        steps = list(zip(cycle, cycle[1:] + cycle[:1], strict=True))
        assert bottleneck == min(G.edges[u, v]["amount"] for u, v in steps)


@FAST
@given(flow_networks(), st.integers(0, 5))
def test_truncation_keeps_a_prefix_of_the_full_result(G, cap):
    full = money_cycles(G, max_len=4)
    capped = money_cycles(G, max_len=4, max_cycles=cap)
    assert capped.truncated == (len(full.cycles) > cap)
    assert capped.cycles == full.cycles[:cap] and capped.bottlenecks == full.bottlenecks[:cap]
    assert capped == _money_cycles_reference(G, max_len=4, max_cycles=cap)


@pytest.mark.parametrize("seed", range(3))
def test_sparse_random_graphs_across_many_chunks(seed):
    G = nx.gnp_random_graph(300, 3 / 300, seed=seed, directed=True)
    nx.set_edge_attributes(G, {e: float(i % 7 + 1) for i, e in enumerate(G.edges)}, "amount")
    fast = money_cycles(G, max_len=6)
    assert fast == _money_cycles_reference(G, max_len=6) and fast.cycles


def test_docstring_examples():
    assert doctest.testmod(cycles).failed == 0
