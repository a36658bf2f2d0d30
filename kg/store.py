"""aikg's store interface: run SPARQL on the embedded Oxigraph store or on any SPARQL 1.1 endpoint.

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

import contextlib
import datetime as dt
import fcntl
import gzip
import io
import json
import math
import os
import re
import secrets
import shutil
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pandas as pd

import pyoxigraph as ox

from kg.endpoint.lexer import LexError, projection, tokenize, where_group_span

__all__ = [
    "EmbeddedStore",
    "QueryResult",
    "RemoteStore",
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


# --- embedded -------------------------------------------------------------------------------


_RDF_FORMATS = {
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".jsonld": ox.RdfFormat.JSON_LD,
}


def _rdf_format(path: Path) -> ox.RdfFormat:
    suffixes = path.suffixes
    suffix = suffixes[-2] if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1 else path.suffix
    try:
        return _RDF_FORMATS[suffix.lower()]
    except KeyError:
        raise ValueError(f"unknown RDF file type: {path.name}") from None


class EmbeddedStore:
    """The on-disk Oxigraph store at ``path``, opened read-only on first use.

    ``path`` made by :meth:`build` is a symlink to a *generation* directory beside it
    (``.NAME.generations/<id>``), with the input fingerprint in ``<id>.fingerprint``. A rebuild
    loads a new generation and swaps the symlink atomically (rename), so readers never see a
    half-built store and never read a directory that is being written (pyoxigraph: reading a
    store another process writes is undefined behaviour). Old generations are removed after the
    swap, except the previous one, which open readers may still use. A plain Oxigraph directory
    at ``path`` can be opened too.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._store: ox.Store | None = None
        self._target = ""
        self._lock = threading.Lock()

    # building

    @staticmethod
    def _generations(path: Path) -> Path:
        return path.parent / f".{path.name}.generations"

    @classmethod
    def build(
        cls, path: Path, ntriples_files: Sequence[Path], fingerprint: str, *, keep_generations: int = 2
    ) -> EmbeddedStore:
        """Load ``ntriples_files`` (N-Triples, N-Quads, Turtle, TriG, JSON-LD; optionally .gz) into a
        fresh store and make it the one at ``path``; record ``fingerprint`` for :meth:`is_current`."""
        path = Path(path)
        generations = cls._generations(path)
        generations.mkdir(parents=True, exist_ok=True)
        with open(generations / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time per store path
            name = time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4)
            target = generations / name
            try:
                store = ox.Store(str(target))
                for file in ntriples_files:
                    file = Path(file)
                    fmt, base = _rdf_format(file), file.resolve().as_uri()
                    if file.suffix == ".gz":
                        with gzip.open(file, "rb") as stream:
                            store.bulk_load(stream, fmt, base_iri=base)
                    else:
                        store.bulk_load(path=str(file), format=fmt, base_iri=base)
                store.flush()
                store.optimize()
                del store
                (generations / f"{name}.fingerprint").write_text(fingerprint, encoding="utf-8")
                cls._swap(path, target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                (generations / f"{name}.fingerprint").unlink(missing_ok=True)
                raise
            cls._prune(generations, Path(os.path.realpath(path)), keep_generations)
        return cls(path)

    @staticmethod
    def _swap(path: Path, target: Path) -> None:
        if path.exists() and not path.is_symlink():
            # a store from before generations: move it aside (the only non-atomic step, once)
            path.rename(target.parent / f"legacy-{secrets.token_hex(4)}")
        link = path.parent / f".{path.name}.link-{secrets.token_hex(4)}"
        os.symlink(os.path.relpath(target, path.parent), link)
        os.replace(link, path)

    @staticmethod
    def _prune(generations: Path, current: Path, keep: int) -> None:
        """Delete old generations: all but ``current`` and the ``keep - 1`` newest others."""
        others = [p for p in generations.iterdir() if p.is_dir() and p.resolve() != current]
        others.sort(key=lambda p: p.stat().st_mtime)
        for old in others[: max(0, len(others) - max(0, keep - 1))]:
            shutil.rmtree(old, ignore_errors=True)
            (generations / f"{old.name}.fingerprint").unlink(missing_ok=True)

    @classmethod
    def is_current(cls, path: Path, fingerprint: str) -> bool:
        """True if the store at ``path`` was built by :meth:`build` from data with ``fingerprint``."""
        path = Path(path)
        if not path.is_symlink() or not path.is_dir():
            return False
        target = Path(os.path.realpath(path))
        marker = target.parent / f"{target.name}.fingerprint"
        try:
            return marker.read_text(encoding="utf-8") == fingerprint
        except OSError:
            return False

    # querying

    @property
    def raw(self) -> ox.Store:
        """The pyoxigraph store (read-only), reopened if the path now points to a new generation."""
        target = os.path.realpath(self.path)
        with self._lock:
            if self._store is None or target != self._target:
                if not os.path.isdir(target):
                    raise StoreError(f"no store at {self.path}")
                self._store = ox.Store.read_only(target)
                self._target = target
            return self._store

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Binding] | None = None,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult:
        """Run ``sparql`` with ``bindings`` as a VALUES block (see the module docstring)."""
        kwargs: dict[str, Any] = {}
        sparql = bind_with_values(sparql, bindings or {})
        if default_graph_uris is not None or named_graph_uris is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graph_uris or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graph_uris or ()]
        try:
            # results are read here, on the calling thread: pyoxigraph aborts the process if a
            # result iterator is used from another thread (pyo3 "unsendable")
            return _result_from(self.raw.query(sparql, **kwargs))
        except SyntaxError as exc:
            raise StoreError(f"SPARQL syntax error: {exc}") from None

    def table(self, sparql: str) -> pd.DataFrame:
        try:
            body = self.raw.query(sparql).serialize(format=ox.QueryResultsFormat.CSV)
        except SyntaxError as exc:
            raise StoreError(f"SPARQL syntax error: {exc}") from None
        return _csv_table(body)

    def triple_count(self) -> int:
        """Number of triples in all graphs (quads)."""
        return len(self.raw)

    def close(self) -> None:
        self._store = None


# --- remote ---------------------------------------------------------------------------------

_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"


class RemoteStore:
    """A SPARQL 1.1 Protocol endpoint (Oxigraph, Fuseki, QLever, GraphDB, aikg serve, ...)."""

    def __init__(
        self, endpoint_url: str, *, timeout_s: float = 60.0, headers: Mapping[str, str] | None = None
    ) -> None:
        if urllib.parse.urlsplit(endpoint_url).scheme not in ("http", "https"):
            raise ValueError("the endpoint URL must be http(s)")
        self.endpoint_url = endpoint_url
        self.timeout_s = timeout_s
        self.headers = dict(headers or {})

    def _request(self, url: str, data: bytes | None, headers: dict[str, str], method: str):
        request = urllib.request.Request(url, data=data, headers={**self.headers, **headers}, method=method)
        try:
            return urllib.request.urlopen(request, timeout=self.timeout_s)  # scheme checked in __init__
        except urllib.error.HTTPError as exc:
            body = exc.read(2000).decode("utf-8", "replace").strip()
            raise StoreError(f"{url} answered {exc.code}: {body}", exc.code) from None
        except urllib.error.URLError as exc:
            raise StoreError(f"cannot reach {url}: {exc.reason}") from None

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Binding] | None = None,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult:
        """POST ``sparql`` (with ``bindings`` as a VALUES block) and parse the answer."""
        text = bind_with_values(sparql, bindings or {})
        params = [("default-graph-uri", g) for g in default_graph_uris or ()]
        params += [("named-graph-uri", g) for g in named_graph_uris or ()]
        url = self.endpoint_url + ("?" + urllib.parse.urlencode(params) if params else "")
        headers = {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": _ACCEPT}
        with self._request(url, text.encode("utf-8"), headers, "POST") as response:
            body = response.read()
            media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            truncated = response.headers.get("X-aikg-truncated", "").lower() == "true"
        if media in ("application/sparql-results+json", "application/json"):
            answer = ox.parse_query_results(body, ox.QueryResultsFormat.JSON)
            if not truncated and b"urn:aikg:truncated" in body[:4096]:
                truncated = "urn:aikg:truncated" in json.loads(body).get("head", {}).get("link", [])
        elif media == "application/sparql-results+xml":
            answer = ox.parse_query_results(body, ox.QueryResultsFormat.XML)
        elif media == "text/tab-separated-values":
            answer = ox.parse_query_results(body, ox.QueryResultsFormat.TSV)
        elif media in ("application/n-triples", "text/turtle", "text/plain"):
            fmt = ox.RdfFormat.TURTLE if media == "text/turtle" else ox.RdfFormat.N_TRIPLES
            answer = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, fmt)]
        else:
            raise StoreError(f"unexpected response type {media!r} from {self.endpoint_url}")
        return _result_from(answer, truncated)

    def table(self, sparql: str) -> pd.DataFrame:
        headers = {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": "text/csv"}
        with self._request(self.endpoint_url, sparql.encode("utf-8"), headers, "POST") as response:
            return _csv_table(response.read())

    def triple_count(self) -> int:
        """Number of triples in all graphs (quads)."""
        rows = self.query(_COUNT_ALL).rows
        return int(rows[0][0]) if rows else 0

    def push(self, endpoint_gsp_url: str, ntriples_path: Path, *, replace: bool = True) -> None:
        """Send an N-Triples file to the default graph through the Graph Store Protocol:
        PUT (replace the graph) or POST (add to it). The file is streamed, not read into memory."""
        path = Path(ntriples_path)
        if urllib.parse.urlsplit(endpoint_gsp_url).scheme not in ("http", "https"):
            raise ValueError("the Graph Store URL must be http(s)")
        url = endpoint_gsp_url
        if not urllib.parse.urlsplit(url).query:
            url += "?default"  # GSP: the default graph
        headers = {"Content-Type": "application/n-triples", "Content-Length": str(path.stat().st_size)}
        with (
            open(path, "rb") as stream,
            contextlib.closing(
                self._request(url, stream, headers, "PUT" if replace else "POST")  # type: ignore[arg-type]
            ) as response,
        ):
            response.read()


def _csv_table(body: bytes) -> pd.DataFrame:
    """SPARQL CSV results as a DataFrame of strings (pandas' C parser; empty cells are unbound)."""
    import pandas as pd  # only here: the endpoint's query workers import this module and stay light

    if not body.strip():
        return pd.DataFrame()
    return pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, na_values=[])

