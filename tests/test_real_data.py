"""The analyses on the bundled data set surface what the reporting describes."""

from __future__ import annotations

from pathlib import Path

import pytest

import kg
from kg.paths import DEFAULT_DATA


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    return kg.load(DEFAULT_DATA, tmp_path_factory.mktemp("real") / "out")


def paths(graph: kg.KnowledgeGraph, **settings: object) -> set[str]:
    return set(graph.cycles(**settings).table.path)


def test_the_known_circular_deals_surface(graph: kg.KnowledgeGraph) -> None:
    found = paths(graph)
    for loop in ("microsoft → openai → microsoft", "amazon → openai → amazon", "amd → openai → amd",
                 "alphabet → anthropic → alphabet", "amazon → anthropic → amazon",
                 "nvidia → openai → coreweave → nvidia", "nvidia → openai → oracle → nvidia"):
        assert loop in found, loop


def test_nvidia_openai_loop_lived_while_the_letter_of_intent_stood(graph: kg.KnowledgeGraph) -> None:
    # Sept 2025: Nvidia's letter of intent to invest, OpenAI's to buy 10 GW of Nvidia systems; both lapsed in Feb 2026
    assert "nvidia → openai → nvidia" in paths(graph, as_of="2025-12-31")
    assert "nvidia → openai → nvidia" not in paths(graph, as_of="2026-06-30")


def test_microsoft_openai_round_trip(graph: kg.KnowledgeGraph) -> None:
    cycles = graph.cycles()
    row = cycles.table.set_index("path").loc["microsoft → openai → microsoft"]
    # OpenAI's incremental Azure commitment ($250B) comes back to Microsoft
    assert row.returned_usd == 250e9
    legs = cycles.legs[cycles.legs.cycle == row.cycle]
    assert "openai-microsoft-azure-2025" in set(legs.deal)


def test_exposure_to_openai_is_led_by_its_compute_providers_and_investors(graph: kg.KnowledgeGraph) -> None:
    exposed = graph.exposed_to("openai").set_index("org")
    assert exposed.loc["microsoft", "contracted_revenue"] == 250e9
    assert exposed.loc["oracle", "contracted_revenue"] == 300e9
    assert exposed.loc["amazon", "contracted_revenue"] == 38e9  # AWS grouped into Amazon
    assert exposed.index[0] == "microsoft"


def test_stress_runs_on_the_real_network(graph: kg.KnowledgeGraph) -> None:
    for method in ("debtrank", "eisenberg-noe", "rogers-veraart"):
        table = graph.stress("openai", pays=0.4, method=method).table.set_index("org")  # type: ignore[arg-type]
        assert (table.loss_usd >= 0).all()
        # Oracle is owed USD 300B of compute by OpenAI: paying 40% leaves at least 60% unpaid
        assert table.loc["oracle", "loss_usd"] >= 0.6 * 300e9 - 1


def test_explorer_marks_the_loops(graph: kg.KnowledgeGraph, tmp_path: Path) -> None:
    marked = graph.explorer_graph()
    listed = {c["path"]: c["label"] for c in marked.graph["cycles"]}
    assert listed["microsoft → openai → microsoft"] == "Microsoft → OpenAI → Microsoft"
    assert any(d["in_cycle"] for _, _, d in marked.edges(data=True))
    html = graph.write_view(tmp_path / "x.html").read_text(encoding="utf-8")
    assert "Microsoft → OpenAI → Microsoft" in html and "cdn." not in html


def test_cli_view_writes_the_explorer(graph: kg.KnowledgeGraph, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kg.cli import main

    target = tmp_path / "nvidia.html"
    result = CliRunner().invoke(main, ["view", "--data", str(graph.data), "--out", str(graph.out), "--focus",
                                       "nvidia", "--depth", "1", "-o", str(target)])
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert '"focus":"nvidia"' in html  # the page opens focused on Nvidia
    bad = CliRunner().invoke(main, ["view", "--data", str(graph.data), "--out", str(graph.out), "--kinds", "gifts",
                                    "-o", str(target)])
    assert bad.exit_code == 2 and "gifts" in bad.output


def test_funding_rounds_carry_the_valuation_around_the_round(graph: kg.KnowledgeGraph) -> None:
    rounds = graph.query("funding_rounds", org="anthropic").set_index("deal_id")
    # post-money valuations reported with Anthropic's Series E, F, G and H
    assert rounds.valuation_usd.to_dict() == {"anthropic-series-e-2025": 61.5e9, "anthropic-series-f-2025": 183e9,
                                              "anthropic-series-g-2026": 380e9, "anthropic-series-h-2026": 965e9}
    every = graph.query("funding_rounds", org="*")
    assert {"anthropic", "openai"} <= set(every.org) and every.org.equals(every.investee_id)
    assert every[every.org == "anthropic"].deal_id.tolist() == rounds.index.tolist()
