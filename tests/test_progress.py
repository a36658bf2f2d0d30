"""Progress bars: drawn on a terminal's stderr for builds, synth and analyses; never when stderr is piped,
never on standard output (so never in JSON), and not with --quiet or AIKG_QUIET=1."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from minidata import mini, write_dataset
from rich.console import Console

from kg import cli
from kg.cli import main

BAR = "━"


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_dataset(tmp_path / "data", mini())


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stderr as a terminal: what the progress display draws ends up in the returned buffer."""
    screen = io.StringIO()
    monkeypatch.setattr(cli, "err_console", Console(file=screen, force_terminal=True, width=120, highlight=False))
    return screen


def test_a_build_on_a_terminal_shows_each_file_with_a_bar(data: Path, tmp_path: Path, terminal: io.StringIO) -> None:
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    drawn = terminal.getvalue()
    files = sorted(str(p.relative_to(data)) for p in data.rglob("*.yaml"))
    for done, name in enumerate(files):
        assert f"checking and converting {name}" in drawn and f"{done}/{len(files)}" in drawn
    assert BAR in drawn and "loading the query store" in drawn
    assert BAR not in result.stdout and "checking" not in result.stdout


def test_analyses_and_synth_show_their_steps(data: Path, tmp_path: Path, terminal: io.StringIO) -> None:
    out = ["--data", str(data), "--out", str(tmp_path / "out")]
    assert CliRunner().invoke(main, ["metrics", *out, "--fail", "alpha-lab"]).exit_code == 0
    assert "concentration" in terminal.getvalue() and "stress test (eisenberg-noe)" in terminal.getvalue()
    assert CliRunner().invoke(main, ["synth", "--orgs", "30", "--out", str(tmp_path / "synth")]).exit_code == 0
    assert "writing deals/synthetic-000.yaml" in terminal.getvalue()


def test_json_output_on_a_terminal_stays_json(data: Path, tmp_path: Path, terminal: io.StringIO) -> None:
    result = CliRunner().invoke(main, ["exposed-to", "alpha-lab", "--format", "json", "--data", str(data),
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["rows"] and BAR in terminal.getvalue()


@pytest.mark.parametrize(("flag", "env"), [(["--quiet"], {}), ([], {"AIKG_QUIET": "1"})])
def test_quiet_draws_nothing(data: Path, tmp_path: Path, terminal: io.StringIO, flag: list[str],
                             env: dict[str, str]) -> None:
    result = CliRunner().invoke(main, [*flag, "build", "--data", str(data), "--out", str(tmp_path / "out")], env=env)
    assert result.exit_code == 0, result.output
    assert terminal.getvalue() == ""


def test_piped_output_has_no_progress(data: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0
    assert BAR not in result.output and "checking and converting" not in result.output


def test_a_real_terminal_gets_the_bar_and_a_pipe_does_not(data: Path, tmp_path: Path) -> None:
    """The program itself, with stderr on a pseudo-terminal, then on a pipe; stdout is a pipe both times."""
    command = [sys.executable, "-m", "kg", "build", "--data", str(data)]
    env = {**os.environ, "PYTHONPATH": str(Path(cli.__file__).parent.parent)}
    env.pop("AIKG_QUIET", None)
    leader, follower = pty.openpty()
    drawn = bytearray()

    def read_terminal() -> None:  # read while the program runs: a full terminal buffer would block it
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # every writer closed the terminal
                return
            if not chunk:
                return
            drawn.extend(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    try:
        done = subprocess.run([*command, "--out", str(tmp_path / "a")], stdout=subprocess.PIPE, stderr=follower,
                              env=env, timeout=300, check=True)
    finally:
        os.close(follower)
        reader.join(timeout=10)
        os.close(leader)
    assert b"checking and converting" in drawn and BAR.encode() in drawn
    assert BAR.encode() not in done.stdout
    piped = subprocess.run([*command, "--out", str(tmp_path / "b")], capture_output=True, env=env, timeout=300,
                           check=True)
    assert BAR.encode() not in piped.stderr + piped.stdout and b"checking" not in piped.stderr
