"""What an organisation's page shows besides its deals: its size over time, its exposure to others and the
concentration of its funders, as plain rows (:mod:`kg.views.entity_page` renders them).

The size figures are read from the store (every market cap, valuation and revenue observation with its source
and quote); exposure and concentration are :mod:`kg.metrics` on the grouped legs, as in the report.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

from kg.metrics import concentration, exposure
from kg.store import Store
from kg.views import charts
from kg.views import report_sections as sections
from kg.views.formatting import format_amount, iso_date, number, safe_url

__all__ = ["SIZE_METRICS", "exposure_rows", "funders", "select", "sizes"]

# size figures over time, in the order sizes prefer them (kg.metrics.sizes), then the rest of the family
SIZE_METRICS = {"market_cap": "Market cap", "valuation_post": "Valuation (post-money)",
                "valuation_pre": "Valuation (pre-money)", "revenue": "Revenue", "revenue_run_rate": "Revenue run rate"}
_OBSERVATIONS = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?o ?obs ?metric ?end ?basis ?usd ?min ?max ?quote ?publisher ?title ?url ?source WHERE {
  ?obs aikg:subjectOrganisation ?o ; aikg:metric/skos:notation ?metric ; aikg:periodEnd ?end ; aikg:preferredClaim ?c .
  ?c aikg:basis/skos:notation ?basis ; aikg:value ?v ; aikg:quote ?quote ; aikg:source ?s .
  ?s aikg:recordId ?source ; aikg:publisherName ?publisher .
  OPTIONAL { ?s <http://purl.org/dc/terms/title> ?title } OPTIONAL { ?s aikg:url ?url }
  OPTIONAL { ?v aikg:valueUSD ?usd } OPTIONAL { ?v aikg:minValueUSD ?min } OPTIONAL { ?v aikg:maxValueUSD ?max }
} ORDER BY ?end ?obs"""


def select(store: Store, query: str, iri: str) -> list[dict[str, Any]]:
    """A query's rows as dicts of Python values, with ``?o`` bound to ``iri``."""
    result = store.query(query, {"o": ox.NamedNode(iri)})
    return [{k: sections.clean(v) for k, v in zip(result.variables, row, strict=True)} for row in result.rows]


def sizes(store: Store, iri: str) -> dict[str, Any]:
    """Market cap, valuation and revenue observed over time: every figure (``rows``, oldest first) and a chart
    of the latest of each year per measure (``chart``, None without figures)."""
    rows = [r for r in select(store, _OBSERVATIONS, iri) if r["metric"] in SIZE_METRICS]
    for r in rows:
        r.update({k: number(r[k]) for k in ("usd", "min", "max")})
        r["end"] = iso_date(r["end"])
        r["url"] = safe_url(r["url"])
        r["amount"] = format_amount({"amount_usd": r["usd"], "amount_min_usd": r["min"], "amount_max_usd": r["max"]})
        r["label"] = SIZE_METRICS[r["metric"]]
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:  # ordered by date: the last of a year wins
        value = r["usd"] if r["usd"] is not None else (r["max"] if r["max"] is not None else r["min"])
        if value is not None and r["end"]:
            latest[(r["label"], r["end"][:4])] = {**r, "value": value}
    series = [charts.Series(label, charts.PALETTE[i]) for i, label in enumerate(SIZE_METRICS.values())
              if any(k[0] == label for k in latest)]
    colours = {s.name: s.colour for s in series}
    values = {key: charts.Bar(r["value"], colours[key[0]], f"{key[0]} {r['end']}: {r['amount']} ({r['publisher']})")
              for key, r in latest.items()}
    chart = charts.column_chart(sorted({year for _label, year in latest}), series, values, title="Size over time",
                                description="The latest figure of each year, per measure", width=760,
                                height=260) if values else None
    return {"rows": rows, "chart": chart}


def exposure_rows(inputs: sections.ReportInputs, org: str) -> list[dict[str, Any]]:
    """``org``'s direct exposure to each counterparty by channel (:func:`kg.metrics.exposure.exposure_table`
    on the grouped legs), largest first, with the deal ids as a list."""
    rows = sections.records(exposure.exposure_table(inputs.grouped, dict(inputs.sizes), org))
    for row in rows:
        row["deal_ids"] = [d for d in str(row.get("deals") or "").split(", ") if d]
    return sorted(rows, key=lambda r: -(r["usd"] or 0.0))


def funders(inputs: sections.ReportInputs, org: str) -> dict[str, Any]:
    """The concentration of ``org``'s funders: HHI with its bounds for undisclosed legs, top shares, the table."""
    result = concentration.concentration(inputs.grouped, org, "funders")
    return {"hhi": result.hhi, "label": result.label, "top1": result.top1, "top3": result.top3,
            "hhi_low": result.hhi_low, "hhi_high": result.hhi_high, "legs": result.legs,
            "known_legs": result.known_legs, "rows": sections.records(result.table)}
