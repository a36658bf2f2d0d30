"""The bubble questions: circularity against null models, commitments against revenue, the revenue
gap, "as reported on" a date, timelines and changes; hand-computed cases and the bundled data."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
from collections import Counter

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

import kg
from kg.analytics.null_models import (
    MEASURES,
    NullTest,
    circular_volume,
    circular_volume_reference,
    circularity_null,
    rewired,
)
from kg.cli import main
from kg.metrics.carry import growth_needed, schedule, term_years
from kg.metrics.timeline import month_ends

# -- null models: hand-computed cases and the networkx reference --------------------------------------------


def _random_flows(seed: int, n: int = 25, p: float = 0.12) -> nx.DiGraph:
    rng = np.random.default_rng(seed)
    G = nx.gnp_random_graph(n, p, directed=True, seed=seed)
    for u, v in G.edges:
        G.edges[u, v]["amount"] = None if rng.random() < 0.2 else float(rng.integers(1, 100))
    return G


@pytest.mark.parametrize("seed", range(20))
def test_circular_volume_matches_the_networkx_reference(seed: int) -> None:
    G = _random_flows(seed)
    fast, plain = circular_volume(G, max_len=4), circular_volume_reference(G, max_len=4)
    assert fast["cycles"] == plain["cycles"]
    assert math.isclose(fast["round_trip"], plain["round_trip"])
    assert math.isclose(fast["circular_share"], plain["circular_share"])


def test_a_ring_of_three_by_hand() -> None:
    G = nx.DiGraph()
    G.add_weighted_edges_from([("a", "b", 10.0), ("b", "c", 4.0), ("c", "a", 6.0), ("a", "x", 5.0),
                               ("y", "b", None)], weight="amount")
    v = circular_volume(G)
    assert v == {"cycles": 1.0, "round_trip": 4.0, "circular_share": 20.0 / 25.0}


def test_an_undisclosed_leg_gives_no_round_trip_but_the_loop_counts() -> None:
    G = nx.DiGraph()
    G.add_weighted_edges_from([("a", "b", 10.0), ("b", "a", None)], weight="amount")
    assert circular_volume(G) == {"cycles": 1.0, "round_trip": 0.0, "circular_share": 1.0}


def test_rewiring_keeps_degrees_and_what_each_organisation_pays_out() -> None:
    G = _random_flows(3, n=40, p=0.1)
    for v in G:
        G.nodes[v]["kind"] = "lab" if v % 3 == 0 else ("cloud" if v % 3 == 1 else "chips")
    for node_class in (None, "kind"):
        R = rewired(G, seed=7, node_class=node_class)
        assert R.number_of_edges() == G.number_of_edges() and nx.number_of_selfloops(R) == 0
        assert dict(R.in_degree()) == dict(G.in_degree()) and dict(R.out_degree()) == dict(G.out_degree())
        for v in G:  # each edge's amount stays with its giver
            assert sorted(map(str, (d["amount"] for *_, d in R.out_edges(v, data=True)))) == \
                sorted(map(str, (d["amount"] for *_, d in G.out_edges(v, data=True))))
        assert set(R.edges) != set(G.edges)
    classes = rewired(G, seed=7, node_class="kind")
    pairs = Counter((G.nodes[u]["kind"], G.nodes[v]["kind"]) for u, v in G.edges)
    assert Counter((G.nodes[u]["kind"], G.nodes[v]["kind"]) for u, v in classes.edges) == pairs
    plain = rewired(G, seed=7)
    assert Counter((G.nodes[u]["kind"], G.nodes[v]["kind"]) for u, v in plain.edges) != pairs


def test_a_ring_among_one_way_flows_is_significant_and_the_seed_reproduces_it() -> None:
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), *((f"s{i}", f"t{i}") for i in range(6))])
    first, again = circularity_null(G, n=300, seed=4), circularity_null(G, n=300, seed=4)
    assert np.array_equal(first.samples, again.samples)
    row = first.to_frame().set_index("measure").loc["cycles"]
    # the ring is broken by every swap with a one-way flow; it survives only when no swap touches it
    assert row["observed"] == 1 and row["null_mean"] < 0.1 and row["p_value"] < 0.1 and row["z"] > 2
    other = circularity_null(G, n=300, seed=5)
    assert not np.array_equal(first.samples, other.samples)


def test_p_values_z_scores_and_intervals_by_hand() -> None:
    samples = np.array([[0, 0, 0.1], [1, 5, 0.2], [2, 5, 0.5], [3, 10, 0.5]], dtype=float)
    test = NullTest("degree", "", 4, 0, 10, 5, {"cycles": 2.0, "round_trip": 11.0, "circular_share": 0.5}, samples)
    table = test.to_frame().set_index("measure")
    assert table.loc["cycles", "exceed"] == 2 and table.loc["cycles", "p_value"] == pytest.approx(3 / 5)
    assert table.loc["round_trip", "exceed"] == 0 and table.loc["round_trip", "p_value"] == pytest.approx(1 / 5)
    assert table.loc["circular_share", "exceed"] == 2
    assert table.loc["cycles", "z"] == pytest.approx((2 - 1.5) / np.std([0, 1, 2, 3], ddof=1))
    low, high = table.loc["cycles", ["p_low", "p_high"]]
    assert low < 0.5 < high and low >= 0 and high <= 1
    assert table.loc["round_trip", "p_low"] == 0.0  # Clopper-Pearson at k = 0


def test_the_randomised_networks_are_uniform_over_every_graph_with_the_same_degrees() -> None:
    """On a small graph every simple digraph with the same in- and out-degrees can be listed: the null
    model must draw each about equally often (networkx's directed_edge_swap, tried as the reference,
    does not: on this graph it never reached one of the 53 and drew others 6 to 108 times in 3,000)."""
    G = nx.DiGraph([(0, 1), (1, 2), (2, 0), (0, 3), (3, 4), (4, 0), (1, 4)])
    degrees = (dict(G.in_degree()), dict(G.out_degree()))
    pairs = [(u, v) for u in G for v in G if u != v]
    every = set()
    for edges in itertools.combinations(pairs, G.number_of_edges()):
        H = nx.DiGraph(edges)
        H.add_nodes_from(G)
        if (dict(H.in_degree()), dict(H.out_degree())) == degrees:
            every.add(frozenset(edges))
    assert len(every) == 53
    drawn = Counter(frozenset(rewired(G, seed=s, swaps_per_edge=20).edges) for s in range(2500))
    assert set(drawn) == every  # every graph is reached, and nothing else
    assert stats.chisquare(list(drawn.values())).pvalue > 0.001


def test_bad_arguments_are_refused() -> None:
    G = nx.DiGraph([(1, 2)])
    with pytest.raises(ValueError, match="null must be"):
        circularity_null(G, null="random")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_len"):
        circular_volume(G, max_len=1)


# -- commitments against revenue: hand-computed ----------------------------------------------------------------


def test_terms_schedules_and_the_growth_needed_by_hand() -> None:
    assert term_years("P7Y") == 7 and term_years("P18M") == 1.5 and term_years("bogus") is None
    plan = schedule(70.0, dt.date(2026, 1, 1), 7.0)
    assert sum(plan.values()) == pytest.approx(70.0) and min(plan) == 2026 and max(plan) in (2032, 2033)
    # 10 of revenue, 10 due next year and 40 the year after: 10x + 10x^2 = 50 -> x = (sqrt(21) - 1) / 2
    assert growth_needed(10.0, {2026: 10.0, 2027: 40.0}, 2025) == pytest.approx((math.sqrt(21) - 1) / 2 - 1)
    assert growth_needed(10.0, {2026: 9.0, 2027: 9.0}, 2025) == 0.0
    assert growth_needed(0.0, {2026: 1.0}, 2025) is None


def test_months_end_on_their_last_day() -> None:
    assert month_ends(dt.date(2024, 1, 15), dt.date(2024, 3, 3)) == [
        dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 3)]


# -- the bundled data ------------------------------------------------------------------------------------------


def test_openai_commitments_against_revenue_state_their_basis_and_sources(real_graph: kg.KnowledgeGraph) -> None:
    result = real_graph.carry("OpenAI")
    f = result.figures
    legs = real_graph.legs(group_subsidiaries=True)
    deals = legs.graph["deals"]
    # every commitment is a counted compute or chip purchase OpenAI pays, at the deal's own figure when it
    # is the deal's only payer
    for row in result.commitments.itertuples():
        assert deals[row.deal]["kind"] in ("compute_commitment", "chip_supply")
        if row.amount_usd is not None and not math.isnan(row.amount_usd) and row.basis == "deal_total":
            assert row.amount_usd == pytest.approx(deals[row.deal]["amount_usd"])
    assert "openai-aws-2025" in set(result.commitments["deal"])
    assert f["committed_usd"] == pytest.approx(result.commitments["amount_usd"].sum())
    assert f["outstanding_usd"] <= f["committed_usd"]
    assert f["revenue_basis"] == "actual" and f["revenue_period"].endswith("-12-31")
    assert f["years_of_revenue"] == pytest.approx(f["outstanding_usd"] / f["revenue_usd"])
    assert f["years_of_run_rate"] == pytest.approx(f["outstanding_usd"] / f["run_rate_usd"])
    assert f["years_of_revenue"] > 10  # hundreds of billions against a revenue of tens
    # each figure used is cited with a quote from its source
    assert set(result.inputs["metric"]) >= {"revenue", "revenue_run_rate"}
    assert result.inputs["quote"].str.len().min() > 20 and result.inputs["publisher"].notna().all()
    # the scheduled years add up to what the stated terms spread
    assert result.by_year["scheduled_usd"].sum() <= f["committed_usd"] + 1


def test_anthropic_has_a_run_rate_and_no_annual_revenue(real_graph: kg.KnowledgeGraph) -> None:
    f = real_graph.carry("anthropic").figures
    assert f["revenue_usd"] is None and f["years_of_revenue"] is None
    assert f["run_rate_usd"] > 0 and f["years_of_run_rate"] == pytest.approx(f["outstanding_usd"] / f["run_rate_usd"])


def test_the_revenue_gap_is_twice_capex_less_lab_revenue(real_graph: kg.KnowledgeGraph) -> None:
    gap = real_graph.revenue_gap()
    table = gap.table.set_index("year")
    for year, row in table.iterrows():
        if row["capex_usd"] == row["capex_usd"] and row["ai_revenue_usd"] == row["ai_revenue_usd"]:
            assert row["needed_usd"] == pytest.approx(2 * row["capex_usd"])
            assert row["gap_usd"] == pytest.approx(row["needed_usd"] - row["ai_revenue_usd"])
        inputs = gap.inputs[pd.to_datetime(gap.inputs["end"]).dt.year == year]
        capex = inputs[inputs["metric"] == "capex"]["usd"].sum()
        assert capex == pytest.approx(row["capex_usd"] if row["capex_usd"] == row["capex_usd"] else 0.0)
    assert table.loc[2025, "capex_basis"].startswith("sum of 4 of 4")
    assert gap.inputs["quote"].notna().all() and (gap.inputs["source"] != "").all()
    assert gap.sequoia["usd"].tolist() == [600e9]


def test_as_reported_counts_only_what_was_published(real_graph: kg.KnowledgeGraph) -> None:
    before = real_graph.legs(reported_by="2025-10-31")
    after = real_graph.legs(reported_by="2025-11-30")
    assert "openai-aws-2025" not in before.graph["deals"] and "openai-aws-2025" in after.graph["deals"]
    assert before.graph["settings"]["reported_by"] == "2025-10-31"
    tables = real_graph._projection_tables()
    published = tables.sources.set_index("source")["published"]
    for deal, record in before.graph["deals"].items():
        assert all(s["published"] <= dt.date(2025, 10, 31) for s in record["sources"]), deal
    # sizes as reported never rest on a later figure
    for org, size in real_graph.sizes(reported_by="2025-01-27").items():
        assert size.date <= dt.date(2025, 1, 27), org
    assert published.max() > pd.Timestamp("2025-01-27")


def test_the_openai_timeline_grows_by_the_aws_contract_in_november_2025(real_graph: kg.KnowledgeGraph) -> None:
    frame = real_graph.timeline("openai", start="2025-10-01", end="2025-11-30").set_index("month")
    oct_, nov = frame.loc[dt.date(2025, 10, 31)], frame.loc[dt.date(2025, 11, 30)]
    aws = real_graph.legs(reported_by="2025-11-30").graph["deals"]["openai-aws-2025"]["amount_usd"]
    assert nov["commitments_usd"] - oct_["commitments_usd"] == pytest.approx(aws)
    whole = real_graph.timeline(start="2025-11-01", end="2025-11-30")
    assert whole.iloc[-1]["commitments_usd"] >= nov["commitments_usd"]


def test_changes_in_the_last_quarter_of_2025_name_their_sources(real_graph: kg.KnowledgeGraph) -> None:
    events = real_graph.changes("2025-10-01", "2025-12-31")
    aws = events[(events["deal"] == "openai-aws-2025") & (events["event"] == "new deal")]
    assert len(aws) >= 1 and str(aws.iloc[0]["published"]) == "2025-11-04"
    assert "38" in aws.iloc[0]["quote"]
    assert events["published"].between(dt.date(2025, 10, 2), dt.date(2025, 12, 31)).all()
    assert events["quote"].str.len().min() > 0 and events["publisher"].notna().all()
    status = events[events["event"] == "status"]
    assert (status["status_before"] != status["status"]).all() and len(status) > 0
    amount = events[events["event"] == "amount"]
    assert (amount["amount_before_usd"] != amount["amount_usd"]).all()
    with pytest.raises(ValueError, match="before"):
        real_graph.changes("2025-12-31", "2025-10-01")


def test_circularity_on_the_bundled_data_is_reproducible(real_graph: kg.KnowledgeGraph) -> None:
    first = real_graph.circularity(60, seed=2, null="class")
    again = real_graph.circularity(60, seed=2, null="class")
    assert np.array_equal(first.test.samples, again.test.samples)
    cycles = real_graph.cycles()
    assert first.test.observed["cycles"] == len(cycles.table)  # the same loops as the cycle search
    assert first.to_frame()["measure"].tolist() == list(MEASURES)


def _cli(graph: kg.KnowledgeGraph, *args: str) -> object:
    return CliRunner().invoke(main, [*args, "--data", str(graph.data), "--out", str(graph.out)])


def test_the_cli_commands(real_graph: kg.KnowledgeGraph) -> None:
    out = _cli(real_graph, "circularity", "--null", "40", "--seed", "3", "--format", "json")
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert {r["null"] for r in payload["rows"]} == {"degree", "class"} and "p-value" in payload
    again = _cli(real_graph, "circularity", "--null", "40", "--seed", "3", "--format", "json")
    assert json.loads(again.output)["rows"] == payload["rows"]
    carry = _cli(real_graph, "carry", "openai", "--format", "json", "--reported-by", "2025-12-31")
    assert carry.exit_code == 0, carry.output
    body = json.loads(carry.output)
    assert body["reported_by"] == "2025-12-31" and body["figures"]["commitments"] > 0
    changes = _cli(real_graph, "changes", "--since", "2025-10-01", "--until", "2025-12-31", "--format", "csv")
    assert changes.exit_code == 0 and "openai-aws-2025" in changes.output
    bad = _cli(real_graph, "changes", "--since", "2025-13-01")
    assert bad.exit_code == 2 and "--since" in bad.output and "2025-13-01" in bad.output
    bad = _cli(real_graph, "exposure", "openai", "--reported-by", "yesterday")
    assert bad.exit_code == 2 and "--reported-by" in bad.output
    gap = _cli(real_graph, "revenue-gap", "--format", "csv")
    assert gap.exit_code == 0 and "capex_usd" in gap.output
    timeline = _cli(real_graph, "timeline", "openai", "--start", "2025-09-01", "--end", "2025-11-30",
                    "--format", "json")
    assert timeline.exit_code == 0 and len(json.loads(timeline.output)["rows"]) == 3
