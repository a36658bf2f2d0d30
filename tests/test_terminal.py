"""Strings from the data reach the terminal as text: rich markup is not interpreted and control
characters and escape sequences are replaced, in every table format and message."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from minidata import mini, write_dataset

from kg.cli import main

PAYLOADS = ["[/bogus]", "[link=file:///etc/passwd]click[/link]", "\x1b[31mred\x1b[0m",
            "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07", "\x9b31m8-bit", "bell\x07"]
HOSTILE = "Alpha " + " ".join(PAYLOADS)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("terminal")
    records = mini()
    records["entities"]["orgs.yaml"][0]["name"] = HOSTILE  # alpha-lab
    records["deals"]["deals.yaml"][0]["title"] = HOSTILE
    return write_dataset(root / "data", records), root / "out"


def _run(data: tuple[Path, Path], *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--data", str(data[0]), "--out", str(data[1])])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("args", [
    ("exposed-to", "alpha-lab"), ("exposure", "beta-cloud"), ("query", "deals_of_org", "-p", "org=alpha-lab"),
    ("query", "deals_of_org", "-p", "org=alpha-lab", "--format", "md"),
    ("query", "deals_of_org", "-p", "org=alpha-lab", "--format", "csv"),
    ("query", "deals_of_org", "-p", "org=alpha-lab", "--format", "json"),
    ("concentration", "alpha-lab"), ("cycles", "--legs"), ("stats",), ("inbox",),
])
def test_hostile_names_print_as_text(data: tuple[Path, Path], args: tuple[str, ...]) -> None:
    output = _run(data, *args)
    assert not any(c in output for c in ("\x1b", "\x07", "\x9b")), repr(output[:400])


def test_markup_is_shown_not_interpreted(data: tuple[Path, Path]) -> None:
    output = _run(data, "query", "deals_of_org", "-p", "org=alpha-lab", "--format", "md")
    assert "[/bogus]" in output and "[link=file:///etc/passwd]click[/link]" in output
    table = _run(data, "exposed-to", "beta-cloud")
    assert "[/bogus]" in table  # Alpha's name, in a rich table, is text


def test_json_escapes_control_characters(data: tuple[Path, Path]) -> None:
    output = _run(data, "query", "deals_of_org", "-p", "org=alpha-lab", "--format", "json")
    assert "\\u001b" in output and "\\u009b" in output  # escaped, not raw
