"""The report's sections as plain rows: what each analysis says, read from the projection and the store.

Every function takes :class:`ReportInputs` (or the legs in it) and returns dicts and lists for the
template; nothing here renders HTML or imports the ``kg.load()`` facade.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import networkx as nx
import pandas as pd

from kg.metrics import concentration, exposure, stress, totals
from kg.metrics.sizes import Size
from kg.metrics.stress import METHODS
from kg.records.names import UnknownOrganisation, resolve
from kg.store import Store, queries
from kg.views import style
from kg.views.formatting import format_amount, iso_date, safe_url

TOP_ROWS = 10
_COUNTS = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
SELECT ?orgs ?deals ?claims ?sources ?observations WHERE {
  { SELECT (COUNT(DISTINCT ?o) AS ?orgs) WHERE { ?o a aikg:Organisation } }
  { SELECT (COUNT(DISTINCT ?d) AS ?deals) WHERE { ?d a aikg:Deal } }
  { SELECT (COUNT(DISTINCT ?c) AS ?claims) WHERE { ?c a aikg:Claim } }
  { SELECT (COUNT(DISTINCT ?s) AS ?sources) WHERE { ?s a aikg:SourceDocument } }
  { SELECT (COUNT(DISTINCT ?b) AS ?observations) WHERE { ?b a aikg:Observation } }
}"""
# Exposure columns: (key, heading); a column that is zero in every row of a lab's table is left out.
EXPOSURE_COLUMNS = (("equity_at_risk", "Equity at risk"), ("contracted_revenue", "Contracted revenue"),
                    ("credit", "Credit"), ("at_risk", "At risk"), ("lookthrough_usd", "Look-through"),
                    ("debtrank_loss_usd", "DebtRank loss"), ("supplier_dependence", "Supplier dependence"))


@dataclass(frozen=True)
class ReportInputs:
    """What the report reads: the store (named queries, counts) and the projection under its settings."""

    store: Store
    legs: nx.MultiDiGraph  # the deals counted under the report's settings
    grouped: nx.MultiDiGraph  # the same, subsidiaries merged into their groups
    everything: nx.MultiDiGraph  # every status, so the explorer's filters can show what is not counted
    sizes: Mapping[str, Size]
    bubble: Any = None  # kg.views.report_bubble.BubbleInputs: the bubble questions, when asked for


def clean(value: Any) -> Any:
    """Python values for the template: NaN/NaT → None, numpy scalars → Python, timestamps → ISO dates."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _ids(text: Any) -> list[str]:
    """The deal ids of a comma-joined ``deals`` cell."""
    return [d for d in str(text or "").split(", ") if d]


def pick_subjects(grouped: nx.MultiDiGraph, wanted: Iterable[str], fallback_type: str,
                  limit: int) -> list[tuple[str, str]]:
    """(resolved id, id asked for) of the wanted organisations present; else the busiest of a type."""
    chosen: list[tuple[str, str]] = []
    for org in wanted:
        try:
            resolved = resolve(grouped, org)
        except UnknownOrganisation:
            continue
        if resolved not in {c for c, _ in chosen}:
            chosen.append((resolved, org))
    if chosen:
        return chosen
    flow = Counter({n: grouped.degree(n) for n, d in grouped.nodes(data=True)
                    if fallback_type in (d.get("types") or []) and grouped.degree(n)})
    return [(n, n) for n, _ in flow.most_common(limit)]


def deal_totals(legs: nx.MultiDiGraph) -> dict[str, dict[str, Any]]:
    """Each counted deal's figure and line (see :func:`kg.metrics.totals.deal_totals`), by deal id."""
    out = {}
    for row in records(totals.deal_totals(legs)):
        info = legs.graph["deals"][row["deal"]]
        out[row["deal"]] = {**row, "date": info["date"], "range": info["is_range"],
                            "source": "deal total" if row["usd"] is not None else "undisclosed"}
    return out


def headline(inputs: ReportInputs, deals: dict[str, dict[str, Any]]) -> dict[str, Any]:
    legs = inputs.legs
    counts_frame = queries.sparql(inputs.store, _COUNTS)
    counts = {k: int(v or 0) for k, v in records(counts_frame)[0].items()} if len(counts_frame) else {}
    all_status = {str(r["status"]): int(r["deals"]) for r in records(queries.run(inputs.store, "stats_deal_status"))}
    counted_status = Counter(t["status"] for t in deals.values())
    statuses = [s for s in style.STATUS_LABELS if s in all_status or s in counted_status]
    lines = records(totals.totals_by_line(legs))
    by_line = {row["line"]: row for row in lines}
    sources = {(s.get("publisher"), s.get("title"), s.get("url")) for deal in legs.graph.get("deals", {}).values()
               for s in deal.get("sources") or []}
    return {
        "counts": counts,
        "orgs_active": sum(1 for n in legs if legs.degree(n)),
        "deals_counted": len(deals),
        "status_rows": [{"status": s, "all": all_status.get(s, 0), "counted": counted_status.get(s, 0)}
                        for s in statuses],
        "lines": lines,
        "funding": by_line.get("funding"),
        "purchases": _purchases(by_line),
        "deals_with_amount": sum(r["with_amount"] for r in lines),
        "deals_undisclosed": sum(r["undisclosed"] for r in lines),
        "sources_cited": len(sources),
    }


def coverage(everything: nx.MultiDiGraph) -> dict[str, Any]:
    """Deals of every status by kind and by the year of the claim that speaks for them (as of the report's
    date): where the data is thin shows as small numbers, where it stops as empty years."""
    counts: Counter[tuple[str, int]] = Counter()
    for info in everything.graph.get("deals", {}).values():
        if info.get("date") is not None:
            counts[(info["kind"], info["date"].year)] += 1
    years = sorted({y for _k, y in counts})
    kinds = sorted({k for k, _y in counts}, key=lambda k: (-sum(counts[(k, y)] for y in years), k))
    return {"years": years, "rows": [{"kind": k, "counts": [counts[(k, y)] for y in years],
                                      "total": sum(counts[(k, y)] for y in years)} for k in kinds],
            "totals": [sum(counts[(k, y)] for k in kinds) for y in years]}


def _purchases(by_line: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Compute and chip purchase commitments together: both are what buyers promised to pay suppliers."""
    rows = [by_line[k] for k in ("compute", "chips") if k in by_line]
    if not rows:
        return None
    return {key: sum(r[key] for r in rows) for key in ("deals", "with_amount", "undisclosed", "usd")}


def exposed(inputs: ReportInputs, lab: str, asked: str, names: dict[str, str]) -> dict[str, Any]:
    sizes = inputs.sizes
    frame = exposure.exposed_to(inputs.grouped, dict(sizes), lab)
    rows = records(frame)
    for row in rows:
        row["deal_ids"] = _ids(row.get("deals"))
        size = sizes.get(row["org"])
        row["size"] = None if size is None else {"usd": size.usd, "basis": size.basis, "date": size.date.isoformat()}
    shown = rows[:TOP_ROWS]
    columns = [(key, heading) for key, heading in EXPOSURE_COLUMNS
               if key == "at_risk" or any(row.get(key) for row in shown)]
    hidden = [heading for key, heading in EXPOSURE_COLUMNS if (key, heading) not in columns]
    return {"id": lab, "asked": asked, "name": names.get(lab, lab), "rows": shown, "total": len(rows),
            "columns": columns, "hidden": hidden,
            "lab_size": None if lab not in sizes else {"usd": sizes[lab].usd, "basis": sizes[lab].basis,
                                                       "date": sizes[lab].date.isoformat()}}


def concentrations(inputs: ReportInputs, labs: list[tuple[str, str]], providers: list[tuple[str, str]],
                   names: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    jobs = [(lab, asked, "funders") for lab, asked in labs] + [(p, asked, "customers") for p, asked in providers]
    jobs.append((None, None, "market"))
    for subject, asked, kind in jobs:
        result = concentration.concentration(inputs.grouped, subject, kind)  # type: ignore[arg-type]
        rows = records(result.table)
        out.append({
            "subject": subject, "name": "All purchase commitments" if subject is None else names.get(subject, subject),
            "asked": asked if asked and asked != subject else None, "kind": kind, "hhi": result.hhi,
            "label": result.label, "top1": result.top1, "top3": result.top3, "undisclosed": result.undisclosed,
            "rows": rows, "total_usd": sum(r["usd"] or 0.0 for r in rows),
        })
    return out


def cycle_rows(cycles: Any, names: dict[str, str]) -> dict[str, Any]:
    legs_by_cycle: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for leg in records(cycles.legs):
        leg["date"] = iso_date(leg["date"])
        legs_by_cycle[int(leg["cycle"])].append(leg)
    rows = []
    for row in records(cycles.table):
        path = str(row["path"]).split(" → ")
        row["path_names"] = [names.get(p, p) for p in path]
        row["legs"] = legs_by_cycle.get(int(row["cycle"]), [])
        edges: dict[tuple[str, str], dict[str, Any]] = {}
        for leg in row["legs"]:
            edge = edges.setdefault((leg["from"], leg["to"]), {"from": leg["from"], "to": leg["to"], "usd": 0.0,
                                                               "known": 0, "legs": 0})
            edge["legs"] += 1
            if leg["amount_usd"] is not None:
                edge["usd"] += leg["amount_usd"]
                edge["known"] += 1
        row["edges"] = list(edges.values())
        rows.append(row)
    # the largest round trips first; loops without a known round trip after them, shortest first
    rows.sort(key=lambda r: (r["round_trip_usd"] is None, -(r["round_trip_usd"] or 0.0), r["parties"], r["cycle"]))
    return {"rows": rows, "truncated": cycles.truncated, "max_len": cycles.max_len, "max_cycles": cycles.max_cycles}


def stress_rows(inputs: ReportInputs, fail: str, pays: float, names: dict[str, str]) -> dict[str, Any]:
    try:
        subject = resolve(inputs.grouped, fail)
    except UnknownOrganisation:
        return {"missing": f"No stress scenario: “{fail}” is not an organisation in this data set "
                           "(choose one with --fail / stress_fail).", "fail": fail, "pays": pays}
    results = {m: stress.stress(inputs.grouped, dict(inputs.sizes), subject, pays=pays, method=m)  # type: ignore[arg-type]
               for m in METHODS}
    merged: dict[str, dict[str, Any]] = {}
    for method, result in results.items():
        for row in records(result.table):
            entry = merged.setdefault(row["org"], {"org": row["org"], "name": row["name"], "size_usd": row["size_usd"],
                                                   "size_basis": row["size_basis"], "methods": {}})
            entry["methods"][method] = row
    rows = sorted(merged.values(),
                  key=lambda r: (r["org"] != subject, -max(x["loss_usd"] or 0.0 for x in r["methods"].values()),
                                 r["org"]))
    return {
        "fail": fail, "subject": subject, "pays": pays,
        "scenario": f"{names.get(subject, subject)} pays only {pays:.0%} of what it owes",
        "methods": [{"method": m, "parameters": r.parameters,
                     "rounds": [[names.get(o, o) for o in wave] for wave in r.rounds], "unsized": r.unsized,
                     "total_loss": sum(x for o, x in zip(r.table["org"], r.table["loss_usd"], strict=True)
                                       if o != subject)}
                    for m, r in results.items()],
        "rows": rows,
    }


# --- deals and the explorer ------------------------------------------------------------------------------------


def deal_rows(legs: nx.MultiDiGraph, totals: dict[str, dict[str, Any]], names: dict[str, str],
              every_deal: bool = False) -> list[dict[str, Any]]:
    """Every counted deal with its legs and sources: what the tables' deal ids link to. ``every_deal`` adds the
    deals of the projection's records that have no leg (a party that gives nothing the projection draws)."""
    grouped: dict[str, list[tuple[str, str, dict]]] = defaultdict(list)
    for u, v, leg in legs.edges(data=True):
        grouped[leg["deal"]].append((u, v, leg))
    if every_deal:
        grouped.update({deal: [] for deal in legs.graph.get("deals", {}) if deal not in grouped})
    out = []
    for deal, items in grouped.items():
        first = legs.graph.get("deals", {}).get(deal) or items[0][2]  # the deal's own record: one figure
        sources = []
        for s in first.get("sources") or []:
            sources.append({"publisher": s.get("publisher"), "title": s.get("title"), "url": safe_url(s.get("url")),
                            "published": iso_date(s.get("published")), "quote": s.get("quote"),
                            "seed_file": s.get("seed_file"), "preferred": bool(s.get("preferred")),
                            "claim_date": iso_date(s.get("claim_date")), "status": s.get("status")})
        out.append({
            "id": deal, "title": first["title"], "kind": first["kind"], "status": first["status"],
            "evidence": first.get("evidence"), "date": iso_date(first["date"]), "total": totals.get(deal, {}),
            "legs": _leg_lines(items, names),
            "sources": sources,
        })
    return sorted(out, key=lambda d: (d["date"] or "", d["id"]), reverse=True)


def _leg_lines(items: list[tuple[str, str, dict]], names: dict[str, str]) -> list[str]:
    """One line per money leg, with what comes back for it ("A → B: $10B for equity"), then the other legs."""
    back = {(u, v): leg["flow"] for u, v, leg in items if leg["flow"] != "money"}
    lines, used = [], set()
    for u, v, leg in sorted(items, key=lambda x: (names.get(x[0], x[0]), names.get(x[1], x[1]))):
        if leg["flow"] != "money":
            continue
        returned = back.get((v, u))
        if returned:
            used.add((v, u))
        lines.append(f"{names.get(u, u)} → {names.get(v, v)}: {format_amount(leg)}"
                     + (f" for {returned}" if returned else ""))
    for u, v, leg in items:
        if leg["flow"] != "money" and (u, v) not in used:
            lines.append(f"{names.get(u, u)} → {names.get(v, v)}: {leg['flow']}")
    return lines
