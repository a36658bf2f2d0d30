"""The explorer's choice of organisations to show and their positions: flows, neighbourhoods, layout."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import igraph
import networkx as nx

from kg.views import style
from kg.views.formatting import (
    leg_amount,
    text,
)

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


def node_label(G: nx.MultiDiGraph, node: str) -> str:
    return text(G.nodes[node].get("label")) or str(node)
