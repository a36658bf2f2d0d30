"""Bad input gets a clear error: file, line, field and offending value; every error of a run at once."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from minidata import load_errors, mini, only, write_dataset

from kg.records.loader import load_dataset
from kg.records.problems import DataError, Severity


def problems_for(tmp_path: Path, data: dict) -> list:
    write_dataset(tmp_path, data)
    return load_errors(tmp_path)


def test_the_mini_dataset_is_valid(tmp_path: Path) -> None:
    ds = load_dataset(write_dataset(tmp_path))
    assert set(ds.organisations) == {"alpha-lab", "beta-cloud", "beta-cloud-services", "gamma-chips"}
    assert ds.warnings == []


def test_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    (tmp_path / "deals" / "broken.yaml").write_text("- id: x\n  kind: [unclosed\n  title: y\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path)
    p = only(info.value.problems)
    assert p.file.endswith("deals/broken.yaml")
    assert p.line == 3
    assert "YAML syntax error" in p.message


def test_unknown_entity_reference(tmp_path: Path) -> None:
    data = mini()
    data["deals"]["deals.yaml"][1]["parties"][1]["org"] = "nonexistent-cloud"
    p = only(problems_for(tmp_path, data))
    assert (p.field, p.value) == ("parties.1.org", "'nonexistent-cloud'")
    assert "unknown organisation" in p.message
    assert p.file.endswith("deals/deals.yaml") and p.line is not None


def test_duplicate_id_across_files(tmp_path: Path) -> None:
    data = mini()
    data["entities"]["other.yaml"] = [{"id": "alpha-lab", "name": "Alpha again", "types": ["ai_lab"]}]
    p = only(problems_for(tmp_path, data))
    assert p.file.endswith("entities/other.yaml") and p.line == 1 and p.field == "id"
    assert "duplicate id" in p.message and "orgs.yaml" in p.message


@pytest.mark.parametrize("field", ["source", "quote"])
def test_missing_source_or_quote(tmp_path: Path, field: str) -> None:
    data = mini()
    del data["deals"]["deals.yaml"][1]["claims"][0][field]
    p = only(problems_for(tmp_path, data))
    assert p.field == f"claims.0.{field}" and f"missing required field '{field}'" in p.message


def test_empty_quote(tmp_path: Path) -> None:
    data = mini()
    data["deals"]["deals.yaml"][1]["claims"][0]["quote"] = "   "
    assert only(problems_for(tmp_path, data)).field == "claims.0.quote"


def test_unknown_source_reference(tmp_path: Path) -> None:
    data = mini()
    data["observations"]["obs.yaml"][0]["claims"][0]["source"] = "nowhere"
    p = only(problems_for(tmp_path, data))
    assert (p.field, p.value) == ("claims.0.source", "'nowhere'") and "unknown source" in p.message


@pytest.mark.parametrize(("value", "message"), [(-5, "must not be negative"), ("lots", "valid number")])
def test_negative_or_non_numeric_amount(tmp_path: Path, value: object, message: str) -> None:
    data = mini()
    data["deals"]["deals.yaml"][1]["claims"][0]["amount"]["value"] = value
    p = only(problems_for(tmp_path, data))
    assert p.field == "claims.0.amount.value" and p.value == repr(value) and message in p.message


def test_minimum_above_maximum(tmp_path: Path) -> None:
    data = mini()
    data["deals"]["deals.yaml"][1]["claims"][0]["amount"] = {"min": 9e9, "max": 2e9, "currency": "USD"}
    p = only(problems_for(tmp_path, data))
    assert p.field == "claims.0.amount" and "min 9e+09 is above max 2e+09" in p.message


def test_unknown_currency(tmp_path: Path) -> None:
    data = mini()
    data["deals"]["deals.yaml"][1]["claims"][0]["amount"]["currency"] = "DOLLARS"
    p = only(problems_for(tmp_path, data))
    assert (p.field, p.value) == ("claims.0.amount.currency", "'DOLLARS'") and "ISO 4217" in p.message


def test_currency_without_exchange_rate(tmp_path: Path) -> None:
    data = mini()
    data["deals"]["deals.yaml"][1]["claims"][0]["amount"]["currency"] = "JPY"
    p = only(problems_for(tmp_path, data))
    assert p.field == "claims.0.amount.currency" and "no exchange rate for JPY" in p.message


def test_malformed_date(tmp_path: Path) -> None:
    data = mini()
    data["sources"]["sources.yaml"][0]["published"] = "2025-13-45"
    p = only(problems_for(tmp_path, data))
    assert (p.field, p.value, p.line) == ("published", "'2025-13-45'", 6)
    assert p.file.endswith("sources/sources.yaml")


def test_closed_deal_dated_in_the_future(tmp_path: Path) -> None:
    data = mini()
    future = (date.today() + timedelta(days=30)).isoformat()
    data["deals"]["deals.yaml"][0]["claims"][0]["date"] = future
    p = only(problems_for(tmp_path, data))
    assert p.field == "claims.0" and "closed deal cannot be dated in the future" in p.message


def test_unknown_status(tmp_path: Path) -> None:
    data = mini()
    data["deals"]["deals.yaml"][1]["claims"][0]["status"] = "finalised"
    p = only(problems_for(tmp_path, data))
    assert (p.field, p.value) == ("claims.0.status", "'finalised'") and "'closed'" in p.message


@pytest.mark.parametrize("value", [17, 1.5])
def test_percentage_out_of_range(tmp_path: Path, value: float) -> None:
    data = mini()
    data["deals"]["deals.yaml"][0]["claims"][0]["participations"]["beta-cloud"]["stake"]["value"] = value
    p = only(problems_for(tmp_path, data))
    assert p.field == "claims.0.participations.beta-cloud.stake" and "0–1 scale" in p.message


def test_unused_source_is_a_warning_not_an_error(tmp_path: Path) -> None:
    data = mini()
    data["sources"]["sources.yaml"].append({"id": "unused", "publisher": "P", "title": "T",
                                            "url": "https://example.org/u", "language": "en",
                                            "published": "2025-01-01"})
    ds = load_dataset(write_dataset(tmp_path, data))
    (warning,) = ds.warnings
    assert (warning.field, warning.value) == ("id", "'unused'") and "not cited" in warning.message


def test_unknown_field_is_an_error(tmp_path: Path) -> None:
    data = mini()
    data["deals"]["deals.yaml"][1]["amout"] = 5
    p = only(problems_for(tmp_path, data))
    assert p.field == "amout" and "unknown field" in p.message


def test_parent_cycle(tmp_path: Path) -> None:
    data = mini()
    data["entities"]["orgs.yaml"][1]["parent"] = "beta-cloud-services"
    problems = problems_for(tmp_path, data)
    assert problems and all("cycle" in p.message for p in problems)


def test_all_errors_of_a_run_are_reported_together(tmp_path: Path) -> None:
    data = mini()
    data["deals"]["deals.yaml"][1]["claims"][0]["status"] = "finalised"
    data["deals"]["deals.yaml"][2]["parties"][1]["org"] = "nobody"
    data["sources"]["sources.yaml"][1]["published"] = "yesterday"
    data["observations"]["obs.yaml"][0]["metric"] = "vibes"
    problems = problems_for(tmp_path, data)
    assert sorted(p.field for p in problems) == ["claims.0.status", "metric", "parties.1.org", "published"]
    assert len({p.file for p in problems}) == 3


def test_flow_style_files_report_lines_too(tmp_path: Path) -> None:
    """One record per line (`- {...}`, as `aikg synth` writes) takes the fast JSON path; errors keep their lines."""
    write_dataset(tmp_path)
    lines = ['- {"id": "fast-1", "name": "Fast One", "types": ["ai_lab"]}',
             '- {"id": "fast-2", "name": "Fast Two", "types": ["ai_lab"], "wikidata": "not-a-qid"}']
    (tmp_path / "entities" / "fast.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = only(_problems(tmp_path))
    assert (p.file.endswith("entities/fast.yaml"), p.line, p.field, p.value) == (True, 2, "wikidata", "'not-a-qid'")


def _problems(root: Path) -> list:
    with pytest.raises(DataError) as info:
        load_dataset(root)
    return [p for p in info.value.problems if p.severity is Severity.ERROR]


def test_a_file_that_cannot_be_read_hides_the_reference_errors_it_causes(tmp_path: Path) -> None:
    """One syntax error in the organisations' file: one error, and one note for the references into it."""
    data = mini()
    data["deals"]["deals.yaml"][0]["claims"][0]["source"] = "nowhere"  # a real error elsewhere still shows
    write_dataset(tmp_path, data)
    orgs = tmp_path / "entities" / "orgs.yaml"
    orgs.write_text(orgs.read_text(encoding="utf-8").replace("name: Beta Cloud\n", "name: [Beta Cloud\n", 1),
                    encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path)
    errors = [p for p in info.value.problems if p.severity is Severity.ERROR]
    assert len(errors) == 2, [str(p) for p in errors]  # before: also 7 "unknown organisation" errors
    assert (errors[0].field, errors[0].value) == ("claims.0.source", "'nowhere'")
    assert "YAML syntax error" in errors[1].message and errors[1].file.endswith("entities/orgs.yaml")
    (note,) = [p for p in info.value.problems if p.severity is Severity.NOTE]
    assert note.file.endswith("entities/orgs.yaml") and note.line is None
    assert note.message == ("7 reference(s) to organisations not checked: this file, which could not be read, "
                            "may define them")
    assert "1 error(s)" not in str(info.value) and "2 error(s)" in str(info.value)


def test_a_deals_file_that_cannot_be_read_hides_the_unused_source_warnings(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    (tmp_path / "deals" / "deals.yaml").write_bytes(b"- id: caf\xe9\n")
    (tmp_path / "observations" / "obs.yaml").write_text("[]\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_dataset(tmp_path)
    assert [p.severity for p in info.value.problems] == [Severity.ERROR, Severity.NOTE]
    assert info.value.problems[1].message.startswith("2 source(s) cited by no file read not reported as unused")


def test_a_record_with_field_errors_still_gets_its_reference_errors(tmp_path: Path) -> None:
    data = mini()
    deal = data["deals"]["deals.yaml"][1]
    deal["claims"][0]["status"] = "finalised"
    deal["parties"][1]["org"] = "nobody"
    deal["claims"][0]["source"] = "nowhere"
    problems = problems_for(tmp_path, data)
    # before: only the status; the record's references were never looked at
    assert sorted((p.field, p.value) for p in problems) == [
        ("claims.0.source", "'nowhere'"), ("claims.0.status", "'finalised'"), ("parties.1.org", "'nobody'")]
    assert all(p.line is not None for p in problems)


def test_a_reference_with_a_field_error_is_reported_once(tmp_path: Path) -> None:
    data = mini()
    data["deals"]["deals.yaml"][1]["parties"][1]["org"] = "Not An Id"
    p = only(problems_for(tmp_path, data))
    assert p.field == "parties.1.org" and "should match pattern" in p.message
