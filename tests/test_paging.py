"""Paging named queries: --limit/--offset on ``aikg query``, ``limit``/``offset`` on the library and the endpoint.

Pages are consecutive slices of one ordered result; bad values and queries without an order are
refused with a message that says why.
"""

from __future__ import annotations

import json
import urllib.parse

import pandas as pd
import pytest
from click.testing import CliRunner
from w3c.servers import endpoint, http

import kg
from kg.cli import main
from kg.paths import DEFAULT_DATA
from kg.store import queries
from kg.store.paging import PagingError, check_page, paged

LISTS = ["deals_as_of", "single_source_facts", "conflicting_claims", "stats_parties", "total_invested_per_investor",
         "deals_by_status", "investors_in", "money_cycles"]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory):
    return tmp_path_factory.mktemp("paging") / "out"


@pytest.fixture(scope="module")
def graph(out) -> kg.KnowledgeGraph:
    return kg.load(DEFAULT_DATA, out)


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return [tuple("nan" if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


@pytest.mark.parametrize("name", LISTS)
def test_pages_are_consecutive_slices_of_the_whole_result(graph: kg.KnowledgeGraph, name: str) -> None:
    whole = graph.query(name)
    ordered = _rows(graph.query(name, limit=1_000_000))
    assert len(ordered) == len(whole) > 2, f"{name}: too few rows to page"
    assert sorted(ordered, key=repr) == sorted(_rows(whole), key=repr)  # the same rows, in a total order
    size = max(1, len(ordered) // 3)
    pages = [_rows(graph.query(name, limit=size, offset=start)) for start in range(0, len(ordered) + size, size)]
    assert all(len(p) == size for p in pages[:len(ordered) // size])
    assert [row for page in pages for row in page] == ordered
    assert pages[-1] == []  # past the end: an empty page, not an error


@pytest.mark.parametrize(("limit", "offset", "message"), [
    (0, 0, "limit must be a whole number from 1"), (-5, 0, "limit must be"), ("ten", 0, "limit must be"),
    (True, 0, "limit must be"), (2.5, 0, "limit must be"), (10, -1, "offset must be a whole number from 0"),
    (10, 10**10, "offset must be"),
])
def test_bad_page_values_are_refused(graph: kg.KnowledgeGraph, limit, offset, message: str) -> None:
    with pytest.raises(queries.QueryError, match=message):
        graph.query("deals_by_status", limit=limit, offset=offset)


def test_an_offset_needs_a_limit_and_a_query_needs_an_order(graph: kg.KnowledgeGraph) -> None:
    with pytest.raises(queries.QueryError, match="an offset needs a limit"):
        graph.query("deals_by_status", offset=3)
    with pytest.raises(queries.QueryError, match="no ORDER BY"):
        graph.query("organisation_profile", limit=1)


def test_paging_writes_only_its_own_integers() -> None:
    text = 'SELECT ?a WHERE { ?a <p> "ORDER BY LIMIT" } ORDER BY ?a  # LIMIT 3'
    assert paged(text, 5, 7) == 'SELECT ?a WHERE { ?a <p> "ORDER BY LIMIT" } ORDER BY ?a ?a LIMIT 5 OFFSET 7'
    for bad in ("SELECT ?a WHERE { ?a ?p ?o } ORDER BY ?a LIMIT 3", "SELECT ?a WHERE { ?a ?p ?o }",
                "ASK { ?a ?p ?o }", "SELECT ?a WHERE { ?a ?p ?o } ORDER BY ?a VALUES ?a { <x> }"):
        with pytest.raises(PagingError):
            paged(bad, 5)
    with pytest.raises(PagingError, match="from 1 to 100"):
        check_page("1 OFFSET 0 } ", 0, max_limit=100)
    with pytest.raises(PagingError, match="from 1 to 100"):
        check_page(101, 0, max_limit=100)


def test_cli_pages_and_refuses_bad_values(graph: kg.KnowledgeGraph, out) -> None:
    runner = CliRunner()
    base = ["query", "deals_by_status", "--out", str(out), "--format", "json"]
    whole = json.loads(runner.invoke(main, [*base, "--limit", "1000000"]).output)
    page = runner.invoke(main, [*base, "--limit", "3", "--offset", "2"])
    assert page.exit_code == 0, page.output
    assert json.loads(page.output) == whole[2:5]
    for args, message in ((["--limit", "0"], "--limit"), (["--limit", "x"], "--limit"),
                          (["--offset", "-1"], "--offset"), (["--offset", "4"], "--offset needs --limit")):
        result = runner.invoke(main, [*base, *args])
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    result = runner.invoke(main, ["query", "organisation_profile", "--out", str(out), "--limit", "2"])
    assert result.exit_code != 0 and "no ORDER BY" in result.output and "Traceback" not in result.output


def test_endpoint_pages_named_queries_and_refuses_bad_values(graph: kg.KnowledgeGraph, out) -> None:
    text = queries.get("single_source_facts").text
    whole = graph.query("single_source_facts", limit=1_000_000)["fact_id"].tolist()
    with endpoint(out / "store", max_rows=50) as server:
        def get(**params: object):
            query = urllib.parse.urlencode({"query": text, **params})
            return http(f"{server.url}/sparql?{query}", headers={"Accept": "application/sparql-results+json"})

        pages = []
        for start in (0, 20, 40):
            response = get(limit=20, offset=start)
            assert response.status == 200, response.body
            pages += [b["fact_id"]["value"] for b in json.loads(response.body)["results"]["bindings"]]
        assert pages == whole[:60]
        for params, message in (({"limit": 0}, b"limit must be"), ({"limit": 51}, b"from 1 to 50"),
                                ({"limit": "5; DROP"}, b"limit must be"), ({"offset": -2}, b"offset must be")):
            response = get(**params)
            assert response.status == 400 and message in response.body, (params, response.body)
        unordered = http(f"{server.url}/sparql?" + urllib.parse.urlencode(
            {"query": "SELECT * WHERE { ?s ?p ?o }", "limit": 5}))
        assert unordered.status == 400 and b"no ORDER BY" in unordered.body
