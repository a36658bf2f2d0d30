"""The story pages in a real browser (Debian's Chromium through Playwright), opened from ``file://``.

Every bundled story, rendered from the repository's ``data/`` and ``stories/``, loads without a console error or
a network request, and each chapter's explorer draws. ``test-artifacts/story.png`` is a screenshot of the first
screen of a real story (the README's ``docs/stories.png`` is one such screenshot).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import ARTIFACTS, Probe, needs_chromium, wait_painted

import kg
from kg.views.stories import StoryInputs, write_stories

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def story_pages(real_graph: kg.KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    inputs = StoryInputs(real_graph.explorer_graph(), real_graph.legs(), real_graph.store)
    return write_stories(inputs, tmp_path_factory.mktemp("stories-browser"))


def test_every_story_loads_offline_without_errors_and_its_explorers_draw(browser: Any,
                                                                         story_pages: list[Path]) -> None:
    for path in story_pages:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        probe = Probe(page)
        page.goto(path.resolve().as_uri())
        frames = page.locator("iframe.explorer")
        for i in range(frames.count()):
            frames.nth(i).scroll_into_view_if_needed()
            frame = frames.nth(i).element_handle().content_frame()
            assert wait_painted(page, frame, enough=1000) > 1000, (path.name, i)
        timelines = page.evaluate("Array.from(document.querySelectorAll('svg.timeline')).map("
                                  "s => [s.getBoundingClientRect().width, s.querySelectorAll('g.event').length])")
        assert len(timelines) == frames.count()
        assert all(width > 300 and events > 0 for width, events in timelines), (path.name, timelines)
        assert probe.errors == [] and probe.dialogs == [], (path.name, probe.errors)
        assert all(url.startswith(("file:", "about:", "data:")) for url in probe.requests), probe.requests
        page.close()


def test_screenshot_of_a_real_story(browser: Any, story_pages: list[Path]) -> None:
    path = next(p for p in story_pages if p.name == "gpu-cloud-loop.html")
    page = browser.new_page(viewport={"width": 1280, "height": 1500})
    page.goto(path.resolve().as_uri())
    frame = page.locator("iframe.explorer").first
    frame.scroll_into_view_if_needed()
    wait_painted(page, frame.element_handle().content_frame(), enough=1000)
    page.evaluate("window.scrollTo(0, 0)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "story.png"))
    assert (ARTIFACTS / "story.png").stat().st_size > 50_000
    page.close()
