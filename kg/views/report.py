"""``aikg report``: one offline HTML report for analysts, with the explorer beside it.

:func:`build_report` runs the analyses of :mod:`kg.metrics` through the ``kg.load()`` facade under one set of
projection settings (as-of date, statuses counted, how ranges count) and collects plain rows;
:meth:`Report.render` turns them into one self-contained UTF-8 page (``templates/report.html.j2``) with static
SVG charts (:mod:`kg.views.charts`) and the explorer embedded as an ``<iframe srcdoc>``; :meth:`Report.write`
writes it and the explorer as a sibling ``explorer.html``.

Safety is the explorer's: autoescaping Jinja for every string from data, URLs kept only when http(s), no
script of the report's own, and a Content-Security-Policy without network access whose only scripts are the
embedded explorer's two inline scripts (a ``srcdoc`` frame inherits its parent's policy).

Where each number comes from: deal ids in the tables link to the report's list of counted deals at the end,
which gives each deal's legs, amounts and sources with their quotes.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import networkx as nx
import pandas as pd
from markupsafe import Markup

from kg.metrics.circularity import annotate
from kg.metrics.export import MAJOR_LABS
from kg.metrics.stress import METHODS
from kg.projection.legs import Ranges, pick
from kg.records.vocab import Status
from kg.views import charts, style
from kg.views.explorer import render_explorer
from kg.views.formatting import format_amount, format_usd, iso_date, number, safe_url

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph

__all__ = ["MAIN_PROVIDERS", "Report", "build_report", "write_report"]

MAIN_PROVIDERS = ("microsoft", "amazon", "oracle", "coreweave", "google")
TOP_ROWS = 10
FUNDING_KINDS = ("funding_round", "equity_investment")
EXPLORER_FILE = "explorer.html"
_TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_CSP_SCRIPT_SRC = re.compile(r"script-src ([^;\"]*)")
_CSP_HASH = re.compile(r"'sha256-[A-Za-z0-9+/=]+'")

_COUNTS = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
SELECT ?orgs ?deals ?claims ?sources ?observations WHERE {
  { SELECT (COUNT(DISTINCT ?o) AS ?orgs) WHERE { ?o a aikg:Organisation } }
  { SELECT (COUNT(DISTINCT ?d) AS ?deals) WHERE { ?d a aikg:Deal } }
  { SELECT (COUNT(DISTINCT ?c) AS ?claims) WHERE { ?c a aikg:Claim } }
  { SELECT (COUNT(DISTINCT ?s) AS ?sources) WHERE { ?s a aikg:SourceDocument } }
  { SELECT (COUNT(DISTINCT ?b) AS ?observations) WHERE { ?b a aikg:Observation } }
}"""
# Every claim's deal total, to give a deal's total where it is not split among its parties' legs.
Progress = Callable[[str], None]


# --- small value helpers ---------------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
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


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def _ids(text: Any) -> list[str]:
    """The deal ids of a comma-joined ``deals`` cell."""
    return [d for d in str(text or "").split(", ") if d]


def usd(value: Any, missing: str = "—") -> str:
    value = number(value)
    return missing if value is None else format_usd(value)


def pct(value: Any, missing: str = "n/a") -> str:
    value = number(value)
    if value is None:
        return missing
    if 0 < abs(value) < 0.001:
        return "<0.1%"
    return f"{value:.1%}"


def ratio(value: Any, missing: str = "n/a") -> str:
    value = number(value)
    return missing if value is None else f"{value:.2f}×"


def label_of(code: Any, labels: dict[str, str]) -> str:
    return labels.get(str(code), str(code).replace("_", " "))


# Exposure columns: (key, heading); a column that is zero in every row of a lab's table is left out.
EXPOSURE_COLUMNS = (("equity_at_risk", "Equity at risk"), ("contracted_revenue", "Contracted revenue"),
                    ("credit", "Credit"), ("at_risk", "At risk"), ("lookthrough_usd", "Look-through"),
                    ("debtrank_loss_usd", "DebtRank loss"), ("supplier_dependence", "Supplier dependence"))
BASIS_LABELS = {"market_cap": "market cap", "valuation_post": "post-money valuation", "revenue": "revenue"}


# --- the report ------------------------------------------------------------------------------------------------


@dataclass
class Report:
    """Everything the page shows, as plain rows; :meth:`render` makes the HTML, :meth:`write` writes it."""

    settings: dict[str, Any]
    generated: str
    headline: dict[str, Any]
    labs: list[dict[str, Any]]
    concentration: list[dict[str, Any]]
    cycles: dict[str, Any]
    stress: dict[str, Any]
    charts: dict[str, dict[str, Any]]
    centrality: list[dict[str, Any]]
    deals: list[dict[str, Any]]
    explorer_html: str
    names: dict[str, str]
    notes: list[str] = field(default_factory=list)

    # -- summary for the terminal ---------------------------------------------------------------------------
    def summary(self) -> list[tuple[str, str]]:
        """Headline numbers as (label, text) pairs: deals, total committed, loops, top exposure."""
        h = self.headline
        statuses = ", ".join(self.settings.get("statuses", []))
        lines = [
            ("settings", f"as of {self.settings.get('as_of')}; statuses {statuses}; ranges "
                         f"{self.settings.get('ranges')}"),
            ("deals counted", f"{h['deals_counted']:,} of {h['counts'].get('deals', 0):,} in the data, between "
                              f"{h['orgs_active']:,} organisations"),
            ("total committed", f"{usd(h['total_usd'], '$0')} in {h['deals_with_amount']:,} deals with a known "
                                f"amount ({h['deals_undisclosed']:,} undisclosed)"),
            ("circular deals", f"{len(self.cycles['rows']):,} loop{'' if len(self.cycles['rows']) == 1 else 's'}"
                               + (" (search cut short)" if self.cycles["truncated"] else "")),
        ]
        top = self.top_exposure()
        if top is not None:
            rel = "" if top["relative"] is None else f", {pct(top['relative'])} of its {top['basis']}"
            lines.append(("top exposure", f"{top['name']} to {top['lab']}: {usd(top['at_risk'])} at risk{rel}"))
        else:
            lines.append(("top exposure", "none found"))
        return lines

    def top_exposure(self) -> dict[str, Any] | None:
        best = None
        for lab in self.labs:
            for row in lab["rows"]:
                total = (row["at_risk"] or 0.0) + (row["lookthrough_usd"] or 0.0)
                if total > 0 and (best is None or total > best["at_risk"]):
                    best = {"name": row["name"], "lab": lab["name"], "at_risk": total,
                            "relative": row["relative_to_size"],
                            "basis": BASIS_LABELS.get(row["size_basis"] or "", row["size_basis"])}
        return best

    # -- HTML -----------------------------------------------------------------------------------------------
    def explorer_hashes(self) -> list[str]:
        """The CSP script hashes the embedded explorer needs (a srcdoc frame inherits the report's policy)."""
        match = _CSP_SCRIPT_SRC.search(self.explorer_html)
        return _CSP_HASH.findall(match.group(1)) if match else []

    def render(self, explorer_href: str = EXPLORER_FILE) -> str:
        deal_ids = {d["id"] for d in self.deals}
        env = _environment()
        return env.get_template("report.html.j2").render(
            r=self,
            script_hashes=Markup(" ".join(self.explorer_hashes())),  # noqa: S704 - matched 'sha256-…' tokens only
            explorer_href=explorer_href,
            deal_ids=deal_ids,
            names=self.names,
            kind_labels=style.KIND_LABELS,
            status_labels=style.STATUS_LABELS,
            basis_labels=BASIS_LABELS,
            methods=METHODS,
        )

    def write(self, path: str | Path) -> Path:
        """Write the report to ``path`` and the explorer to ``explorer.html`` beside it (UTF-8); returns ``path``."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.parent / EXPLORER_FILE).write_text(self.explorer_html, encoding="utf-8")
        target.write_text(self.render(), encoding="utf-8")
        return target


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(usd=usd, pct=pct, ratio=ratio, label=label_of, amount=format_amount)
    return env


# --- building ------------------------------------------------------------------------------------------------


def write_report(graph: KnowledgeGraph, path: str | Path, *, as_of: dt.date | str | None = None,
                 statuses: Iterable[str] | None = None, ranges: Ranges = "midpoint", stress_fail: str = "openai",
                 pays: float = 0.4, progress: Progress | None = None) -> Path:
    """Build the report under these settings and write it to ``path`` (and ``explorer.html`` beside it)."""
    report = build_report(graph, as_of=as_of, statuses=statuses, ranges=ranges, stress_fail=stress_fail, pays=pays,
                          progress=progress)
    if progress:
        progress(f"writing {path}")
    return report.write(path)


def build_report(graph: KnowledgeGraph, *, as_of: dt.date | str | None = None, statuses: Iterable[str] | None = None,
                 ranges: Ranges = "midpoint", stress_fail: str = "openai", pays: float = 0.4,
                 progress: Progress | None = None) -> Report:
    """Run every analysis the report shows; nothing is written."""
    say = progress or (lambda _msg: None)
    settings: dict[str, Any] = {"as_of": as_of, "statuses": list(statuses) if statuses is not None else None,
                                "ranges": ranges}
    say("projecting the deals")
    legs = graph.legs(**settings)
    grouped = graph.legs(group_subsidiaries=True, **settings)
    names = {n: str(d.get("label", n)) for n, d in legs.nodes(data=True)}
    notes: list[str] = []
    say("counting deals and sources")
    totals = _deal_totals(legs)
    headline = _headline(graph, legs, totals)
    labs = _pick(grouped, graph, MAJOR_LABS, "ai_lab", 4)
    providers = _pick(grouped, graph, MAIN_PROVIDERS, "cloud_provider", 5)
    if labs and not {asked for _, asked in labs} & set(MAJOR_LABS):
        notes.append("None of the major labs (" + ", ".join(MAJOR_LABS) + ") is in this data set; the AI labs "
                     "with the most deal flow are shown instead.")
    if providers and not {asked for _, asked in providers} & set(MAIN_PROVIDERS):
        notes.append("None of the main providers (" + ", ".join(MAIN_PROVIDERS) + ") is in this data set; the "
                     "cloud providers with the most deal flow are shown instead.")
    sizes = graph.sizes(as_of)
    lab_sections = []
    for lab, asked in labs:
        say(f"who is exposed to {lab}")
        lab_sections.append(_exposed(graph, lab, asked, names, sizes, settings))
    say("concentration")
    conc = _concentrations(graph, labs, providers, names, settings)
    say("circular deals")
    cycles = graph.cycles(**settings)
    cycle_section = _cycles(cycles, names)
    say(f"stress test: {stress_fail} pays {pays:.0%}")
    stress = _stress(graph, grouped, stress_fail, pays, names, settings)
    if stress.get("missing"):
        notes.append(stress["missing"])
    say("charts")
    chart_sections = {
        "commitments": _commitments_chart(graph, [asked for _, asked in labs], names),
        "capex": _capex_chart(graph, names),
        "funding": _funding_chart(legs, totals),
    }
    say("centrality")
    centrality = _records(graph.centrality(**settings).head(TOP_ROWS))
    say("rendering the explorer")
    # every status, so the page's filters can show the deals not counted; it opens on the counted ones
    everything = graph.legs(as_of=as_of, statuses=[s.value for s in Status], ranges=ranges)
    explorer = render_explorer(annotate(everything, cycles), statuses=legs.graph["settings"]["statuses"],
                               title=f"aikg explorer — deals as of {legs.graph['settings']['as_of']}")
    return Report(
        settings=dict(legs.graph["settings"]),
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        headline=headline, labs=lab_sections, concentration=conc, cycles=cycle_section, stress=stress,
        charts=chart_sections, centrality=centrality, deals=_deals(legs, totals, names), explorer_html=explorer,
        names=names, notes=notes,
    )


def _pick(grouped: nx.MultiDiGraph, graph: KnowledgeGraph, wanted: Iterable[str], fallback_type: str,
          limit: int) -> list[tuple[str, str]]:
    """(resolved id, id asked for) of the wanted organisations present; else the busiest of a type."""
    chosen: list[tuple[str, str]] = []
    for org in wanted:
        try:
            resolved = graph.resolve(org, grouped)
        except ValueError:
            continue
        if resolved not in {c for c, _ in chosen}:
            chosen.append((resolved, org))
    if chosen:
        return chosen
    flow = Counter({n: grouped.degree(n) for n, d in grouped.nodes(data=True)
                    if fallback_type in (d.get("types") or []) and grouped.degree(n)})
    return [(n, n) for n, _ in flow.most_common(limit)]


def _deal_totals(legs: nx.MultiDiGraph) -> dict[str, dict[str, Any]]:
    """Each counted deal's total USD: its counted claim's amount, else the sum of its parties' stated amounts.

    The counted claim and its amount come from the projection (``legs.graph["deals"]``); ``source``
    says where the figure came from.
    """
    parts: dict[str, list[float]] = defaultdict(list)
    for _u, _v, leg in legs.edges(data=True):
        if leg["flow"] == "money" and leg["amount_usd"] is not None:
            parts[leg["deal"]].append(leg["amount_usd"])
    totals = {}
    for deal, info in legs.graph["deals"].items():
        if info["amount_usd"] is not None:
            total, source = info["amount_usd"], "deal total"
        elif parts.get(deal):
            total, source = sum(parts[deal]), "sum of parties' amounts"
        else:
            total, source = None, "undisclosed"
        totals[deal] = {"usd": total, "source": source, "kind": info["kind"], "status": info["status"],
                        "date": info["date"], "range": info["is_range"]}
    return totals


def _headline(graph: KnowledgeGraph, legs: nx.MultiDiGraph, totals: dict[str, dict[str, Any]]) -> dict[str, Any]:
    counts_frame = graph.sparql(_COUNTS)
    counts = {k: int(v or 0) for k, v in _records(counts_frame)[0].items()} if len(counts_frame) else {}
    all_status = {str(r["status"]): int(r["deals"]) for r in _records(graph.query("stats_deal_status"))}
    counted_status = Counter(t["status"] for t in totals.values())
    statuses = [s for s in style.STATUS_LABELS if s in all_status or s in counted_status]
    by_kind: dict[str, dict[str, Any]] = {}
    for t in totals.values():
        row = by_kind.setdefault(t["kind"], {"kind": t["kind"], "deals": 0, "with_amount": 0, "usd": 0.0})
        row["deals"] += 1
        if t["usd"] is not None:
            row["with_amount"] += 1
            row["usd"] += t["usd"]
    kinds = sorted(by_kind.values(), key=lambda r: (-r["usd"], r["kind"]))
    total = sum(r["usd"] for r in kinds)
    sources = {(s.get("publisher"), s.get("title"), s.get("url")) for deal in legs.graph.get("deals", {}).values()
               for s in deal.get("sources") or []}
    return {
        "counts": counts,
        "orgs_active": sum(1 for n in legs if legs.degree(n)),
        "deals_counted": len(totals),
        "status_rows": [{"status": s, "all": all_status.get(s, 0), "counted": counted_status.get(s, 0)}
                        for s in statuses],
        "kind_rows": kinds,
        "total_usd": total,
        "deals_with_amount": sum(r["with_amount"] for r in kinds),
        "deals_undisclosed": sum(r["deals"] - r["with_amount"] for r in kinds),
        "sources_cited": len(sources),
    }


def _exposed(graph: KnowledgeGraph, lab: str, asked: str, names: dict[str, str], sizes: dict[str, Any],
             settings: dict[str, Any]) -> dict[str, Any]:
    frame = graph.exposed_to(lab, **settings)
    rows = _records(frame)
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


def _concentrations(graph: KnowledgeGraph, labs: list[tuple[str, str]], providers: list[tuple[str, str]],
                    names: dict[str, str], settings: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    jobs = [(lab, asked, "funders") for lab, asked in labs] + [(p, asked, "customers") for p, asked in providers]
    jobs.append((None, None, "market"))
    for subject, asked, kind in jobs:
        result = graph.concentration(subject, kind, **settings)  # type: ignore[arg-type]
        rows = _records(result.table)
        out.append({
            "subject": subject, "name": "All purchase commitments" if subject is None else names.get(subject, subject),
            "asked": asked if asked and asked != subject else None, "kind": kind, "hhi": result.hhi,
            "label": result.label, "top1": result.top1, "top3": result.top3, "undisclosed": result.undisclosed,
            "rows": rows, "total_usd": sum(r["usd"] or 0.0 for r in rows),
        })
    return out


def _cycles(cycles: Any, names: dict[str, str]) -> dict[str, Any]:
    legs_by_cycle: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for leg in _records(cycles.legs):
        leg["date"] = iso_date(leg["date"])
        legs_by_cycle[int(leg["cycle"])].append(leg)
    rows = []
    for row in _records(cycles.table):
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


def _stress(graph: KnowledgeGraph, grouped: nx.MultiDiGraph, fail: str, pays: float, names: dict[str, str],
            settings: dict[str, Any]) -> dict[str, Any]:
    try:
        subject = graph.resolve(fail, grouped)
    except ValueError:
        return {"missing": f"No stress scenario: “{fail}” is not an organisation in this data set "
                           "(choose one with --fail / stress_fail).", "fail": fail, "pays": pays}
    results = {m: graph.stress(fail, pays=pays, method=m, **settings) for m in METHODS}  # type: ignore[arg-type]
    merged: dict[str, dict[str, Any]] = {}
    for method, result in results.items():
        for row in _records(result.table):
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


# --- charts --------------------------------------------------------------------------------------------------


def _commitments_chart(graph: KnowledgeGraph, labs: list[str], names: dict[str, str]) -> dict[str, Any]:
    title = "Compute and chip purchase commitments against revenue"
    groups, rows = [], []
    for lab in labs:
        frame = graph.query("commitments_vs_revenue", org=lab)
        records = _records(frame)
        if not records:
            rows.append({"org": lab, "name": names.get(lab, lab), "commitments_usd": 0.0, "deals": 0,
                         "undisclosed": 0, "revenues": [], "revenue_year": None})
            continue
        first = records[0]
        revenues = sorted({r["revenue_usd"] for r in records if r["revenue_usd"] is not None})
        years = sorted({r["revenue_year"] for r in records if r["revenue_year"] is not None})
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


def _capex_chart(graph: KnowledgeGraph, names: dict[str, str]) -> dict[str, Any]:
    title = "Capital expenditure by company and year"
    rows = _records(graph.query("capex_by_company_year"))
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


def _funding_chart(legs: nx.MultiDiGraph, totals: dict[str, dict[str, Any]]) -> dict[str, Any]:
    title = "Funding rounds and equity investments by year"
    per: dict[tuple[str, str], dict[str, Any]] = {}
    for deal, t in totals.items():
        if t["kind"] not in FUNDING_KINDS or t["date"] is None:
            continue
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


# --- deals and the explorer ------------------------------------------------------------------------------------


def _deals(legs: nx.MultiDiGraph, totals: dict[str, dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """Every counted deal with its legs and sources: what the tables' deal ids link to."""
    grouped: dict[str, list[tuple[str, str, dict]]] = defaultdict(list)
    for u, v, leg in legs.edges(data=True):
        grouped[leg["deal"]].append((u, v, leg))
    out = []
    for deal, items in grouped.items():
        first = items[0][2]
        sources = []
        for s in (legs.graph.get("deals", {}).get(deal) or {}).get("sources") or []:
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
