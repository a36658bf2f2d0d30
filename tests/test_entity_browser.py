"""Entity pages in a real browser (Debian's Chromium through Playwright): every organisation of the bundled data
served by ``aikg serve`` (its IRI followed through the 303) and written by ``aikg report --site``, each without
a console error or a request leaving the page's origin; the hostile set runs nothing injected.

The served OpenAI page is saved as ``test-artifacts/entity-openai.png`` and its first screen as
``entity-openai-top.png`` (the README's ``docs/entity.png``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import ARTIFACTS, Probe, needs_chromium, wait_painted
from minidata import write_dataset
from test_report import hostile_set
from w3c.servers import endpoint

import kg
from kg.records.vocab import Status
from kg.views.entity_page import SERVER_LINKS, EntityPages, LinkedPages, Links

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def server(real_graph: kg.KnowledgeGraph) -> Iterator[Any]:
    def pages() -> LinkedPages:
        return real_graph.entity_pages().linked(SERVER_LINKS)

    with endpoint(real_graph.out / "store", entities=pages, workers=1, light_workers=1) as srv:
        yield srv


def explorer_frame(page: Any, enough: int = 0) -> Any:
    """The focused explorer's frame, more than ``enough`` pixels of it painted (a frame off screen is not painted,
    so scroll to it first)."""
    page.locator("iframe.explorer").scroll_into_view_if_needed()
    frame = next(f for f in page.frames if f != page.main_frame)
    assert wait_painted(page, frame, enough) > enough, "the focused explorer's canvas is blank"
    return frame


def test_every_organisation_page_loads_without_an_error(browser: Any, server: Any,
                                                        real_graph: kg.KnowledgeGraph) -> None:
    orgs = sorted(real_graph.legs(statuses=[s.value for s in Status]).nodes)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    probe = Probe(page)
    try:
        for org in orgs:
            response = page.goto(f"{server.url}/id/org/{org}")
            assert response.status == 200 and page.url == f"{server.url}/doc/org/{org}.html", org
            if page.locator("iframe.explorer").count():
                frame = explorer_frame(page)
                assert frame.evaluate("aikgExplorer.stats().visibleNodes") >= 1, org
            assert probe.errors == [], (org, probe.errors)
        assert all(url.startswith(server.url) or url.startswith("about:") for url in probe.requests)
    finally:
        page.close()


def test_openai_page_draws_and_screenshot(browser: Any, server: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    probe = Probe(page)
    try:
        page.goto(f"{server.url}/id/org/openai")
        frame = explorer_frame(page, enough=5000)
        assert frame.evaluate("aikgExplorer.stats().visibleNodes") > 10
        assert page.locator("#deals table.deals tr[data-deal]").count() >= 40
        assert page.locator("#size svg").count() == 1
        # a deal of the list links its IRI, which leads to the deal's page
        assert page.locator("#deals a[href='/id/deal/openai-aws-2025']").count() == 1
        page.goto(f"{server.url}/id/deal/openai-aws-2025")
        assert page.url == f"{server.url}/doc/deal/openai-aws-2025.html"
        assert page.locator("dd.amount").inner_text() == "$38B"
        page.goto(f"{server.url}/id/org/openai")
        frame = explorer_frame(page)
        ARTIFACTS.mkdir(exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "entity-openai-top.png"))
        # a viewport as tall as the page: full_page=True leaves the explorer's frame blank
        page.set_viewport_size({"width": 1400, "height": page.evaluate("document.documentElement.scrollHeight")})
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "entity-openai.png"))
        assert (ARTIFACTS / "entity-openai.png").stat().st_size > 50_000
        assert probe.errors == []
    finally:
        page.close()


def test_the_static_site_opens_offline(browser: Any, real_graph: kg.KnowledgeGraph, tmp_path: Path) -> None:
    site = real_graph.write_site(tmp_path / "site")
    page = browser.new_page()
    probe = Probe(page)
    try:
        for path in [site / "index.html", *sorted((site / "org").glob("*.html"))]:
            page.goto(path.as_uri())
            assert probe.errors == [], (path, probe.errors)
        assert all(url.startswith("file://") for url in probe.requests)
        page.goto((site / "index.html").as_uri())
        with page.expect_navigation():
            page.locator("a[href='org/openai.html']").click()
        with page.expect_navigation():
            page.locator("a[href='../deal/openai-aws-2025.html']").first.click()
        assert page.locator("dd.amount").inner_text() == "$38B"
    finally:
        page.close()


def test_hostile_entity_page_runs_nothing_injected(browser: Any, tmp_path: Path) -> None:
    graph = kg.load(write_dataset(tmp_path / "data", hostile_set()), tmp_path / "out")
    pages = EntityPages(graph.report_inputs()).linked(Links(lambda path: None))
    files = []
    for path in ("org/alpha-lab", "org/beta-cloud", "deal/beta-alpha-equity", "source/wire-1"):
        files.append(tmp_path / (path.replace("/", "-") + ".html"))
        files[-1].write_text(pages.html(path), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    probe = Probe(page)
    try:
        for file in files:
            page.goto(file.as_uri())
            if page.locator("iframe.explorer").count():
                frame = explorer_frame(page)
                page.wait_for_timeout(300)
                assert frame.evaluate("window.__xss") is None, file
            assert page.evaluate("window.__xss") is None, file
        assert probe.dialogs == [] and probe.errors == []
        assert all(url.startswith("file://") or url.startswith("about:") for url in probe.requests)
    finally:
        page.close()
