"""DuckDB over the projection's Parquet files: one view per table, and a query's rows as Python values.

Kept apart from :mod:`kg.projection.plans` (which types the rows as pandas frames) so that the endpoint's
query workers, lean processes under an address-space cap, answer a plan with DuckDB alone: no pandas,
NumPy or pyarrow is imported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["rows"]


def rows(folder: Path, tables: Iterable[str], sql: str, params: Mapping[str, object],
         memory_mb: int | None = None) -> tuple[list[str], list[tuple]]:
    """(column names, rows) of ``sql`` run over the Parquet files ``folder/NAME.parquet`` of ``tables``,
    each a view of its name, with ``params`` as ``$name``; ``memory_mb`` caps DuckDB's memory (beyond it
    a query fails rather than taking the host's)."""
    import duckdb  # imported on first use: most processes never answer from the tables

    with duckdb.connect(config={"memory_limit": f"{memory_mb}MB"} if memory_mb else {}) as con:
        # SPARQL orders unbound values before any value, and reverses that order for DESC
        con.execute("SET default_null_order = 'nulls_first_on_asc_last_on_desc'")
        for name in tables:
            relation = con.read_parquet(str(folder / f"{name}.parquet"))
            # the tables hold days (datetime64[D], written as timestamps): dates, as SPARQL gives them
            columns = [f'CAST("{c}" AS DATE) AS "{c}"' if str(t).startswith("TIMESTAMP") else f'"{c}"'
                       for c, t in zip(relation.columns, relation.types, strict=True)]
            relation.project(", ".join(columns)).create_view(name)
        cursor = con.execute(sql, dict(params) or None)
        return [d[0] for d in cursor.description], cursor.fetchall()
