"""Totals that count each dollar once: the counted deals by line of business, parts folded into wholes.

A deal's figure is its counted claim's total (the projection's deal record: the same figure the
explorer, the report, the CLI, the API and the SPARQL digests state). Deals are summed in separate
lines, never into one grand sum: equity funding, share exchanges (equity deals without cash),
purchase commitments for compute and for chips, debt, joint ventures and infrastructure programmes,
acquisitions, and the rest. A deal that is part of another (``part_of``: a tranche of a round, the
Oracle contract inside Stargate) is left out of a line's total when the whole it belongs to is
counted with a known amount and is of the same category (:func:`kg.projection.legs.folded`, the rule
the metrics' leg table follows too), and the row says which whole includes it.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd

from kg.projection.legs import folded

# line code → label, in the order the report shows them
LINES = {
    "funding": "Equity funding (rounds and investments)",
    "share_exchange": "Share exchanges and equity without cash",
    "compute": "Compute purchase commitments",
    "chips": "Chip purchases",
    "debt": "Debt (loans, bonds, facilities)",
    "joint_venture": "Joint ventures and infrastructure programmes",
    "acquisition": "Acquisitions",
    "other": "Warrants, partnerships and revenue shares",
}
_BY_KIND = {"compute_commitment": "compute", "chip_supply": "chips", "debt_financing": "debt",
            "joint_venture": "joint_venture", "acquisition": "acquisition"}
DEAL_COLUMNS = ["deal", "title", "kind", "line", "status", "date", "usd", "min_usd", "max_usd", "undisclosed",
                "part_of", "included_in", "counted"]


def _line(kind: str, cash: bool) -> str:
    if kind in ("equity_investment", "funding_round"):
        return "funding" if cash else "share_exchange"
    return _BY_KIND.get(kind, "other")


def deal_totals(legs: nx.MultiDiGraph) -> pd.DataFrame:
    """One row per counted deal of the projection ``legs``: its figure and line, and whether it counts in
    its line's total (``counted``) or is included in a whole (``included_in``) that does.

    >>> g = nx.MultiDiGraph(deals={
    ...     "round": {"kind": "funding_round", "title": "A round", "status": "closed", "date": None,
    ...               "amount_usd": 40.0, "amount_min_usd": 40.0, "amount_max_usd": 40.0, "part_of": None},
    ...     "tranche": {"kind": "funding_round", "title": "Its first tranche", "status": "closed", "date": None,
    ...                 "amount_usd": 10.0, "amount_min_usd": 10.0, "amount_max_usd": 10.0, "part_of": "round"}})
    >>> g.add_edges_from([("fund", "lab", {"deal": "round", "flow": "money"}),
    ...                   ("fund", "lab", {"deal": "tranche", "flow": "money"})])
    [0, 1]
    >>> deal_totals(g)[["deal", "line", "usd", "included_in", "counted"]].to_dict("records")[1]
    {'deal': 'tranche', 'line': 'funding', 'usd': 10.0, 'included_in': 'round', 'counted': False}
    """
    deals = legs.graph.get("deals", {})
    cash = {leg["deal"] for _u, _v, leg in legs.edges(data=True) if leg.get("flow") == "money"}
    rows = []
    for deal, info in deals.items():
        usd = info.get("amount_usd")
        rows.append({"deal": deal, "title": info.get("title"), "kind": info["kind"],
                     "line": _line(info["kind"], deal in cash), "status": info.get("status"),
                     "date": info.get("date"), "usd": usd, "min_usd": info.get("amount_min_usd"),
                     "max_usd": info.get("amount_max_usd"), "undisclosed": usd is None,
                     "part_of": info.get("part_of")})
    folds = folded(deals)  # the rule the projection folds a part's legs by: one rule for every total
    for row in rows:
        row["included_in"] = folds.get(row["deal"])
        row["counted"] = row["usd"] is not None and row["included_in"] is None
    frame = pd.DataFrame(rows, columns=DEAL_COLUMNS)
    for column in ("usd", "min_usd", "max_usd"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.sort_values(["line", "deal"], ignore_index=True)


def totals_by_line(legs: nx.MultiDiGraph) -> pd.DataFrame:
    """Per line: deals counted, with a known amount, undisclosed, parts included in a whole, and the USD
    total with each dollar once. The lines are not added up: they measure different things."""
    deals = deal_totals(legs)
    rows = []
    for code, label in LINES.items():
        part = deals[deals["line"] == code]
        if part.empty:
            continue
        rows.append({"line": code, "label": label, "deals": len(part), "with_amount": int(part["counted"].sum()),
                     "undisclosed": int(part["undisclosed"].sum()),
                     "included_in_another": int(part["included_in"].notna().sum()),
                     "usd": float(part.loc[part["counted"], "usd"].sum())})
    return pd.DataFrame(rows, columns=["line", "label", "deals", "with_amount", "undisclosed",
                                       "included_in_another", "usd"])
