"""The explorer in a real browser (Debian's Chromium through Playwright): drawing, interaction, safety.

Screenshots go to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    PAINTED,
    XSS_IMG,
    XSS_QUOTES,
    XSS_SCRIPT,
    Probe,
    hostile_graph,
    needs_chromium,
    sample_graph,
)

from kg.views.explorer import build_view, explorer_html_for_notebook, write_explorer

pytestmark = needs_chromium



@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("explorer")
    return {
        "sample": write_explorer(sample_graph(), folder / "sample.html", title="AI deals <sample>"),
        "hostile": write_explorer(hostile_graph(), folder / "hostile.html", title=XSS_SCRIPT),
        "initial": write_explorer(
            sample_graph(),
            folder / "initial.html",
            focus="Anthropic PBC",
            depth=1,
            as_of=date(2024, 12, 31),
            statuses=["closed", "committed"],
        ),
    }


@pytest.fixture
def probe(browser: Any) -> Iterator[Probe]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield Probe(context.new_page())
    context.close()


@pytest.fixture
def sample(probe: Probe, pages: dict[str, Path]) -> Probe:
    return probe.open(pages["sample"])


def drawn_legs(as_of: date | None = None) -> list[dict[str, Any]]:
    """The legs visible by default, from the same view data the page embeds."""
    view = build_view(sample_graph())
    day = (as_of - date(1970, 1, 1)).days if as_of else None
    return [e for e in view.edges if e["p"] and (day is None or e["t"] <= day)]


def test_draws_offline_without_errors(sample: Probe, pages: dict[str, Path]) -> None:
    G = sample_graph()
    stats = sample.stats()
    assert stats["nodes"] == G.number_of_nodes()
    assert stats["edges"] == G.number_of_edges()
    assert stats["visibleEdges"] == len(drawn_legs())
    assert stats["visibleNodes"] == G.number_of_nodes() - 1  # Mistral AI has no deals
    assert sample.page.evaluate(PAINTED) > 5000, "canvas is blank"
    assert sample.page.title() == "AI deals <sample>"
    sample.screenshot("explorer-sample.png")
    assert sample.requests == [pages["sample"].resolve().as_uri()]
    assert sample.errors == []


# JavaScript: the view's scale, and whether every drawn organisation lies inside the canvas.
VIEW = """() => { const n = aikgExplorer.network, c = document.querySelector('#graph canvas');
  const r = c.getBoundingClientRect();
  const inside = Object.values(n.getPositions()).every(p => { const d = n.canvasToDOM(p);
    return d.x >= 0 && d.y >= 0 && d.x <= r.width && d.y <= r.height; });
  return { scale: n.getScale(), inside: inside, width: r.width }; }"""


def test_a_resize_fits_the_untouched_view_again_but_keeps_the_readers_zoom(sample: Probe) -> None:
    """The first fit can run before the frame has its final size (a sandboxed frame on a busy machine drew as a
    few hundred pixels): until the reader zooms or drags, a new canvas size fits the view again."""
    page = sample.page
    before = page.evaluate(VIEW)
    page.set_viewport_size({"width": 900, "height": 600})
    page.wait_for_function(f"({VIEW})().width < {before['width']}")
    page.wait_for_timeout(300)
    narrow = page.evaluate(VIEW)
    assert narrow["inside"] and narrow["scale"] < before["scale"], (before, narrow)
    x, y = sample.node_point("openai")
    page.mouse.move(x, y)
    page.mouse.wheel(0, -600)  # the reader zooms in
    page.wait_for_timeout(300)
    zoomed = page.evaluate(VIEW)
    assert zoomed["scale"] > narrow["scale"]
    page.set_viewport_size({"width": 1440, "height": 900})
    page.wait_for_timeout(300)
    assert page.evaluate(VIEW)["scale"] >= zoomed["scale"]  # scaled with the canvas, not fitted back
    assert sample.errors == []


def test_search_by_name_and_alias(sample: Probe) -> None:
    sample.page.fill("#search", "lidl")
    results = sample.page.locator("#search-results button")
    assert results.count() == 1
    assert "Schwarz Gruppe" in results.first.inner_text()
    stats = sample.stats()
    assert stats["highlight"] == "search"
    assert stats["emphasizedNodes"] == 1
    assert stats["fadedNodes"] == stats["visibleNodes"] - 1
    # Accent-insensitive alias match, then Enter picks it and opens its details.
    sample.page.fill("#search", "kunstliche intelligenz")
    sample.page.press("#search", "Enter")
    assert sample.page.locator("#details h2").inner_text() == "MGX"
    assert sample.stats()["highlight"] is None
    assert sample.errors == []


def test_legend_hides_and_shows_types_and_categories(sample: Probe) -> None:
    before = sample.stats()
    sample.page.click("#legend-types button[data-code='ai_lab']")
    after = sample.stats()
    visible_types = sample.page.evaluate("aikgExplorer.nodesView.get().map(n => n.grp)")
    assert "ai_lab" not in visible_types
    assert after["visibleNodes"] < before["visibleNodes"]
    assert after["visibleEdges"] < before["visibleEdges"]
    sample.page.click("#legend-types button[data-code='ai_lab']")
    assert sample.stats()["visibleNodes"] == before["visibleNodes"]

    compute = sum(1 for e in drawn_legs() if e["c"] == "compute")
    sample.page.click("#legend-categories button[data-code='compute']")
    assert sample.stats()["visibleEdges"] == before["visibleEdges"] - compute
    assert sample.page.locator("#legend-categories button.off").count() == 1


def test_kind_status_and_amount_filters(sample: Probe) -> None:
    legs = drawn_legs()
    sample.page.uncheck("#filter-kinds input[value='compute_commitment']")
    assert sample.stats()["visibleEdges"] == sum(1 for e in legs if e["k"] != "compute_commitment")
    sample.page.check("#filter-kinds input[value='compute_commitment']")
    sample.page.uncheck("#filter-statuses input[value='announced']")
    assert sample.stats()["visibleEdges"] == sum(1 for e in legs if e["s"] != "announced")
    sample.page.check("#filter-statuses input[value='announced']")
    sample.page.select_option("#min-amount", "10000000000")
    # the filter compares the deal's own amount ("da"), not the leg's: every leg of a $10B deal stays
    big = [e for e in legs if (e["da"] if e.get("da") is not None else e["a"]) is not None
           and (e["da"] if e.get("da") is not None else e["a"]) >= 1e10]
    assert sample.stats()["visibleEdges"] == len(big)
    amounts = sample.page.evaluate("aikgExplorer.edgesView.get().map(e => (e.da != null ? e.da : e.a))")
    assert all(a >= 1e10 for a in amounts)


def test_focus_fades_the_rest_and_depth_widens_it(sample: Probe) -> None:
    x, y = sample.node_point("anthropic")
    sample.page.mouse.dblclick(x, y)
    stats = sample.stats()
    assert stats["focus"] == "anthropic"
    assert stats["emphasizedNodes"] == 3  # Anthropic, Amazon, Google
    assert stats["fadedNodes"] == stats["visibleNodes"] - 3
    assert sample.page.locator("#focus-label").inner_text() == "Anthropic"

    sample.page.evaluate("aikgExplorer.setFocus('coreweave', 1)")
    one = sample.stats()["emphasizedNodes"]
    sample.page.select_option("#depth", "2")
    two = sample.stats()["emphasizedNodes"]
    sample.page.select_option("#depth", "3")
    three = sample.stats()["emphasizedNodes"]
    assert one == 3  # CoreWeave, Nvidia, Blackstone
    assert one < two <= three
    sample.screenshot("explorer-focus.png")
    sample.page.click("#focus-clear")
    assert sample.stats()["fadedNodes"] == 0


def test_as_of_slider(sample: Probe) -> None:
    cutoff = date(2024, 1, 1)
    day = (cutoff - date(1970, 1, 1)).days
    sample.page.locator("#as-of").fill(str(day))
    stats = sample.stats()
    assert stats["visibleEdges"] == len(drawn_legs(cutoff))
    assert stats["visibleEdges"] < len(drawn_legs())
    assert sample.page.locator("#as-of-label").inner_text() == "2024-01-01"
    dates = sample.page.evaluate("aikgExplorer.edgesView.get().map(e => e.t)")
    assert max(dates) <= day


def test_details_panel_lists_deals_with_sources_and_quotes(sample: Probe) -> None:
    x, y = sample.node_point("openai")
    sample.page.mouse.click(x, y)
    details = sample.page.locator("#details")
    assert details.locator("h2").inner_text() == "OpenAI"
    assert "Microsoft invests in OpenAI" in details.inner_text()
    quote = details.locator("blockquote", has_text="We are extending our partnership with OpenAI.")
    assert quote.count() == 1
    link = details.locator("a[href='https://blogs.example/ms-openai']")
    assert link.count() == 1
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert "Seed file: 000_88ca2f43edb79915.txt" in details.inner_text()

    sample.page.evaluate("aikgExplorer.selectEdge('l-nv-oai')")
    text = details.inner_text()
    assert "Nvidia to invest up to $100B in OpenAI" in text
    assert "up to $100B" in text
    assert "Nvidia intends to invest up to $100 billion in OpenAI." in text
    assert "part of a circular deal" in text
    sample.screenshot("explorer-details.png")


def test_loop_list_highlights_a_loop(sample: Probe) -> None:
    loops = sample.page.locator("#loops button.loop")
    assert loops.count() == 2
    assert "round trip $40B" in loops.first.inner_text()
    loops.first.click()
    stats = sample.stats()
    assert stats["highlight"] == "loop"
    assert stats["emphasizedNodes"] == 3
    assert stats["emphasizedEdges"] == 3
    assert sorted(sample.page.evaluate("aikgExplorer.network.getSelectedEdges()")) == [
        "l-nv-oai",
        "l-oai-orcl",
        "l-orcl-nv",
    ]
    assert "active" in (loops.first.get_attribute("class") or "")
    sample.screenshot("explorer-loop.png")
    loops.first.click()
    assert sample.stats()["highlight"] is None


def test_arguments_set_the_initial_state(probe: Probe, pages: dict[str, Path]) -> None:
    page = probe.open(pages["initial"]).page
    stats = probe.stats()
    assert stats["focus"] == "anthropic"
    assert stats["emphasizedNodes"] == 3
    assert page.locator("#depth").input_value() == "1"
    assert page.locator("#as-of-label").inner_text() == "2024-12-31"
    assert not page.locator("#filter-statuses input[value='announced']").is_checked()
    assert page.locator("#filter-statuses input[value='closed']").is_checked()
    statuses = page.evaluate("aikgExplorer.edgesView.get().map(e => e.s)")
    assert set(statuses) <= {"closed", "committed"}
    assert probe.errors == []


def test_shortest_path_between_two_organisations(sample: Probe) -> None:
    sample.page.fill("#path-from", "Amazon")
    sample.page.fill("#path-to", "alphabet")  # an alias of Google
    sample.page.click("#path-go")
    assert "Amazon → Anthropic → Google (2 hops; smallest leg ~$2B)" in sample.page.locator("#path-result").inner_text()
    stats = sample.stats()
    assert stats["highlight"] == "path"
    assert (stats["emphasizedNodes"], stats["emphasizedEdges"]) == (3, 2)


def test_hostile_data_stays_text(probe: Probe, pages: dict[str, Path]) -> None:
    page = probe.open(pages["hostile"]).page
    assert page.title() == XSS_SCRIPT
    # Exercise every place data is shown: search results, node and edge details, the loop list, the path.
    page.fill("#search", "img")
    assert page.locator("#search-results button").count() >= 1
    for node in page.evaluate("aikgExplorer.nodes.getIds()"):
        page.evaluate("(id) => aikgExplorer.selectNode(id)", node)
    page.evaluate("aikgExplorer.selectNode('evil<1>')")
    details = page.locator("#details")
    text = details.inner_text()
    assert XSS_IMG in text and XSS_SCRIPT in text
    hrefs = details.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert hrefs and all(h.startswith("https://") for h in hrefs)
    for edge in page.evaluate("aikgExplorer.edges.getIds()"):
        page.evaluate("(id) => aikgExplorer.selectEdge(id)", edge)
    assert XSS_QUOTES.replace("\u2028", "").replace("\u2029", "")[:10] in details.inner_text()
    page.locator("#loops button.loop").first.click()
    page.fill("#path-from", XSS_IMG)
    page.fill("#path-to", "Plain Org")
    page.click("#path-go")
    page.locator("#edge-labels").check()
    page.mouse.move(700, 450)
    page.wait_for_timeout(300)
    probe.screenshot("explorer-hostile.png")
    assert page.evaluate("window.__xss") is None
    assert page.locator("img, svg[onload], script:not([type]):not([id]) ~ script[src]").count() == 0
    assert probe.dialogs == []
    assert probe.errors == []  # a CSP violation from an injected handler would be logged here
    assert probe.requests == [pages["hostile"].resolve().as_uri()]


def test_notebook_iframe_renders_the_page(probe: Probe) -> None:
    wrapped = explorer_html_for_notebook(sample_graph(), height=600, standalone=True)._repr_html_()
    assert wrapped.startswith('<iframe srcdoc="')
    probe.page.set_content(f"<!DOCTYPE html><html><body>{wrapped}</body></html>")
    frame = probe.page.frames[1]
    frame.wait_for_function("window.aikgExplorer && window.aikgExplorer.ready === true", timeout=15000)
    assert frame.evaluate("aikgExplorer.stats().edges") == sample_graph().number_of_edges()
    assert html.unescape(wrapped).count("</script>") >= 3
    assert [u for u in probe.requests if not u.startswith(("about:", "data:"))] == []
    assert probe.errors == []
