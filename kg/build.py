"""``aikg build``: data files → checked records → RDF files and the query store, written atomically.

Output layout under ``--out``::

    graph/aikg.nt, graph/aikg.ttl, graph/aikg.jsonld   the data graph (ontology terms, no ontology)
    graph/manifest.json                                 fingerprint of data/ and ontology, counts, time
    store/                                              Oxigraph store: data + ontology, for SPARQL

Everything is written into a staging folder first and swapped in at the end, so an error or a
crash leaves the previous output as it was. Nothing is written when the data has errors. A full
disk, a read-only file system or a denied permission raises an ``OSError`` that names ``out``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from kg.output import naming
from kg.paths import ONTOLOGY_DIR
from kg.rdf import namespaces as ns
from kg.rdf.triples import GRAPH_FORMAT, GraphBuilder, TripleWriter
from kg.records.fx import FxTable
from kg.records.loader import Checker, data_files, fingerprint, open_checker
from kg.records.models import FxRate
from kg.store import EmbeddedStore

ONTOLOGY_FILES = ("aikg.ttl", "codes.ttl", "align.ttl")
GRAPH_DIR, STORE_DIR = "graph", "store"
DATA_NT, DATA_TTL, DATA_JSONLD, MANIFEST = "aikg.nt", "aikg.ttl", "aikg.jsonld", "manifest.json"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BuildResult:
    out: Path
    fingerprint: str
    triples: int
    organisations: int
    sources: int
    deals: int
    observations: int
    claims: int
    warnings: int
    seconds: float
    store_rebuilt: bool

    def summary(self) -> str:
        return (f"{self.triples:,} triples: {self.organisations} organisations, {self.deals} deals, "
                f"{self.observations} observations, {self.claims} claims from {self.sources} sources "
                f"({self.seconds:.2f} s)")


def ontology_paths() -> list[Path]:
    return [ONTOLOGY_DIR / name for name in ONTOLOGY_FILES]


def build_fingerprint(data: Path) -> str:
    """What a build depends on: the data files, the ontology files and the triples' format.

    An upgrade of aikg that writes other triples for the same data (``GRAPH_FORMAT``) or ships another
    ontology therefore rebuilds the graph and the store instead of querying a stale one.
    """
    digest = hashlib.sha256(f"{fingerprint(data)} graph-format {GRAPH_FORMAT}".encode())
    for path in ontology_paths():
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build(data: Path, out: Path, *, progress: Progress | None = None,
          formats: tuple[str, ...] = ("ttl", "jsonld"), seeds: Path | None = None) -> BuildResult:
    """Build the graph from ``data`` into ``out``; see the module docstring for the layout.

    The data files are read, checked and turned into triples one file at a time, so memory stays
    bounded by the largest file. Quotes citing a seed file are checked against the files in ``seeds``
    (default: :func:`kg.paths.seeds_folder`). Raises :class:`kg.records.problems.DataError` with every
    error of the run; nothing is then written to ``out``.
    """
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    checker = open_checker(data, seeds)
    with naming(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-staging-", dir=out.parent))
        result = _write_graph(checker, out, staging, say, formats)
    rebuilt = False
    if not EmbeddedStore.is_current(out / STORE_DIR, result.fingerprint):
        say("loading the query store")
        with naming(out / STORE_DIR):
            EmbeddedStore.build(out / STORE_DIR, [out / GRAPH_DIR / DATA_NT, *ontology_paths()], result.fingerprint)
        rebuilt = True
    seconds = time.perf_counter() - started
    return BuildResult(**{**asdict(result), "out": out, "seconds": seconds, "store_rebuilt": rebuilt})


def _write_graph(checker: Checker, out: Path, staging: Path, say: Progress,
                 formats: tuple[str, ...]) -> BuildResult:
    """Check and convert every data file into ``staging``, then swap it in as ``out/graph``."""
    try:
        nt = staging / DATA_NT
        with nt.open("w", encoding="utf-8") as stream:
            writer = TripleWriter(stream)
            builder = GraphBuilder(writer)
            rates: list[FxRate] = []
            for folder, path in data_files(checker.root):
                say(f"checking and converting {path.relative_to(checker.root)}")
                records = checker.read(folder, path)
                if folder == "fx":
                    rates += records  # type: ignore[arg-type]
                    builder.fx = FxTable(rates)
                for record in records:
                    builder.emit(record)
            builder.finish()
            writer.flush()
        warnings = checker.finish()
        if "ttl" in formats:
            say("writing Turtle")
            _serialise(nt, staging / DATA_TTL, ox.RdfFormat.TURTLE)
        if "jsonld" in formats:
            say("writing JSON-LD")
            _serialise(nt, staging / DATA_JSONLD, ox.RdfFormat.JSON_LD)
        ids = checker.ids
        result = BuildResult(out=out, fingerprint=build_fingerprint(checker.root), triples=writer.count,
                             organisations=len(ids["entities"]), sources=len(ids["sources"]), deals=len(ids["deals"]),
                             observations=len(ids["observations"]), claims=checker.claims, warnings=len(warnings),
                             seconds=0.0, store_rebuilt=False)
        _write_manifest(staging / MANIFEST, result)
        out.mkdir(exist_ok=True)
        _swap_in(staging, out / GRAPH_DIR)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


def is_current(data: Path, out: Path) -> bool:
    """True when ``out`` holds a build of exactly the files now in ``data``."""
    manifest = out / GRAPH_DIR / MANIFEST
    if not manifest.exists():
        return False
    built = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
    return built == build_fingerprint(data) and EmbeddedStore.is_current(out / STORE_DIR, built)


def _serialise(nt: Path, target: Path, fmt: ox.RdfFormat) -> None:
    prefixes = {k: v for k, v in ns.PREFIXES.items() if k != "rdf"}
    ox.serialize(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES), output=str(target), format=fmt,
                 prefixes=prefixes)


def _write_manifest(path: Path, result: BuildResult) -> None:
    record = {k: v for k, v in asdict(result).items() if k not in {"out", "seconds", "store_rebuilt"}}
    record["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def _swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with two renames (each atomic on one file system)."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def full_graph_ntriples(out: Path, target: Path) -> Path:
    """The built data graph plus the ontology, code lists and alignments as one N-Triples file (for pushing
    to a remote store, which then answers the same queries as the embedded one)."""
    with target.open("wb") as stream:
        with (out / GRAPH_DIR / DATA_NT).open("rb") as data:
            shutil.copyfileobj(data, stream)
        for path in ontology_paths():
            ox.serialize(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE), output=stream,
                         format=ox.RdfFormat.N_TRIPLES)
    return target

