"""``aikg stats``: the data set's coverage and freshness, from the named queries tagged ``stats``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

FRESHNESS = "Claims and sources per month, the last twelve"

# Section title → named query (and parameters) that answers it.
SECTIONS: dict[str, tuple[str, dict[str, object]]] = {
    "Organisations by type": ("stats_entity_types", {}),
    "Deals by kind": ("stats_deal_kinds", {}),
    "Deals by status (preferred claim)": ("stats_deal_status", {}),
    "Claims by evidence level": ("stats_evidence", {}),
    "Facts by year": ("stats_years", {}),
    "Coverage by party": ("stats_parties", {}),
    "Organisations without identifiers": ("orgs_without_identifiers", {}),
    "Facts resting on one weak source (reported or estimated)": ("single_source_facts", {"weak_only": True}),
}


def stats(run_query: Callable[..., pd.DataFrame], today: dt.date | None = None) -> dict[str, pd.DataFrame]:
    """Each coverage table, by section title, freshness first; ``run_query(name, **params)`` runs a named
    query."""
    return {FRESHNESS: freshness(run_query, today),
            **{title: run_query(name, **params) for title, (name, params) in SECTIONS.items()}}


def freshness(run_query: Callable[..., pd.DataFrame], today: dt.date | None = None) -> pd.DataFrame:
    """Claims (by the date they apply from) and sources (by publication) in each of the twelve months up to
    ``today``, zero where none; ``frame.attrs`` holds ``latest_claim`` and ``latest_source`` (ISO dates on
    or before ``today``) and ``today``.

    Staleness shows as a run of empty months at the end: the data stops where the reporting in it stops.
    """
    today = today or dt.date.today()
    months = [(pd.Period(today, "M") - i).strftime("%Y-%m") for i in range(11, -1, -1)]
    counts = run_query("stats_months").set_index("month")
    frame = pd.DataFrame({"month": months,
                          "claims": [int(counts["claims"].get(m, 0)) for m in months],
                          "sources": [int(counts["sources"].get(m, 0)) for m in months]})
    latest = run_query("stats_latest", today=today)
    row = latest.iloc[0] if len(latest) else {}
    frame.attrs.update({"today": today.isoformat(),
                        **{k: (None if k not in row or pd.isna(row[k]) else pd.Timestamp(row[k]).date().isoformat())
                           for k in ("latest_claim", "latest_source")}})
    return frame
