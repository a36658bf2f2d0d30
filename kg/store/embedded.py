"""The embedded store: Oxigraph (pyoxigraph) on disk, in atomically swapped generations."""

from __future__ import annotations

import fcntl
import gzip
import os
import secrets
import shutil
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from kg.store.base import Binding, QueryResult, StoreError, _csv_table, _result_from, bind_with_values
from kg.store.syntax import describe

if TYPE_CHECKING:
    import pandas as pd


_RDF_FORMATS = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
}


def _rdf_format(path: Path) -> ox.RdfFormat:
    suffixes = path.suffixes
    suffix = suffixes[-2] if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1 else path.suffix
    try:
        return _RDF_FORMATS[suffix.lower()]
    except KeyError:
        raise ValueError(f"unknown RDF file type: {path.name}") from None


class EmbeddedStore:
    """The on-disk Oxigraph store at ``path``, opened read-only on first use.

    ``path`` made by :meth:`build` is a symlink to a *generation* directory beside it
    (``.NAME.generations/<id>``), with the input fingerprint in ``<id>.fingerprint``. A rebuild
    loads a new generation and swaps the symlink atomically (rename), so readers never see a
    half-built store and never read a directory that is being written (pyoxigraph: reading a
    store another process writes is undefined behaviour). Old generations are removed after the
    swap, except the previous one, which open readers may still use. A plain Oxigraph directory
    at ``path`` can be opened too.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._store: ox.Store | None = None
        self._target = ""
        self._lock = threading.Lock()

    # building

    @staticmethod
    def _generations(path: Path) -> Path:
        return path.parent / f".{path.name}.generations"

    @classmethod
    def build(
        cls, path: Path, ntriples_files: Sequence[Path], fingerprint: str, *, keep_generations: int = 2
    ) -> EmbeddedStore:
        """Load ``ntriples_files`` (N-Triples, N-Quads, Turtle, TriG, JSON-LD; optionally .gz) into a
        fresh store and make it the one at ``path``; record ``fingerprint`` for :meth:`is_current`."""
        path = Path(path)
        generations = cls._generations(path)
        generations.mkdir(parents=True, exist_ok=True)
        with open(generations / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time per store path
            name = time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4)
            target = generations / name
            try:
                cls.load(target, ntriples_files, fingerprint)
                cls._swap(path, target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                (generations / f"{name}.fingerprint").unlink(missing_ok=True)
                raise
            cls._prune(generations, Path(os.path.realpath(path)), keep_generations)
        return cls(path)

    @classmethod
    def load(cls, target: Path, files: Sequence[Path], fingerprint: str, *, lenient: bool = False) -> None:
        """Bulk-load ``files`` into a new store directory ``target`` and write ``fingerprint`` beside it
        (``<target>.fingerprint``, which :meth:`is_current` reads through the path's symlinks).
        ``lenient`` skips Oxigraph's IRI and literal checks: for files whose terms were checked before
        (the build's own N-Triples and the shipped ontology)."""
        cls.load_into(ox.Store(str(target)), files, lenient=lenient)  # the store is closed on return
        cls.stamp(target, fingerprint)

    @staticmethod
    def load_into(store: ox.Store, files: Sequence[Path], *, lenient: bool = False) -> None:
        """Bulk-load ``files`` into ``store`` (being built, it may hold triples already), then flush and
        optimize it."""
        for file in map(Path, files):
            fmt, base = _rdf_format(file), file.resolve().as_uri()
            if file.suffix == ".gz":
                with gzip.open(file, "rb") as stream:
                    store.bulk_load(stream, fmt, base_iri=base, lenient=lenient)
            else:
                store.bulk_load(path=str(file), format=fmt, base_iri=base, lenient=lenient)
        store.flush()
        store.optimize()

    @staticmethod
    def stamp(target: Path, fingerprint: str) -> None:
        """Record that the closed store ``target`` was built from data with ``fingerprint``."""
        target.with_name(f"{target.name}.fingerprint").write_text(fingerprint, encoding="utf-8")

    @staticmethod
    def _swap(path: Path, target: Path) -> None:
        if path.exists() and not path.is_symlink():
            # a store from before generations: move it aside (the only non-atomic step, once)
            path.rename(target.parent / f"legacy-{secrets.token_hex(4)}")
        link = path.parent / f".{path.name}.link-{secrets.token_hex(4)}"
        os.symlink(os.path.relpath(target, path.parent), link)
        os.replace(link, path)

    @staticmethod
    def _prune(generations: Path, current: Path, keep: int) -> None:
        """Delete old generations: all but ``current`` and the ``keep - 1`` newest others."""
        others = [p for p in generations.iterdir() if p.is_dir() and p.resolve() != current]
        others.sort(key=lambda p: p.stat().st_mtime)
        for old in others[: max(0, len(others) - max(0, keep - 1))]:
            shutil.rmtree(old, ignore_errors=True)
            (generations / f"{old.name}.fingerprint").unlink(missing_ok=True)

    @classmethod
    def is_current(cls, path: Path, fingerprint: str) -> bool:
        """True if the store at ``path`` was built by :meth:`build` from data with ``fingerprint``."""
        return cls.fingerprint(path) == fingerprint

    @staticmethod
    def fingerprint(path: Path) -> str | None:
        """The fingerprint the store at ``path`` (a symlink to a generation) was built with, or None."""
        path = Path(path)
        if not path.is_symlink() or not path.is_dir():
            return None
        target = Path(os.path.realpath(path))
        try:
            return (target.parent / f"{target.name}.fingerprint").read_text(encoding="utf-8")
        except OSError:
            return None

    # querying

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store (read-only), reopened if the path now points to a new generation."""
        target = os.path.realpath(self.path)
        with self._lock:
            if self._store is None or target != self._target:
                if not os.path.isdir(target):
                    raise StoreError(f"no store at {self.path}")
                self._store = ox.Store.read_only(target)
                self._target = target
            return self._store

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Binding] | None = None,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult:
        """Run ``sparql`` with ``bindings`` as a VALUES block (see the module docstring)."""
        kwargs: dict[str, Any] = {}
        sparql = bind_with_values(sparql, bindings or {})
        if default_graph_uris is not None or named_graph_uris is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph_uris or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graph_uris or ()]
        try:
            # results are read here, on the calling thread: pyoxigraph aborts the process if a
            # result iterator is used from another thread (pyo3 "unsendable")
            return _result_from(self.raw.query(sparql, **kwargs))
        except SyntaxError as exc:
            raise describe(sparql, str(exc)) from None

    def table(self, sparql: str) -> pd.DataFrame:
        try:
            body = self.raw.query(sparql).serialize(format=ox.QueryResultsFormat.CSV)
        except SyntaxError as exc:
            raise describe(sparql, str(exc)) from None
        return _csv_table(body)

    def triple_count(self) -> int:
        """Number of triples in all graphs (quads)."""
        return len(self.raw)

    def close(self) -> None:
        self._store = None
