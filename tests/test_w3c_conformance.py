"""W3C SPARQL 1.1 query-evaluation tests, run against the embedded store and through ``aikg serve``.

The suite (w3c/rdf-tests ``sparql/sparql11`` at ad541a5, vendored in ../shared/w3c-sparql11)
is read from its manifests (:mod:`w3c.manifest`). All data files go into one store, each as a
named graph called by its file IRI; a test's dataset is chosen with the protocol's dataset
parameters (``default-graph-uri`` = its ``qt:data`` files, ``named-graph-uri`` = its
``qt:graphData`` files) — on the embedded store through ``EmbeddedStore.query`` and over HTTP
through ``RemoteStore`` — so one store and one server serve all 235 tests. Queries get
``BASE <query file IRI>`` in front, the base the expected results assume.

Over HTTP every SELECT answer is also fetched as XML and TSV (and CSV for the CSV tests) to check
the endpoint's own serializers. The SPARQL Protocol tests (``protocol/manifest.ttl``) that apply to
a query-only endpoint are run as written, with their HTTP requests.

Each run prints a summary line; the test fails if a test outside the known-failure lists below
fails, or if the pass count drops below the measured one.
"""

from __future__ import annotations

import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection
from w3c.compare import csv_equal, graph_of, graphs_equal, is_ordered, read_expected, rows_equal, term_key
from w3c.manifest import BASE, SUITE, QueryTest, all_query_tests, path_of
from w3c.servers import endpoint, http

from kg.store import EmbeddedStore, QueryResult, RemoteStore, StoreError
from kg.store.lexer import tokenize

EMPTY_GRAPH = "urn:aikg:w3c:empty"

# Failures of the embedded store (pyoxigraph 0.5.13) with the reason, as measured.
_GRAPH_VAR = "GRAPH ?g over a group that does not bind ?g itself (sub-select, VALUES) yields no ?g per graph"
_SET_PATHS = (
    "expectation changed by rdf-tests#264 (2025-12-28, zero-length paths as sets); 0.5.13 predates it"
)
_CONCAT_LANG = "GROUP_CONCAT keeps a language tag all values share (spec: a simple literal)"
KNOWN_EMBEDDED: dict[str, str] = {
    "aggregates/agg-empty-group-count-graph": _GRAPH_VAR,
    "bindings/graph": _GRAPH_VAR,
    "aggregates/agg-groupconcat-04": _CONCAT_LANG,
    "aggregates/agg-groupconcat-06": _CONCAT_LANG,
    "csv-tsv-res/tsv03": "Oxigraph stores xsd:negativeInteger as xsd:integer (the datatype IRI is not kept)",
    "functions/bnode01": "BNODE(str) returns the same blank node for the same string across solutions",
    "negation/graph-minus": "the GRAPH variable is counted as shared when checking MINUS disjointness",
    "property-path/zero_or_more_set_end": _SET_PATHS,
    "property-path/zero_or_more_set_start": _SET_PATHS,
    "property-path/zero_or_one_set_end": _SET_PATHS,
    "property-path/zero_or_one_set_start": _SET_PATHS,
}
# Extra failures through the endpoint, with the reason.
KNOWN_HTTP: dict[str, str] = {}
# measured with pyoxigraph 0.5.13 (235 tests): a drop below these fails the test
MIN_EMBEDDED_PASSES = 224
MIN_HTTP_PASSES = 224


def _build_store(tests: list[QueryTest], directory: Path) -> Path:
    files = sorted({f for t in tests for f in (*t.data, *t.graph_data)})
    quads = []
    for iri in files:
        path = path_of(iri)
        fmt = ox.RdfFormat.from_extension(path.suffix[1:]) or ox.RdfFormat.TURTLE
        for q in ox.parse(path=str(path), format=fmt, base_iri=iri, rename_blank_nodes=True):
            quads.append(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(iri)))
    nq = directory / "suite.nq"
    nq.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    store_path = directory / "store"
    EmbeddedStore.build(store_path, [nq], "w3c")
    # graphs without triples (empty data files, and the empty default graph) must still exist
    writable = ox.Store(str(store_path.resolve()))
    for iri in [*files, EMPTY_GRAPH]:
        writable.add_graph(ox.NamedNode(iri))
    writable.flush()
    del writable
    return store_path


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> tuple[list[QueryTest], Path]:
    tests = all_query_tests()
    return tests, _build_store(tests, tmp_path_factory.mktemp("w3c"))


def _query_text(test: QueryTest) -> str:
    return f"BASE <{test.query}>\n{test.query_text}"


def _dataset(test: QueryTest) -> dict:
    """Protocol dataset for a test; none when the query names its own (FROM / FROM NAMED), since
    protocol parameters would replace it."""
    if any(tok.is_keyword("FROM") for tok in tokenize(test.query_text)):
        return {}
    return {"default_graph_uris": list(test.data) or [EMPTY_GRAPH], "named_graph_uris": list(test.graph_data)}


def _check(test: QueryTest, result: QueryResult) -> str | None:
    """None if ``result`` is the expected answer, else a short reason."""
    expected = read_expected(path_of(test.result), test.result, graph_result=bool(result.term_triples))
    if expected.boolean is not None:
        return (
            None
            if result.boolean == expected.boolean
            else f"ASK {result.boolean}, expected {expected.boolean}"
        )
    if expected.graph is not None:
        if graphs_equal(expected.graph, graph_of(result.term_triples)):
            return None
        return f"graph of {len(result.term_triples)} triples differs from expected {len(expected.graph)}"
    if expected.rows is None:
        return "no comparable expected result"
    if set(expected.variables) != set(result.variables):
        return f"variables {result.variables}, expected {expected.variables}"
    index = [result.variables.index(v) for v in expected.variables]
    actual = [tuple(term_key(row[i]) for i in index) for row in result.term_rows]
    if rows_equal(expected.rows, actual, is_ordered(test.query_text)):
        return None
    return f"{len(actual)} rows differ from the {len(expected.rows)} expected"


def _summarise(label: str, outcomes: dict[str, str | None], known: dict[str, str], minimum: int) -> None:
    failures = {k: v for k, v in outcomes.items() if v is not None}
    passes = len(outcomes) - len(failures)
    print(f"\nW3C SPARQL 1.1 {label}: {passes}/{len(outcomes)} passed")
    for test_id, reason in sorted(failures.items()):
        print(f"  FAIL {test_id}: {reason}" + ("" if test_id in known else "   <-- not a known failure"))
    fixed = sorted(set(known) - set(failures))
    if fixed:
        print(f"  known failures that now pass: {', '.join(fixed)}")
    unexpected = sorted(set(failures) - set(known))
    assert not unexpected, f"{label}: unexpected failures " + "; ".join(
        f"{t}: {failures[t]}" for t in unexpected[:8]
    )
    assert passes >= minimum


def test_embedded_store(suite) -> None:
    tests, store_path = suite
    store = EmbeddedStore(store_path)
    outcomes: dict[str, str | None] = {}
    started = time.monotonic()
    for test in tests:
        try:
            if test.kind == "CSVResultFormatTest":
                answer = store.raw.query(
                    _query_text(test),
                    default_graph=[ox.NamedNode(g) for g in _dataset(test)["default_graph_uris"]],
                    named_graphs=[ox.NamedNode(g) for g in _dataset(test)["named_graph_uris"]],
                )
                text = answer.serialize(format=ox.QueryResultsFormat.CSV).decode("utf-8")
                expected = read_expected(path_of(test.result), test.result, False)
                outcomes[test.id] = None if csv_equal(expected.csv_rows, text) else "CSV differs"
            else:
                outcomes[test.id] = _check(test, store.query(_query_text(test), **_dataset(test)))
        except (StoreError, SyntaxError, OSError, ValueError, RuntimeError) as exc:
            outcomes[test.id] = f"error: {exc}"[:200]
    print(f"\n(embedded run: {time.monotonic() - started:.1f} s)")
    _summarise("embedded store", outcomes, KNOWN_EMBEDDED, MIN_EMBEDDED_PASSES)


def _fetch(url: str, test: QueryTest, fmt: str) -> str:
    params = [("query", _query_text(test)), ("format", fmt)]
    params += [("default-graph-uri", g) for g in _dataset(test).get("default_graph_uris", [])]
    params += [("named-graph-uri", g) for g in _dataset(test).get("named_graph_uris", [])]
    response = http(
        url, "POST", urllib.parse.urlencode(params), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if response.status != 200:
        raise StoreError(f"{fmt}: HTTP {response.status} {response.text.strip()}")
    return response.text


def _check_format(test: QueryTest, result: QueryResult, text: str, fmt: str) -> str | None:
    parsed = ox.parse_query_results(
        text, {"xml": ox.QueryResultsFormat.XML, "tsv": ox.QueryResultsFormat.TSV}[fmt]
    )
    if isinstance(parsed, ox.QueryBoolean):
        return None if bool(parsed) == result.boolean else f"{fmt}: boolean differs"
    variables = [v.value for v in parsed.variables]
    rows = [tuple(term_key(s[v]) for v in result.variables) for s in parsed]
    if set(variables) != set(result.variables):
        return f"{fmt}: variables differ"
    json_rows = [tuple(term_key(t) for t in row) for row in result.term_rows]
    return None if rows_equal(json_rows, rows, ordered=False) else f"{fmt}: rows differ from the JSON answer"


def _run_over_http(url: str, test: QueryTest, formats: Counter[str]) -> str | None:
    try:
        if test.kind == "CSVResultFormatTest":
            expected = read_expected(path_of(test.result), test.result, False)
            return None if csv_equal(expected.csv_rows, _fetch(url, test, "csv")) else "CSV differs"
        result = RemoteStore(url).query(_query_text(test), **_dataset(test))
        outcome = _check(test, result)
        if outcome is None and not result.term_triples:
            # the same answer as XML and TSV (TSV has no form for a boolean answer)
            for fmt in ("xml",) if result.boolean is not None else ("xml", "tsv"):
                problem = _check_format(test, result, _fetch(url, test, fmt), fmt)
                formats[fmt] += problem is None
                outcome = outcome or problem
        return outcome
    except (StoreError, SyntaxError, ValueError) as exc:
        return f"error: {exc}"[:200]


def test_through_endpoint(suite) -> None:
    tests, store_path = suite
    with endpoint(store_path, timeout_s=20, workers=4, max_concurrent_per_client=8) as server:
        url = server.url + "/sparql"
        formats: Counter[str] = Counter()
        started = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            answers = pool.map(lambda test: _run_over_http(url, test, formats), tests)
            outcomes = {test.id: outcome for test, outcome in zip(tests, answers, strict=True)}
        print(
            f"\n(HTTP run: {time.monotonic() - started:.1f} s; "
            f"XML round trips {formats['xml']}, TSV {formats['tsv']})"
        )
    _summarise("through the endpoint", outcomes, {**KNOWN_EMBEDDED, **KNOWN_HTTP}, MIN_HTTP_PASSES)


# --- SPARQL 1.1 Protocol tests ---------------------------------------------------------------

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
# update tests expect a 2xx from a writable endpoint; this one is read-only by design
NOT_APPLICABLE = (
    "update operation: the endpoint is query-only (its refusal is tested in test_endpoint_security)"
)


def _protocol_tests() -> list[dict]:
    base = f"{BASE}protocol/manifest.ttl"
    g = rdflib.Graph().parse(SUITE / "protocol" / "manifest.ttl", format="turtle", publicID=base)
    tests = []
    for entries in g.objects(rdflib.URIRef(base), MF.entries):
        for test in Collection(g, entries):
            name = str(test).rsplit("#", 1)[-1]
            graphs = {
                str(g.value(gd, rdflib.RDFS.label)): str(g.value(gd, UT.graph))
                for gd in g.objects(test, UT.graphData)
            }
            requests = []
            for req in Collection(g, g.value(g.value(test, MF.action), HT.requests)):
                headers = {}
                header_list = g.value(req, HT.headers)
                if header_list is not None:
                    for h in Collection(g, header_list):
                        headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
                body = g.value(req, HT.body)
                resp = g.value(req, HT.resp)
                requests.append({
                    "method": str(g.value(req, HT.methodName)),
                    "path": str(g.value(req, HT.absolutePath)),
                    "headers": headers,
                    "body": str(g.value(body, CNT.chars)) if body is not None else None,
                    "encoding": str(g.value(body, CNT.characterEncoding) or "UTF-8") if body else None,
                    "status": {str(s).removeprefix(HTS) for s in g.objects(resp, MF.expectedStatus)},
                    "boolean": g.value(resp, MF.expectedBoolean),
                    "format": str(g.value(resp, MF.expectedFormat) or ""),
                })  # fmt: skip
            tests.append({"name": name, "graphs": graphs, "requests": requests})
    return tests


def _protocol_store(directory: Path, tests: list[dict]) -> Path:
    quads = []
    graphs = {label: file for t in tests for label, file in t["graphs"].items()}
    for label, file in graphs.items():
        for q in ox.parse(path=str(path_of(file)), format=ox.RdfFormat.N_TRIPLES):
            quads.append(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(label)))
    nq = directory / "protocol.nq"
    nq.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    EmbeddedStore.build(directory / "store", [nq], "protocol")
    # the tests name data0.rdf as a dataset the service holds without ever loading it
    writable = ox.Store(str((directory / "store").resolve()))
    writable.add_graph(ox.NamedNode("http://kasei.us/2009/09/sparql/data/data0.rdf"))
    writable.flush()
    del writable
    return directory / "store"


def _format_of(content_type: str) -> str:
    media = content_type.split(";")[0].strip()
    if media in ("application/sparql-results+json", "application/sparql-results+xml"):
        return "tabular/boolean"
    if media in ("text/csv", "text/tab-separated-values"):
        return "tabular"
    return (
        "RDF"
        if media in ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")
        else ""
    )


def test_protocol(tmp_path) -> None:
    tests = _protocol_tests()
    store_path = _protocol_store(tmp_path, tests)
    outcomes: dict[str, str | None] = {}
    with endpoint(store_path, workers=1) as server:
        for test in tests:
            if test["name"].startswith("update_"):
                outcomes[test["name"]] = "n/a"
                continue
            problem = None
            for req in test["requests"]:
                path = req["path"].replace("/sparql/", "/sparql", 1)
                body = (
                    req["body"].encode("utf-16" if req["encoding"].upper() == "UTF-16" else "utf-8")
                    if req["body"]
                    else None
                )
                if req["headers"].get("content-type", "").endswith("UTF-16") and req["body"]:
                    body = req["body"].encode("utf-16")
                response = http(server.url + path, req["method"], body, req["headers"])
                klass = f"{response.status // 100}xx"
                if klass not in req["status"]:
                    problem = (
                        f"status {response.status}, expected {sorted(req['status'])}: {response.text[:100]}"
                    )
                    break
                fmt = _format_of(response.header("content-type") or "")
                if req["format"] in ("boolean", "tabular") and "tabular" not in fmt and response.status < 300:
                    problem = f"format {response.header('content-type')}, expected {req['format']}"
                if req["format"] == "RDF" and fmt != "RDF":
                    problem = f"format {response.header('content-type')}, expected RDF"
                if req["boolean"] is not None:
                    answer = ox.parse_query_results(response.body, ox.QueryResultsFormat.JSON)
                    if bool(answer) != bool(req["boolean"].toPython()):
                        problem = "wrong boolean"
            outcomes[test["name"]] = problem
    failures = {k: v for k, v in outcomes.items() if v not in (None, "n/a")}
    applicable = [k for k, v in outcomes.items() if v != "n/a"]
    print(
        "\nW3C SPARQL 1.1 Protocol (query-only subset): "
        f"{len(applicable) - len(failures)}/{len(applicable)} passed, "
        f"{len(outcomes) - len(applicable)} update tests not applicable ({NOT_APPLICABLE})"
    )
    for name, reason in sorted(failures.items()):
        print(f"  FAIL {name}: {reason}")
    assert not failures
