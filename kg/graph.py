"""``kg.load()`` and the object it returns: a thin facade over the stage modules.

Each method delegates to one module (build, validate, queries, stats, projection, analytics,
views); the CLI commands are thin layers over these methods with the same names and options.
"""

from __future__ import annotations

import dataclasses
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
from kg.metrics import carry as carry_stage
from kg.metrics import centrality as centrality_stage
from kg.metrics import changes as changes_stage
from kg.metrics import circularity, exposure, sizes
from kg.metrics import concentration as concentration_stage
from kg.metrics import stress as stress_stage
from kg.metrics import timeline as timeline_stage
from kg.output.progress import Progress, silent
from kg.paths import DEFAULT_DATA, DEFAULT_OUT
from kg.projection import observations as observation_stage
from kg.projection import plans
from kg.projection import tables as projection_tables
from kg.projection.aggregate import consolidate, money_flows
from kg.projection.legs import Ranges, Settings, deal_legs
from kg.projection.legs import published as published_on
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
    _observations: tuple[str | None, pd.DataFrame, dict[str, str]] | None = field(default=None, repr=False)
    _pages: Any = field(default=None, repr=False)

    # -- building and checking -------------------------------------------------------------
    def build(self, **options: object) -> build_stage.BuildResult:
        result = build_stage.build(self.data, self.out, **options)  # type: ignore[arg-type]
        if self.endpoint is None:
            self.store = EmbeddedStore(self.out / build_stage.STORE_DIR)
        self._legs.clear()
        self._tables = None
        return result

    def validate(self, engine: str = "sparql") -> validate_stage.ValidationReport:
        return validate(self.data, self.out, engine=engine)

    def stats(self) -> dict[str, pd.DataFrame]:
        return stats_stage.stats(self.query)

    # -- SPARQL ----------------------------------------------------------------------------
    def query(self, name: str, *, limit: int | None = None, offset: int = 0, engine: str = "auto",
              **params: object) -> pd.DataFrame:
        """Run the named query ``queries/NAME.rq`` with parameters bound safely; ``limit``/``offset`` give one
        page of its ordered rows. A query with a plan (``queries/NAME.sql``) is answered from the build's
        tables when they are current (``engine="auto"``; ``"sparql"`` or ``"tables"`` choose; see
        :mod:`kg.projection.plans`)."""
        return plans.run(self.store, name, limit=limit, offset=offset, engine=engine, **params)

    def sparql(self, text: str) -> pd.DataFrame | bool | queries.Triples:
        """Run an ad-hoc query: SELECT → DataFrame with typed columns, ASK → bool, CONSTRUCT or DESCRIBE →
        :class:`~kg.store.queries.Triples`; the ontology's prefixes need no PREFIX lines."""
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
             ranges: Ranges = "midpoint", group_subsidiaries: bool = False, allocate: bool = True,
             reported_by: dt.date | str | None = None) -> nx.MultiDiGraph:
        """The deal legs that count under these settings (see :mod:`kg.projection.legs`); cached."""
        settings = Settings.of(as_of, statuses, ranges, allocate, reported_by)
        tables = self._projection_tables()  # first: a new store generation drops the cached legs
        key = (settings, group_subsidiaries)
        if key not in self._legs:
            if group_subsidiaries:  # merged from the cached legs, not projected again
                legs = consolidate(self.legs(as_of, statuses, ranges, allocate=allocate, reported_by=reported_by))
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

    def sizes(self, as_of: dt.date | str | None = None, reported_by: dt.date | str | None = None,
              **_settings: Any) -> dict[str, sizes.Size]:
        """Each organisation's size as of the date, from the figures published by ``reported_by`` (see
        :mod:`kg.metrics.sizes`); takes (and ignores) the other projection settings."""
        settings = Settings.of(as_of, reported_by=reported_by)
        tables = self._projection_tables()
        if settings.reported_by is not None:
            claims, _ = self._observation_tables()
            tables = sizes.as_reported(tables, claims, settings.reported_by)
        return sizes.org_sizes(tables, settings.as_of)

    def _observation_tables(self) -> tuple[pd.DataFrame, dict[str, str]]:
        """Every observation claim and every deal claim's term (see :mod:`kg.projection.observations`),
        read once per store generation."""
        generation = projection_tables.generation(self.store)
        if self._observations is None or self._observations[0] != generation:
            self._observations = (generation, observation_stage.observation_claims(
                self.store, self._projection_tables().sources),
                                  observation_stage.claim_terms(self.store))
        return self._observations[1], self._observations[2]

    # -- analytics (each takes as_of, statuses, ranges and group_subsidiaries) --------------
    def exposure(self, a: str, to: str | None = None, *, group_subsidiaries: bool = True,
                 **settings: Any) -> pd.DataFrame:
        """A's direct exposure to B (or to everyone) by channel, absolute and relative to A's size."""
        legs = self.legs(group_subsidiaries=group_subsidiaries, **settings)
        target = None if to is None else self.resolve(to, legs)
        return _stamp(exposure.exposure_table(legs, self.sizes(**settings), self.resolve(a, legs), target),
                      legs)

    def exposed_to(self, x: str, *, group_subsidiaries: bool = True, **settings: Any) -> pd.DataFrame:
        """Who is exposed to X, ranked: direct channels, look-through ownership, DebtRank contagion."""
        legs = self.legs(group_subsidiaries=group_subsidiaries, **settings)
        return _stamp(exposure.exposed_to(legs, self.sizes(**settings), self.resolve(x, legs)), legs)

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
        return stress_stage.stress(legs, self.sizes(**settings), self.resolve(fail, legs), pays=pays,
                                   loses=loses,
                                   method=method, variant=variant, alpha=alpha, beta=beta)

    # -- the bubble questions ---------------------------------------------------------------
    def circularity(self, n: int = 1000, *, seed: int = 0, null: str = "degree", swaps_per_edge: int = 10,
                    max_len: int = 5, **settings: Any) -> Any:
        """The circular volume against ``n`` randomised networks (``null``: "degree" or "class"; see
        :func:`kg.metrics.circularity.significance`)."""
        return circularity.significance(self.legs(group_subsidiaries=True, **settings), n=n, seed=seed, null=null,
                                        swaps_per_edge=swaps_per_edge, max_len=max_len)

    def carry(self, org: str, **settings: Any) -> carry_stage.Carry:
        """Can ``org``'s revenue carry its purchase commitments? (see :mod:`kg.metrics.carry`)."""
        legs = self.legs(group_subsidiaries=True, **settings)
        claims, terms = self._observation_tables()
        return carry_stage.carry(legs, claims, terms, self.resolve(org, legs),
                                 reported_by=Settings.of(**_projection(settings)).reported_by)

    def revenue_gap(self, **settings: Any) -> carry_stage.RevenueGap:
        """The hyperscalers' capex against the revenue it needs and AI labs' revenue, by year ("$600B question")."""
        chosen = Settings.of(**_projection(settings))
        legs = self.legs(group_subsidiaries=True, **settings)
        types = {org: list(data.get("types", [])) for org, data in legs.nodes(data=True)}
        return carry_stage.revenue_gap(self._observation_tables()[0], types, as_of=chosen.as_of,
                                       reported_by=chosen.reported_by)

    def timeline(self, org: str | None = None, *, start: dt.date | str = "2023-01-01",
                 end: dt.date | str | None = None, **settings: Any) -> pd.DataFrame:
        """Cumulative commitments, investments and debt of ``org`` (or of everyone) month by month, each
        month as reported by its last day (see :mod:`kg.metrics.timeline`)."""
        first = dt.date.fromisoformat(start) if isinstance(start, str) else start
        last = dt.date.fromisoformat(end) if isinstance(end, str) else (end or dt.date.today())
        base = {k: v for k, v in settings.items() if k not in ("as_of", "reported_by")}
        snapshots = {day: self.legs(as_of=day, reported_by=day, group_subsidiaries=True, **base)
                     for day in timeline_stage.month_ends(first, last)}
        name = None if org is None else self.resolve(org, next(reversed(snapshots.values())))
        frame = timeline_stage.timeline(snapshots, name)
        frame.attrs["settings"] = {**Settings.of(**_projection(base)).describe(), "as_of": "each month's last day",
                                   "reported_by": "each month's last day"}
        return frame

    def changes(self, since: dt.date | str, until: dt.date | str | None = None) -> pd.DataFrame:
        """New deals, status changes, revised amounts and new figures published in the window, with
        their sources (see :mod:`kg.metrics.changes`)."""
        first = dt.date.fromisoformat(since) if isinstance(since, str) else since
        last = dt.date.fromisoformat(until) if isinstance(until, str) else until
        return changes_stage.changes(self._projection_tables(), first, last, self._observation_tables()[0])

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
             statuses: Iterable[str] | None = None, as_of: dt.date | str | None = None, standalone: bool = False,
             **options: Any) -> Any:
        """The interactive explorer, shown inline in a notebook (``_repr_html_``). The first one shown in a
        kernel also loads vis-network into the notebook page; later ones carry only their data. In Colab,
        where outputs do not share a page, pass ``standalone=True`` (the whole page in each output)."""
        from kg.views import explorer  # the page's template and assets load only when a view is asked for

        return explorer.explorer_html_for_notebook(self.explorer_graph(), focus=focus, depth=depth, kinds=kinds,
                                                   statuses=statuses, as_of=as_of, standalone=standalone,
                                                   **options)

    def write_view(self, path: Path | str, *, focus: str | None = None, depth: int = 2,
                   kinds: Iterable[str] | None = None, statuses: Iterable[str] | None = None,
                   as_of: dt.date | str | None = None, **options: Any) -> Path:
        """Write the explorer as one offline HTML file."""
        from kg.views import explorer

        return explorer.write_explorer(self.explorer_graph(), path, focus=focus, depth=depth, kinds=kinds,
                                       statuses=statuses, as_of=as_of, **options)

    def metrics(self, folder: Path | str | None = None, *, stress_fail: str = "openai", pays: float = 0.4,
                progress: Progress = silent, **settings: Any) -> list[str]:
        """Write every analysis as JSON and CSV into ``folder`` (default ``OUT/metrics``); returns the names."""
        from kg.metrics.export import write_metrics

        progress("projecting the deals")
        return write_metrics(self.legs(group_subsidiaries=True, **settings), self.sizes(**settings),
                             Path(folder or self.out / "metrics"), stress_fail=stress_fail, pays=pays,
                             progress=progress)

    def build_report(self, *, stress_fail: str = "openai", pays: float = 0.4, progress: Any = None,
                     bubble: bool = True, null_n: int = 500, **settings: Any) -> Any:
        """The analyst report under these settings, not yet written (see :mod:`kg.views.report`); with
        ``bubble``, its answers to the bubble questions (``null_n`` randomised networks per null model)."""
        from kg.views.report import build_report  # the report needs every stage: only when asked

        if progress:
            progress("projecting the deals")
        inputs = self.report_inputs(**settings)
        if bubble:
            inputs = dataclasses.replace(inputs, bubble=self._bubble(null_n, progress, **settings))
        return build_report(inputs, stress_fail=stress_fail, pays=pays, progress=progress)

    def report_inputs(self, **settings: Any) -> Any:
        """What the report and the entity pages read (:class:`kg.views.report_sections.ReportInputs`): the store
        and the projection under these settings (counted, grouped, every status) and the sizes."""
        from kg.views.report_sections import ReportInputs

        return ReportInputs(
            store=self.store, legs=self.legs(**settings), grouped=self.legs(group_subsidiaries=True, **settings),
            everything=self.legs(**{**settings, "statuses": [s.value for s in Status]}),
            sizes=self.sizes(**settings))

    def entity_pages(self) -> Any:
        """The page and RDF document of every minted IRI (:class:`kg.views.entity_page.EntityPages`) under the
        default settings; the same object (and what it keeps) until the store changes."""
        from kg.views.entity_page import EntityPages

        inputs = self.report_inputs()
        if self._pages is None or self._pages.inputs.legs is not inputs.legs:
            self._pages = EntityPages(inputs)
        return self._pages

    def write_site(self, folder: Path | str) -> Path:
        """Write the entity pages as a static site (see :func:`kg.views.entity_site.write_site`)."""
        from kg.views.entity_site import write_site

        return write_site(self.entity_pages(), Path(folder))

    def _bubble(self, null_n: int, progress: Any = None, **settings: Any) -> Any:
        """The bubble analyses the report shows: both null models, the major labs' commitments against
        revenue, the revenue gap, the first lab's timeline and the last three months of reporting."""
        from kg.metrics.export import MAJOR_LABS
        from kg.views.report_bubble import BubbleInputs

        say = progress or (lambda _msg: None)
        grouped = self.legs(group_subsidiaries=True, **settings)
        labs = [lab for lab in MAJOR_LABS if lab in grouped]
        say(f"circularity against {null_n:,} random networks per null model")
        tests = [self.circularity(null_n, null=null, **settings) for null in ("degree", "class")]
        say("commitments against revenue")
        chosen = Settings.of(**_projection(settings))
        tables = self._projection_tables()
        published = pd.concat([  # when the last claim about a deal or a figure was published
            pd.Series(published_on(tables, tables.claims["source"])),
            self._observation_tables()[0]["published"]]).dropna()
        until = min(chosen.reported_by or chosen.as_of, published.max().date() if len(published) else chosen.as_of)
        since = until - dt.timedelta(days=91)
        say("commitments as reported, month by month")
        org = labs[0] if labs else None
        base = {k: v for k, v in settings.items() if k not in ("as_of", "reported_by")}
        timeline = self.timeline(org, start=dt.date(2023, 1, 1), end=until, **base) if org else None
        carried = [c for c in (self.carry(lab, **settings) for lab in labs) if c.figures["commitments"]]
        return BubbleInputs(circularity=tests, carry=carried,
                            gap=self.revenue_gap(**settings), timeline_org=org, timeline=timeline,
                            changes=self.changes(since, until), changes_since=since, changes_until=until)

    def stories(self, folder: Path | str | None = None, *, stories: Path | str | None = None,
                **settings: Any) -> list[Path]:
        """Render the case studies of ``stories`` (default: the repository's ``stories/``) into offline
        pages in ``folder`` (default ``OUT/stories``); returns the index and the pages written."""
        from kg.views.stories import DEFAULT_STORIES, StoryInputs, write_stories  # pages load only when asked for

        everything = self.explorer_graph(**{k: v for k, v in settings.items() if k != "statuses"})  # every status
        return write_stories(StoryInputs(everything, self.legs(**settings), self.store),
                             Path(folder or self.out / "stories"), Path(stories or DEFAULT_STORIES))

    def report(self, path: Path | str | None = None, *, stress_fail: str = "openai", pays: float = 0.4,
               progress: Any = None, **settings: Any) -> Path:
        """Write the analyst report to ``path`` (default ``OUT/report.html``) and the explorer beside it (named
        after the report, see :func:`kg.views.report.explorer_beside`; ``OUT/explorer.html`` by default);
        returns the report's path."""
        result = self.build_report(stress_fail=stress_fail, pays=pays, progress=progress, **settings)
        return result.write(*report_paths(self.out, path))

    def export(self, path: Path | str, format: str = "gexf", *, what: Iterable[str] = (),
               stress_fail: str = "openai", pays: float = 0.4, progress: Progress = silent,
               **settings: Any) -> list[Path]:
        """Write the legs or flows graph (GEXF, GraphML), the tables (xlsx, a folder of CSV files: the
        organisations, deals, legs, sources, flows and analyses) or the data graph (nt, ttl, jsonld) to ``path``
        (see :mod:`kg.views.export`); returns the files written."""
        from kg.views import export as export_stage

        chosen = tuple(what)
        if format in export_stage.RDF_FORMATS:
            return export_stage.export(Path(path), format, what=chosen,
                                       data_graph=self.out / build_stage.GRAPH_DIR / build_stage.DATA_NT)
        analyses = format in export_stage.TABLE_FORMATS and "tables" in (chosen or export_stage.WHAT)
        progress("projecting the deals")
        return export_stage.export(
            Path(path), format, what=chosen, legs=self.legs(**settings), stress_fail=stress_fail, pays=pays,
            progress=progress,
            grouped=self.legs(group_subsidiaries=True, **settings) if analyses else None,
            sizes=self.sizes(settings.get("as_of")) if analyses else None)


def report_paths(out: Path, path: Path | str | None) -> tuple[Path, str | None]:
    """The report's path and its explorer's file name: ``OUT/report.html`` and ``explorer.html`` by default;
    for a path the caller names, the explorer is named after it (never a file the caller did not name)."""
    return (Path(path), None) if path is not None else (out / "report.html", "explorer.html")


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


def _projection(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings :meth:`Settings.of` takes, out of an analysis's keyword arguments."""
    return {k: settings[k] for k in ("as_of", "statuses", "ranges", "allocate", "reported_by") if k in settings}


def validate(data: Path | str | None = None, out: Path | str | None = None, seeds: Path | None = None,
             engine: str = "sparql") -> validate_stage.ValidationReport:
    """Check the data files and the SHACL shapes (see :func:`kg.validate.validate`); the SPARQL engine
    checks the store in ``out`` when it holds a build of these data files, else an in-memory copy
    (nothing is written)."""
    data_dir = Path(data) if data is not None else DEFAULT_DATA
    out_dir = Path(out) if out is not None else DEFAULT_OUT
    store = None
    if engine == "sparql" and build_stage.is_current(data_dir, out_dir):
        store = EmbeddedStore(out_dir / build_stage.STORE_DIR).raw
    return validate_stage.validate(data_dir, seeds, engine=engine, store=store)


def _stamp(frame: pd.DataFrame, legs: nx.MultiDiGraph) -> pd.DataFrame:
    """Carry the projection's settings on the DataFrame (``frame.attrs["settings"]``)."""
    frame.attrs["settings"] = dict(legs.graph.get("settings", {}))
    return frame
