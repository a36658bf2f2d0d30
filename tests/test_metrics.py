"""The analyses on the deal graph, with figures computed by hand (comments show the arithmetic)."""

from __future__ import annotations

import datetime as dt
import json

import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner
from minidata import write_dataset

import kg
from kg.analytics import betweenness
from kg.cli import main
from kg.metrics.circularity import value_flows
from kg.metrics.sizes import Size
from kg.metrics.stress import liabilities, stress

AS_OF = "2025-06-01"


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    root = tmp_path_factory.mktemp("metrics")
    return kg.load(write_dataset(root / "data"), root / "out")


def test_exposure_by_channel(graph: kg.KnowledgeGraph) -> None:
    frame = graph.exposure("beta-cloud", to="alpha-lab", as_of=AS_OF)
    # Beta paid up to EUR 12B = USD 15B for equity; the preferred claim states no stake, but the 40% the first
    # report stated still stands (a later report of the total does not erase it), valued at Alpha's $100B. Its
    # subsidiary Beta Cloud Services is owed USD 8B of compute by Alpha (grouped into Beta Cloud).
    got = {r.channel: (r.usd, None if pd.isna(r.equity_basis) else r.equity_basis) for r in frame.itertuples()}
    assert got == {"equity_at_risk": (40e9, "stake 40.0% × valuation_post"), "contracted_revenue": (8e9, None)}
    assert frame.attrs["settings"]["as_of"] == AS_OF and frame.attrs["settings"]["group_subsidiaries"]


def test_exposed_to_ranks_and_uses_the_stake_when_dated(graph: kg.KnowledgeGraph) -> None:
    early = graph.exposed_to("alpha-lab", as_of="2025-03-15")
    row = early.set_index("org").loc["beta-cloud"]
    # on 15 March only the first claim is known: a 40% stake; Alpha's size is its USD 100B valuation (minimum)
    assert row.equity_at_risk == pytest.approx(0.4 * 100e9)
    assert row.contracted_revenue == 8e9 and row.at_risk == pytest.approx(48e9)
    later = graph.exposed_to("alpha-lab", as_of=AS_OF).set_index("org")
    assert later.index.tolist() == ["beta-cloud", "gamma-chips"] and later.at_risk.tolist() == [48e9, 0.0]
    # Gamma's chip sale to Alpha has no figure: listed with it, never as a claim of 0
    assert later.at["gamma-chips", "undisclosed_legs"] == 1 and later.at["beta-cloud", "undisclosed_legs"] == 0


def test_concentration(graph: kg.KnowledgeGraph) -> None:
    funders = graph.concentration("alpha-lab", "funders", as_of=AS_OF)
    assert (funders.hhi, funders.label, funders.top1) == (10_000, "highly concentrated", 1.0)
    market = graph.concentration(None, "market", as_of=AS_OF)
    # providers: Beta (8B) and Gamma (undisclosed): Beta holds all known purchases
    assert market.table.counterparty.tolist() == ["beta-cloud", "gamma-chips"] and market.undisclosed == 1
    with pytest.raises(ValueError, match="unknown organisation"):
        graph.concentration("nobody", "funders")


def test_cycles_round_trip(graph: kg.KnowledgeGraph) -> None:
    result = graph.cycles(as_of=AS_OF)
    (row,) = result.table.itertuples()
    # Beta invests USD 15B in Alpha; Alpha commits USD 8B back to Beta's cloud: 8B round trip, ratio 8/15
    assert row.path == "beta-cloud → alpha-lab → beta-cloud"
    assert (row.invested_usd, row.returned_usd, row.round_trip_usd) == (15e9, 8e9, 8e9)
    assert row.round_trip_ratio == pytest.approx(8 / 15)
    assert set(result.legs.deal) == {"beta-alpha-equity", "alpha-beta-compute"}
    assert not result.truncated and result.max_len == 5


def _legs(*edges: tuple[str, str, str, str, float]) -> nx.MultiDiGraph:
    legs = nx.MultiDiGraph(settings={"as_of": "2025-01-01"})
    for i, (u, v, flow, kind, amount) in enumerate(edges):
        legs.add_edge(u, v, key=str(i), deal=f"d{i}", flow=flow, kind=kind, amount_usd=amount, status="committed",
                      stake=None, date=dt.date(2025, 1, 1))
    return legs


CHAIN = _legs(("A", "B", "money", "compute_commitment", 5.0), ("C", "B", "money", "debt_financing", 8.0))


def test_liabilities_point_the_way_money_is_owed() -> None:
    owed = liabilities(CHAIN)
    assert {(u, v): d["liability"] for u, v, d in owed.edges(data=True)} == {("A", "B"): 5.0, ("B", "C"): 8.0}


def test_debtrank_scenario_by_hand() -> None:
    sizes = {n: Size(s, "market_cap", dt.date(2025, 1, 1)) for n, s in {"A": 100.0, "B": 10.0, "C": 50.0}.items()}
    result = stress(CHAIN, sizes, "A", pays=0.5, method="debtrank")
    losses = dict(zip(result.table.org, result.table.loss_usd, strict=True))
    # h_A = 0.5; B holds 5 on A: W = min(1, 5/10) = 0.5, h_B = 0.25, loss 2.5;
    # C lent 8 to B: W = min(1, 8/50) = 0.16, h_C = 0.16 * 0.25 = 0.04, loss 2.0
    assert losses == pytest.approx({"A": 50.0, "B": 2.5, "C": 2.0})
    assert result.parameters == {"variant": "battiston2012", "initial_distress": 0.5}


@pytest.mark.parametrize(("method", "c_loss"), [("eisenberg-noe", 2.5), ("rogers-veraart", 5.25)])
def test_clearing_scenario_by_hand(method: str, c_loss: float) -> None:
    sizes = {n: Size(s, "market_cap", dt.date(2025, 1, 1)) for n, s in {"A": 100.0, "B": 3.0, "C": 50.0}.items()}
    result = stress(CHAIN, sizes, "A", pays=0.5, method=method)  # type: ignore[arg-type]
    table = result.table.set_index("org")
    # A pays 2.5 of 5; B has 3 + 2.5 = 5.5 < 8 owed to C: B defaults in round 1.
    # Eisenberg–Noe: B pays 5.5, C loses 2.5. Rogers–Veraart (0.5, 0.5): B pays 0.5*3 + 0.5*2.5 = 2.75, C loses 5.25.
    assert table.loc["B", "loss_usd"] == pytest.approx(2.5) and table.loc["C", "loss_usd"] == pytest.approx(c_loss)
    assert bool(table.loc["B", "defaulted"]) and table.loc["B", "default_round"] == 1
    assert table.loc["A", "default_round"] == 0 and result.rounds == [["B"]]


def test_stress_rejects_bad_input() -> None:
    sizes: dict[str, Size] = {}
    with pytest.raises(ValueError, match="exactly one"):
        stress(CHAIN, sizes, "A")
    with pytest.raises(ValueError, match="0–1"):
        stress(CHAIN, sizes, "A", pays=1.5)
    with pytest.raises(ValueError, match="method"):
        stress(CHAIN, sizes, "A", pays=0.5, method="magic")  # type: ignore[arg-type]


def test_cli_and_api_give_the_same_numbers(graph: kg.KnowledgeGraph) -> None:
    args = ["--data", str(graph.data), "--out", str(graph.out), "--as-of", AS_OF, "--format", "json"]
    runner = CliRunner()
    cycles = json.loads(runner.invoke(main, ["cycles", *args]).output)
    assert cycles["as_of"] == AS_OF and cycles["rows"][0]["round_trip_usd"] == 8e9
    exposed = json.loads(runner.invoke(main, ["exposed-to", "alpha-lab", *args]).output)
    api = graph.exposed_to("alpha-lab", as_of=AS_OF)
    assert [r["at_risk"] for r in exposed["rows"]] == api.at_risk.tolist()
    stressed = json.loads(runner.invoke(main, ["stress", "--fail", "alpha-lab", "--pays", "0.4", "--method",
                                               "eisenberg-noe", *args]).output)
    api_stress = graph.stress("alpha-lab", pays=0.4, method="eisenberg-noe", as_of=AS_OF).table
    assert [r["loss_usd"] for r in stressed["rows"]] == api_stress.loss_usd.tolist()
    assert stressed["method"] == "eisenberg-noe" and stressed["parameters"] == "alpha=1.0, beta=1.0"
    # Beta is owed USD 8B of compute and receives 40% of it
    assert dict(zip(api_stress.org, api_stress.loss_usd, strict=True))["beta-cloud"] == pytest.approx(4.8e9)


def test_centrality_states_exact_or_sampled_betweenness(graph: kg.KnowledgeGraph) -> None:
    exact = graph.centrality(as_of=AS_OF)
    assert exact.attrs["settings"]["betweenness"] == "exact"
    flows = value_flows(graph.legs(as_of=AS_OF, group_subsidiaries=True))
    sampled = graph.centrality(as_of=AS_OF, betweenness_sources=2)
    expected = betweenness(flows, k=2, seed=0)
    assert dict(zip(sampled.org, sampled.betweenness, strict=True)) == pytest.approx(expected)
    assert sampled.attrs["settings"]["betweenness"].startswith("estimated from 2 of ")
    args = ["--data", str(graph.data), "--out", str(graph.out), "--as-of", AS_OF, "--format", "json"]
    cli = json.loads(CliRunner().invoke(main, ["centrality", "--betweenness-sources", "2", *args]).output)
    assert cli["betweenness"] == sampled.attrs["settings"]["betweenness"]
    assert [r["betweenness"] for r in cli["rows"]] == sampled.betweenness.tolist()


def test_metrics_command_writes_json_and_csv(graph: kg.KnowledgeGraph) -> None:
    result = CliRunner().invoke(main, ["metrics", "--data", str(graph.data), "--out", str(graph.out),
                                       "--fail", "alpha-lab", "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    folder = graph.out / "metrics"
    cycles = json.loads((folder / "cycles.json").read_text())
    assert cycles["settings"]["as_of"] == AS_OF and cycles["rows"][0]["round_trip_usd"] == 8e9
    assert (folder / "stress_rogers_veraart.csv").read_text().startswith("org,name,loss_usd")
