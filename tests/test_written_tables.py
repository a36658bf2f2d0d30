"""The projection's tables the build writes from the records equal what the store's SPARQL returns.

The build writes them (Parquet, :mod:`kg.projection.written`) in the same pass as the triples; the
projection reads them instead of nine queries over the store. Here the written tables are compared,
frame by frame (values, dtypes, order), with :func:`kg.projection.tables.read` over the store built
from the same records: on the bundled data, on a synthetic set and on the hand-made set of
``tests/test_projection_tables.py`` (ranges, EUR amounts, stakes, tranches; see there).
"""

from __future__ import annotations

import gc
from pathlib import Path

import pandas as pd
import pytest
from minidata import mini, write_dataset
from test_projection_tables import _data

import kg
from kg.build import build
from kg.projection import tables as projection_tables
from kg.records.problems import DataError
from kg.store import EmbeddedStore
from kg.synth import synth


def _written(graph: kg.KnowledgeGraph) -> projection_tables.Tables:
    store = graph.store
    path = projection_tables.cache_path(store)
    assert path is not None
    written = projection_tables.stored(path, EmbeddedStore.fingerprint(store.path))  # type: ignore[attr-defined]
    assert written is not None, "the build wrote no tables for this store"
    return written


def _assert_same(written: projection_tables.Tables, read: projection_tables.Tables) -> None:
    for name in projection_tables.TABLE_NAMES:
        pd.testing.assert_frame_equal(getattr(written, name), getattr(read, name), obj=name)
        _assert_plain_text(getattr(written, name), name)
        _assert_plain_text(getattr(read, name), name)


def _assert_plain_text(frame: pd.DataFrame, name: str) -> None:
    """Text is held as Python strings, None where missing (not pandas' Arrow text, not NaN), as the tables say."""
    for column, dtype in frame.dtypes.items():
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_dtype(dtype)):
            assert pd.api.types.is_object_dtype(dtype), (name, column, dtype)
            assert all(v is None or isinstance(v, str) for v in frame[column].tolist()), (name, column)


def test_on_the_bundled_data(real_graph: kg.KnowledgeGraph) -> None:
    written, read = _written(real_graph), projection_tables.read(real_graph.store)
    _assert_same(written, read)
    # every table has rows, so each comparison can fail
    assert min(len(getattr(read, name)) for name in projection_tables.TABLE_NAMES) > 0


def test_on_a_synthetic_set(tmp_path: Path) -> None:
    synth(300, 0, tmp_path / "data")
    graph = kg.load(tmp_path / "data", tmp_path / "out")
    read = projection_tables.read(graph.store)
    _assert_same(_written(graph), read)
    assert len(read.claims) > 300 and len(read.size_figures) > 0


def test_on_ranges_currencies_stakes_and_tranches(tmp_path: Path) -> None:
    graph = kg.load(write_dataset(tmp_path / "data", _data()), tmp_path / "out")
    read = projection_tables.read(graph.store)
    _assert_same(_written(graph), read)
    assert read.claims["native"].notna().any() and read.figures["stake"].notna().any()
    assert read.deals["part_of"].notna().any()


def test_the_projection_reads_the_written_tables_not_the_store(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    graph = kg.load(write_dataset(tmp_path / "data"), tmp_path / "out")
    expected = projection_tables.read(graph.store)

    def no_reading(_store: object) -> None:
        raise AssertionError("read the store although the build wrote the tables")

    monkeypatch.setattr(projection_tables, "read", no_reading)
    _assert_same(projection_tables.load(graph.store), expected)
    assert graph.legs().number_of_edges() > 0


def test_the_collector_is_paused_during_the_build_and_restored_after(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    real = projection_tables.save
    monkeypatch.setattr(projection_tables, "save", lambda *a: (seen.append(gc.isenabled()), real(*a)))
    assert gc.isenabled()
    build(write_dataset(tmp_path / "data"), tmp_path / "out")
    assert seen == [False] and gc.isenabled()
    bad = mini()
    bad["deals"]["deals.yaml"][0]["claims"][0]["amount"]["value"] = -1
    with pytest.raises(DataError):
        build(write_dataset(tmp_path / "bad", bad), tmp_path / "out2")
    assert gc.isenabled() and not (tmp_path / "out2").exists()
