"""The analyst report in a real browser (Debian's Chromium through Playwright), opened from ``file://``.

The report is built from the repository's ``data/`` (into a temporary folder) so the screenshots show real
figures: ``test-artifacts/report.png`` (the full page) and ``report-top.png`` (the first screen). The hostile
report comes from the small data set with markup in every text field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import ARTIFACTS, Probe, needs_chromium, wait_painted
from minidata import write_dataset
from test_report import hostile_set

import kg

pytestmark = needs_chromium

DATA = Path(__file__).resolve().parents[1] / "data"
CHARTS = """() => Array.from(document.querySelectorAll('figure svg.chart')).map(s => {
  const r = s.getBoundingClientRect();
  return { id: s.closest('figure').id, width: r.width, height: r.height,
           bars: Array.from(s.querySelectorAll('rect.bar')).filter(b => b.getBBox().height * b.getBBox().width > 0)
                 .length };
})"""


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report-browser")
    real = kg.load(DATA, root / "real-out")
    hostile = kg.load(write_dataset(root / "hostile-data", hostile_set()), root / "hostile-out")
    return {
        "real": real.report(root / "real" / "report.html"),
        "hostile": hostile.report(root / "hostile" / "report.html", stress_fail="alpha-lab"),
    }


def open_report(browser: Any, path: Path, enough: int = 0) -> tuple[Probe, Any]:
    """The report with its explorer frame drawn, more than ``enough`` pixels of it (a frame off screen is not
    painted, so scroll to it first)."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    probe = Probe(page)
    page.goto(path.resolve().as_uri())
    page.locator("iframe.explorer").scroll_into_view_if_needed()
    frame = next(f for f in page.frames if f != page.main_frame)
    assert wait_painted(page, frame, enough) > enough, "the embedded explorer's canvas is blank"
    return probe, frame


def test_real_report_offline_charts_explorer_and_screenshot(browser: Any, reports: dict[str, Path]) -> None:
    probe, frame = open_report(browser, reports["real"], enough=5000)
    page = probe.page
    try:
        drawn = page.evaluate(CHARTS)
        assert [c["id"] for c in drawn] == ["chart-timeline", "chart-commitments", "chart-capex", "chart-funding"]
        for chart in drawn:
            assert chart["width"] > 300 and chart["height"] > 100, chart
            assert chart["bars"] >= 2, chart
        stats = frame.evaluate("aikgExplorer.stats()")
        assert stats["visibleNodes"] > 10 and stats["visibleEdges"] > 10
        assert frame.evaluate("aikgExplorer.stats().nodes") > 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(ARTIFACTS / "report-top.png"))
        # The whole page: a viewport as tall as the page rather than full_page=True, which leaves the explorer's
        # frame (drawn by another renderer process) blank.
        page.set_viewport_size({"width": 1400, "height": page.evaluate("document.documentElement.scrollHeight")})
        page.wait_for_timeout(200)
        page.screenshot(path=str(ARTIFACTS / "report.png"))
        assert (ARTIFACTS / "report.png").stat().st_size > 50_000
        page.set_viewport_size({"width": 1400, "height": 900})
        # a deal id in a table opens that deal in the list at the end
        link = page.locator("#exposure a.deal").first
        deal = link.inner_text()
        link.click()
        assert page.locator(f"[id='deal-{deal}']").is_visible()
        assert page.evaluate("location.hash") == f"#deal-{deal}"
        assert probe.requests == [reports["real"].resolve().as_uri()]
        assert probe.errors == []
    finally:
        page.close()


def test_hostile_report_runs_nothing_injected(browser: Any, reports: dict[str, Path]) -> None:
    probe, frame = open_report(browser, reports["hostile"])
    page = probe.page
    try:
        page.wait_for_timeout(300)
        assert page.evaluate("window.__xss") is None
        assert frame.evaluate("window.__xss") is None
        assert probe.dialogs == []
        assert page.locator("#exposure h3").first.inner_text().startswith("<script>window.__xss=1</script>")
        page.locator("details.deal summary").first.click()
        hrefs = page.eval_on_selector_all("#deals a[href]", "els => els.map(a => a.href)")
        assert hrefs and all(h.startswith("https://") for h in hrefs)
        assert probe.requests == [reports["hostile"].resolve().as_uri()]
        assert probe.errors == []
    finally:
        page.close()
