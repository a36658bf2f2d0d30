"""A small valid data set written into a temporary folder, for tests that corrupt one thing at a time."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

MINI: dict[str, dict[str, list[dict]]] = {
    "entities": {"orgs.yaml": [
        {"id": "alpha-lab", "name": "Alpha Lab", "types": ["ai_lab"], "aliases": {"de": ["Alpha-Labor"]}},
        {"id": "beta-cloud", "name": "Beta Cloud", "types": ["cloud_provider", "big_tech"], "wikidata": "Q42"},
        {"id": "beta-cloud-services", "name": "Beta Cloud Services", "types": ["cloud_provider"],
         "parent": "beta-cloud"},
        {"id": "gamma-chips", "name": "Gamma Chips", "types": ["chip_maker"], "ticker": "NASDAQ:GMMA"},
    ]},
    "sources": {"sources.yaml": [
        {"id": "wire-1", "publisher": "Test Wire", "title": "Alpha raises money", "url": "https://example.org/1",
         "language": "en", "published": "2025-03-01", "retrieved": "2025-03-02"},
        {"id": "wire-2", "publisher": "Other Wire", "title": "Alpha round is larger", "url": "https://example.org/2",
         "language": "de", "published": "2025-04-01"},
        {"id": "fx-src", "publisher": "Central Bank", "title": "Rates", "url": "https://example.org/fx",
         "language": "en", "published": "2025-01-02"},
    ]},
    "fx": {"rates.yaml": [
        {"currency": "EUR", "date": "2025-01-02", "usd_per_unit": 1.25, "source": "fx-src", "quote": "EUR 1.25"},
    ]},
    "deals": {"deals.yaml": [
        {"id": "beta-alpha-equity", "kind": "equity_investment", "title": "Beta invests in Alpha",
         "parties": [{"org": "beta-cloud", "role": "investor"}, {"org": "alpha-lab", "role": "investee"}],
         "claims": [
             {"source": "wire-1", "quote": "Beta invests $10 billion.", "date": "2025-03-01", "status": "closed",
              "evidence": "confirmed", "amount": {"value": 10e9, "currency": "USD"},
              "participations": {"beta-cloud": {"stake": {"value": 0.4, "unit": "fraction"}}}},
             {"source": "wire-2", "quote": "Beta invests up to €12 billion.", "date": "2025-04-01",
              "status": "closed", "amount": {"max": 12e9, "currency": "EUR"}, "preferred": True,
              "preferred_reason": "later report"},
         ]},
        {"id": "alpha-beta-compute", "kind": "compute_commitment", "title": "Alpha commits to Beta's cloud",
         "parties": [{"org": "alpha-lab", "role": "customer"}, {"org": "beta-cloud-services", "role": "provider"}],
         "claims": [{"source": "wire-1", "quote": "Alpha will spend $8 billion on Beta Cloud.", "date": "2025-03-01",
                     "status": "committed", "amount": {"value": 8e9, "currency": "USD"}, "term": "P5Y"}]},
        {"id": "gamma-alpha-chips", "kind": "chip_supply", "title": "Gamma supplies Alpha",
         "parties": [{"org": "alpha-lab", "role": "customer"}, {"org": "gamma-chips", "role": "provider"}],
         "claims": [{"source": "wire-2", "quote": "Terms were not disclosed.", "date": "2025-04-01",
                     "status": "announced", "amount": {"undisclosed": True}}]},
    ]},
    "observations": {"obs.yaml": [
        {"id": "alpha-valuation-2025", "metric": "valuation_post", "orgs": ["alpha-lab"], "on": "2025-03-01",
         "claims": [{"source": "wire-1", "quote": "Alpha is valued at over $100 billion.", "date": "2025-03-01",
                     "value": {"min": 100e9, "currency": "USD"}}]},
    ]},
}


def write_dataset(root: Path, data: dict[str, dict[str, list[dict]]] | None = None) -> Path:
    """Write ``data`` (default: MINI) as YAML files under ``root``; returns ``root``."""
    for folder, files in (data or MINI).items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name, records in files.items():
            (root / folder / name).write_text(yaml.safe_dump(records, sort_keys=False, allow_unicode=True),
                                              encoding="utf-8")
    return root


def mini() -> dict[str, dict[str, list[dict]]]:
    """A fresh deep copy of MINI to corrupt."""
    return copy.deepcopy(MINI)


def load_errors(root: Path) -> list:
    """The errors (not warnings) loading the data folder ``root`` raises; fails if it loads."""
    import pytest

    from kg.records.loader import load_dataset
    from kg.records.problems import DataError, Severity

    with pytest.raises(DataError) as info:
        load_dataset(root)
    return [p for p in info.value.problems if p.severity is Severity.ERROR]


def only(problems: list):
    """The one problem of ``problems``."""
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]
