"""What is derived from a deal-leg graph: the leg table the metrics read, money flows per pair, and the
legs between corporate groups (subsidiaries merged into their parents)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TypeVar

import networkx as nx
import numpy as np
import pandas as pd

from kg.projection.bulk import bulk
from kg.projection.edges import add_edges, edge_order, iter_edges
from kg.projection.text import texts
from kg.records.vocab import Flow

LEG_COLUMNS = ("giver", "taker", "key", "deal", "kind", "flow", "status", "date", "amount_usd", "stake", "basis")


def leg_table(legs: nx.MultiDiGraph) -> pd.DataFrame:
    """The legs as a DataFrame, one row per edge in the graph's edge order, with the columns the
    metrics read (``LEG_COLUMNS``); ``amount_usd`` and ``stake`` are NaN where unknown; the legs of a
    deal folded into its whole (a tranche of a counted round) are left out. Read-only:
    it is kept with the graph (see :func:`derived`).

    The metrics group and sum these columns with pandas instead of walking the graph edge by edge.
    """
    return derived(legs, "aikg_leg_table", _counted_legs)


def keep_leg_rows(legs: nx.MultiDiGraph, rows: pd.DataFrame) -> None:
    """Keep ``rows`` (every leg of ``legs`` in its edge order: ``LEG_COLUMNS``, ``folded`` and ``data``, the
    edge's attribute dict) with the graph, as :func:`_leg_rows` would read them out of it, by whoever built
    the graph from those columns."""
    cache = getattr(legs, "__networkx_cache__", None)
    if cache is not None and nx.config.cache_converted_graphs:
        cache["aikg_leg_rows"] = rows


T = TypeVar("T")


def derived(legs: nx.MultiDiGraph, name: str, build: Callable[[nx.MultiDiGraph], T]) -> T:
    """``build(legs)``, kept in the graph's ``__networkx_cache__`` under ``name`` for the next caller.

    Reading half a million edges out of a graph takes seconds, and every metric needs the same
    tables. networkx keeps its own converted graphs in that cache and under the same rule: methods
    that change the graph (``add_edge``, ``remove_node``…) clear it; after changing edge attributes
    in place, call ``legs.__networkx_cache__.clear()`` (networkx's backend guide says the same).
    ``nx.config.cache_converted_graphs = False`` turns the cache off. Callers must not modify
    what they get.
    """
    cache = getattr(legs, "__networkx_cache__", None)
    if cache is None or not nx.config.cache_converted_graphs:
        return build(legs)
    if name not in cache:
        cache[name] = build(legs)
    return cache[name]


def _counted_legs(legs: nx.MultiDiGraph) -> pd.DataFrame:
    rows = derived(legs, "aikg_leg_rows", _leg_rows)
    return rows.loc[~rows["folded"].to_numpy(), list(LEG_COLUMNS)].reset_index(drop=True)


@bulk
def _leg_rows(legs: nx.MultiDiGraph) -> pd.DataFrame:
    rows = [(u, v, k, d["deal"], d["kind"], d["flow"], d["status"], d["date"], d["amount_usd"], d["stake"],
             d.get("basis"), d.get("folded_into") is not None, d)
            for u, v, k, d in iter_edges(legs)]
    columns = list(zip(*rows, strict=True)) or [()] * (len(LEG_COLUMNS) + 2)
    numeric = {"amount_usd", "stake"}  # None becomes NaN
    types = {name: float if name in numeric else object for name in LEG_COLUMNS} | {"folded": bool, "data": object}
    frame = {name: texts(np.array(col, dtype=object)) if types[name] is object else np.array(col, dtype=types[name])
             for name, col in zip(types, columns, strict=True)}
    data = np.empty(len(rows), dtype=object)  # dicts: np.array would try to unpack them
    data[:] = columns[-1]
    frame["data"] = texts(data)
    return pd.DataFrame(frame)


@bulk
def money_flows(legs: nx.MultiDiGraph) -> nx.DiGraph:
    """Aggregate the money legs into one weighted edge per ordered pair.

    Edge attributes: ``amount`` (sum of known USD amounts), ``deals`` (deal ids), ``undisclosed``
    (legs without a figure). Node attributes are copied from ``legs``.
    """
    flows = nx.DiGraph(settings=legs.graph.get("settings", {}))
    flows.add_nodes_from(legs.nodes(data=True))
    for u, v, data in legs.edges(data=True):
        if data["flow"] != Flow.MONEY.value or data.get("folded_into") is not None:
            continue
        if not flows.has_edge(u, v):
            flows.add_edge(u, v, amount=0.0, deals=[], undisclosed=0)
        edge = flows[u][v]
        edge["deals"].append(data["deal"])
        if data["amount_usd"] is None:
            edge["undisclosed"] += 1
        else:
            edge["amount"] += data["amount_usd"]
    return flows


@bulk
def consolidate(legs: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Legs between corporate groups: each subsidiary merged into its ultimate parent (AWS into Amazon).

    Legs inside one group are dropped; node attributes are the parent's, with ``members`` listing
    who was merged in. Money paid to AWS is then money that comes back to Amazon. Each leg keeps its
    attribute dict, shared with ``legs`` (projections are read-only; :func:`~kg.metrics.circularity.annotate`
    copies before it marks), and its row of the leg table, with the groups as giver and taker.
    """
    def top(node: str) -> str:
        seen = {node}
        while (parent := legs.nodes[node].get("parent")) and parent in legs and parent not in seen:
            node = parent
            seen.add(node)
        return node

    group = {n: top(n) for n in legs}
    members: dict[str, list[str]] = defaultdict(list)
    for node, head in group.items():
        members[head].append(node)
    merged = nx.MultiDiGraph(**legs.graph)
    def names(node: str) -> list[str]:  # the members' names and aliases find the group too
        return [text for m in members[node] if m != node
                for text in (legs.nodes[m].get("label"), *(legs.nodes[m].get("aliases") or ())) if text]

    merged.add_nodes_from((node, {**legs.nodes[node], "members": sorted(members[node]), "member_names": names(node)})
                          for node in legs if group[node] == node)
    rows = derived(legs, "aikg_leg_rows", _leg_rows)  # in the edge order, with each edge's attribute dict
    heads = rows["giver"].map(group).to_numpy(dtype=object), rows["taker"].map(group).to_numpy(dtype=object)
    between = heads[0] != heads[1]
    rows = rows[between]
    rows = rows.assign(giver=texts(heads[0][between], rows.index), taker=texts(heads[1][between], rows.index))
    givers, takers = rows["giver"].to_numpy(dtype=object), rows["taker"].to_numpy(dtype=object)
    add_edges(merged, zip(givers.tolist(), takers.tolist(), rows["key"].tolist(), rows["data"].tolist(), strict=True))
    keep_leg_rows(merged, rows.iloc[edge_order(givers, takers, list(merged))].reset_index(drop=True))
    return merged
