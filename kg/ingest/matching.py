"""Each candidate against the data: a new deal or observation, a new claim on one, a claim that agrees or
conflicts with one already there, or a fact this source is already cited for.

A deal matches when it has the candidate's kind and every organisation the candidate names is one
of its parties (a candidate naming one party also needs a claim within a year of its date); an
observation when metric and organisations are the same and its period holds the candidate's date.
Figures agree within 2%.
"""

from __future__ import annotations

import datetime as dt

from kg.ingest.relations import Candidate
from kg.records.loader import Dataset
from kg.records.models import Amount, Deal, DealClaim, Observation

TOLERANCE = 0.02
NEAR_DAYS = 366  # a one-party candidate matches a deal with a claim this close in time
SLACK_DAYS = 7  # an inferred date may be a few days off the event's own


def same_figure(a: dict[str, object] | None, b: Amount | None) -> bool:
    """Whether two amounts state the same figure: the same currency or unit, each bound within 2%.

    >>> same_figure({"value": 38.0e9, "currency": "USD"}, Amount(value=38.5e9, currency="USD"))
    True
    >>> same_figure({"min": 100e9, "currency": "USD"}, Amount(value=100e9, currency="USD"))
    False
    """
    if a is None or b is None or b.undisclosed:
        return False
    if a.get("currency") != b.currency or a.get("unit") != b.unit:
        return False
    for key in ("value", "min", "max"):
        mine, theirs = a.get(key), getattr(b, key)
        if (mine is None) != (theirs is None):
            return False
        if mine is not None and abs(float(mine) - theirs) > TOLERANCE * max(abs(float(mine)), abs(theirs), 1e-12):
            return False
    return True


def label(candidates: list[Candidate], dataset: Dataset, source_id: str) -> None:
    """Set ``match`` and ``target`` on every candidate."""
    for cand in candidates:
        if cand.record == "deal":
            record = _deal_for(cand, dataset)
            cand.match, cand.target = _claim_label(cand, record, source_id) if record else ("new deal", None)
        else:
            found = _observation_for(cand, dataset)
            cand.match, cand.target = _claim_label(cand, found, source_id) if found else ("new observation", None)


def _deal_for(cand: Candidate, dataset: Dataset) -> Deal | None:
    orgs = {p.org for p in cand.parties}
    if not orgs or None in orgs:
        return None
    fits = []
    for deal in dataset.deals.values():
        if deal.kind.value != cand.kind or not orgs <= {p.org for p in deal.parties}:
            continue
        gap = min(abs((c.date - cand.date).days) for c in deal.claims)
        if len(orgs) < 2 and gap > NEAR_DAYS:
            continue
        agrees = any(same_figure(cand.amount, c.amount) for c in deal.claims)
        fits.append((not agrees, gap, deal.id, deal))
    return min(fits, key=lambda f: f[:3])[3] if fits else None


def _observation_for(cand: Candidate, dataset: Dataset) -> Observation | None:
    orgs = {p.org for p in cand.parties}
    if None in orgs:
        return None
    if cand.year is not None:
        lo, hi = dt.date(cand.year, 1, 1), dt.date(cand.year, 12, 31)
    else:
        lo = hi = cand.date
    fits = []
    for obs in dataset.observations.values():
        if obs.metric.value != cand.kind or set(obs.orgs) != orgs:
            continue
        start, end = obs.period
        if start - dt.timedelta(days=SLACK_DAYS) > hi or end + dt.timedelta(days=SLACK_DAYS) < lo:
            continue
        agrees = any(same_figure(cand.amount, c.value) for c in obs.claims)
        fits.append((not agrees, (end - start).days, obs.id, obs))
    return min(fits, key=lambda f: f[:3])[3] if fits else None


def _claim_label(cand: Candidate, record: Deal | Observation, source_id: str) -> tuple[str, str]:
    claims = record.claims
    if any(c.source == source_id for c in claims):
        return "already cited", record.id
    figure = (lambda c: c.amount) if isinstance(record, Deal) else (lambda c: c.value)
    same = [c for c in claims if same_figure(cand.amount, figure(c))]
    def status(c):
        return (c.status if isinstance(c, DealClaim) else None)
    for c in same:
        if status(c) == cand.status:
            return f"agrees with {record.id}/{c.source}", record.id
    if same:
        c = same[0]
        return f"conflicts with {record.id}/{c.source} (status {status(c).value})", record.id  # type: ignore[union-attr]
    stated = [c for c in claims if figure(c) is not None and not figure(c).undisclosed]
    if stated and cand.amount is not None:
        c = record.preferred_claim if record.preferred_claim in stated else stated[-1]
        return f"conflicts with {record.id}/{c.source} (figure)", record.id
    return f"new claim on {record.id}", record.id
