"""The explorer's deal table: each deal once, with its own figure, its legs and its sources."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from kg.views.formatting import (
    format_amount,
    iso_date,
    leg_amount,
    safe_url,
    text,
)

Leg = tuple[str, str, str, dict[str, Any]]  # (from, to, leg id, attributes)


# --- deals and sources ------------------------------------------------------------------------------------


def whole(amount: float | None) -> int | None:
    return None if amount is None else round(amount)


def sources_of(legs: Iterable[Mapping[str, Any]],
               deal_sources: Iterable[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """A deal's sources (the deal record's, then any its legs carry), de-duplicated, preferred first;
    URLs only if http(s)."""
    seen: set[tuple[str, str, str]] = set()
    out: list[dict[str, Any]] = []
    for leg in [{"sources": deal_sources}, *legs]:
        for src in leg.get("sources") or []:
            url = safe_url(src.get("url"))
            key = (url or text(src.get("seed_file")), text(src.get("title")), text(src.get("quote")))
            if key in seen:
                continue
            seen.add(key)
            out.append(
                {
                    "publisher": text(src.get("publisher")),
                    "title": text(src.get("title")),
                    "url": url,
                    "seed_file": text(src.get("seed_file")) or None,
                    "published": iso_date(src.get("published")),
                    "quote": text(src.get("quote")),
                    "preferred": bool(src.get("preferred")),
                }
            )
    out.sort(key=lambda s: not s["preferred"])
    return out


def legs_by_deal(G: nx.MultiDiGraph) -> dict[Any, list[Leg]]:
    grouped: dict[Any, list[Leg]] = defaultdict(list)
    for u, v, key, attrs in G.edges(keys=True, data=True):
        grouped[attrs.get("deal", key)].append((u, v, str(key), attrs))
    return grouped


class DealTable:
    """The deals the page can show, added on first use so deals wholly inside collapsed groups stay out."""

    def __init__(self, grouped: Mapping[Any, list[Leg]], deals: Mapping[Any, Mapping[str, Any]]) -> None:
        self._legs = grouped
        self._deals = deals  # the projection's deal records (G.graph["deals"]), with their sources
        self._index: dict[Any, int] = {}
        self.records: list[dict[str, Any]] = []

    def index(self, deal_id: Any) -> int:
        if deal_id not in self._index:
            self._index[deal_id] = len(self.records)
            self.records.append(self._record(deal_id, self._legs[deal_id], self._deals.get(deal_id) or {}))
        return self._index[deal_id]

    def amount(self, index: int) -> int | None:
        """The deal's own amount (USD) at ``index``: what the minimum-amount filter compares."""
        return self.records[index]["usd"]

    @staticmethod
    def _record(deal_id: Any, legs: list[Leg], deal: Mapping[str, Any]) -> dict[str, Any]:
        # The deal's own figures (its counted claim, as every other view states them); a leg graph made
        # without the projection's deal records falls back to the primary leg.
        head = next((a for _u, _v, _k, a in legs if a.get("primary")), legs[0][3])
        own = deal or head
        return {
            "id": text(deal_id),
            "iri": text(head.get("deal_iri")),
            "title": text(own.get("title")) or text(deal_id),
            "kind": text(own.get("kind")),
            "status": text(own.get("status")),
            "evidence": text(own.get("evidence")),
            "date": iso_date(own.get("date")),
            "amount": format_amount(own),
            "usd": whole(leg_amount(own)),
            "in_cycle": any(bool(a.get("in_cycle")) for _u, _v, _k, a in legs),
            "legs": [
                {"from": u, "to": v, "flow": text(a.get("flow")), "amount": format_amount(a),
                 "basis": text(a.get("basis"))}
                for u, v, _k, a in legs
            ],
            "sources": sources_of((a for _u, _v, _k, a in legs), deal.get("sources") or ()),
        }


def deal_table(grouped: Mapping[Any, list[Leg]], kept: set[str],
               deals: Mapping[Any, Mapping[str, Any]]) -> DealTable:
    """Every deal touching a kept organisation, in input order; collapsed edges add those they cite."""
    table = DealTable(grouped, deals)
    for deal_id, legs in grouped.items():
        if any(p in kept for u, v, _k, _a in legs for p in (u, v)):
            table.index(deal_id)
    return table
