"""The digest values a build writes onto deals, observations and participations agree with the claims."""

from __future__ import annotations

from datetime import date

import pyoxigraph as ox
import pyshacl
import rdflib
from minidata import MINI, mini, write_dataset

from kg.paths import DEFAULT_DATA, ONTOLOGY_DIR
from kg.rdf import namespaces as ns
from kg.rdf.digest import claims_disagree, credited_usd, point_usd
from kg.rdf.triples import dataset_triples
from kg.records.fx import FxTable
from kg.records.loader import load_dataset
from kg.records.models import Amount, Deal, FxRate
from kg.records.vocab import Status
from kg.validate import SHAPES, shacl_graph

FX = FxTable([FxRate(currency="EUR", date=date(2025, 1, 2), usd_per_unit=1.25, source="fx", quote="q")])
ON = date(2025, 6, 1)
PREFIXES = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
"""

# Each digest recomputed from the claim paths in SPARQL (the named queries' rules before the digest
# existed); a row is a deal, observation or participation whose digest differs from it.
MISMATCHES = PREFIXES + """
SELECT ?node ?what WHERE {
  {
    ?node aikg:preferredClaim ?c ; aikg:claimCount ?n .
    BIND(EXISTS { ?node aikg:claimsDisagree true } AS ?disagree)  # written only when true
    { SELECT ?node (COUNT(?x) AS ?claims) (COUNT(DISTINCT ?signature) AS ?versions) WHERE {
        ?node aikg:hasClaim ?x .
        OPTIONAL { ?x aikg:amount|aikg:value ?xa . OPTIONAL { ?xa schema:value ?xv }
                   OPTIONAL { ?xa schema:minValue ?xl } OPTIONAL { ?xa schema:maxValue ?xh } }
        OPTIONAL { ?x aikg:status/skos:notation ?xs }
        BIND(CONCAT(COALESCE(STR(?xv), "-"), "|", COALESCE(STR(?xl), "-"), "|", COALESCE(STR(?xh), "-"), "|",
                    COALESCE(?xs, "-")) AS ?signature)
      } GROUP BY ?node }
    ?node aikg:currentDate ?date . ?c aikg:claimDate ?claim_date .
    FILTER (?n != ?claims || ?disagree != (?versions > 1) || ?date != ?claim_date)
    BIND("counts" AS ?what)
  } UNION {
    ?node aikg:preferredClaim ?c ; aikg:currentStatus ?status ; aikg:currentDate ?date .
    ?c aikg:status/skos:notation ?claim_status ; aikg:claimDate ?claim_date .
    OPTIONAL { ?node aikg:currentUSD ?usd }
    OPTIONAL { ?c aikg:amount ?a . OPTIONAL { ?a aikg:valueUSD ?v } OPTIONAL { ?a aikg:minValueUSD ?lo }
               OPTIONAL { ?a aikg:maxValueUSD ?hi } }
    BIND(COALESCE(?v, (?lo + ?hi) / 2, ?lo, ?hi) AS ?claim_usd)
    FILTER (?status != ?claim_status || ?date != ?claim_date || BOUND(?usd) != BOUND(?claim_usd)
            || ABS(COALESCE(?usd, 0) - COALESCE(?claim_usd, 0)) > 1e-6 * ABS(COALESCE(?claim_usd, 0)))
    BIND("current" AS ?what)
  } UNION {
    ?deal aikg:dealKind ?kind ; aikg:preferredClaim ?c ; aikg:hasParticipation ?node .
    VALUES ?kind { "equity_investment" "funding_round" }
    ?node aikg:role/skos:notation "investor" .
    { SELECT ?deal (COUNT(?p) AS ?investors) WHERE {
        ?deal aikg:hasParticipation ?p . ?p aikg:role/skos:notation "investor" } GROUP BY ?deal }
    OPTIONAL { ?node aikg:creditedUSD ?credited }
    OPTIONAL { ?deal aikg:currentUSD ?deal_usd }
    OPTIONAL { ?c aikg:statesParticipation ?f . ?f aikg:participation ?node ; aikg:amount ?fa .
               OPTIONAL { ?fa aikg:valueUSD ?fv } OPTIONAL { ?fa aikg:minValueUSD ?flo }
               OPTIONAL { ?fa aikg:maxValueUSD ?fhi } }
    BIND(COALESCE(?fv, (?flo + ?fhi) / 2, ?flo, ?fhi, IF(?investors = 1, ?deal_usd, ?unbound)) AS ?expected)
    FILTER (BOUND(?credited) != BOUND(?expected)
            || ABS(COALESCE(?credited, 0) - COALESCE(?expected, 0)) > 1e-6 * ABS(COALESCE(?expected, 0)))
    BIND("credited" AS ?what)
  } UNION {
    ?node aikg:currentUSD ?usd ; aikg:recordId ?id ; aikg:dealKind ?kind ;
          aikg:amountRank ?rank ; aikg:amountRankInKind ?kind_rank .
    { SELECT ?node (COUNT(?before) AS ?ahead) (SUM(IF(?same_kind, 1, 0)) AS ?ahead_in_kind) WHERE {
        ?node aikg:currentUSD ?u ; aikg:recordId ?i ; aikg:dealKind ?k .
        OPTIONAL { ?before aikg:currentUSD ?bu ; aikg:recordId ?bi ; aikg:dealKind ?bk .
                   FILTER (?bu > ?u || (?bu = ?u && STR(?bi) < STR(?i))) }
        BIND(BOUND(?before) && ?bk = ?k AS ?same_kind)
      } GROUP BY ?node }
    FILTER (?rank != ?ahead + 1 || ?kind_rank != ?ahead_in_kind + 1)
    BIND("rank" AS ?what)
  }
}
"""


def _store(data) -> ox.Store:
    store = ox.Store()
    store.load(dataset_triples(load_dataset(data)).encode(), format=ox.RdfFormat.N_TRIPLES)
    store.load(path=str(ONTOLOGY_DIR / "codes.ttl"), format=ox.RdfFormat.TURTLE)
    return store


def _count(store: ox.Store, pattern: str) -> int:
    return int(next(iter(store.query(PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")))["n"].value)


def test_point_usd() -> None:
    assert point_usd(Amount(value=4e9, currency="EUR"), FX, ON) == 5e9
    assert point_usd(Amount(min=2e9, max=4e9, currency="EUR"), FX, ON) == 3.75e9  # (2.5 + 5) / 2
    assert point_usd(Amount(max=12e9, currency="EUR"), FX, ON) == 15e9
    assert point_usd(Amount(min=1e9, currency="USD"), FX, ON) == 1e9
    assert point_usd(Amount(undisclosed=True), FX, ON) is None
    assert point_usd(Amount(value=10, unit="GW"), FX, ON) is None
    assert point_usd(None, FX, ON) is None


def test_claims_disagree_and_credited_amounts() -> None:
    equity = Deal.model_validate(MINI["deals"]["deals.yaml"][0])
    assert claims_disagree(equity.claims)  # $10B closed against up to €12B closed
    assert not claims_disagree(equity.claims[:1])
    same = equity.claims[0].model_copy(update={"source": "wire-2", "quote": "Again $10 billion."})
    assert not claims_disagree([equity.claims[0], same])
    other_status = equity.claims[0].model_copy(update={"status": Status.ANNOUNCED})
    assert claims_disagree([equity.claims[0], other_status])
    assert credited_usd(equity, FX) == {"beta-cloud": 15e9}  # the only investor: the deal's amount

    data = mini()["deals"]["deals.yaml"][0]
    data["parties"].append({"org": "gamma-chips", "role": "investor"})
    data["claims"][1]["participations"] = {"gamma-chips": {"amount": {"min": 2e9, "max": 4e9, "currency": "USD"}}}
    two = Deal.model_validate(data)
    assert credited_usd(two, FX) == {"gamma-chips": 3e9}  # beta-cloud states no figure of its own
    compute = Deal.model_validate(MINI["deals"]["deals.yaml"][1])
    assert credited_usd(compute, FX) == {}


def test_digest_triples_on_the_small_data_set(tmp_path) -> None:
    store = _store(write_dataset(tmp_path / "data"))
    deal, obs = ns.record("deal", "beta-alpha-equity"), ns.record("observation", "alpha-valuation-2025")
    rows = {(p.value.removeprefix(ns.ONTOLOGY), o.value) for p, o in
            ((s["p"], s["o"]) for s in store.query(f"SELECT ?p ?o WHERE {{ <{deal}> ?p ?o }}"))}
    assert {("currentStatus", "closed"), ("currentDate", "2025-04-01"), ("currentUSD", "15000000000"),
            ("claimCount", "2"), ("claimsDisagree", "true")} <= rows
    assert _count(store, f'<{deal}/party/beta-cloud> aikg:creditedUSD 15000000000.0') == 1
    compute = ns.record("deal", "alpha-beta-compute")
    assert _count(store, f"<{deal}> aikg:amountRank 1 ; aikg:amountRankInKind 1") == 1  # $15B
    assert _count(store, f"<{compute}> aikg:amountRank 2 ; aikg:amountRankInKind 1") == 1  # $8B, the only commitment
    assert _count(store, "?d aikg:amountRank ?r") == 2  # the undisclosed chip deal has no rank
    assert _count(store, f'<{obs}> aikg:claimCount 1 ; aikg:currentDate ?d') == 1
    assert _count(store, f'<{obs}> aikg:claimsDisagree ?any') == 0  # agreement is the flag's absence
    assert _count(store, f'<{ns.record("deal", "gamma-alpha-chips")}> aikg:currentUSD ?usd') == 0  # undisclosed
    assert list(store.query(MISMATCHES)) == []


def test_digests_agree_with_the_claims_on_the_bundled_data() -> None:
    store = _store(DEFAULT_DATA)
    assert _count(store, "?d aikg:currentStatus ?s") > 100
    assert _count(store, "?p aikg:creditedUSD ?usd") > 10
    assert _count(store, "?f aikg:claimsDisagree true") > 5
    assert _count(store, "?d aikg:amountRank ?r") == _count(store, "?d aikg:currentUSD ?u") > 50
    mismatches = [(row["node"].value, row["what"].value) for row in store.query(MISMATCHES)]
    assert mismatches == []


def test_the_query_finds_a_wrong_digest_and_so_do_the_shapes(tmp_path) -> None:
    ds = load_dataset(write_dataset(tmp_path / "data"))
    graph = shacl_graph(ds)
    deal = rdflib.URIRef(ns.record("deal", "beta-alpha-equity"))
    status = rdflib.URIRef(ns.term("currentStatus"))
    graph.set((deal, status, rdflib.Literal("announced")))
    conforms, _, text = pyshacl.validate(graph, shacl_graph=str(SHAPES), advanced=True, inference="none")
    assert not conforms and "digest value differs" in text
    store = ox.Store()
    store.load(graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    assert [(r["node"].value, r["what"].value) for r in store.query(MISMATCHES)] == [(str(deal), "current")]

