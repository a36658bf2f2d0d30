"""The endpoint's query page in a real browser (Debian's Chromium through Playwright): the gallery
with parameters agrees with ``aikg query``, prefixes are declared, the link restores the query,
downloads parse, numbers and IRIs read well, the chart and graph views draw, completion offers the
ontology's terms, and hostile data stays text. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import XSS_IMG, XSS_QUOTES, XSS_SCRIPT, Probe, needs_chromium
from click.testing import CliRunner
from openpyxl import load_workbook
from w3c.servers import endpoint

import kg
from kg.cli import main
from kg.endpoint.editor import editor_assets
from kg.store import EmbeddedStore, queries

pytestmark = needs_chromium

INVESTS = """SELECT ?investor ?investee ?usd WHERE {
  ?deal a aikg:EquityInvestment ; aikg:hasParticipation ?p1, ?p2 ; aikg:preferredClaim ?c .
  ?p1 aikg:role/skos:notation "investor" ; aikg:party ?investor .
  ?p2 aikg:role/skos:notation "investee" ; aikg:party ?investee .
  OPTIONAL { ?c aikg:amount/aikg:valueUSD ?usd }
} ORDER BY DESC(?usd) ?investor ?investee"""
EX = "http://example.org/"


@pytest.fixture(scope="module")
def server(real_graph: kg.KnowledgeGraph) -> Iterator[Any]:
    with endpoint(real_graph.out / "store", named_queries=queries.library()) as srv:
        yield srv


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("hostile-page")
    lines = []
    for i, text in enumerate((XSS_IMG, XSS_SCRIPT, XSS_QUOTES)):
        literal = json.dumps(text)  # a valid N-Triples string: JSON escapes are a subset
        lines.append(f"<{EX}s{i}> <{EX}label> {literal} .\n")
        lines.append(f"<{EX}s{i}> <{EX}link> <javascript:window.__xss={i + 10}> .\n")
    (folder / "d.nt").write_text("".join(lines), encoding="utf-8")
    EmbeddedStore.build(folder / "store", [folder / "d.nt"], "h")
    text = f"SELECT ?s ?label ?link WHERE {{ ?s <{EX}label> ?label ; <{EX}link> ?link }}"
    named = {"evil": (XSS_SCRIPT + XSS_IMG, text)}
    with endpoint(folder / "store", named_queries=named) as srv:
        yield srv


@pytest.fixture
def probe(browser: Any) -> Iterator[Probe]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    yield Probe(context.new_page())
    context.close()


def open_page(probe: Probe, url: str) -> Any:
    probe.page.goto(url)
    probe.page.wait_for_function("() => window.aikgQuery && window.aikgQuery.ready === true", timeout=15000)
    return probe.page


def run(page: Any) -> str:
    page.click("#run")
    page.wait_for_function(
        "() => /rows? in|ASK|^\\d{3} /.test(document.getElementById('status').textContent)", timeout=30000
    )
    return page.text_content("#status")


def type_query(page: Any, text: str) -> None:
    """Type into the editor as a user would (CodeMirror when installed, else the text area)."""
    if page.query_selector(".CodeMirror"):
        page.click(".CodeMirror")
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.evaluate("t => document.querySelector('.CodeMirror').CodeMirror.replaceSelection(t)", text)
    else:
        page.fill("#query", text)


def column(page: Any, name: str, attribute: str | None = None) -> list[str]:
    """The cells of result column ``name``: their text, or an attribute's value."""
    return page.evaluate(
        """([name, attribute]) => {
             const heads = [...document.querySelectorAll('#results thead th')].map(th => th.textContent);
             const i = heads.indexOf(name);
             return [...document.querySelectorAll('#results tbody tr')].map(tr => {
               const td = tr.cells[i];
               const inner = td.firstElementChild;  // an IRI's link
               if (!attribute) return td.textContent;
               return td.getAttribute(attribute) || (inner && inner.getAttribute(attribute)) || ''; });
           }""",
        [name, attribute],
    )


def cli_rows(graph: kg.KnowledgeGraph, name: str, *params: str) -> list[dict[str, str]]:
    args = ["query", name, "--format", "csv", "--data", str(graph.data), "--out", str(graph.out)]
    for p in params:
        args += ["-p", p]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.output)))


def test_gallery_query_with_a_parameter_returns_the_rows_of_aikg_query(
    probe: Probe, server: Any, real_graph: kg.KnowledgeGraph
) -> None:
    page = open_page(probe, server.url + "/")
    page.click('.card[data-name="deals_of_org"]')
    assert page.text_content("#loaded-title") == "All deals of an organisation"
    page.fill("#param-org", "anthropic")  # not the default (openai)
    status = run(page)
    expected = cli_rows(real_graph, "deals_of_org", "org=anthropic")
    assert status.startswith(f"{len(expected)} rows"), status
    assert column(page, "deal_id") == [r["deal_id"] for r in expected]
    assert set(column(page, "org")) == {"anthropic"}
    # the exact amount is on hover, with separators: the CLI's figure
    shown = [t.replace("$", "").replace(",", "") for t in column(page, "usd", "title")]
    assert [float(s) if s else None for s in shown] == [float(r["usd"]) if r["usd"] else None for r in expected]
    probe.screenshot("querypage-gallery.png")
    assert probe.errors == [] and probe.dialogs == []
    assert all(url.startswith(server.url) for url in probe.requests)


def test_a_query_without_prefix_lines_runs(probe: Probe, server: Any) -> None:
    page = open_page(probe, server.url + "/")
    type_query(page, "SELECT ?org ?name WHERE {\n  ?org a aikg:Organisation ; rdfs:label ?name\n} ORDER BY ?name LIMIT 5")  # noqa: E501
    assert run(page).startswith("5 rows")
    assert all(href.startswith("id/org/") for href in column(page, "org", "href"))
    # an error's position is the editor's, not that of the text sent with the prefixes
    type_query(page, "SELECT * WHERE {\n  ?s ?p\n}")
    assert run(page).startswith("400")
    assert "at line 2, column 3" in page.text_content("#results pre")
    type_query(page, "SELECT * WHERE {\n  ?s ?p ?o . ?o nope:x ?z\n}")
    assert run(page).startswith("400")
    assert "error at 2:23" in page.text_content("#results pre")  # an undeclared prefix, where it is


def test_the_link_restores_the_query_and_its_parameters(probe: Probe, server: Any, browser: Any) -> None:
    page = open_page(probe, server.url + "/")
    page.click('.card[data-name="deals_between"]')
    page.fill("#param-a", "amazon")
    page.fill("#param-b", "anthropic")
    first = run(page)
    link = page.get_attribute("#share", "href")
    assert link.startswith("#") and page.url.endswith(link)
    other = Probe(browser.new_context().new_page())
    again = open_page(other, server.url + "/" + link)
    assert again.input_value("#param-a") == "amazon" and again.input_value("#param-b") == "anthropic"
    assert again.get_attribute('.card[data-name="deals_between"]', "class").endswith("current")
    assert run(again).split(" in ")[0] == first.split(" in ")[0]
    # an ad-hoc query travels in the link as text
    type_query(again, "SELECT ?s WHERE { ?s a aikg:Deal } LIMIT 3")
    run(again)
    third = open_page(Probe(browser.new_context().new_page()), again.url)
    assert "LIMIT 3" in third.evaluate(
        "document.querySelector('.CodeMirror') ? document.querySelector('.CodeMirror').CodeMirror.getValue()"
        " : document.getElementById('query').value"
    )


def test_downloads_parse(probe: Probe, server: Any, tmp_path: Path) -> None:
    page = open_page(probe, server.url + "/")
    page.click('.card[data-name="deals_of_org"]')
    status = run(page)
    rows = int(status.split()[0])
    files = {}
    for fmt in ("csv", "json", "xlsx"):
        with page.expect_download() as info:
            page.click(f'#downloads [data-format="{fmt}"]')
        files[fmt] = tmp_path / info.value.suggested_filename
        info.value.save_as(files[fmt])
    assert files["csv"].name == "deals_of_org.csv"
    table = list(csv.DictReader(files["csv"].open(encoding="utf-8", newline="")))
    data = json.loads(files["json"].read_text(encoding="utf-8"))
    sheet = list(load_workbook(files["xlsx"]).active.iter_rows(values_only=True))
    assert len(table) == len(data["results"]["bindings"]) == len(sheet) - 1 == rows
    assert [r["deal_id"] for r in table] == [b["deal_id"]["value"] for b in data["results"]["bindings"]]
    assert [r[1] for r in sheet[1:]] == [r["deal_id"] for r in table]


def test_numbers_iris_and_the_bar_chart(probe: Probe, server: Any) -> None:
    page = open_page(probe, server.url + "/")
    type_query(
        page,
        "SELECT ?name ?usd ?org ?count WHERE { VALUES (?name ?usd ?org ?count) {\n"
        '  ("big" 32300000000 <https://w3id.org/aikg/id/org/openai> 1234567)\n'
        '  ("small" 250000000 <https://www.wikidata.org/wiki/Q42> 12) } }',
    )
    assert run(page).startswith("2 rows")
    assert column(page, "usd") == ["$32.3B", "$250M"]
    assert column(page, "usd", "title") == ["$32,300,000,000", "$250,000,000"]
    assert column(page, "count") == ["1,234,567", "12"]
    assert column(page, "org") == ["id:org/openai", "https://www.wikidata.org/wiki/Q42"]
    assert column(page, "org", "href") == ["id/org/openai", "https://www.wikidata.org/wiki/Q42"]
    assert page.evaluate("new URL(document.querySelector('#results a').href).pathname") == "/id/org/openai"
    page.click('#views [data-view="chart"]')
    assert page.locator("#view-chart rect.bar").count() == 2
    assert page.locator("#view-chart .bar-value").all_text_contents() == ["$32.3B", "$250M"]
    assert page.is_hidden('#views [data-view="graph"]')


def test_graph_view_for_two_iri_columns(probe: Probe, server: Any) -> None:
    page = open_page(probe, server.url + "/")
    type_query(page, INVESTS)
    run(page)
    investors, investees = column(page, "investor", "title"), column(page, "investee", "title")
    page.click('#views [data-view="graph"]')
    assert page.locator("#view-graph circle.node").count() == len(set(investors) | set(investees))
    assert page.locator("#view-graph line.edge").count() == len(investors)
    probe.screenshot("querypage-graph.png")
    # a large result: the picture stops at 300 nodes and says so; the table keeps every row
    type_query(page, "SELECT ?s ?o WHERE { ?s ?p ?o FILTER (isIRI(?o)) } LIMIT 3000")
    assert run(page).startswith("3,000 rows")
    page.click('#views [data-view="graph"]')
    assert 250 < page.locator("#view-graph circle.node").count() <= 300
    assert "from the first" in page.text_content("#view-graph .axis")


def test_completion_offers_the_ontology_terms(probe: Probe, server: Any) -> None:
    if editor_assets() is None:
        pytest.skip("Debian's libjs-codemirror is not installed (`make editor`): no editor to complete in")
    page = open_page(probe, server.url + "/")
    page.wait_for_function("() => window.aikgQuery.vocabularyReady === true")
    type_query(page, "SELECT * WHERE { ?deal a ")
    page.keyboard.type("aikg:Equi")
    page.wait_for_selector(".CodeMirror-hints")
    offered = page.locator(".CodeMirror-hints li").all_text_contents()
    assert any(o.startswith("aikg:EquityInvestment") for o in offered), offered
    page.keyboard.press("Enter")
    assert "aikg:EquityInvestment" in page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert page.locator(".cm-keyword").count() >= 2  # SELECT and WHERE are highlighted


def test_hostile_results_and_titles_stay_text(probe: Probe, hostile_server: Any) -> None:
    page = open_page(probe, hostile_server.url + "/")
    assert page.text_content(".card-title") == XSS_SCRIPT + XSS_IMG
    page.click('.card[data-name="evil"]')
    assert run(page).startswith("3 rows")
    assert sorted(column(page, "label")) == sorted([XSS_IMG, XSS_SCRIPT, XSS_QUOTES])
    assert page.locator('#results a[href^="javascript"], #results a[href*="__xss"]').count() == 0
    assert page.locator("#results a").count() == 3  # the http IRIs; javascript: IRIs are shown, never linked
    assert all(text.startswith("javascript:") for text in column(page, "link"))
    page.click('#views [data-view="graph"]')  # ?s and ?link are IRI columns
    assert page.locator("#view-graph a").count() == 3  # the http subjects; no javascript: node is a link
    assert page.evaluate("[...document.querySelectorAll('#view-graph a')].every(a => a.getAttribute('href').startsWith('http://example.org/'))")
    assert page.evaluate("window.__xss") is None
    assert probe.dialogs == [] and probe.errors == []
