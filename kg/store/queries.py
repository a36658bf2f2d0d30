"""The named-query library in ``queries/``: parsing headers, binding parameters safely, typed results.

Each ``queries/NAME.rq`` opens with a comment header::

    # title: Who invested in an organisation
    # description: Every investor in ORG with amounts, dates and status.
    # param: org: str = openai -- the investee's id

A parameter ``org`` is the SPARQL variable ``?org``; its value is bound by the store as a VALUES
block of escaped terms (see :mod:`kg.store.base`), never pasted into the query text as text. A type
ending in ``*`` (``# param: org: str* = openai``) also takes the value ``*``, which leaves the
variable unbound: the query then matches every value, and the planner still starts from the
organisation when one is named (a ``FILTER (?org = "*" || ...)`` keeps it from doing so).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyoxigraph as ox

from kg.paths import QUERY_DIR
from kg.rdf.formats import prologue, serialize
from kg.records import names
from kg.store.base import StoreError, python_value
from kg.store.paging import PagingError, paged
from kg.store.syntax import SparqlSyntaxError, parse_error

if TYPE_CHECKING:
    from kg.store.base import Store

_PARAM = re.compile(r"^#\s*param:\s*(\w+)\s*:\s*(\w+)(\*?)\s*(?:=\s*(\S+))?\s*(?:--\s*(.*))?$")
WILDCARD = "*"
_RESERVED = ("limit", "offset")  # the page of a result (run's keyword arguments), not query parameters
_TYPES = {"str": str, "org": str, "int": int, "float": float, "date": dt.date, "bool": bool}
# An ``org`` parameter takes an organisation's id, name or alias in any case (kg.records.names).
_PREFIXES = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
_ORG_ID = _PREFIXES + "SELECT ?id WHERE { ?o aikg:recordId ?id . ?o a aikg:Organisation }"
_ORG_NAMES = _PREFIXES + """SELECT ?name ?id WHERE { ?o a aikg:Organisation ; aikg:recordId ?id .
  { ?o rdfs:label ?name } UNION { ?o skos:altLabel ?name } UNION { ?o aikg:recordId ?name } }"""


class QueryError(ValueError):
    """A named query that does not exist, or a parameter with a wrong name or type."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: object
    description: str
    wildcard: bool = False  # the value "*" leaves the variable unbound (matches every value)

    def convert(self, value: object) -> object:
        """``value`` as this parameter's type; text from the command line is parsed."""
        target = _TYPES[self.type]
        if isinstance(value, target) and not (target is int and isinstance(value, bool)):
            return value
        if target is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, str):
            raise QueryError(f"parameter '{self.name}' must be {self.type}, got {type(value).__name__} {value!r}")
        try:
            if target is dt.date:
                return dt.date.fromisoformat(value)
            if target is bool:
                if value.lower() not in {"true", "false"}:
                    raise ValueError(value)
                return value.lower() == "true"
            return target(value)
        except ValueError:
            raise QueryError(f"parameter '{self.name}' must be {self.type}, got {value!r}") from None


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    path: Path
    tags: tuple[str, ...] = field(default=())

    def bind(self, values: dict[str, object]) -> dict[str, object]:
        """Check names and types of ``values`` and fill in defaults."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            names = ", ".join(known) or "none"
            raise QueryError(f"query '{self.name}' has no parameter {', '.join(unknown)} (parameters: {names})")
        bound = {}
        for p in self.params:
            value = values.get(p.name, p.default)
            if value is not None and not (p.wildcard and value == WILDCARD):
                bound[p.name] = p.convert(value)
        return bound


def parse_query_file(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    params: list[Param] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        if m := _PARAM.match(line):
            name, typ, star, default, desc = m.groups()
            if name in _RESERVED:
                raise QueryError(f"{path.name}: '{name}' is reserved for paging; name the parameter otherwise")
            if typ not in _TYPES:
                raise QueryError(f"{path.name}: parameter '{name}' has unknown type '{typ}'")
            p = Param(name, typ, None, desc or "", wildcard=bool(star))
            if default is not None and not (p.wildcard and default == WILDCARD):
                default = p.convert(default)
            params.append(dataclasses.replace(p, default=default))
        elif m := re.match(r"^#\s*(title|description|tags):\s*(.*)$", line):
            key = m.group(1)
            meta[key] = (meta.get(key, "") + " " + m.group(2)).strip()
    if "title" not in meta:
        raise QueryError(f"{path.name}: the header needs a '# title:' line")
    tags = tuple(t.strip() for t in meta.get("tags", "").split(",") if t.strip())
    return NamedQuery(path.stem, meta["title"], meta.get("description", ""), tuple(params), text, path, tags)


def library(folder: Path = QUERY_DIR) -> dict[str, NamedQuery]:
    """Every named query, by name."""
    return {q.name: q for q in map(parse_query_file, sorted(folder.glob("*.rq")))}


def get(name: str, folder: Path = QUERY_DIR) -> NamedQuery:
    path = folder / f"{name}.rq"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in folder.glob("*.rq")))
        raise QueryError(f"no named query '{name}' (known: {known})")
    return parse_query_file(path)


def run(store: Store, name: str, *, limit: int | None = None, offset: int = 0, **params: object) -> pd.DataFrame:
    """The named query ``queries/NAME.rq`` on ``store``, parameters bound safely, as a DataFrame.

    An ``org`` parameter may name the organisation by id, name or alias in any case; one that names
    none raises :class:`~kg.records.names.UnknownOrganisation` with the closest names. ``limit`` rows
    from ``offset`` give one page of the query's ordered result (:func:`kg.store.paging.paged`); pages
    are consecutive slices of the whole result.
    """
    named = get(name)
    text = named.text
    if limit is None and offset:
        raise QueryError(f"query '{name}': an offset needs a limit")
    if limit is not None:
        try:
            text = paged(text, limit, offset)
        except PagingError as exc:
            raise QueryError(f"query '{name}': {exc}") from None
    result = store.query(text, bind(store, named, params))
    return to_dataframe(result.variables, result.rows)


def bind(store: Store, named: NamedQuery, params: dict[str, object]) -> dict[str, object]:
    """``params`` checked and converted for ``named`` (defaults filled in), each ``org`` parameter
    resolved to an organisation id in ``store``: the bindings :func:`run` and the endpoint pass."""
    bound = named.bind(params)
    for p in named.params:
        if p.type == "org" and p.name in bound:
            bound[p.name] = resolve_org(store, str(bound[p.name]))
    return bound


def resolve_org(store: Store, org: str) -> str:
    """The id of the organisation ``org`` names in ``store`` (id first, then names and aliases)."""
    if store.query(_ORG_ID, {"id": org}).rows:
        return org
    rows = store.query(_ORG_NAMES).rows
    return names.lookup(((str(n), str(i)) for n, i in rows), org)


@dataclass(frozen=True)
class Triples:
    """The answer to a CONSTRUCT or DESCRIBE query."""

    triples: list[ox.Triple]

    def __len__(self) -> int:
        return len(self.triples)

    def serialize(self, fmt: str = "ttl") -> str:
        """The triples as Turtle (``ttl``), N-Triples (``nt``) or JSON-LD (``jsonld``), with aikg's prefixes."""
        return (serialize(self.triples, fmt) or b"").decode("utf-8")

    def frame(self) -> pd.DataFrame:
        """One row per triple: ``subject``, ``predicate``, ``object`` as Python values (see :func:`python_value`)."""
        rows = [tuple(python_value(x) for x in (t.subject, t.predicate, t.object)) for t in self.triples]
        return pd.DataFrame(rows, columns=["subject", "predicate", "object"])


def sparql(store: Store, text: str) -> pd.DataFrame | bool | Triples:
    """An ad-hoc query on ``store``: a SELECT's rows as a DataFrame with typed columns, an ASK's answer as a
    bool, a CONSTRUCT's or DESCRIBE's triples as :class:`Triples`.

    The ontology's prefixes (``aikg:``, ``code:``, ``id:``, ``rdfs:``, ``skos:``, ``schema:``, ...; see
    :mod:`kg.rdf.namespaces`) are declared before the text, so it needs no PREFIX lines for them; a
    syntax error is a :class:`~kg.store.syntax.SparqlSyntaxError` with its line and column in ``text``.
    """
    try:
        result = store.query(prologue() + text)
    except SparqlSyntaxError as exc:
        raise exc.without_first_lines(1) from None
    except StoreError as exc:  # a remote endpoint refused it: say where, in the user's lines, when we can tell
        found = parse_error(prologue() + text) if exc.status == 400 else None
        if found is None:
            raise
        raise found.without_first_lines(1) from None
    if result.boolean is not None:
        return result.boolean
    if result.term_triples or (not result.variables and not result.rows):
        return Triples(result.term_triples)
    return to_dataframe(result.variables, result.rows)


# Columns whose name says they hold numbers are floats even when no row has a value.
_NUMERIC_NAME = re.compile(r"(^|_)(usd|share|stake|amount|value|quantity|ratio)$")


def to_dataframe(variables: list[str], rows: list[tuple]) -> pd.DataFrame:
    """Rows of Python values → a DataFrame with numbers as numbers (NaN where unbound) and dates as
    datetimes; a column whose name says it is a figure is float, also when no row has a value."""
    frame = pd.DataFrame.from_records(rows, columns=variables)
    for col in frame.columns:
        values = [v for v in frame[col] if v is not None]
        if not values:
            if _NUMERIC_NAME.search(str(col)):
                frame[col] = frame[col].astype(float)
            continue
        if all(isinstance(v, Decimal | float | int) and not isinstance(v, bool) for v in values):
            figure = _NUMERIC_NAME.search(str(col))  # float on every page, even one whose sums are whole
            if not figure and all(isinstance(v, int) for v in values) and len(values) == len(frame):
                frame[col] = frame[col].astype("int64")
            else:
                frame[col] = pd.to_numeric(frame[col].map(lambda v: None if v is None else float(v)))
        elif all(isinstance(v, dt.date) for v in values):
            frame[col] = pd.to_datetime(frame[col])
    return frame
