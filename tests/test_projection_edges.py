"""The bulk edge writer and the edge order against networkx's own, and the leg tables the projection keeps
with its graphs against the tables read back out of them (on random graphs, the bundled data and a
synthetic data set with subsidiaries)."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import kg
from kg.projection import aggregate
from kg.projection.aggregate import consolidate, leg_table
from kg.projection.edges import add_edges, edge_order, iter_edges
from kg.synth import synth


def _random_edges(seed: int) -> tuple[list[str], list[tuple[str, str, str, dict]]]:
    rng = random.Random(seed)
    nodes = [f"n{i}" for i in range(rng.randint(1, 12))]
    rng.shuffle(nodes)
    edges = [(rng.choice(nodes), rng.choice(nodes), f"k{i}", {"i": i}) for i in range(rng.randint(0, 60))]
    return nodes[: len(nodes) // 2], edges  # some nodes only come with their edges


@pytest.mark.parametrize("seed", range(40))
def test_add_edges_builds_what_add_edges_from_builds_in_the_same_order(seed: int) -> None:
    nodes, edges = _random_edges(seed)
    reference, fast = nx.MultiDiGraph(), nx.MultiDiGraph()
    for graph in (reference, fast):
        graph.add_nodes_from(nodes)
    reference.add_edges_from(edges)
    add_edges(fast, edges)
    assert list(fast.nodes) == list(reference.nodes)
    assert list(fast.edges(keys=True, data=True)) == list(reference.edges(keys=True, data=True))
    assert list(iter_edges(fast)) == list(reference.edges(keys=True, data=True))
    assert [list(fast.predecessors(n)) for n in fast] == [list(reference.predecessors(n)) for n in reference]
    assert all(fast.in_degree(n) == reference.in_degree(n) for n in reference)
    if edges:  # one key dict for both directions, as networkx keeps it
        u, v, *_ = edges[0]
        assert fast._succ[u][v] is fast._pred[v][u]
    order = edge_order([u for u, *_ in edges], [v for _, v, *_ in edges], list(fast))
    assert [edges[i][2] for i in order] == [key for _, _, key in reference.edges(keys=True)]


def test_add_edges_refuses_none_and_clears_the_cache() -> None:
    graph = nx.MultiDiGraph()
    graph.__networkx_cache__["x"] = 1
    add_edges(graph, [("a", "b", 0, {})])
    assert "x" not in graph.__networkx_cache__
    with pytest.raises(ValueError, match="None cannot be a node"):
        add_edges(graph, [(None, "b", 1, {})])


def _read_back(legs: nx.MultiDiGraph) -> pd.DataFrame:
    """The leg table as the projection first made it: read out of the graph, edge by edge."""
    return aggregate._counted_legs(nx.MultiDiGraph(legs))  # a copy has no kept rows: they are read from its edges


def _same(kept: pd.DataFrame, read: pd.DataFrame) -> None:
    assert list(kept.columns) == list(read.columns) and len(kept) == len(read)
    for column in kept.columns:
        left, right = kept[column].to_numpy(), read[column].to_numpy()
        assert left.dtype == right.dtype, column
        if left.dtype == float:
            np.testing.assert_array_equal(left, right, err_msg=column)
        else:
            assert left.tolist() == right.tolist(), column


def test_the_kept_leg_tables_are_the_graphs_on_the_bundled_data(real_graph: kg.KnowledgeGraph) -> None:
    for group in (False, True):
        for settings in ({}, {"as_of": "2024-12-31"}, {"ranges": "max", "allocate": False}):
            legs = real_graph.legs(group_subsidiaries=group, **settings)
            assert "aikg_leg_rows" in legs.__networkx_cache__  # kept, not read back
            _same(leg_table(legs), _read_back(legs))
    grouped = real_graph.legs(group_subsidiaries=True)
    assert grouped.number_of_edges() < real_graph.legs().number_of_edges()  # subsidiaries were merged


def test_the_kept_leg_tables_are_the_graphs_on_synthetic_data(tmp_path) -> None:
    synth(300, 3, tmp_path / "data")
    graph = kg.load(tmp_path / "data", tmp_path / "out")
    legs = graph.legs()
    grouped = consolidate(legs)
    assert legs.number_of_edges() > 500 and grouped.number_of_nodes() < legs.number_of_nodes()  # subsidiaries
    for projected in (legs, grouped):
        _same(leg_table(projected), _read_back(projected))
    reference = nx.MultiDiGraph(**legs.graph)  # the grouped graph as networkx's own writer builds it
    group = {n: next(m for m in grouped if n in grouped.nodes[m]["members"]) for n in legs}
    reference.add_nodes_from(grouped.nodes(data=True))
    reference.add_edges_from((group[u], group[v], k, d) for u, v, k, d in legs.edges(keys=True, data=True)
                             if group[u] != group[v])
    assert list(grouped.edges(keys=True, data=True)) == list(reference.edges(keys=True, data=True))
