"""The named-query library: headers, safe parameters, typed results, and answers on a small data set."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner
from minidata import write_dataset

import kg
from kg.cli import main
from kg.records.names import UnknownOrganisation
from kg.store import queries


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    root = tmp_path_factory.mktemp("queries")
    return kg.load(write_dataset(root / "data"), root / "out")


def test_library_has_headers_and_enough_queries() -> None:
    library = queries.library()
    analyst = [q for q in library.values() if "stats" not in q.tags]
    assert len(analyst) >= 20
    assert all(q.title and q.description for q in library.values())


@pytest.mark.parametrize("name", sorted(queries.library()))
def test_every_named_query_runs_with_its_defaults(graph: kg.KnowledgeGraph, name: str) -> None:
    # the defaults name the real data's organisations; here organisations of the small data set stand in
    present = {"org": "alpha-lab", "a": "beta-cloud", "b": "Alpha Lab"}
    frame = graph.query(name, **{p.name: present[p.name] for p in queries.get(name).params if p.type == "org"})
    assert isinstance(frame, pd.DataFrame)
    for param in queries.get(name).params:
        assert param.name in frame.columns or frame.empty  # parameters are projected so they can be bound


def test_investors_in_with_typed_columns(graph: kg.KnowledgeGraph) -> None:
    frame = graph.query("investors_in", org="alpha-lab")
    assert frame.investor_id.tolist() == ["beta-cloud"]
    assert frame.deal_max_usd.tolist() == [15e9]  # EUR 12B at 1.25
    assert pd.api.types.is_datetime64_any_dtype(frame.date) and frame.date.iloc[0] == pd.Timestamp("2025-04-01")
    assert pd.api.types.is_float_dtype(frame.deal_max_usd)


def test_parameters_inside_subqueries_are_applied(graph: kg.KnowledgeGraph) -> None:
    alpha = graph.query("commitments_vs_revenue", org="alpha-lab")
    beta = graph.query("commitments_vs_revenue", org="beta-cloud")
    assert alpha.commitments_usd.tolist() == [8e9] and alpha.undisclosed.tolist() == [1]
    assert beta.empty or beta.commitments_usd.tolist() == [0.0]


def test_as_of_query_picks_the_claim_known_then(graph: kg.KnowledgeGraph) -> None:
    early = graph.query("deals_as_of", as_of="2025-03-15").set_index("deal_id")
    late = graph.query("deals_as_of", as_of="2025-06-01").set_index("deal_id")
    assert early.loc["beta-alpha-equity", "usd"] == 10e9 and "gamma-alpha-chips" not in early.index
    assert late.loc["beta-alpha-equity", "max_usd"] == 15e9


def test_wrong_parameter_name_or_type_is_a_clear_error(graph: kg.KnowledgeGraph) -> None:
    with pytest.raises(queries.QueryError, match="has no parameter organisation"):
        graph.query("investors_in", organisation="x")
    with pytest.raises(queries.QueryError, match="must be date"):
        graph.query("deals_as_of", as_of="last tuesday")
    with pytest.raises(queries.QueryError, match="must be bool"):
        graph.query("single_source_facts", weak_only="maybe")
    with pytest.raises(queries.QueryError, match="no named query"):
        graph.query("no_such_query")


def test_a_wildcard_parameter_is_left_unbound_where_declared(tmp_path) -> None:
    (tmp_path / "q.rq").write_text("# title: T\n# param: org: str* = alpha -- an id or *\n"
                                   "# param: kind: str = x -- no wildcard\nSELECT ?org ?kind WHERE {}\n")
    named = queries.parse_query_file(tmp_path / "q.rq")
    assert named.bind({"org": "*", "kind": "*"}) == {"kind": "*"}  # "*" is a plain value where not declared
    assert named.bind({}) == {"org": "alpha", "kind": "x"}
    assert [p.wildcard for p in named.params] == [True, False]


def test_a_hostile_parameter_is_a_value_not_query_text(graph: kg.KnowledgeGraph) -> None:
    hostile = 'alpha-lab" } UNION { ?x ?y ?z } #'
    with pytest.raises(UnknownOrganisation, match="did you mean alpha-lab"):  # looked up as a name, nothing more
        graph.query("investors_in", org=hostile)
    assert graph.query("sources_of_fact", fact=hostile).empty
    assert graph.query("investors_in", org="alpha-lab").shape[0] == 1


def test_cli_query_formats(graph: kg.KnowledgeGraph) -> None:
    runner = CliRunner()
    base = ["query", "investors_in", "-p", "org=alpha-lab", "--data", str(graph.data), "--out", str(graph.out)]
    rows = json.loads(runner.invoke(main, [*base, "--format", "json"]).output)
    assert rows[0]["investor_id"] == "beta-cloud" and rows[0]["deal_max_usd"] == 15e9
    assert runner.invoke(main, [*base, "--format", "csv"]).output.startswith("org,investor_id,")
    assert "| beta-cloud |" in runner.invoke(main, [*base, "--format", "md"]).output
    bad = runner.invoke(main, ["query", "investors_in", "-p", "orgg=x", "--data", str(graph.data),
                               "--out", str(graph.out)])
    assert bad.exit_code == 2 and "has no parameter orgg" in bad.output
    listed = runner.invoke(main, ["query", "--list", "--format", "csv"]).output
    assert "investors_in,Who invested in an organisation,org=openai" in listed
    assert "funding_rounds,Funding rounds and valuations over time,org=openai (or *)" in listed


def test_cli_sparql_text_and_file(graph: kg.KnowledgeGraph, tmp_path) -> None:
    text = "PREFIX aikg: <https://w3id.org/aikg/ontology#> SELECT (COUNT(?d) AS ?n) WHERE { ?d a aikg:Deal }"
    runner = CliRunner()
    args = ["--data", str(graph.data), "--out", str(graph.out), "--format", "csv"]
    assert runner.invoke(main, ["sparql", text, *args]).output == "n\n3\n"
    (tmp_path / "q.rq").write_text(text)
    assert runner.invoke(main, ["sparql", str(tmp_path / "q.rq"), *args]).output == "n\n3\n"
