"""The circularity null model (``kg.analytics.null_models``) against a plain networkx loop.

For the bundled data and synthetic graphs of 1,000 and 10,000 organisations (``bench/synthetic.py``):
the value flows (groups merged), then ``circularity_null`` (degree and class nulls) with N randomised
copies, and the plain loop a user would write with networkx (``directed_edge_swap`` then
``simple_cycles(length_bound=5)`` for the measures) on a few copies, per copy and as a ratio. Prints
figures; never passes or fails on time. ``python bench/bench_null.py 1000 10000`` picks the sizes.
"""

from __future__ import annotations

import sys
import time

import networkx as nx
import numpy as np
from synthetic import synthetic

import kg
from kg.analytics.null_models import circular_volume_reference, circularity_null
from kg.metrics.circularity import flow_amounts

COPIES = {None: 1000, 1000: 200, 10_000: 20}  # randomised copies per null model, by size
PLAIN_COPIES = 2  # the networkx loop is slow: a few copies give its time per copy
PLAIN_CAP_SECONDS = 120.0
PLAIN_MAX_FLOWS = 5_000  # above this the networkx loop is not run: at 10k organisations (25k flows) one copy
#                          had not finished after 25 minutes on the 2-core machine


def flows_of(graph: kg.KnowledgeGraph) -> nx.DiGraph:
    legs = graph.legs(group_subsidiaries=True)
    flows = flow_amounts(legs).copy()
    for org, data in legs.nodes(data=True):
        flows.nodes[org]["type"] = next(iter(data.get("types") or ()), None)
    return flows


def plain_copy(flows: nx.DiGraph, seed: int) -> float:
    """One randomised copy and its measures, the networkx way; seconds."""
    started = time.perf_counter()
    H = nx.DiGraph(flows)
    nx.directed_edge_swap(H, nswap=10 * H.number_of_edges(), max_tries=10**9, seed=seed)
    circular_volume_reference(H)
    return time.perf_counter() - started


def run(label: str, graph: kg.KnowledgeGraph, copies: int) -> None:
    flows = flows_of(graph)
    print(f"\n{label}: {flows.number_of_nodes():,} organisations, {flows.number_of_edges():,} value flows", flush=True)
    per_copy = {}
    for null in ("degree", "class"):
        started = time.perf_counter()
        test = circularity_null(flows, n=copies, seed=0, null=null)  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
        row = test.to_frame().set_index("measure").loc["round_trip"]
        print(f"  null {null:6}: {copies:,} copies in {seconds:7.2f} s ({seconds / copies * 1e3:7.2f} ms a copy); "
              f"round trip z = {row['z']:.2f}, p = {row['p_value']:.4f}", flush=True)
        per_copy[null] = seconds / copies
    if flows.number_of_edges() > PLAIN_MAX_FLOWS:
        print(f"  networkx loop: not run above {PLAIN_MAX_FLOWS:,} flows (one copy took over 25 minutes at 10k)")
        return
    plain, spent = [], 0.0
    for seed in range(PLAIN_COPIES):
        plain.append(plain_copy(flows, seed))
        spent += plain[-1]
        if spent > PLAIN_CAP_SECONDS:
            break
    mean = float(np.mean(plain))
    print(f"  networkx loop: {len(plain)} copies, {mean * 1e3:9.1f} ms a copy; "
          "fast path " + ", ".join(f"{mean / t:,.0f}x ({null})" for null, t in per_copy.items())
          + f" faster per copy; {copies:,} copies would take {mean * copies:,.0f} s",
          flush=True)


def main(sizes: list[int]) -> None:
    run("bundled data", kg.load(), COPIES[None])
    for orgs in sizes:
        run(f"synthetic {orgs:,}", synthetic(orgs), COPIES.get(orgs, 100))


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10_000])
