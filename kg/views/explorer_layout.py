"""The explorer's choice of organisations to show and their positions: flows, neighbourhoods, layout."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import igraph
import networkx as nx
import numpy as np

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
    node_ids: list[str],
    pairs: Iterable[tuple[str, str]],
    seed: int = 7,
    core: Iterable[str] | None = None,
    radius: Mapping[str, float] | None = None,
) -> dict[str, tuple[float, float]]:
    """Positions for vis (physics stays off).

    Without ``core``: each connected component laid out by igraph (Kamada–Kawai when small,
    Fruchterman–Reingold otherwise; about 0.5 s for 5,000 nodes), seeded, then packed in rows, largest first,
    so small islands do not drift off and shrink the main component when the view fits. With ``core`` (the
    organisations the page opens on): the core is laid out alone, so it is spread as if nothing else existed,
    and everyone else is placed around it by Fruchterman–Reingold with the core held still (see
    :func:`around_core`). With ``radius`` (px per node), a view or core of at most ``SEPARATE_UP_TO`` nodes
    is then pushed apart until no two dots overlap (:func:`separate`).
    """
    if not node_ids:
        return {}
    index = {n: i for i, n in enumerate(node_ids)}
    edges = sorted({(min(index[a], index[b]), max(index[a], index[b])) for a, b in pairs if a != b})
    core_set = set(core or ()) & set(node_ids)
    if core_set and len(core_set) < len(node_ids):
        core_ids = [n for n in node_ids if n in core_set]
        inside = layout(core_ids, ((node_ids[a], node_ids[b]) for a, b in edges
                                   if node_ids[a] in core_set and node_ids[b] in core_set), seed, radius=radius)
        return around_core(node_ids, edges, inside, seed)
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
    if radius is not None and len(positions) <= SEPARATE_UP_TO:
        positions = separate(positions, radius)
    return _centred(positions)


SEPARATE_UP_TO = 400  # nodes; the pass compares every pair


def separate(
    positions: Mapping[str, tuple[float, float]], radius: Mapping[str, float], gap: float = 8.0, rounds: int = 60
) -> dict[str, tuple[float, float]]:
    """Push overlapping dots apart: each round moves both dots of every pair closer than their radii plus
    ``gap`` half the shortfall away from each other, until none overlap (or ``rounds`` are done).
    Force layouts space nodes by edges, not by the size vis draws them at, so big hubs land on each other.

    >>> out = separate({"a": (0.0, 0.0), "b": (5.0, 0.0)}, {"a": 10.0, "b": 10.0}, gap=0.0)
    >>> round(out["b"][0] - out["a"][0], 3)
    20.0
    """
    ids = list(positions)
    points = np.array([positions[n] for n in ids], dtype=float)
    # identical positions would have no direction to part in: a tiny deterministic nudge gives them one
    points += np.stack([np.cos(np.arange(len(ids))), np.sin(np.arange(len(ids)))], axis=1) * 1e-3
    need = np.array([radius.get(n, 8.0) for n in ids])
    need = need[:, None] + need[None, :] + gap
    np.fill_diagonal(need, 0.0)
    for _round in range(rounds):
        delta = points[:, None, :] - points[None, :, :]
        dist = np.hypot(delta[..., 0], delta[..., 1])
        short = np.clip(need - dist, 0.0, None)
        if not short.any():
            break
        unit = delta / np.where(dist > 0, dist, 1.0)[..., None]
        points += (short[..., None] / 2 * unit).sum(axis=1)
    return {n: (float(x), float(y)) for n, (x, y) in zip(ids, points)}  # noqa: B905 - same length


def _centred(positions: Mapping[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Centre on the origin, where vis starts its view."""
    xs, ys = [p[0] for p in positions.values()], [p[1] for p in positions.values()]
    mid_x, mid_y = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {n: (round(px - mid_x, 1), round(py - mid_y, 1)) for n, (px, py) in positions.items()}


def around_core(
    node_ids: list[str], edges: list[tuple[int, int]], inside: Mapping[str, tuple[float, float]], seed: int
) -> dict[str, tuple[float, float]]:
    """Everyone placed around a core whose positions (``inside``, in px) stay as they are.

    Each outsider starts beside the mean of its core partners (or on a far ring when it has none) and
    Fruchterman–Reingold, with the core pinned by equal lower and upper bounds, settles them; so an
    organisation added to the view later appears near the partners it was added for.
    """
    rng = random.Random(seed)  # noqa: S311 - layout, not cryptography
    unit = 150.0  # px between neighbours, as in _component_layout; FR works in units of about one edge
    core_xy = {n: (x / unit, y / unit) for n, (x, y) in inside.items()}
    radius = max((math.hypot(x, y) for x, y in core_xy.values()), default=1.0) + 2.0
    partners: dict[int, list[int]] = defaultdict(list)
    for a, b in edges:
        partners[a].append(b)
        partners[b].append(a)
    seeds = []
    for i, node in enumerate(node_ids):
        if node in core_xy:
            seeds.append(list(core_xy[node]))
            continue
        near = [core_xy[node_ids[j]] for j in partners[i] if node_ids[j] in core_xy]
        angle = rng.uniform(0, 2 * math.pi)
        if near:  # just outside the core, in the direction of its partners
            cx, cy = sum(x for x, _ in near) / len(near), sum(y for _, y in near) / len(near)
            angle = math.atan2(cy, cx) if (cx, cy) != (0.0, 0.0) else angle
            r = radius + rng.uniform(0.5, 3.0)
        else:
            r = radius * 1.6 + rng.uniform(0.0, 4.0)
        seeds.append([r * math.cos(angle), r * math.sin(angle)])
    pinned = [node in core_xy for node in node_ids]
    low, high = -1e9, 1e9
    graph = igraph.Graph(n=len(node_ids), edges=edges)
    igraph.set_random_number_generator(rng)
    try:
        coords = graph.layout_fruchterman_reingold(
            seed=seeds, niter=150, start_temp=radius / 10, grid="auto",
            minx=[s[0] if p else low for s, p in zip(seeds, pinned)],  # noqa: B905 - same length
            maxx=[s[0] if p else high for s, p in zip(seeds, pinned)],  # noqa: B905
            miny=[s[1] if p else low for s, p in zip(seeds, pinned)],  # noqa: B905
            maxy=[s[1] if p else high for s, p in zip(seeds, pinned)],  # noqa: B905
        ).coords
    finally:
        igraph.set_random_number_generator(random)
    return _centred({n: (x * unit, y * unit) for n, (x, y) in zip(node_ids, coords)})  # noqa: B905


def node_label(G: nx.MultiDiGraph, node: str) -> str:
    return text(G.nodes[node].get("label")) or str(node)
