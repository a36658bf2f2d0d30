"""Bounded input: a hostile or broken data file is an error with its file and line, never a hang, a
memory blow-up, a traceback or a crash (see kg/records/limits.py for the bounds)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest
from minidata import load_errors, only, write_dataset

from kg.records import limits
from kg.records.loader import fingerprint, load_dataset
from kg.records.problems import DataError, show_value

REPO = Path(__file__).resolve().parents[1]
SECRET = "SECRET-TOKEN-4711"


def anchor_bomb(levels: int = 9) -> str:
    """About 1 KB: each level repeats the one before nine times, 9**9 = 387 million strings in all."""
    lines = ['- &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"- &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def errors_with(tmp_path: Path, name: str, content: str | bytes) -> list:
    """The errors of the mini data set plus one file ``name`` (e.g. ``deals/x.yaml``) holding ``content``."""
    write_dataset(tmp_path)
    target = tmp_path / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    return load_errors(tmp_path)


def test_an_anchor_bomb_stops_at_the_alias_limit_quickly_and_small(tmp_path: Path) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        p = only(errors_with(tmp_path, "deals/bomb.yaml", anchor_bomb()))
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert p.file.endswith("deals/bomb.yaml") and p.line == 6  # the first alias past the limit
    assert f"aliases repeat more than {limits.MAX_ALIAS_VALUES:,} values" in p.message
    assert seconds < 10 and peak < 100 * 2**20, (seconds, peak)  # before: 73 s and over 6 GB


def test_an_alias_inside_its_own_anchor_is_an_error(tmp_path: Path) -> None:
    p = only(errors_with(tmp_path, "deals/loop.yaml", "- id: x\n  parties: &p [*p]\n"))
    assert (p.line, p.field) == (2, "parties.0") and "contains itself" in p.message


def test_aliases_within_the_limit_still_work(tmp_path: Path) -> None:
    write_dataset(tmp_path)
    text = (tmp_path / "entities" / "orgs.yaml").read_text(encoding="utf-8")
    text = text.replace("- ai_lab", "- &lab ai_lab", 1) + "- {id: delta-lab, name: Delta Lab, types: [*lab]}\n"
    (tmp_path / "entities" / "orgs.yaml").write_text(text, encoding="utf-8")
    assert load_dataset(tmp_path).organisations["delta-lab"].types[0].value == "ai_lab"


@pytest.mark.parametrize("levels", [1_000, 20_000])
@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_deep_nesting_is_an_error_with_its_line(tmp_path: Path, levels: int, opening: str) -> None:
    closing = "]" if opening == "[" else "}"
    p = only(errors_with(tmp_path, "deals/deep.yaml", "- id: x\n  title: " + opening * levels + closing * levels))
    assert p.file.endswith("deals/deep.yaml") and p.line == 2  # before: a RecursionError traceback
    assert f"nested deeper than {limits.MAX_DEPTH} levels" in p.message
    assert p.field.startswith("title.") and len(p.field) < 100


def test_nesting_up_to_the_limit_is_read(tmp_path: Path) -> None:
    depth = limits.MAX_DEPTH - 2  # the file's list and the record's mapping are two levels
    problems = errors_with(tmp_path, "deals/deep.yaml", "- id: x\n  title: " + "[" * depth + "]" * depth)
    p = only([p for p in problems if p.field == "title"])
    assert "valid string" in p.message  # read, then rejected by the model


def test_a_deep_json_line_is_an_error_with_its_line(tmp_path: Path) -> None:
    deep = "[" * 5_000 + "]" * 5_000
    p = only(errors_with(tmp_path, "entities/fast.yaml",
                         '- {"id": "fast-1", "name": "One", "types": ["ai_lab"]}\n'
                         f'- {{"id": "fast-2", "name": {deep}, "types": ["ai_lab"]}}\n'))
    assert p.file.endswith("entities/fast.yaml") and p.line == 2 and "recursion limit" in p.message
    assert len(p.value) <= 80


def test_an_over_long_value_is_an_error_with_field_line_and_a_prefix(tmp_path: Path) -> None:
    size = 17 * 2**20  # before: accepted, then Oxigraph's "Reached the buffer maximal size" at build time
    p = only(errors_with(tmp_path, "deals/long.yaml", "- id: x\n  kind: equity_investment\n  title: '"
                         + "a" * size + "'\n"))
    assert (p.line, p.field) == (3, "title")
    assert f"a value of {size:,} characters, over the limit of {limits.MAX_VALUE_CHARS:,}" in p.message
    assert p.value.startswith("'aaa") and len(p.value) <= 80


def test_an_over_long_value_in_a_json_line_takes_the_checked_path(tmp_path: Path) -> None:
    long = "b" * (limits.MAX_VALUE_CHARS + 1)
    p = only(errors_with(tmp_path, "entities/fast.yaml", f'- {{"id": "fast-1", "name": "{long}", "types": ["x"]}}\n'))
    assert (p.line, p.field) == (1, "name") and "over the limit" in p.message


def test_an_over_large_file_is_refused_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 2_000)
    p = only(errors_with(tmp_path, "deals/big.yaml", f"- id: {SECRET}\n" + "# padding\n" * 200))
    assert p.file.endswith("deals/big.yaml") and p.line is None
    assert "2,024 bytes, over the limit of 2,000" in p.message


def test_invalid_utf8_names_file_line_and_column(tmp_path: Path) -> None:
    p = only(errors_with(tmp_path, "deals/latin1.yaml", b"- id: x\n  title: caf\xe9\n"))
    assert p.file.endswith("deals/latin1.yaml") and p.line == 2  # before: a UnicodeDecodeError, no file
    assert "not valid UTF-8: byte 0xe9 at column 13" in p.message


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x7f"])
def test_a_control_character_names_its_line(tmp_path: Path, char: str) -> None:
    p = only(errors_with(tmp_path, "deals/nul.yaml", f"- id: x\n  title: a{char}b\n"))
    assert p.file.endswith("deals/nul.yaml") and p.line == 2  # before: libyaml's message, no line
    assert f"character U+{ord(char):04X} at column 11 is not allowed" in p.message


def test_an_over_long_integer_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    p = only(errors_with(tmp_path, "deals/int.yaml", "- id: x\n  title: " + "9" * 5_000 + "\n"))
    assert p.line == 2 and "cannot read this value" in p.message and len(str(p)) < 400


def test_a_link_out_of_the_data_folder_is_refused_and_not_echoed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(f"- id: x\n  kind: {SECRET}\n", encoding="utf-8")
    data = write_dataset(tmp_path / "data")
    (data / "deals" / "linked.yaml").symlink_to(outside)
    with pytest.raises(DataError) as info:
        load_dataset(data)
    p = only(info.value.problems)
    assert p.file.endswith("deals/linked.yaml") and "outside the data folder: refused" in p.message
    assert SECRET not in str(info.value) and SECRET not in "".join(map(str, info.value.problems))


def test_links_inside_the_data_folder_are_read(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data")
    (data / "shared").mkdir()
    (data / "deals" / "deals.yaml").rename(data / "shared" / "deals.yaml")
    (data / "deals" / "deals.yaml").symlink_to(data / "shared" / "deals.yaml")
    assert len(load_dataset(data).deals) == 3


def test_a_file_that_is_not_regular_is_refused(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data")
    os.mkfifo(data / "deals" / "pipe.yaml")  # reading it would wait forever
    assert fingerprint(data)
    with pytest.raises(DataError) as info:
        load_dataset(data)
    assert "not a regular file: refused" in only(info.value.problems).message


def test_values_in_messages_are_formatted_only_as_far_as_shown() -> None:
    calls = 0

    class Counted:
        def __repr__(self) -> str:
            nonlocal calls
            calls += 1
            return "item"

    shown = show_value([Counted() for _ in range(100_000)])
    assert len(shown) == 80 and calls < 20  # before: all 100,000 formatted, then cut
    assert show_value([10**5_000]) == "[<an integer of 16,610 bits>]"  # before: ValueError from repr
    bomb: list = ["lol"] * 9
    for _ in range(9):
        bomb = [bomb] * 9
    assert show_value(bomb).startswith("[[[[[[[[[['lol', 'lol'")


def test_the_command_reports_every_hostile_file_at_once_and_writes_nothing(tmp_path: Path) -> None:
    """One build over the attack files together, in a child process (deep nesting crashed the interpreter)."""
    data = write_dataset(tmp_path / "data")
    (data / "deals" / "bomb.yaml").write_text(anchor_bomb(), encoding="utf-8")
    (data / "deals" / "deep.yaml").write_text("- " + "[" * 100_000 + "]" * 100_000 + "\n", encoding="utf-8")
    (data / "deals" / "long.yaml").write_text("- title: " + "c" * (17 * 2**20) + "\n", encoding="utf-8")
    (data / "observations" / "latin1.yaml").write_bytes(b"- id: caf\xe9\n")
    (data / "observations" / "nul.yaml").write_text("- id: x\n  segment: \x00\n", encoding="utf-8")
    (tmp_path / "outside.yaml").write_text(f"- {SECRET}\n", encoding="utf-8")
    (data / "sources" / "linked.yaml").symlink_to(tmp_path / "outside.yaml")
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "kg", "build", "--data", str(data), "--out", str(tmp_path / "out")],
                         cwd=REPO, capture_output=True, text=True, timeout=120)
    seconds = time.perf_counter() - started
    output = run.stdout + run.stderr
    assert run.returncode == 1, output  # before: killed by SIGSEGV
    for line in ["data/deals/bomb.yaml:6: 0: error: aliases repeat more than",
                 "data/deals/deep.yaml:1: 0.0.0.0.0.0.0.0.0.0.0.0.…: error: nested deeper than",
                 "data/deals/long.yaml:1: title = 'cccc",
                 "data/observations/latin1.yaml:1: error: not valid UTF-8",
                 "data/observations/nul.yaml:2: error: character U+0000",
                 "data/sources/linked.yaml: error: a link to a file outside the data folder: refused",
                 "6 error(s); nothing was written."]:
        assert line in output, output
    assert "Traceback" not in output and SECRET not in output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "outside.yaml"]  # no out/, no staging left
    assert seconds < 60, seconds
