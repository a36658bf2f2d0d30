"""Who is too central to fail: weighted PageRank and betweenness over the value flows."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from kg.analytics import betweenness, pagerank
from kg.bulk import bulk
from kg.metrics.circularity import shared_value_flows

# Exact betweenness runs one shortest-path search per organisation (O(nm)): seconds at 5,000
# organisations, hours at 100,000. Above this size it is estimated from sampled sources: on the
# 10k synthetic graph 100 sources found the same top 10 as the exact ranking, in 0.1 s against 9 s;
# at 100k each source costs about 30 ms.
EXACT_BETWEENNESS_LIMIT = 5_000
SAMPLED_SOURCES = 100


@bulk
def centrality(legs: nx.MultiDiGraph, *, betweenness_sources: int | None = None, seed: int = 0) -> pd.DataFrame:
    """PageRank weighted by USD flow (money follows money) and betweenness (unweighted: brokerage),
    with each organisation's known inflow and outflow, most central first.

    Betweenness is exact up to ``EXACT_BETWEENNESS_LIMIT`` organisations with flows; above it, or
    when ``betweenness_sources`` is given, it is estimated from that many sampled sources
    (default ``SAMPLED_SOURCES``; Brandes and Pich 2007) drawn with ``seed``. ``frame.attrs["betweenness"]``
    says which.
    """
    flows = shared_value_flows(legs)
    n = flows.number_of_nodes()
    k = betweenness_sources or (SAMPLED_SOURCES if n > EXACT_BETWEENNESS_LIMIT else None)
    k = None if k is not None and k >= n else k
    ranks = pagerank(flows, weight="amount") if flows.number_of_edges() else {}
    between = betweenness(flows, k=k, seed=seed) if flows.number_of_edges() else {}
    nodes = list(flows)
    index = {node: i for i, node in enumerate(nodes)}
    edges = [(index[a], index[b], x) for a, b, x in flows.edges(data="amount")]
    u, v = (np.array([e[i] for e in edges], dtype=np.int64) for i in (0, 1))
    amount = np.array([e[2] for e in edges], dtype=float)
    # counterparties: distinct neighbours in either direction (pairs as one integer each)
    pairs = np.unique(np.r_[u * len(nodes) + v, v * len(nodes) + u]) // max(len(nodes), 1)
    frame = pd.DataFrame({"org": nodes, "name": [flows.nodes[x].get("label", x) for x in nodes],
                          "pagerank": [ranks.get(x, 0.0) for x in nodes],
                          "betweenness": [between.get(x, 0.0) for x in nodes],
                          "inflow_usd": np.bincount(v, weights=amount, minlength=n),
                          "outflow_usd": np.bincount(u, weights=amount, minlength=n),
                          "counterparties": np.bincount(pairs, minlength=n)},
                         columns=["org", "name", "pagerank", "betweenness", "inflow_usd", "outflow_usd",
                                  "counterparties"])
    frame = frame.sort_values(["pagerank", "org"], ascending=[False, True], ignore_index=True)
    frame.attrs["betweenness"] = "exact" if k is None else (
        f"estimated from {k:,} of {n:,} sources (Brandes and Pich 2007), seed {seed}")
    return frame
