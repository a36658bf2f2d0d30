"""RDF → NetworkX: one edge per deal leg, and an aggregated graph of money flows.

A *leg* is one party handing something to another in a deal: in an equity investment the
investor hands money to the investee and the investee hands equity back; in a compute
commitment the customer hands money to the provider and the provider hands compute back.
Which claim of a deal counts is decided per deal *as of* a date: among the claims dated on or
before it, the preferred claim if there is one, else the latest. The deal counts if that claim's
status is among ``statuses``; ranges ("up to", "over") become one figure by ``ranges``.

The store is read once per store generation into tables that do not depend on the settings
(:mod:`kg.projection.tables`, cached on disk); each projection picks the counted claims and pairs
the parties with vectorised pandas operations and builds the graph from prepared tuples. Orders
are fixed: a deal's parties by role (in the order of :class:`~kg.records.vocab.Role`) then id, so in a
deal without money legs the first leg in that order is the primary one (the acquirer's, the
investor's); a deal's sources by claim date, then claim IRI.
"""

from __future__ import annotations

import datetime as dt
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from kg.projection import tables as projection_tables
from kg.projection.aggregate import keep_leg_rows
from kg.projection.bulk import paused_gc
from kg.projection.edges import add_edges, edge_order
from kg.projection.tables import Tables
from kg.projection.text import texts
from kg.rdf import namespaces as ns
from kg.records.vocab import COUNTED_STATUSES, DealKind, Flow, Role, Status
from kg.store import Store

Ranges = Literal["min", "max", "midpoint"]
DEFAULT_STATUSES = COUNTED_STATUSES
CATEGORY = {
    DealKind.EQUITY_INVESTMENT: "investment", DealKind.FUNDING_ROUND: "investment", DealKind.ACQUISITION: "investment",
    DealKind.WARRANT: "investment", DealKind.COMPUTE_COMMITMENT: "compute", DealKind.CHIP_SUPPLY: "chips",
    DealKind.DEBT_FINANCING: "debt", DealKind.JOINT_VENTURE: "joint_venture", DealKind.REVENUE_SHARE: "other",
    DealKind.PARTNERSHIP: "other",
}
# Whom a party hands its flow to: the parties in the counter-role.
COUNTER: dict[Role, tuple[Role, ...]] = {
    Role.INVESTOR: (Role.INVESTEE,), Role.INVESTEE: (Role.INVESTOR,), Role.CUSTOMER: (Role.PROVIDER,),
    Role.PROVIDER: (Role.CUSTOMER,), Role.LENDER: (Role.BORROWER,), Role.BORROWER: (Role.LENDER,),
    Role.GRANTOR: (Role.GRANTEE,), Role.GRANTEE: (Role.GRANTOR,), Role.ACQUIRER: (Role.TARGET,),
    Role.TARGET: (Role.ACQUIRER,), Role.VENTURE: (Role.PARTNER,), Role.PARTNER: (Role.VENTURE, Role.PARTNER),
}


@dataclass(frozen=True)
class Settings:
    """What a projection counts; stated in every result built on it.

    ``allocate``: when several parties give money in a deal and the source states only the total (or
    only some parties' figures), the unstated remainder is split equally among the givers without a
    figure of their own (basis ``allocated_equal``); ``False`` keeps stated figures only, and those
    legs stay undisclosed.

    ``reported_by``: count only claims whose source was published on or before this date, so a
    projection shows what the market knew then ("as reported on"), where ``as_of`` says which
    claims had taken effect ("as of"). Without ``as_of``, a projection as reported on a date is also
    as of that date.

    >>> Settings.of(reported_by="2025-01-27").describe()["as_of"]
    '2025-01-27'
    """

    as_of: dt.date = field(default_factory=dt.date.today)
    statuses: frozenset[Status] = DEFAULT_STATUSES
    ranges: Ranges = "midpoint"
    allocate: bool = True
    reported_by: dt.date | None = None

    @classmethod
    def of(cls, as_of: dt.date | str | None = None, statuses: Iterable[str | Status] | None = None,
           ranges: Ranges = "midpoint", allocate: bool = True,
           reported_by: dt.date | str | None = None) -> Settings:
        if ranges not in ("min", "max", "midpoint"):
            raise ValueError(f"ranges must be min, max or midpoint, got {ranges!r}")
        reported = dt.date.fromisoformat(reported_by) if isinstance(reported_by, str) else reported_by
        day = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else (as_of or reported or dt.date.today())
        chosen = DEFAULT_STATUSES if statuses is None else frozenset(Status(s) for s in statuses)
        return cls(day, chosen, ranges, bool(allocate), reported)

    def describe(self) -> dict[str, object]:
        about: dict[str, object] = {"as_of": self.as_of.isoformat()}
        if self.reported_by is not None:
            about["reported_by"] = self.reported_by.isoformat()
        return {**about, "statuses": sorted(s.value for s in self.statuses), "ranges": self.ranges,
                "allocation": "equal" if self.allocate else "stated only"}


def pick(value: float | None, low: float | None, high: float | None, ranges: Ranges,
         approximate: bool = False) -> float | None:
    """One figure from a point or a range, as ``ranges`` counts it.

    A point counts as stated; "between low and high" as low, high or their midpoint. "Up to high"
    (no low) is the range 0 to high: ``min`` counts 0, ``max`` and ``midpoint`` count high (the one
    figure the source gives); an approximate bound ("almost", "nearly") counts as the bound in every
    mode. "Over low" (no high) has no upper end: every mode counts low.

    >>> pick(None, 10.0, 20.0, "midpoint"), pick(None, None, 6.5, "min"), pick(None, None, 6.5, "max")
    (15.0, 0.0, 6.5)
    >>> pick(None, None, 600.0, "min", approximate=True), pick(None, 100.0, None, "max")
    (600.0, 100.0)
    """
    if value is not None:
        return value
    if low is not None and high is not None:
        return {"min": low, "max": high, "midpoint": (low + high) / 2}[ranges]
    if low is None and high is not None and ranges == "min" and not approximate:
        return 0.0
    return low if low is not None else high


_AIKG = ns.ONTOLOGY


def deal_legs(store: Store | None = None, settings: Settings | None = None, *,
              tables: Tables | None = None) -> nx.MultiDiGraph:
    """One edge per deal leg that counts under ``settings`` (see the module docstring).

    Reads the store's tables through :func:`kg.projection.tables.load` (cached per store
    generation) unless ``tables`` are given. Nodes are organisation ids with ``label``, ``types``,
    ``aliases``, ``parent``, ``iri``, ``wikidata``, ``lei``, ``ticker``. Edge attributes: ``deal``,
    ``deal_iri``, ``title``, ``kind``, ``category``, ``flow``, ``primary``, ``status``, ``evidence``,
    ``date``, ``amount_usd``, ``amount_min_usd``, ``amount_max_usd``, ``approximate``,
    ``undisclosed``, ``basis``, ``native_amount``, ``stake``, ``in_cycle`` and ``folded_into`` (see
    :func:`folded`): scalars only.
    ``G.graph["settings"]`` states what was counted and ``G.graph["deals"]`` holds each counted
    deal's own figures (kind, title, status, date, total amount as the counted claim states it) and
    its ``sources`` (publisher, title, url, seed_file, published, quote, preferred, claim_date,
    status: one per claim): a leg's sources are ``G.graph["deals"][leg["deal"]]["sources"]``.

    Sources belong to a deal's claims, so they are kept once per deal; edges holding nothing but
    scalars are also invisible to CPython's cyclic garbage collector, which at 100k organisations
    (half a million legs) halved the time it spent walking the projection.
    """
    settings = settings or Settings()
    if tables is None:
        if store is None:
            raise TypeError("deal_legs needs a store or tables")
        tables = projection_tables.load(store)
    counted = _counted_claims(tables, settings)
    legs = _legs(tables, counted, settings.as_of)
    graph = nx.MultiDiGraph(settings=settings.describe(), cycles=[], deals={})
    with paused_gc():  # millions of new dicts: the collector would walk them again and again
        _add_orgs(graph, tables)
        _add_deals(graph, counted, settings.ranges,
                   _sources(tables, counted["deal"].tolist(), settings.reported_by))
        _add_legs(graph, legs, settings, folded(graph.graph["deals"]))
    return graph


def _counted_claims(tables: Tables, settings: Settings) -> pd.DataFrame:
    """The claim that speaks for each deal on ``as_of`` (the preferred one if dated by then, else the
    latest, ties broken by claim IRI), for the deals whose claim has a counted status; with the
    deal's kind and title."""
    claims = tables.claims  # ordered by deal, preferred, date, claim: the last known row of a deal speaks
    known = claims[claims["date"].to_numpy() <= np.datetime64(settings.as_of, "D")]
    if settings.reported_by is not None:
        known = known[published(tables, known["source"]) <= np.datetime64(settings.reported_by, "D")]
    deal = known["deal"].to_numpy(dtype=object)
    last = np.ones(len(known), dtype=bool)
    last[:-1] = deal[1:] != deal[:-1]
    effective = known[last]
    counted = effective[effective["status"].isin([s.value for s in settings.statuses])]
    return counted.merge(tables.deals, on="deal", how="inner", sort=False)


def published(tables: Tables, sources: pd.Series) -> np.ndarray:
    """The publication date (datetime64[D]) of each source id in ``sources``."""
    dates = tables.sources.set_index("source")["published"]
    return dates.reindex(sources.to_numpy()).to_numpy(dtype="datetime64[D]")


def _none(values: np.ndarray) -> list[float | None]:
    """Floats with NaN as None."""
    out = values.astype(object)
    out[np.isnan(values)] = None
    return out.tolist()


def _texts(column: pd.Series) -> list[str | None]:
    """Text, with None where there is none (pandas may hold it as NaN)."""
    return [x if isinstance(x, str) else None for x in column.tolist()]


def _dates(column: pd.Series) -> list[dt.date]:
    return column.to_numpy(dtype="datetime64[D]").astype(object).tolist()


def picked(value: np.ndarray, low: np.ndarray, high: np.ndarray, ranges: Ranges,
            approximate: np.ndarray | None = None) -> np.ndarray:
    """:func:`pick`, vectorised over NaN-for-None arrays."""
    both = {"min": low, "max": high, "midpoint": (low + high) / 2}[ranges]
    one = np.where(np.isnan(low), high, low)
    if ranges == "min":  # "up to" starts at zero unless it is an approximate bound
        exact = np.ones(len(value), dtype=bool) if approximate is None else ~approximate
        one = np.where(np.isnan(low) & ~np.isnan(high) & exact, 0.0, one)
    return np.where(~np.isnan(value), value, np.where(~np.isnan(low) & ~np.isnan(high), both, one))


def _add_deals(graph: nx.MultiDiGraph, counted: pd.DataFrame, ranges: Ranges,
               sources: dict[str, list[dict[str, object]]]) -> None:
    value, low, high = (counted[c].to_numpy(dtype=float) for c in ("value_usd", "min_usd", "max_usd"))
    stated = ~np.isnan(value)
    approximate = counted["approximate"].to_numpy(dtype=bool)
    amount, low_, high_ = (_none(x) for x in (
        picked(value, low, high, ranges, approximate), np.where(stated, value, low), np.where(stated, value, high)))
    is_range = (~stated & (~np.isnan(low) | ~np.isnan(high))).tolist()
    graph.graph["deals"].update(
        (deal, {"kind": kind, "title": title, "status": status, "date": day, "evidence": evidence, "amount_usd": a,
                "amount_min_usd": lo, "amount_max_usd": hi, "is_range": r, "approximate": ap,
                "undisclosed": u or a is None, "native_amount": native, "claim": claim, "part_of": part_of,
                "sources": sources[deal]})
        for deal, kind, title, status, day, evidence, a, lo, hi, r, ap, u, native, claim, part_of in zip(
            counted["deal"].tolist(), counted["kind"].tolist(), counted["title"].tolist(), counted["status"].tolist(),
            _dates(counted["date"]), counted["evidence"].tolist(), amount, low_, high_, is_range,
            approximate.tolist(), counted["undisclosed"].tolist(), _texts(counted["native"]),
            counted["claim"].tolist(), _texts(counted["part_of"]), strict=True))


_SOURCE_ROWS: weakref.WeakKeyDictionary[Tables, dict[str, list[tuple]]] = weakref.WeakKeyDictionary()


def _sources(tables: Tables, deals: list[str],
             reported_by: dt.date | None = None) -> dict[str, list[dict[str, object]]]:
    """Each deal's sources: one per claim (dated by then or not; published by ``reported_by`` when
    given), by claim date (then claim IRI); new dicts for each projection."""
    rows = _SOURCE_ROWS.get(tables)
    if rows is None:
        rows = _SOURCE_ROWS[tables] = _source_rows(tables)
    last = reported_by or dt.date.max
    return {deal: [{"publisher": publisher, "title": title, "url": url, "seed_file": seed, "published": published,
                    "quote": quote, "preferred": preferred, "claim_date": day, "status": status}
                   for publisher, title, url, seed, published, quote, preferred, day, status in rows.get(deal, ())
                   if published <= last]
            for deal in deals}


def _source_rows(tables: Tables) -> dict[str, list[tuple]]:
    """Each deal's (publisher, title, url, seed_file, published, quote, preferred, claim date, status) rows,
    one per claim whose source is known, by claim date then claim IRI. Columns are picked out as numpy
    arrays by position: the tables' text columns are Arrow-backed, where every pandas take is a copy."""
    claims = tables.claims  # by deal (then preferred, date, claim)
    deal = claims["deal"].to_numpy(dtype=object)
    day = claims["date"].to_numpy(dtype="datetime64[D]")
    run = np.cumsum(np.r_[True, deal[1:] != deal[:-1]]) if len(deal) else np.zeros(0, dtype=int)
    order = np.lexsort((claims["claim"].rank(method="dense").to_numpy(), day.astype(np.int64), run))
    sources = tables.sources
    place = pd.Index(sources["source"].to_numpy(dtype=object)).get_indexer(claims["source"].to_numpy(dtype=object))
    order = order[place[order] >= 0]
    at = place[order]

    def of(frame: pd.DataFrame, column: str, rows: np.ndarray) -> list:
        return frame[column].to_numpy(dtype=object)[rows].tolist()

    rows = list(zip(
        of(sources, "publisher", at), of(sources, "title", at), [u or None for u in of(sources, "url", at)],
        [f or None for f in of(sources, "seed_file", at)],
        sources["published"].to_numpy(dtype="datetime64[D]")[at].astype(object).tolist(),
        of(claims, "quote", order), claims["preferred"].to_numpy(dtype=bool)[order].tolist(),
        day[order].astype(object).tolist(), of(claims, "status", order), strict=True))
    deal = deal[order]
    starts = np.flatnonzero(np.r_[True, deal[1:] != deal[:-1]]) if len(deal) else np.zeros(0, dtype=int)
    ends = np.r_[starts[1:], len(deal)]
    return {d: rows[a:b] for d, a, b in zip(deal[starts].tolist(), starts.tolist(), ends.tolist(), strict=True)}


def _add_orgs(graph: nx.MultiDiGraph, tables: Tables) -> None:
    orgs = tables.orgs
    graph.add_nodes_from(
        (oid, {"label": label, "types": [], "aliases": [], "parent": None, "iri": iri, "wikidata": None,
               "lei": None, "ticker": None})
        for iri, oid, label in zip(orgs["iri"].tolist(), orgs["id"].tolist(), orgs["label"].tolist(), strict=True))
    ids = dict(zip(orgs["iri"].tolist(), orgs["id"].tolist(), strict=True))
    nodes = graph.nodes
    for iri, code in zip(tables.org_types["iri"].tolist(), tables.org_types["code"].tolist(), strict=True):
        nodes[ids[iri]]["types"].append(code)
    fields = {_AIKG + "wikidataId": "wikidata", _AIKG + "lei": "lei", _AIKG + "ticker": "ticker"}
    props = tables.org_props
    for iri, prop, value in zip(props["iri"].tolist(), props["p"].tolist(), props["o"].tolist(), strict=True):
        node = nodes[ids[iri]]
        if prop == ns.SKOS + "altLabel":
            node["aliases"].append(value)
        elif prop == _AIKG + "parentOrganisation":
            node["parent"] = ids.get(value)
        else:
            node[fields[prop]] = value


# Which (giver role, taker role) pairs are legs, by role number (the order of Role, as the tables' rank).
_ROLES = list(Role)
_LEGS = np.array([[taker in COUNTER[giver] for taker in _ROLES] for giver in _ROLES])
_PARTNER, _VENTURE = _ROLES.index(Role.PARTNER), _ROLES.index(Role.VENTURE)


def _legs(tables: Tables, counted: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The legs of the counted deals, one row each, ordered by deal, giver and taker (parties in role
    order, then by id), with the counted claim's columns and the figures they use.

    Whom each party hands its flow to: the parties in its counter-role; partners of a joint venture
    deal with the venture, not with each other; partners of a partnership (no venture) deal with each
    other. A payer's own stated amount is its leg's figure (basis ``stated``); the deal's total is the
    leg's when one party pays exactly one other (``total``); otherwise the unstated remainder of the
    total is split equally among the money legs without a figure (``allocated_equal``, see
    :class:`Settings`).
    """
    row = pd.Index(counted["deal"]).get_indexer(tables.parties["deal"])  # the counted claim of each party's deal
    parties = tables.parties[row >= 0]
    row = row[row >= 0]
    # every ordered pair of parties of a deal (the parties are ordered by deal): giver i, taker j
    deal = parties["deal"].to_numpy(dtype=object)
    n = len(parties)
    starts = np.flatnonzero(np.r_[True, deal[1:] != deal[:-1]]) if n else np.zeros(0, dtype=np.int64)
    sizes = np.diff(np.r_[starts, n])
    group = np.repeat(np.arange(len(starts)), sizes)
    reps = sizes[group]
    i = np.repeat(np.arange(n), reps)
    j = np.repeat(starts[group], reps) + np.arange(len(i)) - np.repeat(np.cumsum(reps) - reps, reps)

    rank, gives = parties["rank"].to_numpy(dtype=np.int64), parties["gives"].to_numpy(dtype=object)
    venture = np.logical_or.reduceat(rank == _VENTURE, starts)[group] if n else np.zeros(0, dtype=bool)
    keep = ((i != j) & (gives[i] != Flow.NONE.value) & _LEGS[rank[i], rank[j]]
            & ~((rank[i] == _PARTNER) & (rank[j] == _PARTNER) & venture[i]))
    i, j = i[keep], j[keep]
    money = gives[i] == Flow.MONEY.value
    leg_group = group[i]
    money_legs = np.bincount(leg_group[money], minlength=len(starts))
    payers = np.add.reduceat(gives == Flow.MONEY.value, starts) if n else np.zeros(0, dtype=np.int64)

    legs = counted.iloc[row[i]].reset_index(drop=True)
    org = parties["org"].to_numpy(dtype=object)
    legs["org"], legs["org_to"], legs["gives"] = org[i], org[j], gives[i]
    legs["single"] = ((payers == 1) & (money_legs == 1))[leg_group]
    legs["with_money"] = (money_legs > 0)[leg_group]
    legs["first"] = np.r_[True, leg_group[1:] != leg_group[:-1]] if len(i) else np.zeros(0, dtype=bool)
    own, stake = _figures(tables, legs, np.where(money, org[i], org[j]), org[j], as_of)
    legs["own_value"], legs["own_min"], legs["own_max"] = own[:, 0], own[:, 1], own[:, 2]
    legs["taker_stake"] = stake
    return legs


def _figures(tables: Tables, legs: pd.DataFrame, payer: np.ndarray, taker: np.ndarray,
             as_of: dt.date) -> tuple[np.ndarray, np.ndarray]:
    """Each leg's payer's own stated amount (value, min, max) and its taker's stake, NaN where none.

    The counted claim's figure for the party if it states one; else the latest figure another claim of
    the deal, dated by ``as_of``, states for it: a round's closing report that gives only the total does
    not erase the per-investor amounts its announcement gave.
    """
    figures = tables.figures
    own, stake = np.full((len(legs), 3), np.nan), np.full(len(legs), np.nan)
    if not len(figures) or not len(legs):
        return own, stake
    dated = figures.merge(tables.claims[["claim", "date"]], on="claim", how="inner", sort=False)
    dated = dated[dated["date"].to_numpy() <= np.datetime64(as_of, "D")]
    columns = {"own": ["value_usd", "min_usd", "max_usd"], "stake": ["stake"]}
    for what, party, out in (("own", payer, own), ("stake", taker, stake)):
        stated = dated[dated[columns[what]].notna().any(axis=1).to_numpy()]
        latest = stated.sort_values(["deal", "org", "date", "claim"]).drop_duplicates(["deal", "org"], keep="last")
        values = [stated[columns[what]].to_numpy(dtype=float), latest[columns[what]].to_numpy(dtype=float)]
        exact = pd.MultiIndex.from_arrays([stated["deal"], stated["claim"], stated["org"]]).get_indexer(
            pd.MultiIndex.from_arrays([legs["deal"], legs["claim"], party]))
        other = pd.MultiIndex.from_arrays([latest["deal"], latest["org"]]).get_indexer(
            pd.MultiIndex.from_arrays([legs["deal"], party]))
        found = np.full((len(legs), len(columns[what])), np.nan)
        found[other >= 0] = values[1][other[other >= 0]]
        found[exact >= 0] = values[0][exact[exact >= 0]]
        out[...] = found if what == "own" else found[:, 0]
    return own, stake


# How a leg's amount was found (the ``basis`` of each leg; None for legs that carry no money).
STATED, TOTAL, ALLOCATED, UNDISCLOSED = "stated", "total", "allocated_equal", "undisclosed"


def folded(deals: dict[str, dict]) -> dict[str, str]:
    """Deal → the counted whole of the same category it is part of, when that whole has a known amount: a
    tranche inside its round. Its legs stay in the graph (marked ``folded_into``) but the leg table the
    metrics read leaves them out, so each dollar counts once. A part of another category (a compute
    contract inside an infrastructure programme) is money of its own and is not folded.

    >>> folded({"r": {"kind": "funding_round", "amount_usd": 40.0, "part_of": None},
    ...         "t": {"kind": "funding_round", "amount_usd": 10.0, "part_of": "r"},
    ...         "c": {"kind": "compute_commitment", "amount_usd": 5.0, "part_of": "r"}})
    {'t': 'r'}
    """
    out = {}
    for deal, info in deals.items():
        seen, whole = {deal}, info.get("part_of")
        while whole in deals and whole not in seen:
            record = deals[whole]
            same = CATEGORY[DealKind(record["kind"])] == CATEGORY[DealKind(info["kind"])]
            if same and record["amount_usd"] is not None:
                out[deal] = whole
            seen.add(whole)
            whole = record.get("part_of")
    return out


def _add_legs(graph: nx.MultiDiGraph, legs: pd.DataFrame, settings: Settings, folds: dict[str, str]) -> None:
    own = legs[["own_value", "own_min", "own_max"]].to_numpy(dtype=float)
    claimed = legs[["value_usd", "min_usd", "max_usd"]].to_numpy(dtype=float)
    flow = legs["gives"].to_numpy(dtype=object)
    money = flow == Flow.MONEY.value
    has_own = ~np.isnan(own).all(axis=1)
    single = legs["single"].to_numpy(dtype=bool)
    usd = np.where(has_own[:, None], own, np.where(single[:, None], claimed, np.nan))
    basis = np.where(has_own, STATED, np.where(single, TOTAL, UNDISCLOSED)).astype(object)
    if settings.allocate:
        share = _equal_shares(legs, own, claimed, money & ~has_own & ~single, money & has_own)
        take = ~np.isnan(share).all(axis=1)
        usd[take], basis[take] = share[take], ALLOCATED
        # what comes back for an allocated payment (the investor's equity) carries the same figure
        mirror = _mirror(legs, money)
        back = ~money & ~has_own & (mirror >= 0)
        back[back] = take[mirror[back]]
        usd[back], basis[back] = usd[mirror[back]], ALLOCATED
    basis[~money & np.isnan(usd).all(axis=1)] = None
    value, low, high = usd[:, 0], usd[:, 1], usd[:, 2]
    stated = ~np.isnan(value)
    stake = np.where(flow == Flow.EQUITY.value, legs["taker_stake"].to_numpy(dtype=float), np.nan)
    deals, kinds = legs["deal"].tolist(), legs["kind"].tolist()
    category = {kind.value: CATEGORY[kind] for kind in DealKind}
    claim_approximate = legs["approximate"].to_numpy(dtype=bool)
    approximate = claim_approximate | (~stated & (np.isnan(low) != np.isnan(high)))
    undisclosed = legs["undisclosed"].to_numpy(dtype=bool) | np.isnan(usd).all(axis=1)
    primary = np.where(legs["with_money"].to_numpy(), money, legs["first"].to_numpy())
    givers, takers = legs["org"].to_numpy(dtype=object), legs["org_to"].to_numpy(dtype=object)
    dates = _dates(legs["date"])
    keys = [f"{deal}:{giver}:{taker}:{f}" for deal, giver, taker, f in zip(deals, givers, takers, flow, strict=True)]
    amount = picked(value, low, high, settings.ranges, claim_approximate)
    data = np.empty(len(keys), dtype=object)
    data[:] = [
        {"deal": deal, "deal_iri": ns.record("deal", deal), "title": title, "kind": kind, "category": category[kind],
         "flow": flow, "primary": first, "status": status, "evidence": evidence, "date": day, "amount_usd": a,
         "amount_min_usd": lo, "amount_max_usd": hi, "approximate": approx, "undisclosed": und, "basis": how,
         "native_amount": native, "stake": stake_, "in_cycle": False, "folded_into": folds.get(deal)}
        for deal, title, kind, flow, first, status, evidence, day, a, lo, hi, approx, und, how, native, stake_
        in zip(deals, legs["title"].tolist(), kinds, flow.tolist(), primary.tolist(), legs["status"].tolist(),
               legs["evidence"].tolist(), dates, _none(amount), _none(np.where(stated, value, low)),
               _none(np.where(stated, value, high)), approximate.tolist(), undisclosed.tolist(), basis.tolist(),
               _texts(legs["native"]), _none(stake), strict=True)]
    add_edges(graph, zip(givers.tolist(), takers.tolist(), keys, data.tolist(), strict=True))
    # the metrics' table of these legs, from the same columns instead of read back out of the graph
    status = legs["status"].to_numpy(dtype=object)
    rows = pd.DataFrame({"giver": texts(givers), "taker": texts(takers), "key": texts(keys), "deal": texts(deals),
                         "kind": texts(kinds), "flow": texts(flow), "status": texts(status),
                         "date": texts(dates), "amount_usd": amount, "stake": stake, "basis": texts(basis),
                         "folded": np.array([deal in folds for deal in deals], dtype=bool), "data": texts(data)})
    keep_leg_rows(graph, rows.iloc[edge_order(givers, takers, list(graph))].reset_index(drop=True))


def _mirror(legs: pd.DataFrame, money: np.ndarray) -> np.ndarray:
    """For each leg, the row of the money leg of the same deal that runs the other way (-1 if none)."""
    if not len(legs):
        return np.zeros(0, dtype=int)
    # (deal, giver, taker) and (deal, taker, giver) as integers: hashing numbers beats hashing tuples of text
    deal, _ = pd.factorize(legs["deal"])
    ends, _ = pd.factorize(np.concatenate([legs["org"].to_numpy(dtype=object), legs["org_to"].to_numpy(dtype=object)]))
    giver, taker, n = ends[: len(legs)].astype(np.int64), ends[len(legs):].astype(np.int64), int(ends.max()) + 1
    pairs, _ = pd.factorize(np.concatenate([giver * n + taker, taker * n + giver]))
    width = int(pairs.max()) + 1
    forward, backward = deal * width + pairs[: len(legs)], deal * width + pairs[len(legs):]
    found = pd.Index(forward[money]).get_indexer(backward)
    return np.where(found >= 0, np.flatnonzero(money)[found], -1)


def _equal_shares(legs: pd.DataFrame, own: np.ndarray, claimed: np.ndarray, open_: np.ndarray,
                  stated: np.ndarray) -> np.ndarray:
    """(value, min, max) of each open money leg's equal share of what its deal's total leaves after the
    parties' stated figures; NaN where the total is undisclosed or nothing is left.

    When the total and every stated figure are points, the share is a point: (total - stated) / n.
    Otherwise the share is a range, by interval arithmetic over the n open legs: its low is the total's
    low less the stated figures' highs, its high the total's high less their lows (a stated "up to x"
    is 0 to x; an "over x" counts x as its high, its only figure). A total without a low ("up to")
    leaves shares without a low, one without a high ("over") shares without a high.
    """
    out = np.full((len(legs), 3), np.nan)
    if not open_.any():
        return out
    codes, uniques = pd.factorize(legs["deal"].to_numpy(dtype=object))
    n = np.bincount(codes[open_], minlength=len(uniques)).astype(float)[codes]

    def first(*columns: np.ndarray) -> np.ndarray:
        found = columns[0]
        for column in columns[1:]:
            found = np.where(np.isnan(found), column, found)
        return found

    def spent(values: np.ndarray) -> np.ndarray:
        return np.bincount(codes[stated], weights=values[stated], minlength=len(uniques))[codes]

    own_low = first(own[:, 0], own[:, 1], np.zeros(len(legs)))
    own_high = first(own[:, 0], own[:, 2], own[:, 1])
    points = spent(np.isnan(own[:, 0]).astype(float)) == 0
    with np.errstate(divide="ignore", invalid="ignore"):  # deals without open legs: no share
        point = (claimed[:, 0] - spent(own_low)) / n
        low = (first(claimed[:, 0], claimed[:, 1]) - spent(np.nan_to_num(own_high))) / n
        high = (first(claimed[:, 0], claimed[:, 2]) - spent(own_low)) / n
    is_point = ~np.isnan(claimed[:, 0]) & points
    out[:, 0] = np.where(is_point & (point > 0), point, np.nan)
    out[:, 1] = np.where(~is_point & (low > 0), low, np.nan)
    out[:, 2] = np.where(~is_point & (high > 0), high, np.nan)
    out[~open_] = np.nan
    return out


