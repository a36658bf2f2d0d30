"""Named queries over HTTP: ``GET /queries/NAME?param=value`` runs ``queries/NAME.rq`` with its
parameters bound exactly as ``aikg query NAME -p param=value`` binds them.

The values are checked and converted by the query's header (:meth:`kg.store.queries.NamedQuery.bind`),
an ``org`` parameter is resolved to an organisation id by the library's own look-up
(:func:`kg.store.queries.bind`, through the query workers), and the result is written into the query
as a ``VALUES`` block of escaped terms (:func:`kg.store.base.bind_with_values`): a value is never
pasted into the query text as text. ``format`` (as on ``/sparql``) is not a parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path

import pyoxigraph as ox

from kg.projection import plans
from kg.store import EmbeddedStore, queries
from kg.store.base import Binding, QueryResult, StoreError, _result_from, bind_with_values
from kg.store.queries import NamedQuery

__all__ = ["RESERVED", "NamedEntry", "WorkerStore", "as_named", "bound_query", "bound_values", "gallery", "table_plan"]

RESERVED = frozenset({"format", "output", "limit", "offset"})  # protocol options, never query parameters

NamedEntry = NamedQuery | tuple[str, str]


def as_named(name: str, entry: NamedEntry) -> NamedQuery:
    """A configured named query; a plain ``(title, text)`` pair is one without parameters."""
    if isinstance(entry, NamedQuery):
        return entry
    title, text = entry
    return NamedQuery(name, title, "", (), text, Path(f"{name}.rq"))


def gallery(named_queries: Mapping[str, NamedEntry]) -> list[dict]:
    """The named queries as the query page's gallery shows them, by title: name, title, description,
    tags, parameters (name, type, default, description, whether ``*`` is allowed) and the text."""
    cards = []
    for name, entry in named_queries.items():
        named = as_named(name, entry)
        params = []
        for p in named.params:
            fields = asdict(p)
            fields["default"] = p.default.isoformat() if isinstance(p.default, date) else p.default
            params.append(fields)
        cards.append(
            {
                "name": name,
                "title": named.title,
                "description": named.description,
                "tags": list(named.tags),
                "params": params,
                "text": named.text,
            }
        )
    return sorted(cards, key=lambda card: card["title"].casefold())


class WorkerStore:
    """Just enough of :class:`kg.store.base.Store` for :func:`kg.store.queries.bind` to look up
    organisations: ``run`` sends a query text to the workers and returns SPARQL JSON results."""

    def __init__(self, run: Callable[[str], bytes]) -> None:
        self._run = run

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Binding] | None = None,
        *,
        default_graph_uris: Sequence[str] | None = None,
        named_graph_uris: Sequence[str] | None = None,
    ) -> QueryResult:
        body = self._run(bind_with_values(sparql, bindings or {}))
        return _result_from(ox.parse_query_results(body, ox.QueryResultsFormat.JSON))


def bound_values(named: NamedQuery, params: Mapping[str, list[str]], store: WorkerStore) -> dict[str, object]:
    """The request's ``params`` checked and converted for ``named`` (defaults filled in, an ``org``
    resolved through ``store``).

    Raises :class:`~kg.store.queries.QueryError` (unknown parameter, wrong type, a parameter given
    twice), :class:`~kg.records.names.UnknownOrganisation` or :class:`~kg.store.base.StoreError`.
    """
    values: dict[str, object] = {}
    for key, given in params.items():
        if key in RESERVED:
            continue
        if len(given) != 1:
            raise queries.QueryError(f"give parameter '{key}' once")
        values[key] = given[0]
    return queries.bind(store, named, values)  # type: ignore[arg-type]


def bound_query(named: NamedQuery, bound: dict[str, object]) -> str:
    """``named``'s text with ``bound`` (:func:`bound_values`) as a VALUES block; a value no SPARQL term can
    carry (an IRI with a space, ...) is a :class:`~kg.store.base.StoreError` (400)."""
    try:
        return bind_with_values(named.text, bound)  # type: ignore[arg-type]
    except ValueError as exc:
        raise StoreError(str(exc), 400) from None


def table_plan(named: NamedQuery, store_path: Path) -> tuple[Path, str] | None:
    """(the tables' folder, the plan) when ``named`` is the library's query of its name, has a plan and the
    store at ``store_path`` has current tables (:mod:`kg.projection.plans`), else None."""
    sql = plans.plan(named.name)
    if sql is None or named.text != queries.get(named.name).text:  # a configured query of the same name
        return None
    folder = plans.current_tables(EmbeddedStore(store_path))
    return None if folder is None else (folder, sql)
