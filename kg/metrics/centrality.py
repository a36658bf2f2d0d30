"""Who is too central to fail: weighted PageRank and betweenness over the value flows."""

from __future__ import annotations

import networkx as nx
import pandas as pd

from kg.analytics import betweenness, pagerank
from kg.metrics.circularity import value_flows


def centrality(legs: nx.MultiDiGraph) -> pd.DataFrame:
    """PageRank weighted by USD flow (money follows money) and betweenness (unweighted: brokerage),
    with each organisation's known inflow and outflow, most central first."""
    flows = value_flows(legs)
    ranks = pagerank(flows, weight="amount") if flows.number_of_edges() else {}
    between = betweenness(flows) if flows.number_of_edges() else {}
    rows = [{"org": n, "name": flows.nodes[n].get("label", n), "pagerank": ranks.get(n, 0.0),
             "betweenness": between.get(n, 0.0),
             "inflow_usd": sum(d["amount"] for _, _, d in flows.in_edges(n, data=True)),
             "outflow_usd": sum(d["amount"] for _, _, d in flows.out_edges(n, data=True)),
             "counterparties": len(set(flows.predecessors(n)) | set(flows.successors(n)))} for n in flows]
    frame = pd.DataFrame(rows, columns=["org", "name", "pagerank", "betweenness", "inflow_usd", "outflow_usd",
                                        "counterparties"])
    return frame.sort_values(["pagerank", "org"], ascending=[False, True], ignore_index=True)
