"""``aikg build``: data files → checked records → RDF files and the query store, written atomically.

Output layout under ``--out``::

    graph/aikg.nt, graph/aikg.ttl, graph/aikg.jsonld   the data graph (ontology terms, no ontology)
    graph/manifest.json                                 fingerprint of data/, counts, build time
    store/                                              Oxigraph store: data + ontology, for SPARQL

Everything is written into a staging folder first and swapped in at the end, so an error or a
crash leaves the previous output as it was. Nothing is written when the data has errors.
"""

from __future__ import annotations

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

from kg import namespaces as ns
from kg.loader import Dataset, load_dataset
from kg.paths import ONTOLOGY_DIR
from kg.store import EmbeddedStore
from kg.triples import dataset_triples

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


def build(data: Path, out: Path, *, progress: Progress | None = None, formats: tuple[str, ...] = ("ttl", "jsonld"),
          dataset: Dataset | None = None) -> BuildResult:
    """Build the graph from ``data`` into ``out``; see the module docstring for the layout.

    Raises :class:`kg.problems.DataError` (before writing anything) when the data has errors.
    """
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    say("reading and checking data files")
    ds = dataset or load_dataset(data)
    say("generating triples")
    text = dataset_triples(ds)
    triples = text.count("\n")

    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".graph-staging-", dir=out))
    try:
        nt = staging / DATA_NT
        nt.write_text(text, encoding="utf-8")
        del text
        if "ttl" in formats:
            say("writing Turtle")
            _serialise(nt, staging / DATA_TTL, ox.RdfFormat.TURTLE)
        if "jsonld" in formats:
            say("writing JSON-LD")
            _serialise(nt, staging / DATA_JSONLD, ox.RdfFormat.JSON_LD)
        claims = sum(len(d.claims) for d in ds.deals.values()) + sum(len(o.claims) for o in ds.observations.values())
        result = BuildResult(out=out, fingerprint=ds.fingerprint, triples=triples,
                             organisations=len(ds.organisations), sources=len(ds.sources), deals=len(ds.deals),
                             observations=len(ds.observations), claims=claims, warnings=len(ds.warnings),
                             seconds=0.0, store_rebuilt=False)
        _write_manifest(staging / MANIFEST, result)
        _swap_in(staging, out / GRAPH_DIR)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    rebuilt = False
    if not EmbeddedStore.is_current(out / STORE_DIR, ds.fingerprint):
        say("loading the query store")
        EmbeddedStore.build(out / STORE_DIR, [out / GRAPH_DIR / DATA_NT, *ontology_paths()], ds.fingerprint)
        rebuilt = True
    seconds = time.perf_counter() - started
    return BuildResult(**{**asdict(result), "out": out, "seconds": seconds, "store_rebuilt": rebuilt})


def is_current(data: Path, out: Path) -> bool:
    """True when ``out`` holds a build of exactly the files now in ``data``."""
    from kg.loader import fingerprint

    manifest = out / GRAPH_DIR / MANIFEST
    if not manifest.exists():
        return False
    built = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
    return built == fingerprint(data) and EmbeddedStore.is_current(out / STORE_DIR, built)


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
