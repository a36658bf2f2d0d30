"""``kg.load()`` and the object it returns: a thin facade over the stage modules.

Each method delegates to one module (build, validate, queries, stats, projection, analytics,
views); the CLI commands are thin layers over these methods with the same names and options.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from kg import build as build_stage
from kg import validate as validate_stage
from kg.ingest import api as ingest
from kg.metrics import centrality as centrality_stage
from kg.metrics import circularity, exposure, sizes
from kg.metrics import concentration as concentration_stage
from kg.metrics import stress as stress_stage
from kg.paths import DEFAULT_DATA, DEFAULT_OUT
from kg.projection import tables as projection_tables
from kg.projection.aggregate import consolidate, money_flows
from kg.projection.legs import Ranges, Settings, deal_legs
from kg.records import names
from kg.records.vocab import Status
from kg.store import EmbeddedStore, RemoteStore, Store, queries
from kg.store import stats as stats_stage


@dataclass
class KnowledgeGraph:
    """The built graph: its data folder, output folder and the store queries run against."""

    data: Path
    out: Path
    store: Store
    endpoint: str | None = None
    _legs: dict[tuple[Settings, bool], nx.MultiDiGraph] = field(default_factory=dict, repr=False)
    _tables: tuple[str | None, projection_tables.Tables] | None = field(default=None, repr=False)

    # -- building and checking -------------------------------------------------------------
    def build(self, **options: object) -> build_stage.BuildResult:
        result = build_stage.build(self.data, self.out, **options)  # type: ignore[arg-type]
        if self.endpoint is None:
            self.store = EmbeddedStore(self.out / build_stage.STORE_DIR)
        self._legs.clear()
        self._tables = None
        return result

    def validate(self) -> validate_stage.ValidationReport:
        return validate_stage.validate(self.data)

    def stats(self) -> dict[str, pd.DataFrame]:
        return stats_stage.stats(self.query)

    # -- SPARQL ----------------------------------------------------------------------------
    def query(self, name: str, *, limit: int | None = None, offset: int = 0, **params: object) -> pd.DataFrame:
        """Run the named query ``queries/NAME.rq`` with parameters bound safely; ``limit``/``offset`` give one
        page of its ordered rows."""
        return queries.run(self.store, name, limit=limit, offset=offset, **params)

    def sparql(self, text: str) -> pd.DataFrame:
        """Run an ad-hoc SELECT query; returns a DataFrame with typed columns."""
        return queries.sparql(self.store, text)

    def push(self, graph_store_url: str) -> int:
        """Replace the default graph of a remote store with the built graph and the ontology, through the
        SPARQL 1.1 Graph Store Protocol; returns the number of triples sent."""
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = build_stage.full_graph_ntriples(self.out, Path(tmp) / "aikg.nt")
            RemoteStore(graph_store_url).push(graph_store_url, path, replace=True)
            with path.open("rb") as stream:
                return sum(1 for _ in stream)

    # -- projection ------------------------------------------------------------------------
    def legs(self, as_of: dt.date | str | None = None, statuses: Iterable[str] | None = None,
             ranges: Ranges = "midpoint", group_subsidiaries: bool = False, allocate: bool = True) -> nx.MultiDiGraph:
        """The deal legs that count under these settings (see :mod:`kg.projection.legs`); cached."""
        settings = Settings.of(as_of, statuses, ranges, allocate)
        tables = self._projection_tables()  # first: a new store generation drops the cached legs
        key = (settings, group_subsidiaries)
        if key not in self._legs:
            if group_subsidiaries:  # merged from the cached legs, not projected again
                legs = consolidate(self.legs(as_of, statuses, ranges, allocate=allocate))
                legs.graph["settings"] = {**legs.graph["settings"], "group_subsidiaries": True}
            else:
                legs = deal_legs(self.store, settings, tables=tables)
            self._legs[key] = legs
        return self._legs[key]

    def _projection_tables(self) -> projection_tables.Tables:
        """What the projection reads from the store, for any settings: kept in memory, and on disk per
        store generation (see :mod:`kg.projection.tables`); a new generation drops the cached legs."""
        generation = projection_tables.generation(self.store)
        if self._tables is None or self._tables[0] != generation:
            if self._tables is not None:
                self._legs.clear()
            self._tables = (generation, projection_tables.load(self.store))
        return self._tables[1]

    def resolve(self, org: str, legs: nx.MultiDiGraph | None = None) -> str:
        """The id of the organisation ``org`` names (id, name or alias, any case) in ``legs`` (default: the
        projection as of today), or the group it was merged into (AWS → Amazon); a miss raises
        :class:`~kg.records.names.UnknownOrganisation` with the closest names."""
        return names.resolve(self.legs() if legs is None else legs, org)

    def flows(self, **settings: Any) -> nx.DiGraph:
        """Money flows aggregated per ordered pair (see :func:`kg.projection.aggregate.money_flows`)."""
        return money_flows(self.legs(**settings))

    def sizes(self, as_of: dt.date | str | None = None) -> dict[str, sizes.Size]:
        """Each organisation's size as of the date (see :mod:`kg.metrics.sizes`)."""
        return sizes.org_sizes(self._projection_tables(), Settings.of(as_of).as_of)

    # -- analytics (each takes as_of, statuses, ranges and group_subsidiaries) --------------
    def exposure(self, a: str, to: str | None = None, *, group_subsidiaries: bool = True,
                 **settings: Any) -> pd.DataFrame:
        """A's direct exposure to B (or to everyone) by channel, absolute and relative to A's size."""
        legs = self.legs(group_subsidiaries=group_subsidiaries, **settings)
        target = None if to is None else self.resolve(to, legs)
        return _stamp(exposure.exposure_table(legs, self.sizes(settings.get("as_of")), self.resolve(a, legs), target),
                      legs)

    def exposed_to(self, x: str, *, group_subsidiaries: bool = True, **settings: Any) -> pd.DataFrame:
        """Who is exposed to X, ranked: direct channels, look-through ownership, DebtRank contagion."""
        legs = self.legs(group_subsidiaries=group_subsidiaries, **settings)
        return _stamp(exposure.exposed_to(legs, self.sizes(settings.get("as_of")), self.resolve(x, legs)), legs)

    def concentration(self, x: str | None, kind: concentration_stage.Kind = "funders", *,
                      group_subsidiaries: bool = True, **settings: Any) -> concentration_stage.Concentration:
        """HHI and top-k shares of X's funders, customers or suppliers, or of the market."""
        legs = self.legs(group_subsidiaries=group_subsidiaries, **settings)
        return concentration_stage.concentration(legs, None if x is None else self.resolve(x, legs), kind)

    def cycles(self, max_len: int = 5, max_cycles: int = 10_000, **settings: Any) -> circularity.Cycles:
        """Circular deals of 2 to ``max_len`` parties, subsidiaries merged into their groups."""
        grouped = self.legs(group_subsidiaries=True, **settings)  # cached: not merged again for each call
        return circularity.find_cycles(grouped, max_len=max_len, max_cycles=max_cycles, group_subsidiaries=False)

    def centrality(self, *, group_subsidiaries: bool = True, betweenness_sources: int | None = None,
                   **settings: Any) -> pd.DataFrame:
        """Weighted PageRank and betweenness over the value flows (betweenness sampled on large graphs)."""
        legs = self.legs(group_subsidiaries=group_subsidiaries, **settings)
        frame = _stamp(centrality_stage.centrality(legs, betweenness_sources=betweenness_sources), legs)
        frame.attrs["settings"]["betweenness"] = frame.attrs["betweenness"]
        return frame

    def stress(self, fail: str, *, pays: float | None = None, loses: float | None = None,
               method: stress_stage.Method = "debtrank", variant: str = "battiston2012", alpha: float = 0.5,
               beta: float = 0.5, group_subsidiaries: bool = True, **settings: Any) -> stress_stage.StressResult:
        """What happens to everyone if ``fail`` pays only ``pays`` of its commitments (or loses ``loses``)."""
        legs = self.legs(group_subsidiaries=group_subsidiaries, **settings)
        return stress_stage.stress(legs, self.sizes(settings.get("as_of")), self.resolve(fail, legs), pays=pays,
                                   loses=loses,
                                   method=method, variant=variant, alpha=alpha, beta=beta)

    # -- ingest: articles to reviewed facts (see kg.ingest) ---------------------------------
    def extract(self, path_or_text: Path | str | bytes, *, url: str | None = None, write: bool = False,
                **metadata: Any) -> pd.DataFrame:
        """The candidate facts of an article (a file path, or the text itself), labelled against the data:
        one row each with kind, parties and roles, amount, date, status, confidence, quote and reasons.
        ``write=True`` also puts them into ``data/inbox/`` for ``accept``."""
        return ingest.extract(path_or_text, self.data, url=url, write=write, **metadata).frame

    def inbox(self) -> pd.DataFrame:
        """The candidates waiting in ``data/inbox/``."""
        return ingest.inbox_frame(self.data)

    def accept(self, *ids: str) -> list[str]:
        """Move candidates (or whole inbox files, by source id) into ``data/``, all or nothing; ``build()``
        (or ``kg.load()`` again) then puts them into the graph."""
        return ingest.accept(self.data, list(ids)).ids

    def reject(self, *ids: str) -> list[str]:
        """Drop candidates (or whole inbox files) from the inbox."""
        return ingest.reject(self.data, list(ids))

    # -- views -----------------------------------------------------------------------------
    def explorer_graph(self, max_len: int = 5, **settings: Any) -> nx.MultiDiGraph:
        """Every leg (all statuses, so the page's filters can show them) with the circular deals marked."""
        everything = {"statuses": [s.value for s in Status], **settings}
        return circularity.annotate(self.legs(**everything), self.cycles(max_len=max_len, **settings))

    def view(self, *, focus: str | None = None, depth: int = 2, kinds: Iterable[str] | None = None,
             statuses: Iterable[str] | None = None, as_of: dt.date | str | None = None, **options: Any) -> Any:
        """The interactive explorer, shown inline in a notebook (``_repr_html_``)."""
        from kg.views import explorer  # the page's template and assets load only when a view is asked for

        return explorer.explorer_html_for_notebook(self.explorer_graph(), focus=focus, depth=depth, kinds=kinds,
                                                   statuses=statuses, as_of=as_of, **options)

    def write_view(self, path: Path | str, *, focus: str | None = None, depth: int = 2,
                   kinds: Iterable[str] | None = None, statuses: Iterable[str] | None = None,
                   as_of: dt.date | str | None = None, **options: Any) -> Path:
        """Write the explorer as one offline HTML file."""
        from kg.views import explorer

        return explorer.write_explorer(self.explorer_graph(), path, focus=focus, depth=depth, kinds=kinds,
                                       statuses=statuses, as_of=as_of, **options)

    def metrics(self, folder: Path | str | None = None, *, stress_fail: str = "openai", pays: float = 0.4,
                **settings: Any) -> list[str]:
        """Write every analysis as JSON and CSV into ``folder`` (default ``OUT/metrics``); returns the names."""
        from kg.metrics.export import write_metrics

        return write_metrics(self.legs(group_subsidiaries=True, **settings), self.sizes(settings.get("as_of")),
                             Path(folder or self.out / "metrics"), stress_fail=stress_fail, pays=pays)

    def build_report(self, *, stress_fail: str = "openai", pays: float = 0.4, progress: Any = None,
                     **settings: Any) -> Any:
        """The analyst report under these settings, not yet written (see :mod:`kg.views.report`)."""
        from kg.views.report import ReportInputs, build_report  # the report needs every stage: only when asked

        if progress:
            progress("projecting the deals")
        inputs = ReportInputs(
            store=self.store, legs=self.legs(**settings), grouped=self.legs(group_subsidiaries=True, **settings),
            everything=self.legs(**{**settings, "statuses": [s.value for s in Status]}),
            sizes=self.sizes(settings.get("as_of")))
        return build_report(inputs, stress_fail=stress_fail, pays=pays, progress=progress)

    def report(self, path: Path | str | None = None, *, stress_fail: str = "openai", pays: float = 0.4,
               progress: Any = None, **settings: Any) -> Path:
        """Write the analyst report (and ``explorer.html`` beside it); returns its path."""
        result = self.build_report(stress_fail=stress_fail, pays=pays, progress=progress, **settings)
        return result.write(path or self.out / "report.html")


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


def _stamp(frame: pd.DataFrame, legs: nx.MultiDiGraph) -> pd.DataFrame:
    """Carry the projection's settings on the DataFrame (``frame.attrs["settings"]``)."""
    frame.attrs["settings"] = dict(legs.graph.get("settings", {}))
    return frame
