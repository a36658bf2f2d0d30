"""The five German seed articles, as data.

1. Every claim that cites a seed source quotes it verbatim (a quote may be cut with "…"; each
   stripped part must occur in the seed file).
2. Every figure of the seed articles is in data/ with exactly its amount.

The YAML files are read with plain ``yaml.safe_load`` for now (note: YAML 1.1 reads an unquoted
``on:`` key as ``True``, so the data files write it ``"on":``).
"""

from __future__ import annotations

from pathlib import Path

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
# 2. Every seed figure is in the data with exactly its amount
# ---------------------------------------------------------------------------------------------

# (metric, orgs, period/subject selectors, source, expected claim value)
OBSERVATIONS = [
    # seed-000
    ("capex", ["microsoft", "alphabet", "amazon", "meta"], {"year": 2024}, "seed-000",
     amount(value=246e9, currency="USD")),
    ("investment_total", [], {}, "seed-000",
     amount(value=200e9, currency="USD", approximate=True)),
    ("net_loss", ["openai"], {"year": 2025}, "seed-000", amount(value=5e9, currency="USD")),
    ("net_loss", ["openai"], {"year": 2026}, "seed-000", amount(value=11e9, currency="USD")),
    # seed-001
    ("revenue_required", [], {}, "seed-001", amount(value=600e9, currency="USD")),
    ("target_attainment", [], {}, "seed-001", amount(value=0.1, unit="fraction")),
    ("token_price_input", ["deepseek"], {"subject": "DeepSeek R1"}, "seed-001",
     amount(value=0.55, currency="USD", per="1M tokens")),
    ("token_price_output", ["deepseek"], {"subject": "DeepSeek R1"}, "seed-001",
     amount(value=2.19, currency="USD", per="1M tokens")),
    ("token_price_input", ["openai"], {"subject": "OpenAI o1"}, "seed-001",
     amount(value=15.0, currency="USD", per="1M tokens")),
    ("token_price_output", ["openai"], {"subject": "OpenAI o1"}, "seed-001",
     amount(value=60.0, currency="USD", per="1M tokens")),
    ("employees", ["openai"], {}, "seed-001", amount(value=4500, unit="people")),
    ("funding_raised_total", ["openai"], {}, "seed-001", amount(value=6e9, currency="USD")),
    ("employees", ["deepseek"], {}, "seed-001", amount(value=200, unit="people")),
    ("development_cost", ["deepseek"], {"subject": "DeepSeek R1"}, "seed-001",
     amount(value=10e6, currency="USD")),
    # seed-003: 27 January 2025
    ("development_cost", ["deepseek"], {"subject": "DeepSeek R1"}, "seed-003",
     amount(value=5.6e6, currency="USD")),
    ("market_value_loss", [], {"on": "2025-01-27"}, "seed-003",
     amount(max=1e12, currency="USD", approximate=True)),
    ("share_price_decline", ["nvidia"], {"on": "2025-01-27"}, "seed-003",
     amount(max=0.17, unit="fraction", approximate=True)),
    ("market_value_loss", ["nvidia"], {"on": "2025-01-27"}, "seed-003",
     amount(max=600e9, currency="USD", approximate=True)),
    ("market_value_loss", ["alphabet"], {"on": "2025-01-27"}, "seed-003",
     amount(value=100e9, currency="USD")),
    ("market_value_loss", ["microsoft"], {"on": "2025-01-27"}, "seed-003",
     amount(value=7e9, currency="USD")),
    ("share_price_decline", ["asml", "siemens-energy", "schneider-electric"], {"on": "2025-01-27"},
     "seed-003", amount(min=0.07, max=0.20, unit="fraction", approximate=True)),
    ("capex", ["amazon"], {"year": 2025}, "seed-003", amount(min=75e9, currency="USD")),
    ("capex", ["meta"], {"year": 2025}, "seed-003", amount(max=65e9, currency="USD")),
    ("capex", ["microsoft"], {"year": 2025}, "seed-003", amount(value=80e9, currency="USD")),
    pytest.param(
        "profit_margin", ["nvidia"], {}, "seed-003", amount(min=0.5, unit="fraction"),
        marks=pytest.mark.xfail(strict=True, reason=(
            "the text says 'Gewinnspanne' (profit margin), which gross_margin would mislabel; "
            "the record is commented out in data/observations/seeds.yaml until kg/vocab.py has "
            "a profit_margin metric")),
        id="profit_margin-nvidia-seed-003"),
    # seed-004
    ("valuation_post", ["openai"], {}, "seed-004", amount(min=850e9, currency="USD")),
]


def _matches(rec: dict, selectors: dict) -> bool:
    for key, want in selectors.items():
        got = rec.get(key)
        if key == "on" and got is not None:
            got = str(got)
        if got != want:
            return False
    return True


def _obs_id(param: tuple | object) -> str:
    metric, orgs, selectors, source, _ = param  # type: ignore[misc]
    extra = "-".join(str(v) for v in selectors.values())
    return "-".join(x for x in (metric, "+".join(orgs) or "market", extra, source) if x)


@pytest.mark.parametrize(("metric", "orgs", "selectors", "source", "expected"), OBSERVATIONS,
                         ids=[_obs_id(p) if type(p) is tuple else None for p in OBSERVATIONS])
def test_seed_observation(metric: str, orgs: list[str], selectors: dict, source: str, expected: dict) -> None:
    candidates = [o for o in records("observations")
                  if o["metric"] == metric and sorted(o.get("orgs", [])) == sorted(orgs)
                  and _matches(o, selectors)]
    assert candidates, f"no {metric} observation for {orgs or 'the market'} {selectors}"
    values = [normalise(c["value"]) for o in candidates for c in o["claims"] if c["source"] == source]
    assert values, f"{metric} {orgs}: no claim citing {source}"
    assert expected in values, f"{metric} {orgs}: {source} gives {values}, expected {expected}"


def test_development_cost_conflict_prefers_r1_figure() -> None:
    """seed-003's $5.6M for R1 and seed-001's "10 Mio." are one fact; the $5.6M is preferred."""
    [obs] = [o for o in records("observations")
             if o["metric"] == "development_cost" and o.get("orgs") == ["deepseek"]]
    by_source = {c["source"]: c for c in obs["claims"]}
    assert set(by_source) == {"seed-001", "seed-003"}
    assert by_source["seed-003"].get("preferred") is True
    assert by_source["seed-003"].get("preferred_reason")
    assert not by_source["seed-001"].get("preferred")


# (kind, {org: role}, source, status, total amount, {org: participation amount})
DEALS = [
    ("funding_round",
     {"openai": "investee", "amazon": "investor", "microsoft": "investor",
      "nvidia": "investor", "softbank": "investor"},
     "seed-004", "rumoured", amount(min=100e9, currency="USD"),
     {"amazon": amount(max=50e9, currency="USD"),
      "softbank": amount(value=30e9, currency="USD"),
      "nvidia": amount(value=20e9, currency="USD"),
      "microsoft": amount(undisclosed=True)}),
    ("compute_commitment", {"openai": "customer", "aws": "provider"},
     "seed-004", "committed", amount(value=38e9, currency="USD"), {}),
    ("compute_commitment", {"openai": "customer", "microsoft": "provider"},
     "seed-004", "committed", amount(value=250e9, currency="USD"), {}),
    ("compute_commitment", {"openai": "customer", "oracle": "provider", "stargate": "venture"},
     "seed-004", "committed", amount(undisclosed=True), {}),
    ("partnership", {"openreplay": "customer", "openai": "provider"},
     "seed-003", "in_progress", amount(undisclosed=True), {}),
    ("partnership", {"openreplay": "customer", "anthropic": "provider"},
     "seed-003", "in_progress", amount(undisclosed=True), {}),
    ("partnership", {"openreplay": "customer", "mistral-ai": "provider"},
     "seed-003", "in_progress", amount(undisclosed=True), {}),
    ("chip_supply", {"nvidia": "provider", "amazon": "customer"},
     "seed-003", "projected", amount(undisclosed=True), {}),
    ("chip_supply", {"nvidia": "provider", "meta": "customer"},
     "seed-003", "projected", amount(undisclosed=True), {}),
    ("chip_supply", {"nvidia": "provider", "microsoft": "customer"},
     "seed-003", "projected", amount(undisclosed=True), {}),
]


@pytest.mark.parametrize(("kind", "parties", "source", "status", "total", "participations"), DEALS,
                         ids=[f"{d[0]}-{'+'.join(d[1])}" for d in DEALS])
def test_seed_deal(kind: str, parties: dict[str, str], source: str, status: str, total: dict,
                   participations: dict[str, dict]) -> None:
    candidates = [d for d in records("deals")
                  if d["kind"] == kind and {p["org"]: p["role"] for p in d["parties"]} == parties]
    assert candidates, f"no {kind} deal with parties {parties}"
    claims = [c for d in candidates for c in d["claims"] if c["source"] == source]
    assert len(claims) == 1, f"expected one {kind} claim citing {source} for {parties}, found {len(claims)}"
    [claim] = claims
    assert claim["status"] == status
    assert normalise(claim.get("amount")) == total
    got = {org: normalise(p.get("amount")) for org, p in claim.get("participations", {}).items()}
    assert got == participations
