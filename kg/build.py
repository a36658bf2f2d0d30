"""``aikg build``: data files → checked records → RDF files and the query store, as one generation.

Output layout under ``--out``::

    graph -> current/graph      aikg.nt (the data graph; aikg.ttl, aikg.jsonld when asked) and manifest.json
    store -> current/store      the Oxigraph store (data + ontology) that SPARQL runs on
    current -> .generations/G   the generation readers see; G also holds cache/tables/ (the projection's
                                tables, written from the records in the same pass as the triples)
    .generations/               this generation and the previous one (open readers may still use it)
    .build.lock                 held while a build writes

A build writes a whole generation (graph files, store, fingerprint) into ``.generations/G.partial``,
renames it to ``G`` and then swaps the ``current`` symlink with one atomic rename: readers see the
old generation or the new one, never a mix, whatever point a build is killed at. A second build into
the same ``--out`` while one runs is refused (:class:`BuildBusy`). Partial generations a killed build
left behind, and generations older than the previous one, are removed by the next build, which says
so. Nothing is written when the data has errors. A full disk, a read-only file system or a denied
permission raises an ``OSError`` that names ``out``.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from kg.output import naming
from kg.output.direct import DirectFile
from kg.output.progress import Progress, silent
from kg.paths import ONTOLOGY_DIR
from kg.projection import tables as projection_tables
from kg.projection.bulk import paused_gc
from kg.projection.written import TableRows
from kg.rdf.formats import serialize
from kg.rdf.triples import GRAPH_FORMAT, GraphBuilder, TripleWriter
from kg.records.fx import FxTable
from kg.records.loader import Checker, data_files, fingerprint, open_checker
from kg.records.models import FxRate
from kg.store import EmbeddedStore
from kg.store.streaming import streamed_load

ONTOLOGY_FILES = ("aikg.ttl", "codes.ttl", "align.ttl")
GRAPH_DIR, STORE_DIR, CURRENT, GENERATIONS, LOCK = "graph", "store", "current", ".generations", ".build.lock"
PARTIAL = ".partial"
DATA_NT, DATA_TTL, DATA_JSONLD, MANIFEST = "aikg.nt", "aikg.ttl", "aikg.jsonld", "manifest.json"
# The graph files a build can write, by format name: N-Triples always (the store loads it); Turtle and
# JSON-LD only when asked (nothing in aikg reads them; ``aikg export`` writes them from the store too).
FORMATS = {"nt": DATA_NT, "ttl": DATA_TTL, "jsonld": DATA_JSONLD}



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
    removed: tuple[str, ...] = ()  # partial or stale generations this build removed

    def summary(self) -> str:
        return (f"{self.triples:,} triples: {self.organisations} organisations, {self.deals} deals, "
                f"{self.observations} observations, {self.claims} claims from {self.sources} sources "
                f"({self.seconds:.2f} s)")


def ontology_paths() -> list[Path]:
    return [ONTOLOGY_DIR / name for name in ONTOLOGY_FILES]


def build_fingerprint(data: Path) -> str:
    """What a build depends on: the data files, the ontology files, the triples' format and the projection
    tables' format.

    An upgrade of aikg that writes other triples or tables for the same data (``GRAPH_FORMAT``,
    :data:`kg.projection.tables.FORMAT`) or ships another ontology therefore rebuilds the generation instead
    of querying a stale one (the named queries' plans read those tables: :mod:`kg.projection.plans`).
    """
    formats = f"graph-format {GRAPH_FORMAT} tables-format {projection_tables.FORMAT}"
    digest = hashlib.sha256(f"{fingerprint(data)} {formats}".encode())
    for path in ontology_paths():
        digest.update(path.read_bytes())
    return digest.hexdigest()


class BuildBusy(RuntimeError):
    """Another build is writing into the same output folder."""


def build(data: Path, out: Path, *, progress: Progress | None = None,
          formats: tuple[str, ...] = ("nt",), seeds: Path | None = None) -> BuildResult:
    """Build the graph from ``data`` into a new generation of ``out`` (see the module docstring).

    The data files are read, checked and turned into triples one file at a time, so memory stays
    bounded by the largest file. Raises :class:`kg.records.problems.DataError` with every error of the
    run (nothing is then written) and :class:`BuildBusy` when another build holds ``out``. When ``out``
    already holds a build of exactly these files, nothing is rebuilt. Quotes citing a seed file are
    checked against the files in ``seeds`` (default: :func:`kg.paths.seeds_folder`). ``formats`` names the
    graph files to write besides the store (:data:`FORMATS`; N-Triples is always written).
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown graph format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    say = progress or silent
    started = time.perf_counter()
    checker = open_checker(data, seeds)
    created = not out.exists()  # a failed first build leaves no folder behind
    try:
        with naming(out), _locked(out):
            removed = _clean(out)
            for name in removed:
                say(f"removed {name} (left by an interrupted or older build)")
            fingerprint = build_fingerprint(checker.root)
            if is_current(checker.root, out) and all((out / GRAPH_DIR / FORMATS[f]).exists() for f in formats):
                manifest = json.loads((out / GRAPH_DIR / MANIFEST).read_text(encoding="utf-8"))
                fields = {k: manifest[k] for k in ("fingerprint", "triples", "organisations", "sources", "deals",
                                                    "observations", "claims", "warnings")}
                return BuildResult(out=out, **fields, seconds=time.perf_counter() - started, store_rebuilt=False,
                                   removed=tuple(removed))
            generations = out / GENERATIONS
            generations.mkdir(exist_ok=True)
            name = time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4)
            partial = generations / (name + PARTIAL)
            try:
                result = _write_generation(checker, partial, fingerprint, formats, say)
                os.replace(partial, generations / name)
                _point(out / CURRENT, generations / name)
            except BaseException:
                shutil.rmtree(partial, ignore_errors=True)
                raise
            _links(out)
            _prune(out)
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        raise
    seconds = time.perf_counter() - started
    return BuildResult(**{**asdict(result), "out": out, "seconds": seconds, "store_rebuilt": True,
                          "removed": tuple(removed)})


def _write_generation(checker: Checker, target: Path, fingerprint: str, formats: tuple[str, ...],
                      say: Progress) -> BuildResult:
    """Graph files, projection tables, manifest and store of one generation in ``target``."""
    graph = target / GRAPH_DIR
    graph.mkdir(parents=True)
    nt = graph / DATA_NT
    # the store loads the triples while they are written (kg.store.streaming); lenient: the build wrote
    # these terms itself from checked records (IRIs of validated slugs, escaped literals), and Oxigraph's
    # own checks of them cost about a tenth of the load (README, Benchmarks)
    with streamed_load(target / STORE_DIR, nt, fingerprint, then=ontology_paths(), lenient=True) as feed:
        # the collector is paused while records are read and turned into triples and table rows: nothing
        # made here forms cycles, and at 100k organisations its repeated walks of the growing heap took 30 s
        with DirectFile(nt) as stream, paused_gc():
            writer = TripleWriter(stream, *([] if feed is None else [feed]))
            builder = GraphBuilder(writer)
            rows = TableRows(lambda: builder.fx)
            rates: list[FxRate] = []
            files = list(data_files(checker.root))
            for done, (folder, path) in enumerate(files):
                say(f"checking and converting {path.relative_to(checker.root)}", done, len(files))
                records = checker.read(folder, path)
                if folder == "fx":
                    rates += records  # type: ignore[arg-type]
                    builder.fx = FxTable(rates)
                for record in records:
                    rows.add(record, builder.emit(record))  # the digest derived once for both
            builder.finish()
            writer.flush()
            warnings = checker.finish()
            if feed is not None:
                feed.close()  # every triple is in: the loader ends its last batch while the tables are written
            say("writing the projection's tables")
            projection_tables.save(projection_tables.generation_cache(target), rows.tables(), fingerprint)
            del rows
        if "ttl" in formats:
            say("writing Turtle")
            _serialise(nt, graph / DATA_TTL, "ttl")
        if "jsonld" in formats:
            say("writing JSON-LD")
            _serialise(nt, graph / DATA_JSONLD, "jsonld")
        say("loading the query store")
    ids = checker.ids
    result = BuildResult(out=target, fingerprint=fingerprint, triples=writer.count,
                         organisations=len(ids["entities"]), sources=len(ids["sources"]), deals=len(ids["deals"]),
                         observations=len(ids["observations"]), claims=checker.claims, warnings=len(warnings),
                         seconds=0.0, store_rebuilt=True)
    _write_manifest(graph / MANIFEST, result)  # last: a generation with a manifest is whole
    return result


@contextmanager
def _locked(out: Path) -> Iterator[None]:
    """Hold the build lock of ``out`` (created if need be): an advisory ``flock``, released when the
    process ends (also by a kill), so a crashed build never leaves ``out`` locked."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK, "a+") as stream:
        try:
            fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise BuildBusy(f"another build is writing into {out}; wait for it to finish") from None
            raise
        yield


def _clean(out: Path) -> list[str]:
    """Remove what interrupted builds left: partial generations, staging folders of older versions of
    aikg beside ``out``, and a pre-generation layout's store generations; returns what was removed."""
    removed = []
    generations = out / GENERATIONS
    candidates = list(generations.glob("*" + PARTIAL)) if generations.is_dir() else []
    candidates += list(out.parent.glob(f".{out.name}-staging-*"))
    for path in candidates:
        shutil.rmtree(path, ignore_errors=True)
        removed.append(str(path.relative_to(out.parent)))
    return removed


def _point(link: Path, target: Path) -> None:
    """Make ``link`` a symlink to ``target`` with one atomic rename."""
    temporary = link.with_name(f".{link.name}.{secrets.token_hex(4)}")
    os.symlink(os.path.relpath(target, link.parent), temporary)
    os.replace(temporary, link)


def _links(out: Path) -> None:
    """``out/graph`` and ``out/store`` through ``current`` (once; an older layout's folders are replaced)."""
    for name in (GRAPH_DIR, STORE_DIR):
        link, wanted = out / name, os.path.join(CURRENT, name)
        if link.is_symlink() and os.readlink(link) == wanted:
            continue
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        _point(link, out / CURRENT / name)
    shutil.rmtree(out / f".{STORE_DIR}.generations", ignore_errors=True)  # the older layout's store generations
    shutil.rmtree(out / "cache", ignore_errors=True)  # its projection caches: they now live in each generation


def _prune(out: Path, keep: int = 2) -> None:
    """Keep the current generation and the ``keep - 1`` newest others (readers may still use them)."""
    current = Path(os.path.realpath(out / CURRENT))
    others = sorted((p for p in (out / GENERATIONS).iterdir() if p.is_dir() and p.resolve() != current
                     and not p.name.endswith(PARTIAL)), key=lambda p: p.name)
    for old in others[: max(0, len(others) - (keep - 1))]:
        shutil.rmtree(old, ignore_errors=True)


def is_current(data: Path, out: Path) -> bool:
    """True when ``out`` holds a build of exactly the files now in ``data``, in the generation layout
    (an output folder of an older aikg is rebuilt once)."""
    manifest = out / GRAPH_DIR / MANIFEST
    if not (out / CURRENT).is_symlink() or not manifest.exists():
        return False
    built = json.loads(manifest.read_text(encoding="utf-8")).get("fingerprint")
    return built == build_fingerprint(data) and EmbeddedStore.is_current(out / STORE_DIR, built)


def _serialise(nt: Path, target: Path, fmt: str) -> None:
    serialize(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES), fmt, str(target))


def _write_manifest(path: Path, result: BuildResult) -> None:
    record = {k: v for k, v in asdict(result).items() if k not in {"out", "seconds", "store_rebuilt"}}
    record["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


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

