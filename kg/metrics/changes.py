"""What changed between two dates, as it was reported: new deals, status changes, revised amounts and
new figures, each with the source and quote that reported it.

A deal's state on a day is the claim that speaks for it among the claims whose source was published by
then (the preferred one if there is one, else the latest by claim date: the projection's rule, see
:mod:`kg.projection.legs`). Each claim published in the window is an event, compared with the state
before its publication day and after it:

* ``new deal``: nothing about the deal had been published before;
* ``status``: the deal's status changed (announced → committed, → cancelled...);
* ``amount``: the deal's figure changed (a range counts by its midpoint, as the analyses count it);
* ``new source``: the state is unchanged: a further source for the same facts, or one the data set
  does not prefer (its own status and figure are listed beside the state);
* ``new figure`` / ``revised figure``: a claim about an observation (revenue, capex, a valuation...).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kg.projection.legs import picked, published
from kg.projection.tables import Tables

COLUMNS = ["published", "event", "deal", "title", "kind", "status_before", "status", "amount_before_usd",
           "amount_usd", "claim_status", "claim_amount_usd", "publisher", "source_title", "url", "seed_file",
           "quote", "source"]


def _states(claims: pd.DataFrame) -> list[tuple[pd.Series, pd.Series | None, pd.Series]]:
    """Per claim, the deal's speaking claim once every claim published on or before its day is known."""
    ordered = claims.sort_values(["published", "claim"], kind="stable")
    rows = []
    for _, group in ordered.groupby("deal", sort=False):
        known: list[pd.Series] = []
        for _, same_day in group.groupby("published", sort=True):
            before = _speaker(known)
            known += [row for _, row in same_day.iterrows()]
            after = _speaker(known)
            for _, row in same_day.iterrows():
                rows.append((row, before, after))
    return rows


def _speaker(known: list[pd.Series]) -> pd.Series | None:
    if not known:
        return None
    preferred = [c for c in known if c["preferred"]]
    return preferred[-1] if preferred else max(known, key=lambda c: (c["date"], c["claim"]))


def _figure(claim: pd.Series | None) -> float | None:
    if claim is None:
        return None
    value = float(picked(*(np.array([claim[c]], dtype=float) for c in ("value_usd", "min_usd", "max_usd")),
                         "midpoint", np.array([bool(claim["approximate"])]))[0])
    return None if np.isnan(value) else value


def changes(tables: Tables, since: dt.date, until: dt.date | None = None,
            observations: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every claim published after ``since`` and on or before ``until`` (default: today), as an event.

    Parameters
    ----------
    tables : kg.projection.tables.Tables
        The projection's tables (deals, their claims and the sources).
    since, until : datetime.date
        The window: published after ``since``, up to and including ``until``.
    observations : pandas.DataFrame, optional
        :func:`kg.projection.observations.observation_claims`, for new and revised figures.

    Returns
    -------
    pandas.DataFrame
        One row per event in publication order: ``published``, ``event``, the deal (or observation) with
        its title and kind, the status and amount before and after, the claim's own status and figure,
        and the source (publisher, title, url or seed file) with the quote.
    """
    until = until or dt.date.today()
    if until < since:
        raise ValueError(f"until ({until}) is before since ({since})")
    claims = tables.claims.assign(published=published(tables, tables.claims["source"]))
    window = (claims["published"] > np.datetime64(since, "D")) & (claims["published"] <= np.datetime64(until, "D"))
    touched = claims[claims["deal"].isin(claims.loc[window, "deal"])]
    deals = tables.deals.set_index("deal")
    rows = []
    for claim, before, after in _states(touched):
        if not (np.datetime64(since, "D") < claim["published"] <= np.datetime64(until, "D")):
            continue
        amount_before, amount = _figure(before), _figure(after)
        if before is None:
            event = "new deal"
        elif before["status"] != after["status"]:
            event = "status"
        elif amount_before != amount:
            event = "amount"
        else:
            event = "new source"
        info = deals.loc[claim["deal"]]
        rows.append({"published": claim["published"], "event": event, "deal": claim["deal"], "title": info["title"],
                     "kind": info["kind"], "status_before": None if before is None else before["status"],
                     "status": after["status"], "amount_before_usd": amount_before, "amount_usd": amount,
                     "claim_status": claim["status"], "claim_amount_usd": _figure(claim), "source": claim["source"],
                     "quote": claim["quote"]})
    if observations is not None:
        rows += _observation_events(observations, since, until)
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("publisher", "source_title", "url",
                                                                         "seed_file")])
    sources = tables.sources.rename(columns={"title": "source_title"})[
        ["source", "publisher", "source_title", "url", "seed_file"]]
    frame = frame.merge(sources, on="source", how="left", sort=False)
    frame["published"] = pd.to_datetime(frame["published"]).dt.date
    return frame.sort_values(["published", "event", "deal"], kind="stable", ignore_index=True)[COLUMNS]


def _observation_events(observations: pd.DataFrame, since: dt.date, until: dt.date) -> list[dict]:
    claims = observations.drop_duplicates("claim")
    window = (claims["published"] > np.datetime64(since, "D")) & (claims["published"] <= np.datetime64(until, "D"))
    first = claims.groupby("obs")["published"].min()
    rows = []
    for _, claim in claims[window].iterrows():
        figure = _figure(claim)
        rows.append({"published": claim["published"],
                     "event": "new figure" if claim["published"] == first[claim["obs"]] else "revised figure",
                     "deal": claim["obs"], "title": f"{claim['metric']} of {claim['orgs'] or claim['segment']}",
                     "kind": claim["metric"], "status_before": None, "status": claim["basis"],
                     "amount_before_usd": None, "amount_usd": figure, "claim_status": claim["basis"],
                     "claim_amount_usd": figure, "source": claim["source"], "quote": claim["quote"]})
    return rows
