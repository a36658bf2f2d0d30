"""Compare query answers with W3C expected results the way the suite means them.

* solutions are compared as multisets, blank nodes up to a bijection (the same mapping across all
  rows), and in order when the query has ORDER BY;
* numeric and boolean literals compare by datatype and value ("1.0"^^xsd:decimal equals "1.00",
  "0"^^xsd:boolean equals "false"), language tags case-insensitively, everything else by lexical
  form;
* graphs (CONSTRUCT) compare by isomorphism (rdflib.compare).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
import rdflib
from rdflib.compare import isomorphic

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + n for n in ("integer", "decimal", "float", "double", "int", "long", "short", "byte",
                             "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                             "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}  # fmt: skip
RS = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")

Key = tuple


def term_key(term) -> Key | None:
    """A comparable key for a pyoxigraph term (None for unbound)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return ("iri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return ("lang", term.value, term.language.lower())
        dtype = term.datatype.value
        if dtype in NUMERIC:
            try:
                number = (
                    float(term.value) if dtype in (XSD + "float", XSD + "double") else Decimal(term.value)
                )
                if isinstance(number, float) and math.isnan(number):
                    number = "NaN"
                return ("num", dtype, number)
            except (ValueError, InvalidOperation):
                pass
        if dtype == XSD + "boolean" and term.value in ("true", "false", "1", "0"):
            return ("bool", term.value in ("true", "1"))
        return ("lit", term.value, dtype)
    if isinstance(term, ox.Triple):
        return ("triple", term_key(term.subject), term_key(term.predicate), term_key(term.object))
    raise TypeError(type(term))


def _bnodes(row: tuple) -> set[str]:
    return {k[1] for k in row if k is not None and k[0] == "bnode"}


def _row_matches(expected: tuple, actual: tuple, mapping: dict[str, str]) -> dict[str, str] | None:
    new = dict(mapping)
    used = set(new.values())
    for e, a in zip(expected, actual, strict=True):
        if e is None or a is None:
            if e is not a:
                return None
            continue
        if e[0] == "bnode" and a[0] == "bnode":
            if e[1] in new:
                if new[e[1]] != a[1]:
                    return None
            elif a[1] in used:
                return None
            else:
                new[e[1]] = a[1]
                used.add(a[1])
        elif e != a:
            return None
    return new


def rows_equal(expected: list[tuple], actual: list[tuple], ordered: bool) -> bool:
    """Multiset (or sequence) equality of rows of term keys, blank nodes up to one bijection."""
    if len(expected) != len(actual):
        return False
    if ordered:
        mapping: dict[str, str] | None = {}
        for e, a in zip(expected, actual, strict=True):
            mapping = _row_matches(e, a, mapping or {})
            if mapping is None:
                return False
        return True
    plain_e = Counter(r for r in expected if not _bnodes(r))
    plain_a = Counter(r for r in actual if not _bnodes(r))
    if plain_e != plain_a:
        return False
    rest_e = sorted((r for r in expected if _bnodes(r)), key=lambda r: -len(_bnodes(r)))
    rest_a = [r for r in actual if _bnodes(r)]

    def search(i: int, mapping: dict[str, str], free: list[bool]) -> bool:
        if i == len(rest_e):
            return True
        for j, row in enumerate(rest_a):
            if free[j]:
                extended = _row_matches(rest_e[i], row, mapping)
                if extended is not None:
                    free[j] = False
                    if search(i + 1, extended, free):
                        return True
                    free[j] = True
        return False

    return search(0, {}, [True] * len(rest_a))


# --- reading expected results ----------------------------------------------------------------


def _rdflib_to_ox(node):
    if isinstance(node, rdflib.URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, rdflib.BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, rdflib.Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype or XSD + "string")))
    raise TypeError(type(node))


class Expected:
    """An expected answer: ``boolean``, or ``variables`` + ``rows`` (term keys), or ``graph``."""

    def __init__(self, boolean=None, variables=None, rows=None, graph=None, csv_rows=None):
        self.boolean = boolean
        self.variables = variables
        self.rows = rows
        self.graph = graph
        self.csv_rows = csv_rows


def read_expected(path: Path, base_iri: str, graph_result: bool) -> Expected:
    suffix = path.suffix
    if suffix in (".srx", ".srj", ".tsv"):
        fmt = {".srx": ox.QueryResultsFormat.XML, ".srj": ox.QueryResultsFormat.JSON,
               ".tsv": ox.QueryResultsFormat.TSV}[suffix]  # fmt: skip
        parsed = ox.parse_query_results(path=str(path), format=fmt)
        if isinstance(parsed, ox.QueryBoolean):
            return Expected(boolean=bool(parsed))
        variables = [v.value for v in parsed.variables]
        return Expected(variables=variables, rows=[tuple(term_key(s[v]) for v in variables) for s in parsed])
    if suffix == ".csv":
        return Expected(csv_rows=list(csv.reader(io.StringIO(path.read_text(encoding="utf-8")))))
    graph = rdflib.Graph()
    graph.parse(path, format="turtle" if suffix == ".ttl" else "xml", publicID=base_iri)
    result_set = graph.value(predicate=rdflib.RDF.type, object=RS.ResultSet, any=True)
    if graph_result or result_set is None:
        return Expected(graph=graph)
    boolean = graph.value(result_set, RS.boolean)
    if boolean is not None:
        return Expected(boolean=bool(boolean.toPython()))
    variables = sorted(str(v) for v in graph.objects(result_set, RS.resultVariable))
    rows = []
    for solution in graph.objects(result_set, RS.solution):
        values = {}
        for binding in graph.objects(solution, RS.binding):
            values[str(graph.value(binding, RS.variable))] = term_key(
                _rdflib_to_ox(graph.value(binding, RS.value))
            )
        rows.append(tuple(values.get(v) for v in variables))
    return Expected(variables=variables, rows=rows)


def graph_of(triples) -> rdflib.Graph:
    """pyoxigraph triples as an rdflib Graph (for isomorphism)."""
    graph = rdflib.Graph()
    for t in triples:
        graph.add(tuple(_ox_to_rdflib(x) for x in (t.subject, t.predicate, t.object)))
    return graph


def _ox_to_rdflib(term):
    if isinstance(term, ox.NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":
        return rdflib.Literal(term.value)  # rdflib reads "x" without a datatype
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value))


def graphs_equal(expected: rdflib.Graph, actual: rdflib.Graph) -> bool:
    return isomorphic(expected, actual)


def csv_equal(expected_rows: list[list[str]], actual_text: str) -> bool:
    """CSV results: same columns (in any order: ``SELECT *`` fixes none), same rows up to order,
    blank-node labels and number formatting."""
    actual_rows = list(csv.reader(io.StringIO(actual_text)))
    if not expected_rows or not actual_rows or sorted(expected_rows[0]) != sorted(actual_rows[0]):
        return False
    order = [actual_rows[0].index(name) for name in expected_rows[0]]

    def cell(text: str) -> tuple:
        if text.startswith("_:"):
            return ("bnode", text[2:])
        try:  # CSV drops datatypes; numbers compare by value ("1.0E6" and "1000000")
            return ("number", float(text))
        except ValueError:
            return ("text", text)

    def keys(rows, index):
        return [tuple(cell(row[i]) for i in index) for row in rows[1:]]

    same = list(range(len(expected_rows[0])))
    return rows_equal(keys(expected_rows, same), keys(actual_rows, order), ordered=False)


_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)


def is_ordered(query_text: str) -> bool:
    return bool(_ORDER_BY.search(query_text))
