"""Who is too central to fail: weighted PageRank and betweenness over the value flows."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from kg.analytics import betweenness, pagerank
from kg.metrics.circularity import flow_amounts, flow_table
from kg.projection.bulk import bulk

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
    flows = flow_amounts(legs)
    n = flows.number_of_nodes()
    k = betweenness_sources or (SAMPLED_SOURCES if n > EXACT_BETWEENNESS_LIMIT else None)
    k = None if k is not None and k >= n else k
    ranks = pagerank(flows, weight="amount") if flows.number_of_edges() else {}
    between = betweenness(flows, k=k, seed=seed) if flows.number_of_edges() else {}
    nodes = pd.Index(list(flows))
    pairs = flow_table(legs).pairs
    u, v = (nodes.get_indexer(pairs[c].to_numpy(dtype=object)).astype(np.int64) for c in ("giver", "taker"))
    amount = pairs["amount"].to_numpy(dtype=float)
    # counterparties: distinct neighbours in either direction (pairs as one integer each)
    neighbours = np.unique(np.r_[u * n + v, v * n + u]) // max(n, 1)
    frame = pd.DataFrame({"org": nodes.to_numpy(dtype=object),
                          "name": [legs.nodes[x].get("label", x) for x in nodes],
                          "pagerank": [ranks.get(x, 0.0) for x in nodes],
                          "betweenness": [between.get(x, 0.0) for x in nodes],
                          "inflow_usd": np.bincount(v, weights=amount, minlength=n),
                          "outflow_usd": np.bincount(u, weights=amount, minlength=n),
                          "counterparties": np.bincount(neighbours, minlength=n)},
                         columns=["org", "name", "pagerank", "betweenness", "inflow_usd", "outflow_usd",
                                  "counterparties"])
    frame = frame.sort_values(["pagerank", "org"], ascending=[False, True], ignore_index=True)
    frame.attrs["betweenness"] = "exact" if k is None else (
        f"estimated from {k:,} of {n:,} sources (Brandes and Pich 2007), seed {seed}")
    return frame
