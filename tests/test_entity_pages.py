"""Entity pages: every minted IRI answers on ``aikg serve`` (303 to an HTML, Turtle or JSON-LD document), the
pages escape what the data says, and ``aikg report --site`` writes them as linked static files.

The bundled data is served by a real endpoint (this process, workers in children); the hostile set of
``tests/test_report.py`` puts markup in names, titles, quotes and URLs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import rdflib
from click.testing import CliRunner
from minidata import write_dataset
from test_report import XSS_IMG, XSS_NAME, hostile_set, report_set
from w3c.servers import endpoint, http

import kg
from kg.cli import main
from kg.endpoint.linked_data import negotiate
from kg.rdf import namespaces as ns
from kg.records.vocab import Status
from kg.views.entity_page import SERVER_LINKS, EntityPages, LinkedPages
from kg.views.entity_site import SITE_LINKS

AIKG = rdflib.Namespace(ns.ONTOLOGY)
OWL_SAME_AS = rdflib.URIRef("http://www.w3.org/2002/07/owl#sameAs")
ALL = [s.value for s in Status]


@pytest.fixture(scope="module")
def server(real_graph: kg.KnowledgeGraph) -> Iterator[Any]:
    def pages() -> LinkedPages:
        return real_graph.entity_pages().linked(SERVER_LINKS)

    with endpoint(real_graph.out / "store", entities=pages, workers=1, light_workers=1) as srv:
        yield srv


def follow(server: Any, path: str, accept: str | None = None) -> tuple[Any, Any]:
    """The 303 answer for ``path`` and the document it points at."""
    headers = {"Accept": accept} if accept else {}
    first = http(server.url + path, headers=headers)
    assert first.status == 303, (path, first.status, first.text[:200])
    assert first.header("vary") == "Accept"
    return first, http(server.url + first.header("location").split("#")[0], headers=headers)


# --- content negotiation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "ext", "parser"), [
    ("text/turtle", "ttl", "turtle"),
    ("application/ld+json", "jsonld", "json-ld"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "jsonld", "json-ld"),
])
def test_an_organisation_iri_gives_rdf_describing_it(server: Any, accept: str, ext: str, parser: str) -> None:
    first, doc = follow(server, "/id/org/openai", accept)
    assert first.header("location") == f"/doc/org/openai.{ext}"
    assert doc.status == 200
    assert doc.header("content-type").startswith({"ttl": "text/turtle", "jsonld": "application/ld+json"}[ext])
    graph = rdflib.Graph().parse(data=doc.body, format=parser)
    me = rdflib.URIRef(server.url + "/id/org/openai")  # the server's own address: every IRI in it resolves here
    assert (me, rdflib.RDFS.label, rdflib.Literal("OpenAI")) in graph  # rdfs:label ⊑ schema:name (align.ttl)
    assert (me, OWL_SAME_AS, rdflib.URIRef(ns.record("org", "openai"))) in graph
    assert (me, AIKG.wikidataId, rdflib.Literal("Q21708200")) in graph
    assert doc.header("link") == f'<{server.url}/id/org/openai>; rel="describes"'
    deals = set(graph.subjects(AIKG.involves, me))
    assert len(deals) >= 20 and all(str(d).startswith(server.url + "/id/deal/") for d in deals)


def test_format_parameter_overrides_accept(server: Any) -> None:
    answer = http(server.url + "/id/org/openai?format=turtle", headers={"Accept": "text/html"})
    assert answer.status == 303 and answer.header("location") == "/doc/org/openai.ttl"
    answer = http(server.url + "/id/org/openai?format=jsonld")
    assert answer.header("location") == "/doc/org/openai.jsonld"


def test_a_browser_gets_the_page(server: Any) -> None:
    first, doc = follow(server, "/id/org/openai", "text/html,application/xhtml+xml,*/*;q=0.8")
    assert first.header("location") == "/doc/org/openai.html"
    assert doc.status == 200 and doc.header("content-type") == "text/html; charset=utf-8"
    assert "<h1>OpenAI</h1>" in doc.text and 'href="/id/deal/openai-aws-2025"' in doc.text
    assert 'href="/doc/org/openai.ttl"' in doc.text
    assert http(server.url + "/id/org/openai", method="HEAD").status == 303


def test_a_claim_resolves_to_its_deal_document(server: Any) -> None:
    first, doc = follow(server, "/id/deal/openai-aws-2025/claim/1", "text/html")
    assert first.header("location") == "/doc/deal/openai-aws-2025.html#claim-1"
    assert 'id="claim-1"' in doc.text
    _first, turtle = follow(server, "/id/deal/openai-aws-2025/claim/1/amount", "text/turtle")
    graph = rdflib.Graph().parse(data=turtle.body, format="turtle")
    claim = rdflib.URIRef(server.url + "/id/deal/openai-aws-2025/claim/1")
    assert next(graph.objects(claim, AIKG.quote)).startswith("Amazon Web Services (AWS) and OpenAI")


@pytest.mark.parametrize("path", ["/id/source/seed-004", "/id/deal/openai-aws-2025/party/aws",
                                  "/id/observation/openai-valuation-2026-02",
                                  "/id/observation/openai-valuation-2026-02/claim/1/value", "/id/fx/GBP/2023-01-01"])
def test_every_kind_of_iri_answers(server: Any, path: str) -> None:
    _first, doc = follow(server, path, "text/html")
    assert doc.status == 200 and "<h1>" in doc.text
    _first, rdf = follow(server, path, "text/turtle")
    assert len(rdflib.Graph().parse(data=rdf.body, format="turtle")) > 3


def test_unknown_ids_are_a_helpful_404(server: Any) -> None:
    page = http(server.url + "/id/org/openia", headers={"Accept": "text/html"})
    assert page.status == 404 and page.header("content-type").startswith("text/html")
    assert 'href="/id/org/openai"' in page.text and "Did you mean" in page.text
    for path in ("/id/deal/nope", "/id/nothing/x", "/doc/org/openai.exe", "/doc/org/nope.ttl", "/id/org/"):
        assert http(server.url + path).status == 404, path
    text = http(server.url + "/id/deal/nope", headers={"Accept": "text/turtle"})
    assert text.status == 404 and text.header("content-type").startswith("text/plain")


def test_the_index_lists_every_organisation(server: Any, real_graph: kg.KnowledgeGraph) -> None:
    page = http(server.url + "/id/")
    assert page.status == 200
    assert set(re.findall(r'href="/id/org/([^"]+)"', page.text)) == set(real_graph.legs(statuses=ALL).nodes)


def test_negotiation_rules() -> None:
    assert negotiate("*/*") == "html" and negotiate("") == "html" and negotiate("image/png") == "html"
    assert negotiate("application/json") == "jsonld" and negotiate("text/*") == "html"
    assert negotiate("text/html;q=0.1, text/turtle") == "ttl"
    assert negotiate("text/turtle", "html") == "html"


# --- every organisation, and what the page says ------------------------------------------------------------------


def test_every_organisation_of_the_bundled_data_has_a_page(real_graph: kg.KnowledgeGraph) -> None:
    pages = real_graph.entity_pages()
    for org, data in real_graph.legs(statuses=ALL).nodes(data=True):
        page = pages.html(f"org/{org}", SITE_LINKS)
        assert page is not None, org
        assert f"<h1>{html.escape(data['label'])}</h1>" in page, org
    profile = pages.org("openai")
    assert profile["wikidata"] == "Q21708200" and profile["aliases"] == {"en": ["OpenAI Group PBC"]}
    assert {"valuation_post", "revenue"} <= {r["metric"] for r in profile["sizes"]["rows"]}
    assert any(loop["path"] == "microsoft → openai → microsoft" for loop in profile["loops"])
    assert profile["funders"]["hhi"] > 0 and profile["exposed"]["rows"][0]["org"] == "microsoft"


def test_german_aliases_are_shown_by_language(real_graph: kg.KnowledgeGraph) -> None:
    pages = real_graph.entity_pages()
    german = [org for org in real_graph.legs().nodes if "de" in pages.org(org)["aliases"]]
    assert german, "the bundled data has German aliases"
    page = pages.html(f"org/{german[0]}", SITE_LINKS)
    assert "<dt>German</dt>" in page


def test_a_subsidiary_is_analysed_as_part_of_its_group(real_graph: kg.KnowledgeGraph) -> None:
    pages = real_graph.entity_pages()
    aws = pages.org("aws")
    assert aws["group"] == "amazon" and aws["parent"] == "amazon"
    assert "openai-aws-2025" in {d["id"] for rows in aws["deals"].values() for d in rows}


# --- escaping ----------------------------------------------------------------------------------------------------


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    root = tmp_path_factory.mktemp("entity-hostile")
    return kg.load(write_dataset(root / "data", hostile_set()), root / "out")


def test_untrusted_text_is_escaped(hostile: kg.KnowledgeGraph) -> None:
    pages = EntityPages(hostile.report_inputs()).linked(SITE_LINKS)
    for path in ("org/alpha-lab", "org/beta-cloud", "deal/beta-alpha-equity", "deal/alpha-beta-compute",
                 "source/wire-1"):
        page = pages.html(path)
        assert page is not None, path
        parser = Elements()
        parser.feed(page)
        tags = [tag for tag, _attrs in parser.tags]
        assert "script" not in tags and "img" not in tags, path
        assert XSS_NAME not in page and XSS_IMG not in page, path
        for tag, attrs in parser.tags:
            assert not any(k.startswith("on") for k in attrs), (path, tag, attrs)
            if tag == "a":
                href = attrs.get("href") or ""
                assert href.startswith(("https://", "../", "#")), (path, href)
    page = pages.html("org/alpha-lab")
    assert html.escape(XSS_NAME) in page  # shown as text
    assert pages.not_found("<script>x</script>").count("<script>") == 0


# --- the static site ---------------------------------------------------------------------------------------------


def test_report_site_writes_linked_pages(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", report_set())
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["report", "--data", str(data), "--out", str(tmp_path / "out"),
                                       "--fail", "alpha-lab", "--site", str(site)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "report.html").exists()
    orgs = {p.stem for p in (site / "org").glob("*.html")}
    assert orgs == {"alpha-lab", "beta-cloud", "beta-cloud-services", "gamma-chips"}
    assert {p.stem for p in (site / "deal").glob("*.html")} == {"beta-alpha-equity", "alpha-beta-compute",
                                                                "gamma-alpha-chips"}
    for page in [site / "index.html", *site.glob("*/*.html")]:
        for href in re.findall(r'href="([^"#]+)"', page.read_text(encoding="utf-8")):
            if not href.startswith("https://"):
                assert (page.parent / href).resolve().is_file(), (page, href)
    index = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="org/alpha-lab.html"' in index
    # written again, the folder is replaced whole
    (site / "org" / "stale.html").write_text("old", encoding="utf-8")
    assert CliRunner().invoke(main, ["report", "--data", str(data), "--out", str(tmp_path / "out"),
                                     "--fail", "alpha-lab", "--site", str(site)]).exit_code == 0
    assert not (site / "org" / "stale.html").exists()
