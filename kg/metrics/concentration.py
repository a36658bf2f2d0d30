"""How concentrated the money is: an investee's funders, a provider's customers, a buyer's suppliers, a market.

Shares are of the known USD amounts of the counted money legs (the projection's settings say
which statuses and how ranges were counted); legs without a figure are counted but cannot weigh.
HHI is on the 0–10,000 scale and labelled with the 2023 US Merger Guidelines thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from kg.analytics import concentration_label, hhi, top_k_shares
from kg.projection.legs import leg_table
from kg.records.vocab import COMMERCIAL_KINDS, FUNDING_KINDS

Kind = Literal["funders", "customers", "suppliers", "market"]


@dataclass(frozen=True)
class Concentration:
    subject: str | None
    kind: str
    hhi: float | None
    label: str | None
    top1: float | None
    top3: float | None
    undisclosed: int
    table: pd.DataFrame  # counterparty, usd, share
    settings: dict

    def to_frame(self) -> pd.DataFrame:
        return self.table


def _amounts(legs: nx.MultiDiGraph, subject: str | None, kind: Kind) -> tuple[dict[str, float], int]:
    table = leg_table(legs)
    money = table[table["flow"].to_numpy(dtype=object) == "money"]
    kinds = money["kind"].to_numpy(dtype=object)
    giver, taker = money["giver"].to_numpy(dtype=object), money["taker"].to_numpy(dtype=object)
    if kind in ("funders", "customers"):
        bought = FUNDING_KINDS if kind == "funders" else COMMERCIAL_KINDS
        counted = money[(taker == subject) & np.isin(kinds, list(bought))]
        who = counted["giver"]
    elif kind == "suppliers":
        counted = money[(giver == subject) & np.isin(kinds, list(COMMERCIAL_KINDS))]
        who = counted["taker"]
    else:
        counted = money[np.isin(kinds, list(COMMERCIAL_KINDS))]
        who = counted["taker"]  # each provider's share of all purchase commitments
    # a leg without a figure is counted (its counterparty listed with 0) but cannot weigh
    sums = counted["amount_usd"].groupby(who.to_numpy(dtype=object), sort=False).sum()
    return dict(zip(sums.index.tolist(), sums.tolist(), strict=True)), int(counted["amount_usd"].isna().sum())


def concentration(legs: nx.MultiDiGraph, subject: str | None, kind: Kind = "funders") -> Concentration:
    """Shares, HHI, its label and top-1/top-3 shares for ``subject`` (ignored for ``kind="market"``).

    Example: an investee funded 30/30/20/20 has HHI 2,600, "highly concentrated" (above 1,800).
    """
    if kind not in ("funders", "customers", "suppliers", "market"):
        raise ValueError(f"kind must be funders, customers, suppliers or market, got {kind!r}")
    if kind != "market" and subject not in legs:
        raise ValueError(f"unknown organisation {subject!r}")
    amounts, undisclosed = _amounts(legs, None if kind == "market" else subject, kind)
    total = sum(amounts.values())
    rows = sorted(amounts.items(), key=lambda item: (-item[1], item[0]))
    table = pd.DataFrame([{"counterparty": k, "name": legs.nodes[k].get("label", k), "usd": v,
                           "share": v / total if total else None} for k, v in rows],
                         columns=["counterparty", "name", "usd", "share"])
    if total <= 0:
        return Concentration(subject, kind, None, None, None, None, undisclosed, table,
                             dict(legs.graph.get("settings", {})))
    value = hhi(amounts)
    shares = top_k_shares(amounts, 3)
    return Concentration(subject, kind, value, concentration_label(value), shares[0][1] if shares else None,
                         sum(s for _, s in shares), undisclosed, table, dict(legs.graph.get("settings", {})))
