"""The explorer's edges: one per leg, or one per collapsed group pair and category, styled by kind and amount."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

import networkx as nx

from kg.views import style
from kg.views.explorer_deals import DealTable, whole
from kg.views.formatting import (
    day_number,
    format_amount,
    format_usd,
    is_up_to,
    leg_amount,
    text,
)

AGGREGATE_SUMMARY = 10  # deals listed for a collapsed edge


def drawn_by_default(leg: Mapping[str, Any]) -> bool:
    """The primary leg, and every money leg so each partner of a multi-party deal (a JV) stays visible."""
    return bool(leg.get("primary")) or leg.get("flow") == "money"


# --- edges ------------------------------------------------------------------------------------------------


def _category(attrs: Mapping[str, Any]) -> str:
    category = text(attrs.get("category")) or "other"
    return category if category in style.CATEGORY_COLOURS else "other"


def leg_edge(u: str, v: str, edge_id: str, a: Mapping[str, Any], deal: int, deal_usd: int | None = None) -> dict:
    """The vis edge for one leg. Short keys and no tooltip text (the page builds it) keep big pages small.
    ``a`` is the leg's amount (width); ``da`` the deal's own amount, which the minimum-amount filter uses."""
    status, category, amount = text(a.get("status")), _category(a), leg_amount(a)
    edge = {
        "id": edge_id,
        "from": u,
        "to": v,
        "amt": format_amount(a),
        "d": deal,  # index into the deal table
        "k": text(a.get("kind")),
        "s": status,
        "c": category,
        "t": day_number(a.get("date")),
        "a": whole(amount),
        "da": deal_usd,
        "p": drawn_by_default(a),
        **style.edge_style(category, amount, status, is_up_to(a), bool(a.get("in_cycle"))),
    }
    if a.get("in_cycle"):
        edge["cy"] = True
    return edge


def aggregate_edge(key: tuple[str, str, str], legs: list[tuple[str, str, dict]], deals: DealTable) -> dict:
    """One edge standing for every drawn leg between two groups in one category."""
    src, dst, category = key
    legs = sorted(legs, key=lambda item: leg_amount(item[2]) or 0.0, reverse=True)
    total = sum(leg_amount(a) or 0.0 for _u, _v, a in legs) or None
    days = [d for d in (day_number(a.get("date")) for _u, _v, a in legs) if d is not None]
    in_cycle = any(bool(a.get("in_cycle")) for _u, _v, a in legs)
    edge = {
        "id": f"agg:{src}->{dst}:{category}",
        "from": src,
        "to": dst,
        "amt": format_usd(total) if total else "",
        "d": None,
        "k": sorted({text(a.get("kind")) for _u, _v, a in legs}),
        "s": sorted({text(a.get("status")) for _u, _v, a in legs}),
        "c": category,
        "t": min(days, default=None),
        "a": whole(total),
        "p": True,
        "agg": True,
        "n": len(legs),
        # The largest few deals, shown with their sources in the details panel.
        "sum": list(dict.fromkeys(deals.index(a["deal"]) for _u, _v, a in legs[:AGGREGATE_SUMMARY])),
        **style.edge_style(category, total, "", False, in_cycle),
    }
    if in_cycle:
        edge["cy"] = True
    return edge


def build_edges(
    G: nx.MultiDiGraph, kept: set[str], vis_node: Callable[[str], str], deals: DealTable
) -> tuple[list[dict[str, Any]], dict[str, str], int]:
    """vis edges (one per leg between kept organisations, grouped otherwise), leg id → edge id, and the
    number of legs dropped because both ends fell into the same collapsed group."""
    records: list[dict[str, Any]] = []
    leg_to_edge: dict[str, str] = {}
    used: set[str] = set()
    groups: dict[tuple[str, str, str], list[tuple[str, str, dict]]] = defaultdict(list)
    dropped = 0
    for u, v, key, a in G.edges(keys=True, data=True):
        leg_id = str(key)
        if u in kept and v in kept:
            edge_id = leg_id
            while edge_id in used:  # MultiDiGraph keys are unique per pair only
                edge_id += "'"
            used.add(edge_id)
            leg_to_edge.setdefault(leg_id, edge_id)
            index = deals.index(a.get("deal", key))
            records.append(leg_edge(u, v, edge_id, a, index, deals.amount(index)))
            continue
        src, dst = vis_node(u), vis_node(v)
        if src == dst:
            dropped += 1
        elif drawn_by_default(a):  # a secondary leg adds nothing to a group's total
            group_key = (src, dst, _category(a))
            groups[group_key].append((u, v, {**a, "deal": a.get("deal", key)}))
            leg_to_edge.setdefault(leg_id, f"agg:{src}->{dst}:{group_key[2]}")
    records.extend(aggregate_edge(k, legs, deals) for k, legs in groups.items())
    curve_parallel(records)
    return records, leg_to_edge, dropped


def curve_parallel(edges: list[dict[str, Any]]) -> None:
    """Give edges sharing a pair of endpoints their own curve so none hides another.

    vis's curvedCW bends relative to the edge's direction, so A→B and B→A with one roundness already part.
    """
    by_pair: dict[frozenset[str], list[dict[str, Any]]] = defaultdict(list)
    for edge in edges:
        by_pair[frozenset((edge["from"], edge["to"]))].append(edge)
    for group in by_pair.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda e: (not e["p"], e["t"] if e["t"] is not None else 0, e["id"]))
        step = min(0.16, 0.8 / (len(group) - 1))  # many parallels share 0.1–0.9 rather than loop wildly
        for i, edge in enumerate(group):
            edge["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": round(0.1 + step * i, 2)}
