"""The metrics' inputs: sizes from the observations, the cached leg table, and the vectorised value
flows, exposures and liabilities against straightforward leg-by-leg definitions."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

import networkx as nx
import pytest
from minidata import mini, write_dataset

import kg
from kg.metrics.circularity import flow_amounts, flow_table, value_flows
from kg.metrics.exposure import direct_exposures
from kg.metrics.sizes import Size
from kg.metrics.stress import liabilities
from kg.projection.aggregate import LEG_COLUMNS, leg_table
from kg.records.vocab import COMMERCIAL_KINDS, FUNDING_KINDS


def _obs(id_: str, metric: str, orgs: list[str], on: str, value: dict) -> dict:
    return {"id": id_, "metric": metric, "orgs": orgs, "on": on,
            "claims": [{"source": "wire-1", "quote": "A figure.", "date": on, "value": {**value, "currency": "USD"}}]}


@pytest.fixture(scope="module")
def sized(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    data = mini()
    data["observations"]["obs.yaml"] += [
        _obs("alpha-revenue-2024", "revenue", ["alpha-lab"], "2024-12-31", {"value": 5e9}),
        _obs("alpha-valuation-may", "valuation_post", ["alpha-lab"], "2025-05-01", {"value": 120e9}),
        _obs("beta-cap", "market_cap", ["beta-cloud"], "2025-02-01", {"max": 3e12}),
        _obs("beta-revenue", "revenue", ["beta-cloud"], "2025-04-01", {"value": 90e9}),
        # about two organisations: it sizes neither
        _obs("alpha-beta-revenue", "revenue", ["alpha-lab", "beta-cloud"], "2025-01-01", {"value": 1e15}),
        _obs("gamma-revenue-zero", "revenue", ["gamma-chips"], "2025-01-01", {"value": 0}),
    ]
    root = tmp_path_factory.mktemp("sized")
    return kg.load(write_dataset(root / "data", data), root / "out")


def test_sizes_prefer_the_basis_then_the_latest_figure(sized: kg.KnowledgeGraph) -> None:
    day = dt.date.fromisoformat
    # before the valuation Alpha has only its 2024 revenue; the shared observation never counts
    assert sized.sizes("2025-02-15") == {"alpha-lab": Size(5e9, "revenue", day("2024-12-31")),
                                         "beta-cloud": Size(3e12, "market_cap", day("2025-02-01"))}
    # a valuation beats revenue; the valuation of 1 March states a minimum ("over $100 billion")
    march = ((day("2025-03-01"), 100e9),)
    assert sized.sizes("2025-03-15")["alpha-lab"] == Size(100e9, "valuation_post", day("2025-03-01"), march)
    later = sized.sizes("2025-06-01")
    # the size carries every post-money valuation so far: later rounds dilute earlier stakes by them
    assert later["alpha-lab"] == Size(120e9, "valuation_post", day("2025-05-01"), (*march, (day("2025-05-01"), 120e9)))
    assert later["beta-cloud"].basis == "market_cap"  # revenue of April does not displace the market value
    assert "gamma-chips" not in later  # a zero figure cannot be a yardstick


def test_leg_table_is_kept_until_the_graph_changes(sized: kg.KnowledgeGraph) -> None:
    legs = sized.legs(as_of="2025-06-01").copy()
    table = leg_table(legs)
    assert leg_table(legs) is table and len(table) == legs.number_of_edges()
    row = table.iloc[0]
    assert legs.edges[row.giver, row.taker, row.key]["deal"] == row.deal
    legs.add_edge("x", "y", key="k", deal="d", kind="partnership", flow="services", status="announced",
                  date=dt.date(2025, 1, 1), amount_usd=None, stake=None)
    fresh = leg_table(legs)
    assert fresh is not table and len(fresh) == len(table) + 1
    legs.edges["x", "y", "k"]["amount_usd"] = 5.0  # in place: the cache has to be cleared by hand
    assert leg_table(legs).amount_usd.isna().iloc[-1]
    legs.__networkx_cache__.clear()
    assert leg_table(legs).amount_usd.iloc[-1] == 5.0
    assert flow_table(legs) is flow_table(legs) and flow_amounts(legs) is flow_amounts(legs)
    assert value_flows(legs) is not value_flows(legs)  # a new graph for each caller
    nx.config.cache_converted_graphs = False
    try:
        assert leg_table(legs) is not leg_table(legs)
    finally:
        nx.config.cache_converted_graphs = True


# --- the vectorised metrics' inputs against leg-by-leg definitions ------------------------------

KINDS = ["equity_investment", "funding_round", "warrant", "compute_commitment", "chip_supply", "debt_financing",
         "partnership", "acquisition"]


def _random_legs(seed: int) -> nx.MultiDiGraph:
    """Deals between a few organisations: a money leg one way and, for most, a return leg the other."""
    rng = random.Random(seed)
    legs = nx.MultiDiGraph()
    legs.add_nodes_from(f"o{i}" for i in range(8))
    for d in range(40):
        u, v = rng.sample(sorted(legs), 2)
        kind = rng.choice(KINDS)
        amount = rng.choice([None, float(rng.randint(1, 9)), float(rng.randint(1, 9))])
        common = {"deal": f"d{d}", "kind": kind, "status": rng.choice(["closed", "committed"]),
                  "date": dt.date(2025, 1, rng.randint(1, 28))}
        if kind != "warrant":
            legs.add_edge(u, v, key=f"d{d}:m", flow="money", amount_usd=amount, stake=None, **common)
        if rng.random() < 0.8:
            flow = "equity" if kind in ("equity_investment", "funding_round", "warrant", "acquisition") else "compute"
            stake = rng.choice([None, rng.randint(1, 30) / 100]) if flow == "equity" else None
            legs.add_edge(v, u, key=f"d{d}:r", flow=flow, amount_usd=None, stake=stake, **common)
    return legs


def _reference_flows(legs: nx.MultiDiGraph) -> dict[tuple[str, str], tuple[float, int, list[str]]]:
    reciprocated = {(d["deal"], u, v) for u, v, d in legs.edges(data=True)}
    flows: dict[tuple[str, str], tuple[float, int, list[str]]] = {}
    for u, v, key, d in legs.edges(keys=True, data=True):
        if d["flow"] != "money" and (d["deal"], v, u) in reciprocated:
            continue
        amount, known, keys = flows.get((u, v), (0.0, 0, []))
        if d["amount_usd"] is not None:
            amount, known = amount + d["amount_usd"], known + 1
        flows[(u, v)] = (amount, known, [*keys, key])
    return flows


def _reference_exposures(legs: nx.MultiDiGraph, sizes: dict[str, Size]) -> dict[tuple[str, str], dict[str, float]]:
    """Each pair's channels, and ``missing``: its claims (equity, backlog, credit) without a figure."""
    found: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    invested: dict[tuple[str, str], float] = defaultdict(float)
    latest: dict[tuple[str, str], tuple] = {}
    for giver, taker, leg in legs.edges(data=True):
        amount, pair, back = leg["amount_usd"], (taker, giver), (giver, taker)
        if leg["flow"] == "equity" and leg["kind"] != "warrant":
            invested[pair] += amount or 0.0
            found[pair]["missing"] += amount is None  # the pair exists even without a figure
            if leg["stake"] is not None:
                latest[pair] = max(latest.get(pair, (leg["date"], 0.0)), (leg["date"], leg["stake"]))
        elif leg["flow"] != "money":
            continue
        elif leg["kind"] in COMMERCIAL_KINDS:  # a leg without a figure adds nothing but is counted
            found[pair]["contracted_revenue"] += amount or 0.0
            found[pair]["missing"] += amount is None
            found[back]["supplier_dependence"] += amount or 0.0
        elif leg["kind"] == "debt_financing":
            found[back]["credit"] += amount or 0.0
            found[back]["missing"] += amount is None
    for pair, cost in invested.items():
        stake, size = latest.get(pair), sizes.get(pair[1])
        found[pair]["equity_at_risk"] = stake[1] * size.usd if stake and size else cost
    return {pair: dict(channels) for pair, channels in found.items()}


def _reference_liabilities(legs: nx.MultiDiGraph) -> dict[tuple[str, str], float]:
    owed: dict[tuple[str, str], float] = defaultdict(float)
    for giver, taker, leg in legs.edges(data=True):
        if leg["flow"] != "money" or not leg["amount_usd"]:
            continue
        if leg["kind"] in COMMERCIAL_KINDS:
            owed[(giver, taker)] += leg["amount_usd"]
        elif leg["kind"] == "debt_financing":
            owed[(taker, giver)] += leg["amount_usd"]
        elif leg["kind"] in FUNDING_KINDS and leg["status"] != "closed":
            owed[(giver, taker)] += leg["amount_usd"]
    return dict(owed)


@pytest.mark.parametrize("seed", range(12))
def test_vectorised_inputs_equal_the_leg_by_leg_definitions(seed: int) -> None:
    legs = _random_legs(seed)
    sizes = {f"o{i}": Size(100.0 * (i + 1), "market_cap", dt.date(2025, 1, 1)) for i in range(0, 8, 2)}
    flows = value_flows(legs)
    assert {(u, v): (d["amount"], d["known"], d["legs"]) for u, v, d in flows.edges(data=True)} == \
        _reference_flows(legs)
    assert list(flows.edges) == list(_reference_flows(legs))  # same order: cycle enumeration follows it
    frame = direct_exposures(legs, sizes)
    channels = ["equity_at_risk", "contracted_revenue", "credit", "supplier_dependence"]
    got = {(r.holder, r.on, c): getattr(r, c) for r in frame.itertuples() for c in channels if getattr(r, c)}
    reference = _reference_exposures(legs, sizes)
    want = {(*pair, c): x for pair, ch in reference.items() for c, x in ch.items() if x and c != "missing"}
    assert got == pytest.approx(want)
    assert {(r.holder, r.on): r.undisclosed_legs for r in frame.itertuples()} == \
        {pair: ch.get("missing", 0) for pair, ch in reference.items()}
    assert {(r.holder, r.on) for r in frame.itertuples()} == set(_reference_exposures(legs, sizes))
    assert (frame.at_risk == frame.equity_at_risk + frame.contracted_revenue + frame.credit).all()
    assert {(u, v): d["liability"] for u, v, d in liabilities(legs).edges(data=True)} == \
        pytest.approx(_reference_liabilities(legs))


def test_a_network_without_legs_gives_empty_inputs() -> None:
    legs = nx.MultiDiGraph()
    legs.add_node("lonely")
    assert len(leg_table(legs)) == 0 and list(leg_table(legs).columns) == list(LEG_COLUMNS)
    assert value_flows(legs).number_of_edges() == 0 and list(flow_amounts(legs)) == ["lonely"]
    assert len(direct_exposures(legs, {})) == 0 and liabilities(legs).number_of_edges() == 0
