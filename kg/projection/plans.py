"""Named queries answered from the projection's tables by DuckDB, where the tables are current.

Oxigraph evaluates and sorts every row of a query before it applies ``LIMIT``, so the first page of a
listing of 500,000 deals costs what all of it costs (20–40 s at 100k organisations; README, Benchmarks). A
named query may carry a *plan*, ``queries/NAME.sql``: SQL over the tables :mod:`kg.projection.tables` keeps
beside the store (the build writes them from the records it validates), one view per table of
:class:`~kg.projection.tables.Tables` (``deals``, ``claims``, ``parties``, ``orgs``, ``links``,
``observations``, ``obs_claims``, ...; :mod:`kg.projection.duck`), with the named query's parameters as
``$name``. It returns the SPARQL's columns, rows and order, ties broken as :func:`kg.store.paging.paged`
breaks them (every projected column after the query's own keys; unbound values first when ascending, last
when descending, as SPARQL orders them), so its pages are the SPARQL's pages. DuckDB reads only the columns
a plan names and keeps only the top rows of a page while it sorts.

A plan runs only where its answer is the SPARQL's: on an embedded store whose generation holds all the
tables, each stamped with the store's fingerprint and the tables' format (:func:`current_tables`).
Anywhere else (a remote store, a plain store folder, tables of an older build) the SPARQL runs.
``tests/test_query_plans.py`` runs every plan against its SPARQL, whole and page by page, with each
parameter's default and other values, on the bundled data and on synthetic data.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kg.paths import QUERY_DIR
from kg.projection import duck, tables
from kg.store import EmbeddedStore, queries
from kg.store.paging import PagingError, check_page, paged

if TYPE_CHECKING:
    import pandas as pd

    from kg.store import Store

__all__ = ["ENGINES", "answer", "current_tables", "page", "plan", "run"]

ENGINES = ("auto", "sparql", "tables")


def plan(name: str, folder: Path = QUERY_DIR) -> str | None:
    """The SQL plan of the named query ``name`` (``queries/NAME.sql``), or None."""
    path = folder / f"{name}.sql"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def current_tables(store: Store) -> Path | None:
    """The folder of ``store``'s tables when every table there is stamped with the store's fingerprint and
    the tables' format (only the files' footers are read), else None."""
    folder = tables.cache_path(store)
    if folder is None:
        return None
    fingerprint = EmbeddedStore.fingerprint(store.path)  # type: ignore[attr-defined]
    return folder if tables.stamped(folder, fingerprint) else None


def run(store: Store, name: str, *, limit: int | None = None, offset: int = 0, engine: str = "auto",
        **params: object) -> pd.DataFrame:
    """The named query ``name`` on ``store`` as a DataFrame, as :func:`kg.store.queries.run` gives it.

    ``engine`` ``"auto"`` answers from the tables when the query has a plan and the tables are current, else
    runs the SPARQL; ``"sparql"`` always runs the SPARQL; ``"tables"`` requires the plan and current tables
    (:class:`~kg.store.queries.QueryError` otherwise).
    """
    if engine not in ENGINES:
        raise queries.QueryError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    sql = plan(name) if engine != "sparql" else None
    folder = current_tables(store) if sql is not None else None
    if folder is None:
        if engine == "tables":
            why = f"has no plan (queries/{name}.sql)" if sql is None else "cannot use the tables of this store"
            raise queries.QueryError(f"query '{name}' {why}; use the SPARQL engine (engine='sparql', --engine sparql)")
        return queries.run(store, name, limit=limit, offset=offset, **params)
    named = queries.get(name)
    if limit is None and offset:
        raise queries.QueryError(f"query '{name}': an offset needs a limit")
    if limit is not None:
        try:
            paged(named.text, limit, offset)  # refused as the SPARQL's page would be (no ORDER BY, ...)
            sql = page(sql, limit, offset)
        except PagingError as exc:
            raise queries.QueryError(f"query '{name}': {exc}") from None
    values = queries.bind(store, named, params)
    return answer(folder, sql, {p.name: values.get(p.name) for p in named.params})


def page(sql: str, limit: object, offset: object = 0) -> str:
    """``sql`` (a plan, ending in its ``ORDER BY``) cut to ``limit`` rows from ``offset``, both checked
    integers (:func:`kg.store.paging.check_page`; :class:`~kg.store.paging.PagingError` otherwise)."""
    limit, offset = check_page(limit, offset)
    return f"{sql.rstrip().rstrip(';')}\nLIMIT {limit} OFFSET {offset}"


def answer(folder: Path, sql: str, params: dict[str, object]) -> pd.DataFrame:
    """``sql`` run by DuckDB over the tables in ``folder`` with ``params``, typed as the SPARQL's frames."""
    return queries.to_dataframe(*duck.rows(folder, tables.TABLE_NAMES, sql, params))
