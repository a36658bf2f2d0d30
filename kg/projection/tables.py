"""The projection's raw tables: what :func:`kg.projection.legs.deal_legs` reads from the store, whatever the settings.

One SPARQL query per table, read as CSV text (``store.table``) and typed with vectorised pandas
operations. Oxigraph spends most of a bulk read decoding IRIs and long strings (a RocksDB lookup
each) and joining rows, so the queries are shaped for it:

* each triple pattern sits in its own sub-select, which makes Oxigraph join them by hashing
  instead of seeking the index once per row (several times faster on these tables);
* code-list values (status, evidence, role, flow) come from a ``VALUES`` table of the codes'
  IRIs and their short names, so no code IRI is decoded;
* record ids (short literals, stored inline) stand in for record IRIs wherever a join allows it;
  the one IRI decoded per claim and per participation carries its deal and organisation
  (``<deal>/claim/<n>``, ``<deal>/party/<org>``, as :mod:`kg.rdf.triples` mints them).

:func:`load` reads the tables of an :class:`~kg.store.embedded.EmbeddedStore` built with generations from
Parquet files in the generation (:func:`cache_path`), stamped with the store's fingerprint: ``aikg build``
writes them from the records it validates, in the same pass as the triples (:mod:`kg.projection.written`),
so no projection reads the tables out of the store; where they are missing, stale or unreadable they
are read from the store and saved. Remote stores are always read.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from kg.projection.text import plain
from kg.rdf import namespaces as ns
from kg.rdf.digest import DERIVED_EDGES
from kg.records.vocab import Basis, Evidence, Flow, Metric, OrgType, Role, Status
from kg.store import EmbeddedStore, Store

FORMAT = 7  # bump when the tables change shape: older files are then read again from the store
CACHE_DIR, TABLES_DIR = "cache", "tables"
_STAMP = b"aikg"  # the Parquet schema metadata key of a file's stamp (see save)

_P = "PREFIX aikg: <https://w3id.org/aikg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> " \
     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX schema: <https://schema.org/> " \
     "PREFIX dcterms: <http://purl.org/dc/terms/> "


def _sub(variables: str, body: str) -> str:
    """A sub-select: Oxigraph hash-joins sub-selects instead of looping over index lookups."""
    return f"{{ SELECT {variables} WHERE {{ {body} }} }}"


def _code(subject: str, prop: str, var: str, codes: Iterable[Status | Evidence | Role | Flow | Metric]) -> str:
    """``?subject prop ?code`` with the code's short name in ``?var`` (no IRI decoded)."""
    pairs = " ".join(f'(<{ns.code(c)}> "{c.value}")' for c in codes)
    return _sub(f"?{subject} ?{var}", f"VALUES (?{var}_iri ?{var}) {{ {pairs} }} ?{subject} {prop} ?{var}_iri")


_ROLE_RANK = {role.value: i for i, role in enumerate(Role)}
_TYPE_RANK = {kind.value: i for i, kind in enumerate(OrgType)}


def _flag(subject: str, prop: str, var: str) -> str:
    """``?var`` true where ``?subject prop true``, else unbound: only the true ones are joined."""
    return f"OPTIONAL {{ SELECT ?{subject} (true AS ?{var}) WHERE {{ ?{subject} {prop} true }} }} "


def _optional(subject: str, props: dict[str, str]) -> str:
    return "".join(f"OPTIONAL {_sub(f'?{subject} ?{var}', f'?{subject} {p} ?{var}')} " for var, p in props.items())


# A claim's amount: the USD figures and flags
_USD = {"value_usd": "aikg:valueUSD", "min_usd": "aikg:minValueUSD", "max_usd": "aikg:maxValueUSD"}
_AMOUNT = [*_USD, "approximate", "undisclosed"]
_AMOUNT_VARS = " ".join("?" + k for k in _AMOUNT)
# A claim's amount as stated, in its currency (the native text, e.g. "EUR 1.3B", is made from it in tidy)
_STATED = {"amount": "schema:value", "min_amount": "schema:minValue", "max_amount": "schema:maxValue",
           "amount_currency": "schema:currency"}
_STATED_VARS = " ".join("?" + k for k in _STATED)
# A claim's quantity (warrants: shares; chip supply: units), as stated
_QUANTITY = {"quantity": "schema:value", "min_quantity": "schema:minValue", "max_quantity": "schema:maxValue",
             "unit": "aikg:unit"}
_QUANTITY_VARS = " ".join("?" + k for k in _QUANTITY)
_AMOUNTS = _sub("?c ?a", "?c aikg:amount ?a") + _optional("a", _USD) + _flag("a", "aikg:isApproximate", "approximate") \
    + _flag("a", "aikg:isUndisclosed", "undisclosed")

ORGS = _P + "SELECT ?org ?id ?label WHERE { " + _sub("?org", "?org a aikg:Organisation") \
    + _sub("?org ?id", "?org aikg:recordId ?id") + _sub("?org ?label", "?org rdfs:label ?label") + " }"
ORG_TYPES = _P + "SELECT ?org ?code WHERE { " + _sub("?org", "?org a aikg:Organisation") \
    + _sub("?org ?code", "?cls aikg:code ?code . ?org a ?cls") + " }"
ORG_PROPS = _P + """
SELECT ?org ?p ?o WHERE { ?org a aikg:Organisation ; ?p ?o .
  VALUES ?p { skos:altLabel aikg:parentOrganisation aikg:wikidataId aikg:lei aikg:ticker } }"""
DEALS = _P + "SELECT ?deal ?kind ?title ?part_of ?current_usd ?claims_disagree WHERE { " \
    + _sub("?d", "?d a aikg:Deal") \
    + _sub("?d ?deal", "?d aikg:recordId ?deal") + _sub("?d ?kind", "?d aikg:dealKind ?kind") \
    + _sub("?d ?title", "?d rdfs:label ?title") \
    + "OPTIONAL " + _sub("?d ?part_of", "?d aikg:partOf ?w . ?w aikg:recordId ?part_of") \
    + _optional("d", {"current_usd": "aikg:currentUSD"}) + _flag("d", "aikg:claimsDisagree", "claims_disagree") + " }"
CLAIMS = _P + "SELECT ?c ?date ?status ?evidence ?preferred ?source ?quote " + _AMOUNT_VARS + " " + _QUANTITY_VARS \
    + " " + _STATED_VARS + " ?reason WHERE { " \
    + _code("c", "aikg:status", "status", Status) + _code("c", "aikg:evidence", "evidence", Evidence) \
    + _sub("?c ?date", "?c aikg:claimDate ?date") + _sub("?c ?quote", "?c aikg:quote ?quote") \
    + _sub("?c ?s", "?c aikg:source ?s") + _sub("?s ?source", "?s a aikg:SourceDocument ; aikg:recordId ?source") \
    + _flag("c", "aikg:isPreferred", "preferred") + "OPTIONAL " + _sub("?c " + _AMOUNT_VARS, _AMOUNTS) \
    + "OPTIONAL " + _sub("?c " + _QUANTITY_VARS, _sub("?c ?q", "?c aikg:quantity ?q") + _optional("q", _QUANTITY)) \
    + "OPTIONAL " + _sub("?c " + _STATED_VARS, _sub("?c ?s", "?c aikg:amount ?s") + _optional("s", _STATED)) \
    + _optional("c", {"reason": "aikg:preferredReason"}) + " }"
SOURCES = _P + """
SELECT ?source ?publisher ?title ?url ?seed_file ?published WHERE { ?s a aikg:SourceDocument ; aikg:recordId ?source ;
  dcterms:issued ?published . OPTIONAL { ?s aikg:publisherName ?publisher } OPTIONAL { ?s dcterms:title ?title }
  OPTIONAL { ?s aikg:url ?url } OPTIONAL { ?s aikg:seedFile ?seed_file } }"""
PARTIES = _P + "SELECT ?part ?role ?gives ?credited_usd WHERE { " + _code("part", "aikg:role", "role", Role) \
    + _code("part", "aikg:gives", "gives", Flow) \
    + _optional("part", {"credited_usd": "aikg:creditedUSD"}) + " }"  # only deals have participations (kg.rdf.triples)
# The shortcut edges between organisations the build derives from deals (kg.rdf.digest.DERIVED_EDGES)
LINK_NAMES = tuple(dict.fromkeys(edge[3] for edge in DERIVED_EDGES))
LINKS = _P + "SELECT ?from ?link ?to WHERE { VALUES (?p ?link) { " \
    + " ".join(f'(aikg:{name} "{name}")' for name in LINK_NAMES) + " } " \
    + _sub("?a ?p ?b", "?a ?p ?b") + _sub("?a ?from", "?a aikg:recordId ?from") \
    + _sub("?b ?to", "?b aikg:recordId ?to") + " }"
# Figures are few (a payer's own amount, an investor's stake): plain patterns do.
FIGURES = _P + """
SELECT ?c ?part ?value_usd ?min_usd ?max_usd ?stake_value ?stake_max ?stake_min WHERE {
  ?c aikg:statesParticipation ?f . ?f aikg:participation ?part .
  OPTIONAL { ?f aikg:amount ?a . OPTIONAL { ?a aikg:valueUSD ?value_usd } OPTIONAL { ?a aikg:minValueUSD ?min_usd }
             OPTIONAL { ?a aikg:maxValueUSD ?max_usd } }
  OPTIONAL { ?f aikg:stake ?x . OPTIONAL { ?x schema:value ?stake_value } OPTIONAL { ?x schema:maxValue ?stake_max }
             OPTIONAL { ?x schema:minValue ?stake_min } } }"""

# The figures that measure an organisation's size (kg.metrics.sizes): the preferred claim's value of
# each observation of one of these metrics; an observation about several organisations is dropped
# after reading (it sizes none of them).
SIZE_METRICS = (Metric.MARKET_CAP, Metric.VALUATION_POST, Metric.REVENUE)
SIZE_FIGURES = _P + "SELECT ?obs ?org ?metric ?end " + " ".join("?" + k for k in _USD) + " WHERE { " \
    + _code("obs", "aikg:metric", "metric", SIZE_METRICS) \
    + _sub("?obs ?org", "?obs aikg:subjectOrganisation ?o . ?o aikg:recordId ?org") \
    + _sub("?obs ?end", "?obs aikg:periodEnd ?end") + _sub("?obs ?c", "?obs aikg:preferredClaim ?c") \
    + _sub("?c ?v", "?c aikg:value ?v") + _optional("v", _USD) + " }"

OBSERVATIONS = _P + "SELECT ?obs ?metric ?period_start ?period_end ?segment ?claims_disagree WHERE { " \
    + _sub("?o ?obs", "?o a aikg:Observation ; aikg:recordId ?obs") + _code("o", "aikg:metric", "metric", Metric) \
    + _sub("?o ?period_start", "?o aikg:periodStart ?period_start") \
    + _sub("?o ?period_end", "?o aikg:periodEnd ?period_end") + _optional("o", {"segment": "aikg:segment"}) \
    + _flag("o", "aikg:claimsDisagree", "claims_disagree") + " }"
OBS_ORGS = _P + "SELECT ?obs ?org WHERE { " + _sub("?o ?obs", "?o a aikg:Observation ; aikg:recordId ?obs") \
    + _sub("?o ?org", "?o aikg:subjectOrganisation ?x . ?x aikg:recordId ?org") + " }"
_OBS_VALUE = {"value": "schema:value", "min_value": "schema:minValue", "max_value": "schema:maxValue",
              "currency": "schema:currency", "unit": "aikg:unit", **_USD}
OBS_CLAIMS = _P + "SELECT ?c ?date ?basis ?evidence ?preferred ?reason ?source ?quote " \
    + " ".join("?" + k for k in _OBS_VALUE) + " ?approximate WHERE { " \
    + _code("c", "aikg:basis", "basis", Basis) + _code("c", "aikg:evidence", "evidence", Evidence) \
    + _sub("?c ?date", "?c aikg:claimDate ?date") + _sub("?c ?quote", "?c aikg:quote ?quote") \
    + _sub("?c ?source", "?c aikg:source ?s . ?s aikg:recordId ?source") \
    + _flag("c", "aikg:isPreferred", "preferred") + _optional("c", {"reason": "aikg:preferredReason"}) \
    + _sub("?c ?v", "?c aikg:value ?v") + _optional("v", _OBS_VALUE) + _flag("v", "aikg:isApproximate", "approximate") \
    + " }"


@dataclass(frozen=True, eq=False)
class Tables:
    """Everything the projection needs from the store, typed; independent of the settings. Text columns hold
    Python strings (object dtype, None where missing), whichever source the tables come from.

    * ``orgs``: iri, id, label (ordered by id); ``org_types``: iri, code (in the order of
      :class:`~kg.records.vocab.OrgType`: the first known type colours the node);
      ``org_props``: iri, p, o (aliases, parent, wikidata, lei, ticker; in the store's order);
    * ``deals``: deal, kind, title, part_of (the deal it is a part of, or None), current_usd (the preferred
      claim's one USD figure, ``aikg:currentUSD``, NaN when none), claims_disagree (``aikg:claimsDisagree``);
      ordered by deal;
    * ``claims``: deal, claim (IRI), date (datetime64[D]), status, evidence, preferred, source, quote,
      value_usd, min_usd, max_usd (float, NaN when not stated), native (e.g. "EUR 1.3B" or None),
      approximate, undisclosed, quantity, min_quantity, max_quantity (float, NaN when not stated), unit (or
      None), amount, min_amount, max_amount (as stated, in its currency; NaN when not), currency (or None),
      reason (why the preferred claim is preferred, or None); ordered by deal, preferred, date, claim, so that
      the last claim of a deal known on a date is the one that speaks for it;
    * ``sources``: source, publisher, title, url, seed_file, published (datetime64[D]);
    * ``parties``: deal, org, role, gives, credited_usd (``aikg:creditedUSD``, NaN when none), rank (ordered by
      deal, then role in the order of
      :class:`~kg.records.vocab.Role`, which ``rank`` numbers, then org: investor before investee, acquirer
      before target; a deal without money legs counts its first leg as primary);
    * ``figures``: deal, claim, org, value_usd, min_usd, max_usd, stake (a party's own figures);
    * ``size_figures``: obs, org, metric, end (datetime64[D]), value_usd, min_usd, max_usd: the
      preferred figure of each observation of a size metric about one organisation (ordered by obs);
    * ``links``: from, link, to: the shortcut edges between organisations (``aikg:investsIn``, ...; see
      :data:`kg.rdf.digest.DERIVED_EDGES`), each once (ordered by from, link, to);
    * ``observations``: obs (id), metric, period_start, period_end (datetime64[D]), segment (or None),
      claims_disagree (ordered by obs); ``obs_orgs``: obs, org (ordered by obs, org);
    * ``obs_claims``: obs, claim (IRI), date, basis, evidence, preferred, reason, source, quote, value, min_value,
      max_value (as stated; NaN when not), currency, unit (or None), value_usd, min_usd, max_usd, approximate
      (ordered by obs, claim).
    """

    orgs: pd.DataFrame
    org_types: pd.DataFrame
    org_props: pd.DataFrame
    deals: pd.DataFrame
    claims: pd.DataFrame
    sources: pd.DataFrame
    parties: pd.DataFrame
    figures: pd.DataFrame
    size_figures: pd.DataFrame
    links: pd.DataFrame
    observations: pd.DataFrame
    obs_orgs: pd.DataFrame
    obs_claims: pd.DataFrame


TABLE_NAMES = tuple(f.name for f in fields(Tables))


def _frame(store: Store, text: str, columns: list[str]) -> pd.DataFrame:
    """The answer as text columns, in this order, all present even when no row matched ("" = unbound)."""
    frame = store.table(text)
    if not len(frame):
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    return frame.reindex(columns=columns, fill_value="")


def _floats(column: pd.Series) -> np.ndarray:
    """Decimal text as float64 (NaN for ""); each value exactly as Python's ``float(text)``."""
    text = column.to_numpy(dtype=object)
    out = np.full(len(text), np.nan)
    present = text != ""
    out[present] = text[present].astype(float)
    return out


def _days(column: pd.Series) -> np.ndarray:
    """ISO dates as datetime64[D]."""
    return np.array(column.to_numpy(dtype=object), dtype="datetime64[D]")


def _text_or_none(column: pd.Series) -> np.ndarray:
    text = column.to_numpy(dtype=object)
    return np.where(text == "", None, text)


def _flags(column: pd.Series) -> np.ndarray:
    return column.isin(("true", "1")).to_numpy()


def _native(claims: pd.DataFrame) -> np.ndarray:
    """Each claim's figure as text in its own currency (e.g. "EUR 1.3B") where that is not USD, else None:
    made from the amount as stated, in :func:`tidy`, so the build and the store give the same text."""
    out = np.full(len(claims), None, dtype=object)
    cur = claims["currency"].to_numpy(dtype=object)
    rows = np.flatnonzero(pd.notna(cur) & (cur != "USD"))
    stated = zip(*(claims[k].to_numpy(dtype=float)[rows] for k in ("amount", "min_amount", "max_amount")), strict=True)
    for i, figures in zip(rows, stated, strict=True):
        parts = [f"{x / 1e9:g}B" for x in figures if not np.isnan(x)]
        out[i] = f"{cur[i]} {'–'.join(parts)}" if parts else None
    return out


def _deal_of(iris: pd.Series, marker: str) -> tuple[pd.Series, pd.Series]:
    """(deal IRI, what follows ``marker``) of IRIs minted as ``<deal><marker><rest>`` ("" if not)."""
    split = [iri.rpartition(marker) for iri in iris.to_numpy(dtype=object)]
    return pd.Series([s[0] for s in split], dtype=object), pd.Series([s[2] for s in split], dtype=object)


def read(store: Store) -> Tables:
    """Read the tables from ``store`` (no cache)."""
    orgs = _frame(store, ORGS, ["org", "id", "label"]).rename(columns={"org": "iri"})
    org_types = _frame(store, ORG_TYPES, ["org", "code"]).rename(columns={"org": "iri"})
    org_props = _frame(store, ORG_PROPS, ["org", "p", "o"]).rename(columns={"org": "iri"})

    deals = _frame(store, DEALS, ["deal", "kind", "title", "part_of", "current_usd", "claims_disagree"])
    deals["part_of"] = deals["part_of"].replace("", None)
    deals["current_usd"] = _floats(deals["current_usd"])
    deals["claims_disagree"] = _flags(deals["claims_disagree"])
    deal_ids = {ns.record("deal", d): d for d in deals["deal"].tolist()}

    cols = ["c", "date", "status", "evidence", "preferred", "source", "quote", *_AMOUNT, *_QUANTITY, *_STATED, "reason"]
    raw = _frame(store, CLAIMS, cols).drop_duplicates("c")
    deal_iri, _ = _deal_of(raw["c"], "/claim/")
    claims = pd.DataFrame({
        "deal": deal_iri.map(deal_ids).to_numpy(dtype=object), "claim": raw["c"].to_numpy(dtype=object),
        "date": _days(raw["date"]), "status": raw["status"].to_numpy(dtype=object),
        "evidence": raw["evidence"].to_numpy(dtype=object), "preferred": _flags(raw["preferred"]),
        "source": raw["source"].to_numpy(dtype=object), "quote": raw["quote"].to_numpy(dtype=object),
        "value_usd": _floats(raw["value_usd"]), "min_usd": _floats(raw["min_usd"]),
        "max_usd": _floats(raw["max_usd"]), "approximate": _flags(raw["approximate"]),
        "undisclosed": _flags(raw["undisclosed"]),
        **{k: _floats(raw[k]) for k in ("quantity", "min_quantity", "max_quantity")},
        "unit": _text_or_none(raw["unit"]),
        **{k: _floats(raw[k]) for k in ("amount", "min_amount", "max_amount")},
        "currency": _text_or_none(raw["amount_currency"]), "reason": _text_or_none(raw["reason"])})

    src_cols = ["source", "publisher", "title", "url", "seed_file", "published"]
    sources = _frame(store, SOURCES, src_cols)
    sources["published"] = _days(sources["published"])

    raw = _frame(store, PARTIES, ["part", "role", "gives", "credited_usd"]).drop_duplicates("part")
    deal_iri, org = _deal_of(raw["part"], "/party/")
    parties = pd.DataFrame({"deal": deal_iri.map(deal_ids).to_numpy(dtype=object), "org": org.to_numpy(dtype=object),
                            "role": raw["role"].to_numpy(dtype=object), "gives": raw["gives"].to_numpy(dtype=object),
                            "credited_usd": _floats(raw["credited_usd"])})

    fig_cols = ["c", "part", "value_usd", "min_usd", "max_usd", "stake_value", "stake_max", "stake_min"]
    raw = _frame(store, FIGURES, fig_cols)
    deal_iri, org = _deal_of(raw["part"], "/party/")
    stake = np.full(len(raw), np.nan)
    for col in ("stake_min", "stake_max", "stake_value"):  # the first stated of value, max, min
        stake = np.where(raw[col].to_numpy(dtype=object) != "", _floats(raw[col]), stake)
    figures = pd.DataFrame({"deal": deal_iri.map(deal_ids).to_numpy(dtype=object),
                            "claim": raw["c"].to_numpy(dtype=object), "org": org.to_numpy(dtype=object),
                            "value_usd": _floats(raw["value_usd"]), "min_usd": _floats(raw["min_usd"]),
                            "max_usd": _floats(raw["max_usd"]), "stake": stake})

    raw = _frame(store, SIZE_FIGURES, ["obs", "org", "metric", "end", *_USD])
    size_figures = pd.DataFrame({"obs": raw["obs"].to_numpy(dtype=object), "org": raw["org"].to_numpy(dtype=object),
                                 "metric": raw["metric"].to_numpy(dtype=object), "end": _days(raw["end"]),
                                 **{k: _floats(raw[k]) for k in _USD}})
    links = _frame(store, LINKS, ["from", "link", "to"])
    observations = _frame(store, OBSERVATIONS, ["obs", "metric", "period_start", "period_end", "segment",
                                                "claims_disagree"])
    observations = observations.assign(
        period_start=_days(observations["period_start"]), period_end=_days(observations["period_end"]),
        segment=_text_or_none(observations["segment"]), claims_disagree=_flags(observations["claims_disagree"]))
    obs_orgs = _frame(store, OBS_ORGS, ["obs", "org"])
    raw = _frame(store, OBS_CLAIMS, ["c", "date", "basis", "evidence", "preferred", "reason", "source", "quote",
                                     *_OBS_VALUE, "approximate"]).drop_duplicates("c")
    obs_iri, _ = _deal_of(raw["c"], "/claim/")
    obs_ids = {ns.record("observation", o): o for o in observations["obs"].tolist()}
    obs_claims = pd.DataFrame({
        "obs": obs_iri.map(obs_ids).to_numpy(dtype=object), "claim": raw["c"].to_numpy(dtype=object),
        "date": _days(raw["date"]), **{k: raw[k].to_numpy(dtype=object) for k in ("basis", "evidence")},
        "preferred": _flags(raw["preferred"]), "reason": _text_or_none(raw["reason"]),
        **{k: raw[k].to_numpy(dtype=object) for k in ("source", "quote")},
        **{k: _floats(raw[k]) for k in ("value", "min_value", "max_value")},
        **{k: _text_or_none(raw[k]) for k in ("currency", "unit")}, **{k: _floats(raw[k]) for k in _USD},
        "approximate": _flags(raw["approximate"])})
    return tidy(Tables(orgs, org_types, org_props, deals, claims, sources, parties, figures, size_figures, links,
                       observations, obs_orgs, obs_claims))


def tidy(raw: Tables) -> Tables:
    """The tables in their documented order, each row once, from rows in any order (the store's, the
    build's): what :func:`read` and the build's :mod:`kg.projection.written` share.

    ``raw`` may hold rows of claims, parties and figures of no deal (``deal`` None: dropped), several
    rows per deal, source or (observation, organisation) (the first is kept), and size figures of an
    observation about several organisations (dropped: it sizes none of them).
    """
    orgs = raw.orgs.sort_values("id", kind="stable", ignore_index=True)
    org_types = raw.org_types.assign(rank=raw.org_types["code"].map(_TYPE_RANK).fillna(len(_TYPE_RANK)))
    org_types = org_types.sort_values(["iri", "rank", "code"], ignore_index=True).drop(columns="rank")
    org_props = raw.org_props.drop_duplicates().sort_values(["iri", "p", "o"], ignore_index=True)
    deals = raw.deals.drop_duplicates("deal").sort_values("deal", kind="stable", ignore_index=True)
    claims = raw.claims[raw.claims["deal"].notna()].drop_duplicates("claim")
    claims = claims.sort_values(["deal", "preferred", "date", "claim"], ignore_index=True)
    claims.insert(claims.columns.get_loc("max_usd") + 1, "native", _native(claims))
    sources = raw.sources.drop_duplicates("source").sort_values("source", ignore_index=True)
    parties = raw.parties[raw.parties["deal"].notna()].drop_duplicates(["deal", "org"])
    parties = parties.assign(rank=parties["role"].map(_ROLE_RANK))
    parties = parties.sort_values(["deal", "rank", "org"], ignore_index=True)
    figures = raw.figures[raw.figures["deal"].notna()].drop_duplicates(["deal", "claim", "org"], keep="last")
    figures = figures.sort_values(["deal", "claim", "org"], ignore_index=True)
    sized = raw.size_figures.drop_duplicates(["obs", "org"])
    sized = sized[~sized["obs"].duplicated(keep=False).to_numpy()]  # one organisation per observation
    size_figures = sized.sort_values(["obs", "org"], ignore_index=True)
    links = raw.links.drop_duplicates().sort_values(["from", "link", "to"], ignore_index=True)
    observations = raw.observations.drop_duplicates("obs").sort_values("obs", ignore_index=True)
    obs_orgs = raw.obs_orgs.drop_duplicates().sort_values(["obs", "org"], ignore_index=True)
    obs_claims = raw.obs_claims[raw.obs_claims["obs"].notna()].drop_duplicates("claim")
    obs_claims = obs_claims.sort_values(["obs", "claim"], ignore_index=True)
    return Tables(*map(plain, (orgs, org_types, org_props, deals, claims, sources, parties, figures, size_figures,
                               links, observations, obs_orgs, obs_claims)))


# --- the cache ------------------------------------------------------------------------------


def generation(store: Store) -> str | None:
    """The generation ``store`` now reads (the real path its symlinks lead to, see
    :mod:`kg.build` and :class:`~kg.store.embedded.EmbeddedStore`), or None for a remote store or a
    plain store directory."""
    if not isinstance(store, EmbeddedStore) or not store.path.is_symlink():
        return None
    target = Path(os.path.realpath(store.path))
    return str(target) if target.is_dir() else None


def generation_cache(generation_dir: Path) -> Path:
    """Where the tables of a build's generation ``.generations/G`` are kept: ``G/cache/tables/``."""
    return generation_dir / CACHE_DIR / TABLES_DIR


def cache_path(store: Store) -> Path | None:
    """The folder the tables of ``store``'s current generation are kept in, or None (no generation: no
    cache): inside the build's generation (:func:`generation_cache`), which is removed with it; for a
    store built on its own by :meth:`~kg.store.embedded.EmbeddedStore.build`, ``cache/<generation>/tables``
    beside it."""
    name = generation(store)
    if name is None:
        return None
    target = Path(name)
    if target.name == "store" and (target.parent / "graph").is_dir():
        return generation_cache(target.parent)
    return store.path.parent / CACHE_DIR / target.name / TABLES_DIR  # type: ignore[attr-defined]


def load(store: Store) -> Tables:
    """The tables of ``store``: from the files of its current generation when they were written for its
    fingerprint (by the build, or by an earlier call), else read from the store (and saved for the next
    time)."""
    path = cache_path(store)
    if path is None:
        return read(store)
    before = generation(store)
    fingerprint = EmbeddedStore.fingerprint(store.path)  # type: ignore[attr-defined]
    saved = stored(path, fingerprint)
    if saved is not None:
        return saved
    tables = read(store)
    if generation(store) != before or fingerprint is None:  # rebuilt meanwhile: these may mix generations
        return tables
    with contextlib.suppress(OSError):  # a read-only OUT still projects, just uncached
        save(path, tables, fingerprint)
        if path.parent.parent != Path(before).parent:  # a store of its own: drop the caches of gone generations
            _prune(path.parent.parent, EmbeddedStore._generations(store.path))  # type: ignore[attr-defined]
    return tables


def save(folder: Path, tables: Tables, fingerprint: str) -> None:
    """Write ``tables`` into ``folder``, one Parquet file each, stamped with ``fingerprint`` (of the store
    they describe), :data:`FORMAT` and their pandas dtypes; each file is replaced whole (temporary name,
    rename), so a reader sees a whole file of one stamp or the one before."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLE_NAMES:
        frame = getattr(tables, name)
        stamp = {"format": FORMAT, "fingerprint": fingerprint, "dtypes": {c: str(t) for c, t in frame.dtypes.items()}}
        table = pa.Table.from_pandas(frame, preserve_index=False)
        # a text column with no value at all is text in the file, as every other (DuckDB's plans compare it)
        table = table.cast(pa.schema([f.with_type(pa.large_string()) if pa.types.is_null(f.type) else f
                                      for f in table.schema], metadata=table.schema.metadata))
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), _STAMP: json.dumps(stamp)})
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".tmp", dir=folder)
        os.close(fd)
        try:
            os.chmod(tmp, 0o644)  # readable like the graph files beside it (mkstemp makes it private)
            pq.write_table(table, tmp)
            os.replace(tmp, folder / f"{name}.parquet")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def stored(folder: Path, fingerprint: str | None) -> Tables | None:
    """The tables saved in ``folder`` for ``fingerprint``, or None when a file is missing, unreadable, of
    another fingerprint or of an older :data:`FORMAT` (the caller then reads the store)."""
    frames = {}
    for name in TABLE_NAMES:
        try:
            table = pq.read_table(folder / f"{name}.parquet")
            stamp = json.loads((table.schema.metadata or {})[_STAMP])
        except (OSError, KeyError, ValueError, pa.ArrowException):
            return None
        if not _fresh(stamp, fingerprint):
            return None
        frames[name] = plain(table.to_pandas().astype(stamp["dtypes"]))
    return Tables(**frames)


def stamped(folder: Path, fingerprint: str | None) -> bool:
    """Whether every table in ``folder`` is stamped with ``fingerprint`` and :data:`FORMAT` (only the files'
    footers are read: what :mod:`kg.projection.plans` checks before DuckDB reads the files)."""
    for name in TABLE_NAMES:
        try:
            stamp = json.loads((pq.read_schema(folder / f"{name}.parquet").metadata or {})[_STAMP])
        except (OSError, KeyError, ValueError, pa.ArrowException):
            return False
        if not _fresh(stamp, fingerprint):
            return False
    return True


def _fresh(stamp: dict, fingerprint: str | None) -> bool:
    return fingerprint is not None and stamp.get("format") == FORMAT and stamp.get("fingerprint") == fingerprint


def _prune(cache_root: Path, generations: Path) -> None:
    """Remove the cache folders of generations that are gone (the build prunes old generations)."""
    alive = {p.name for p in generations.iterdir() if p.is_dir()}
    for folder in cache_root.iterdir():
        if folder.is_dir() and folder.name not in alive:
            shutil.rmtree(folder, ignore_errors=True)
