"""``aikg validate``: the model checks of :mod:`kg.records.loader`, then SHACL on the built triples (pyshacl)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyshacl
import rdflib
from rdflib.namespace import SH

from kg.paths import ONTOLOGY_DIR
from kg.rdf import namespaces as ns
from kg.rdf.triples import dataset_triples
from kg.records.loader import Dataset, load_dataset
from kg.records.problems import Problem

SHAPES = ONTOLOGY_DIR / "shapes.ttl"


@dataclass(frozen=True, order=True)
class Violation:
    focus: str
    path: str
    value: str
    message: str

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


def validate(data: Path, seeds: Path | None = None) -> ValidationReport:
    """Model checks (raise :class:`kg.records.problems.DataError`), quotes against the seed files in
    ``seeds`` (default: :func:`kg.paths.seeds_folder`), then SHACL; returns warnings and violations."""
    ds = load_dataset(data, seeds)
    graph = shacl_graph(ds)
    ontology = rdflib.Graph()
    for name in ("aikg.ttl", "align.ttl"):
        ontology.parse(ONTOLOGY_DIR / name, format="turtle")
    _, results, _ = pyshacl.validate(graph, shacl_graph=str(SHAPES), ont_graph=ontology, inference="none",
                                     advanced=True, allow_warnings=True)
    return ValidationReport(warnings=ds.warnings, violations=sorted(_violations(results)), triples=len(graph))


def _violations(results: rdflib.Graph) -> list[Violation]:
    found = []
    for result in results.subjects(SH.resultSeverity, None):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        message = results.value(result, SH.resultMessage)
        found.append(Violation(_short(focus), _short(path), "" if value is None else str(value)[:80],
                               str(message or "constraint violated")))
    return found


def _short(term: rdflib.term.Node | None) -> str:
    if term is None:
        return ""
    text = str(term)
    for prefix, base in ns.PREFIXES.items():
        if text.startswith(base):
            return f"{prefix}:{text[len(base):]}"
    return text
