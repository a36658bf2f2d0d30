"""``aikg stories``: case studies written as data, every figure computed from the graph.

On the bundled stories (``stories/``) and data: every story renders, and every figure on the pages is
recomputed here by another route (the deal records, the SPARQL digests, the named queries, a walk of the legs)
and must match. On the small data set of ``tests/minidata.py``, a story with figures worked out by hand: Beta
invests up to €12B in Alpha (preferred claim; $15B at the sourced rate of 1.25), Alpha commits $8B to Beta Cloud
Services. Broken story files get every error at once with file, line, field and value.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from minidata import write_dataset
from test_report import XSS_IMG, XSS_NAME, XSS_QUOTES, hostile_set, report_set

import kg
from kg.cli import main
from kg.records.problems import DataError
from kg.store import queries
from kg.views.formatting import format_amount
from kg.views.stories import (
    DEFAULT_STORIES,
    Figure,
    StoryInputs,
    StoryPage,
    build_stories,
    long_date,
    render_story,
    write_stories,
)

STORY_IDS = {"ai-triangle", "stargate-oracle", "anthropic-proxy-war", "gpu-cloud-loop", "deepseek-shock"}
# deal kind → line of kg.metrics.totals for the money legs the bundled stories total
LINE_OF_KIND = {"equity_investment": "funding", "funding_round": "funding", "compute_commitment": "compute",
                "chip_supply": "chips", "debt_financing": "debt", "joint_venture": "joint_venture"}


def inputs_of(graph: kg.KnowledgeGraph) -> StoryInputs:
    return StoryInputs(graph.explorer_graph(), graph.legs(), graph.store)


@pytest.fixture(scope="module")
def pages(real_graph: kg.KnowledgeGraph) -> list[StoryPage]:
    return build_stories(inputs_of(real_graph))


def figures(pages: list[StoryPage]) -> list[tuple[StoryPage, Any, Figure]]:
    return [(s, c, p) for s in pages for c in s.chapters for para in c.paragraphs for p in para
            if isinstance(p, Figure)]


# --- the bundled stories ---------------------------------------------------------------------------------------


def test_every_bundled_story_renders_with_timelines_sources_and_explorers(pages: list[StoryPage],
                                                                          tmp_path: Path,
                                                                          real_graph: kg.KnowledgeGraph) -> None:
    assert {p.id for p in pages} == STORY_IDS
    written = write_stories(inputs_of(real_graph), tmp_path / "stories")
    assert {p.name for p in written} == {"index.html", *(f"{i}.html" for i in STORY_IDS)}
    for page in pages:
        text = (tmp_path / "stories" / f"{page.id}.html").read_text(encoding="utf-8")
        shown = visible(text)
        for chapter in page.chapters:
            assert chapter.facts and chapter.explorer_html.startswith("<!DOCTYPE html>")
            assert str(chapter.timeline).count('<g class="event">') == sum(f.date is not None for f in chapter.facts)
            for fact in chapter.facts:  # every fact shown with a dated source and its verbatim quote
                assert fact.sources and all(s["quote"] and s["published"] for s in fact.sources), fact.id
                assert any(s["url"] or s["seed_file"] for s in fact.sources), fact.id
                assert f"“{fact.sources[0]['quote']}”" in shown, fact.id
            assert f'id="chapter-{chapter.number}"' in text
        index = (tmp_path / "stories" / "index.html").read_text(encoding="utf-8")
        assert f'href="{page.id}.html"' in index


def test_the_deepseek_story_rests_on_the_seed_articles_and_the_market_observations(pages: list[StoryPage]) -> None:
    story = next(p for p in pages if p.id == "deepseek-shock")
    day = next(c for c in story.chapters if c.period[0] == dt.date(2025, 1, 27))
    kinds = {f.kind for f in day.facts}
    assert kinds == {"observation"}
    seeds = {s["seed_file"] for f in day.facts for s in f.sources if s["seed_file"]}
    assert seeds >= {"003_ee516c5c54681b7f.txt", "001_7923b06f6867f9cc.txt"}
    assert all(f.date is not None and dt.date(2025, 1, 27) <= f.date <= dt.date(2025, 1, 31) for f in day.facts)


def test_every_figure_is_recomputed_from_the_graph(pages: list[StoryPage], real_graph: kg.KnowledgeGraph) -> None:
    """Each placeholder by another route: deal figures from the records and the digests, observations from the
    named query ``observations_of_org``, quotes from ``sources_of_fact``, totals by walking the legs."""
    everything = real_graph.explorer_graph()
    records = everything.graph["deals"]
    digest = {r["deal"]: r for r in queries.sparql(real_graph.store, """PREFIX aikg: <https://w3id.org/aikg/ontology#>
        SELECT ?deal ?status ?date ?usd WHERE { ?d a aikg:Deal ; aikg:recordId ?deal ; aikg:currentStatus ?status ;
        aikg:currentDate ?date . OPTIONAL { ?d aikg:currentUSD ?usd } }""").to_dict("records")}
    counted = real_graph.legs()
    checked = {"deal": 0, "obs": 0, "total": 0}
    for _story, chapter, fig in figures(pages):
        ref = fig.ref
        checked[ref.kind] += 1
        if ref.kind == "deal":
            record, row = records[ref.id], digest[ref.id]
            if ref.field == "amount":
                assert fig.shown == format_amount(record), ref.source
                usd = None if isinstance(row["usd"], float) and math.isnan(row["usd"]) else row["usd"]
                assert (fig.value is None) == (usd is None) and (usd is None or math.isclose(fig.value, usd)), ref
            elif ref.field == "date":
                assert fig.shown == long_date(row["date"].date()) == long_date(record["date"]), ref.source
            elif ref.field == "status":
                assert fig.shown == row["status"].replace("_", " ") == record["status"].replace("_", " ")
            elif ref.field == "quote":  # the claim the figure is counted by: same status and date as the deal
                claims = queries.run(real_graph.store, "sources_of_fact", fact=ref.id)
                assert fig.shown in set(claims["quote"]), ref.source
                source = next(s for s in record["sources"] if s["quote"] == fig.shown)
                assert (source["status"], source["claim_date"]) == (record["status"], record["date"]), ref.source
        elif ref.kind == "obs":
            fact = next(f for f in chapter.facts if f.id == ref.id)
            claims = queries.run(real_graph.store, "sources_of_fact", fact=ref.id)
            preferred = claims[claims["preferred"]] if claims["preferred"].any() else claims
            if ref.field == "quote":
                assert fig.shown == preferred["quote"].iloc[0], ref.source
            elif ref.field == "value" and fact.parties:
                rows = queries.run(real_graph.store, "observations_of_org", org=_org_of(real_graph, fact.parties[0]))
                rows = rows[(rows["quote"] == preferred["quote"].iloc[0]) & (rows["start"].dt.date == fact.date)]
                stated = [float(v) for v in rows.iloc[0][["value", "max", "min"]] if pd.notna(v)]
                assert math.isclose(fig.value, stated[0]), ref.source
        else:
            expected, deals = _walk_total(counted, real_graph, ref, chapter.period)
            assert deals == set(fig.facts), ref.source
            assert (fig.value is None and expected == 0) or math.isclose(fig.value, expected), (ref.source, expected)
    assert checked["deal"] >= 60 and checked["obs"] >= 10 and checked["total"] >= 10, checked


def _org_of(graph: kg.KnowledgeGraph, label: str) -> str:
    return graph.resolve(label, graph.explorer_graph())


def _walk_total(legs: Any, graph: kg.KnowledgeGraph, ref: Any, period: tuple[dt.date, dt.date]) -> tuple[float, set]:
    """The money legs from giver to taker of the line, dated in the period, not folded into a whole."""
    giver, taker = graph.resolve(ref.giver, legs), graph.resolve(ref.taker, legs)
    total, deals = 0.0, set()
    for u, v, attrs in legs.edges(data=True):
        if (u, v) != (giver, taker) or attrs["flow"] != "money" or attrs.get("folded_into") is not None:
            continue
        if LINE_OF_KIND.get(attrs["kind"]) != ref.line or not period[0] <= attrs["date"] <= period[1]:
            continue
        deals.add(attrs["deal"])
        total += attrs["amount_usd"] or 0.0
    return total, deals


def visible(page: str) -> str:
    """The page's text as a reader sees it: frames, tags and entities gone."""
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r'srcdoc="[^"]*"', "", page)))


def test_each_figure_is_printed_on_the_page(pages: list[StoryPage]) -> None:
    for story in pages:
        text = visible(render_story(story, pages))
        for chapter in story.chapters:
            for para in chapter.paragraphs:
                for piece in para:
                    if isinstance(piece, Figure):
                        assert piece.shown in text, piece.ref.source


# --- a story over the small data set, worked out by hand -------------------------------------------------------

MINI_STORY = {
    "id": "alpha-and-beta",
    "title": "Alpha and Beta",
    "summary": "Beta Cloud funds Alpha Lab, and Alpha Lab buys Beta's cloud.",
    "orgs": ["alpha-lab", "Beta Cloud"],
    "period": {"from": "2025-01-01", "to": "2025-12-31"},
    "chapters": [{
        "title": "The loop",
        "orgs": ["Alpha Lab", "beta-cloud", "beta-cloud-services"],
        "period": {"from": "2025-01-01", "to": "2025-06-30"},
        "deals": ["gamma-alpha-chips"],
        "observations": ["alpha-valuation-2025"],
        "text": "Beta invested {deal:beta-alpha-equity} ({deal:beta-alpha-equity.status}, "
                "{deal:beta-alpha-equity.date}): {deal:beta-alpha-equity.quote}\n\n"
                "Alpha committed {deal:alpha-beta-compute} to {total:compute from Alpha Lab to Beta Cloud Services}; "
                "funding in: {total:funding from Beta Cloud to alpha-lab}. Alpha is valued at "
                "{obs:alpha-valuation-2025}.",
    }],
}


def write_stories_folder(root: Path, *stories: dict[str, Any]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for story in stories:
        (root / f"{story['id']}.yaml").write_text(yaml.safe_dump(story, sort_keys=False, allow_unicode=True),
                                                  encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def mini_graph(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    root = tmp_path_factory.mktemp("stories-mini")
    return kg.load(write_dataset(root / "data", report_set()), root / "out")


def test_a_small_story_has_the_figures_worked_out_by_hand(mini_graph: kg.KnowledgeGraph, tmp_path: Path) -> None:
    [page] = build_stories(inputs_of(mini_graph), write_stories_folder(tmp_path / "s", MINI_STORY))
    [chapter] = page.chapters
    shown = [p.shown for para in chapter.paragraphs for p in para if isinstance(p, Figure)]
    assert shown == ["up to $15B (EUR 12B)", "closed", "1 April 2025", "Beta invests up to €12 billion.",
                     "$8B", "$8B", "$15B", "more than $100B"]
    # notes in the order the text cites them, then the timeline's other deals
    assert [f.id for f in chapter.facts] == ["beta-alpha-equity", "alpha-beta-compute", "alpha-valuation-2025",
                                             "gamma-alpha-chips"]
    assert [f.note for f in chapter.dated] == [2, 3, 1, 4]  # by date: the equity deal is dated by its 1 April claim
    assert chapter.orgs == ["Alpha Lab", "Beta Cloud", "Beta Cloud Services"]


def test_the_chapter_explorer_shows_only_the_chapter_organisations(mini_graph: kg.KnowledgeGraph,
                                                                   tmp_path: Path) -> None:
    story = {**MINI_STORY, "chapters": [{**MINI_STORY["chapters"][0], "orgs": ["alpha-lab", "gamma-chips"]}]}
    [page] = build_stories(inputs_of(mini_graph), write_stories_folder(tmp_path / "s", story))
    explorer = page.chapters[0].explorer_html
    assert "Gamma Chips" in explorer and "Beta Cloud Services" not in explorer
    assert '"as_of_day":20269' in explorer  # 2025-06-30, the chapter's end


def test_untrusted_text_is_escaped(tmp_path: Path) -> None:
    graph = kg.load(write_dataset(tmp_path / "data", hostile_set()), tmp_path / "out")
    story = {**MINI_STORY, "title": XSS_NAME, "summary": XSS_IMG,
             "chapters": [{**MINI_STORY["chapters"][0], "title": XSS_QUOTES,
                           "text": XSS_IMG + " {deal:beta-alpha-equity.quote} {deal:beta-alpha-equity.title}"}]}
    [page] = build_stories(inputs_of(graph), write_stories_folder(tmp_path / "s", story))
    text = render_story(page, [page])
    outside_frames = re.sub(r'srcdoc="[^"]*"', "", text)
    for payload in ("<script>window", "<img src=x", "<svg onload"):
        assert payload not in outside_frames
    shown = visible(text)  # the payloads are there, as text
    assert XSS_IMG in shown and XSS_NAME in shown and XSS_QUOTES in shown


# --- broken story files ----------------------------------------------------------------------------------------


def problems_of(graph: kg.KnowledgeGraph, folder: Path) -> list[str]:
    with pytest.raises(DataError) as info:
        build_stories(inputs_of(graph), folder)
    return [str(p) for p in info.value.problems]


REFS = """id: refs
title: References that miss
summary: Valid on its own; its references name nothing in the graph.
orgs: [alpha-lab]
period: {from: 2025-01-01, to: 2025-12-31}
chapters:
  - title: One
    orgs: [Alpah Lab]
    period: {from: 2025-01-01, to: 2025-12-31}
    deals: [beta-alpha-equitty]
    text: |
      Beta invested {deal:beta-alpha-equity} and

      later {obs:alpha-valuation-2026}, then {total:compute from Alpha Lab to Gamma Chips}.
"""
FIELDS = """id: fields
title: Field errors
summary: Wrong on its own.
orgs: [alpha-lab]
period: {from: 2025-01-01, to: 2025-12-31}
chapters:
  - title: Two
    orgs: [alpha-lab]
    period: {from: 2025-06-01, to: 2025-01-01}
    text: It cost $5 billion {deal:beta-alpha-equity.size}.
"""


def test_broken_stories_get_every_error_at_once_with_file_line_field_and_value(mini_graph: kg.KnowledgeGraph,
                                                                               tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "refs.yaml").write_text(REFS, encoding="utf-8")
    (folder / "fields.yaml").write_text(FIELDS, encoding="utf-8")
    (folder / "worse.yaml").write_text("id: Not A Slug\ntitle: x\n", encoding="utf-8")
    assert problems_of(mini_graph, folder) == [
        "broken/fields.yaml:9: chapters.0.period = {'from': '2025-06-01', 'to': '2025-01-01'}: error: the period "
        "ends (2025-01-01) before it starts (2025-06-01)",
        "broken/fields.yaml:10: chapters.0.text = 'It cost $5 billion {deal:beta-alpha-equity.size}.': error: "
        "'{deal:beta-alpha-equity.size}': unknown field 'size' of a deal (known: amount, date, status, title, "
        "quote); a figure typed into the text ('$5 billion'): write a placeholder, so the figure is computed from "
        "the graph",
        "broken/refs.yaml:8: chapters.0.orgs.0 = 'Alpah Lab': error: unknown organisation 'Alpah Lab'; did you mean "
        "alpha-lab (Alpha Lab)?",
        "broken/refs.yaml:10: chapters.0.deals.0 = 'beta-alpha-equitty': error: unknown deal 'beta-alpha-equitty'; "
        "did you mean beta-alpha-equity?",
        "broken/refs.yaml:14: chapters.0.text = '{total:compute from Alpha Lab to Gamma Chips}': error: no counted "
        "compute deal in which alpha-lab pays gamma-chips between 2025-01-01 and 2025-12-31",
        "broken/refs.yaml:14: chapters.0.text = '{obs:alpha-valuation-2026}': error: unknown observation "
        "'alpha-valuation-2026'; did you mean alpha-valuation-2025, alpha-revenue-2025?",
        "broken/worse.yaml:1: chapters: error: missing required field 'chapters'",
        "broken/worse.yaml:1: id = 'Not A Slug': error: String should match pattern '^[a-z0-9][a-z0-9-]*$'",
        "broken/worse.yaml:1: orgs: error: missing required field 'orgs'",
        "broken/worse.yaml:1: period: error: missing required field 'period'",
        "broken/worse.yaml:1: summary: error: missing required field 'summary'",
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("Up {deal:x", "a brace without its pair"),
    ("A {deal x}", "not a placeholder"),
    ("{total:cash from a to b}", "unknown line 'cash'"),
    ("It rose 17 percent.", "a figure typed into the text ('17 percent')"),
    ("A 4.5% stake", "a figure typed into the text ('4.5%')"),
    ("€12bn", "a figure typed into the text ('€12bn')"),
    ("$38", "a figure typed into the text ('$38')"),
])
def test_a_story_text_is_checked_on_its_own(text: str, message: str) -> None:
    from kg.views.stories_model import check_text

    with pytest.raises(ValueError, match=re.escape(message)):
        check_text(text)


def test_two_stories_with_one_id_and_an_unreadable_file(mini_graph: kg.KnowledgeGraph, tmp_path: Path) -> None:
    folder = write_stories_folder(tmp_path / "s", MINI_STORY)
    (folder / "copy.yaml").write_text((folder / "alpha-and-beta.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "syntax.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    found = problems_of(mini_graph, folder)
    assert found[0] == "s/copy.yaml:1: id = 'alpha-and-beta': error: story id already used by s/alpha-and-beta.yaml"
    assert found[1].startswith("s/syntax.yaml:2: error: YAML syntax error")


def test_the_cli_prints_the_errors_and_writes_nothing(mini_graph: kg.KnowledgeGraph, tmp_path: Path) -> None:
    story = {**MINI_STORY, "chapters": [{**MINI_STORY["chapters"][0], "deals": ["nope"]}]}
    folder = write_stories_folder(tmp_path / "s", story)
    result = CliRunner().invoke(main, ["stories", "--stories", str(folder), "-o", str(tmp_path / "pages"),
                                       "--data", str(mini_graph.data), "--out", str(mini_graph.out)])
    assert result.exit_code == 1
    assert "alpha-and-beta.yaml:" in result.output and "unknown deal 'nope'" in result.output
    assert "1 error(s); nothing was written." in result.output
    assert not (tmp_path / "pages").exists()
    result = CliRunner().invoke(main, ["stories", "--stories", str(write_stories_folder(tmp_path / "ok", MINI_STORY)),
                                       "-o", str(tmp_path / "pages"), "--data", str(mini_graph.data),
                                       "--out", str(mini_graph.out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == ["alpha-and-beta.html", "index.html"]


def test_the_bundled_stories_folder_is_the_default() -> None:
    assert DEFAULT_STORIES.name == "stories" and {p.stem for p in DEFAULT_STORIES.glob("*.yaml")} == STORY_IDS
