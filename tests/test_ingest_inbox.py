"""From an article to reviewed facts: `aikg extract`, the inbox, `aikg accept` and `aikg reject`; bad input;
verbatim quotes; the batch mode; and the measured recall on both gold sets."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kg import build as build_stage
from kg.cli import main
from kg.ingest import api, evaluate, inbox
from kg.ingest.orgs import OrgIndex
from kg.paths import DEFAULT_DATA, seeds_folder
from kg.records.loader import load_dataset
from kg.records.problems import DataError

GOLD_EN = Path(__file__).parent / "data" / "extract_gold_en.yaml"

# An English wire story saved as a page: navigation and footer around the article, metadata in the head.
WIRE = """<!DOCTYPE html><html lang="en"><head><title>Quantumleap raises $2.5 billion - Newswire</title>
<link rel="canonical" href="https://newswire.example.com/tech/quantumleap-raises-2-5-billion">
<meta property="og:site_name" content="Newswire">
<meta property="article:published_time" content="2025-11-05T09:00:00Z"></head>
<body><nav><a href="/">Home</a> <a href="/tech">Tech</a></nav><article><h1>Quantumleap raises $2.5 billion</h1>
<p>SAN FRANCISCO, Nov 5 (Newswire) - AI startup Quantumleap said on Monday it had raised $2.5 billion in a funding
round led by SoftBank, valuing the company at about $40 billion.</p>
<p>Nvidia will invest up to $500 million in the round, the company said.</p>
<p>Separately, Nvidia shares rose 3% on Tuesday.</p></article>
<footer>Copyright Newswire. All rights reserved.</footer></body></html>"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A copy of the bundled data that the tests may write to."""
    copy = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA, copy, ignore=shutil.ignore_patterns("inbox"))
    return copy


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_wire_story_becomes_reviewed_facts_that_load_and_build(data: Path, tmp_path: Path) -> None:
    page = tmp_path / "wire.html"
    page.write_text(WIRE, encoding="utf-8")
    result = api.extract(page, data)
    source = result.extraction.source
    assert (source["publisher"], source["published"], source["url"]) == (
        "Newswire", "2025-11-05", "https://newswire.example.com/tech/quantumleap-raises-2-5-billion")
    frame = result.frame
    text = result.extraction.article.text
    assert all(q in text for q in frame["quote"])  # every quote is verbatim
    round_ = frame[(frame["kind"] == "funding_round") & (frame["value"] == 2.5e9)].iloc[0]
    assert round_["value"] == 2.5e9 and "NEW Quantumleap (investee)" in round_["parties"]
    assert "softbank (investor)" in round_["parties"]
    assert round_["date"].date().isoformat() == "2025-11-03"  # "on Monday" before the 5 November story
    assert result.written is not None and result.written.path == data / "inbox" / f"{source['id']}.yaml"
    assert load_dataset(data).fingerprint == load_dataset(DEFAULT_DATA).fingerprint  # the inbox is not data

    waiting = api.inbox_frame(data)
    assert set(waiting["id"]) == set(result.written.kept)
    accepted = api.accept(data, [str(source["id"])])
    assert sorted(accepted.ids) == sorted(result.written.kept)
    assert not (data / "inbox" / f"{source['id']}.yaml").exists()
    loaded = load_dataset(data)
    assert source["id"] in loaded.sources and "quantumleap" in loaded.organisations
    deal = next(d for d in loaded.deals.values() if {p.org for p in d.parties} >= {"quantumleap", "softbank"})
    assert deal.claims[0].amount is not None and deal.claims[0].amount.value == 2.5e9
    assert deal.claims[0].quote in text
    built = build_stage.build(data, tmp_path / "out")
    assert built.summary()


def test_accept_is_all_or_nothing(data: Path, tmp_path: Path) -> None:
    page = tmp_path / "wire.html"
    page.write_text(WIRE, encoding="utf-8")
    written = api.extract(page, data).written
    assert written is not None
    body = yaml.safe_load(written.path.read_text(encoding="utf-8"))
    new = [e for e in body["candidates"] if "deal" in e]
    new[0]["deal"]["claims"][0]["amount"] = {"value": -1.0, "currency": "USD"}  # a bad hand edit
    written.path.write_text(inbox.dump(body), encoding="utf-8")
    before = snapshot(data)
    with pytest.raises(DataError) as caught:
        api.accept(data, [e["id"] for e in body["candidates"]])
    assert "must not be negative" in str(caught.value)
    assert snapshot(data) == before  # nothing written, the inbox as it was


def test_a_claim_on_an_existing_deal_goes_into_its_file_with_the_comments_kept(data: Path) -> None:
    text = ("Amazon Web Services and OpenAI have signed a $38 billion multi-year cloud computing agreement, "
            "OpenAI said on Monday.")
    result = api.extract(text, data, url="https://example.com/aws-openai", published=None)
    cand = result.extraction.candidates[0]
    assert cand.match.startswith("agrees with openai-aws-2025") and cand.target == "openai-aws-2025"
    deals_file = data / "deals" / "openai_web.yaml"
    comments = [ln for ln in deals_file.read_text(encoding="utf-8").splitlines() if ln.lstrip().startswith("#")]
    api.accept(data, [cand.id])
    loaded = load_dataset(data)
    assert any(c.quote == text for c in loaded.deals["openai-aws-2025"].claims)
    assert [ln for ln in deals_file.read_text(encoding="utf-8").splitlines() if ln.lstrip().startswith("#")] == comments


def test_a_seed_article_is_matched_to_what_the_data_already_cites(data: Path) -> None:
    result = api.extract(seeds_folder() / "004_2071351b7f0d2034.txt", data, write=False)
    assert result.extraction.source["id"] == "seed-004" and result.extraction.source_exists
    labels = {c.target: c.match for c in result.extraction.candidates}
    assert labels["openai-aws-2025"] == "already cited"
    assert labels["openai-microsoft-azure-2025"] == "already cited"


@pytest.mark.parametrize("name", sorted(p.name for p in seeds_folder().glob("*.txt")))
def test_every_quote_is_a_verbatim_substring_of_the_article(name: str, data: Path) -> None:
    path = seeds_folder() / name
    text = path.read_text(encoding="utf-8")
    try:
        frame = api.extract(path, data, write=False).frame
    except ValueError:  # an article without any figure
        return
    assert all(q in text for q in frame["quote"])


BAD = {
    "empty": (b"", "the article is empty"),
    "binary": (bytes(range(256)) * 40, "binary content"),
    "no amounts": (b"Die KI-Branche diskutiert weiter. Niemand weiss, wie es weitergeht.\n",
                   "found no amounts and no deals"),
    "ten megabytes": (b"<html><body><p>" + b"x" * (10 * 1024 * 1024) + b"</p></body></html>", "too large"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_gets_a_clear_message_a_non_zero_exit_and_nothing_written(case: str, data: Path,
                                                                            tmp_path: Path) -> None:
    raw, message = BAD[case]
    path = tmp_path / ("article.html" if raw.startswith(b"<") else "article.txt")
    path.write_bytes(raw)
    before = snapshot(data)
    result = CliRunner().invoke(main, ["extract", str(path), "--data", str(data), "--url", "https://example.com/a"])
    assert result.exit_code != 0
    assert message in result.output
    assert "nothing was written" in result.output
    assert snapshot(data) == before


def test_the_three_commands_on_the_command_line(data: Path) -> None:
    runner = CliRunner()
    seed = seeds_folder() / "003_ee516c5c54681b7f.txt"
    shown = runner.invoke(main, ["extract", str(seed), "--data", str(data), "--format", "csv"])
    assert shown.exit_code == 0, shown.output
    assert "already cited" in shown.output and "market_value_loss" in shown.output
    listed = runner.invoke(main, ["inbox", "--data", str(data), "--format", "json"])
    rows = json.loads(listed.output)
    assert rows and {r["source"] for r in rows} == {"seed-003"}
    dropped = runner.invoke(main, ["reject", rows[0]["id"], "--data", str(data)])
    assert dropped.exit_code == 0 and "rejected 1" in dropped.output
    unknown = runner.invoke(main, ["accept", "no-such-candidate", "--data", str(data)])
    assert unknown.exit_code != 0 and "not in the inbox" in unknown.output


def test_untrusted_text_is_printed_as_text(data: Path) -> None:
    text = "[bold red]Quantumleap[/] raised $2.5 billion from SoftBank."
    shown = CliRunner().invoke(main, ["extract", "-", "--data", str(data), "--url", "https://example.com/x",
                                      "--dry-run"], input=text)
    assert shown.exit_code == 0, shown.output
    assert "[bold red]" in shown.output  # shown, not interpreted as markup


def test_the_batch_mode_reads_and_writes_json_lines_quickly(data: Path, tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"t{i}", "text": "Nvidia will invest up to $100 billion in OpenAI, the companies "
                         "said on Monday.", "published": "2025-09-23"}) for i in range(300)]
    lines.append(json.dumps({"id": "de", "text": "Microsoft investiert 10 Milliarden Dollar in OpenAI.", "lang": "de"}))
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["extract", "--jsonl", str(path), "--data", str(data)])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == 301 and elapsed < 30
    first = out[0]["candidates"][0]
    assert first["kind"] == "equity_investment" and first["amount"] == {"max": 100e9, "currency": "USD"}
    assert {p["org"]: p["role"] for p in first["parties"]} == {"nvidia": "investor", "openai": "investee"}
    assert first["date"] == "2025-09-22" and first["quote"].startswith("Nvidia will invest")
    assert set(first) == {"kind", "parties", "amount", "date", "status", "quote", "confidence"}
    bad = CliRunner().invoke(main, ["extract", "--jsonl", "-", "--data", str(data)], input='{"id": 1}\n')
    assert bad.exit_code != 0 and "line 1" in bad.output


def test_recall_on_the_seed_articles_is_at_least_80_percent() -> None:
    dataset = load_dataset(DEFAULT_DATA)
    scores = evaluate.evaluate_seeds(dataset, seeds_folder())
    total = evaluate.Scores(0, 0, 0, 0, 0)
    for one in scores.values():
        total = total.add(one)
    assert total.gold >= 35
    assert total.recall >= 0.8 and total.precision >= 0.8


def test_the_english_gold_set_is_measured() -> None:
    items = evaluate.english_gold(GOLD_EN)
    assert len(items) >= 40 and all(url.startswith("http") for url, _s, _f in items)
    scores = evaluate.evaluate_sentences(items, OrgIndex(load_dataset(DEFAULT_DATA).organisations.values()))
    assert scores.recall >= 0.7 and scores.precision >= 0.7  # a floor against regressions; the figures are in README
