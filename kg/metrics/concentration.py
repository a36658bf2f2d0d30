"""How concentrated the money is: an investee's funders, a provider's customers, a buyer's suppliers, a market.

Shares are of the known USD amounts of the counted money legs (the projection's settings say
which statuses and how ranges were counted). A leg without a figure is never a share of 0: its
counterparty is listed with no amount, the result says how many legs had a figure, and the HHI of
the known amounts comes with the bounds that hold whatever the undisclosed amounts are. HHI is on
the 0–10,000 scale and labelled with the 2023 US Merger Guidelines thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from kg.analytics import concentration_label, hhi, hhi_bounds_undisclosed, top_k_shares
from kg.projection.aggregate import leg_table
from kg.projection.legs import ALLOCATED
from kg.records.vocab import COMMERCIAL_KINDS, FUNDING_KINDS

Kind = Literal["funders", "customers", "suppliers", "market"]


@dataclass(frozen=True)
class Concentration:
    """Concentration of one subject's money. ``hhi``, ``top1`` and ``top3`` are over the known amounts;
    ``hhi_low``/``hhi_high`` bound the HHI whatever the undisclosed amounts are (equal to ``hhi`` when
    every leg has a figure); ``known_legs`` of ``legs`` have a figure. The table has one row per
    counterparty: ``usd`` and ``share`` (of the known total) are NaN when none of its legs has a figure,
    never 0; ``undisclosed_legs`` counts its legs without one and ``allocated_usd`` what rests on an
    equal split of a multi-party total."""

    subject: str | None
    kind: str
    hhi: float | None
    label: str | None
    top1: float | None
    top3: float | None
    undisclosed: int  # legs without a figure
    table: pd.DataFrame  # counterparty, name, usd, share, legs, undisclosed_legs, allocated_usd
    settings: dict
    hhi_low: float | None = None
    hhi_high: float | None = None
    legs: int = 0
    known_legs: int = 0

    @property
    def known_share(self) -> float | None:
        """The fraction of the counted legs that have a figure."""
        return self.known_legs / self.legs if self.legs else None

    def to_frame(self) -> pd.DataFrame:
        return self.table

    def summary(self) -> dict[str, object]:
        """The figures as plain numbers (for JSON): no formatting."""
        return {"subject": self.subject, "kind": self.kind, "hhi": self.hhi, "hhi_low": self.hhi_low,
                "hhi_high": self.hhi_high, "label": self.label, "top1": self.top1, "top3": self.top3,
                "legs": self.legs, "known_legs": self.known_legs, "undisclosed_legs": self.undisclosed,
                "known_share": self.known_share}


def _counted(legs: nx.MultiDiGraph, subject: str | None, kind: Kind) -> tuple[pd.DataFrame, pd.Series]:
    """The money legs that count for ``kind`` and, for each, the counterparty it is about."""
    table = leg_table(legs)
    money = table[table["flow"].to_numpy(dtype=object) == "money"]
    kinds = money["kind"].to_numpy(dtype=object)
    giver, taker = money["giver"].to_numpy(dtype=object), money["taker"].to_numpy(dtype=object)
    if kind in ("funders", "customers"):
        bought = FUNDING_KINDS if kind == "funders" else COMMERCIAL_KINDS
        counted = money[(taker == subject) & np.isin(kinds, list(bought))]
        return counted, counted["giver"]
    if kind == "suppliers":
        counted = money[(giver == subject) & np.isin(kinds, list(COMMERCIAL_KINDS))]
        return counted, counted["taker"]
    counted = money[np.isin(kinds, list(COMMERCIAL_KINDS))]
    return counted, counted["taker"]  # each provider's share of all purchase commitments


def concentration(legs: nx.MultiDiGraph, subject: str | None, kind: Kind = "funders") -> Concentration:
    """Shares, HHI with its bounds, its label and top-1/top-3 shares for ``subject`` (ignored for
    ``kind="market"``).

    Example: an investee funded 30/30/20/20 has HHI 2,600, "highly concentrated" (above 1,800). With
    one more funder whose amount is undisclosed the HHI of the known amounts stays 2,600, but the
    true HHI may lie anywhere from the bound :func:`~kg.analytics.hhi_bounds_undisclosed` proves up
    to 10,000.
    """
    if kind not in ("funders", "customers", "suppliers", "market"):
        raise ValueError(f"kind must be funders, customers, suppliers or market, got {kind!r}")
    if kind != "market" and subject not in legs:
        raise ValueError(f"unknown organisation {subject!r}")
    counted, who = _counted(legs, None if kind == "market" else subject, kind)
    usd = counted["amount_usd"].to_numpy(dtype=float)
    frame = pd.DataFrame({"counterparty": who.to_numpy(dtype=object), "usd": usd,
                          "known": ~np.isnan(usd), "allocated": np.where(
                              counted["basis"].to_numpy(dtype=object) == ALLOCATED, np.nan_to_num(usd), 0.0)})
    grouped = frame.groupby("counterparty", sort=False).agg(
        usd=("usd", "sum"), known=("known", "sum"), legs=("known", "size"), allocated_usd=("allocated", "sum"))
    grouped["usd"] = grouped["usd"].where(grouped["known"] > 0)  # nothing known is NaN, not 0
    total = float(grouped["usd"].sum())
    grouped["share"] = grouped["usd"] / total if total > 0 else np.nan
    grouped["undisclosed_legs"] = grouped["legs"] - grouped["known"]
    grouped = grouped.reset_index().sort_values(["usd", "counterparty"], ascending=[False, True],
                                                na_position="last", ignore_index=True)
    grouped.insert(1, "name", [legs.nodes[k].get("label", k) for k in grouped["counterparty"]])
    table = grouped[["counterparty", "name", "usd", "share", "legs", "undisclosed_legs", "allocated_usd"]]
    table = table.astype({"legs": "int64", "undisclosed_legs": "int64"})
    undisclosed = int((~frame["known"]).sum())
    settings = dict(legs.graph.get("settings", {}))
    base = {"legs": len(frame), "known_legs": len(frame) - undisclosed}
    amounts = {k: v for k, v in zip(grouped["counterparty"], grouped["usd"], strict=True) if v == v and v > 0}
    if not amounts:
        return Concentration(subject, kind, None, None, None, None, undisclosed, table, settings, **base)
    value = hhi(amounts)
    low, high = hhi_bounds_undisclosed(amounts, grouped.loc[grouped["undisclosed_legs"] > 0, "counterparty"])
    shares = top_k_shares(amounts, 3)
    return Concentration(subject, kind, value, concentration_label(value), shares[0][1] if shares else None,
                         sum(s for _, s in shares), undisclosed, table, settings, low, high, **base)
