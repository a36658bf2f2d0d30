"""How the picture grew as it was reported: cumulative commitments, investments and debt, month by month.

Each month's figures come from a projection *as reported on* the month's last day (only claims whose
source was published by then, each deal as it then stood: :class:`kg.projection.legs.Settings`), so a
row says what a reader of the press knew at the end of that month, not what is known today about then.
Amounts are the counted legs' (parts folded into wholes, as every total); undisclosed legs are counted
in ``undisclosed``.

For one organisation: what it committed to buy (compute and chips), the investments it received and
made, and the debt it took on. For the whole graph: all purchase commitments, investments and debt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import networkx as nx
import pandas as pd

from kg.projection.aggregate import leg_table
from kg.records.vocab import FUNDING_KINDS, DealKind, Flow

PURCHASES = frozenset({DealKind.COMPUTE_COMMITMENT.value, DealKind.CHIP_SUPPLY.value})
DEBT = frozenset({DealKind.DEBT_FINANCING.value})
COLUMNS = ["month", "commitments_usd", "investments_usd", "debt_usd", "deals", "undisclosed"]
ORG_COLUMNS = ["month", "commitments_usd", "raised_usd", "invested_usd", "borrowed_usd", "deals", "undisclosed"]


def month_ends(start: dt.date, end: dt.date) -> list[dt.date]:
    """The last day of every month from ``start``'s month through ``end``'s (the last one: ``end``).

    >>> month_ends(dt.date(2025, 11, 3), dt.date(2026, 1, 15))
    [datetime.date(2025, 11, 30), datetime.date(2025, 12, 31), datetime.date(2026, 1, 15)]
    """
    out, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        out.append(min(nxt - dt.timedelta(days=1), end))
        year, month = nxt.year, nxt.month
    return out


def timeline(snapshots: Mapping[dt.date, nx.MultiDiGraph], org: str | None = None) -> pd.DataFrame:
    """One row per snapshot (a projection as reported on that date), cumulative sums of what it counts.

    Parameters
    ----------
    snapshots : mapping
        Date → the legs projected as reported on that date (:func:`kg.projection.legs.deal_legs` with
        ``as_of`` and ``reported_by`` set to it), in date order.
    org : str, optional
        An organisation's id: its own commitments, money raised and invested, and borrowing. Without
        it: the whole graph's purchase commitments, investments and debt.

    Returns
    -------
    pandas.DataFrame
        ``month`` (the date) and the sums in USD; ``deals``: the deals counted; ``undisclosed``: legs
        counted without a figure.

    Example
    -------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("openai", "aws", deal="d", kind="compute_commitment", flow="money", status="committed",
    ...            date=dt.date(2025, 11, 3), amount_usd=38e9, stake=None)
    0
    >>> t = timeline({dt.date(2025, 10, 31): nx.MultiDiGraph(), dt.date(2025, 11, 30): G}, "openai")
    >>> t["commitments_usd"].tolist(), t["deals"].tolist()
    ([0.0, 38000000000.0], [0, 1])
    """
    rows = []
    for day, legs in snapshots.items():
        table = leg_table(legs)
        money = table[table["flow"] == Flow.MONEY.value]
        if org is None:
            parts = {"commitments_usd": money[money["kind"].isin(PURCHASES)],
                     "investments_usd": money[money["kind"].isin(FUNDING_KINDS)],
                     "debt_usd": money[money["kind"].isin(DEBT)]}
        else:
            out, into = money[money["giver"] == org], money[money["taker"] == org]
            parts = {"commitments_usd": out[out["kind"].isin(PURCHASES)],
                     "raised_usd": into[into["kind"].isin(FUNDING_KINDS)],
                     "invested_usd": out[out["kind"].isin(FUNDING_KINDS)],
                     "borrowed_usd": into[into["kind"].isin(DEBT)]}
        counted = pd.concat(list(parts.values()))
        rows.append({"month": day, **{k: float(v["amount_usd"].sum()) for k, v in parts.items()},
                     "deals": int(counted["deal"].nunique()), "undisclosed": int(counted["amount_usd"].isna().sum())})
    return pd.DataFrame(rows, columns=COLUMNS if org is None else ORG_COLUMNS)
