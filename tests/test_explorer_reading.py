"""The explorer read as a user reads it, in Chromium: labels, the as-of date, paths by amount, notebooks.

On hand-made graphs and on the bundled data (the session's ``real_graph``). The scale bugs (thousands of
organisations, "Other …" groups) are in ``tests/test_explorer_scale.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from browser_support import XSS_SCRIPT, Probe, add_leg, add_org, hostile_graph, needs_chromium, sample_graph

from kg.views import explorer
from kg.views.assets import vis_assets
from kg.views.explorer import explorer_html_for_notebook, render_focused, write_explorer

# JavaScript: the label boxes vis itself measured while drawing (on-screen nodes only: vis neither draws nor
# measures the others), and every pair of them that overlaps.
OVERLAPS = """() => {
  const net = aikgExplorer.network;
  net.redraw();
  const c = net.body.container.querySelector("canvas").getBoundingClientRect();
  const tl = net.DOMtoCanvas({x: 0, y: 0}), br = net.DOMtoCanvas({x: c.width, y: c.height});
  const boxes = [];
  for (const id of aikgExplorer.nodesView.getIds()) {
    const n = net.body.nodes[id], s = n.labelModule.size;
    if (!n.options.label || !s.width || n.x < tl.x || n.x > br.x || n.y < tl.y || n.y > br.y) continue;
    boxes.push([id, s.left, s.top, s.left + s.width, s.top + s.height]);
  }
  const overlaps = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a[1] < b[3] && b[1] < a[3] && a[2] < b[4] && b[2] < a[4]) overlaps.push([a[0], b[0]]);
  }
  return {labels: boxes.map(b => b[0]), overlaps: overlaps};
}"""


def day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


@pytest.fixture
def probe(browser: Any) -> Iterator[Probe]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield Probe(context.new_page())
    context.close()


@pytest.fixture(scope="module")
def bundled(real_graph: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("bundled-explorer")
    G = real_graph.explorer_graph()
    return {
        "G": G,
        "page": write_explorer(G, folder / "explorer.html"),
        "asked": write_explorer(G, folder / "asked.html", as_of="2025-06-30"),
        "later": write_explorer(G, folder / "later.html", as_of="2026-12-02"),
    }


def title_of(page: Any) -> str:
    return page.locator("header h1").inner_text()


# --- labels ----------------------------------------------------------------------------------------------


@needs_chromium
def test_labels_do_not_overlap_on_the_bundled_data(probe: Probe, bundled: dict[str, Any]) -> None:
    page = probe.open(bundled["page"]).page
    whole = page.evaluate(OVERLAPS)
    assert whole["overlaps"] == []
    assert len(whole["labels"]) >= 40, "too few organisations named"
    # The largest are named: they win every collision.
    assert {"openai", "microsoft", "nvidia", "oracle", "anthropic"} <= set(whole["labels"])
    labelled = probe.stats()["labels"]
    # Zoomed into the dense core, names keep their screen size, so more fit; still none overlap.
    page.evaluate("""() => { const n = aikgExplorer.network;
                             n.moveTo({position: n.getPositions(['openai']).openai, scale: 2.2});
                             aikgExplorer.declutter(); }""")
    zoomed = page.evaluate(OVERLAPS)
    assert zoomed["overlaps"] == []
    assert probe.stats()["labels"] > labelled
    probe.screenshot("explorer-bundled-zoomed.png")
    assert probe.errors == []


# --- the as-of date ---------------------------------------------------------------------------------------


@needs_chromium
def test_title_and_slider_state_one_date(probe: Probe, bundled: dict[str, Any]) -> None:
    latest = max(a["date"] for _u, _v, a in bundled["G"].edges(data=True) if a.get("date"))
    cases = {"page": latest.isoformat(), "asked": "2025-06-30", "later": "2026-12-02"}
    for name, expected in cases.items():
        page = probe.open(bundled[name]).page
        assert page.locator("#as-of-label").inner_text() == expected, name
        assert title_of(page).endswith(f"as of {expected}"), name
        assert f"as of {expected}" in page.locator("#status").inner_text()
        # the slider's own value is that day, so moving it never jumps
        assert int(page.locator("#as-of").input_value()) == day(date.fromisoformat(expected))
    page.locator("#as-of").fill(str(day(date(2024, 1, 1))))
    assert title_of(page).endswith("as of 2024-01-01")
    assert probe.errors == []


@needs_chromium
def test_arrow_keys_step_the_date_by_a_month(probe: Probe, tmp_path: Path) -> None:
    path = write_explorer(sample_graph(), tmp_path / "keys.html", as_of="2024-03-31")
    page = probe.open(path).page
    label = page.locator("#as-of-label")
    page.locator("#as-of").focus()
    page.keyboard.press("ArrowLeft")
    assert label.inner_text() == "2024-02-29"  # no February 31st: the month's last day
    page.keyboard.press("ArrowRight")
    assert label.inner_text() == "2024-03-29"
    page.keyboard.press("PageDown")
    assert label.inner_text() == "2023-03-29"
    assert title_of(page).endswith("as of 2023-03-29")
    # On the page (nothing focused) the arrows step the date too; in the search field they do not.
    page.locator("header h1").click()
    page.keyboard.press("ArrowUp")
    assert label.inner_text() == "2023-04-29"
    legs_before = probe.stats()["visibleEdges"]
    page.locator("#search").focus()
    page.keyboard.press("ArrowLeft")
    assert label.inner_text() == "2023-04-29"
    # The last step stops at the data's ends.
    page.locator("#as-of").focus()
    for _ in range(40):
        page.keyboard.press("PageUp")
    assert label.inner_text() == "2025-11-04"  # the sample's latest deal
    assert probe.stats()["visibleEdges"] >= legs_before
    assert probe.errors == []


# --- paths ------------------------------------------------------------------------------------------------


def amounts_graph() -> nx.MultiDiGraph:
    """A → B → D in two undisclosed hops; A → C → E → D in three known ones ($30B, $300B, $50B); and two
    equally short ways from A to F, one undisclosed, one through $10B and $20B legs."""
    G = nx.MultiDiGraph()
    for oid in "ABCDEFXY":
        add_org(G, oid, f"Org {oid}", ["company"])
    add_leg(G, "ab", "A", "B", "d-ab")
    add_leg(G, "bd", "B", "D", "d-bd")
    add_leg(G, "ac", "A", "C", "d-ac", amount_usd=30e9)
    add_leg(G, "ce", "C", "E", "d-ce", amount_usd=300e9)
    add_leg(G, "ed", "E", "D", "d-ed", amount_usd=50e9)
    add_leg(G, "ax", "A", "X", "d-ax")
    add_leg(G, "xf", "X", "F", "d-xf", amount_usd=90e9)
    add_leg(G, "ay", "A", "Y", "d-ay", amount_usd=10e9)
    add_leg(G, "yf", "Y", "F", "d-yf", amount_usd=20e9)
    return G


def path_of(page: Any, a: str, b: str, widest: bool) -> dict[str, Any]:
    return page.evaluate("([a, b, w]) => aikgExplorer.findPath(a, b, false, w)", [a, b, widest])


@needs_chromium
def test_widest_path_on_a_hand_made_graph(probe: Probe, tmp_path: Path) -> None:
    page = probe.open(write_explorer(amounts_graph(), tmp_path / "amounts.html")).page
    assert path_of(page, "Org A", "Org D", False)["nodes"] == ["A", "B", "D"]  # fewest hops
    widest = path_of(page, "Org A", "Org D", True)
    assert widest["nodes"] == ["A", "C", "E", "D"]
    assert widest["bottleneck"] == 30e9
    assert "smallest leg $30B" in page.locator("#path-result").inner_text()
    # Equally short: the one with known amounts wins, in either mode.
    assert path_of(page, "Org A", "Org F", False)["nodes"] == ["A", "Y", "F"]
    assert path_of(page, "Org A", "Org F", True)["nodes"] == ["A", "Y", "F"]
    # The checkbox chooses the mode.
    page.fill("#path-from", "Org A")
    page.fill("#path-to", "Org D")
    page.check("#path-widest")
    page.click("#path-go")
    assert page.locator("#path-result p").inner_text().startswith("Org A → Org C → Org E → Org D (3 hops")
    assert probe.errors == []


@needs_chromium
def test_widest_path_takes_the_big_legs_on_the_bundled_data(probe: Probe, bundled: dict[str, Any]) -> None:
    page = probe.open(bundled["page"]).page
    # Microsoft and Nvidia are one undisclosed leg apart; by amount the way runs through OpenAI's $250B Azure
    # commitment and its $300B Oracle contract.
    assert len(path_of(page, "Microsoft", "Nvidia", False)["nodes"]) == 2
    wide = path_of(page, "Microsoft", "Nvidia", True)
    assert wide["nodes"] == ["microsoft", "openai", "oracle", "nvidia"]
    text = page.locator("#path-result").inner_text()
    assert "$300B" in text and "$250B" in text and "undisclosed" not in text
    # OpenAI to Stargate: directly $18B, or $300B to Oracle and Oracle's $232B share.
    assert path_of(page, "OpenAI", "Stargate", True)["nodes"] == ["openai", "oracle", "stargate"]
    assert path_of(page, "OpenAI", "Stargate", True)["bottleneck"] >= 200e9
    assert probe.errors == []


# --- notebooks --------------------------------------------------------------------------------------------


def test_notebook_outputs_share_one_copy_of_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explorer, "_library_shown", False)
    G = sample_graph()
    first = explorer_html_for_notebook(G)._repr_html_()
    second = explorer_html_for_notebook(G, focus="nvidia")._repr_html_()
    js = vis_assets().js
    assert js[:5000] in first and js[:5000] not in second
    assert "window.aikgExplorerBoot = function" in first and "window.aikgExplorerBoot = function" not in second
    data = re.search(r'<script type="application/json" id="[^"]*">(.*?)</script>', second, re.DOTALL)
    assert data
    # The second output is this view's data plus its markup (about 12 KB), not the 0.7 MB library.
    assert len(second) < len(data.group(1)) + 16_000
    assert len(first) - len(second) > len(js)
    ids = re.findall(r'id="(aikg[0-9a-f]+-)aikg-root"', first + second)
    assert len(ids) == 2 and ids[0] != ids[1]


def test_second_notebook_output_on_the_bundled_data_is_small(real_graph: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explorer, "_library_shown", True)  # a notebook that has shown one already
    before = len(explorer_html_for_notebook(real_graph.explorer_graph(), standalone=True)._repr_html_())
    after = len(real_graph.view()._repr_html_())
    assert after < before - 600_000, (before, after)


@needs_chromium
def test_two_notebook_outputs_draw_in_one_page(probe: Probe, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explorer, "_library_shown", False)
    G = sample_graph()
    outputs = [explorer_html_for_notebook(G, height=500)._repr_html_(),
               explorer_html_for_notebook(G, height=500, focus="anthropic", depth=1)._repr_html_()]
    # A notebook page: its own styles around the outputs, which must keep theirs to themselves.
    probe.page.set_content("<!DOCTYPE html><html><head><style>body { font-size: 20px }</style></head><body>"
                           + "".join(f'<div class="output">{o}</div>' for o in outputs) + "</body></html>")
    probe.page.wait_for_function("Object.values(window.aikgExplorers || {}).filter(a => a.ready).length === 2")
    first, second = probe.page.evaluate("Object.keys(window.aikgExplorers)")
    assert probe.page.evaluate(f"aikgExplorers[{second!r}].stats().focus") == "anthropic"
    assert probe.page.evaluate(f"aikgExplorers[{first!r}].stats().focus") is None
    # Each answers to its own controls.
    probe.page.fill(f"#{second}search", "lidl")
    assert probe.page.evaluate(f"aikgExplorers[{second!r}].stats().highlight") == "search"
    assert probe.page.evaluate(f"aikgExplorers[{first!r}].stats().highlight") is None
    assert probe.page.evaluate("getComputedStyle(document.body).fontSize") == "20px"
    assert [u for u in probe.requests if not u.startswith(("about:", "data:"))] == []
    assert probe.errors == []


@needs_chromium
def test_a_notebook_output_without_the_library_says_what_to_do(probe: Probe,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explorer, "_library_shown", True)
    output = explorer_html_for_notebook(sample_graph())._repr_html_()
    probe.page.set_content(f"<!DOCTYPE html><html><body>{output}</body></html>")
    assert "notebook_library()" in probe.page.locator(".aikg-missing").inner_text()
    assert probe.errors == []


@needs_chromium
def test_hostile_data_stays_text_in_a_notebook_output(probe: Probe, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(explorer, "_library_shown", False)
    output = explorer_html_for_notebook(hostile_graph(), title=XSS_SCRIPT)._repr_html_()
    probe.page.set_content(f"<!DOCTYPE html><html><body>{output}</body></html>")
    probe.page.wait_for_function("window.aikgExplorer && window.aikgExplorer.ready === true")
    prefix = probe.page.evaluate("Object.keys(window.aikgExplorers)[0]")
    for node in probe.page.evaluate("aikgExplorer.nodes.getIds()"):
        probe.page.evaluate("(id) => aikgExplorer.selectNode(id)", node)
    probe.page.fill(f"#{prefix}search", "img")
    assert probe.page.locator("header h1").inner_text().startswith(XSS_SCRIPT)
    assert probe.page.evaluate("window.__xss") is None
    assert probe.page.locator("img, svg[onload]").count() == 0
    assert probe.dialogs == [] and probe.errors == []


# --- focused explorers for other pages --------------------------------------------------------------------


def test_a_focused_explorer_holds_the_neighbourhood_only() -> None:
    G = sample_graph()
    page = render_focused(G, ["Anthropic PBC"], depth=1)
    assert "aikg explorer — Anthropic" in page
    part = explorer.focused_graph(G, ["anthropic"], depth=1)
    assert set(part.nodes) == {"anthropic", "amazon", "google"}
    assert part.graph["cycles"] == []
    loop = explorer.focused_graph(G, ["nvidia", "coreweave"], depth=1)
    assert {c["label"] for c in loop.graph["cycles"]} == {"Nvidia ⇄ CoreWeave", "Nvidia → OpenAI → Oracle → Nvidia"}
