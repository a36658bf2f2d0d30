"""The projection's tables and their cache: the vectorised projection equals a straightforward one.

The reference reads every triple of the store into Python dicts and follows each deal claim by
claim and party by party, as the projection is specified in :mod:`kg.projection.legs`.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pytest
from minidata import mini, write_dataset

import kg
from kg.projection import tables as projection_tables
from kg.projection.aggregate import leg_table
from kg.projection.legs import CATEGORY, COUNTER, Settings, deal_legs, pick
from kg.rdf import namespaces as ns
from kg.records.vocab import DealKind, Flow, Role, Status
from kg.store import EmbeddedStore, RemoteStore

A, RDF_TYPE, RDFS_LABEL = ns.ONTOLOGY, ns.RDF + "type", ns.RDFS + "label"


def _data() -> dict:
    data = mini()
    data["entities"]["orgs.yaml"] += [
        {"id": "delta-jv", "name": "Delta JV", "types": ["joint_venture"]},
        {"id": "epsilon-fund", "name": "Epsilon Fund", "types": ["investment_firm", "sovereign_fund"],
         "lei": "5493001KJTIIGC8Y1R12"},
    ]
    data["deals"]["deals.yaml"] += [
        {"id": "delta-venture", "kind": "joint_venture", "title": "Alpha and Beta found Delta",
         "parties": [{"org": "alpha-lab", "role": "partner"}, {"org": "beta-cloud", "role": "partner", "lead": True},
                     {"org": "delta-jv", "role": "venture"}],
         "claims": [{"source": "wire-1", "quote": "A $3 billion venture.", "date": "2025-02-01", "status": "announced",
                     "amount": {"value": 3e9, "currency": "USD"},
                     "participations": {"alpha-lab": {"amount": {"value": 1e9, "currency": "USD"}},
                                        "beta-cloud": {"amount": {"min": 1.5e9, "max": 2.5e9, "currency": "USD"}}}}]},
        {"id": "alpha-gamma-partnership", "kind": "partnership", "title": "Alpha and Gamma partner",
         "parties": [{"org": "gamma-chips", "role": "partner", "gives": "services"},
                     {"org": "alpha-lab", "role": "partner", "gives": "services"}],
         "claims": [{"source": "wire-2", "quote": "They will work together.", "date": "2025-04-01",
                     "status": "announced", "amount": {"undisclosed": True}}]},
        {"id": "alpha-round", "kind": "funding_round", "title": "Alpha raises a round",
         "parties": [{"org": "epsilon-fund", "role": "investor"}, {"org": "beta-cloud", "role": "investor"},
                     {"org": "alpha-lab", "role": "investee"}],
         "claims": [
             {"source": "wire-1", "quote": "Around €1–2 billion.", "date": "2025-03-01", "status": "rumoured",
              "amount": {"min": 1e9, "max": 2e9, "currency": "EUR", "approximate": True}},
             {"source": "wire-2", "quote": "Epsilon put in $500 million for 10%.", "date": "2025-03-01",
              "status": "closed", "preferred": True, "preferred_reason": "the filing",
              "amount": {"min": 1e9, "currency": "USD"},
              "participations": {"epsilon-fund": {"amount": {"value": 5e8, "currency": "USD"},
                                                  "stake": {"value": 0.1, "unit": "fraction"}}}},
         ]},
        {"id": "alpha-round-2", "kind": "funding_round", "title": "Alpha's second round, announced then closed",
         "parties": [{"org": "epsilon-fund", "role": "investor"}, {"org": "beta-cloud", "role": "investor"},
                     {"org": "gamma-chips", "role": "investor"}, {"org": "alpha-lab", "role": "investee"}],
         "claims": [
             {"source": "wire-1", "quote": "Epsilon leads with up to $3 billion.", "date": "2025-04-01",
              "status": "announced", "amount": {"value": 5e9, "currency": "USD"},
              "participations": {"epsilon-fund": {"amount": {"max": 3e9, "currency": "USD"}}}},
             {"source": "wire-2", "quote": "The round closed at $6 billion.", "date": "2025-05-01",
              "status": "closed", "preferred": True, "preferred_reason": "the close",
              "amount": {"value": 6e9, "currency": "USD"}},
         ]},
        {"id": "alpha-round-2-tranche", "kind": "funding_round", "title": "Epsilon's first tranche",
         "part_of": "alpha-round-2",
         "parties": [{"org": "epsilon-fund", "role": "investor"}, {"org": "alpha-lab", "role": "investee"}],
         "claims": [{"source": "wire-2", "quote": "Epsilon paid in $1 billion.", "date": "2025-05-02",
                     "status": "closed", "amount": {"value": 1e9, "currency": "USD"}}]},
        {"id": "gamma-beta-cancelled", "kind": "chip_supply", "title": "Gamma to supply Beta",
         "parties": [{"org": "beta-cloud", "role": "customer"}, {"org": "gamma-chips", "role": "provider"}],
         "claims": [{"source": "wire-1", "quote": "Up to $2 billion of chips.", "date": "2025-01-15",
                     "status": "cancelled", "amount": {"max": 2e9, "currency": "USD"}}]},
    ]
    return data


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    root = tmp_path_factory.mktemp("tables")
    return kg.load(write_dataset(root / "data", _data()), root / "out")


# --- the reference ----------------------------------------------------------------------------


def _float(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]


def reference_legs(store: EmbeddedStore, settings: Settings) -> nx.MultiDiGraph:
    """The projection, read triple by triple and built deal by deal."""
    props: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }").rows:
        props[s][p].append(o)

    def one(s: str, p: str) -> object:
        return (props.get(s, {}).get(p) or [None])[0]

    def of_type(cls: str) -> list[str]:
        return [s for s in list(props) if cls in props[s].get(RDF_TYPE, [])]

    def usd(amount: str | None) -> tuple[float | None, float | None, float | None]:
        return tuple(_float(one(amount, A + k)) if amount else None  # type: ignore[return-value]
                     for k in ("valueUSD", "minValueUSD", "maxValueUSD"))

    graph = nx.MultiDiGraph(settings=settings.describe(), cycles=[], deals={})
    org_ids = {org: one(org, A + "recordId") for org in of_type(A + "Organisation")}
    for org, oid in org_ids.items():
        codes = [one(cls, A + "code") for cls in props[org][RDF_TYPE] if one(cls, A + "code")]
        parent = org_ids.get(one(org, A + "parentOrganisation"))  # type: ignore[arg-type]
        graph.add_node(oid, label=one(org, RDFS_LABEL), types=sorted(codes),
                       aliases=sorted(props[org][ns.SKOS + "altLabel"]), parent=parent, iri=org,
                       wikidata=one(org, A + "wikidataId"), lei=one(org, A + "lei"), ticker=one(org, A + "ticker"))
    rank = {role.value: i for i, role in enumerate(Role)}
    for d in sorted(of_type(A + "Deal")):
        deal, kind, title = one(d, A + "recordId"), DealKind(one(d, A + "dealKind")), one(d, RDFS_LABEL)
        claims = []
        for c in props[d][A + "hasClaim"]:
            src, amount = one(c, A + "source"), one(c, A + "amount")
            cur = one(amount, ns.SCHEMA + "currency") if amount else None
            stated = [one(amount, ns.SCHEMA + k) for k in ("value", "minValue", "maxValue")]
            native = [f"{float(x) / 1e9:g}B" for x in stated if x is not None] if cur not in (None, "USD") else []
            claims.append({
                "iri": c, "date": one(c, A + "claimDate"), "status": ns.local_id(one(c, A + "status")),
                "evidence": ns.local_id(one(c, A + "evidence")), "preferred": one(c, A + "isPreferred") is True,
                "usd": usd(amount), "native": f"{cur} {'–'.join(native)}" if native else None,
                "approximate": bool(amount and one(amount, A + "isApproximate")),
                "undisclosed": bool(amount and one(amount, A + "isUndisclosed")),
                "source": {"publisher": one(src, A + "publisherName"), "title": one(src, ns.DCTERMS + "title"),
                           "url": one(src, A + "url"), "seed_file": one(src, A + "seedFile"),
                           "published": one(src, ns.DCTERMS + "issued"), "quote": one(c, A + "quote"),
                           "preferred": one(c, A + "isPreferred") is True, "claim_date": one(c, A + "claimDate"),
                           "status": ns.local_id(one(c, A + "status"))}})
        known = [c for c in claims if c["date"] <= settings.as_of]
        if not known:
            continue
        preferred = [c for c in known if c["preferred"]]
        claim = preferred[0] if preferred else max(known, key=lambda c: (c["date"], c["iri"]))
        if Status(claim["status"]) not in settings.statuses:
            continue
        value, low, high = claim["usd"]
        part_of = one(d, A + "partOf")
        amount = pick(value, low, high, settings.ranges, claim["approximate"])
        graph.graph["deals"][deal] = {
            "kind": kind.value, "title": title, "status": claim["status"], "date": claim["date"],
            "evidence": claim["evidence"], "amount_usd": amount,
            "amount_min_usd": low if value is None else value, "amount_max_usd": high if value is None else value,
            "is_range": value is None and (low is not None or high is not None),
            "approximate": claim["approximate"], "undisclosed": claim["undisclosed"] or amount is None,
            "native_amount": claim["native"], "claim": claim["iri"],
            "part_of": None if part_of is None else one(part_of, A + "recordId"),
            "sources": [c["source"] for c in sorted(claims, key=lambda c: (c["date"], c["iri"]))]}
        parties = {}
        for part in props[d][A + "hasParticipation"]:
            parties[ns.local_id(one(part, A + "party"))] = (Role(ns.local_id(one(part, A + "role"))),
                                                            Flow(ns.local_id(one(part, A + "gives"))))
        order = sorted(parties, key=lambda o: (rank[parties[o][0].value], o))
        figures: dict[str, list] = {}  # org -> [value, min, max, stake]: the counted claim's, else the latest
        for other in sorted(known, key=lambda c: (c["iri"] == claim["iri"], c["date"], c["iri"])):
            for f in props[other["iri"]][A + "statesParticipation"]:
                stake = one(f, A + "stake")
                stake_value = next((_float(one(stake, ns.SCHEMA + k)) for k in ("value", "maxValue", "minValue")
                                    if stake and one(stake, ns.SCHEMA + k) is not None), None)
                org = ns.local_id(one(one(f, A + "participation"), A + "party"))  # type: ignore[arg-type]
                entry = figures.setdefault(org, [None, None, None, None])
                amount_ = usd(one(f, A + "amount"))
                if any(x is not None for x in amount_):
                    entry[:3] = amount_
                if stake_value is not None:
                    entry[3] = stake_value
        venture = any(role is Role.VENTURE for role, _ in parties.values())
        pairs = {}
        for giver in order:
            role, gives = parties[giver]
            if gives is not Flow.NONE:
                roles = (Role.VENTURE,) if role is Role.PARTNER and venture else COUNTER[role]
                pairs[giver] = [t for t in order if t != giver and parties[t][0] in roles]
        payers = [o for o in order if parties[o][1] is Flow.MONEY]
        single = len(payers) == 1 and len(pairs[payers[0]]) == 1
        legs = []
        for giver, takers in pairs.items():
            flow = parties[giver][1]
            for taker in takers:
                own = figures.get(giver if flow is Flow.MONEY else taker)
                if own and any(x is not None for x in own[:3]):
                    figure, basis = own[:3], "stated"
                elif single:
                    figure, basis = claim["usd"], "total"
                else:
                    figure, basis = (None, None, None), "undisclosed"
                stake = (figures.get(taker) or (None,) * 4)[3] if flow is Flow.EQUITY else None
                legs.append([giver, taker, flow, figure, stake, basis])
        if settings.allocate:  # the unstated remainder of the total, split equally among the open money legs
            money = [leg for leg in legs if leg[2] is Flow.MONEY]
            open_legs = [leg for leg in money if leg[5] == "undisclosed"]
            stated = [leg for leg in money if leg[5] == "stated"]
            if open_legs:
                def first(*xs: float | None) -> float | None:
                    return next((x for x in xs if x is not None), None)

                lows = [first(leg[3][0], leg[3][1], 0.0) for leg in stated]
                highs = [first(leg[3][0], leg[3][2], leg[3][1]) or 0.0 for leg in stated]
                n = len(open_legs)
                if value is not None and all(leg[3][0] is not None for leg in stated):
                    share = (value - sum(lows)) / n
                    each = (share if share > 0 else None, None, None)
                else:
                    total_low, total_high = first(value, low), first(value, high)
                    share_low = None if total_low is None else (total_low - sum(highs)) / n
                    share_high = None if total_high is None else (total_high - sum(lows)) / n
                    each = (None, share_low if share_low is not None and share_low > 0 else None,
                            share_high if share_high is not None and share_high > 0 else None)
                if any(x is not None for x in each):
                    for leg in open_legs:
                        leg[3], leg[5] = each, "allocated_equal"
                    paid = {(leg[0], leg[1]): leg for leg in open_legs}
                    for leg in legs:  # what comes back for an allocated payment carries its figure
                        back = paid.get((leg[1], leg[0]))
                        if leg[2] is not Flow.MONEY and leg[5] == "undisclosed" and back is not None:
                            leg[3], leg[5] = back[3], "allocated_equal"
        has_money = any(leg[2] is Flow.MONEY for leg in legs)
        for i, (giver, taker, flow, (value_, low_, high_), stake, basis) in enumerate(legs):
            if flow is not Flow.MONEY and all(x is None for x in (value_, low_, high_)):
                basis = None
            graph.add_edge(
                giver, taker, key=f"{deal}:{giver}:{taker}:{flow.value}", deal=deal, deal_iri=d, title=title,
                kind=kind.value, category=CATEGORY[kind], flow=flow.value,
                primary=(flow is Flow.MONEY) if has_money else i == 0, status=claim["status"],
                evidence=claim["evidence"], date=claim["date"],
                amount_usd=pick(value_, low_, high_, settings.ranges, claim["approximate"]),
                amount_min_usd=low_ if value_ is None else value_, amount_max_usd=high_ if value_ is None else value_,
                approximate=claim["approximate"] or (value_ is None and (low_ is None) != (high_ is None)),
                undisclosed=claim["undisclosed"] or all(x is None for x in (value_, low_, high_)), basis=basis,
                native_amount=claim["native"], stake=stake, in_cycle=False, folded_into=None)
    # a part of a counted whole of the same category with a known amount is folded into it (a tranche)
    records = graph.graph["deals"]
    for _u, _v, edge in graph.edges(data=True):
        deal, seen = edge["deal"], set()
        whole = records[deal]["part_of"]
        while whole in records and whole not in seen:
            if CATEGORY[DealKind(records[whole]["kind"])] == CATEGORY[DealKind(records[deal]["kind"])] \
                    and records[whole]["amount_usd"] is not None:
                edge["folded_into"] = whole
            seen.add(whole)
            whole = records[whole]["part_of"]
    return graph


def _snapshot(graph: nx.MultiDiGraph) -> tuple:
    """Everything in a projection, comparable with == (types and aliases as sets: the store keeps no order)."""
    nodes = {n: {**d, "types": sorted(d["types"]), "aliases": sorted(d["aliases"])} for n, d in graph.nodes(data=True)}
    edges = {k: (u, v, {a: (x, type(x)) for a, x in d.items()}) for u, v, k, d in graph.edges(keys=True, data=True)}
    deals = {k: {a: (x, type(x)) for a, x in d.items()} for k, d in graph.graph["deals"].items()}
    return graph.graph["settings"], nodes, edges, deals


SETTINGS = [
    {"as_of": "2025-01-01"}, {"as_of": "2025-02-15"}, {"as_of": "2025-03-01", "ranges": "min"},
    {"as_of": "2025-03-20", "statuses": [s.value for s in Status], "ranges": "max"},
    {"as_of": "2025-06-01"}, {"as_of": "2025-06-01", "statuses": ["announced", "rumoured"]},
    {"as_of": "2025-06-01", "allocate": False}, {"as_of": "2025-06-01", "ranges": "min"},
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(f"{v}" for v in s.values()))
def test_projection_equals_the_reference(graph: kg.KnowledgeGraph, settings: dict) -> None:
    chosen = Settings.of(**settings)
    found, expected = deal_legs(graph.store, chosen), reference_legs(graph.store, chosen)  # type: ignore[arg-type]
    assert expected.number_of_edges() > 0 or settings["as_of"] == "2025-01-01"
    assert _snapshot(found) == _snapshot(expected)


def test_the_cases_the_reference_covers(graph: kg.KnowledgeGraph) -> None:
    legs = {k: d for _u, _v, k, d in deal_legs(graph.store, Settings.of("2025-06-01")).edges(keys=True, data=True)}
    # joint venture: partners pay the venture, with their own stated figures; not each other
    assert legs["delta-venture:alpha-lab:delta-jv:money"]["amount_usd"] == 1e9
    assert legs["delta-venture:beta-cloud:delta-jv:money"]["amount_usd"] == 2e9
    assert not any(k.startswith("delta-venture:alpha-lab:beta-cloud") for k in legs)
    # partnership: partners serve each other; no money, so the first leg in role-then-id order is primary
    assert legs["alpha-gamma-partnership:alpha-lab:gamma-chips:services"]["primary"]
    assert not legs["alpha-gamma-partnership:gamma-chips:alpha-lab:services"]["primary"]
    # two investors: Epsilon's own figure and stake are stated; Beta gets what the total (over $1B) leaves
    assert legs["alpha-round:epsilon-fund:alpha-lab:money"]["amount_usd"] == 5e8
    assert legs["alpha-round:epsilon-fund:alpha-lab:money"]["basis"] == "stated"
    beta = legs["alpha-round:beta-cloud:alpha-lab:money"]
    assert (beta["amount_usd"], beta["amount_min_usd"], beta["basis"]) == (5e8, 5e8, "allocated_equal")
    assert legs["alpha-round:alpha-lab:beta-cloud:equity"]["amount_usd"] == 5e8  # its equity mirrors it
    stated_only = deal_legs(graph.store, Settings.of("2025-06-01", allocate=False))
    beta = next(d for _u, _v, k, d in stated_only.edges(keys=True, data=True)
                if k == "alpha-round:beta-cloud:alpha-lab:money")
    assert (beta["amount_usd"], beta["basis"]) == (None, "undisclosed")
    assert legs["alpha-round:alpha-lab:epsilon-fund:equity"]["stake"] == pytest.approx(0.1)
    assert not any(k.startswith("gamma-beta-cancelled") for k in legs)
    # the close states only the total: Epsilon's "up to $3B" from the announcement still stands, and the other
    # two share what is left, $1.5B-$3B each (6 - 3 and 6 - 0, over two)
    assert legs["alpha-round-2:epsilon-fund:alpha-lab:money"]["amount_max_usd"] == 3e9
    beta = legs["alpha-round-2:beta-cloud:alpha-lab:money"]
    assert (beta["amount_min_usd"], beta["amount_max_usd"], beta["amount_usd"]) == (1.5e9, 3e9, 2.25e9)
    # a tranche of a counted round is drawn but folded into the round: the metrics' leg table leaves it out
    tranche = legs["alpha-round-2-tranche:epsilon-fund:alpha-lab:money"]
    assert tranche["folded_into"] == "alpha-round-2" and tranche["amount_usd"] == 1e9
    graph_ = deal_legs(graph.store, Settings.of("2025-06-01"))
    assert "alpha-round-2-tranche" not in set(leg_table(graph_)["deal"])


# --- the cache --------------------------------------------------------------------------------


def test_tables_are_cached_per_store_generation(graph: kg.KnowledgeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    store = graph.store
    assert isinstance(store, EmbeddedStore)
    path = projection_tables.cache_path(store)
    generation = Path(os.path.realpath(graph.out / "current"))  # the build's generation holds its cache
    assert path == generation / "cache" / "tables"
    shutil.rmtree(path)
    first = projection_tables.load(store)
    assert sorted(p.name for p in path.iterdir()) == sorted(f"{n}.parquet" for n in projection_tables.TABLE_NAMES)

    def no_reading(_store: object) -> None:
        raise AssertionError("read the store although the cache holds the tables")

    monkeypatch.setattr(projection_tables, "read", no_reading)
    cached = projection_tables.load(store)
    assert cached is not first
    for name in ("orgs", "deals", "claims", "sources", "parties", "figures", "size_figures"):
        assert getattr(cached, name).equals(getattr(first, name)), name
    settings = Settings.of("2025-06-01")
    assert _snapshot(deal_legs(store, settings)) == _snapshot(deal_legs(None, settings, tables=first))


def test_an_unreadable_or_older_cache_is_read_again(graph: kg.KnowledgeGraph,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    store = graph.store
    path = projection_tables.cache_path(store)  # type: ignore[arg-type]
    assert path is not None
    fingerprint = EmbeddedStore.fingerprint(store.path)  # type: ignore[attr-defined]
    good = projection_tables.load(store)
    for spoil in ("junk", "older format", "other fingerprint", "missing"):
        if spoil == "junk":
            (path / "claims.parquet").write_bytes(b"not parquet")
        elif spoil == "missing":
            (path / "parties.parquet").unlink()
        elif spoil == "older format":
            monkeypatch.setattr(projection_tables, "FORMAT", -1)
            projection_tables.save(path, good, fingerprint)  # type: ignore[arg-type]
            monkeypatch.undo()
        else:
            projection_tables.save(path, good, "another build")
        assert projection_tables.stored(path, fingerprint) is None, spoil
        tables = projection_tables.load(store)
        assert len(tables.claims) == 12 and tables.claims.equals(good.claims), spoil
        assert projection_tables.stored(path, fingerprint) is not None, spoil  # saved again, whole


def test_no_cache_without_a_generation(graph: kg.KnowledgeGraph) -> None:
    plain = EmbeddedStore(Path(os.path.realpath(graph.store.path)))  # type: ignore[attr-defined] # the generation
    assert projection_tables.cache_path(plain) is None
    assert projection_tables.cache_path(RemoteStore("http://localhost:1/sparql")) is None


def test_caches_of_pruned_generations_are_removed(tmp_path: Path) -> None:
    """A store built on its own keeps its caches beside it, one folder per generation; a cache whose
    generation is gone is removed. (A build's generations hold their caches and take them along.)"""
    nt = tmp_path / "one.nt"
    nt.write_text("<urn:a> <urn:b> <urn:c> .\n")
    store = EmbeddedStore.build(tmp_path / "store", [nt], "f1")
    stale = tmp_path / "cache" / "19990101T000000-deadbeef"
    stale.mkdir(parents=True)
    (stale / "tables").mkdir()
    path = projection_tables.cache_path(store)
    assert path is not None and path.parent.parent == tmp_path / "cache"
    projection_tables.load(store)
    assert path.is_dir() and not stale.exists()


def test_knowledge_graph_keeps_the_tables_in_memory(graph: kg.KnowledgeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    graph.legs(as_of=dt.date(2025, 6, 1))
    calls = []
    monkeypatch.setattr(projection_tables, "load", lambda store: calls.append(store))
    graph.legs(as_of=dt.date(2025, 5, 1), ranges="max")
    assert calls == []


def test_a_new_store_generation_drops_the_cached_legs(graph: kg.KnowledgeGraph) -> None:
    legs = graph.legs(as_of="2025-06-01")
    assert graph.legs(as_of="2025-06-01") is legs
    graph._tables = ("an-older-generation", graph._tables[1])  # type: ignore[index]
    again = graph.legs(as_of="2025-06-01")
    assert again is not legs and _snapshot(again) == _snapshot(legs)
