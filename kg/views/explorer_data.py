"""The explorer's data: the projection turned into pyvis nodes/edges plus details, loops and filter choices.

Every leg stays in the data; what the reader sees first (focus, as-of date, kinds, statuses) is only the
page's initial state. Above ``max_nodes`` organisations the lowest-flow ones collapse into one "Other <type>"
node per type and their drawn legs into one edge per endpoint pair and category.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import networkx as nx
from pyvis.network import Network

from kg.records import names
from kg.views import style
from kg.views.explorer_deals import deal_table, legs_by_deal
from kg.views.explorer_edges import build_edges
from kg.views.explorer_layout import choose_kept, layout, node_flows, node_label, other_ids
from kg.views.formatting import (
    day_number,
    format_usd,
    number,
    text,
)


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
        "label": node_label(G, node),
        "types": [str(t) for t in attrs.get("types") or []],
        "aliases": [text(a) for a in attrs.get("aliases") or []],
        "parent": parent if parent is not None and parent in kept else None,
        "parent_label": (node_label(G, parent) if parent in G else text(parent)) if parent is not None else None,
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
            "members": [node_label(G, n) for n in group[:50]],
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
        labels = [node_label(G, n) for n in nodes]
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
    collapsed: int = 0,
) -> dict[str, Any]:
    """Legend entries, filter choices with counts, the date range (stretched to an ``as_of`` asked beyond
    it) and the initial state; ``collapsed`` organisations are inside "Other …" groups."""
    type_counts = Counter(n["grp"] for n in nodes)
    category_counts = Counter(e["c"] for e in edges if e["p"])
    kinds: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for e in edges:
        kinds.update(e["k"] if isinstance(e["k"], list) else [e["k"]])
        statuses.update(e["s"] if isinstance(e["s"], list) else [e["s"]])
    days = [e["t"] for e in edges if e["t"] is not None]
    if days and initial.get("as_of_day") is not None:
        days.append(initial["as_of_day"])
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
        "counts": {
            "organisations": G.number_of_nodes(),
            "legs": G.number_of_edges(),
            "collapsed": collapsed,
            "groups": sum(1 for n in nodes if n.get("agg")),
        },
    }


# --- entry point ------------------------------------------------------------------------------------------

CORE_SIZE = 25  # organisations whose partners a big view opens on
CORE_ABOVE = 300  # a view of more organisations than this opens on its core
CORE_MAX = 250  # at most this many organisations in the first view (hubs can have hundreds of partners)


def core_of(
    kept: set[str], flows: Mapping[str, float], size: int, edges: Iterable[Mapping[str, Any]]
) -> list[str] | None:
    """What a big view opens on: the ``size`` organisations with the most deal flow and their partners along
    the drawn ``edges`` (not "Other …" groups), the partners with the most flow first, at most ``CORE_MAX``
    in all; None when there are at most ``CORE_ABOVE`` organisations (the view opens on all of them)."""
    if size == 0 or len(kept) <= CORE_ABOVE:
        return None

    def by_flow(node: str) -> tuple[float, str]:
        return -flows.get(node, 0.0), str(node)

    top = sorted(kept, key=by_flow)[:size]
    partners: dict[str, set[str]] = {hub: set() for hub in top}
    for e in edges:
        if e["p"] and e["from"] in kept and e["to"] in kept:
            for a, b in ((e["from"], e["to"]), (e["to"], e["from"])):
                if a in partners:
                    partners[a].add(b)
    chosen = dict.fromkeys(top)
    for hub in top:  # the biggest hubs' partners first, while there is room
        for partner in sorted(partners[hub] - set(chosen), key=by_flow)[: max(0, CORE_MAX - len(chosen))]:
            chosen[partner] = None
    return list(chosen)


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
    core: int = CORE_SIZE,
    title: str = "aikg explorer",
    vis_version: str = "",
) -> ExplorerView:
    """The page's data for ``G`` (see the module docstring); raises ValueError on a bad argument.

    ``core``: above ``CORE_ABOVE`` organisations the page opens on the ``core`` with the most deal flow, their
    partners (and the focus's neighbourhood); clicking an organisation adds its partners. 0: on everyone.
    """
    if depth not in (1, 2, 3):
        raise ValueError("depth must be 1, 2 or 3")
    if max_nodes < len(style.TYPE_COLOURS) + 1:
        raise ValueError(f"max_nodes must be at least {len(style.TYPE_COLOURS) + 1}")
    if as_of is not None and day_number(as_of) is None:
        raise ValueError(f"as_of {as_of!r} is not a date")
    if core < 0:
        raise ValueError("core must be 0 (every organisation) or more")
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
    opened = core_of(kept, flows, core, edge_records)
    initial["shown"] = opened
    # "Other …" groups touch nearly everyone: left out of the forces, they go to the outer ring.
    radius = {n: style.node_size(flows.get(n, 0.0)) for n in kept}
    positions = layout(vis_ids, ((e["from"], e["to"]) for e in edge_records if e["p"] and not e.get("agg")),
                       core=opened, radius=radius)

    net = new_network()
    orgs = add_org_nodes(net, G, kept, flows, deals, positions)
    orgs.update(add_other_nodes(net, G, kept, flows, ids, positions))
    for record in edge_records:
        net.add_edge(record.pop("from"), record.pop("to"), **record)
    net.set_options(json.dumps(vis_options(len(vis_ids), len(edge_records))))
    nodes, edges, _heading, _height, _width, options_json = net.get_network_data()

    notes = []
    if opened is not None:
        notes.append(
            f"The view opens on the {core:,} organisations with the most deal flow and their partners "
            f"({len(opened):,} in all); click an organisation to add its partners, search or focus to bring "
            "any other in, or “Show all”."
        )
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
        names={n: node_label(G, n) for n in sorted(cited - kept, key=str)},
        nodes=nodes,
        edges=edges,
        options=json.loads(options_json),
        orgs=orgs,
        deals=deals,
        cycles=loops(G, vis_node, leg_to_edge),
        config=page_config(G, nodes, edges, initial, title, notes, vis_version,
                           collapsed=G.number_of_nodes() - len(kept)),
        notes=notes,
    )
