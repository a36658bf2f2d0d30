"""Read W3C SPARQL 1.1 test manifests (vendored in ../shared/w3c-sparql11) into plain records.

Test IRIs use the suite's public base, https://w3c.github.io/rdf-tests/sparql/sparql11/, so data
files get the graph names and base IRIs the expected results were written for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.collection import Collection

# ../shared/w3c-sparql11 beside the repository (CI puts shared/ there); AIKG_W3C_SUITE overrides
SUITE = Path(os.environ.get("AIKG_W3C_SUITE", Path(__file__).resolve().parents[2].parent / "shared" / "w3c-sparql11"))
BASE = "https://w3c.github.io/rdf-tests/sparql/sparql11/"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
DAWGT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")

# query-evaluation folders that apply to a read-only endpoint
QUERY_DIRS = (
    "aggregates", "bind", "bindings", "cast", "construct", "exists", "functions", "grouping",
    "negation", "project-expression", "property-path", "subquery", "csv-tsv-res", "json-res",
)  # fmt: skip


def path_of(iri: str) -> Path:
    """The local file for a suite IRI."""
    if not iri.startswith(BASE):
        raise ValueError(f"not a suite IRI: {iri}")
    return SUITE / iri[len(BASE) :]


@dataclass(frozen=True)
class QueryTest:
    id: str  # "folder/localname"
    iri: str
    kind: str  # QueryEvaluationTest or CSVResultFormatTest
    name: str
    query: str  # IRI of the .rq file
    data: tuple[str, ...] = ()  # default-graph files
    graph_data: tuple[str, ...] = ()  # named-graph files
    result: str = ""  # IRI of the expected result file
    approval: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def query_text(self) -> str:
        return path_of(self.query).read_text(encoding="utf-8")


def load_manifest(folder: str) -> list[QueryTest]:
    """The query tests of one suite folder, in manifest order."""
    base = f"{BASE}{folder}/manifest.ttl"
    graph = rdflib.Graph()
    graph.parse(SUITE / folder / "manifest.ttl", format="turtle", publicID=base)
    manifest = rdflib.URIRef(base)
    tests = []
    for entries in graph.objects(manifest, MF.entries):
        for test in Collection(graph, entries):
            kind = graph.value(test, rdflib.RDF.type)
            kind_name = str(kind).rsplit("#", 1)[-1] if kind else ""
            if kind_name not in ("QueryEvaluationTest", "CSVResultFormatTest"):
                continue
            action = graph.value(test, MF.action)
            result = graph.value(test, MF.result)
            approval = graph.value(test, DAWGT.approval)
            tests.append(
                QueryTest(
                    id=f"{folder}/{str(test).rsplit('#', 1)[-1]}",
                    iri=str(test),
                    kind=kind_name,
                    name=str(graph.value(test, MF.name) or ""),
                    query=str(graph.value(action, QT.query)),
                    data=tuple(sorted(str(d) for d in graph.objects(action, QT.data))),
                    graph_data=tuple(sorted(str(d) for d in graph.objects(action, QT.graphData))),
                    result=str(result) if result is not None else "",
                    approval=str(approval).rsplit("#", 1)[-1] if approval else "",
                )
            )
    return tests


def all_query_tests() -> list[QueryTest]:
    return [t for folder in QUERY_DIRS for t in load_manifest(folder)]
