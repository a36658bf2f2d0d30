"""The explorer on a synthetic data set big enough to collapse organisations into "Other …" groups and to open
on its core, in Chromium: what a new user found at 5,000 organisations.

``aikg synth`` at 1,600 organisations (the 5,000 of the report take about two minutes to build on a busy
machine; 1,600 take about 30 s and already exceed the explorer's ``max_nodes`` of 1,500), built and written
through the facade as ``aikg view`` does.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import Probe, needs_chromium
from test_explorer_reading import OVERLAPS

import kg
from kg.synth import synth
from kg.views.explorer_data import build_view

pytestmark = needs_chromium

ORGS = 1600


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("explorer-scale")
    synth(ORGS, 0, root / "data")
    g = kg.load(root / "data", root / "out")
    G = g.explorer_graph()
    view = build_view(G)
    return {"G": G, "view": view, "page": g.write_view(root / "explorer.html")}


@pytest.fixture
def probe(browser: Any) -> Iterator[Probe]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield Probe(context.new_page())
    context.close()


@pytest.fixture
def page(probe: Probe, big: dict[str, Any]) -> Any:
    return probe.open(big["page"]).page


def groups(view: Any) -> set[str]:
    return {n["id"] for n in view.nodes if n.get("agg")}


def test_the_set_is_big_enough_to_collapse(big: dict[str, Any]) -> None:
    view = big["view"]
    assert big["G"].number_of_nodes() == ORGS
    assert groups(view) and view.config["counts"]["collapsed"] > 0
    assert view.config["initial"]["shown"], "the view should open on its core"


def test_choosing_a_search_result_shows_its_collapsed_partners(probe: Probe, page: Any, big: dict[str, Any]) -> None:
    view = big["view"]
    kept = {n["id"] for n in view.nodes if not n.get("agg")}
    # An organisation with a deal whose other party sits in an "Other …" group: its details name that party.
    org, partner = next(
        (o, leg["to"] if leg["from"] == o else leg["from"])
        for o in sorted(kept)
        for i in view.orgs[o]["deals"]
        for leg in view.deals[i]["legs"]
        if o in (leg["from"], leg["to"]) and not {leg["from"], leg["to"]} <= kept
    )
    page.fill("#search", view.orgs[org]["label"])
    page.locator("#search-results button").first.click()
    details = page.locator("#details")
    assert details.locator("h2").inner_text() == view.orgs[org]["label"]
    assert view.names[partner] in details.inner_text()
    assert probe.stats()["visibleNodes"] > 0 and org in page.evaluate("aikgExplorer.nodesView.getIds()")
    assert probe.errors == []


def test_paths_never_run_through_a_group(probe: Probe, page: Any, big: dict[str, Any]) -> None:
    view = big["view"]
    others = groups(view)
    labels = [o["label"] for i, o in view.orgs.items() if i not in others]
    rng = random.Random(5)
    found = 0
    for _ in range(8):
        a, b = rng.sample(labels, 2)
        for widest in (False, True):
            path = page.evaluate("([a, b, w]) => aikgExplorer.findPath(a, b, false, w)", [a, b, widest])
            if path:
                found += 1
                assert not set(path["nodes"]) & others, path
                assert all(not e.startswith("agg:") for e in path["edges"])
    assert found >= 6
    # A group is not an end either: not offered, not resolved.
    group_label = view.orgs[sorted(others)[0]]["label"]
    assert page.evaluate("([a, b]) => aikgExplorer.findPath(a, b, false, false)", [group_label, labels[0]]) is None
    assert "Pick two organisations" in page.locator("#path-result").inner_text()
    offered = page.evaluate("Array.from(document.querySelectorAll('#org-names option')).map(o => o.value)")
    assert group_label not in offered and len(offered) == len(labels)
    assert probe.errors == []


STATUS = re.compile(
    r"Showing ([\d,]+) of ([\d,]+) organisations \(([\d,]+) collapsed into (\d+) “Other …” groups, (\d+) shown\)"
    r" · ([\d,]+) of ([\d,]+) deal legs"
)


def status_counts(page: Any) -> list[int]:
    match = STATUS.search(page.locator("#status").inner_text())
    assert match, page.locator("#status").inner_text()
    return [int(g.replace(",", "")) for g in match.groups()]


def test_the_status_bar_says_shown_collapsed_and_total(probe: Probe, page: Any, big: dict[str, Any]) -> None:
    view, G = big["view"], big["G"]
    others = groups(view)
    for step in ("opened", "show all"):
        shown, total, collapsed, n_groups, groups_shown, legs, all_legs = status_counts(page)
        visible = set(page.evaluate("aikgExplorer.nodesView.getIds()"))
        assert shown == len(visible - others) and groups_shown == len(visible & others), step
        assert total == ORGS and all_legs == G.number_of_edges()
        assert collapsed == ORGS - (len(view.nodes) - len(others)) and n_groups == len(others)
        drawn = page.evaluate("aikgExplorer.edgesView.get().reduce((s, e) => s + (e.agg ? e.n : 1), 0)")
        assert legs == drawn
        if step == "opened":
            page.click("#show-all")
    assert probe.errors == []


def test_opens_on_the_core_and_a_click_adds_partners(probe: Probe, page: Any, big: dict[str, Any]) -> None:
    view = big["view"]
    core = set(view.config["initial"]["shown"])
    first = probe.stats()
    visible = set(page.evaluate("aikgExplorer.nodesView.getIds()"))
    assert visible <= core and not visible & groups(view)
    assert first["visibleEdges"] < len(view.edges) / 10  # not the hairball of every line
    # Click the organisation with the most partners not yet shown: they come in.
    partners = page.evaluate(
        """() => { const vis = new Set(aikgExplorer.nodesView.getIds());
                   const best = {};
                   aikgExplorer.edges.forEach(e => { if (!e.p) return;
                     for (const [a, b] of [[e.from, e.to], [e.to, e.from]])
                       if (vis.has(a) && !vis.has(b)) best[a] = (best[a] || 0) + 1; });
                   return Object.entries(best).sort((x, y) => y[1] - x[1])[0]; }"""
    )
    org, _count = partners
    x, y = probe.node_point(org)
    page.mouse.click(x, y)
    after = probe.stats()
    assert after["visibleNodes"] > first["visibleNodes"]
    assert page.locator("#details h2").inner_text() == view.orgs[org]["label"]
    # Reset goes back to the core.
    page.click("#reset")
    assert probe.stats()["visibleNodes"] == first["visibleNodes"]
    assert page.evaluate(OVERLAPS)["overlaps"] == []
    probe.screenshot("explorer-scale.png")
    assert probe.errors == []
