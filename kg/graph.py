"""``kg.load()`` and the object it returns: a thin facade over the stage modules.

Each method delegates to one module (build, validate, queries, stats, projection, analytics,
views); the CLI commands are thin layers over these methods with the same names and options.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kg import build as build_stage
from kg import queries
from kg import stats as stats_stage
from kg import validate as validate_stage
from kg.paths import DEFAULT_DATA, DEFAULT_OUT
from kg.store import EmbeddedStore, RemoteStore, Store


@dataclass
class KnowledgeGraph:
    """The built graph: its data folder, output folder and the store queries run against."""

    data: Path
    out: Path
    store: Store
    endpoint: str | None = None

    # -- building and checking -------------------------------------------------------------
    def build(self, **options: object) -> build_stage.BuildResult:
        result = build_stage.build(self.data, self.out, **options)  # type: ignore[arg-type]
        if self.endpoint is None:
            self.store = EmbeddedStore(self.out / build_stage.STORE_DIR)
        return result

    def validate(self) -> validate_stage.ValidationReport:
        return validate_stage.validate(self.data)

    def stats(self) -> dict[str, pd.DataFrame]:
        return stats_stage.stats(self.query)

    # -- SPARQL ----------------------------------------------------------------------------
    def query(self, name: str, **params: object) -> pd.DataFrame:
        """Run the named query ``queries/NAME.rq`` with parameters bound safely."""
        named = queries.get(name)
        result = self.store.query(named.text, named.bind(params))
        return queries.to_dataframe(result.variables, result.rows)

    def sparql(self, text: str) -> pd.DataFrame:
        """Run an ad-hoc SELECT query; returns a DataFrame with typed columns."""
        result = self.store.query(text)
        return queries.to_dataframe(result.variables, result.rows)


def load(data: Path | str | None = None, out: Path | str | None = None, *, endpoint: str | None = None,
         rebuild: bool = False, progress: build_stage.Progress | None = None) -> KnowledgeGraph:
    """Open the knowledge graph, building ``data`` into ``out`` first when the data changed.

    With ``endpoint``, every query runs against that SPARQL 1.1 Protocol endpoint instead of the
    embedded store (nothing is built).
    """
    data_dir = Path(data) if data is not None else DEFAULT_DATA
    out_dir = Path(out) if out is not None else DEFAULT_OUT
    if endpoint is not None:
        return KnowledgeGraph(data_dir, out_dir, RemoteStore(endpoint), endpoint)
    if rebuild or not build_stage.is_current(data_dir, out_dir):
        build_stage.build(data_dir, out_dir, progress=progress)
    return KnowledgeGraph(data_dir, out_dir, EmbeddedStore(out_dir / build_stage.STORE_DIR))
