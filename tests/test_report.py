"""``aikg report``: the analyst report's figures, its escaping and its offline promise, on small data sets.

The report set is the mini data set of ``tests/minidata.py`` plus a revenue figure, a market cap and capital
expenditure, so every section and chart has something to show. Its figures, worked out by hand:

- Beta Cloud invests €12B (preferred claim, "up to" → $15B) in Alpha Lab; Alpha commits $8B to Beta Cloud
  Services (a Beta Cloud subsidiary); Gamma supplies Alpha chips, amount undisclosed.
- Beta Cloud's exposure to Alpha Lab: $40B equity at risk (the 40% stake of the first report × Alpha's $100B
  valuation) + $8B contracted revenue = $48B, 4.8% of its $1T market cap.
- One loop: Beta Cloud → Alpha Lab → Beta Cloud, round trip $8B, ratio 8/15 = 0.53.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from minidata import mini, write_dataset

import kg
from kg.cli import main
from kg.views import charts

XSS_NAME = '<script>window.__xss=1</script>'
XSS_IMG = '<img src=x onerror="window.__xss=2">'
XSS_QUOTES = "\"'><svg onload=window.__xss=3>"
XSS_URL = 'https://example.org/"><script>window.__xss=4</script>'


def _claim(quote: str, value: dict, **extra: Any) -> dict:
    return {"source": "wire-1", "quote": quote, "date": "2025-03-01", "value": value, **extra}


def report_set() -> dict:
    data = mini()
    data["observations"]["obs.yaml"] += [
        {"id": "alpha-revenue-2025", "metric": "revenue", "orgs": ["alpha-lab"], "year": 2025,
         "claims": [_claim("Alpha expects revenue of $2 billion.", {"value": 2e9, "currency": "USD"})]},
        {"id": "beta-market-cap", "metric": "market_cap", "orgs": ["beta-cloud"], "on": "2025-03-01",
         "claims": [_claim("Beta is worth $1 trillion.", {"value": 1e12, "currency": "USD"})]},
        {"id": "beta-capex-2024", "metric": "capex", "orgs": ["beta-cloud"], "year": 2024,
         "claims": [_claim("Beta spent $50 billion.", {"value": 50e9, "currency": "USD"})]},
        {"id": "beta-capex-2025", "metric": "capex", "orgs": ["beta-cloud"], "year": 2025,
         "claims": [_claim("Beta plans $60-70 billion.", {"min": 60e9, "max": 70e9, "currency": "USD"},
                           basis="plan")]},
    ]
    return data


def hostile_set() -> dict:
    """Markup and quote-breaking strings in names, aliases, titles, publishers, quotes and URLs."""
    data = report_set()
    orgs = data["entities"]["orgs.yaml"]
    orgs[0]["name"] = XSS_NAME
    orgs[0]["aliases"] = {"en": [XSS_IMG]}
    orgs[1]["name"] = XSS_IMG
    deals = data["deals"]["deals.yaml"]
    deals[0]["title"] = XSS_QUOTES
    deals[0]["claims"][0]["quote"] = XSS_NAME + " " + XSS_QUOTES
    deals[1]["title"] = XSS_NAME
    source = data["sources"]["sources.yaml"][0]
    source.update(publisher=XSS_IMG, title=XSS_QUOTES, url=XSS_URL)
    return data


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[kg.KnowledgeGraph, Path]:
    root = tmp_path_factory.mktemp("report")
    return kg.load(write_dataset(root / "data", report_set()), root / "out"), root


@pytest.fixture(scope="module")
def report(built: tuple[kg.KnowledgeGraph, Path]) -> Any:
    return built[0].build_report(stress_fail="alpha-lab")


@pytest.fixture(scope="module")
def page(report: Any) -> str:
    return report.render()


def section(page: str, name: str) -> str:
    """The text of ``<section id=NAME>``, tags removed, whitespace collapsed."""
    match = re.search(rf'<section id="{name}">(.*?)</section>', page, re.S)
    assert match, f"no section {name}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


class Elements(HTMLParser):
    """Every element with its attributes (values unescaped, as the browser sees them)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def documents(page: str) -> list[list[tuple[str, dict[str, str | None]]]]:
    """The report's elements and those of the explorer in its srcdoc frame."""
    top = Elements(page).found
    frames = [a["srcdoc"] for tag, a in top if tag == "iframe" and a.get("srcdoc")]
    assert len(frames) == 1
    return [top, Elements(frames[0]).found]


# --- figures -------------------------------------------------------------------------------------------------


def test_headline_states_settings_and_counts(report: Any, page: str) -> None:
    text = section(page, "headline")
    # separate lines, never one sum: $15B of equity funding, $8B of compute commitments, chips undisclosed
    assert "$23B" not in text
    assert "3 deals counted, of 3 in the data" in text
    assert "$15B equity funding in 1 deals with a known amount (0 undisclosed)" in text
    assert "$8B compute and chip purchase commitments in 1 deals (1 undisclosed)" in text
    assert "3 sources, 9 claims" in text
    as_of = report.settings["as_of"]
    assert f"Deals as they stood on {as_of}" in " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    assert report.settings["statuses"] == ["announced", "closed", "committed", "in_progress"]
    assert report.settings["ranges"] == "midpoint"


def test_exposure_to_the_lab_by_channel_with_size_basis(page: str) -> None:
    text = section(page, "exposure")
    assert "Alpha Lab · size: $100B post-money valuation (2025-03-01)" in text
    row = re.search(r"Beta Cloud (.*?) beta-alpha-equity", text)
    assert row, text
    assert row.group(1).split()[:4] == ["$40B", "$8B", "$48B", "$48B"]  # equity, contracted, at risk, DebtRank
    assert "4.8% of $1T market cap (2025-03-01)" in row.group(1)
    assert "Zero for everyone shown: Credit, Look-through, Supplier dependence." in text


def test_deal_ids_link_to_the_deal_with_its_sources(page: str) -> None:
    links = set(re.findall(r'<a class="deal" href="#deal-([a-z0-9-]+)">', page))
    assert {"beta-alpha-equity", "alpha-beta-compute"} <= links
    for deal in links:
        assert f'id="deal-{deal}"' in page
    text = section(page, "deals")
    assert "Beta Cloud → Alpha Lab: up to $15B (EUR 12B) for equity" in text
    assert "Beta invests up to €12 billion." in text  # the quote
    assert "preferred Other Wire" in text


def test_concentration_tables(page: str) -> None:
    text = section(page, "concentration")
    assert "Alpha Lab funders 10,000 highly concentrated 100.0% 100.0% $15B 0 Beta Cloud 100.0%" in text
    assert "Beta Cloud customers 10,000 highly concentrated" in text
    assert "All purchase commitments providers (market) 10,000" in text
    assert "Gamma Chips undisclosed" in text


def test_cycles_with_legs_round_trip_and_ratio(page: str) -> None:
    text = section(page, "cycles")
    assert "Beta Cloud → Alpha Lab → Beta Cloud" in text
    assert "$8B $15B $8B 0.53×" in text
    assert "Beta Cloud → Alpha Lab: beta-alpha-equity equity investment, $15B, 2025-04-01, closed" in text
    assert "Alpha Lab → Beta Cloud: alpha-beta-compute compute commitment, $8B, 2025-03-01, committed" in text


def test_stress_three_methods_side_by_side(report: Any, page: str) -> None:
    text = section(page, "stress")
    assert "Stress test: Alpha Lab pays only 40% of what it owes" in text
    assert [m["method"] for m in report.stress["methods"]] == ["debtrank", "eisenberg-noe", "rogers-veraart"]
    assert "variant = battiston2012, initial_distress = 0.6" in text
    assert "alpha = 0.5, beta = 0.5" in text
    # Beta Cloud's loss: DebtRank 60% of its $48B claim (2.88% of its $1T); the clearing models lose 60% of the $8B owed
    assert "Beta Cloud $1T market cap $28.8B 2.9% $4.8B 0.5% $4.8B 0.5%" in text
    assert "Alpha Lab (fails) $100B post-money valuation $60B 60.0% $0 defaults (trigger)" in text


def test_charts_are_inline_svg_with_data(report: Any, page: str) -> None:
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 3
    text = section(page, "charts")
    assert "$8B · 2 deals" in text
    assert "revenue $2B (2025) · commitments 4× revenue" in text
    assert "Beta Cloud 2025 (plan): $60B–$70B — Test Wire" in text  # capex tooltip with its source
    assert "2025 equity investment: $15B in 1 deals" in text  # funding by year
    commit = report.charts["commitments"]["svg"]
    assert commit.count('class="bar"') == 2
    assert 'stroke-dasharray="4 2"' in report.charts["capex"]["svg"]  # the plan is dashed
    assert 'class="whisker"' in report.charts["capex"]["svg"]  # its range


def test_centrality_top(page: str) -> None:
    text = section(page, "centrality")
    assert re.search(r"1 (Alpha Lab|Beta Cloud) 0\.4651", text)


def test_summary_for_the_terminal(report: Any) -> None:
    summary = dict(report.summary())
    assert summary["deals counted"].startswith("3 of 3")
    assert summary["equity funding (rounds and investments)"].startswith("$15B in 1 deals")
    assert summary["compute purchase commitments"].startswith("$8B in 1 deals")
    assert summary["chip purchases"] == "$0 in 0 deals with a known amount (1 undisclosed)"
    assert summary["circular deals"] == "1 loop"
    assert summary["top exposure"] == "Beta Cloud to Alpha Lab: $48B at risk, 4.8% of its market cap"
    assert any("None of the major labs" in n for n in report.notes)


# --- safety and the offline promise --------------------------------------------------------------------------


def test_nothing_remote_and_a_strict_csp(page: str, report: Any) -> None:
    for elements in documents(page):
        for tag, attrs in elements:
            for name in ("src", "srcset", "data", "poster", "action", "formaction", "background"):
                assert name not in attrs, (tag, attrs)
            if tag == "link":
                raise AssertionError(f"<link> element: {attrs}")
            href = attrs.get("href")
            if href and not href.startswith("#"):
                assert tag == "a", (tag, attrs)
                assert href == "explorer.html" or href.startswith(("https://", "http://")), href
    assert "@import" not in page and not re.search(r"url\(\s*['\"]?https?:", page)
    csp = next(a["content"] for t, a in Elements(page).found if a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    hashes = re.findall(r"'sha256-[^']+'", csp)
    assert hashes and hashes == report.explorer_hashes()


def test_hostile_strings_are_escaped(tmp_path: Path) -> None:
    graph = kg.load(write_dataset(tmp_path / "data", hostile_set()), tmp_path / "out")
    page = graph.report(tmp_path / "report.html", stress_fail="alpha-lab").read_text(encoding="utf-8")
    assert "<script" not in page.lower()  # the report has no script; the explorer's are escaped in srcdoc
    assert "<img" not in page.lower() and "<svg onload" not in page.lower()
    assert html.escape(XSS_NAME, quote=False) in page or html.escape(XSS_NAME) in page
    for elements in documents(page):
        for tag, attrs in elements:
            assert tag not in ("img", "object", "embed"), (tag, attrs)
            assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
    top = Elements(page).found
    hrefs = [a["href"] for t, a in top if t == "a" and a.get("href")]
    assert XSS_URL in hrefs  # an http(s) URL stays a link, its quotes escaped in the attribute
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
    text = section(page, "exposure")
    assert XSS_NAME in text and XSS_IMG in text  # shown as text


def test_write_report_writes_both_pages_as_utf8(built: tuple[kg.KnowledgeGraph, Path], tmp_path: Path) -> None:
    path = built[0].report(tmp_path / "sub" / "report.html", stress_fail="alpha-lab")
    assert path == tmp_path / "sub" / "report.html"
    explorer = (tmp_path / "sub" / "report-explorer.html").read_text(encoding="utf-8")
    assert explorer.startswith("<!DOCTYPE html>")
    page = path.read_bytes().decode("utf-8")
    assert '<meta charset="utf-8">' in page
    assert 'href="report-explorer.html"' in page


def test_a_named_report_never_replaces_a_file_the_user_did_not_name(built: tuple[kg.KnowledgeGraph, Path],
                                                                   tmp_path: Path) -> None:
    graph, root = built
    mine = tmp_path / "explorer.html"
    mine.write_text("my own explorer", encoding="utf-8")
    args = ["report", "--data", str(root / "data"), "--out", str(tmp_path / "out"), "--fail", "alpha-lab"]
    result = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "report.html")])
    assert result.exit_code == 0, result.output
    assert mine.read_text(encoding="utf-8") == "my own explorer"
    wrote = f"wrote {tmp_path / 'report.html'} and {tmp_path / 'report-explorer.html'}"
    assert wrote in " ".join(result.output.split())
    assert 'href="report-explorer.html"' in (tmp_path / "report.html").read_text(encoding="utf-8")
    spaced = graph.report(tmp_path / "q3 report.html", stress_fail="alpha-lab")
    assert 'href="q3%20report-explorer.html"' in spaced.read_text(encoding="utf-8")
    assert (tmp_path / "q3 report-explorer.html").is_file()
    # aikg's own output folder keeps its names: OUT/report.html and OUT/explorer.html
    assert CliRunner().invoke(main, args).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "out").glob("*.html")) == ["explorer.html", "report.html"]


def test_missing_stress_subject_and_empty_dates_still_render(built: tuple[kg.KnowledgeGraph, Path]) -> None:
    report = built[0].build_report(as_of="2020-01-01")  # before every deal; "openai" is not in the set
    page = report.render()
    assert report.headline["deals_counted"] == 0
    assert "No stress scenario: “openai” is not an organisation" in section(page, "stress")
    assert "No circular deals under these settings." in section(page, "cycles")
    assert dict(report.summary())["top exposure"] == "none found"
    assert page.count('class="chart"') == 3  # empty charts say so


def test_cli_report(built: tuple[kg.KnowledgeGraph, Path]) -> None:
    _graph, root = built
    target = root / "cli" / "r.html"
    result = CliRunner().invoke(main, ["report", "--data", str(root / "data"), "--out", str(root / "out"),
                                       "--fail", "alpha-lab", "--pays", "0.5", "--status", "closed",
                                       "--status", "committed", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "deals counted: 2 of 3" in result.output
    assert "circular deals: 1 loop" in result.output
    assert "top exposure: Beta Cloud to Alpha Lab: $48B at risk" in result.output
    page = target.read_text(encoding="utf-8")
    assert "Alpha Lab pays only 50% of what it owes" in page
    assert (root / "cli" / "r-explorer.html").is_file() and not (root / "cli" / "explorer.html").exists()


# --- charts --------------------------------------------------------------------------------------------------


def test_nice_ticks() -> None:
    assert charts.nice_ticks(620e9) == [0, 200e9, 400e9, 600e9, 800e9]
    assert charts.nice_ticks(0) == [0.0, 1.0]
    assert charts.nice_ticks(1) == [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]


def test_charts_escape_labels_and_handle_no_data() -> None:
    bar = charts.Bar(5e9, '"><script>', XSS_IMG, label=XSS_QUOTES)
    svg = str(charts.hbar_chart([(XSS_NAME, [bar])], title=XSS_QUOTES, description=XSS_IMG))
    assert "<script" not in svg and "<img" not in svg and "<svg onload" not in svg
    assert svg.count("<svg") == 1
    cols = str(charts.column_chart(["2025"], [charts.Series(XSS_NAME, "#000")], {(XSS_NAME, "2025"): bar},
                                   title="t", description="d", stacked=True))
    assert "<script" not in cols and "$5B" in cols
    empty = str(charts.column_chart([], [], {}, title="Nothing", description="d"))
    assert "No figures to draw." in empty
