"""The five German seed articles, as data.

1. Every claim that cites a seed source quotes it verbatim (a quote may be cut with "…"; each
   stripped part must occur in the seed file).
2. Every figure of the seed articles is in the built graph with exactly its amount, on the
   record that holds it (facts the seeds share with the public record were merged into one record
   per agreement or figure, so the seed claim may sit on a public-record deal or observation).

Part 1 reads the YAML with plain ``yaml.safe_load`` (YAML 1.1 reads an unquoted ``on:`` key as
``True``, so the data files write it ``"on":``). Part 2 builds ``data/`` once per test module into
a temporary folder and asks the graph with SPARQL.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
SEEDS = Path(__file__).resolve().parents[1].parent / "shared/sources/seeds"

AMOUNT_DEFAULTS = {"value": None, "min": None, "max": None, "currency": None, "unit": None,
                   "per": None, "approximate": False, "undisclosed": False}


def records(folder: str) -> list[dict]:
    out: list[dict] = []
    for path in sorted((DATA / folder).glob("*.yaml")):
        out.extend(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    return out


def amount(**fields: object) -> dict:
    """An amount with every field filled in, so two amounts compare field by field."""
    unknown = set(fields) - set(AMOUNT_DEFAULTS)
    assert not unknown, f"not an amount field: {unknown}"
    return {**AMOUNT_DEFAULTS, **fields}


def normalise(raw: dict | None) -> dict | None:
    if raw is None:
        return None
    out = amount(**raw)
    for key in ("value", "min", "max"):
        if out[key] is not None:
            out[key] = float(out[key])
    return out


# ---------------------------------------------------------------------------------------------
# 1. Quotes are verbatim
# ---------------------------------------------------------------------------------------------

def seed_claims() -> list[tuple[str, str, str]]:
    """(record id, seed file, quote) for every claim whose source is a seed file."""
    seed_file = {s["id"]: s["seed_file"] for s in records("sources") if s.get("seed_file")}
    found = []
    for folder in ("deals", "observations"):
        for rec in records(folder):
            for claim in rec["claims"]:
                if claim["source"] in seed_file:
                    found.append((rec["id"], seed_file[claim["source"]], claim["quote"]))
    for rate in records("fx"):
        if rate["source"] in seed_file:
            found.append((f"fx {rate['currency']} {rate['date']}", seed_file[rate["source"]], rate["quote"]))
    return found


SEED_CLAIMS = seed_claims()


def test_seed_directory_exists() -> None:
    assert SEEDS.is_dir(), f"seed articles not found at {SEEDS}"
    assert SEED_CLAIMS, "no claim cites a seed source"


@pytest.mark.parametrize(("record_id", "seed_file", "quote"), SEED_CLAIMS,
                         ids=[f"{r}-{i}" for i, (r, _, _) in enumerate(SEED_CLAIMS)])
def test_quote_is_verbatim(record_id: str, seed_file: str, quote: str) -> None:
    text = (SEEDS / seed_file).read_text(encoding="utf-8")
    parts = [part.strip() for part in quote.split("…")]
    parts = [part for part in parts if part]
    assert parts, f"{record_id}: empty quote"
    for part in parts:
        assert part in text, f"{record_id}: not verbatim in {seed_file}: {part!r}"


# ---------------------------------------------------------------------------------------------
# 2. Every seed figure is in the built graph with exactly its amount
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory):  # -> kg.KnowledgeGraph
    import kg

    return kg.load(data=DATA, out=tmp_path_factory.mktemp("out"))


PREFIXES = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
"""
# The fields of an amount node ?a, all optional; the two flags are written only when true.
AMOUNT_FIELDS = """BIND(EXISTS { ?a aikg:isApproximate true } AS ?approximate)
  BIND(EXISTS { ?a aikg:isUndisclosed true } AS ?undisclosed)
  OPTIONAL { ?a schema:value ?value } OPTIONAL { ?a schema:minValue ?min } OPTIONAL { ?a schema:maxValue ?max }
  OPTIONAL { ?a schema:currency ?currency } OPTIONAL { ?a aikg:unit ?unit } OPTIONAL { ?a aikg:per ?per }"""


def lit(text: str) -> str:
    """A SPARQL string literal (JSON string syntax is valid SPARQL for these plain ids)."""
    return json.dumps(text)


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and pd.isna(v))


def amount_of(row: pd.Series) -> dict:
    """The amount in a result row (columns as in AMOUNT_FIELDS), in the shape :func:`amount` gives."""
    return amount(
        **{k: float(row[k]) for k in ("value", "min", "max") if not _missing(row[k])},
        **{k: str(row[k]) for k in ("currency", "unit", "per") if not _missing(row[k])},
        approximate=bool(row["approximate"]), undisclosed=bool(row["undisclosed"]))


def year(y: int) -> tuple[str, str]:
    return f"{y}-01-01", f"{y}-12-31"


def day(d: str) -> tuple[str, str]:
    return d, d


# (record, metric, subject orgs, period (start, end), model subject, source, expected claim amount)
OBSERVATIONS = [
    # seed-000
    ("capex-big-four-2024", "capex", ["microsoft", "alphabet", "amazon", "meta"], year(2024), None,
     "seed-000", amount(value=246e9, currency="USD")),
    ("generative-ai-venture-capital-cumulative", "investment_total", [], day("2025-03-26"), None,
     "seed-000", amount(value=200e9, currency="USD", approximate=True)),
    ("openai-net-loss-2025", "net_loss", ["openai"], year(2025), None, "seed-000",
     amount(value=5e9, currency="USD")),
    ("openai-net-loss-2026", "net_loss", ["openai"], year(2026), None, "seed-000",
     amount(value=11e9, currency="USD")),
    # seed-001
    ("ai-industry-revenue-required-sequoia", "revenue_required", [], day("2025-01-30"), None, "seed-001",
     amount(value=600e9, currency="USD")),
    ("ai-industry-target-attainment-sequoia", "target_attainment", [], day("2025-01-30"), None, "seed-001",
     amount(value=0.1, unit="fraction")),
    ("deepseek-r1-token-price-input", "token_price_input", ["deepseek"], day("2025-01-30"), "DeepSeek R1",
     "seed-001", amount(value=0.55, currency="USD", per="1M tokens")),
    ("deepseek-r1-token-price-output", "token_price_output", ["deepseek"], day("2025-01-30"), "DeepSeek R1",
     "seed-001", amount(value=2.19, currency="USD", per="1M tokens")),
    ("openai-o1-token-price-input", "token_price_input", ["openai"], day("2025-01-30"), "OpenAI o1",
     "seed-001", amount(value=15.0, currency="USD", per="1M tokens")),
    ("openai-o1-token-price-output", "token_price_output", ["openai"], day("2025-01-30"), "OpenAI o1",
     "seed-001", amount(value=60.0, currency="USD", per="1M tokens")),
    ("openai-employees-2025-01", "employees", ["openai"], day("2025-01-30"), None, "seed-001",
     amount(value=4500, unit="people")),
    ("openai-funding-raised-total-2025-01", "funding_raised_total", ["openai"], day("2025-01-30"), None,
     "seed-001", amount(value=6e9, currency="USD")),
    ("deepseek-employees-2025-01", "employees", ["deepseek"], day("2025-01-30"), None, "seed-001",
     amount(value=200, unit="people")),
    ("deepseek-r1-development-cost", "development_cost", ["deepseek"], day("2025-01-27"), "DeepSeek R1",
     "seed-001", amount(value=10e6, currency="USD")),
    # seed-003: 27 January 2025
    ("deepseek-r1-development-cost", "development_cost", ["deepseek"], day("2025-01-27"), "DeepSeek R1",
     "seed-003", amount(value=5.6e6, currency="USD")),
    ("tech-stocks-market-value-loss-2025-01-27", "market_value_loss", [], day("2025-01-27"), None,
     "seed-003", amount(max=1e12, currency="USD", approximate=True)),
    ("nvidia-share-price-decline-2025-01-27", "share_price_decline", ["nvidia"], day("2025-01-27"), None,
     "seed-003", amount(max=0.17, unit="fraction", approximate=True)),
    ("nvidia-market-value-loss-2025-01-27", "market_value_loss", ["nvidia"], day("2025-01-27"), None,
     "seed-003", amount(max=600e9, currency="USD", approximate=True)),
    ("alphabet-market-value-loss-2025-01-27", "market_value_loss", ["alphabet"], day("2025-01-27"), None,
     "seed-003", amount(value=100e9, currency="USD")),
    ("microsoft-market-value-loss-2025-01-27", "market_value_loss", ["microsoft"], day("2025-01-27"), None,
     "seed-003", amount(value=7e9, currency="USD")),
    ("european-ai-suppliers-share-price-decline-2025-01-27", "share_price_decline",
     ["asml", "siemens-energy", "schneider-electric"], day("2025-01-27"), None,
     "seed-003", amount(min=0.07, max=0.20, unit="fraction", approximate=True)),
    # seed-003: investment plans (Microsoft's $80B is its fiscal year to 30 June 2025) and Nvidia's margin
    ("capex-amazon-2025", "capex", ["amazon"], year(2025), None, "seed-003", amount(min=75e9, currency="USD")),
    ("capex-meta-2025", "capex", ["meta"], year(2025), None, "seed-003", amount(max=65e9, currency="USD")),
    ("capex-microsoft-fy2025", "capex", ["microsoft"], ("2024-07-01", "2025-06-30"), None, "seed-003",
     amount(value=80e9, currency="USD")),
    ("nvidia-profit-margin-2025-01", "profit_margin", ["nvidia"], day("2025-01-28"), None, "seed-003",
     amount(min=0.5, unit="fraction")),
    # seed-004
    ("openai-valuation-2026-02", "valuation_post", ["openai"], day("2026-02-27"), None, "seed-004",
     amount(min=850e9, currency="USD")),
]

OBSERVATION_CLAIMS = PREFIXES + """
SELECT ?record ?orgs ?start ?end ?subject ?value ?min ?max ?currency ?unit ?per ?approximate ?undisclosed WHERE {
  { SELECT ?obs (GROUP_CONCAT(?org; separator=" ") AS ?orgs) WHERE {
      ?obs a aikg:Observation . OPTIONAL { ?obs aikg:subjectOrganisation/aikg:recordId ?org } } GROUP BY ?obs }
  ?obs aikg:recordId ?record ; aikg:metric/skos:notation %(metric)s ;
       aikg:periodStart ?start ; aikg:periodEnd ?end ; aikg:hasClaim ?claim .
  OPTIONAL { ?obs aikg:subject ?subject }
  ?claim aikg:source/aikg:recordId %(source)s ; aikg:value ?a .
  %(amount)s
}"""


def _obs_id(row: tuple) -> str:
    record, _, _, _, _, source, _ = row
    return f"{record}-{source}"


@pytest.mark.parametrize(("record", "metric", "orgs", "period", "subject", "source", "expected"), OBSERVATIONS,
                         ids=[_obs_id(row) for row in OBSERVATIONS])
def test_seed_observation(graph, record: str, metric: str, orgs: list[str], period: tuple[str, str],
                          subject: str | None, source: str, expected: dict) -> None:
    rows = graph.sparql(OBSERVATION_CLAIMS % {"metric": lit(metric), "source": lit(source), "amount": AMOUNT_FIELDS})
    who = orgs or "the market"
    rows = rows[rows["orgs"].map(lambda s: sorted("" if _missing(s) else str(s).split()) == sorted(orgs))]
    assert not rows.empty, f"no {metric} observation of {who} with a claim citing {source}"
    start, end = (pd.Timestamp(d) for d in period)
    rows = rows[(rows["start"] == start) & (rows["end"] == end)]
    assert not rows.empty, f"{metric} of {who}: no {source} claim for the period {period}"
    if subject is not None:
        rows = rows[rows["subject"] == subject]
        assert not rows.empty, f"{metric} of {who}: no {source} claim about {subject!r}"
    assert set(rows["record"]) == {record}, f"{metric} of {who}: {source} is on {sorted(set(rows['record']))}"
    values = [amount_of(row) for _, row in rows.iterrows()]
    assert expected in values, f"{record}: {source} gives {values}, expected {expected}"


def test_development_cost_conflict_prefers_r1_figure(graph) -> None:
    """seed-003's $5.6M for R1 and seed-001's "10 Mio." are one fact; the $5.6M is preferred."""
    rows = graph.sparql(PREFIXES + """
        SELECT ?source ?preferred ?reason WHERE {
          ?obs aikg:metric/skos:notation "development_cost" ; aikg:subjectOrganisation/aikg:recordId "deepseek" ;
               aikg:hasClaim ?c .
          ?c aikg:source/aikg:recordId ?source . BIND(EXISTS { ?c aikg:isPreferred true } AS ?preferred)
          OPTIONAL { ?c aikg:preferredReason ?reason }
        }""")
    by_source = {row["source"]: row for _, row in rows.iterrows()}
    assert set(by_source) == {"seed-001", "seed-003"}
    assert by_source["seed-003"]["preferred"] is True
    assert not _missing(by_source["seed-003"]["reason"])
    assert by_source["seed-001"]["preferred"] is False


# (record, kind, {org: role} the seed names, source, status, total amount, {org: participation amount})
DEALS = [
    ("openai-round-2026-02", "funding_round",
     {"openai": "investee", "amazon": "investor", "microsoft": "investor", "nvidia": "investor",
      "softbank": "investor"},
     "seed-004", "rumoured", amount(min=100e9, currency="USD"),
     {"amazon": amount(max=50e9, currency="USD"),
      "softbank": amount(value=30e9, currency="USD"),
      "nvidia": amount(value=20e9, currency="USD"),
      "microsoft": amount(undisclosed=True)}),
    ("openai-aws-2025", "compute_commitment", {"openai": "customer", "aws": "provider"},
     "seed-004", "committed", amount(value=38e9, currency="USD"), {}),
    ("openai-microsoft-azure-2025", "compute_commitment", {"openai": "customer", "microsoft": "provider"},
     "seed-004", "committed", amount(value=250e9, currency="USD"), {}),
    # "das Oracle-Stargate-Projekt für den Aufbau von Rechenzentren": OpenAI's Oracle contract
    ("oracle-openai-2025", "compute_commitment", {"openai": "customer", "oracle": "provider"},
     "seed-004", "committed", amount(undisclosed=True), {}),
    ("openreplay-openai-services", "partnership", {"openreplay": "customer", "openai": "provider"},
     "seed-003", "in_progress", amount(undisclosed=True), {}),
    ("openreplay-anthropic-services", "partnership", {"openreplay": "customer", "anthropic": "provider"},
     "seed-003", "in_progress", amount(undisclosed=True), {}),
    ("openreplay-mistral-ai-services", "partnership", {"openreplay": "customer", "mistral-ai": "provider"},
     "seed-003", "in_progress", amount(undisclosed=True), {}),
    ("nvidia-amazon-chip-supply-2025", "chip_supply", {"nvidia": "provider", "amazon": "customer"},
     "seed-003", "projected", amount(undisclosed=True), {}),
    ("nvidia-meta-chip-supply-2025", "chip_supply", {"nvidia": "provider", "meta": "customer"},
     "seed-003", "projected", amount(undisclosed=True), {}),
    ("nvidia-microsoft-chip-supply-2025", "chip_supply", {"nvidia": "provider", "microsoft": "customer"},
     "seed-003", "projected", amount(undisclosed=True), {}),
]

DEAL_CLAIMS = PREFIXES + """
SELECT ?record ?claim ?status ?value ?min ?max ?currency ?unit ?per ?approximate ?undisclosed WHERE {
  ?deal aikg:recordId ?record ; aikg:dealKind %(kind)s ; aikg:hasClaim ?claim .
  ?claim aikg:source/aikg:recordId %(source)s ; aikg:status/skos:notation ?status .
  OPTIONAL { ?claim aikg:amount ?a . %(amount)s }
}"""
DEAL_PARTIES = PREFIXES + """
SELECT ?org ?role WHERE {
  ?deal aikg:recordId %(record)s ; aikg:hasParticipation ?p .
  ?p aikg:party/aikg:recordId ?org ; aikg:role/skos:notation ?role .
}"""
CLAIM_PARTICIPATIONS = PREFIXES + """
SELECT ?org ?value ?min ?max ?currency ?unit ?per ?approximate ?undisclosed WHERE {
  <%(claim)s> aikg:statesParticipation ?f .
  ?f aikg:participation/aikg:party/aikg:recordId ?org ; aikg:amount ?a .
  %(amount)s
}"""


@pytest.mark.parametrize(("record", "kind", "parties", "source", "status", "total", "participations"), DEALS,
                         ids=[f"{d[0]}-{d[3]}" for d in DEALS])
def test_seed_deal(graph, record: str, kind: str, parties: dict[str, str], source: str, status: str,
                   total: dict, participations: dict[str, dict]) -> None:
    claims = graph.sparql(DEAL_CLAIMS % {"kind": lit(kind), "source": lit(source), "amount": AMOUNT_FIELDS})

    def takes_part(deal: str) -> bool:
        found = graph.sparql(DEAL_PARTIES % {"record": lit(deal)})
        return set(parties.items()) <= set(zip(found["org"], found["role"], strict=True))

    claims = claims[claims["record"].map(takes_part)]
    assert len(claims) == 1, (f"expected one {kind} claim citing {source} on a deal with {parties}, "
                              f"found {len(claims)} on {sorted(set(claims['record']))}")
    claim = claims.iloc[0]
    assert claim["record"] == record
    assert claim["status"] == status
    assert amount_of(claim) == total
    figures = graph.sparql(CLAIM_PARTICIPATIONS % {"claim": claim["claim"], "amount": AMOUNT_FIELDS})
    got = {row["org"]: amount_of(row) for _, row in figures.iterrows()}
    assert got == participations, f"{record}: {source} gives participations {got}"
