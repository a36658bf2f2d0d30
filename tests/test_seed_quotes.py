"""Quotes citing a bundled seed article are checked word for word by ``aikg build`` and ``aikg validate``
(before, only tests/test_seed_data.py did, so a wrong quote passed both commands)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from minidata import mini, write_dataset

from kg.cli import main
from kg.records.loader import load_dataset
from kg.records.problems import DataError, Severity

ARTICLE = "Alpha hat 10 Milliarden Dollar von Beta erhalten, sagte ein Sprecher. Der Rest ist Kontext."
GOOD = "Alpha hat 10 Milliarden Dollar von Beta erhalten, … Der Rest ist Kontext."
BAD = "Alpha hat 12 Milliarden Dollar von Beta erhalten, sagte ein Sprecher."


def seed_set(quote: str, fx_quote: str = "EUR 1.25") -> dict:
    """The mini data set with a seed source, cited by a deal's claim and by the exchange rate."""
    data = mini()
    data["sources"]["sources.yaml"] = [s for s in data["sources"]["sources.yaml"] if s["id"] != "fx-src"]
    data["sources"]["sources.yaml"].append({"id": "seed-1", "publisher": "Zeitung", "title": "Alpha",
                                            "seed_file": "001_alpha.txt", "language": "de",
                                            "published": "2025-03-01"})
    data["deals"]["deals.yaml"][1]["claims"][0].update(source="seed-1", quote=quote)
    data["fx"]["rates.yaml"][0].update(source="seed-1", quote=fx_quote)
    return data


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "001_alpha.txt").write_text(ARTICLE, encoding="utf-8")
    return folder


def test_verbatim_quotes_pass(tmp_path: Path, seeds: Path) -> None:
    ds = load_dataset(write_dataset(tmp_path / "data", seed_set(GOOD, fx_quote="sagte ein Sprecher")), seeds)
    assert ds.warnings == []


def test_a_quote_not_in_its_seed_file_is_an_error_with_file_line_and_start(tmp_path: Path, seeds: Path) -> None:
    data = write_dataset(tmp_path / "data", seed_set(BAD))
    with pytest.raises(DataError) as info:
        load_dataset(data, seeds)
    errors = [p for p in info.value.problems if p.severity is Severity.ERROR]
    assert [(p.file.endswith(".yaml"), p.field) for p in errors] == [(True, "claims.0.quote"), (True, "quote")]
    deal, rate = errors
    assert deal.file.endswith("deals/deals.yaml") and deal.line == 42
    assert deal.value == repr(BAD)
    assert deal.message == ("not verbatim in the seed file 001_alpha.txt: 'Alpha hat 12 Milliarden Dollar von Beta "
                            "erhalten, sagte ei… is not in it")
    assert rate.file.endswith("fx/rates.yaml") and rate.value == "'EUR 1.25'"


@pytest.mark.parametrize("command", ["build", "validate"])
def test_build_and_validate_fail_on_a_wrong_quote(tmp_path: Path, seeds: Path, command: str) -> None:
    data = write_dataset(tmp_path / "data", seed_set(BAD, fx_quote="sagte ein Sprecher"))
    result = CliRunner().invoke(main, [command, "--data", str(data), "--out", str(tmp_path / "out"),
                                       "--seeds", str(seeds)])
    assert result.exit_code == 1, result.output
    assert "deals/deals.yaml:42: claims.0.quote = 'Alpha hat 12 Milliarden" in result.output
    assert "1 error(s); nothing was written." in result.output
    assert not (tmp_path / "out").exists()


def test_the_seed_folder_may_be_given_by_environment(tmp_path: Path, seeds: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data = write_dataset(tmp_path / "data", seed_set(BAD, fx_quote="sagte ein Sprecher"))
    monkeypatch.setenv("AIKG_SEEDS", str(seeds))
    with pytest.raises(DataError, match="not verbatim in the seed file"):
        load_dataset(data)


def test_a_missing_seed_folder_is_a_warning(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data", seed_set(BAD))
    result = CliRunner().invoke(main, ["validate", "--data", str(data), "--seeds", str(tmp_path / "absent")])
    assert result.exit_code == 0, result.output
    assert (f"{tmp_path / 'absent'}: warning: seed folder not found: 2 quote(s) citing a seed file were not "
            "checked against it") in result.output


def test_a_seed_file_missing_from_the_folder_is_an_error_on_its_source(tmp_path: Path, seeds: Path) -> None:
    (seeds / "001_alpha.txt").unlink()
    data = write_dataset(tmp_path / "data", seed_set(GOOD))
    with pytest.raises(DataError) as info:
        load_dataset(data, seeds)
    (p,) = info.value.problems
    assert p.file.endswith("sources/sources.yaml") and (p.field, p.value) == ("seed_file", "'001_alpha.txt'")
    assert p.message == f"not found in {seeds}"
