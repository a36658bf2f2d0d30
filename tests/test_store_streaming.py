"""The store loaded while its N-Triples are written (kg.store.streaming) holds what a load of the
finished file holds; an error on either side stops both, names the cause and leaves no thread or pipe."""

from __future__ import annotations

import threading
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build import ontology_paths
from kg.store import EmbeddedStore, StoreError
from kg.store.streaming import streamed_load

LINES = [f"<https://e.org/s{i}> <https://e.org/p> \"value {i} \\u00e9\" .\n".encode() for i in range(30_000)]


def _quads(path: Path) -> set[ox.Quad]:
    store = ox.Store.read_only(str(path))
    return set(store)


def _loaders() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "aikg-store-loader"]


def _write(tmp_path: Path, lines: list[bytes], fail_after: int | None = None,
           close_first: bool = False) -> tuple[Path, Path]:
    """Stream ``lines`` (raising after ``fail_after`` of them; ``close_first``: the feed closed by then)."""
    source, target = tmp_path / "data.nt", tmp_path / "store"
    with streamed_load(target, source, "fp", then=ontology_paths(), lenient=True) as feed, source.open("wb") as file:
        for i, line in enumerate(lines):
            if i == fail_after:
                if close_first and feed is not None:
                    feed.close()
                raise ValueError("the data had an error")
            for stream in (file, feed):
                if stream is not None:
                    stream.write(line)
        if close_first and feed is not None:
            feed.close()  # as the build does once every triple is in
    return source, target


@pytest.mark.parametrize("close_first", [False, True], ids=["closed-by-the-load", "closed-by-the-writer"])
def test_a_streamed_store_equals_the_store_loaded_from_the_file(tmp_path: Path, close_first: bool) -> None:
    source, target = _write(tmp_path, LINES, close_first=close_first)
    EmbeddedStore.load(tmp_path / "reference", [source, *ontology_paths()], "fp", lenient=True)
    streamed = _quads(target)
    assert streamed == _quads(tmp_path / "reference")
    assert len(streamed) > len(LINES)  # the ontology went in after the stream
    assert (tmp_path / "store.fingerprint").read_text() == "fp"
    assert not list(tmp_path.glob(".feed-*")) and not _loaders()


def test_without_named_pipes_the_file_is_loaded_after_the_block(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fifo(*_: object) -> None:
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr("kg.store.streaming.os.mkfifo", no_fifo)
    _, target = _write(tmp_path, LINES[:100])
    assert len([q for q in _quads(target) if q.subject.value.startswith("https://e.org/")]) == 100


@pytest.mark.parametrize(("fail_after", "close_first"), [(0, False), (5_000, False), (5_000, True)])
def test_an_error_in_the_writer_stops_the_loader_and_propagates(tmp_path: Path, fail_after: int,
                                                               close_first: bool) -> None:
    with pytest.raises(ValueError, match="the data had an error"):
        _write(tmp_path, LINES, fail_after=fail_after, close_first=close_first)
    assert not _loaders() and not list(tmp_path.glob(".feed-*"))
    assert not (tmp_path / "store.fingerprint").exists()


@pytest.mark.parametrize("after", [0, 20], ids=["at-the-end", "while-writing"])
def test_the_loaders_error_stops_the_writer_and_is_named(tmp_path: Path, after: int) -> None:
    # 20 copies of the lines outlast the pipe: the writer learns of the error from a broken pipe
    broken = [*LINES[:10], b"<https://e.org/s> no-iri-here \"x\" .\n", *LINES * after]
    with pytest.raises(StoreError, match="the store's loader stopped"):
        _write(tmp_path, broken)
    assert not _loaders() and not list(tmp_path.glob(".feed-*"))
    assert not (tmp_path / "store.fingerprint").exists()
