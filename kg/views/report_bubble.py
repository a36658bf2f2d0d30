"""The report's answers to the bubble questions: circularity against chance, commitments against
revenue, the "$600B question" recomputed, the commitments timeline as reported, and what changed.

The analyses are run by the caller (the facade's :meth:`build_report`) and handed over in
:class:`BubbleInputs`; this module turns them into rows and one chart for the template.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from kg.metrics.carry import Carry, RevenueGap
from kg.metrics.circularity import Significance
from kg.views import charts, style
from kg.views.formatting import format_usd, safe_url
from kg.views.report_sections import records

MEASURE_LABELS = {"cycles": "Loops of 2–5 parties", "round_trip": "Round-trip amount (sum of bottlenecks)",
                  "circular_share": "Share of flow volume on a loop"}


@dataclass(frozen=True)
class BubbleInputs:
    """The bubble analyses under the report's settings (see :mod:`kg.metrics.carry`, ``timeline``, ``changes``)."""

    circularity: list[Significance]
    carry: list[Carry]
    gap: RevenueGap
    timeline_org: str | None  # the lab whose commitments timeline is shown (None: no major lab in the data)
    timeline: pd.DataFrame | None
    changes: pd.DataFrame
    changes_since: dt.date
    changes_until: dt.date


def bubble_section(bubble: BubbleInputs, names: dict[str, str]) -> dict[str, Any]:
    """Rows and the timeline chart for the template."""
    first = bubble.circularity[0]
    tests = [{"null": s.test.null, "method": s.test.method, "rows": [
        {**row, "label": MEASURE_LABELS[row["measure"]]} for row in records(s.to_frame())]}
        for s in bubble.circularity]
    carry = [{"org": c.org, "name": names.get(c.org, c.org), "figures": c.figures,
              "providers": records(c.by_provider.head(8)), "inputs": _cited(c.inputs),
              "by_year": records(c.by_year)} for c in bubble.carry]
    events = bubble.changes
    return {
        "null": {"n": first.test.n, "seed": first.test.seed, "swaps": first.test.swaps_per_edge,
                 "organisations": first.organisations, "flows": first.flows, "tests": tests},
        "carry": carry,
        "gap": {"rows": records(bubble.gap.table), "inputs": _cited(bubble.gap.inputs),
                "sequoia": records(bubble.gap.sequoia)},
        "timeline": None if bubble.timeline_org is None or bubble.timeline is None else {
            "org": bubble.timeline_org, "name": names.get(bubble.timeline_org, bubble.timeline_org),
            "svg": _timeline_chart(bubble.timeline, names.get(bubble.timeline_org, bubble.timeline_org)),
            "rows": records(bubble.timeline)},
        "changes": {"since": bubble.changes_since.isoformat(), "until": bubble.changes_until.isoformat(),
                    "counts": events["event"].value_counts().to_dict(), "rows": _cited(events)},
    }


def _cited(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with their source's link made safe (only http(s) links are kept)."""
    return [{**row, "url": safe_url(row.get("url"))} for row in records(frame)]


def _timeline_chart(frame: pd.DataFrame, name: str) -> Any:
    """Cumulative commitments and money raised at each quarter's end (and the last month), as reported then."""
    title = f"{name}: commitments and money raised, as reported quarter by quarter"
    last = len(frame) - 1
    frame = frame[[d.month % 3 == 0 or i == last for i, d in enumerate(frame["month"])]]
    months = [d.isoformat()[:7] for d in frame["month"]]
    series = [charts.Series("Purchase commitments", style.CATEGORY_COLOURS["compute"]),
              charts.Series("Money raised", style.CATEGORY_COLOURS["investment"])]
    values = {}
    for month, commit, raised in zip(months, frame["commitments_usd"], frame["raised_usd"], strict=True):
        values[(series[0].name, month)] = charts.Bar(commit, series[0].colour,
                                                     f"{month}: commitments {format_usd(commit)} as reported")
        values[(series[1].name, month)] = charts.Bar(raised, series[1].colour,
                                                     f"{month}: money raised {format_usd(raised)} as reported")
    return charts.column_chart(months, series, values, title=title,
                               description="Each month from a projection as reported by the month's last day: only "
                                           "claims published by then, each deal as it then stood.")
