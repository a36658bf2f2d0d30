"""Circular deals: money that leaves a party and comes back to it through 2 to 5 parties.

A *value leg* is a leg that hands over value without getting it back in the same deal: every money
leg (an investment, a compute or chip purchase, a loan), and an unreciprocated grant such as a
warrant. The return legs of a deal (the equity an investor gets, the compute a customer gets) are
left out, so a single deal never forms a loop by itself. Subsidiaries are merged into their groups
first (money paid to AWS comes back to Amazon).

For each cycle: its legs (deal ids, kinds, amounts, dates, statuses), the *round-trip amount*
(the cycle's bottleneck: the smallest of its edges' known amounts) and the *round-trip ratio*
(what comes back to the anchor over what it put in). The anchor is the first party whose outgoing
leg is an investment, else the cycle's first party. These are aikg's own definitions; see the
analytics research notes (§7.4) for the circular-financing framings they follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import networkx as nx
import numpy as np
import pandas as pd

from kg.analytics import money_cycles
from kg.analytics.null_models import NullTest, circularity_null
from kg.projection.aggregate import consolidate, derived, leg_table
from kg.projection.bulk import bulk
from kg.records.vocab import FUNDING_KINDS, DealKind

INVESTMENT_KINDS = FUNDING_KINDS | {DealKind.WARRANT.value}  # what makes a leg the anchor of a cycle


class FlowTable(NamedTuple):
    """The value flows as a table: ``pairs`` has one row per ordered pair carrying value (giver,
    taker, amount: the sum of known USD, known: how many legs had a figure, first, last), whose
    legs are ``keys[first:last]``; pairs in the graph's edge order."""

    pairs: pd.DataFrame
    keys: list[str]


def flow_table(legs: nx.MultiDiGraph) -> FlowTable:
    """The value flows of ``legs`` as a table, built once per legs graph (:func:`kg.projection.aggregate.derived`)."""
    return derived(legs, "aikg_flow_table", _flow_table)


@bulk
def value_flows(legs: nx.MultiDiGraph) -> nx.DiGraph:
    """One edge per ordered pair carrying value: ``amount`` (sum of known USD), ``known`` (legs with
    a figure) and its ``legs`` (keys). A new graph for each call."""
    flows = nx.DiGraph(**legs.graph)
    flows.add_nodes_from(legs.nodes(data=True))
    flows.add_edges_from(_edges(*flow_table(legs)))
    return flows


def _edges(pairs: pd.DataFrame, keys: list[str]) -> Iterator[tuple[str, str, dict]]:
    """(giver, taker, {amount, known, legs}) for each row of ``pairs``."""
    return ((u, v, {"amount": x, "known": k, "legs": keys[i:j]}) for u, v, x, k, i, j in zip(
        *(pairs[c].tolist() for c in ("giver", "taker", "amount", "known", "first", "last")), strict=True))


def flow_amounts(legs: nx.MultiDiGraph) -> nx.DiGraph:
    """The value flows with their ``amount`` only, over every organisation of ``legs``: the graph the
    cycle search and the centralities run on. Built once per legs graph and kept with it: read-only.

    Its edges carry nothing but a number, so CPython's collector never has to look at them.
    """
    return derived(legs, "aikg_flow_amounts", _flow_amounts)


@bulk
def _flow_amounts(legs: nx.MultiDiGraph) -> nx.DiGraph:
    pairs = flow_table(legs).pairs
    flows = nx.DiGraph()
    flows.add_nodes_from(legs)
    flows.add_edges_from((u, v, {"amount": x}) for u, v, x in zip(
        pairs["giver"].tolist(), pairs["taker"].tolist(), pairs["amount"].tolist(), strict=True))
    return flows


@bulk
def _flow_table(legs: nx.MultiDiGraph) -> FlowTable:
    table = leg_table(legs)
    # a non-money leg is a return leg when the same deal has a leg the other way; compared as integer codes
    deal = pd.factorize(table["deal"].to_numpy(dtype=object))[0].astype(np.int64)
    org, names = pd.factorize(np.r_[table["giver"].to_numpy(dtype=object), table["taker"].to_numpy(dtype=object)])
    giver, taker, m = org[:len(table)].astype(np.int64), org[len(table):].astype(np.int64), max(len(names), 1)
    back = np.isin((deal * m + taker) * m + giver, (deal * m + giver) * m + taker)
    kept = table[(table["flow"].to_numpy() == "money") | ~back]
    u, v = kept["giver"].to_numpy(dtype=object), kept["taker"].to_numpy(dtype=object)
    # the graph lists all legs of a pair together (by giver, then taker): each pair is one run of rows
    starts = np.flatnonzero(np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]) if len(u) else np.zeros(0, int)
    amount = kept["amount_usd"].to_numpy(dtype=float)
    known = ~np.isnan(amount)
    pairs = pd.DataFrame({
        "giver": u[starts], "taker": v[starts],
        "amount": np.add.reduceat(np.where(known, amount, 0.0), starts) if len(u) else np.zeros(0),
        "known": np.add.reduceat(known.astype(np.int64), starts) if len(u) else np.zeros(0, np.int64),
        "first": starts, "last": np.r_[starts[1:], len(u)][:len(starts)].astype(np.int64)})
    return FlowTable(pairs, kept["key"].tolist())


@dataclass(frozen=True)
class Cycles:
    """Circular deals found, with the limits used and the projection settings they rest on."""

    table: pd.DataFrame  # one row per cycle
    legs: pd.DataFrame  # one row per leg of every cycle
    truncated: bool
    max_len: int
    max_cycles: int
    settings: dict

    def to_frame(self) -> pd.DataFrame:
        return self.table


@bulk
def find_cycles(legs: nx.MultiDiGraph, *, max_len: int = 5, max_cycles: int = 10_000,
                group_subsidiaries: bool = True) -> Cycles:
    """Every money cycle of 2 to ``max_len`` parties (at most ``max_cycles``; ``truncated`` says if cut)."""
    graph = consolidate(legs) if group_subsidiaries else legs
    found = money_cycles(flow_amounts(graph), min_len=2, max_len=max_len, max_cycles=max_cycles, weight="amount")
    flows = _cycle_edges(flow_table(graph), found.cycles)
    rows, leg_rows = [], []
    for number, nodes in enumerate(found.cycles, start=1):
        edges = list(zip(nodes, [*nodes[1:], nodes[0]], strict=True))
        anchor = next((i for i, (u, v) in enumerate(edges) if _is_investment(graph, flows, u, v)), 0)
        edges = edges[anchor:] + edges[:anchor]
        amounts = [flows[u][v]["amount"] if flows[u][v]["known"] else None for u, v in edges]
        known = [a for a in amounts if a is not None]
        bottleneck = min(known) if len(known) == len(amounts) else None
        invested, returned = amounts[0], amounts[-1]
        ratio = returned / invested if invested and returned is not None else None
        path = [u for u, _ in edges]
        rows.append({"cycle": number, "parties": len(path), "path": " → ".join([*path, path[0]]),
                     "round_trip_usd": bottleneck, "invested_usd": invested, "returned_usd": returned,
                     "round_trip_ratio": ratio, "kinds": ", ".join(sorted({graph.edges[u, v, k]["kind"]
                                                                          for u, v in edges
                                                                          for k in flows[u][v]["legs"]})),
                     "deals": len({graph.edges[u, v, k]["deal"] for u, v in edges for k in flows[u][v]["legs"]})})
        for u, v in edges:
            for key in flows[u][v]["legs"]:
                leg = graph.edges[u, v, key]
                leg_rows.append({"cycle": number, "from": u, "to": v, "deal": leg["deal"], "kind": leg["kind"],
                                 "flow": leg["flow"], "amount_usd": leg["amount_usd"], "date": leg["date"],
                                 "status": leg["status"], "leg": key})
    table = pd.DataFrame(rows, columns=["cycle", "parties", "path", "round_trip_usd", "invested_usd", "returned_usd",
                                        "round_trip_ratio", "kinds", "deals"]).astype(
        {"round_trip_usd": float, "invested_usd": float, "returned_usd": float, "round_trip_ratio": float})
    legs_frame = pd.DataFrame(leg_rows, columns=["cycle", "from", "to", "deal", "kind", "flow", "amount_usd", "date",
                                                 "status", "leg"]).astype({"amount_usd": float})
    legs_frame["date"] = pd.to_datetime(legs_frame["date"])
    return Cycles(table, legs_frame, found.truncated, max_len, max_cycles, dict(legs.graph.get("settings", {})))


def _cycle_edges(table: FlowTable, cycles: list[list]) -> nx.DiGraph:
    """The value-flow edges the cycles run along, with their amount, known and legs."""
    wanted = {(u, v) for nodes in cycles for u, v in zip(nodes, [*nodes[1:], nodes[0]], strict=True)}
    pairs, keys = table
    row = {pair: i for i, pair in enumerate(zip(pairs["giver"].tolist(), pairs["taker"].tolist(), strict=True))}
    edges = nx.DiGraph()
    edges.add_edges_from(_edges(pairs.iloc[[row[pair] for pair in wanted]], keys))
    return edges


def _is_investment(graph: nx.MultiDiGraph, flows: nx.DiGraph, u: str, v: str) -> bool:
    return any(graph.edges[u, v, k]["kind"] in INVESTMENT_KINDS for k in flows[u][v]["legs"])


@bulk
def annotate(legs: nx.MultiDiGraph, cycles: Cycles) -> nx.MultiDiGraph:
    """A copy of ``legs`` with ``in_cycle`` set on every leg of a cycle and ``graph["cycles"]`` listing them."""
    marked = legs.copy()
    by_cycle = cycles.legs.groupby("cycle")["leg"].apply(list).to_dict() if len(cycles.legs) else {}
    index = {key: (u, v) for u, v, key in marked.edges(keys=True)}
    listed = []
    for row in cycles.table.itertuples():
        keys = [k for k in by_cycle.get(row.cycle, []) if k in index]
        for key in keys:
            u, v = index[key]
            marked.edges[u, v, key]["in_cycle"] = True
        nodes = list(dict.fromkeys(n for key in keys for n in index[key]))
        amount = None if pd.isna(row.round_trip_usd) else float(row.round_trip_usd)
        names = [marked.nodes[p].get("label", p) if p in marked else p for p in row.path.split(" → ")]
        listed.append({"nodes": nodes, "legs": keys, "round_trip_usd": amount, "label": " → ".join(names),
                       "path": row.path})
    marked.graph["cycles"] = listed
    return marked



@dataclass(frozen=True)
class Significance:
    """The circular volume of the value flows against a null model, with the settings it rests on."""

    test: NullTest
    organisations: int
    flows: int
    settings: dict

    def to_frame(self) -> pd.DataFrame:
        return self.test.to_frame().assign(null=self.test.null)


def significance(legs: nx.MultiDiGraph, *, n: int = 1000, seed: int = 0, null: str = "degree",
                 swaps_per_edge: int = 10, max_len: int = 5) -> Significance:
    """Is the circularity of ``legs`` (subsidiaries already merged) more than chance? The value flows
    (:func:`flow_amounts`) against ``n`` randomised copies (:func:`kg.analytics.null_models.circularity_null`);
    an organisation's class for ``null="class"`` is its first type (lab, cloud provider, chip maker...)."""
    flows = flow_amounts(legs).copy()
    for org, data in legs.nodes(data=True):
        flows.nodes[org]["type"] = next(iter(data.get("types") or ()), None)
    test = circularity_null(flows, n=n, seed=seed, null=null, node_class="type",  # type: ignore[arg-type]
                            swaps_per_edge=swaps_per_edge, max_len=max_len)
    return Significance(test, flows.number_of_nodes(), flows.number_of_edges(), dict(legs.graph.get("settings", {})))
