"""Observations (revenue, losses, capex, market value...) and deal terms as tables, with every claim.

The projection of deals (:mod:`kg.projection.legs`) keeps one claim per deal; the questions of whether
revenue can carry the commitments need the figures about organisations too, claim by claim, with each
claim's source and publication date, so that an analysis can run "as reported on" a date. Which claim
speaks for an observation follows the deals' rule: among the claims dated by ``as_of`` (and published
by ``reported_by``), the preferred one if there is one, else the latest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from kg.projection.legs import Ranges, picked
from kg.store import Store

_P = "PREFIX aikg: <https://w3id.org/aikg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> " \
     "PREFIX schema: <https://schema.org/> PREFIX dcterms: <http://purl.org/dc/terms/> "

# One row per claim and subject organisation (a market-level figure has no organisation: org unbound).
CLAIMS = _P + """
SELECT ?obs ?metric ?org ?segment ?start ?end ?claim ?date ?basis ?evidence ?preferred ?source ?quote
       ?value_usd ?min_usd ?max_usd ?approximate WHERE {
  ?o a aikg:Observation ; aikg:recordId ?obs ; aikg:metric/skos:notation ?metric ;
     aikg:periodStart ?start ; aikg:periodEnd ?end ; aikg:hasClaim ?claim .
  OPTIONAL { ?o aikg:subjectOrganisation/aikg:recordId ?org }
  OPTIONAL { ?o aikg:segment ?segment }
  OPTIONAL { ?o aikg:preferredClaim ?claim BIND(true AS ?preferred) }
  ?claim aikg:claimDate ?date ; aikg:basis/skos:notation ?basis ; aikg:evidence/skos:notation ?evidence ;
         aikg:quote ?quote ; aikg:source/aikg:recordId ?source ; aikg:value ?v .
  OPTIONAL { ?v aikg:valueUSD ?value_usd } OPTIONAL { ?v aikg:minValueUSD ?min_usd }
  OPTIONAL { ?v aikg:maxValueUSD ?max_usd } OPTIONAL { ?v aikg:isApproximate ?approximate }
}"""

TERMS = _P + "SELECT ?claim ?term WHERE { ?claim aikg:term ?term }"

_COLUMNS = ["obs", "metric", "org", "segment", "start", "end", "claim", "date", "basis", "evidence", "preferred",
            "source", "quote", "value_usd", "min_usd", "max_usd", "approximate"]


def observation_claims(store: Store, sources: pd.DataFrame) -> pd.DataFrame:
    """Every claim of every observation, one row per subject organisation, with its source (from
    ``sources``, the projection's sources table: :class:`kg.projection.tables.Tables`).

    Columns: obs, metric, org (None for a market-level figure), orgs (all subject organisations, joined
    by ", "), segment, start, end, date, published (datetime64[D]), claim, basis, evidence, preferred
    (bool), source, publisher, title, url, seed_file, quote, value_usd, min_usd, max_usd (float, NaN when
    not stated), approximate (bool). Ordered by obs, preferred, date, claim: the last row of an
    observation known on a date is the one that speaks for it.
    """
    frame = store.table(CLAIMS).reindex(columns=_COLUMNS, fill_value="")
    for column in ("value_usd", "min_usd", "max_usd"):
        frame[column] = pd.to_numeric(frame[column].replace("", np.nan))
    for column in ("preferred", "approximate"):
        frame[column] = frame[column].isin(("true", "1"))
    for column in ("start", "end", "date"):
        frame[column] = frame[column].to_numpy(dtype="datetime64[D]")
    frame["org"] = frame["org"].replace("", None)
    frame["segment"] = frame["segment"].replace("", None)
    subjects = frame.dropna(subset=["org"]).groupby("obs")["org"].agg(lambda s: ", ".join(sorted(set(s))))
    frame["orgs"] = frame["obs"].map(subjects)
    sources = sources[["source", "publisher", "title", "url", "seed_file", "published"]].copy()
    for column in ("url", "seed_file"):
        sources[column] = sources[column].replace("", None)
    frame = frame.merge(sources, on="source", how="left", sort=False)
    return frame.sort_values(["obs", "preferred", "date", "claim", "org"], kind="stable").reset_index(drop=True)


def claim_terms(store: Store) -> dict[str, str]:
    """The term (ISO 8601 duration, e.g. ``P7Y``) each deal claim states, by claim IRI."""
    frame = store.table(TERMS)
    return dict(zip(frame["claim"].tolist(), frame["term"].tolist(), strict=True)) if len(frame) else {}


def speaking(claims: pd.DataFrame, *, as_of: dt.date | None = None, reported_by: dt.date | None = None,
             metrics: Iterable[str] | None = None, ranges: Ranges = "midpoint") -> pd.DataFrame:
    """The claim that speaks for each observation (and subject organisation) under these settings, with
    its figure in ``usd`` (a range counted by ``ranges``, as deals are).

    ``claims`` is :func:`observation_claims`' table; ``as_of`` keeps claims dated by then,
    ``reported_by`` claims published by then; ``metrics`` keeps only these metrics.

    >>> t = pd.DataFrame({"obs": ["r", "r"], "org": ["x", "x"], "metric": ["revenue"] * 2,
    ...     "date": pd.to_datetime(["2025-01-01", "2025-06-01"]).to_numpy(dtype="datetime64[D]"),
    ...     "published": pd.to_datetime(["2025-01-02", "2025-06-02"]).to_numpy(dtype="datetime64[D]"),
    ...     "preferred": [False, True], "value_usd": [1.0, np.nan], "min_usd": [np.nan, 2.0],
    ...     "max_usd": [np.nan, 4.0], "approximate": [False, False]})
    >>> speaking(t)["usd"].tolist(), speaking(t, reported_by=dt.date(2025, 3, 1))["usd"].tolist()
    ([3.0], [1.0])
    """
    known = claims
    if metrics is not None:
        known = known[known["metric"].isin(list(metrics))]
    if as_of is not None:
        known = known[known["date"].to_numpy() <= np.datetime64(as_of, "D")]
    if reported_by is not None:
        known = known[known["published"].to_numpy() <= np.datetime64(reported_by, "D")]
    key = known["obs"].astype(str) + "\x00" + known["org"].fillna("").astype(str)
    last = ~key.duplicated(keep="last").to_numpy() if len(known) else np.zeros(0, dtype=bool)
    # the table is ordered by obs, preferred, date: per observation and organisation the last row speaks
    chosen = known[last].copy()
    chosen["usd"] = picked(*(chosen[c].to_numpy(dtype=float) for c in ("value_usd", "min_usd", "max_usd")), ranges,
                            chosen["approximate"].to_numpy(dtype=bool))
    return chosen.reset_index(drop=True)
