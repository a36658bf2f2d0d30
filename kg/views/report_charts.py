"""The report's charts: purchase commitments against revenue, capex by year, funding by year (static SVG)."""

from __future__ import annotations

from typing import Any

import networkx as nx

from kg.projection.legs import pick
from kg.store import Store, queries
from kg.views import charts, style
from kg.views.formatting import format_amount, format_usd, number
from kg.views.report_sections import records

FUNDING_KINDS = ("funding_round", "equity_investment")


# --- charts --------------------------------------------------------------------------------------------------


def commitments_chart(store: Store, labs: list[str], names: dict[str, str]) -> dict[str, Any]:
    title = "Compute and chip purchase commitments against revenue"
    groups, rows = [], []
    for lab in labs:
        frame = queries.run(store, "commitments_vs_revenue", org=lab)
        found = records(frame)
        if not found:
            rows.append({"org": lab, "name": names.get(lab, lab), "commitments_usd": 0.0, "deals": 0,
                         "undisclosed": 0, "revenues": [], "revenue_year": None})
            continue
        first = found[0]
        revenues = sorted({r["revenue_usd"] for r in found if r["revenue_usd"] is not None})
        years = sorted({r["revenue_year"] for r in found if r["revenue_year"] is not None})
        rows.append({"org": lab, "name": names.get(lab, lab), "commitments_usd": first["commitments_usd"] or 0.0,
                     "deals": first["deals"] or 0, "undisclosed": first["undisclosed"] or 0, "revenues": revenues,
                     "revenue_year": years[-1] if years else None})
    for row in rows:
        commit = row["commitments_usd"]
        undisclosed = f", {row['undisclosed']} without a figure" if row["undisclosed"] else ""
        no_revenue = "" if row["revenues"] else " · no revenue figure"
        bars = [charts.Bar(commit, style.CATEGORY_COLOURS["compute"],
                           f"{row['name']}: {format_usd(commit)} committed in {row['deals']} deals{undisclosed}",
                           label=f"{format_usd(commit)} · {row['deals']} deals{no_revenue}")]
        revs = row["revenues"]
        if revs:
            low, high = revs[0], revs[-1]
            text = format_usd(low) if low == high else f"{format_usd(low)}–{format_usd(high)}"
            row["multiple"] = (commit / high, commit / low) if low > 0 else None
            times = "" if not (commit and row["multiple"]) else " · commitments " + (
                f"{row['multiple'][0]:.0f}×" if round(row["multiple"][0]) == round(row["multiple"][1])
                else f"{row['multiple'][0]:.0f}–{row['multiple'][1]:.0f}×") + " revenue"
            bars.append(charts.Bar(low, style.CATEGORY_COLOURS["chips"],
                                   f"{row['name']}: revenue {text} ({row['revenue_year']})",
                                   low=low if high > low else None, high=high if high > low else None,
                                   label=f"revenue {text} ({row['revenue_year']}){times}"))
        else:
            row["multiple"] = None
        if commit or revs:
            groups.append((row["name"], bars))
    svg = charts.hbar_chart(groups, title=title, legend=[
        charts.Series("Purchase commitments", style.CATEGORY_COLOURS["compute"]),
        charts.Series("Latest revenue", style.CATEGORY_COLOURS["chips"])],
        description="For each lab, the total of its compute and chip purchase commitments beside its latest "
                    "revenue figure (a whisker spans differing figures for the same period).")
    return {"title": title, "svg": svg, "rows": rows}


def capex_chart(store: Store, names: dict[str, str]) -> dict[str, Any]:
    title = "Capital expenditure by company and year"
    rows = records(queries.run(store, "capex_by_company_year"))
    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        row["name"] = names.get(str(row["org_id"]), str(row["org_id"]))
        row["year"] = str(row["year"])
        row["value"] = pick(number(row["usd"]), number(row["min_usd"]), number(row["max_usd"]), "midpoint")
        key = (row["name"], row["year"])
        # an actual beats a plan for the same year
        if row["value"] is not None and (key not in chosen or chosen[key]["basis"] == "plan"):
            chosen[key] = row
    companies = sorted({k[0] for k in chosen})
    years = sorted({k[1] for k in chosen})
    colours = {c: charts.PALETTE[i % len(charts.PALETTE)] for i, c in enumerate(companies)}
    values = {}
    for (name, year), row in chosen.items():
        amount = format_amount({"amount_usd": row["usd"], "amount_min_usd": row["min_usd"],
                                "amount_max_usd": row["max_usd"], "approximate": row["approximate"]})
        values[(name, year)] = charts.Bar(
            row["value"], colours[name], f"{name} {year} ({row['basis']}): {amount} — {row['publisher']}",
            low=number(row["min_usd"]), high=number(row["max_usd"]), tentative=row["basis"] != "actual")
    legend = [charts.Series(c, colours[c]) for c in companies]
    if any(b.tentative for b in values.values()):
        legend.append(charts.Series("plan (dashed)", "#6b7280", tentative=True))
    svg = charts.column_chart(years, legend, values, title=title,
                              description="Capital expenditure per company and year (fiscal years by the year they "
                                          "end); plans are drawn dashed, ranges as whiskers at their midpoint.")
    return {"title": title, "svg": svg, "rows": rows}


def funding_chart(legs: nx.MultiDiGraph, totals: dict[str, dict[str, Any]]) -> dict[str, Any]:
    title = "Funding rounds and equity investments by year"
    per: dict[tuple[str, str], dict[str, Any]] = {}
    for deal, t in totals.items():
        if t["kind"] not in FUNDING_KINDS or t["date"] is None or t.get("included_in"):
            continue  # a tranche inside a counted round is in the round's figure
        year = str(t["date"].year)
        row = per.setdefault((t["kind"], year), {"kind": t["kind"], "year": year, "usd": 0.0, "deals": [],
                                                 "undisclosed": []})
        if t["usd"] is None:
            row["undisclosed"].append(deal)
        else:
            row["usd"] += t["usd"]
            row["deals"].append(deal)
    years = sorted({y for _, y in per})
    series = [charts.Series(style.KIND_LABELS.get(k, k), colour)
              for k, colour in zip(FUNDING_KINDS, (style.CATEGORY_COLOURS["investment"], "#93c5fd"), strict=True)]
    values = {}
    for (kind, year), row in per.items():
        if row["usd"] > 0:
            extra = f"; {len(row['undisclosed'])} more without a figure" if row["undisclosed"] else ""
            values[(style.KIND_LABELS.get(kind, kind), year)] = charts.Bar(
                row["usd"], next(s.colour for s in series if s.name == style.KIND_LABELS.get(kind, kind)),
                f"{year} {style.KIND_LABELS.get(kind, kind).lower()}: {format_usd(row['usd'])} in "
                f"{len(row['deals'])} deals{extra}")
    svg = charts.column_chart(years, series, values, title=title, stacked=True,
                              description="Known totals of the counted funding rounds and equity investments, "
                                          "by the year of the counted claim.")
    rows = sorted(per.values(), key=lambda r: (r["year"], r["kind"]))
    return {"title": title, "svg": svg, "rows": rows}
