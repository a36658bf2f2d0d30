"""SHACL checked by SPARQL: each constraint of the shapes graph compiled to one SELECT, run on Oxigraph.

The queries are generated from the shapes (:mod:`kg.validate.shapes`), never written per shape: a
*focus* pattern binds ``?this`` to the targets of a shape (instances of its ``sh:targetClass`` or of a
subclass), and each constraint component becomes a SELECT of the focus nodes (and value nodes) that
violate it:

* ``sh:minCount``/``sh:maxCount``: ``GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > n)`` (for a
  minimum with an OPTIONAL, so that nodes without a value count 0; ``sh:minCount 1`` is a MINUS);
* value constraints (``sh:datatype``, ``sh:class``, ``sh:pattern``, ``sh:in``, lengths, ranges): the
  values on the path that fail a FILTER written from the component's definition in SHACL 1.0 §4;
* ``sh:sparql``: the shape's own SELECT, joined with the focus pattern (``$this`` is ``?this``);
* ``sh:and``/``sh:or``/``sh:xone``/``sh:not``: the member shapes are checked on the same focus nodes,
  and the verdicts combined per node.

pyshacl stays the reference: ``tests/test_validate_engines.py`` runs both on the bundled data and on
one seeded fault per constraint and compares the focus nodes, paths and values they report.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.namespace import XSD

from kg.validate.shapes import Constraint, Shape, SparqlConstraint

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
# datatypes whose lexical form SPARQL can check by a cast (an ill-formed literal is a violation)
_CASTABLE = {XSD.boolean, XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.date, XSD.dateTime, XSD.duration}
_RANGES = {"MinInclusive": ">=", "MinExclusive": ">", "MaxInclusive": "<=", "MaxExclusive": "<"}
_PROLOGUE = re.compile(r"\s*((?:(?:PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s+<[^>]*>)\s*)*)(.*)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True, order=True)
class Finding:
    """One validation result: focus node, path ('' for a node shape), value node ('' for none)."""

    focus: str
    path: str
    value: str
    component: str
    message: str


def check(store: ox.Store, shapes: list[Shape], *, workers: int = 4) -> list[Finding]:
    """Every violation of ``shapes`` in the default graph of ``store`` (which holds the ontology too,
    for the subclasses of target classes and of ``sh:class``); ``workers`` queries run at once."""
    run = _Run(store)

    def findings() -> set[Finding]:
        return set().union(*(run.shape(shape, run.targets(shape.target_classes)) for shape in shapes))

    findings()  # a first pass only collects the queries (each answers nothing yet) ...
    run.answer_pending(workers)
    return sorted(findings())  # ... the second reads their answers


class _Run:
    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self._subclasses: dict[str, str] = {}
        self._answers: dict[str, list[tuple[str, str | None]]] = {}
        self._pending: list[str] = []

    def select(self, query: str) -> list[tuple[str, str | None]]:
        """(focus, value) of each solution of ``query`` (it projects ``?this`` and maybe ``?value``), once
        :meth:`answer_pending` has run it; until then nothing, and the query is noted."""
        if query not in self._answers:
            self._pending.append(query)
            return []
        return self._answers[query]

    def answer_pending(self, workers: int) -> None:
        """Run the noted queries, ``workers`` at a time (pyoxigraph evaluates without holding the GIL)."""
        def answer(query: str) -> list[tuple[str, str | None]]:
            # read on the thread that ran the query: a pyoxigraph result iterator must not change threads
            rows = []
            for solution in self.store.query(query):  # type: ignore[union-attr]
                value = solution["value"]  # None when unbound or not projected
                rows.append((solution["this"].value, None if value is None else value.value))
            return rows

        pending = list(dict.fromkeys(self._pending))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            self._answers.update(zip(pending, pool.map(answer, pending), strict=True))
        self._pending.clear()

    def subclasses(self, classes: tuple[rdflib.URIRef, ...]) -> str:
        """The classes and all their subclasses, as SPARQL IRIs separated by spaces."""
        key = " ".join(sorted(c.n3() for c in classes))
        if key not in self._subclasses:
            found = {c.n3() for c in classes}
            for cls in classes:
                query = f"SELECT DISTINCT ?c WHERE {{ ?c {_SUBCLASS}* {cls.n3()} }}"
                found.update(f"<{s['c'].value}>" for s in self.store.query(query) if isinstance(s["c"], ox.NamedNode))  # type: ignore[union-attr]
            self._subclasses[key] = " ".join(sorted(found))
        return self._subclasses[key]

    def targets(self, classes: tuple[rdflib.URIRef, ...]) -> str:
        """The focus pattern: ``?this`` an instance of one of ``classes`` (or of a subclass)."""
        # one constant pattern per class (a VALUES join would scan every rdf:type triple), each node once
        union = " UNION ".join(f"{{ ?this {_RDF_TYPE} {c} }}" for c in self.subclasses(classes).split())
        return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}"

    def foci(self, focus: str) -> set[str]:
        return {this for this, _ in self.select(f"SELECT DISTINCT ?this WHERE {{ {focus} }}")}

    def shape(self, shape: Shape, focus: str) -> set[Finding]:
        """The violations of ``shape`` (its constraints, property shapes, logical and SPARQL constraints)
        by the nodes ``focus`` binds to ``?this``."""
        found: set[Finding] = set()
        path = "" if shape.path is None else str(shape.path)
        foci = self.foci(focus) if shape.constraints else set()
        for constraint in shape.constraints:
            message = shape.message or _message(constraint)
            found.update(Finding(this, path, value or "", constraint.component, message)
                         for this, value in self.select(self.compile(constraint, shape.path, focus))  # type: ignore[arg-type]
                         if this in foci)
        for prop in shape.properties:
            found |= self.shape(prop, focus)
        for component, members in shape.logical:
            found |= self.logical(shape, component, members, focus)
        for sparql in shape.sparql:
            found.update(Finding(this, path, this if value is None else value, "SPARQL", sparql.message)
                         for this, value in self.select(_sparql_query(sparql, focus)))
        return found

    def logical(self, shape: Shape, component: str, members: tuple[Shape, ...], focus: str) -> set[Finding]:
        """``sh:and``/``sh:or``/``sh:xone``/``sh:not``: per focus node, how many members it conforms to."""
        failing = [{f.focus for f in self.shape(member, focus)} for member in members]
        wrong = {
            "And": lambda ok: ok < len(members),
            "Or": lambda ok: ok == 0,
            "Xone": lambda ok: ok != 1,
            "Not": lambda ok: ok == 1,
        }[component]
        message = shape.message or _LOGICAL_MESSAGES[component]
        return {Finding(this, "", this, component, message)
                for this in self.foci(focus) if wrong(sum(this not in fails for fails in failing))}

    def compile(self, constraint: Constraint, path: rdflib.URIRef, focus: str) -> str:
        """The SELECT of the focus nodes (and values) on ``path`` that violate ``constraint``.

        Oxigraph reads the triples of one predicate in index order far faster than it looks up each
        focus node's values, so the value and maximum checks scan the predicate alone: their few
        failing rows are kept when the subject is a focus node (:meth:`shape`); the minimum is an
        anti-join (MINUS) of the focus pattern and the predicate."""
        step = f"?this {path.n3()} ?value ."
        bound = int(constraint.parameter) if constraint.component in ("MinCount", "MaxCount") else 0  # type: ignore[call-overload]
        if constraint.component == "MinCount" and bound == 1:
            return f"SELECT ?this WHERE {{ {focus} MINUS {{ {step} }} }}"
        if constraint.component == "MinCount":
            return (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ {step} }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?value) < {bound})")
        if constraint.component == "MaxCount":
            return f"SELECT ?this WHERE {{ {step} }} GROUP BY ?this HAVING (COUNT(DISTINCT ?value) > {bound})"
        return f"SELECT ?this ?value WHERE {{ {step} FILTER ({self.failing(constraint)}) }}"

    def failing(self, constraint: Constraint) -> str:
        """A FILTER expression true for a value node ``?value`` that fails ``constraint``."""
        component, parameter = constraint.component, constraint.parameter
        if component == "Datatype":
            assert isinstance(parameter, rdflib.URIRef)
            typed = f"isLiteral(?value) && sameTerm(DATATYPE(?value), {parameter.n3()})"
            if parameter in _CASTABLE:  # a well-formed lexical form: the cast succeeds
                typed += f" && COALESCE(isLiteral({parameter.n3()}(STR(?value))), false)"
            return f"!({typed})"
        if component == "Class":
            assert isinstance(parameter, rdflib.URIRef)
            classes = ", ".join(self.subclasses((parameter,)).split())
            return f"NOT EXISTS {{ ?value {_RDF_TYPE} ?aikg_class FILTER (?aikg_class IN ({classes})) }}"
        if component == "Pattern":
            flags = f", {rdflib.Literal(constraint.flags).n3()}" if constraint.flags else ""
            return f"isBlank(?value) || !REGEX(STR(?value), {rdflib.Literal(str(parameter)).n3()}{flags})"
        if component in ("MinLength", "MaxLength"):
            compare = "<" if component == "MinLength" else ">"
            return f"isBlank(?value) || STRLEN(STR(?value)) {compare} {int(parameter)}"  # type: ignore[call-overload]
        if component == "In":
            allowed = " || ".join(f"sameTerm(?value, {term.n3()})" for term in parameter)  # type: ignore[attr-defined]
            return f"!({allowed or 'false'})"
        assert isinstance(parameter, rdflib.Literal)
        return f"!COALESCE(?value {_RANGES[component]} {parameter.n3()}, false)"


def _sparql_query(constraint: SparqlConstraint, focus: str) -> str:
    """The shape's SELECT joined with the focus pattern; its PREFIX lines go first."""
    match = _PROLOGUE.match(constraint.select)
    assert match is not None  # the pattern matches any text
    prologue, body = match.groups()
    return f"{prologue} SELECT ?this ?value WHERE {{ {focus} {{ {body} }} }}"


_LOGICAL_MESSAGES = {
    "And": "not all of the shapes in sh:and hold",
    "Or": "none of the shapes in sh:or holds",
    "Xone": "not exactly one of the shapes in sh:xone holds",
    "Not": "the shape in sh:not holds",
}


def _message(constraint: Constraint) -> str:
    parameter = constraint.parameter
    shown = parameter.n3() if isinstance(parameter, rdflib.term.Node) else parameter
    return {
        "MinCount": f"fewer than {parameter} value(s)",
        "MaxCount": f"more than {parameter} value(s)",
        "Datatype": f"not a well-formed literal of type {shown}",
        "Class": f"not an instance of {shown}",
        "Pattern": f"does not match {parameter}",
        "MinLength": f"shorter than {parameter} character(s)",
        "MaxLength": f"longer than {parameter} character(s)",
        "In": "not one of the allowed values",
    }.get(constraint.component, f"not {_RANGES.get(constraint.component, '?')} {parameter}")
