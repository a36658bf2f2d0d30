"""kg.store.base: building the embedded store, typed results, safe parameter binding, and the same
answers from the embedded store and from a real Oxigraph server over the SPARQL protocol."""

from __future__ import annotations

import datetime as dt
import gzip
import os
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Literal, Variable
from rdflib.plugins.sparql.algebra import translateQuery, traverse
from rdflib.plugins.sparql.parser import parseQuery
from w3c.servers import oxigraph_server

from kg.store import EmbeddedStore, QueryResult, RemoteStore, StoreError
from kg.store.base import bind_with_values, sparql_term

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"

DATA = f"""
<{EX}openai> <{EX}name> "OpenAI" .
<{EX}openai> <{EX}label> "OpenAI"@en .
<{EX}openai> <{EX}founded> "2015-12-11"^^<{XSD}date> .
<{EX}openai> <{EX}employees> "3000"^^<{XSD}integer> .
<{EX}openai> <{EX}public> "false"^^<{XSD}boolean> .
<{EX}anthropic> <{EX}name> "Anthropic" .
<{EX}anthropic> <{EX}founded> "2021-01-01"^^<{XSD}date> .
<{EX}anthropic> <{EX}employees> "1500"^^<{XSD}integer> .
<{EX}deal1> <{EX}investor> <{EX}microsoft> .
<{EX}deal1> <{EX}investee> <{EX}openai> .
<{EX}deal1> <{EX}amount> "13000000000.5"^^<{XSD}decimal> .
<{EX}deal1> <{EX}share> "0.49"^^<{XSD}double> .
<{EX}deal1> <{EX}announced> "2023-01-23T10:00:00Z"^^<{XSD}dateTime> .
<{EX}deal2> <{EX}investor> <{EX}amazon> .
<{EX}deal2> <{EX}investee> <{EX}anthropic> .
<{EX}deal2> <{EX}amount> "8000000000"^^<{XSD}decimal> .
<{EX}deal2> <{EX}announced> "2024-03-27T00:00:00"^^<{XSD}dateTime> .
<{EX}microsoft> <{EX}name> "Microsoft" .
<{EX}amazon> <{EX}name> "Amazon \\"AWS\\" \\\\ Inc." .
<{EX}odd> <{EX}employees> "many"^^<{XSD}integer> .
"""
N_TRIPLES = DATA.count(" .\n")

QUERIES = [
    f"SELECT ?org ?name WHERE {{ ?org <{EX}name> ?name }} ORDER BY ?name",
    f"SELECT ?deal ?amount ?share ?when WHERE {{ ?deal <{EX}amount> ?amount "
    f"OPTIONAL {{ ?deal <{EX}share> ?share }} OPTIONAL {{ ?deal <{EX}announced> ?when }} }} ORDER BY ?deal",
    f"SELECT ?org (COUNT(?deal) AS ?deals) (SUM(?a) AS ?total) WHERE {{ ?deal <{EX}investee> ?org ; "
    f"<{EX}amount> ?a }} GROUP BY ?org ORDER BY ?org",
    f"SELECT ?org ?founded ?n ?public WHERE {{ ?org <{EX}founded> ?founded ; <{EX}employees> ?n "
    f"OPTIONAL {{ ?org <{EX}public> ?public }} }} ORDER BY ?org",
    f"SELECT ?s ?label WHERE {{ ?s <{EX}label> ?label }}",
    f"SELECT ?s ?n WHERE {{ ?s <{EX}employees> ?n }} ORDER BY ?s",
]


@pytest.fixture(scope="module")
def data_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("data") / "data.nt"
    path.write_text(DATA, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def embedded(tmp_path_factory, data_file) -> EmbeddedStore:
    return EmbeddedStore.build(tmp_path_factory.mktemp("store") / "store", [data_file], "fp-1")


@pytest.fixture(scope="module")
def remote(tmp_path_factory, data_file):
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as base:
        store = RemoteStore(base + "/query")
        store.push(base + "/store", data_file)
        yield store, base


# --- building -------------------------------------------------------------------------------


def test_build_records_fingerprint_and_swaps_atomically(tmp_path, data_file) -> None:
    path = tmp_path / "store"
    assert not EmbeddedStore.is_current(path, "a")
    first = EmbeddedStore.build(path, [data_file], "a")
    assert (
        path.is_symlink() and EmbeddedStore.is_current(path, "a") and not EmbeddedStore.is_current(path, "b")
    )
    assert first.triple_count() == N_TRIPLES
    old_target = os.path.realpath(path)
    reader = EmbeddedStore(path)
    assert reader.triple_count() == N_TRIPLES

    more = tmp_path / "more.nt"
    more.write_text(f'<{EX}x> <{EX}name> "X" .\n', encoding="utf-8")
    EmbeddedStore.build(path, [data_file, more], "b")
    assert EmbeddedStore.is_current(path, "b") and not EmbeddedStore.is_current(path, "a")
    assert os.path.realpath(path) != old_target
    assert os.path.isdir(old_target)  # the previous generation stays for open readers
    assert reader.triple_count() == N_TRIPLES + 1  # the reader follows the new generation

    EmbeddedStore.build(path, [data_file], "c")
    generations = [p for p in (tmp_path / ".store.generations").iterdir() if p.is_dir()]
    assert len(generations) == 2 and not os.path.isdir(old_target)  # older ones are pruned


def test_failed_build_leaves_the_current_store(tmp_path, data_file) -> None:
    path = tmp_path / "store"
    EmbeddedStore.build(path, [data_file], "good")
    target = os.path.realpath(path)
    broken = tmp_path / "broken.ttl"
    broken.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(SyntaxError):
        EmbeddedStore.build(path, [data_file, broken], "bad")
    assert os.path.realpath(path) == target and EmbeddedStore.is_current(path, "good")
    assert len([p for p in (tmp_path / ".store.generations").iterdir() if p.is_dir()]) == 1


def test_build_reads_turtle_nquads_and_gzip(tmp_path) -> None:
    ttl = tmp_path / "a.ttl"
    ttl.write_text(f"@prefix ex: <{EX}> . ex:a ex:p 1, 2 .", encoding="utf-8")
    nq = tmp_path / "b.nq.gz"
    with gzip.open(nq, "wt", encoding="utf-8") as out:
        out.write(f'<{EX}b> <{EX}p> "3" <{EX}graph> .\n')
    store = EmbeddedStore.build(tmp_path / "store", [ttl, nq], "x")
    assert store.triple_count() == 3
    assert store.query(f"SELECT ?s WHERE {{ GRAPH <{EX}graph> {{ ?s ?p ?o }} }}").rows == [(EX + "b",)]


def test_build_replaces_a_plain_store_directory(tmp_path, data_file) -> None:
    plain = ox.Store(str(tmp_path / "store"))
    plain.add(ox.Quad(ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.Literal("old")))
    del plain
    assert EmbeddedStore(tmp_path / "store").triple_count() == 1  # a plain directory can be read
    EmbeddedStore.build(tmp_path / "store", [data_file], "new")
    assert EmbeddedStore.is_current(tmp_path / "store", "new")
    assert EmbeddedStore(tmp_path / "store").triple_count() == N_TRIPLES


# --- results --------------------------------------------------------------------------------


def test_python_values_and_column_types(embedded) -> None:
    result = embedded.query(QUERIES[1])
    assert result.variables == ["deal", "amount", "share", "when"]
    assert result.rows == [
        (EX + "deal1", Decimal("13000000000.5"), 0.49, dt.datetime(2023, 1, 23, 10, tzinfo=dt.UTC)),
        (EX + "deal2", Decimal("8000000000"), None, dt.datetime(2024, 3, 27)),
    ]
    assert result.column_types == {
        "deal": "iri",
        "amount": XSD + "decimal",
        "share": XSD + "double",
        "when": XSD + "dateTime",
    }
    rows = embedded.query(QUERIES[3]).rows
    assert rows[0] == (EX + "anthropic", dt.date(2021, 1, 1), 1500, None)
    assert rows[1] == (EX + "openai", dt.date(2015, 12, 11), 3000, False)
    # an ill-typed literal keeps its text; a language tag stays in term_rows
    assert (EX + "odd", "many") in embedded.query(QUERIES[5]).rows
    labels = embedded.query(QUERIES[4])
    assert labels.rows == [(EX + "openai", "OpenAI")] and labels.term_rows[0][1].language == "en"


def test_queries_from_many_threads(embedded) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: embedded.query(QUERIES[0]).rows, range(32)))
    assert all(rows == answers[0] and len(rows) == 4 for rows in answers)


def test_ask_and_construct(embedded) -> None:
    assert embedded.query(f'ASK {{ ?s <{EX}name> "OpenAI" }}').boolean is True
    graph = embedded.query(
        f"CONSTRUCT {{ ?o <{EX}fundedBy> ?i }} WHERE {{ ?d <{EX}investor> ?i ; <{EX}investee> ?o }}"
    )
    assert sorted(graph.triples) == [
        (EX + "anthropic", EX + "fundedBy", EX + "amazon"),
        (EX + "openai", EX + "fundedBy", EX + "microsoft"),
    ]


# --- binding --------------------------------------------------------------------------------

_ORG, _DEAL = ox.NamedNode(EX + "openai"), EX + "deal"
_AMAZON = 'Amazon "AWS" \\ Inc.'
BOUND = [
    (f"SELECT ?org ?name WHERE {{ ?org <{EX}name> ?name }}", {"name": "Anthropic"},
     [(EX + "anthropic", "Anthropic")]),
    (f"SELECT ?org ?n WHERE {{ ?org <{EX}employees> ?n }}", {"n": 3000}, [(EX + "openai", 3000)]),
    (f"SELECT ?org ?d WHERE {{ ?org <{EX}founded> ?d }}", {"d": dt.date(2021, 1, 1)},
     [(EX + "anthropic", dt.date(2021, 1, 1))]),
    (f"SELECT ?org ?p WHERE {{ ?org <{EX}public> ?p }}", {"p": False}, [(EX + "openai", False)]),
    (f"SELECT ?deal ?a WHERE {{ ?deal <{EX}amount> ?a }}", {"a": Decimal("8000000000")},
     [(_DEAL + "2", Decimal("8000000000"))]),
    (f"SELECT ?deal ?s WHERE {{ ?deal <{EX}share> ?s }}", {"s": 0.49}, [(_DEAL + "1", 0.49)]),
    (f"SELECT ?deal ?org WHERE {{ ?deal <{EX}investee> ?org }}", {"org": _ORG},
     [(_DEAL + "1", EX + "openai")]),
    # a bound variable used in a FILTER (the value is visible before evaluation on both stores)
    (f"SELECT ?org ?since WHERE {{ ?org <{EX}founded> ?f FILTER(?f >= ?since) }}",
     {"since": dt.date(2020, 1, 1)}, [(EX + "anthropic", dt.date(2020, 1, 1))]),
    # in an OPTIONAL the value is fixed even where the OPTIONAL finds nothing (SEP-0007 semantics)
    (f"SELECT ?org ?name WHERE {{ ?org <{EX}employees> ?n OPTIONAL {{ ?org <{EX}name> ?name }} }}",
     {"name": "OpenAI"}, [(EX + "anthropic", "OpenAI"), (EX + "odd", "OpenAI"), (EX + "openai", "OpenAI")]),
    # an aggregate's group key, a sub-select
    (f"SELECT ?org (COUNT(*) AS ?c) WHERE {{ ?d <{EX}investee> ?org }} GROUP BY ?org", {"org": _ORG},
     [(EX + "openai", 1)]),
    (f"SELECT ?org ?name WHERE {{ SELECT ?org ?name WHERE {{ ?org <{EX}name> ?name }} }}",
     {"name": "Microsoft"}, [(EX + "microsoft", "Microsoft")]),
    (f"SELECT ?org ?name WHERE {{ ?org <{EX}name> ?name }}", {"name": _AMAZON}, [(EX + "amazon", _AMAZON)]),
]  # fmt: skip


@pytest.mark.parametrize(("query", "bindings", "rows"), BOUND)
def test_bindings_embedded_and_remote(embedded, remote, query, bindings, rows) -> None:
    assert sorted(embedded.query(query, bindings).rows) == rows
    assert sorted(remote[0].query(query, bindings).rows) == rows


MALICIOUS = [
    'x" } } DELETE WHERE { ?s ?p ?o } #',
    'OpenAI" || true || "',
    'Anthropic"@en . } UNION { ?org ?p ?name } #',
    "\\u0022) } UNION { ?org ?p ?name } #",
    '\\" } UNION { ?org ?p ?name } #',
    "x'''\"\"\" } #\n} UNION { ?org ?p ?name }",
    "\r\n} UNION { ?org ?p ?name }",
]


@pytest.mark.parametrize("value", MALICIOUS)
def test_a_malicious_value_cannot_change_the_query(embedded, remote, value) -> None:
    query = f"SELECT ?org ?name WHERE {{ ?org <{EX}name> ?name FILTER(STRLEN(?name) > 0) }}"
    assert embedded.query(query, {"name": value}).rows == []
    assert remote[0].query(query, {"name": value}).rows == []
    assert remote[0].triple_count() == N_TRIPLES
    text = bind_with_values(query, {"name": value})
    assert text.count("UNION") == query.count("UNION") or "UNION" in value  # only inside the literal
    # a real parser reads one VALUES block with one value: the string given
    assert _rdflib_values(text) == [{Variable("name"): Literal(value)}]


def test_bound_variables_must_be_projected(embedded, remote) -> None:
    query = f"SELECT ?org WHERE {{ ?org <{EX}name> ?name }}"
    with pytest.raises(StoreError, match="projection"):
        embedded.query(query, {"name": "OpenAI"})
    with pytest.raises(StoreError, match="projection"):
        remote[0].query(query, {"name": "OpenAI"})


def test_values_placement() -> None:
    assert bind_with_values("SELECT ?a WHERE { ?a ?b ?c }", {"a": 1}) == (
        'SELECT ?a WHERE { VALUES (?a) { ("1"^^<http://www.w3.org/2001/XMLSchema#integer>) }  ?a ?b ?c }'
    )
    construct = bind_with_values("CONSTRUCT { ?a <p> ?c } WHERE { ?a ?b ?c }", {"c": "x"})
    assert construct == 'CONSTRUCT { ?a <p> ?c } WHERE { VALUES (?c) { ("x") }  ?a ?b ?c }'
    sub = bind_with_values("SELECT * { SELECT ?a WHERE { ?a ?b ?c } }", {"a": "x"})
    assert sub == 'SELECT * { VALUES (?a) { ("x") } { SELECT ?a WHERE { ?a ?b ?c } }}'
    with pytest.raises(ValueError):
        bind_with_values("SELECT ?a WHERE { ?a ?b ?c }", {"a b": 1})
    with pytest.raises(ValueError):
        sparql_term(ox.NamedNode("http://x/> } ; DROP ALL #"))


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_any_string_round_trips_through_sparql_term(text) -> None:
    """The written term parses back to exactly the value: in Oxigraph (escapes in strings only)
    and in rdflib (codepoint escapes expanded before parsing, as SPARQL 1.1 §19.2 says)."""
    query = f"SELECT ?x WHERE {{ VALUES ?x {{ {sparql_term(text)} }} }}"
    (solution,) = list(ox.Store().query(query))
    assert solution["x"].value == text
    assert _rdflib_values(query) == [{Variable("x"): Literal(text)}]


def _rdflib_values(text: str) -> list[dict]:
    """The VALUES rows rdflib's parser reads from ``text``."""
    found: list[dict] = []

    def visit(node):
        if getattr(node, "name", None) == "values":
            found.extend(node["res"])

    traverse(translateQuery(parseQuery(text)).algebra, visitPre=visit)
    return found


# --- embedded and remote agree --------------------------------------------------------------


@pytest.mark.parametrize("query", QUERIES)
def test_embedded_and_remote_return_identical_rows(embedded, remote, query) -> None:
    mine, theirs = embedded.query(query), remote[0].query(query)
    assert isinstance(theirs, QueryResult)
    assert mine.variables == theirs.variables
    assert mine.rows == theirs.rows
    assert mine.column_types == theirs.column_types


def test_embedded_and_remote_agree_on_ask_construct_and_count(embedded, remote) -> None:
    ask = f"ASK {{ ?d <{EX}investee> <{EX}openai> }}"
    assert embedded.query(ask).boolean is remote[0].query(ask).boolean is True
    construct = f"CONSTRUCT {{ ?o <{EX}fundedBy> ?i }} WHERE {{ ?d <{EX}investor> ?i ; <{EX}investee> ?o }}"
    assert sorted(embedded.query(construct).triples) == sorted(remote[0].query(construct).triples)
    assert embedded.triple_count() == remote[0].triple_count() == N_TRIPLES


def test_push_replaces_or_adds(tmp_path, data_file) -> None:
    extra = tmp_path / "extra.nt"
    extra.write_text(f'<{EX}x> <{EX}name> "X" .\n', encoding="utf-8")
    with oxigraph_server(tmp_path / "ox") as base:
        store = RemoteStore(base + "/query")
        store.push(base + "/store", data_file)
        store.push(base + "/store", extra, replace=False)
        assert store.triple_count() == N_TRIPLES + 1
        store.push(base + "/store", extra)
        assert store.triple_count() == 1


def test_remote_errors_are_store_errors(remote) -> None:
    with pytest.raises(StoreError) as info:
        remote[0].query("SELECT * WHERE { ?s ")
    assert info.value.status == 400
    with pytest.raises(ValueError):
        RemoteStore("file:///etc/passwd")
