"""A full disk, a read-only file system or a denied permission: one line naming the path, exit 1, and the
previous output as it was (no half-written file, no temporary file left).

Writes are made to fail by monkeypatching, in the ways the libraries fail: Python's file writes with
an errno, pyoxigraph with the errno only in its message. A real read-only folder (chmod) is used too
where the tests do not run as root, for whom it does not stop writes.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyoxigraph as ox
import pytest
from click.testing import CliRunner, Result
from minidata import write_dataset

from kg.cli import main
from kg.output import naming, os_errno, staged

ENOSPC_LINE = "no space left on device"
STRESSED = ["--fail", "alpha-lab"]  # the stress scenario of metrics and report (default: openai)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(data, out) of the mini data set, built, with its metrics, report and explorer written once."""
    root = tmp_path_factory.mktemp("disk")
    data, out = write_dataset(root / "data"), root / "out"
    for command in (["build"], ["metrics", *STRESSED], ["report", *STRESSED]):
        result = CliRunner().invoke(main, [*command, "--data", str(data), "--out", str(out)])
        assert result.exit_code == 0, result.output
    return data, out


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def one_error_line(result: Result, path: Path, reason: str) -> None:
    assert result.exit_code == 1, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)  # before: the OSError's traceback
    assert result.output.strip().splitlines()[-1] == f"error: {path}: {reason}", result.output


def failing(exc: OSError, when: Callable[..., bool], original: Callable) -> Callable:
    """``original``, except that it raises ``exc`` when ``when`` holds for its arguments."""

    def wrapped(*args: object, **kwargs: object) -> object:
        if when(*args, **kwargs):
            raise exc
        return original(*args, **kwargs)

    return wrapped


def raising(exc: OSError) -> Callable:
    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    return fail


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if "staging" in p.name or p.suffix == ".tmp")


def test_build_on_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = write_dataset(tmp_path / "data"), tmp_path / "out"
    # how pyoxigraph reports ENOSPC (writing to /dev/full): OSError without errno, the errno in the text
    monkeypatch.setattr(ox, "serialize", raising(OSError("No space left on device (os error 28)")))
    one_error_line(invoke("build", "--data", str(data), "--out", str(out), "--formats", "nt,ttl"), out, ENOSPC_LINE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no out/, no staging folder
    monkeypatch.undo()
    # and as pyarrow reports it, writing the projection's tables (an OSError with its errno)
    monkeypatch.setattr(pq, "write_table", raising(OSError(errno.ENOSPC, "No space left on device")))
    one_error_line(invoke("build", "--data", str(data), "--out", str(out)), out, ENOSPC_LINE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_build_into_a_read_only_folder_keeps_the_previous_graph(built: tuple[Path, Path],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = built
    before = {p.name: p.read_bytes() for p in (out / "graph").iterdir()}
    monkeypatch.setattr("kg.build.is_current", lambda *a: False)
    # the new generation's folder cannot be made
    monkeypatch.setattr("kg.build._write_generation", raising(OSError(errno.EROFS, "Read-only file system", "x")))
    one_error_line(invoke("build", "--data", str(data), "--out", str(out)), out, "read-only file system")
    assert {p.name: p.read_bytes() for p in (out / "graph").iterdir()} == before


def test_metrics_on_a_full_disk_leave_the_previous_files(built: tuple[Path, Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = built
    metrics = out / "metrics"
    (metrics / "concentration.json").write_text("previous\n", encoding="utf-8")  # written before centrality
    monkeypatch.setattr(pd.DataFrame, "to_csv", failing(OSError(errno.ENOSPC, "No space left on device"),
                                                        lambda frame, path, **k: Path(path).name == "centrality.csv",
                                                        pd.DataFrame.to_csv))
    one_error_line(invoke("metrics", "--data", str(data), "--out", str(out), *STRESSED), metrics, ENOSPC_LINE)
    # before: concentration.json was already overwritten when centrality.csv failed
    assert (metrics / "concentration.json").read_text(encoding="utf-8") == "previous\n"
    assert leftovers(metrics) == []


@pytest.mark.parametrize(("command", "fails_on"), [(["report", *STRESSED], "report.html"), (["view"], "explorer.html")])
def test_report_and_view_on_a_full_disk_leave_the_previous_pages(built: tuple[Path, Path],
                                                                 monkeypatch: pytest.MonkeyPatch, command: list[str],
                                                                 fails_on: str) -> None:
    data, out = built
    for name in ("report.html", "explorer.html"):
        (out / name).write_text("previous\n", encoding="utf-8")
    monkeypatch.setattr(Path, "write_text", failing(OSError(errno.ENOSPC, "No space left on device"),
                                                    lambda path, *a, **k: path.name == fails_on, Path.write_text))
    one_error_line(invoke(*command, "--data", str(data), "--out", str(out)), out, ENOSPC_LINE)
    # before: the report wrote explorer.html first, then failed on report.html
    assert [(out / n).read_text(encoding="utf-8") for n in ("report.html", "explorer.html")] == ["previous\n"] * 2
    assert leftovers(out) == []


def test_view_without_permission(built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    data, out = built
    target = tmp_path / "pages" / "explorer.html"
    monkeypatch.setattr("tempfile.mkdtemp", raising(PermissionError(errno.EACCES, "Permission denied", "x")))
    one_error_line(invoke("view", "--data", str(data), "--out", str(out), "-o", str(target)), target.parent,
                   "permission denied")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_view_into_a_read_only_folder(built: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = built
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = invoke("view", "--data", str(data), "--out", str(out), "-o", str(folder / "explorer.html"))
    finally:
        folder.chmod(0o755)
    one_error_line(result, folder, "permission denied")
    assert list(folder.iterdir()) == []


def test_other_os_errors_are_not_hidden(built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    data, out = built
    monkeypatch.setattr(Path, "write_text", failing(OSError(errno.EIO, "Input/output error"),
                                                    lambda path, *a, **k: path.name == "explorer.html",
                                                    Path.write_text))
    result = invoke("view", "--data", str(data), "--out", str(out))
    assert isinstance(result.exception, OSError) and result.exception.errno == errno.EIO


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_a_real_full_device_is_named(tmp_path: Path) -> None:
    """/dev/full fails every write with ENOSPC: Python's errors and pyoxigraph's are both recognised."""
    nt = tmp_path / "a.nt"
    nt.write_text('<http://a> <http://b> "c" .\n' * 1000, encoding="utf-8")
    with pytest.raises(OSError) as info:
        ox.serialize(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES), output="/dev/full",
                     format=ox.RdfFormat.TURTLE)
    assert os_errno(info.value) == errno.ENOSPC
    with pytest.raises(OSError) as info, naming(tmp_path / "wanted"), open("/dev/full", "w") as stream:
        stream.write("x" * 100_000)
    assert (info.value.errno, info.value.filename) == (errno.ENOSPC, str(tmp_path / "wanted"))


def test_staged_files_replace_all_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old a", encoding="utf-8")
    with pytest.raises(RuntimeError), staged(tmp_path) as staging:
        (staging / "a.txt").write_text("new a", encoding="utf-8")
        raise RuntimeError("stopped half-way")
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
    assert (tmp_path / "a.txt").read_text(encoding="utf-8") == "old a"
    with staged(tmp_path) as staging:
        (staging / "a.txt").write_text("new a", encoding="utf-8")
        (staging / "b.txt").write_text("new b", encoding="utf-8")
    assert sorted(p.read_text(encoding="utf-8") for p in tmp_path.iterdir()) == ["new a", "new b"]
