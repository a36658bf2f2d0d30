"""How big each organisation is as of a date, from the observations: the yardstick for relative figures.

The size is the latest preferred figure dated on or before ``as_of`` of, in this order: market
capitalisation, post-money valuation, revenue. Which one was used is stated with the figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kg.store import Store

BASES = ("market_cap", "valuation_post", "revenue")
SIZES = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?org ?metric ?end ?usd ?lo ?hi WHERE {
  ?obs aikg:metric/skos:notation ?metric ; aikg:subjectOrganisation/aikg:recordId ?org ; aikg:periodEnd ?end ;
       aikg:preferredClaim/aikg:value ?v .
  VALUES ?metric { "market_cap" "valuation_post" "revenue" }
  FILTER NOT EXISTS { ?obs aikg:subjectOrganisation ?a , ?b . FILTER (?a != ?b) }
  OPTIONAL { ?v aikg:valueUSD ?usd } OPTIONAL { ?v aikg:minValueUSD ?lo } OPTIONAL { ?v aikg:maxValueUSD ?hi }
}"""


@dataclass(frozen=True)
class Size:
    usd: float
    basis: str  # market_cap, valuation_post or revenue
    date: dt.date


def org_sizes(store: Store, as_of: dt.date) -> dict[str, Size]:
    """Each organisation's size as of ``as_of`` (organisations without a usable figure are absent)."""
    best: dict[str, Size] = {}
    result = store.query(SIZES)
    for org, metric, end, usd, low, high in result.rows:
        figure = next((float(x) for x in (usd, high, low) if x is not None), None)
        if figure is None or figure <= 0 or end > as_of:
            continue
        candidate = Size(figure, str(metric), end)
        current = best.get(org)
        if current is None or _rank(candidate) < _rank(current):
            best[org] = candidate
    return best


def _rank(size: Size) -> tuple[int, int]:
    """Preferred basis first, then the most recent figure."""
    return BASES.index(size.basis), -size.date.toordinal()
