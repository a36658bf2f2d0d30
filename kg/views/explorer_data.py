"""The explorer's data: the projection turned into pyvis nodes/edges plus details, loops and filter choices.

Every leg stays in the data; what the reader sees first (focus, as-of date, kinds, statuses) is only the
page's initial state. Above ``max_nodes`` organisations the lowest-flow ones collapse into one "Other <type>"
node per type and their drawn legs into one edge per endpoint pair and category.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import igraph
import networkx as nx
from pyvis.network import Network

from kg.records import names
from kg.views import style
from kg.views.formatting import (
    day_number,
    format_amount,
    format_usd,
    is_up_to,
    iso_date,
    leg_amount,
    number,
    safe_url,
    text,
)

Leg = tuple[str, str, str, dict[str, Any]]  # (from, to, leg id, attributes)
AGGREGATE_SUMMARY = 10  # deals listed for a collapsed edge


@dataclass
class ExplorerView:
    """Everything the page needs; ``nodes``/``edges``/``options`` are pyvis's network data."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    options: dict[str, Any]
    orgs: dict[str, dict[str, Any]]
    deals: list[dict[str, Any]]
    cycles: list[dict[str, Any]]
    config: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # labels of collapsed organisations that deals cite

    @property
    def aggregated(self) -> bool:
        return any(n.get("agg") for n in self.nodes)

    def payload(self) -> dict[str, Any]:
        """What the page embeds as JSON."""
        return {
            "nodes": self.nodes,
            "edges": self.edges,
            "options": self.options,
            "orgs": self.orgs,
            "deals": self.deals,
            "cycles": self.cycles,
            "config": self.config,
            "names": self.names,
        }


def drawn_by_default(leg: Mapping[str, Any]) -> bool:
    """The primary leg, and every money leg so each partner of a multi-party deal (a JV) stays visible."""
    return bool(leg.get("primary")) or leg.get("flow") == "money"


# --- which organisations stay ------------------------------------------------------------------------------


def node_flows(G: nx.MultiDiGraph) -> dict[str, float]:
    """Total deal volume per organisation, each deal counted once (its largest leg), not once per leg."""
    by_deal: dict[Any, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for u, v, key, attrs in G.edges(keys=True, data=True):
        by_deal[attrs.get("deal", key)].append((u, v, attrs))
    flows = dict.fromkeys(G.nodes, 0.0)
    for legs in by_deal.values():
        amount = max((a for a in (leg_amount(attrs) for _u, _v, attrs in legs) if a is not None), default=0.0)
        for party in {p for u, v, _a in legs for p in (u, v)}:
            flows[party] += amount
    return flows


def neighbourhood(G: nx.MultiDiGraph, centre: str, depth: int) -> set[str]:
    """Nodes within ``depth`` hops of ``centre``, ignoring direction."""
    seen = {centre}
    frontier = [centre]
    for _hop in range(depth):
        frontier = [o for n in frontier for o in (*G.successors(n), *G.predecessors(n)) if o not in seen]
        seen.update(frontier)
    return seen


def choose_kept(
    G: nx.MultiDiGraph, flows: Mapping[str, float], max_nodes: int, focus: str | None, depth: int
) -> tuple[set[str], list[str]]:
    """Which organisations stay themselves, and the types that get an "Other …" node for the rest.

    Priority: the focus and its neighbourhood, then organisations in circular deals, then total flow, degree.
    """
    if G.number_of_nodes() <= max_nodes:
        return set(G.nodes), []
    cycle_nodes = {n for c in G.graph.get("cycles") or [] for n in c.get("nodes", []) if n in G}
    near = neighbourhood(G, focus, depth) if focus is not None else set()

    def rank(node: str) -> tuple[bool, bool, float, int, str]:
        return (node in near, node in cycle_nodes, flows.get(node, 0.0), G.degree(node), str(node))

    ordered = sorted(G.nodes, key=rank, reverse=True)
    # One slot per collapsed type is reserved; shrink until kept + "Other" nodes fit.
    budget = max(1, max_nodes - len(style.TYPE_COLOURS))
    while True:
        kept = set(ordered[:budget]) | ({focus} if focus is not None else set())
        other_types = sorted({style.primary_type(G.nodes[n].get("types")) for n in G.nodes if n not in kept})
        if len(kept) + len(other_types) <= max_nodes or budget <= 1:
            return kept, other_types
        budget -= 1


def other_ids(G: nx.MultiDiGraph, types: list[str]) -> dict[str, str]:
    """Ids for the "Other <type>" nodes that cannot clash with a real organisation id."""
    ids = {}
    for ptype in types:
        candidate = f"__other__:{ptype}"
        while candidate in G:
            candidate = "_" + candidate
        ids[ptype] = candidate
    return ids


# --- layout -----------------------------------------------------------------------------------------------


def _component_layout(graph: igraph.Graph, seed: int) -> list[tuple[float, float]]:
    """One connected component: Kamada–Kawai when small (even spacing, deterministic from a circle),
    Fruchterman–Reingold when large; scaled so neighbours sit roughly 150 px apart."""
    n = graph.vcount()
    if n == 1:
        return [(0.0, 0.0)]
    # igraph draws from a process-wide RNG (Python's random module by default): seed our own, then restore.
    igraph.set_random_number_generator(random.Random(seed))  # noqa: S311 - layout, not cryptography
    try:
        if n <= 150:
            coords = graph.layout_kamada_kawai().coords
        else:
            coords = graph.layout_fruchterman_reingold(grid="auto").coords
    finally:
        igraph.set_random_number_generator(random)
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    left, top = min(xs), min(ys)
    span = max(max(xs) - left, max(ys) - top, 1e-9)
    scale = 150.0 * max(math.sqrt(n), 1.4) / span
    return [((x - left) * scale, (y - top) * scale) for x, y in coords]


def layout(
    node_ids: list[str], pairs: Iterable[tuple[str, str]], seed: int = 7
) -> dict[str, tuple[float, float]]:
    """Positions for vis (physics stays off): each connected component laid out by igraph's
    Fruchterman–Reingold (C; about 0.5 s for 5,000 nodes), seeded, then packed in rows, largest first,
    so small islands do not drift off and shrink the main component when the view fits."""
    if not node_ids:
        return {}
    index = {n: i for i, n in enumerate(node_ids)}
    edges = sorted({(min(index[a], index[b]), max(index[a], index[b])) for a, b in pairs if a != b})
    graph = igraph.Graph(n=len(node_ids), edges=edges)
    parts = sorted(graph.connected_components(), key=lambda c: (-len(c), c[0]))
    boxes = []
    for members in parts:
        coords = _component_layout(graph.induced_subgraph(members), seed)
        boxes.append((members, coords, max(x for x, _ in coords), max(y for _, y in coords)))
    gap = 80.0
    row_width = max(
        max(w for _m, _c, w, _h in boxes), math.sqrt(sum((w + gap) * (h + gap) for *_x, w, h in boxes))
    )
    positions: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for members, coords, w, h in boxes:
        if x > 0 and x + w > row_width:  # next shelf
            x, y, row_height = 0.0, y + row_height + gap, 0.0
        for vertex, (cx, cy) in zip(members, coords):  # noqa: B905 - same length by construction
            positions[node_ids[vertex]] = (x + cx, y + cy)
        x += w + gap
        row_height = max(row_height, h)
    # Centre on the origin, where vis starts its view.
    mid_x = (max(p[0] for p in positions.values()) + min(p[0] for p in positions.values())) / 2
    mid_y = (max(p[1] for p in positions.values()) + min(p[1] for p in positions.values())) / 2
    return {n: (round(px - mid_x, 1), round(py - mid_y, 1)) for n, (px, py) in positions.items()}


# --- deals and sources ------------------------------------------------------------------------------------


def sources_of(legs: Iterable[Mapping[str, Any]],
               deal_sources: Iterable[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """A deal's sources (the deal record's, then any its legs carry), de-duplicated, preferred first;
    URLs only if http(s)."""
    seen: set[tuple[str, str, str]] = set()
    out: list[dict[str, Any]] = []
    for leg in [{"sources": deal_sources}, *legs]:
        for src in leg.get("sources") or []:
            url = safe_url(src.get("url"))
            key = (url or text(src.get("seed_file")), text(src.get("title")), text(src.get("quote")))
            if key in seen:
                continue
            seen.add(key)
            out.append(
                {
                    "publisher": text(src.get("publisher")),
                    "title": text(src.get("title")),
                    "url": url,
                    "seed_file": text(src.get("seed_file")) or None,
                    "published": iso_date(src.get("published")),
                    "quote": text(src.get("quote")),
                    "preferred": bool(src.get("preferred")),
                }
            )
    out.sort(key=lambda s: not s["preferred"])
    return out


def legs_by_deal(G: nx.MultiDiGraph) -> dict[Any, list[Leg]]:
    grouped: dict[Any, list[Leg]] = defaultdict(list)
    for u, v, key, attrs in G.edges(keys=True, data=True):
        grouped[attrs.get("deal", key)].append((u, v, str(key), attrs))
    return grouped


class DealTable:
    """The deals the page can show, added on first use so deals wholly inside collapsed groups stay out."""

    def __init__(self, grouped: Mapping[Any, list[Leg]], deals: Mapping[Any, Mapping[str, Any]]) -> None:
        self._legs = grouped
        self._deals = deals  # the projection's deal records (G.graph["deals"]), with their sources
        self._index: dict[Any, int] = {}
        self.records: list[dict[str, Any]] = []

    def index(self, deal_id: Any) -> int:
        if deal_id not in self._index:
            self._index[deal_id] = len(self.records)
            self.records.append(self._record(deal_id, self._legs[deal_id], self._deals.get(deal_id) or {}))
        return self._index[deal_id]

    def amount(self, index: int) -> int | None:
        """The deal's own amount (USD) at ``index``: what the minimum-amount filter compares."""
        return self.records[index]["usd"]

    @staticmethod
    def _record(deal_id: Any, legs: list[Leg], deal: Mapping[str, Any]) -> dict[str, Any]:
        # The deal's own figures (its counted claim, as every other view states them); a leg graph made
        # without the projection's deal records falls back to the primary leg.
        head = next((a for _u, _v, _k, a in legs if a.get("primary")), legs[0][3])
        own = deal or head
        return {
            "id": text(deal_id),
            "iri": text(head.get("deal_iri")),
            "title": text(own.get("title")) or text(deal_id),
            "kind": text(own.get("kind")),
            "status": text(own.get("status")),
            "evidence": text(own.get("evidence")),
            "date": iso_date(own.get("date")),
            "amount": format_amount(own),
            "usd": _whole(leg_amount(own)),
            "in_cycle": any(bool(a.get("in_cycle")) for _u, _v, _k, a in legs),
            "legs": [
                {"from": u, "to": v, "flow": text(a.get("flow")), "amount": format_amount(a),
                 "basis": text(a.get("basis"))}
                for u, v, _k, a in legs
            ],
            "sources": sources_of((a for _u, _v, _k, a in legs), deal.get("sources") or ()),
        }


def deal_table(grouped: Mapping[Any, list[Leg]], kept: set[str],
               deals: Mapping[Any, Mapping[str, Any]]) -> DealTable:
    """Every deal touching a kept organisation, in input order; collapsed edges add those they cite."""
    table = DealTable(grouped, deals)
    for deal_id, legs in grouped.items():
        if any(p in kept for u, v, _k, _a in legs for p in (u, v)):
            table.index(deal_id)
    return table


# --- edges ------------------------------------------------------------------------------------------------


def _category(attrs: Mapping[str, Any]) -> str:
    category = text(attrs.get("category")) or "other"
    return category if category in style.CATEGORY_COLOURS else "other"


def _label(G: nx.MultiDiGraph, node: str) -> str:
    return text(G.nodes[node].get("label")) or str(node)


def _whole(amount: float | None) -> int | None:
    return None if amount is None else round(amount)


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
        "a": _whole(amount),
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
        "a": _whole(total),
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


# --- pyvis ------------------------------------------------------------------------------------------------


class _IdList(list):
    """pyvis keeps node ids in a list and tests membership per add: make that O(1) for big graphs."""

    def __init__(self) -> None:
        super().__init__()
        self._members: set[Any] = set()

    def append(self, item: Any) -> None:
        super().append(item)
        self._members.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._members


def new_network() -> Network:
    net = Network(directed=True)
    net.node_ids = _IdList()
    return net


def vis_options(n_nodes: int, n_edges: int) -> dict[str, Any]:
    """Physics off (positions come from Python); hide edges while dragging once the view is big."""
    big = n_nodes + n_edges > 1500
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "multiselect": False,
            "navigationButtons": False,
            "keyboard": False,
        },
        "nodes": {
            "shape": "dot",
            "borderWidth": 1,
            "font": {"size": 14, "color": "#1f2933", "strokeWidth": 3, "strokeColor": "#ffffff"},
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "smooth": False,
            "selectionWidth": 2,
            "hoverWidth": 0.5,
            "font": {"size": 11, "align": "middle", "strokeWidth": 3, "strokeColor": "#ffffff"},
        },
    }


# --- organisations ----------------------------------------------------------------------------------------


def org_record(
    G: nx.MultiDiGraph, node: str, kept: set[str], flow: float, deals: list[int], in_cycle: bool
) -> dict:
    attrs = G.nodes[node]
    parent = attrs.get("parent")
    return {
        "label": _label(G, node),
        "types": [str(t) for t in attrs.get("types") or []],
        "aliases": [text(a) for a in attrs.get("aliases") or []],
        "parent": parent if parent is not None and parent in kept else None,
        "parent_label": (_label(G, parent) if parent in G else text(parent)) if parent is not None else None,
        "iri": text(attrs.get("iri")),
        "wikidata": text(attrs.get("wikidata")) or None,
        "lei": text(attrs.get("lei")) or None,
        "ticker": text(attrs.get("ticker")) or None,
        "flow": format_usd(flow),
        "deals": deals,
        "in_cycle": in_cycle,
    }


def add_org_nodes(
    net: Network,
    G: nx.MultiDiGraph,
    kept: set[str],
    flows: Mapping[str, float],
    deals: list[dict[str, Any]],
    positions: Mapping[str, tuple[float, float]],
) -> dict[str, dict[str, Any]]:
    """Add each kept organisation to pyvis; return their details records for the panel."""
    cycle_nodes = {n for c in G.graph.get("cycles") or [] for n in c.get("nodes", [])}
    deals_of: dict[str, list[int]] = defaultdict(list)
    for i, deal in enumerate(deals):
        for party in {p for leg in deal["legs"] for p in (leg["from"], leg["to"])}:
            deals_of[party].append(i)
    orgs: dict[str, dict[str, Any]] = {}
    for node in (n for n in G.nodes if n in kept):
        ptype = style.primary_type(G.nodes[node].get("types"))
        flow, in_cycle = flows.get(node, 0.0), node in cycle_nodes
        mine = sorted(deals_of.get(node, []), key=lambda i: deals[i]["date"] or "", reverse=True)
        orgs[node] = org_record(G, node, kept, flow, mine, in_cycle)
        x, y = positions[node]
        net.add_node(
            node,
            label=orgs[node]["label"],
            shape="dot",
            color=style.node_colour(ptype, in_cycle),
            borderWidth=3 if in_cycle else 1,
            size=style.node_size(flow),
            x=x,
            y=y,
            grp=ptype,
        )
    return orgs


def add_other_nodes(
    net: Network,
    G: nx.MultiDiGraph,
    kept: set[str],
    flows: Mapping[str, float],
    ids: Mapping[str, str],
    positions: Mapping[str, tuple[float, float]],
) -> dict[str, dict[str, Any]]:
    """Add one "Other <type>" node per collapsed type; return their details records."""
    members: dict[str, list[str]] = defaultdict(list)
    for node in G.nodes:
        if node not in kept:
            members[style.primary_type(G.nodes[node].get("types"))].append(node)
    orgs: dict[str, dict[str, Any]] = {}
    for ptype, vid in ids.items():
        group = sorted(members[ptype], key=lambda n: flows.get(n, 0.0), reverse=True)
        total = sum(flows.get(n, 0.0) for n in group)
        label = f"Other {style.TYPE_LABELS[ptype].lower()} ({len(group):,})"
        x, y = positions[vid]
        net.add_node(
            vid,
            label=label,
            shape="diamond",
            color=style.node_colour(ptype, False),
            x=x,
            y=y,
            grp=ptype,
            size=style.node_size(total / max(len(group), 1)) + 6,
            agg=True,
        )
        orgs[vid] = {
            "label": label,
            "types": [ptype],
            "aliases": [],
            "aggregate": True,
            "count": len(group),
            "members": [_label(G, n) for n in group[:50]],
            "flow": format_usd(total),
            "deals": [],
        }
    return orgs


# --- loops and page config --------------------------------------------------------------------------------


def loops(G: nx.MultiDiGraph, vis_node: Callable[[str], str], leg_to_edge: Mapping[str, str]) -> list[dict]:
    """The circular deals as the page lists them: label, vis node/edge ids to highlight, round trip."""
    out = []
    for cycle in G.graph.get("cycles") or []:
        nodes = [n for n in cycle.get("nodes", []) if n in G]
        legs = [str(k) for k in cycle.get("legs", [])]
        round_trip = number(cycle.get("round_trip_usd"))
        labels = [_label(G, n) for n in nodes]
        out.append(
            {
                "label": text(cycle.get("label")) or " → ".join([*labels, labels[0]] if labels else []),
                "nodes": list(dict.fromkeys(vis_node(n) for n in nodes)),
                "edges": list(dict.fromkeys(leg_to_edge[k] for k in legs if k in leg_to_edge)),
                "legs": len(legs),
                "round_trip": format_usd(round_trip) if round_trip is not None else "undisclosed",
            }
        )
    return out


def _codes(counts: Counter[str], known: Mapping[str, str]) -> list[dict[str, Any]]:
    # Known codes in vocabulary order, then anything unexpected, so nothing becomes unfilterable.
    codes = [c for c in known if counts[c]] + sorted(set(counts) - set(known))
    return [{"code": c, "label": known.get(c, c), "count": counts[c]} for c in codes]


def page_config(
    G: nx.MultiDiGraph,
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    initial: dict[str, Any],
    title: str,
    notes: list[str],
    vis_version: str,
) -> dict[str, Any]:
    """Legend entries, filter choices with counts, the date range and the initial state."""
    type_counts = Counter(n["grp"] for n in nodes)
    category_counts = Counter(e["c"] for e in edges if e["p"])
    kinds: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for e in edges:
        kinds.update(e["k"] if isinstance(e["k"], list) else [e["k"]])
        statuses.update(e["s"] if isinstance(e["s"], list) else [e["s"]])
    days = [e["t"] for e in edges if e["t"] is not None]
    return {
        "title": title,
        "vis_version": vis_version,
        "types": [
            {"code": t, "label": style.TYPE_LABELS[t], "colour": c, "count": type_counts[t]}
            for t, c in style.TYPE_COLOURS.items()
            if type_counts[t]
        ],
        "categories": [
            {"code": k, "label": style.CATEGORY_LABELS[k], "colour": c, "count": category_counts[k]}
            for k, c in style.CATEGORY_COLOURS.items()
            if category_counts[k]
        ],
        "category_colours": style.CATEGORY_COLOURS,
        "kinds": _codes(kinds, style.KIND_LABELS),
        "statuses": _codes(statuses, style.STATUS_LABELS),
        "min_day": min(days, default=None),
        "max_day": max(days, default=None),
        "initial": initial,
        "notes": notes,
        "counts": {"organisations": G.number_of_nodes(), "legs": G.number_of_edges()},
    }


# --- entry point ------------------------------------------------------------------------------------------


def resolve_focus(G: nx.MultiDiGraph, focus: str | None) -> str | None:
    """A node id, or a label or alias in any case (see :func:`kg.records.names.resolve`)."""
    return None if focus is None else names.resolve(G, focus)


def _check_codes(values: Iterable[str] | None, known: Mapping[str, str], what: str) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    chosen = [str(v) for v in values]
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return chosen


def build_view(
    G: nx.MultiDiGraph,
    *,
    focus: str | None = None,
    depth: int = 2,
    as_of: date | str | None = None,
    kinds: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    max_nodes: int = 1500,
    title: str = "aikg explorer",
    vis_version: str = "",
) -> ExplorerView:
    """The page's data for ``G`` (see the module docstring); raises ValueError on a bad argument."""
    if depth not in (1, 2, 3):
        raise ValueError("depth must be 1, 2 or 3")
    if max_nodes < len(style.TYPE_COLOURS) + 1:
        raise ValueError(f"max_nodes must be at least {len(style.TYPE_COLOURS) + 1}")
    if as_of is not None and day_number(as_of) is None:
        raise ValueError(f"as_of {as_of!r} is not a date")
    focus_id = resolve_focus(G, focus)
    initial = {
        "focus": focus_id,
        "depth": depth,
        "as_of_day": day_number(as_of),
        "kinds": _check_codes(kinds, style.KIND_LABELS, "deal kinds"),
        "statuses": _check_codes(statuses, style.STATUS_LABELS, "statuses"),
    }

    flows = node_flows(G)
    kept, collapsed_types = choose_kept(G, flows, max_nodes, focus_id, depth)
    ids = other_ids(G, collapsed_types)

    def vis_node(node: str) -> str:
        return node if node in kept else ids[style.primary_type(G.nodes[node].get("types"))]

    table = deal_table(legs_by_deal(G), kept, G.graph.get("deals") or {})
    edge_records, leg_to_edge, dropped = build_edges(G, kept, vis_node, table)
    deals = table.records
    vis_ids = [n for n in G.nodes if n in kept] + list(ids.values())
    positions = layout(vis_ids, ((e["from"], e["to"]) for e in edge_records if e["p"]))

    net = new_network()
    orgs = add_org_nodes(net, G, kept, flows, deals, positions)
    orgs.update(add_other_nodes(net, G, kept, flows, ids, positions))
    for record in edge_records:
        net.add_edge(record.pop("from"), record.pop("to"), **record)
    net.set_options(json.dumps(vis_options(len(vis_ids), len(edge_records))))
    nodes, edges, _heading, _height, _width, options_json = net.get_network_data()

    notes = []
    if collapsed_types:
        notes.append(
            f"This graph has {G.number_of_nodes():,} organisations, more than max_nodes={max_nodes:,}: "
            f"showing the {len(kept):,} with the most deal flow (plus the focus and organisations in loops) "
            f"and collapsing {G.number_of_nodes() - len(kept):,} into {len(ids)} “Other …” nodes; "
            f"{dropped:,} deal legs inside a collapsed group are not drawn. "
            "Narrow the view with a focus or raise max_nodes."
        )
    cited = {p for deal in deals for leg in deal["legs"] for p in (leg["from"], leg["to"])}
    return ExplorerView(
        names={n: _label(G, n) for n in sorted(cited - kept, key=str)},
        nodes=nodes,
        edges=edges,
        options=json.loads(options_json),
        orgs=orgs,
        deals=deals,
        cycles=loops(G, vis_node, leg_to_edge),
        config=page_config(G, nodes, edges, initial, title, notes, vis_version),
        notes=notes,
    )
