"""Who is too central to fail: weighted PageRank and betweenness over the value flows."""

from __future__ import annotations

import networkx as nx
import pandas as pd

from kg.analytics import betweenness, pagerank
from kg.metrics.circularity import value_flows

# Exact betweenness runs one shortest-path search per organisation (O(nm)): seconds at 5,000
# organisations, hours at 100,000. Above this size it is estimated from sampled sources.
EXACT_BETWEENNESS_LIMIT = 5_000
SAMPLED_SOURCES = 1_000


def centrality(legs: nx.MultiDiGraph, *, betweenness_sources: int | None = None, seed: int = 0) -> pd.DataFrame:
    """PageRank weighted by USD flow (money follows money) and betweenness (unweighted: brokerage),
    with each organisation's known inflow and outflow, most central first.

    Betweenness is exact up to ``EXACT_BETWEENNESS_LIMIT`` organisations with flows; above it, or
    when ``betweenness_sources`` is given, it is estimated from that many sampled sources
    (default ``SAMPLED_SOURCES``; Brandes and Pich 2007) drawn with ``seed``. ``frame.attrs["betweenness"]``
    says which.
    """
    flows = value_flows(legs)
    n = flows.number_of_nodes()
    k = betweenness_sources or (SAMPLED_SOURCES if n > EXACT_BETWEENNESS_LIMIT else None)
    k = None if k is not None and k >= n else k
    ranks = pagerank(flows, weight="amount") if flows.number_of_edges() else {}
    between = betweenness(flows, k=k, seed=seed) if flows.number_of_edges() else {}
    rows = [{"org": n, "name": flows.nodes[n].get("label", n), "pagerank": ranks.get(n, 0.0),
             "betweenness": between.get(n, 0.0),
             "inflow_usd": sum(d["amount"] for _, _, d in flows.in_edges(n, data=True)),
             "outflow_usd": sum(d["amount"] for _, _, d in flows.out_edges(n, data=True)),
             "counterparties": len(set(flows.predecessors(n)) | set(flows.successors(n)))} for n in flows]
    frame = pd.DataFrame(rows, columns=["org", "name", "pagerank", "betweenness", "inflow_usd", "outflow_usd",
                                        "counterparties"])
    frame = frame.sort_values(["pagerank", "org"], ascending=[False, True], ignore_index=True)
    frame.attrs["betweenness"] = "exact" if k is None else (
        f"estimated from {k:,} of {n:,} sources (Brandes and Pich 2007), seed {seed}")
    return frame
