"""``aikg serve`` speaks the SPARQL 1.1 Protocol: request forms, content negotiation, dataset
parameters, protocol errors, service description, the HTML page and the explorer page."""

from __future__ import annotations

import csv
import io
import json
import urllib.parse

import pyoxigraph as ox
import pytest
import rdflib
from w3c.servers import endpoint, http

from kg.store import EmbeddedStore, RemoteStore

EX = "http://example.org/"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
_INT = "http://www.w3.org/2001/XMLSchema#integer"
DATA = "".join(
    f'<{EX}org{i}> <{EX}name> "Org {i}" .\n<{EX}org{i}> <{EX}size> "{i}"^^<{_INT}> .\n' for i in range(10)
)
DATA += f"<{EX}g1> <{EX}in> <{EX}graph1> <{EX}graph1> .\n<{EX}g2> <{EX}in> <{EX}graph2> <{EX}graph2> .\n"
SELECT = f"SELECT ?org ?size WHERE {{ ?org <{EX}size> ?size }} ORDER BY ?size"
NAMED_QUERIES = {
    "orgs": ("Organisations <script>alert('title')</script>", SELECT),
    "evil": ("Escapes & such", 'SELECT * WHERE { ?s ?p "</script><script>alert(1)</script>" }'),
}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    directory = tmp_path_factory.mktemp("protocol")
    (directory / "data.nq").write_text(DATA, encoding="utf-8")
    EmbeddedStore.build(directory / "store", [directory / "data.nq"], "p")
    return directory / "store"


@pytest.fixture(scope="module")
def server(store_path, tmp_path_factory):
    explorer = tmp_path_factory.mktemp("explorer") / "explorer.html"
    explorer.write_text("<html><body>graph explorer</body></html>", encoding="utf-8")
    with endpoint(store_path, named_queries=NAMED_QUERIES, explorer_path=explorer) as srv:
        yield srv


def _sparql(server, query: str, **params) -> str:
    return server.url + "/sparql?" + urllib.parse.urlencode({"query": query, **params}, doseq=True)


def _rows_json(body: bytes) -> list[tuple]:
    data = json.loads(body)
    return [
        tuple(b[v]["value"] if v in b else None for v in data["head"]["vars"])
        for b in data["results"]["bindings"]
    ]


EXPECTED = [(f"{EX}org{i}", str(i)) for i in range(10)]


def test_get_form_post_and_direct_post_agree(server) -> None:
    get = http(_sparql(server, SELECT))
    form = http(server.url + "/sparql", "POST", urllib.parse.urlencode({"query": SELECT}), FORM)
    direct = http(server.url + "/sparql", "POST", SELECT, {"Content-Type": "application/sparql-query"})
    for response in (get, form, direct):
        assert response.status == 200
        assert response.header("content-type") == "application/sparql-results+json"
        assert _rows_json(response.body) == EXPECTED
        assert response.header("x-aikg-rows") == "10" and response.header("x-aikg-truncated") is None


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("image/png", "application/sparql-results+json"),  # nothing acceptable: the default, labelled
        (None, "application/sparql-results+json"),
    ],
)
def test_result_formats_by_accept(server, accept, media) -> None:
    response = http(_sparql(server, SELECT), headers={"Accept": accept} if accept else {})
    assert response.status == 200
    assert response.header("content-type").split(";")[0] == media
    assert response.header("vary") == "Accept"
    if media == "text/csv":
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["org", "size"] and [tuple(r) for r in rows[1:]] == EXPECTED
        assert response.text.endswith("\r\n")
    else:
        fmt = {"application/sparql-results+xml": ox.QueryResultsFormat.XML,
               "text/tab-separated-values": ox.QueryResultsFormat.TSV,
               "application/sparql-results+json": ox.QueryResultsFormat.JSON}[media]  # fmt: skip
        parsed = ox.parse_query_results(response.body, fmt)
        assert [(s["org"].value, s["size"].value) for s in parsed] == EXPECTED


def test_format_parameter_overrides_accept(server) -> None:
    response = http(
        _sparql(server, SELECT, format="csv"), headers={"Accept": "application/sparql-results+xml"}
    )
    assert response.header("content-type").startswith("text/csv")


@pytest.mark.parametrize(
    ("accept", "media", "fmt"),
    [
        (None, "text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/sparql-results+json, text/turtle;q=0.9", "text/turtle", ox.RdfFormat.TURTLE),
    ],
)
def test_graph_formats(server, accept, media, fmt) -> None:
    query = f"PREFIX ex: <{EX}> CONSTRUCT {{ ?o ex:big true }} WHERE {{ ?o ex:size ?s FILTER(?s > 6) }}"
    response = http(_sparql(server, query), headers={"Accept": accept} if accept else {})
    assert response.status == 200 and response.header("content-type").split(";")[0] == media
    subjects = sorted(q.subject.value for q in ox.parse(response.body, fmt))
    assert subjects == [f"{EX}org7", f"{EX}org8", f"{EX}org9"]
    if fmt == ox.RdfFormat.TURTLE:
        assert "@prefix ex:" in response.text  # the query's prefixes shorten the output


def test_describe_and_ask(server) -> None:
    describe = http(_sparql(server, f"DESCRIBE <{EX}org3>"))
    assert describe.status == 200 and describe.header("content-type").startswith("text/turtle")
    assert len(list(ox.parse(describe.body, ox.RdfFormat.TURTLE))) == 2
    for accept, fmt in (
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        (None, ox.QueryResultsFormat.JSON),
    ):
        ask = http(
            _sparql(server, f"ASK {{ <{EX}org3> ?p ?o }}"), headers={"Accept": accept} if accept else {}
        )
        assert ask.status == 200 and bool(ox.parse_query_results(ask.body, fmt)) is True
    csv_ask = http(_sparql(server, "ASK {}"), headers={"Accept": "text/csv"})  # no CSV form for booleans
    assert csv_ask.header("content-type") == "application/sparql-results+json"


def test_dataset_parameters(server) -> None:
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    only1 = http(_sparql(server, query, **{"default-graph-uri": f"{EX}graph1"}))
    assert _rows_json(only1.body) == [(f"{EX}g1",)]
    both = http(_sparql(server, query, **{"default-graph-uri": [f"{EX}graph1", f"{EX}graph2"]}))
    assert sorted(_rows_json(both.body)) == [(f"{EX}g1",), (f"{EX}g2",)]
    named = http(
        _sparql(server, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": f"{EX}graph2"})
    )
    assert _rows_json(named.body) == [(f"{EX}graph2",)]
    from_clause = http(_sparql(server, f"SELECT ?s FROM <{EX}graph2> WHERE {{ ?s ?p ?o }}"))
    assert _rows_json(from_clause.body) == [(f"{EX}g2",)]


def test_relative_iris_resolve_against_the_endpoint(server) -> None:
    response = http(
        _sparql(server, "CONSTRUCT { <s> <p> 1 } WHERE {}"), headers={"Accept": "application/n-triples"}
    )
    assert response.status == 200
    assert response.text.startswith(f"<{server.url}/s> <{server.url}/p>")


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}, 400),
        ("POST", "/sparql", "ASK {}", {"Content-Type": "text/plain"}, 415),
        ("POST", "/sparql", "query=ASK%20%7B%7D", {}, 415),
        (
            "POST",
            "/sparql",
            "ASK {}".encode("utf-16"),
            {"Content-Type": "application/sparql-query; charset=UTF-16"},
            415,
        ),
        ("POST", "/sparql", b"ASK { \xff }", {"Content-Type": "application/sparql-query"}, 400),
        ("POST", "/sparql?query=ASK%7B%7D", "ASK {}", {"Content-Type": "application/sparql-query"}, 400),
        ("PUT", "/sparql?query=ASK%7B%7D", "x", {"Content-Type": "application/x-www-form-urlencoded"}, 405),
        ("DELETE", "/sparql", None, {}, 405),
        ("GET", "/sparql?query=ASK%20%7B", None, {}, 400),
        ("GET", "/sparql?query=%20", None, {}, 400),
        ("GET", "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri", None, {}, 400),
        ("GET", "/nowhere", None, {}, 404),
        ("POST", "/", "x", {"Content-Type": "text/plain"}, 404),
    ],
)
def test_protocol_errors(server, method, path, body, headers, status) -> None:
    response = http(server.url + path, method, body, headers)
    assert response.status == status
    assert response.header("content-type").startswith("text/plain")
    assert response.text.startswith("error: ")
    assert response.header("access-control-allow-origin") == "*"


def test_syntax_error_gives_a_position(server) -> None:
    response = http(_sparql(server, "SELECT * WHERE { ?s ?p }"))
    assert response.status == 400 and "line 1" in response.text


def test_service_description(server) -> None:
    response = http(server.url + "/sparql")
    assert response.status == 200 and response.header("content-type") == "text/turtle"
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert service is not None
    assert str(graph.value(service, SD.endpoint)) == server.url + "/sparql"
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert len(list(graph.objects(service, SD.resultFormat))) == 8
    names = {str(n) for n in graph.objects(None, SD.name)}
    assert names == {f"{EX}graph1", f"{EX}graph2"}
    jsonld = http(server.url + "/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.header("content-type") == "application/ld+json" and json.loads(jsonld.body)


def test_query_page_lists_named_queries_escaped(server) -> None:
    response = http(server.url + "/")
    assert response.status == 200 and response.header("content-type").startswith("text/html")
    page = response.text
    assert "<script>alert(" not in page and "</script><script>" not in page
    assert "Organisations &lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in page
    assert "\\u003c/script\\u003e" in page  # the query text, only inside the escaped JSON for the editor
    csp = response.header("content-security-policy")
    assert "script-src 'nonce-" in csp and "unsafe-inline" not in csp
    assert page.count("nonce=") == 2 and http(server.url + "/", "HEAD").body == b""


def test_explorer_page(server, store_path) -> None:
    response = http(server.url + "/explorer")
    assert response.status == 200 and "graph explorer" in response.text
    with endpoint(store_path, workers=1) as bare:
        assert http(bare.url + "/explorer").status == 404


def test_remote_store_through_the_endpoint_matches_embedded(server, store_path) -> None:
    remote, embedded = RemoteStore(server.url + "/sparql"), EmbeddedStore(store_path)
    for query in (SELECT, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", f"ASK {{ <{EX}org1> ?p ?o }}"):
        mine, theirs = embedded.query(query), remote.query(query)
        assert sorted(mine.rows) == sorted(theirs.rows) and mine.boolean == theirs.boolean
    bound = f"SELECT ?org ?size WHERE {{ ?org <{EX}size> ?size }}"
    assert (
        remote.query(bound, {"size": 4}).rows == embedded.query(bound, {"size": 4}).rows == [(f"{EX}org4", 4)]
    )
    assert remote.triple_count() == embedded.triple_count() == 22


def test_keep_alive_serves_several_requests_on_one_connection(server) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    try:
        for _ in range(3):
            conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"}))
            response = conn.getresponse()
            assert response.status == 200 and json.loads(response.read())["boolean"] is True
    finally:
        conn.close()


def test_named_queries_agree_embedded_and_over_http(tmp_path) -> None:
    """aikg's own query library, on the real data with default parameters: the embedded store and
    RemoteStore through ``aikg serve`` return the same rows."""
    import kg
    from kg.store import queries
    graph = kg.load(out=tmp_path / "out")
    library = queries.library()
    assert library
    with endpoint(tmp_path / "out" / "store", workers=2) as srv:
        remote = RemoteStore(srv.url + "/sparql")
        for name, named in library.items():
            params = named.bind({})
            mine, theirs = graph.store.query(named.text, params), remote.query(named.text, params)
            assert mine.variables == theirs.variables, name
            assert sorted(map(repr, mine.rows)) == sorted(map(repr, theirs.rows)), name
