"""The SHACL shapes graph read into plain objects, for the SPARQL engine (:mod:`kg.validate.sparql`).

Only the SHACL terms the engine compiles are accepted; any other ``sh:`` term on a shape raises
:class:`UnsupportedShape` (a shape is never half-checked in silence). ``aikg validate --engine pyshacl``
checks shapes the engine does not support.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH

# constraint components on a property shape's value nodes: parameter → component name
VALUE_COMPONENTS = {
    SH.datatype: "Datatype", SH["class"]: "Class", SH.pattern: "Pattern", SH.minLength: "MinLength",
    SH.maxLength: "MaxLength", SH["in"]: "In", SH.minInclusive: "MinInclusive", SH.minExclusive: "MinExclusive",
    SH.maxInclusive: "MaxInclusive", SH.maxExclusive: "MaxExclusive",
}
COUNT_COMPONENTS = {SH.minCount: "MinCount", SH.maxCount: "MaxCount"}
LOGICAL_COMPONENTS = {SH["and"]: "And", SH["or"]: "Or", SH.xone: "Xone", SH["not"]: "Not"}
_STRUCTURE = {RDF.type, SH.targetClass, SH.property, SH.path, SH.flags, SH.sparql, SH.message, SH.name,
              SH.description, RDFS.comment, RDFS.label}
_KNOWN = _STRUCTURE | set(VALUE_COMPONENTS) | set(COUNT_COMPONENTS) | set(LOGICAL_COMPONENTS)


class UnsupportedShape(ValueError):
    """The shapes use a SHACL feature the SPARQL engine does not compile."""


@dataclass(frozen=True)
class Constraint:
    """One constraint component with its parameter (``sh:in``: a tuple of terms)."""

    component: str
    parameter: object
    flags: str = ""


@dataclass(frozen=True)
class SparqlConstraint:
    """An ``sh:sparql`` SELECT constraint (``$this`` is the focus node, ``?value`` optional)."""

    select: str
    message: str


@dataclass(frozen=True)
class Shape:
    """A node shape (``path`` None) or a property shape (``path`` an IRI)."""

    node: rdflib.term.Node
    path: rdflib.URIRef | None
    target_classes: tuple[rdflib.URIRef, ...]
    constraints: tuple[Constraint, ...]
    properties: tuple[Shape, ...]
    logical: tuple[tuple[str, tuple[Shape, ...]], ...]
    sparql: tuple[SparqlConstraint, ...]
    message: str | None


def read_shapes(path: Path) -> list[Shape]:
    """The shapes with targets in the Turtle file ``path`` (the others are reached from them)."""
    graph = rdflib.Graph().parse(path, format="turtle")
    roots = sorted(set(graph.subjects(SH.targetClass, None)))
    unknown = {s for s in graph.subjects(RDF.type, SH.NodeShape) if s not in roots}
    for subject, predicate in ((s, p) for s, p, _ in graph.triples((None, None, None))):
        if predicate in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf) or subject in unknown:
            raise UnsupportedShape(f"{subject}: only sh:targetClass targets are supported ({predicate})")
    return [_shape(graph, root) for root in roots]


def _shape(graph: rdflib.Graph, node: rdflib.term.Node) -> Shape:
    for predicate in set(graph.predicates(node, None)):
        if predicate not in _KNOWN:
            raise UnsupportedShape(f"{node}: {predicate} is not supported by the SPARQL engine")
    path = graph.value(node, SH.path)
    if path is not None and not isinstance(path, rdflib.URIRef):
        raise UnsupportedShape(f"{node}: only predicate paths are supported")
    flags = str(graph.value(node, SH.flags) or "")
    constraints = []
    for predicate, component in {**COUNT_COMPONENTS, **VALUE_COMPONENTS}.items():
        for value in graph.objects(node, predicate):
            parameter = tuple(Collection(graph, value)) if predicate == SH["in"] else value
            constraints.append(Constraint(component, parameter, flags if predicate == SH.pattern else ""))
    if constraints and path is None:
        raise UnsupportedShape(f"{node}: value constraints on a node shape are not supported")
    logical = []
    for predicate, component in LOGICAL_COMPONENTS.items():
        for value in graph.objects(node, predicate):
            members = [value] if predicate == SH["not"] else list(Collection(graph, value))
            logical.append((component, tuple(_shape(graph, member) for member in members)))
    sparql = []
    for value in graph.objects(node, SH.sparql):
        if path is not None or set(graph.predicates(value, None)) - {SH.select, SH.message, RDF.type}:
            raise UnsupportedShape(f"{node}: only sh:select and sh:message on a node shape's sh:sparql")
        sparql.append(SparqlConstraint(str(graph.value(value, SH.select)),
                                       str(graph.value(value, SH.message) or "SPARQL constraint violated")))
    message = graph.value(node, SH.message)
    return Shape(
        node=node,
        path=path,
        target_classes=tuple(sorted(graph.objects(node, SH.targetClass))),
        constraints=tuple(constraints),
        properties=tuple(_shape(graph, p) for p in graph.objects(node, SH.property)),
        logical=tuple(logical),
        sparql=tuple(sparql),
        message=None if message is None else str(message),
    )
