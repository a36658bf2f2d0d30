"""Who is exposed to whom: direct exposure by channel, look-through ownership, and contagion.

Channels of A's direct exposure to B, read off the deal legs of the projection:

- ``equity_at_risk``: the value of A's stake in B: the stake times B's size when both are known,
  else what A paid for it (cost basis); the ``equity_basis`` column says which.
- ``contracted_revenue``: what B has committed to pay A for compute, chips or services (A's
  backlog from B).
- ``credit``: what A has lent to B.
- ``supplier_dependence``: what A has committed to buy from B (not a claim on B, but A needs B).

The first three are claims A loses if B fails; their sum is ``at_risk``. Figures relative to A's
size use :mod:`kg.metrics.sizes` and say which yardstick was used.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from kg.analytics import debtrank, look_through
from kg.metrics.sizes import Size

LOSS_CHANNELS = ("equity_at_risk", "contracted_revenue", "credit")
CHANNELS = (*LOSS_CHANNELS, "supplier_dependence")
COMMERCIAL = {"compute_commitment", "chip_supply", "revenue_share", "partnership"}


@dataclass
class Exposure:
    """A's direct claims on B, by channel (USD)."""

    channels: dict[str, float] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0.0))
    deals: set[str] = field(default_factory=set)
    equity_basis: set[str] = field(default_factory=set)

    @property
    def at_risk(self) -> float:
        return sum(self.channels[c] for c in LOSS_CHANNELS)


def direct_exposures(legs: nx.MultiDiGraph, sizes: dict[str, Size]) -> dict[tuple[str, str], Exposure]:
    """Every (A, B) pair with a direct exposure of A to B."""
    found: dict[tuple[str, str], Exposure] = defaultdict(Exposure)
    invested: dict[tuple[str, str], float] = defaultdict(float)
    latest_stake: dict[tuple[str, str], tuple] = {}
    for giver, taker, leg in legs.edges(data=True):
        amount, flow, kind = leg["amount_usd"], leg["flow"], leg["kind"]
        if flow == "equity" and kind != "warrant":
            # the investee (giver) hands equity to the investor (taker): the taker holds a stake in the giver
            invested[(taker, giver)] += amount or 0.0
            if leg["stake"] is not None:
                latest_stake[(taker, giver)] = max(latest_stake.get((taker, giver), (leg["date"], 0.0)),
                                                   (leg["date"], leg["stake"]))
            found[(taker, giver)].deals.add(leg["deal"])
        elif amount is None:
            continue
        elif flow == "money" and kind in COMMERCIAL:
            for holder, on, channel in ((taker, giver, "contracted_revenue"), (giver, taker, "supplier_dependence")):
                found[(holder, on)].channels[channel] += amount  # the provider's backlog; the customer's need
                found[(holder, on)].deals.add(leg["deal"])
        elif flow == "money" and kind == "debt_financing":
            found[(giver, taker)].channels["credit"] += amount
            found[(giver, taker)].deals.add(leg["deal"])
    # A stake is a holding, not an increment: value the latest stated stake at B's size; else the cost.
    for (holder, on), cost in invested.items():
        exp, size, stake = found[(holder, on)], sizes.get(on), latest_stake.get((holder, on))
        if stake is not None and size is not None:
            exp.channels["equity_at_risk"] = stake[1] * size.usd
            exp.equity_basis.add(f"stake {stake[1]:.1%} × {size.basis}")
        elif cost:
            exp.channels["equity_at_risk"] = cost
            exp.equity_basis.add("amount invested")
    return dict(found)


def stake_graph(legs: nx.MultiDiGraph) -> nx.DiGraph:
    """Owner → owned with the largest stated stake (0–1) on any counted equity leg."""
    stakes = nx.DiGraph()
    for giver, taker, leg in legs.edges(data=True):
        if leg["flow"] == "equity" and leg["stake"] is not None:
            old = stakes.get_edge_data(taker, giver, {}).get("stake", 0.0)
            stakes.add_edge(taker, giver, stake=max(old, leg["stake"]))
    return stakes


def claims_graph(exposures: dict[tuple[str, str], Exposure]) -> nx.DiGraph:
    """u → v with ``exposure`` = u's claims on v (the DebtRank convention)."""
    graph = nx.DiGraph()
    for (a, b), exp in exposures.items():
        if exp.at_risk > 0:
            graph.add_edge(a, b, exposure=exp.at_risk)
    return graph


def _relative(value: float, size: Size | None) -> float | None:
    return None if size is None else value / size.usd


def exposure_table(legs: nx.MultiDiGraph, sizes: dict[str, Size], a: str, b: str | None = None) -> pd.DataFrame:
    """A's direct exposure to B (or to every counterparty), one row per counterparty and channel."""
    rows = []
    for (holder, on), exp in sorted(direct_exposures(legs, sizes).items()):
        if holder != a or (b is not None and on != b):
            continue
        for channel in CHANNELS:
            value = exp.channels[channel]
            if value:
                rows.append({"org": a, "counterparty": on, "channel": channel, "usd": value,
                             "relative_to_size": _relative(value, sizes.get(a)),
                             "size_basis": sizes[a].basis if a in sizes else None,
                             "equity_basis": (", ".join(sorted(exp.equity_basis))
                                              if channel == "equity_at_risk" else None),
                             "deals": ", ".join(sorted(exp.deals))})
    return pd.DataFrame(rows, columns=["org", "counterparty", "channel", "usd", "relative_to_size", "size_basis",
                                       "equity_basis", "deals"])


def exposed_to(legs: nx.MultiDiGraph, sizes: dict[str, Size], x: str) -> pd.DataFrame:
    """Who is exposed to X: direct claims by channel, look-through equity and DebtRank contagion, ranked.

    ``lookthrough_usd`` is the value of stakes in X held through other organisations (ownership
    chains multiply); ``debtrank_loss_usd`` is each organisation's loss, direct and knock-on, when
    X's equity is wiped out, by DebtRank (Battiston et al. 2012) over the network of all claims with
    sizes as capital buffers (organisations without a size figure cannot be weighed and show 0).
    """
    exposures = direct_exposures(legs, sizes)
    integrated = look_through(stake_graph(legs))
    direct_stakes = {(u, v): d["stake"] for u, v, d in stake_graph(legs).edges(data=True)}
    claims = claims_graph(exposures)
    equity = {n: sizes[n].usd for n in claims if n in sizes}
    distress = {}
    if x in claims and equity:
        held = claims.subgraph([n for n in claims if n in equity or n == x]).copy()
        distress = debtrank(held, {**equity, x: equity.get(x, 1.0)}, {x: 1.0})
    rows = []
    for org in sorted(set(legs.nodes) - {x}):
        exp = exposures.get((org, x), Exposure())
        indirect = integrated.get(org, {}).get(x, 0.0) - direct_stakes.get((org, x), 0.0)
        lookthrough = indirect * sizes[x].usd if indirect > 1e-12 and x in sizes else 0.0
        contagion = distress.get(org, 0.0) * equity.get(org, 0.0)
        total = exp.at_risk + lookthrough
        if not (total or contagion or exp.channels["supplier_dependence"]):
            continue
        rows.append({"org": org, "name": legs.nodes[org].get("label", org), **exp.channels, "at_risk": exp.at_risk,
                     "lookthrough_usd": lookthrough, "debtrank_loss_usd": contagion,
                     "relative_to_size": _relative(total, sizes.get(org)),
                     "size_basis": sizes[org].basis if org in sizes else None, "deals": ", ".join(sorted(exp.deals))})
    frame = pd.DataFrame(rows, columns=["org", "name", *CHANNELS, "at_risk", "lookthrough_usd", "debtrank_loss_usd",
                                        "relative_to_size", "size_basis", "deals"])
    return frame.sort_values(["at_risk", "supplier_dependence"], ascending=False, ignore_index=True)
