"""Can revenue carry the commitments? A lab's purchase commitments against its revenue, and the
market's AI capex against the revenue AI earns (Sequoia's "$600B question", recomputed).

**Per organisation** (:func:`carry`), on the projection's settings (as of a date, as reported on a date):

* *commitments*: the money legs the organisation hands over in compute and chip purchases that count
  (parts folded into wholes, as every total). With a stated term, a commitment is spread evenly over
  the years of the term from the deal's date (a straight-line schedule: the sources rarely give the
  real one) and only the part not yet due on ``as_of`` is outstanding; without a term the whole
  amount is outstanding and unscheduled;
* *revenue*: the latest annual revenue (a full-year figure, actual before forecast for the same year)
  and the latest revenue run rate (annualised from a month or quarter), each with its basis, period,
  source and quote; the latest net loss the same way;
* *raised*: the money the organisation took in through investments and funding rounds that count;
* the ratios: outstanding over annual revenue and over the run rate ("years of revenue"), outstanding
  over money raised, and the constant revenue growth needed for revenue alone to pay the scheduled
  commitments year by year (:func:`growth_needed`), an upper bound on what revenue can do since it
  leaves nothing for wages, training or inference.

**Market level** (:func:`revenue_gap`): per year, the capex of the four hyperscalers (Microsoft,
Alphabet, Amazon, Meta; each company's own figure, else the combined figure the sources give), the
revenue that capex needs to earn, and the revenue AI labs report. Cahn's method (Sequoia Capital,
"AI's $600B Question", 2024, https://sequoiacap.com/article/ais-600b-question/) doubles Nvidia's
run-rate revenue "to reflect the total cost of AI data centers" and doubles it again "to reflect a
50% gross margin for the end-user of the GPU". Capex already buys the whole data centre, so only the
second doubling applies: needed revenue = 2 x capex. The gap is needed revenue minus the labs'
revenue; every input is listed with its observation, source and quote.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from kg.projection.aggregate import leg_table
from kg.projection.observations import speaking
from kg.records.vocab import FUNDING_KINDS, DealKind, Flow, Metric, OrgType

PURCHASE_KINDS = frozenset({DealKind.COMPUTE_COMMITMENT.value, DealKind.CHIP_SUPPLY.value})
HYPERSCALERS = ("microsoft", "alphabet", "amazon", "meta")
GROSS_MARGIN_FACTOR = 2.0  # Cahn's second doubling: the end user's 50 % gross margin
_CITED = ["obs", "metric", "orgs", "start", "end", "basis", "usd", "source", "publisher", "title", "url", "seed_file",
          "published", "quote"]


def term_years(term: str | None) -> float | None:
    """The length of an ISO 8601 term (``P7Y``, ``P18M``, ``P180D``) in years, or None.

    >>> term_years("P7Y"), term_years("P1Y6M"), term_years(None)
    (7.0, 1.5, None)
    """
    match = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?", term or "")
    if not term or match is None:
        return None
    years, months, days = (int(x) if x else 0 for x in match.groups())
    return years + months / 12 + days / 365.25


def schedule(amount: float, start: dt.date, years: float) -> dict[int, float]:
    """``amount`` spread evenly over ``years`` from ``start``, by calendar year (straight line, by days).

    >>> {year: round(part, 2) for year, part in schedule(12.0, dt.date(2025, 7, 1), 1.0).items()}
    {2025: 6.05, 2026: 5.95}
    """
    end = start + dt.timedelta(days=round(years * 365.25))
    total = (end - start).days
    out: dict[int, float] = {}
    for year in range(start.year, end.year + 1):
        first, last = max(start, dt.date(year, 1, 1)), min(end, dt.date(year + 1, 1, 1))
        if last > first:
            out[year] = amount * (last - first).days / total
    return out


def growth_needed(revenue: float, payments: dict[int, float], base_year: int) -> float | None:
    """The constant yearly revenue growth ``g`` at which revenue alone pays ``payments`` on schedule:
    for every year ``t`` of the schedule, the revenue earned from ``base_year + 1`` through ``t``
    (``revenue * (1 + g) ** k`` in the k-th year) covers the payments due through ``t``. Payments due by
    ``base_year`` count in the first year. None without revenue or payments; 0 if today's revenue suffices.

    >>> round(growth_needed(10.0, {2026: 10.0, 2027: 40.0}, 2025), 4)  # 10(1+g) + 10(1+g)^2 = 50
    0.7913
    >>> growth_needed(10.0, {2026: 5.0}, 2025)
    0.0
    """
    if not revenue or revenue <= 0 or not payments:
        return None
    years = range(base_year + 1, max(max(payments), base_year + 1) + 1)
    due = np.cumsum([sum(p for y, p in payments.items() if y <= year and (year == years[0] or y == year))
                     for year in years])

    def short(g: float) -> bool:
        earned = np.cumsum([revenue * (1 + g) ** k for k in range(1, len(years) + 1)])
        return bool((earned < due - 1e-9 * due.max()).any())

    if not short(0.0):
        return 0.0
    low, high = 0.0, 1.0
    while short(high):
        low, high = high, high * 2
        if high > 1e6:
            return float("inf")
    for _ in range(100):
        mid = (low + high) / 2
        low, high = (mid, high) if short(mid) else (low, mid)
    return high


@dataclass(frozen=True)
class Carry:
    """What one organisation has committed to buy against what it earns, raises and loses."""

    org: str
    as_of: dt.date
    commitments: pd.DataFrame  # one row per commitment leg: deal, provider, kind, status, date, amount_usd,
    #                            term, outstanding_usd, sources
    by_provider: pd.DataFrame
    by_year: pd.DataFrame  # year, scheduled_usd (straight line over stated terms)
    inputs: pd.DataFrame  # the revenue, run rate and loss figures used, each cited
    figures: dict[str, float | str | None]
    settings: dict

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"org": self.org, **self.figures}])


def _latest(figures: pd.DataFrame, org: str, metric: Metric) -> pd.Series | None:
    """The figure of ``metric`` about ``org`` alone whose period ends last, an actual one before any
    forecast (for revenue: a full year)."""
    rows = figures[(figures["metric"] == metric.value) & (figures["orgs"] == org) & figures["usd"].notna()]
    if metric is Metric.REVENUE:
        days = (rows["end"] - rows["start"]).dt.days
        rows = rows[days >= 364]
    if rows.empty:
        return None
    rank = rows.assign(_actual=rows["basis"] == "actual").sort_values(["_actual", "end"])
    return rank.iloc[-1]


def carry(legs: nx.MultiDiGraph, observations: pd.DataFrame, terms: dict[str, str], org: str, *,
          reported_by: dt.date | None = None) -> Carry:
    """The commitments of ``org`` against its revenue (see the module docstring).

    Parameters
    ----------
    legs : networkx.MultiDiGraph
        The projection (:func:`kg.projection.legs.deal_legs`), its settings in ``legs.graph``.
    observations : pandas.DataFrame
        :func:`kg.projection.observations.observation_claims`.
    terms : dict
        Claim IRI → term (:func:`kg.projection.observations.claim_terms`).
    org : str
        The organisation's id in ``legs``.
    reported_by : datetime.date, optional
        Count only observations published by then (the legs carry their own setting).

    Returns
    -------
    Carry
    """
    settings = dict(legs.graph.get("settings", {}))
    as_of = dt.date.fromisoformat(str(settings.get("as_of", dt.date.today().isoformat())))
    deals = legs.graph.get("deals", {})
    table = leg_table(legs)
    mine = table[(table["giver"] == org) & (table["flow"] == Flow.MONEY.value)]
    bought = mine[mine["kind"].isin(PURCHASE_KINDS)]
    rows, by_year = [], {}
    for leg in bought.itertuples():
        info = deals[leg.deal]
        years = term_years(terms.get(info.get("claim")))
        amount = None if np.isnan(leg.amount_usd) else float(leg.amount_usd)
        outstanding, plan = amount, {}
        if amount is not None and years:
            plan = schedule(amount, leg.date, years)
            for year, part in plan.items():
                by_year[year] = by_year.get(year, 0.0) + part
            due = min(max((as_of - leg.date).days / (years * 365.25), 0.0), 1.0)
            outstanding = amount * (1 - due)
        rows.append({"deal": leg.deal, "provider": leg.taker, "kind": leg.kind, "status": leg.status,
                     "date": leg.date, "amount_usd": amount, "term": terms.get(info.get("claim")),
                     "outstanding_usd": outstanding, "basis": leg.basis,
                     "source": "; ".join(s["publisher"] or "" for s in info["sources"] if s["preferred"]) or None})
    commitments = pd.DataFrame(rows, columns=["deal", "provider", "kind", "status", "date", "amount_usd", "term",
                                              "outstanding_usd", "basis", "source"])
    by_provider = (commitments.groupby("provider", as_index=False)
                   .agg(deals=("deal", "nunique"), amount_usd=("amount_usd", "sum"),
                        outstanding_usd=("outstanding_usd", "sum"),
                        undisclosed=("amount_usd", lambda s: int(s.isna().sum())))
                   .sort_values("outstanding_usd", ascending=False, ignore_index=True))
    schedule_frame = pd.DataFrame(sorted(by_year.items()), columns=["year", "scheduled_usd"])
    raised = table[(table["taker"] == org) & (table["flow"] == Flow.MONEY.value) & table["kind"].isin(FUNDING_KINDS)]
    figures = speaking(observations, as_of=as_of, reported_by=reported_by,
                       metrics=[Metric.REVENUE.value, Metric.REVENUE_RUN_RATE.value, Metric.NET_LOSS.value])
    found = {m: _latest(figures, org, m) for m in (Metric.REVENUE, Metric.REVENUE_RUN_RATE, Metric.NET_LOSS)}
    inputs = pd.DataFrame([row[_CITED] for row in found.values() if row is not None], columns=_CITED)
    outstanding = float(commitments["outstanding_usd"].sum()) if len(commitments) else 0.0
    revenue, run_rate, loss = (None if found[m] is None else float(found[m]["usd"]) for m in found)
    raised_usd = float(raised["amount_usd"].sum())
    future = {y: p * _not_due(y, as_of) for y, p in by_year.items() if _not_due(y, as_of) > 0}
    base = found[Metric.REVENUE]
    figures_out: dict[str, float | str | None] = {
        "commitments": len(commitments), "undisclosed": int(commitments["amount_usd"].isna().sum()),
        "committed_usd": float(commitments["amount_usd"].sum()) if len(commitments) else 0.0,
        "outstanding_usd": outstanding,
        "revenue_usd": revenue, "revenue_period": _period(base),
        "revenue_basis": None if base is None else base["basis"],
        "run_rate_usd": run_rate, "run_rate_on": _period(found[Metric.REVENUE_RUN_RATE]),
        "net_loss_usd": loss, "net_loss_period": _period(found[Metric.NET_LOSS]),
        "raised_usd": raised_usd,
        "years_of_revenue": outstanding / revenue if revenue else None,
        "years_of_run_rate": outstanding / run_rate if run_rate else None,
        "commitments_over_raised": outstanding / raised_usd if raised_usd else None,
        "growth_needed": None if base is None else growth_needed(revenue or 0.0, future, base["end"].year),
    }
    return Carry(org, as_of, commitments, by_provider, schedule_frame, inputs.reset_index(drop=True), figures_out,
                 settings)


def _not_due(year: int, as_of: dt.date) -> float:
    """The share of ``year`` after ``as_of`` (1 for a later year, 0 for an earlier one)."""
    if year > as_of.year:
        return 1.0
    if year < as_of.year:
        return 0.0
    return (dt.date(year + 1, 1, 1) - as_of).days / (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days


def _lab_revenue(annual: pd.DataFrame, run_rates: pd.DataFrame) -> pd.DataFrame:
    """Each lab's revenue for one year: its full-year figure (actual before forecast), else the latest
    run rate reported within the year (annualised, so it overstates a growing lab's year: labelled)."""
    ranked = annual.assign(_actual=annual["basis"] == "actual").sort_values(["_actual", "end"])
    yearly = ranked.drop_duplicates("orgs", keep="last").assign(counted_as="annual revenue")
    latest = run_rates[~run_rates["orgs"].isin(yearly["orgs"])].sort_values("end").drop_duplicates("orgs", keep="last")
    latest = latest.assign(counted_as=[f"run rate on {d.date().isoformat()}" for d in latest["end"]])
    return pd.concat([yearly, latest], ignore_index=True).drop(columns="_actual", errors="ignore")


def _period(row: pd.Series | None) -> str | None:
    if row is None:
        return None
    start, end = row["start"].date(), row["end"].date()
    return end.isoformat() if start == end else f"{start.isoformat()} – {end.isoformat()}"


@dataclass(frozen=True)
class RevenueGap:
    """The market's AI capex against the revenue it needs and the revenue AI labs report, by year."""

    table: pd.DataFrame  # year, capex_usd, capex_basis, needed_usd, ai_revenue_usd, labs, gap_usd, ...
    inputs: pd.DataFrame  # every figure used, cited
    sequoia: pd.DataFrame  # Sequoia's own published figures in the data, for comparison
    settings: dict

    def to_frame(self) -> pd.DataFrame:
        return self.table


def revenue_gap(observations: pd.DataFrame, org_types: dict[str, list[str]], *, as_of: dt.date | None = None,
                reported_by: dt.date | None = None) -> RevenueGap:
    """The "$600B question" by year, from the data (see the module docstring).

    Parameters
    ----------
    observations : pandas.DataFrame
        :func:`kg.projection.observations.observation_claims`.
    org_types : dict
        Organisation id → its types; AI labs' revenue counts as AI revenue.
    as_of, reported_by : datetime.date, optional
        Count claims dated by ``as_of`` and published by ``reported_by``.
    """
    figures = speaking(observations, as_of=as_of, reported_by=reported_by)
    figures = figures[figures["usd"].notna()]
    year = figures["end"].dt.year
    capex = figures[(figures["metric"] == Metric.CAPEX.value)]
    own = capex[capex["orgs"].isin(HYPERSCALERS)]
    combined = capex[capex["orgs"] == ", ".join(sorted(HYPERSCALERS))]
    labs = {o for o, types in org_types.items() if OrgType.AI_LAB.value in types}
    full_year = (figures["end"] - figures["start"]).dt.days >= 364
    annual = figures[(figures["metric"] == Metric.REVENUE.value) & figures["orgs"].isin(labs) & full_year]
    run_rates = figures[(figures["metric"] == Metric.REVENUE_RUN_RATE.value) & figures["orgs"].isin(labs)]
    rows, used = [], []
    for y in sorted(set(year[capex.index].tolist()) | set(year[annual.index].tolist())):
        per_company = own[year[own.index] == y].drop_duplicates("orgs", keep="last")
        whole = combined[year[combined.index] == y]
        if len(per_company) == len(HYPERSCALERS) or (len(per_company) and whole.empty):
            chosen, basis = per_company, f"sum of {len(per_company)} of {len(HYPERSCALERS)} companies' own figures"
        elif len(whole):
            chosen, basis = whole.tail(1), "combined figure of the four"
        else:
            chosen, basis = capex.iloc[0:0], None
        lab_revenue = _lab_revenue(annual[year[annual.index] == y], run_rates[year[run_rates.index] == y])
        used += [chosen, lab_revenue]
        capex_usd = float(chosen["usd"].sum()) if len(chosen) else None
        ai = float(lab_revenue["usd"].sum()) if len(lab_revenue) else None
        needed = capex_usd * GROSS_MARGIN_FACTOR if capex_usd is not None else None
        rows.append({"year": y, "capex_usd": capex_usd, "capex_basis": basis,
                     "capex_forecast": bool((chosen["basis"] != "actual").any()),
                     "needed_usd": needed, "ai_revenue_usd": ai,
                     "labs": "; ".join(f"{o} ({m})" for o, m in zip(lab_revenue["orgs"], lab_revenue["counted_as"],
                                                                     strict=True)) or None,
                     "revenue_forecast": bool((lab_revenue["basis"] != "actual").any()),
                     "gap_usd": needed - ai if needed is not None and ai is not None else None,
                     "coverage": ai / needed if needed and ai is not None else None})
    table = pd.DataFrame(rows, columns=["year", "capex_usd", "capex_basis", "capex_forecast", "needed_usd",
                                        "ai_revenue_usd", "labs", "revenue_forecast", "gap_usd", "coverage"])
    inputs = pd.concat([u[_CITED] for u in used if len(u)], ignore_index=True) if any(len(u) for u in used) \
        else pd.DataFrame(columns=_CITED)
    sequoia = figures[figures["metric"].isin([Metric.REVENUE_REQUIRED.value, Metric.TARGET_ATTAINMENT.value])]
    settings = {"as_of": (as_of or dt.date.today()).isoformat()}
    if reported_by is not None:
        settings["reported_by"] = reported_by.isoformat()
    return RevenueGap(table, inputs, sequoia[["obs", "metric", "segment", "usd", "source", "publisher", "quote"]]
                      .reset_index(drop=True), settings)
