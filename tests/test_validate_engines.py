"""The SPARQL engine reports what pyshacl (the reference) reports: on the bundled data and on seeded faults,
one per constraint of every shape, each a copy of a real focus node broken in that one constraint."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import RDF, XSD

from kg.cli import main
from kg.paths import DEFAULT_DATA, ONTOLOGY_DIR
from kg.records.loader import load_dataset
from kg.validate import (
    ONTOLOGY,
    SHAPES,
    Violation,
    pyshacl_violations,
    shacl_graph,
    shacl_violations,
    short_name,
    validate,
)
from kg.validate.shapes import Constraint, Shape, UnsupportedShape, read_shapes
from kg.validate.sparql import _CASTABLE

FAULT = "urn:fault:"
_count = itertools.count()


def _copy(graph: rdflib.Graph, node: rdflib.term.Node) -> rdflib.URIRef:
    """A new node with every triple of ``node`` (a real focus node of the bundled data)."""
    copy = rdflib.URIRef(f"{FAULT}{next(_count)}")
    for p, o in list(graph.predicate_objects(node)):
        graph.add((copy, p, o))
    return copy


def _wrong_value(constraint: Constraint, value: rdflib.term.Node) -> rdflib.term.Node:
    """A value that fails ``constraint`` (a value constraint)."""
    parameter = constraint.parameter
    if constraint.component == "Datatype":
        if parameter == RDF.langString:
            return rdflib.Literal("plain")
        return rdflib.Literal("x", lang="en") if parameter == XSD.string else rdflib.Literal(str(value))
    if constraint.component in ("Class", "In"):
        return rdflib.URIRef(f"{FAULT}nothing")
    if constraint.component == "Pattern":
        return rdflib.Literal("!!")
    if constraint.component == "MinLength":
        return rdflib.Literal("")
    bound = Decimal(str(parameter))
    return rdflib.Literal(bound - 1 if constraint.component == "MinInclusive" else bound, datatype=XSD.decimal)


def _member_paths(shape: Shape) -> set[rdflib.URIRef]:
    paths = {shape.path} if shape.path is not None else set()
    for _, members in shape.logical:
        for member in members:
            paths |= _member_paths(member)
    return paths


def _seed(graph: rdflib.Graph, shapes: list[Shape]) -> set[tuple[str, str, str]]:
    """Add one broken copy per constraint; returns what each must be reported as: (focus, path, component)."""
    expected = set()
    for shape in shapes:
        foci = sorted(set().union(*(graph.subjects(RDF.type, c) for c in shape.target_classes)))
        for prop in shape.properties:
            for constraint in prop.constraints:
                having = [f for f in foci if (f, prop.path, None) in graph]
                source = having[0] if having else foci[0]
                copy = _copy(graph, source)
                values = list(graph.objects(copy, prop.path))
                if constraint.component == "MinCount":
                    graph.remove((copy, prop.path, None))
                    if prop.path == RDF.type:  # it stays a focus node, with one type
                        graph.add((copy, RDF.type, shape.target_classes[0]))
                elif constraint.component == "MaxCount":
                    for n in range(int(constraint.parameter) + 1):  # type: ignore[call-overload]
                        graph.add((copy, prop.path, rdflib.Literal(f"extra {n}")))
                else:
                    if not values:  # an optional property absent from every real node: give it a value
                        values = [rdflib.Literal("0", datatype=XSD.decimal)]
                    graph.remove((copy, prop.path, values[0]))
                    graph.add((copy, prop.path, _wrong_value(constraint, values[0])))
                expected.add((str(copy), str(prop.path), constraint.component))
                if constraint.component == "Datatype" and constraint.parameter in _CASTABLE:
                    copy = _copy(graph, source)  # an ill-formed lexical form of the right datatype
                    graph.remove((copy, prop.path, None))
                    graph.add((copy, prop.path, rdflib.Literal("not well formed", datatype=constraint.parameter,
                                                                normalize=False)))
                    expected.add((str(copy), str(prop.path), "Datatype"))
        for component, members in shape.logical:
            copy = _copy(graph, foci[0])
            for path in set().union(*(_member_paths(m) for m in members)):
                graph.remove((copy, path, None))
            expected.add((str(copy), "", component))
    return expected


def _sparql_faults(graph: rdflib.Graph) -> set[tuple[str, str, str]]:
    """The sh:sparql constraints: min above max, a fraction above 1, a digest that disagrees."""
    aikg, schema = rdflib.Namespace("https://w3id.org/aikg/ontology#"), rdflib.Namespace("https://schema.org/")
    figure = _copy(graph, next(graph.subjects(RDF.type, schema.MonetaryAmount)))
    graph.add((figure, schema.minValue, rdflib.Literal(Decimal(5))))
    graph.add((figure, schema.maxValue, rdflib.Literal(Decimal(1))))
    fraction = _copy(graph, next(graph.subjects(aikg.unit, rdflib.Literal("fraction"))))
    graph.set((fraction, schema.value, rdflib.Literal(Decimal("1.5"))))
    deal = _copy(graph, next(graph.subjects(RDF.type, aikg.Deal)))
    graph.set((deal, aikg.claimCount, rdflib.Literal(99)))
    return {(str(figure), "", "SPARQL"), (str(fraction), "", "SPARQL"), (str(deal), "", "SPARQL")}


def _key(violation: Violation) -> tuple[str, str, str, str]:
    return violation.focus, violation.path, violation.value, violation.component


@pytest.fixture(scope="module")
def seeded() -> tuple[rdflib.Graph, set[tuple[str, str, str]]]:
    graph = shacl_graph(load_dataset(DEFAULT_DATA))
    for name in ONTOLOGY:  # the build's store holds the ontology: the copies do too
        graph.parse(ONTOLOGY_DIR / name, format="turtle")
    expected = _seed(graph, read_shapes(SHAPES)) | _sparql_faults(graph)
    return graph, expected


def _store(graph: rdflib.Graph) -> ox.Store:
    store = ox.Store()
    store.bulk_load(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    return store


def test_both_engines_report_the_same_violations_on_the_bundled_data_and_seeded_faults(seeded) -> None:
    graph, expected = seeded
    reference = {_key(v) for v in pyshacl_violations(graph)}
    fast = {_key(v) for v in shacl_violations(_store(graph))}
    assert fast == reference
    found = {(focus, path, component) for focus, path, _, component in fast}
    short = {(focus, short_name(path), component) for focus, path, component in expected}
    assert short <= found  # every seeded fault is reported, on its node, path and component
    assert all(focus.startswith(FAULT) for focus, *_ in fast)  # and nothing on the bundled data
    assert len(expected) > 150  # one per constraint: the shapes have well over 150


def test_validate_checks_the_builds_store_or_the_same_triples_in_memory(real_graph) -> None:
    built = validate(DEFAULT_DATA, store=real_graph.store.raw)
    in_memory = validate(DEFAULT_DATA)
    assert built.conforms and in_memory.conforms
    assert built.triples == in_memory.triples > 10_000


@pytest.mark.parametrize("engine", ["sparql", "pyshacl"])
def test_cli_validate_with_either_engine(tmp_path: Path, engine: str) -> None:
    from minidata import write_dataset

    data, out = write_dataset(tmp_path / "data"), str(tmp_path / "out")
    assert CliRunner().invoke(main, ["build", "--data", str(data), "--out", out]).exit_code == 0
    result = CliRunner().invoke(main, ["validate", "--data", str(data), "--out", out, "--engine", engine])
    assert result.exit_code == 0 and "conform to the SHACL shapes" in result.output, result.output


def test_an_unsupported_shape_is_refused_not_skipped(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                      "<urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;\n"
                      "  sh:property [ sh:path <urn:p> ; sh:uniqueLang true ] .\n", encoding="utf-8")
    with pytest.raises(UnsupportedShape, match="uniqueLang"):
        read_shapes(shapes)
