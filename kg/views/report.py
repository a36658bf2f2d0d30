"""``aikg report``: one offline HTML report for analysts, with the explorer beside it.

:func:`build_report` runs the analyses of :mod:`kg.metrics` on :class:`ReportInputs` (the store and the
projection under one set of settings: as-of date, statuses counted, how ranges count) and collects plain rows
(:mod:`kg.views.report_sections`, :mod:`kg.views.report_charts`);
:meth:`Report.render` turns them into one self-contained UTF-8 page (``templates/report.html.j2``) with static
SVG charts (:mod:`kg.views.charts`) and the explorer embedded as an ``<iframe srcdoc>``; :meth:`Report.write`
writes it and the explorer beside it (``explorer.html`` in aikg's output folder, else named after the report).

Safety is the explorer's: autoescaping Jinja for every string from data, URLs kept only when http(s), no
script of the report's own, and a Content-Security-Policy without network access whose only scripts are the
embedded explorer's two inline scripts (a ``srcdoc`` frame inherits its parent's policy).

Where each number comes from: deal ids in the tables link to the report's list of counted deals at the end,
which gives each deal's legs, amounts and sources with their quotes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from kg.metrics import centrality, circularity
from kg.metrics.export import MAJOR_LABS
from kg.metrics.stress import METHODS
from kg.output import staged
from kg.output.progress import Progress, silent
from kg.views import report_bubble, report_charts, style
from kg.views import report_sections as sections
from kg.views.explorer import render_explorer, script_hashes
from kg.views.formatting import format_amount, format_usd, number
from kg.views.report_sections import ReportInputs

__all__ = ["MAIN_PROVIDERS", "Report", "ReportInputs", "build_report", "explorer_beside", "write_report"]

MAIN_PROVIDERS = ("microsoft", "amazon", "oracle", "coreweave", "google")
EXPLORER_FILE = "explorer.html"
_TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"



# --- formatting for the template ---------------------------------------------------------------------------


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
    bubble: dict[str, Any] | None = None

    # -- summary for the terminal ---------------------------------------------------------------------------
    def summary(self) -> list[tuple[str, str]]:
        """Headline numbers as (label, text) pairs: deals, total committed, loops, top exposure."""
        h = self.headline
        statuses = ", ".join(self.settings.get("statuses", []))
        lines = [
            ("settings", f"as of {self.settings.get('as_of')}; statuses {statuses}; ranges "
                         f"{self.settings.get('ranges')}; multi-party totals: {self.settings.get('allocation')}"),
            ("deals counted", f"{h['deals_counted']:,} of {h['counts'].get('deals', 0):,} in the data, between "
                              f"{h['orgs_active']:,} organisations"),
            *[(f"{row['label'].lower()}", f"{usd(row['usd'], '$0')} in {row['with_amount']:,} deals with a known "
                                          f"amount ({row['undisclosed']:,} undisclosed)")
              for row in h["lines"] if row["line"] in ("funding", "compute", "chips", "debt")],
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
        return script_hashes(self.explorer_html)

    def render(self, explorer_href: str = EXPLORER_FILE) -> str:
        deal_ids = {d["id"] for d in self.deals}
        env = environment()
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

    def write(self, path: str | Path, explorer_name: str | None = None) -> Path:
        """Write the report to ``path`` and the explorer beside it (UTF-8), both or neither; returns ``path``.

        The explorer's file is ``explorer_name``, else named after the report (:func:`explorer_beside`), so
        writing a report never replaces a file the caller did not name.
        """
        target = Path(path)
        explorer = explorer_beside(target, explorer_name)
        with staged(target.parent) as staging:
            (staging / explorer.name).write_text(self.explorer_html, encoding="utf-8")
            (staging / target.name).write_text(self.render(quote(explorer.name)), encoding="utf-8")
        return target


def explorer_beside(report: Path, name: str | None = None) -> Path:
    """Where :meth:`Report.write` puts the explorer of the report ``report``: ``name`` beside it, else the
    report's name with ``-explorer`` added, which no other report or explorer of aikg's is called.

    >>> explorer_beside(Path("x/q3 report.html")).name
    'q3 report-explorer.html'
    >>> explorer_beside(Path("out/report.html"), EXPLORER_FILE).name
    'explorer.html'
    """
    return report.with_name(name or f"{report.stem}-explorer{report.suffix or '.html'}")


def environment() -> jinja2.Environment:
    """The report's templates and filters (usd, pct, ratio, label, amount); the entity pages use them too."""
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


def write_report(inputs: ReportInputs, path: str | Path, *, stress_fail: str = "openai", pays: float = 0.4,
                 progress: Progress | None = None) -> Path:
    """Build the report from ``inputs`` and write it to ``path`` (and the explorer beside it, see
    :func:`explorer_beside`)."""
    report = build_report(inputs, stress_fail=stress_fail, pays=pays, progress=progress)
    if progress:
        progress(f"writing {path}")
    return report.write(path)


def build_report(inputs: ReportInputs, *, stress_fail: str = "openai", pays: float = 0.4,
                 progress: Progress | None = None) -> Report:
    """Run every analysis the report shows on ``inputs`` (their settings are the legs'); nothing is written."""
    say = progress or silent
    legs, grouped = inputs.legs, inputs.grouped
    names = {n: str(d.get("label", n)) for n, d in legs.nodes(data=True)}
    notes: list[str] = []
    say("counting deals and sources")
    totals = sections.deal_totals(legs)
    headline = sections.headline(inputs, totals)
    headline["coverage"] = sections.coverage(inputs.everything)
    labs = sections.pick_subjects(grouped, MAJOR_LABS, "ai_lab", 4)
    providers = sections.pick_subjects(grouped, MAIN_PROVIDERS, "cloud_provider", 5)
    if labs and not {asked for _, asked in labs} & set(MAJOR_LABS):
        notes.append("None of the major labs (" + ", ".join(MAJOR_LABS) + ") is in this data set; the AI labs "
                     "with the most deal flow are shown instead.")
    if providers and not {asked for _, asked in providers} & set(MAIN_PROVIDERS):
        notes.append("None of the main providers (" + ", ".join(MAIN_PROVIDERS) + ") is in this data set; the "
                     "cloud providers with the most deal flow are shown instead.")
    lab_sections = []
    for lab, asked in labs:
        say(f"who is exposed to {lab}")
        lab_sections.append(sections.exposed(inputs, lab, asked, names))
    say("concentration")
    conc = sections.concentrations(inputs, labs, providers, names)
    say("circular deals")
    cycles = circularity.find_cycles(grouped, group_subsidiaries=False)
    cycle_section = sections.cycle_rows(cycles, names)
    say(f"stress test: {stress_fail} pays {pays:.0%}")
    stress = sections.stress_rows(inputs, stress_fail, pays, names)
    if stress.get("missing"):
        notes.append(stress["missing"])
    say("charts")
    chart_sections = {
        "commitments": report_charts.commitments_chart(inputs.store, [asked for _, asked in labs], names),
        "capex": report_charts.capex_chart(inputs.store, names),
        "funding": report_charts.funding_chart(legs, totals),
    }
    bubble = None
    if inputs.bubble is not None:
        say("the bubble questions")
        bubble = report_bubble.bubble_section(inputs.bubble, names)
    say("centrality")
    ranked = sections.records(centrality.centrality(grouped).head(sections.TOP_ROWS))
    say("rendering the explorer")
    # every status, so the page's filters can show the deals not counted; it opens on the counted ones
    # The page's title states its slider's date: the report's as-of date when it cuts the data, else the latest.
    as_of = legs.graph["settings"]["as_of"]
    latest = max((str(a["date"]) for _u, _v, a in inputs.everything.edges(data=True) if a.get("date")), default="")
    explorer = render_explorer(circularity.annotate(inputs.everything, cycles),
                               statuses=legs.graph["settings"]["statuses"], title="aikg explorer",
                               as_of=as_of if str(as_of) < latest else None)
    return Report(
        settings=dict(legs.graph["settings"]),
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        headline=headline, labs=lab_sections, concentration=conc, cycles=cycle_section, stress=stress,
        charts=chart_sections, centrality=ranked, deals=sections.deal_rows(legs, totals, names),
        explorer_html=explorer, names=names, notes=notes, bubble=bubble,
    )
