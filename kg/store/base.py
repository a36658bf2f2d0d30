"""aikg's store interface (:class:`Store`), its results and how parameters are bound; the stores are
:class:`kg.store.embedded.EmbeddedStore` (Oxigraph on disk) and :class:`kg.store.remote.RemoteStore`
(any SPARQL 1.1 endpoint).

Both implementations return the same :class:`QueryResult` for the same data and query (a test
proves it on a real Oxigraph server), so every caller works unchanged against a remote store.

Parameters are never pasted into query text as text: both stores bind them with a ``VALUES``
block opening the query's outermost WHERE group, each value written as a SPARQL term with every
character that could end a string or an IRI escaped (see :func:`sparql_term`). That gives the same
answers as SEP-0007 substitution for variables used in the query's patterns, FILTERs and
OPTIONALs (the supported use), and a bound variable must be in the SELECT projection (or
``SELECT *``), so a query that works on one store works on the other. The embedded store could
pass pyoxigraph ``substitutions`` instead, but pyoxigraph 0.5 plans the query as if a substituted
variable were unbound: an organisation's deals at 100k organisations took minutes that way
against a quarter of a second with the VALUES block, from which the planner starts.

pyoxigraph is used directly; oxrdflib is not used anywhere in aikg: rdflib's ``Graph.query``
silently falls back to rdflib's own slow engine (and rdflib's FROM/SERVICE fetching) when
oxrdflib raises ``NotImplementedError`` (prepared queries, ``initBindings``).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd

import pyoxigraph as ox

from kg.store.lexer import LexError, projection, tokenize, where_group_span

__all__ = [
    "QueryResult",
    "Store",
    "StoreError",
    "python_value",
    "sparql_term",
    "to_term",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_INTEGER_TYPES = {
    XSD + name
    for name in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
}  # fmt: skip
IRI_TYPE = "iri"  # column_types marker for IRIs (and blank nodes)

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Binding = Term | str | int | float | Decimal | bool | dt.date | dt.datetime


class StoreError(RuntimeError):
    """A query or transfer failed; ``status`` is the HTTP status for remote stores (else None)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


# --- results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    """The answer to a query, as Python values.

    * SELECT: ``variables`` and ``rows`` (tuples in variable order; None = unbound);
    * ASK: ``boolean``;
    * CONSTRUCT / DESCRIBE: ``triples`` (subject, predicate, object as Python values).

    ``column_types`` gives, per variable, the datatype IRI shared by all its bound literals, or
    ``"iri"`` for IRI/blank-node columns, or None (mixed or empty): enough to build typed
    DataFrames even for an empty or partly unbound column. ``term_rows`` keeps the pyoxigraph
    terms (language tags, exact lexical forms) for callers that need them. ``truncated`` is True
    when a remote endpoint cut the result at its row limit.
    """

    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Any, Any, Any]] = field(default_factory=list)
    column_types: dict[str, str | None] = field(default_factory=dict)
    term_rows: list[tuple[Any, ...]] = field(default_factory=list, repr=False)
    term_triples: list[ox.Triple] = field(default_factory=list, repr=False)
    truncated: bool = False


def python_value(term: Any) -> Any:
    """An RDF term as a Python value: IRIs as str, blank nodes as ``"_:id"``, typed literals as
    int / Decimal / float / bool / date / datetime when their lexical form is valid, else str."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return (python_value(term.subject), python_value(term.predicate), python_value(term.object))
    if not isinstance(term, ox.Literal):
        raise TypeError(f"not an RDF term: {term!r}")
    dtype, text = term.datatype.value, term.value
    try:
        if dtype in _INTEGER_TYPES:
            return int(text)
        if dtype == XSD + "decimal":
            return Decimal(text)
        if dtype in (XSD + "double", XSD + "float"):
            return float(text)
        if dtype == XSD + "boolean":
            if text in ("true", "1"):
                return True
            if text in ("false", "0"):
                return False
            return text
        if dtype == XSD + "date":
            return dt.date.fromisoformat(text[:10])  # a timezone on a date is dropped
        if dtype == XSD + "dateTime":
            return dt.datetime.fromisoformat(text)
    except (ValueError, InvalidOperation):
        return text  # an ill-typed literal keeps its text
    return text


def _column_type(terms: list[Any]) -> str | None:
    kinds = set()
    for term in terms:
        if term is None:
            continue
        if isinstance(term, ox.Literal):
            kinds.add(_RDF_LANG_STRING if term.language else term.datatype.value)
        elif isinstance(term, ox.NamedNode | ox.BlankNode):
            kinds.add(IRI_TYPE)
        else:
            kinds.add("triple")
    return kinds.pop() if len(kinds) == 1 else None


def _solutions_result(variables: list[str], term_rows: list[tuple[Any, ...]], truncated: bool) -> QueryResult:
    rows = [tuple(python_value(t) for t in row) for row in term_rows]
    types = {v: _column_type([row[i] for row in term_rows]) for i, v in enumerate(variables)}
    return QueryResult(variables, rows, column_types=types, term_rows=term_rows, truncated=truncated)


def _result_from(answer: Any, truncated: bool = False) -> QueryResult:
    """A QueryResult from a pyoxigraph query answer or parsed results."""
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(boolean=bool(answer), truncated=truncated)
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        term_rows = [tuple(sol[v] for v in variables) for sol in answer]
        return _solutions_result(variables, term_rows, truncated)
    triples = [t if isinstance(t, ox.Triple) else ox.Triple(t.subject, t.predicate, t.object) for t in answer]
    return QueryResult(
        triples=[tuple(python_value(x) for x in (t.subject, t.predicate, t.object)) for t in triples],
        term_triples=triples,
        truncated=truncated,
    )


# --- binding values -------------------------------------------------------------------------


def to_term(value: Binding) -> Term:
    """A Python value as an RDF term. ``str`` is a plain string literal: pass IRIs as
    ``pyoxigraph.NamedNode`` so that text can never be mistaken for an IRI."""
    if isinstance(value, ox.NamedNode | ox.BlankNode | ox.Literal):
        return value
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=ox.NamedNode(XSD + "boolean"))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(value, float):
        if math.isnan(value):
            text = "NaN"
        elif math.isinf(value):
            text = "INF" if value > 0 else "-INF"
        else:
            text = repr(value)
        return ox.Literal(text, datatype=ox.NamedNode(XSD + "double"))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("xsd:decimal has no NaN or infinity")
        text = format(value, "f")
        return ox.Literal(text if "." in text else text + ".0", datatype=ox.NamedNode(XSD + "decimal"))
    if isinstance(value, dt.datetime):  # before date: datetime is a date subclass
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "dateTime"))
    if isinstance(value, dt.date):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    if isinstance(value, str):
        return ox.Literal(value)
    raise TypeError(f"cannot bind a {type(value).__name__} value")


_IRI_FORBIDDEN = re.compile(r'[<>"{}|^`\\\x00-\x20]')
_LANG_RE = re.compile(r"[A-Za-z]+(-[A-Za-z0-9]+)*")
_BNODE_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def _sparql_iri(iri: str) -> str:
    if _IRI_FORBIDDEN.search(iri):
        raise ValueError(f"IRI contains a character IRIs may not hold: {iri!r}")
    return f"<{iri}>"


def _sparql_string(text: str) -> str:
    # ECHAR escapes for quote, backslash and line breaks; and a 'u'/'U' right after a backslash is
    # written as \U00000075/\U00000055, so that an endpoint that expands codepoint escapes before
    # parsing (as SPARQL 1.1 §19.2 says; rdflib does, greedily taking 8 hex digits after \u) reads
    # the same value as one that does not (Oxigraph)
    out = []
    after_backslash = False
    for ch in text:
        if after_backslash and ch in "uU":
            out.append("\\U00000075" if ch == "u" else "\\U00000055")
        else:
            out.append(_STRING_ESCAPES.get(ch, ch))
        after_backslash = ch == "\\"
    return '"' + "".join(out) + '"'


def sparql_term(value: Binding) -> str:
    """``value`` written as a SPARQL term that parses back to exactly that term and nothing more."""
    term = to_term(value)
    if isinstance(term, ox.NamedNode):
        return _sparql_iri(term.value)
    if isinstance(term, ox.BlankNode):
        raise ValueError("blank nodes cannot be bound in a query sent to another store")
    if term.language:
        if not _LANG_RE.fullmatch(term.language):
            raise ValueError(f"invalid language tag {term.language!r}")
        return f"{_sparql_string(term.value)}@{term.language}"
    if term.datatype.value == XSD + "string":
        return _sparql_string(term.value)
    return f"{_sparql_string(term.value)}^^{_sparql_iri(term.datatype.value)}"


def _check_projection(tokens: list, names: list[str]) -> None:
    projected = projection(tokens)
    if projected is None:
        return
    missing = [n for n in names if n not in projected]
    if missing:
        names_text = ", ".join("?" + n for n in missing)
        raise StoreError(f"bound variables must be in the SELECT projection: {names_text}")


_VAR_NAME = re.compile(r"[A-Za-z0-9_\u00B7\u00C0-\uFFFF]+")


def bind_with_values(sparql: str, bindings: Mapping[str, Binding]) -> str:
    """``sparql`` with a ``VALUES`` block for ``bindings`` opening its outermost WHERE group."""
    if not bindings:
        return sparql
    names = list(bindings)
    for name in names:
        if not _VAR_NAME.fullmatch(name):
            raise ValueError(f"not a SPARQL variable name: {name!r}")
    try:
        tokens = tokenize(sparql)
        open_i, close_i = where_group_span(tokens)
    except LexError as exc:
        raise StoreError(f"cannot bind parameters in this query: {exc}") from None
    _check_projection(tokens, names)
    values = (
        " VALUES (" + " ".join("?" + n for n in names) + ") { ("
        + " ".join(sparql_term(bindings[n]) for n in names) + ") } "
    )  # fmt: skip
    start, end = tokens[open_i].end, tokens[close_i].start
    inner = sparql[start:end]
    if open_i + 1 < close_i and tokens[open_i + 1].is_keyword("SELECT"):
        # a WHERE group that is a sub-select must stay one: wrap it
        return sparql[:start] + values + "{" + inner + "}" + sparql[end:]
    return sparql[:start] + values + inner + sparql[end:]


# --- the interface --------------------------------------------------------------------------


class Store(Protocol):
    """What aikg needs from a store."""

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Binding] | None = None,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult: ...

    def table(self, sparql: str) -> pd.DataFrame:
        """A SELECT's answer as text columns (IRIs and literal lexical forms, "" for unbound), from
        SPARQL CSV results: for bulk reads, where creating a Python object per term would dominate."""
        ...

    def triple_count(self) -> int: ...


_COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"


def _csv_table(body: bytes) -> pd.DataFrame:
    """SPARQL CSV results as a DataFrame of strings (pandas' C parser; empty cells are unbound)."""
    import pandas as pd  # only here: the endpoint's query workers import this module and stay light

    if not body.strip():
        return pd.DataFrame()
    return pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, na_values=[])
