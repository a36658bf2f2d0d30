"""``aikg stats``: the data set's coverage, from the named queries tagged ``stats``."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

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


def stats(run_query: Callable[..., pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each coverage table, by section title; ``run_query(name, **params)`` runs a named query."""
    return {title: run_query(name, **params) for title, (name, params) in SECTIONS.items()}
