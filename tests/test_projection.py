"""RDF → NetworkX projection: legs per deal, as-of dates, statuses counted, ranges, money flows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from minidata import mini, write_dataset

import kg
from kg.projection.aggregate import money_flows
from kg.projection.legs import Settings, deal_legs, pick


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    root = tmp_path_factory.mktemp("proj")
    data = mini()
    data["deals"]["deals.yaml"][1]["claims"][0]["amount"] = {"min": 2e9, "max": 6e9, "currency": "USD"}
    return kg.load(write_dataset(root / "data", data), root / "out")


def legs(g: kg.KnowledgeGraph, **settings: object) -> dict[tuple[str, str, str], dict]:
    G = deal_legs(g.store, Settings.of(**settings))
    return {(u, v, d["flow"]): d for u, v, d in G.edges(data=True)}


def test_pick_ranges() -> None:
    assert pick(5.0, None, None, "min") == 5.0
    assert (pick(None, 2.0, 6.0, "min"), pick(None, 2.0, 6.0, "max"), pick(None, 2.0, 6.0, "midpoint")) == (2, 6, 4)
    # "up to 7" is the range 0..7: min counts 0, max and midpoint the one figure stated
    assert (pick(None, None, 7.0, "min"), pick(None, None, 7.0, "max"), pick(None, None, 7.0, "midpoint")) == (0, 7, 7)
    assert pick(None, None, 7.0, "min", approximate=True) == 7.0  # "almost 7" is near 7 in every mode
    assert pick(None, 3.0, None, "max") == 3.0  # "over 3": no upper end is stated
    assert pick(None, None, None, "midpoint") is None


def test_each_deal_gives_a_leg_each_way(graph: kg.KnowledgeGraph) -> None:
    found = legs(graph, as_of="2025-06-01")
    assert set(found) == {
        ("beta-cloud", "alpha-lab", "money"), ("alpha-lab", "beta-cloud", "equity"),
        ("alpha-lab", "beta-cloud-services", "money"), ("beta-cloud-services", "alpha-lab", "compute"),
        ("alpha-lab", "gamma-chips", "money"), ("gamma-chips", "alpha-lab", "chips"),
    }
    money = found[("beta-cloud", "alpha-lab", "money")]
    # the preferred claim (up to EUR 12B at 1.25 USD/EUR) speaks for the deal once it is dated
    assert (money["amount_usd"], money["amount_max_usd"], money["approximate"]) == (15e9, 15e9, True)
    assert money["native_amount"] == "EUR 12B" and money["primary"] and money["category"] == "investment"
    # sources belong to the deal's claims: kept once per deal, not on every leg
    deals = graph.legs(as_of="2025-06-01").graph["deals"]
    assert [s["publisher"] for s in deals[money["deal"]]["sources"]] == ["Test Wire", "Other Wire"]
    assert all(not isinstance(x, (list, dict)) for x in money.values())
    chips = found[("alpha-lab", "gamma-chips", "money")]
    assert chips["amount_usd"] is None and chips["undisclosed"] and chips["status"] == "announced"


def test_as_of_uses_the_claims_known_by_then(graph: kg.KnowledgeGraph) -> None:
    early = legs(graph, as_of="2025-03-15")
    money = early[("beta-cloud", "alpha-lab", "money")]
    assert money["amount_usd"] == 10e9 and money["date"] == dt.date(2025, 3, 1)
    assert early[("alpha-lab", "beta-cloud", "equity")]["stake"] == pytest.approx(0.4)
    assert ("alpha-lab", "gamma-chips", "money") not in early  # first reported in April
    assert legs(graph, as_of="2025-01-01") == {}


def test_statuses_counted(graph: kg.KnowledgeGraph) -> None:
    closed = legs(graph, as_of="2025-06-01", statuses=["closed"])
    assert {k[:2] for k in closed} == {("beta-cloud", "alpha-lab"), ("alpha-lab", "beta-cloud")}


@pytest.mark.parametrize(("ranges", "expected"), [("min", 2e9), ("max", 6e9), ("midpoint", 4e9)])
def test_ranges_policy(graph: kg.KnowledgeGraph, ranges: str, expected: float) -> None:
    leg = legs(graph, as_of="2025-06-01", ranges=ranges)[("alpha-lab", "beta-cloud-services", "money")]
    assert leg["amount_usd"] == expected and (leg["amount_min_usd"], leg["amount_max_usd"]) == (2e9, 6e9)


def test_money_flows_aggregate_money_legs(graph: kg.KnowledgeGraph) -> None:
    G = deal_legs(graph.store, Settings.of(as_of="2025-06-01"))
    flows = money_flows(G)
    assert {(u, v): (d["amount"], d["undisclosed"]) for u, v, d in flows.edges(data=True)} == {
        ("beta-cloud", "alpha-lab"): (15e9, 0), ("alpha-lab", "beta-cloud-services"): (4e9, 0),
        ("alpha-lab", "gamma-chips"): (0.0, 1),
    }
    assert flows.graph["settings"] == {"as_of": "2025-06-01", "statuses": ["announced", "closed", "committed",
                                                                           "in_progress"], "ranges": "midpoint",
                                       "allocation": "equal"}
    assert flows.nodes["beta-cloud"]["wikidata"] == "Q42" and flows.nodes["alpha-lab"]["aliases"] == ["Alpha-Labor"]


def test_settings_reject_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ranges"):
        Settings.of(ranges="average")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Settings.of(statuses=["finished"])
