"""The query page's server side: named queries at ``/queries/NAME`` bound as ``aikg query`` binds
them, XLSX results, the page's inlined editor and data (no browser; see test_query_page_browser.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import urllib.parse
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from test_query_references import CONCATENATED
from w3c.servers import endpoint, http

import kg
from kg.cli import main
from kg.endpoint.editor import CODEMIRROR_DIR, editor_assets
from kg.endpoint.spreadsheet import XLSX, results_to_xlsx
from kg.paths import QUERY_DIR
from kg.store import EmbeddedStore, queries
from kg.store.base import bind_with_values
from kg.store.paging import paged

XSD = "http://www.w3.org/2001/XMLSchema#"
FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture(scope="module")
def server(real_graph: kg.KnowledgeGraph) -> Iterator:
    with endpoint(real_graph.out / "store", named_queries=queries.library()) as srv:
        yield srv


def _named(server, name: str, **params: str) -> str:
    return f"{server.url}/queries/{name}?" + urllib.parse.urlencode(params)


def _cli_csv(graph: kg.KnowledgeGraph, name: str, *params: str) -> list[dict[str, str]]:
    args = ["query", name, "--format", "csv", "--data", str(graph.data), "--out", str(graph.out)]
    for p in params:
        args += ["-p", p]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("deals_of_org", {"org": "anthropic"}),
        ("deals_of_org", {"org": "Microsoft Corporation"}),  # an alias, resolved like the CLI does
        ("deals_between", {"a": "nvidia", "b": "openai"}),
        ("deals_by_status", {"status": "closed"}),
        ("funding_rounds", {"org": "*"}),
        ("deals_as_of", {"as_of": "2024-12-31"}),
    ],
)
def test_named_query_over_http_returns_the_rows_of_aikg_query(
    server, real_graph: kg.KnowledgeGraph, name: str, params: dict[str, str]
) -> None:
    response = http(_named(server, name, format="csv", **params))
    assert response.status == 200, response.text
    mine = list(csv.DictReader(io.StringIO(response.text)))
    cli = _cli_csv(real_graph, name, *(f"{k}={v}" for k, v in params.items()))
    assert len(mine) == len(cli) > 0
    key = next(iter(cli[0]))  # the CLI writes numbers as floats; compare ids and dates as text
    assert [r[key] for r in mine] == [r[key] for r in cli]
    if "deal_id" in cli[0]:
        assert [r["deal_id"] for r in mine] == [r["deal_id"] for r in cli]
        for m, c in zip(mine, cli, strict=True):
            assert (m["usd"] and float(m["usd"])) == (c["usd"] and float(c["usd"])), m["deal_id"]


def test_a_parameter_is_bound_not_pasted(server) -> None:
    # a value that would end the string and add a pattern if it were pasted into the text
    hostile = 'closed" } UNION { ?d ?p ?o } #'
    response = http(_named(server, "deals_by_status", status=hostile, format="json"))
    assert response.status == 200
    assert json.loads(response.body)["results"]["bindings"] == []
    closed = json.loads(http(_named(server, "deals_by_status", status="closed", format="json")).body)
    assert len(closed["results"]["bindings"]) > 10


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/queries/deals_of_org?org=opneai", 400, "did you mean openai"),
        ("/queries/deals_of_org?bogus=1", 400, "has no parameter bogus"),
        ("/queries/deals_as_of?as_of=yesterday", 400, "must be date"),
        ("/queries/deals_of_org?org=a&org=b", 400, "once"),
        ("/queries/no_such_query", 404, "no named query"),
        ("/queries/deals_of_org?update=x", 400, "has no parameter update"),
    ],
)
def test_named_query_errors_are_clear(server, url: str, status: int, says: str) -> None:
    response = http(server.url + url)
    assert response.status == status and says in response.text
    assert "Traceback" not in response.text


def test_xlsx_download_is_typed_and_matches_json(server) -> None:
    url = _named(server, "deals_of_org", org="openai")
    data = json.loads(http(url + "&format=json").body)
    response = http(url + "&format=xlsx")
    assert response.status == 200 and response.header("content-type") == XLSX
    rows = list(load_workbook(io.BytesIO(response.body)).active.iter_rows(values_only=True))
    assert list(rows[0]) == data["head"]["vars"]
    assert len(rows) - 1 == len(data["results"]["bindings"]) > 10
    usd = data["head"]["vars"].index("usd")
    date = data["head"]["vars"].index("date")
    for row, binding in zip(rows[1:], data["results"]["bindings"], strict=True):
        if "usd" in binding:
            assert row[usd] == pytest.approx(float(binding["usd"]["value"]))
            assert isinstance(row[usd], int | float)
        assert row[date].date() == dt.date.fromisoformat(binding["date"]["value"])


def test_xlsx_keeps_hostile_text_as_text() -> None:
    body = json.dumps(
        {
            "head": {"vars": ["text", "n", "flag"], "link": ["urn:aikg:truncated"]},
            "results": {
                "bindings": [
                    {
                        "text": {"type": "literal", "value": FORMULA + "\x01"},
                        "n": {"type": "literal", "value": "32300000000", "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
                        "flag": {"type": "literal", "value": "true", "datatype": "http://www.w3.org/2001/XMLSchema#boolean"},
                    },
                    {},  # a row with every variable unbound keeps its place
                    {"n": {"type": "literal", "value": "x", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}},
                ]
            },
        }
    ).encode()
    sheet = load_workbook(io.BytesIO(results_to_xlsx(body))).active
    assert sheet["A2"].value == FORMULA + "\ufffd" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 32300000000 and sheet["C2"].value is True
    assert sheet["B3"].value is None and sheet["B4"].value == "x"  # an ill-typed number stays text
    assert "truncated" in sheet["A5"].value
    with pytest.raises(ValueError, match="SELECT and ASK"):
        results_to_xlsx(b'{"@context": {}}')


def test_xlsx_for_ad_hoc_queries_and_ask(server) -> None:
    query = urllib.parse.quote("ASK { ?s ?p ?o }")
    book = load_workbook(io.BytesIO(http(f"{server.url}/sparql?query={query}&format=xlsx").body))
    assert list(book.active.iter_rows(values_only=True)) == [("boolean",), (True,)]
    construct = urllib.parse.quote("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1")
    assert http(f"{server.url}/sparql?query={construct}&format=xlsx").status == 400


def test_page_carries_the_gallery_prefixes_and_editor(server) -> None:
    page = http(server.url + "/").text
    assert page.count("<script nonce=") == 1 and page.count("<style nonce=") == 1
    cards = json.loads(page.split('id="gallery-data">')[1].split("</script>")[0])
    assert {c["name"] for c in cards} == set(queries.library())
    deals = next(c for c in cards if c["name"] == "deals_of_org")
    assert deals["params"][0] | {"description": ""} == {
        "name": "org", "type": "org", "default": "openai", "description": "", "wildcard": False,
    }  # fmt: skip
    assert 'PREFIX aikg:' not in page.split('id="prefixes">')[1][:20]  # the prefixes go as JSON
    assert '"aikg": "https://w3id.org/aikg/ontology#"' in page
    if editor_assets() is not None:
        assert "CodeMirror" in page and "application/sparql-query" in page
    assert http(server.url + "/favicon.ico").status == 204


def test_editor_assets_come_from_the_debian_package(tmp_path: Path) -> None:
    assert editor_assets(tmp_path) is None  # no package: the page keeps its text area
    if not (CODEMIRROR_DIR / "mode/sparql/sparql.js").is_file():
        pytest.skip("Debian's libjs-codemirror is not installed (`make editor`)")
    assets = editor_assets()
    assert assets is not None and "</script" not in assets.js.lower() and "sparql" in assets.js


def test_an_unparameterised_tuple_entry_still_works(tmp_path: Path) -> None:
    (tmp_path / "d.nt").write_text('<http://example.org/a> <http://example.org/p> "x" .\n', encoding="utf-8")
    EmbeddedStore.build(tmp_path / "store", [tmp_path / "d.nt"], "t")
    with endpoint(tmp_path / "store", named_queries={"all": ("All", "SELECT * WHERE { ?s ?p ?o }")}) as srv:
        data = json.loads(http(srv.url + "/queries/all").body)
        assert len(data["results"]["bindings"]) == 1
        assert http(srv.url + "/queries/all?x=1").status == 400


def test_named_query_pages_over_http_are_the_cli_pages(server, real_graph: kg.KnowledgeGraph) -> None:
    whole = _cli_csv(real_graph, "deals_of_org", "org=openai")
    pages = []
    for start in (0, 5, 10):
        response = http(_named(server, "deals_of_org", org="openai", format="csv", limit="5", offset=str(start)))
        assert response.status == 200, response.text
        pages += [row["deal_id"] for row in csv.DictReader(io.StringIO(response.text))]
    assert pages == [row["deal_id"] for row in whole[:15]] and len(whole) > 15
    refused = http(_named(server, "deals_of_org", org="openai", limit="0"))
    assert refused.status == 400 and "limit must be" in refused.text


def _terms(body: bytes) -> tuple[list[str], list[dict[str, tuple[str, str, object]]]]:
    """SPARQL JSON results as (variables, rows of (type, datatype, value)); numbers as Decimal, so a plan's
    "2.5E9"-free decimal and the store's own lexical form of the same figure compare equal."""
    data = json.loads(body)
    rows = [{v: _term(b) for v, b in binding.items()} for binding in data["results"]["bindings"]]
    return data["head"]["vars"], rows


def _term(binding: dict[str, str]) -> tuple[str, str, object]:
    """A number's datatype is "number": a sum over no figures is SPARQL's integer 0 and a plan's decimal 0.0."""
    if binding.get("datatype") in {XSD + t for t in ("decimal", "integer", "double")}:
        return binding["type"], "number", Decimal(binding["value"])
    return binding["type"], binding.get("datatype", ""), binding["value"]


@pytest.mark.parametrize("name", sorted(p.stem for p in QUERY_DIR.glob("*.sql")))
def test_a_planned_query_over_http_answers_from_the_tables_with_the_sparqls_terms(server, name: str) -> None:
    """``/queries/NAME`` answers a query with a plan from the build's tables (``X-aikg-engine: tables``):
    the same variables, rows, order and typed terms as its SPARQL on ``/sparql``, whole and a page."""
    named = queries.get(name)
    text = bind_with_values(named.text, named.bind({}))
    ordered = "ORDER BY" in named.text  # a one-row aggregate has no order, so no pages
    for page in ({}, {"limit": "7", "offset": "3"}) if ordered else ({},):
        planned = http(_named(server, name, format="json", **page))
        assert planned.status == 200 and planned.header("X-aikg-engine") == "tables", planned.text
        # the SPARQL with paging's tie-breakers (a plan's order has them), the whole result as one page
        sparql_text = paged(text, int(page.get("limit", 10**6)), int(page.get("offset", 0))) if ordered else text
        stored = http(f"{server.url}/sparql", method="POST", body=sparql_text.encode(),
                      headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        assert stored.status == 200 and stored.header("X-aikg-engine") is None, stored.text
        mine, theirs = _terms(planned.body), _terms(stored.body)
        for rows in (mine[1], theirs[1]):  # GROUP_CONCAT lists: SPARQL leaves their order open
            for row in rows:
                for v in CONCATENATED & row.keys():
                    kind, datatype, value = row[v]
                    row[v] = (kind, datatype, ", ".join(sorted(value.split(", "))))
        assert mine[0] == theirs[0] and len(mine[1]) == len(theirs[1])
        for a, b in zip(mine[1], theirs[1], strict=True):  # decimals to 1e-12: a quotient's last digits differ
            assert a.keys() == b.keys() and all(a[v][:2] == b[v][:2] for v in a), (a, b)
            assert all(math.isclose(a[v][2], b[v][2], rel_tol=1e-12) if isinstance(a[v][2], Decimal)
                       else a[v][2] == b[v][2] for v in a), (a, b)
