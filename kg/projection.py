"""RDF → NetworkX: one edge per deal leg, and an aggregated graph of money flows.

A *leg* is one party handing something to another in a deal: in an equity investment the
investor hands money to the investee and the investee hands equity back; in a compute
commitment the customer hands money to the provider and the provider hands compute back.
Which claim of a deal counts is decided per deal *as of* a date: among the claims dated on or
before it, the preferred claim if there is one, else the latest. The deal counts if that claim's
status is among ``statuses``; ranges ("up to", "over") become one figure by ``ranges``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import networkx as nx

from kg import namespaces as ns
from kg.store import Store
from kg.vocab import DealKind, Flow, Role, Status

Ranges = Literal["min", "max", "midpoint"]
DEFAULT_STATUSES = frozenset({Status.ANNOUNCED, Status.COMMITTED, Status.CLOSED, Status.IN_PROGRESS})
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
    """What a projection counts; stated in every result built on it."""

    as_of: dt.date = field(default_factory=dt.date.today)
    statuses: frozenset[Status] = DEFAULT_STATUSES
    ranges: Ranges = "midpoint"

    @classmethod
    def of(cls, as_of: dt.date | str | None = None, statuses: Iterable[str | Status] | None = None,
           ranges: Ranges = "midpoint") -> Settings:
        if ranges not in ("min", "max", "midpoint"):
            raise ValueError(f"ranges must be min, max or midpoint, got {ranges!r}")
        day = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else (as_of or dt.date.today())
        chosen = DEFAULT_STATUSES if statuses is None else frozenset(Status(s) for s in statuses)
        return cls(day, chosen, ranges)

    def describe(self) -> dict[str, object]:
        return {"as_of": self.as_of.isoformat(), "statuses": sorted(s.value for s in self.statuses),
                "ranges": self.ranges}


def pick(value: float | None, low: float | None, high: float | None, ranges: Ranges) -> float | None:
    """One figure from a point or a range: "up to" has only ``high``, "over" only ``low``."""
    if value is not None:
        return value
    if low is not None and high is not None:
        return {"min": low, "max": high, "midpoint": (low + high) / 2}[ranges]
    return low if low is not None else high


_P = "PREFIX aikg: <https://w3id.org/aikg/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> " \
     "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX schema: <https://schema.org/> " \
     "PREFIX dcterms: <http://purl.org/dc/terms/> "
# Flat star patterns read as CSV text (store.table) and pivoted in Python: Oxigraph answers these
# fast, where one query with nested OPTIONALs over every claim, read term by term, was far slower.
ORGS = _P + "SELECT ?org ?id ?label WHERE { ?org a aikg:Organisation ; aikg:recordId ?id ; rdfs:label ?label }"
ORG_TYPES = _P + "SELECT ?org ?code WHERE { ?org a aikg:Organisation , ?cls . ?cls aikg:code ?code }"
ORG_PROPS = _P + """
SELECT ?org ?p ?o WHERE { ?org a aikg:Organisation ; ?p ?o .
  VALUES ?p { skos:altLabel aikg:parentOrganisation aikg:wikidataId aikg:lei aikg:ticker } }"""
DEALS = _P + """
SELECT ?d ?deal ?kind ?title WHERE { ?d a aikg:Deal ; aikg:recordId ?deal ; aikg:dealKind ?kind ; rdfs:label ?title }"""
CLAIMS = _P + "SELECT ?d ?c ?p ?o WHERE { ?d a aikg:Deal ; aikg:hasClaim ?c . ?c ?p ?o }"
SOURCES = _P + "SELECT ?s ?p ?o WHERE { ?s a aikg:SourceDocument ; ?p ?o }"
AMOUNTS = _P + "SELECT ?s ?p ?o WHERE { ?s aikg:amount ?a . ?a ?p ?o }"
PARTIES = _P + "SELECT ?d ?s ?p ?o WHERE { ?d a aikg:Deal ; aikg:hasParticipation ?s . ?s ?p ?o }"
FIGURES = _P + """
SELECT ?c ?figure ?part WHERE { ?c aikg:statesParticipation ?figure . ?figure aikg:participation ?part }"""
STAKES = _P + "SELECT ?s ?p ?o WHERE { ?s aikg:stake ?x . ?x ?p ?o }"
_SCHEMA, _AIKG, _DC = "https://schema.org/", "https://w3id.org/aikg/ontology#", "http://purl.org/dc/terms/"


def _f(value: object) -> float | None:
    return None if value is None or value == "" else float(value)  # type: ignore[arg-type]


def _pivot(store: Store, text: str) -> dict[str, dict[str, str]]:
    """A (subject, property, value) star as subject → {property IRI: value text}."""
    frame = store.table(text)
    table: dict[str, dict[str, str]] = defaultdict(dict)
    for subject, prop, value in zip(frame.iloc[:, -3], frame.iloc[:, -2], frame.iloc[:, -1], strict=True):
        table[subject][prop] = value
    return table


def _usd(amount: dict[str, str]) -> tuple[float | None, float | None, float | None]:
    value, low, high = (_f(amount.get(_AIKG + k)) for k in ("valueUSD", "minValueUSD", "maxValueUSD"))
    return value, low, high


def _true(value: str | None) -> bool:
    return value in ("true", "1")


@dataclass
class _Claim:
    iri: str
    date: dt.date
    status: Status
    evidence: str
    preferred: bool
    usd: tuple[float | None, float | None, float | None]
    native: str | None
    approximate: bool
    undisclosed: bool
    source: dict[str, object]


def _native(amount: dict[str, str]) -> str | None:
    """The native figure as text (e.g. "EUR 1.3B") when the amount is not in USD."""
    cur = amount.get(_SCHEMA + "currency")
    if cur is None or cur == "USD":
        return None
    parts = [f"{float(x) / 1e9:g}B" for x in (amount.get(_SCHEMA + k) for k in ("value", "minValue", "maxValue"))
             if x]
    return f"{cur} {'–'.join(parts)}" if parts else None


def _effective(claims: list[_Claim], as_of: dt.date) -> _Claim | None:
    """The claim that speaks for the deal on ``as_of``: the preferred one if dated by then, else the latest."""
    known = [c for c in claims if c.date <= as_of]
    if not known:
        return None
    preferred = [c for c in known if c.preferred]
    return preferred[0] if preferred else max(known, key=lambda c: (c.date, c.iri))


def deal_legs(store: Store, settings: Settings | None = None) -> nx.MultiDiGraph:
    """One edge per deal leg that counts under ``settings`` (see the module docstring).

    Nodes are organisation ids with ``label``, ``types``, ``aliases``, ``parent``, ``iri``,
    ``wikidata``, ``lei``, ``ticker``. Edge attributes: ``deal``, ``deal_iri``, ``title``, ``kind``,
    ``category``, ``flow``, ``primary``, ``status``, ``evidence``, ``date``, ``amount_usd``,
    ``amount_min_usd``, ``amount_max_usd``, ``approximate``, ``undisclosed``, ``native_amount``,
    ``stake``, ``in_cycle`` and ``sources``. ``G.graph["settings"]`` states what was counted and
    ``G.graph["deals"]`` holds each counted deal's own figures (kind, title, status, date, total
    amount as the counted claim states it).
    """
    settings = settings or Settings()
    graph = nx.MultiDiGraph(settings=settings.describe(), cycles=[], deals={})
    _add_orgs(graph, store)
    sources, amounts, stakes = _pivot(store, SOURCES), _pivot(store, AMOUNTS), _pivot(store, STAKES)
    deals = store.table(DEALS)
    meta = {d: (deal, DealKind(kind), title)
            for d, deal, kind, title in zip(deals.d, deals.deal, deals.kind, deals.title, strict=True)}
    claims: dict[str, list[_Claim]] = defaultdict(list)
    for iri, props in _pivot(store, CLAIMS).items():
        deal_iri = iri.rsplit("/claim/", 1)[0]
        if deal_iri not in meta:
            continue
        amount, src = amounts.get(iri, {}), sources[props[_AIKG + "source"]]
        status = ns.local_id(props[_AIKG + "status"])
        day, preferred = dt.date.fromisoformat(props[_AIKG + "claimDate"]), _true(props.get(_AIKG + "isPreferred"))
        claims[meta[deal_iri][0]].append(_Claim(
            iri=iri, date=day, status=Status(status), evidence=ns.local_id(props[_AIKG + "evidence"]),
            preferred=preferred, usd=_usd(amount), native=_native(amount),
            approximate=_true(amount.get(_AIKG + "isApproximate")),
            undisclosed=_true(amount.get(_AIKG + "isUndisclosed")),
            source={"publisher": src.get(_AIKG + "publisherName"), "title": src.get(_DC + "title"),
                    "url": src.get(_AIKG + "url") or None, "seed_file": src.get(_AIKG + "seedFile") or None,
                    "published": dt.date.fromisoformat(src[_DC + "issued"]), "quote": props[_AIKG + "quote"],
                    "preferred": preferred, "claim_date": day, "status": status}))
    parties: dict[str, dict[str, dict[str, object]]] = defaultdict(dict)
    org_of: dict[str, tuple[str, str]] = {}
    for part, props in _pivot(store, PARTIES).items():
        deal, org = meta[part.rsplit("/party/", 1)[0]][0], ns.local_id(props[_AIKG + "party"])
        org_of[part] = (deal, org)
        parties[deal][org] = {"role": Role(ns.local_id(props[_AIKG + "role"])),
                              "gives": Flow(ns.local_id(props[_AIKG + "gives"])),
                              "lead": _true(props.get(_AIKG + "isLead"))}
    figures: dict[tuple[str, str, str], tuple] = {}
    found = store.table(FIGURES)
    for claim_iri, figure, part in zip(found.get("c", []), found.get("figure", []), found.get("part", []), strict=True):
        deal, org = org_of[part]
        stake = stakes.get(figure, {})
        stake_value = next(
            (_f(stake[_SCHEMA + k]) for k in ("value", "maxValue", "minValue") if stake.get(_SCHEMA + k)), None)
        figures[(deal, claim_iri, org)] = (*_usd(amounts.get(figure, {})), stake_value)
    meta_by_id = {deal: (kind, title) for deal, kind, title in meta.values()}
    for deal, deal_claims in claims.items():
        claim = _effective(deal_claims, settings.as_of)
        if claim is None or claim.status not in settings.statuses:
            continue
        kind, title = meta_by_id[deal]
        value, low, high = claim.usd
        graph.graph["deals"][deal] = {
            "kind": kind.value, "title": title, "status": claim.status.value, "date": claim.date,
            "evidence": claim.evidence, "amount_usd": pick(value, low, high, settings.ranges),
            "amount_min_usd": low if value is None else value, "amount_max_usd": high if value is None else value,
            "is_range": value is None and (low is not None or high is not None), "undisclosed": claim.undisclosed,
            "native_amount": claim.native, "claim": claim.iri}
        sources = [c.source for c in sorted(deal_claims, key=lambda c: c.date)]
        _add_legs(graph, deal, kind, title, claim, parties[deal], figures, sources, settings.ranges)
    return graph


def _add_orgs(graph: nx.MultiDiGraph, store: Store) -> None:
    orgs = store.table(ORGS)
    for iri, oid, label in zip(orgs.org, orgs.id, orgs.label, strict=True):
        graph.add_node(oid, label=label, types=[], aliases=[], parent=None, iri=iri, wikidata=None, lei=None,
                       ticker=None)
    ids = dict(zip(orgs.org, orgs.id, strict=True))
    types = store.table(ORG_TYPES)
    for iri, code in zip(types.get("org", []), types.get("code", []), strict=True):
        graph.nodes[ids[iri]]["types"].append(code)
    fields = {_AIKG + "wikidataId": "wikidata", _AIKG + "lei": "lei", _AIKG + "ticker": "ticker"}
    props = store.table(ORG_PROPS)
    for iri, prop, value in zip(props.get("org", []), props.get("p", []), props.get("o", []), strict=True):
        node = graph.nodes[ids[iri]]
        if prop == ns.SKOS + "altLabel":
            node["aliases"].append(value)
        elif prop == _AIKG + "parentOrganisation":
            node["parent"] = ids.get(value)
        else:
            node[fields[prop]] = value


def _counterparts(parties: dict[str, dict[str, object]]) -> dict[str, list[str]]:
    """Whom each party hands its flow to: the parties in its counter-role.

    Partners of a joint venture deal with the venture, not with each other; partners of a
    partnership (no venture) deal with each other.
    """
    has_venture = any(p["role"] is Role.VENTURE for p in parties.values())
    pairs: dict[str, list[str]] = {}
    for giver, p in parties.items():
        if p["gives"] is Flow.NONE:
            continue
        roles = (Role.VENTURE,) if p["role"] is Role.PARTNER and has_venture else COUNTER[p["role"]]  # type: ignore[index]
        pairs[giver] = [t for t, q in parties.items() if t != giver and q["role"] in roles]
    return pairs


def _add_legs(graph: nx.MultiDiGraph, deal: str, kind: DealKind, title: str, claim: _Claim,
              parties: dict[str, dict[str, object]], figures: dict, sources: list, ranges: Ranges) -> None:
    pairs = _counterparts(parties)
    payers = [o for o, p in parties.items() if p["gives"] is Flow.MONEY]
    # The deal's total belongs to a leg only when one party pays exactly one other.
    single = len(payers) == 1 and len(pairs[payers[0]]) == 1
    legs = []
    for giver, takers in pairs.items():
        flow = parties[giver]["gives"]
        for taker in takers:
            payer = giver if flow is Flow.MONEY else taker
            own = figures.get((deal, claim.iri, payer))
            if own and any(x is not None for x in own[:3]):
                usd = own[:3]  # the payer's own stated amount
            else:
                usd = claim.usd if single else (None, None, None)
            stake = (figures.get((deal, claim.iri, taker)) or (None,) * 4)[3] if flow is Flow.EQUITY else None
            legs.append((giver, taker, flow, usd, stake))
    has_money = any(flow is Flow.MONEY for _, _, flow, _, _ in legs)
    for i, (giver, taker, flow, usd, stake) in enumerate(legs):
        value, low, high = usd
        graph.add_edge(
            giver, taker, key=f"{deal}:{giver}:{taker}:{flow.value}",
            deal=deal, deal_iri=ns.record("deal", deal), title=title, kind=kind.value, category=CATEGORY[kind],
            flow=flow.value, primary=(flow is Flow.MONEY) if has_money else i == 0, status=claim.status.value,
            evidence=claim.evidence, date=claim.date, amount_usd=pick(value, low, high, ranges),
            amount_min_usd=low if value is None else value, amount_max_usd=high if value is None else value,
            approximate=claim.approximate or (value is None and (low is None) != (high is None)),
            undisclosed=claim.undisclosed or all(x is None for x in usd), native_amount=claim.native,
            stake=stake, in_cycle=False, sources=sources)


def money_flows(legs: nx.MultiDiGraph) -> nx.DiGraph:
    """Aggregate the money legs into one weighted edge per ordered pair.

    Edge attributes: ``amount`` (sum of known USD amounts), ``deals`` (deal ids), ``undisclosed``
    (legs without a figure). Node attributes are copied from ``legs``.
    """
    flows = nx.DiGraph(settings=legs.graph.get("settings", {}))
    flows.add_nodes_from(legs.nodes(data=True))
    for u, v, data in legs.edges(data=True):
        if data["flow"] != Flow.MONEY.value:
            continue
        if not flows.has_edge(u, v):
            flows.add_edge(u, v, amount=0.0, deals=[], undisclosed=0)
        edge = flows[u][v]
        edge["deals"].append(data["deal"])
        if data["amount_usd"] is None:
            edge["undisclosed"] += 1
        else:
            edge["amount"] += data["amount_usd"]
    return flows


def consolidate(legs: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Legs between corporate groups: each subsidiary merged into its ultimate parent (AWS into Amazon).

    Legs inside one group are dropped; node attributes are the parent's, with ``members`` listing
    who was merged in. Money paid to AWS is then money that comes back to Amazon.
    """
    def top(node: str) -> str:
        seen = {node}
        while (parent := legs.nodes[node].get("parent")) and parent in legs and parent not in seen:
            node = parent
            seen.add(node)
        return node

    group = {n: top(n) for n in legs}
    merged = nx.MultiDiGraph(**legs.graph)
    for node in legs:
        if group[node] == node:
            merged.add_node(node, **legs.nodes[node], members=sorted(m for m, g in group.items() if g == node))
    for u, v, key, data in legs.edges(keys=True, data=True):
        if group[u] != group[v]:
            merged.add_edge(group[u], group[v], key=key, **data)
    return merged

