"""``aikg validate``: the model checks of :mod:`kg.records.loader`, then the SHACL shapes on the built triples.

Two engines check the shapes and report the same violations: ``sparql`` (the default) compiles each
constraint to one SPARQL SELECT run on Oxigraph (:mod:`kg.validate.sparql`), in seconds on large data;
``pyshacl`` is the reference implementation (slow: minutes at 1,000 organisations), kept for the tests
and for shapes the SPARQL engine does not support.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from kg.paths import ONTOLOGY_DIR
from kg.rdf import namespaces as ns
from kg.rdf.triples import dataset_triples
from kg.records.loader import Dataset, load_dataset
from kg.records.problems import Problem
from kg.validate import sparql
from kg.validate.shapes import read_shapes

SHAPES = ONTOLOGY_DIR / "shapes.ttl"
ENGINES = ("sparql", "pyshacl")
ONTOLOGY = ("aikg.ttl", "align.ttl")  # the classes and their subclasses, mixed into the data graph


@dataclass(frozen=True, order=True)
class Violation:
    focus: str
    path: str
    value: str
    message: str
    component: str = ""  # the SHACL constraint component without its IRI: MinCount, Datatype, Or, SPARQL, ...

    def __str__(self) -> str:
        value = f" = {self.value}" if self.value else ""
        return f"{self.focus}: {self.path}{value}: {self.message}"


@dataclass
class ValidationReport:
    warnings: list[Problem] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    triples: int = 0

    @property
    def conforms(self) -> bool:
        return not self.violations


def shacl_graph(dataset: Dataset) -> rdflib.Graph:
    """The data triples plus the code lists (concepts are checked with sh:class skos:Concept)."""
    graph = rdflib.Graph()
    graph.parse(data=dataset_triples(dataset), format="nt")
    graph.parse(ONTOLOGY_DIR / "codes.ttl", format="turtle")
    return graph


def memory_store(dataset: Dataset) -> ox.Store:
    """An in-memory Oxigraph store with what pyshacl checks: the data triples, the code lists and the ontology."""
    store = ox.Store()
    store.bulk_load(dataset_triples(dataset).encode("utf-8"), ox.RdfFormat.N_TRIPLES)
    for name in ("codes.ttl", *ONTOLOGY):
        store.bulk_load(path=str(ONTOLOGY_DIR / name), format=ox.RdfFormat.TURTLE)
    return store


def validate(data: Path, seeds: Path | None = None, *, engine: str = "sparql",
             store: ox.Store | None = None) -> ValidationReport:
    """Model checks (raise :class:`kg.records.problems.DataError`), quotes against the seed files in
    ``seeds`` (default: :func:`kg.paths.seeds_folder`), then SHACL; returns warnings and violations.

    ``engine`` ``sparql`` checks the shapes on ``store`` when given (the build's store of these data
    files, which holds the ontology too), else on an in-memory store of the data; ``pyshacl`` checks
    them with pyshacl on an rdflib graph."""
    if engine not in ENGINES:
        raise ValueError(f"unknown validation engine {engine!r}: use one of {', '.join(ENGINES)}")
    ds = load_dataset(data, seeds)
    if engine == "pyshacl":
        return _pyshacl(ds)
    checked = memory_store(ds) if store is None else store
    return ValidationReport(warnings=ds.warnings, violations=shacl_violations(checked), triples=len(checked))


def shacl_violations(store: ox.Store) -> list[Violation]:
    """The SHACL violations in ``store`` by the SPARQL engine."""
    return sorted({Violation(short_name(f.focus), short_name(f.path), f.value[:80], f.message, f.component)
                   for f in sparql.check(store, read_shapes(SHAPES))})


def _pyshacl(ds: Dataset) -> ValidationReport:
    graph = shacl_graph(ds)
    return ValidationReport(warnings=ds.warnings, violations=pyshacl_violations(graph), triples=len(graph))


def pyshacl_violations(graph: rdflib.Graph) -> list[Violation]:
    """The SHACL violations in ``graph`` (with the ontology mixed in) by pyshacl, the reference."""
    import pyshacl  # a quarter of a second to import: only for the reference engine

    ontology = rdflib.Graph()
    for name in ONTOLOGY:
        ontology.parse(ONTOLOGY_DIR / name, format="turtle")
    _, results, _ = pyshacl.validate(graph, shacl_graph=str(SHAPES), ont_graph=ontology, inference="none",
                                     advanced=True, allow_warnings=True)
    return sorted(_violations(results))


def _violations(results: rdflib.Graph) -> list[Violation]:
    found = []
    for result in results.subjects(SH.resultSeverity, None):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        message = results.value(result, SH.resultMessage)
        component = str(results.value(result, SH.sourceConstraintComponent) or "")
        found.append(Violation(short_name(focus), short_name(path), "" if value is None else str(value)[:80],
                               str(message or "constraint violated"),
                               component.removeprefix(str(SH)).removesuffix("ConstraintComponent")))
    return found


def short_name(term: rdflib.term.Node | str | None) -> str:
    """``aikg:recordId`` for the IRI of a known namespace, else the IRI or literal text."""
    if term is None:
        return ""
    text = str(term)
    for prefix, base in ns.PREFIXES.items():
        if text.startswith(base):
            return f"{prefix}:{text[len(base):]}"
    return text
