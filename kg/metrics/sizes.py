"""How big each organisation is as of a date, from the observations: the yardstick for relative figures.

The size is the latest preferred figure dated on or before ``as_of`` of, in this order: market
capitalisation, post-money valuation, revenue. Which one was used is stated with the figure. The
figures come from the projection's tables (:mod:`kg.projection.tables`: read once per store
generation), so sizing every organisation costs a sort, not a query.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kg.projection.bulk import bulk
from kg.projection.observations import speaking
from kg.projection.tables import SIZE_METRICS, Tables

BASES = tuple(m.value for m in SIZE_METRICS)  # market_cap, valuation_post, revenue: the order of preference


@dataclass(frozen=True)
class Size:
    usd: float
    basis: str  # market_cap, valuation_post or revenue
    date: dt.date
    # every post-money valuation up to the date, oldest first: what later rounds diluted a stake by
    valuations: tuple[tuple[dt.date, float], ...] = ()

    def post_money(self, day: dt.date, before: int = 7, after: int = 60) -> float | None:
        """The post-money valuation reported with a round on ``day``: the first dated from ``before`` days
        before to ``after`` days after it (rounds are often valued in the reporting just before or after)."""
        near = [(abs((d - day).days), d, v) for d, v in self.valuations if -before <= (d - day).days <= after]
        return min(near)[2] if near else None


def as_reported(tables: Tables, claims: pd.DataFrame, reported_by: dt.date) -> Tables:
    """``tables`` with the size figures as reported by ``reported_by``: each observation's speaking
    claim among those published by then (:func:`kg.projection.observations.speaking`), so that a size
    never rests on a figure published later.
    """
    known = speaking(claims, reported_by=reported_by, metrics=[m.value for m in SIZE_METRICS])
    known = known[known["org"].notna() & ~known["orgs"].fillna("").str.contains(",")]  # one organisation's size
    figures = known[["obs", "org", "metric", "end", "value_usd", "min_usd", "max_usd"]].sort_values(
        "obs", kind="stable", ignore_index=True)
    figures["end"] = figures["end"].to_numpy(dtype="datetime64[D]")
    return dataclasses.replace(tables, size_figures=figures)


def org_sizes(tables: Tables, as_of: dt.date) -> dict[str, Size]:
    """Each organisation's size as of ``as_of`` (organisations without a usable figure are absent).

    A figure is the preferred claim's USD value, else its upper bound, else its lower bound; it
    must be positive and its period must end on or before ``as_of``. Among an organisation's
    figures the preferred basis wins, then the latest period end, then the first observation id.
    Computed once per tables and date; each call gets its own dict.
    """
    known = _SIZES.setdefault(tables, {})
    if as_of not in known:
        known[as_of] = _org_sizes(tables, as_of)
    return dict(known[as_of])


_SIZES: weakref.WeakKeyDictionary[Tables, dict[dt.date, dict[str, Size]]] = weakref.WeakKeyDictionary()


@bulk
def _org_sizes(tables: Tables, as_of: dt.date) -> dict[str, Size]:
    figures = tables.size_figures
    value, high, low = (figures[k].to_numpy(dtype=float) for k in ("value_usd", "max_usd", "min_usd"))
    usd = np.where(~np.isnan(value), value, np.where(~np.isnan(high), high, low))
    end = figures["end"].to_numpy(dtype="datetime64[D]")
    usable = (usd > 0) & (end <= np.datetime64(as_of, "D"))  # NaN compares false: no figure, not usable
    chosen = figures[usable].assign(usd=usd[usable], rank=figures["metric"][usable].map(BASES.index))
    # already ordered by obs: a stable sort keeps that order among equal (org, rank, end)
    chosen = chosen.sort_values(["org", "rank", "end"], ascending=[True, True, False], kind="stable")
    best = chosen.drop_duplicates("org")
    post = chosen[chosen["metric"].to_numpy(dtype=object) == "valuation_post"].sort_values(["org", "end"])
    history: dict[str, list[tuple[dt.date, float]]] = {}
    for org, day, usd_ in zip(post["org"].tolist(), post["end"].to_numpy(dtype="datetime64[D]").astype(object),
                              post["usd"].tolist(), strict=True):
        history.setdefault(org, []).append((day, float(usd_)))
    return {org: Size(float(x), basis, day, tuple(history.get(org, ()))) for org, x, basis, day in zip(
        best["org"].tolist(), best["usd"].tolist(), best["metric"].tolist(),
        best["end"].to_numpy(dtype="datetime64[D]").astype(object).tolist(), strict=True)}
