"""``aikg stories``: case studies (``stories/*.yaml``) rendered into offline pages, every figure from the graph.

:func:`build_stories` checks the story files (:mod:`kg.views.stories_model`) against the graph, then resolves
each placeholder of each chapter's text into a :class:`Figure`: a deal's figure, date, status or quote is the
projection's deal record (``G.graph["deals"]``, the counted claim that every other surface states); an
observation's is its preferred claim in the store; a total is the sum of the money legs of the metrics' leg
table (:func:`kg.projection.aggregate.leg_table`: parts folded into their whole, each dollar once). Nothing
in a story's text is a typed-in number.

Each chapter's page part has its text with numbered notes, a timeline of its deals and observations (dated,
with status; :mod:`kg.views.stories_timeline`), the sources of every fact it cites (publisher, title, URL or
seed file, date and the verbatim quote; the counted claim's first), and an explorer focused on the chapter's
organisations as of the chapter's end (:func:`focused_explorer`, the one call into the explorer).

:func:`write_stories` writes ``index.html`` and one ``<story id>.html`` per story, all or nothing. Safety is
the report's: autoescaping Jinja, URLs only if http(s), no script of the pages' own, the explorers in
sandboxed ``srcdoc`` frames, and a Content-Security-Policy without network access.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
from markupsafe import Markup
from rapidfuzz import fuzz, process

from kg.metrics.totals import LINES, deal_totals
from kg.output import staged
from kg.paths import REPO
from kg.projection.aggregate import leg_table
from kg.records import names
from kg.records.problems import DataError, Problem
from kg.store import Store
from kg.views import style
from kg.views.explorer import render_explorer
from kg.views.explorer_deals import sources_of
from kg.views.formatting import format_amount, format_usd, iso_date, number, text
from kg.views.stories_model import Chapter, Ref, Story, StoryFile, check_stories, pieces
from kg.views.stories_timeline import timeline_svg

__all__ = ["DEFAULT_STORIES", "StoryInputs", "StoryPage", "build_stories", "focused_explorer", "write_stories"]

DEFAULT_STORIES = REPO / "stories"
INDEX_FILE = "index.html"
_TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_CSP_SCRIPT_SRC = re.compile(r"script-src ([^;\"]*)")
_CSP_HASH = re.compile(r"'sha256-[A-Za-z0-9+/=]+'")

_OBSERVATIONS = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
SELECT ?fact ?metric ?start ?end ?segment ?value ?min ?max ?currency ?unit ?per ?usd ?min_usd ?max_usd ?approximate
WHERE {
  ?o aikg:recordId ?fact ; a aikg:Observation ; aikg:metric/skos:notation ?metric ; aikg:periodStart ?start ;
     aikg:periodEnd ?end ; aikg:preferredClaim ?c .
  ?c aikg:value ?v .
  OPTIONAL { ?o aikg:segment ?segment }
  OPTIONAL { ?v schema:value ?value } OPTIONAL { ?v schema:minValue ?min } OPTIONAL { ?v schema:maxValue ?max }
  OPTIONAL { ?v schema:currency ?currency } OPTIONAL { ?v aikg:unit ?unit } OPTIONAL { ?v aikg:per ?per }
  OPTIONAL { ?v aikg:valueUSD ?usd } OPTIONAL { ?v aikg:minValueUSD ?min_usd }
  OPTIONAL { ?v aikg:maxValueUSD ?max_usd } OPTIONAL { ?v aikg:isApproximate ?approximate }
}"""
_OBSERVATION_ORGS = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
SELECT ?fact ?org WHERE { ?o aikg:recordId ?fact ; aikg:subjectOrganisation/aikg:recordId ?org }"""
_OBSERVATION_IDS = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
SELECT ?fact WHERE { ?o a aikg:Observation ; aikg:recordId ?fact }"""
_OBSERVATION_SOURCES = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?fact ?claim_date ?preferred ?publisher ?title ?url ?seed_file ?published ?quote WHERE {
  ?f aikg:recordId ?fact ; aikg:hasClaim ?c .
  ?c aikg:claimDate ?claim_date ; aikg:quote ?quote ; aikg:source ?s .
  BIND(EXISTS { ?c aikg:isPreferred true } AS ?preferred)  # flags are written only when true
  ?s aikg:publisherName ?publisher ; dcterms:title ?title ; dcterms:issued ?published .
  OPTIONAL { ?s aikg:url ?url } OPTIONAL { ?s aikg:seedFile ?seed_file }
} ORDER BY DESC(?preferred) ?claim_date"""


@dataclass
class StoryInputs:
    """What the stories are computed from: the legs of every status with the circular deals marked (deal
    records, explorers; ``KnowledgeGraph.explorer_graph()``), the legs counted under the settings (totals;
    ``KnowledgeGraph.legs()``) and the store (observations)."""

    everything: nx.MultiDiGraph
    counted: nx.MultiDiGraph
    store: Store


# --- the facts a story cites ---------------------------------------------------------------------------------


@dataclass
class Fact:
    """A deal or an observation as a chapter shows it: in its timeline and its sources."""

    id: str
    kind: str  # "deal" or "observation"
    title: str
    date: dt.date | None
    status: str  # a deal's status; "observed" for an observation
    category: str  # a deal's kind, an observation's metric
    amount: str  # as every surface states it
    usd: float | None
    parties: list[str]
    sources: list[dict[str, Any]]
    counted_quote: str = ""  # the quote of the claim the figure comes from
    note: int = 0  # its number in the chapter's notes


@dataclass
class Figure:
    """A resolved placeholder: what the page shows, the number behind it and the facts it rests on."""

    ref: Ref
    shown: str
    value: float | None
    facts: list[str]
    detail: str = ""
    quote: bool = False


@dataclass
class ChapterPage:
    number: int
    title: str
    period: tuple[dt.date, dt.date]
    orgs: list[str]
    paragraphs: list[list[str | Figure]]
    facts: list[Fact]
    timeline: Markup
    explorer_html: str

    @property
    def dated(self) -> list[Fact]:
        """The facts in the timeline's order: by date, undated last."""
        return sorted(self.facts, key=lambda f: (f.date is None, f.date or dt.date.min, f.note))


@dataclass
class StoryPage:
    """One story, resolved: its chapters' text with figures, timelines, sources and explorers."""

    id: str
    title: str
    summary: list[str]
    period: tuple[dt.date, dt.date]
    orgs: list[str]
    chapters: list[ChapterPage]
    settings: dict[str, Any] = field(default_factory=dict)

    def figures(self) -> list[Figure]:
        return [p for c in self.chapters for para in c.paragraphs for p in para if isinstance(p, Figure)]


class Facts:
    """Deals from the projection, observations from the store: looked up once, by id."""

    def __init__(self, inputs: StoryInputs, observation_ids: Iterable[str]) -> None:
        self.inputs = inputs
        self.deals: Mapping[str, Mapping[str, Any]] = inputs.everything.graph.get("deals") or {}
        as_of = inputs.everything.graph.get("settings", {}).get("as_of")
        self.as_of = dt.date.fromisoformat(str(as_of)) if as_of else dt.date.today()
        self.labels = {n: text(d.get("label")) or str(n) for n, d in inputs.everything.nodes(data=True)}
        self.parties: dict[str, set[str]] = defaultdict(set)
        for u, v, attrs in inputs.everything.edges(data=True):
            self.parties[attrs.get("deal")].update((u, v))
        self.observations = self._observations(sorted(set(observation_ids)))
        self._totals: Any = None

    # -- observations ---------------------------------------------------------------------------------------
    def _observations(self, ids: list[str]) -> dict[str, Fact]:
        found: dict[str, Fact] = {}
        for oid in ids:
            rows = self.inputs.store.query(_OBSERVATIONS, {"fact": oid})
            if not rows.rows:
                continue
            row = dict(zip(rows.variables, rows.rows[0], strict=True))
            orgs = [r[1] for r in self.inputs.store.query(_OBSERVATION_ORGS, {"fact": oid}).rows]
            srcs = self.inputs.store.query(_OBSERVATION_SOURCES, {"fact": oid})
            sources = sources_of([], [dict(zip(srcs.variables, r, strict=True)) for r in srcs.rows])
            metric = str(row["metric"]).replace("_", " ")
            who = ", ".join(self.labels.get(o, o) for o in orgs) or text(row.get("segment"))
            shown, value = observed_value(row)
            found[oid] = Fact(oid, "observation", f"{who}: {metric}", row["end"], "observed", str(row["metric"]),
                              shown, value, [self.labels.get(o, o) for o in orgs], sources,
                              counted_quote=sources[0]["quote"] if sources else "")
        return found

    # -- deals ----------------------------------------------------------------------------------------------
    def deal(self, deal_id: str) -> Fact:
        record = self.deals[deal_id]
        counted = counted_source(record.get("sources") or [], self.as_of)
        ordered = sources_of([], sorted(record.get("sources") or [], key=lambda s: s is not counted))
        return Fact(deal_id, "deal", text(record.get("title")) or deal_id, record.get("date"),
                    text(record.get("status")), text(record.get("kind")), format_amount(record),
                    number(record.get("amount_usd")), sorted(self.labels.get(p, p) for p in self.parties[deal_id]),
                    ordered, counted_quote=text(counted.get("quote")) if counted else "")

    def fact(self, kind: str, fact_id: str) -> Fact:
        return self.deal(fact_id) if kind == "deal" else self.observations[fact_id]

    def known(self, kind: str) -> Iterable[str]:
        return self.deals if kind == "deal" else self.observations

    def every_id(self, kind: str) -> Iterable[str]:
        """Every id of a kind in the graph: what a miss is compared with for a "did you mean"."""
        if kind == "deal":
            return self.deals
        return [str(r[0]) for r in self.inputs.store.query(_OBSERVATION_IDS).rows]

    # -- totals ---------------------------------------------------------------------------------------------
    def total(self, ref: Ref, giver: str, taker: str, period: tuple[dt.date, dt.date]) -> Figure:
        """The money ``giver`` pays ``taker`` in deals of the line ``ref.line`` dated within ``period``, each
        dollar once (the metrics' leg table: parts folded into their whole)."""
        if self._totals is None:
            lines = deal_totals(self.inputs.counted).set_index("deal")["line"].to_dict()
            table = leg_table(self.inputs.counted)
            money = table[table["flow"] == "money"]
            self._totals = money.assign(line=money["deal"].map(lines))
        rows = self._totals
        rows = rows[(rows["giver"] == giver) & (rows["taker"] == taker) & (rows["line"] == ref.line)
                    & rows["date"].map(lambda d: d is not None and period[0] <= d <= period[1])]
        known = rows["amount_usd"].dropna()
        value = float(known.sum()) if len(known) else None
        undisclosed = int(rows["amount_usd"].isna().sum())
        shown = format_usd(value) if value is not None else "an undisclosed amount"
        if value is not None and undisclosed:
            shown += f" (and {undisclosed} undisclosed)"
        legs = "; ".join(f"{deal} {format_usd(usd) if usd == usd else 'undisclosed'}"
                         + (f" ({basis.replace('_', ' ')})" if isinstance(basis, str) and basis != "total" else "")
                         for deal, usd, basis in zip(rows["deal"], rows["amount_usd"], rows["basis"], strict=True))
        detail = (f"{LINES[ref.line]} from {self.labels.get(giver, giver)} to {self.labels.get(taker, taker)}, "
                  f"{period[0]} to {period[1]}: {legs}")
        return Figure(ref, shown, value, list(dict.fromkeys(rows["deal"])), detail)


def counted_source(sources: list[Mapping[str, Any]], as_of: dt.date) -> Mapping[str, Any] | None:
    """The source of the claim a deal is counted by as of ``as_of``: the preferred claim if dated by then,
    else the latest claim dated by then (the projection's rule, :func:`kg.projection.legs`)."""
    dated = [s for s in sources if s.get("claim_date") is None or s["claim_date"] <= as_of]
    return next((s for s in dated if s.get("preferred")), dated[-1] if dated else None)


def observed_value(row: Mapping[str, Any]) -> tuple[str, float | None]:
    """An observation's figure as text (qualifiers kept) and its number (USD for money, else the value).

    >>> observed_value({"unit": "fraction", "value": 0.1686})
    ('16.86%', 0.1686)
    >>> observed_value({"unit": "fraction", "max": 0.17, "approximate": True})
    ('almost 17%', 0.17)
    >>> observed_value({"currency": "USD", "usd": 5.937e11, "value": 5.937e11})
    ('$594B', 593700000000.0)
    >>> observed_value({"currency": "USD", "usd": 0.55, "value": 0.55, "per": "1M tokens"})
    ('$0.55 per 1M tokens', 0.55)
    """
    approx = bool(row.get("approximate"))
    if row.get("currency"):
        low, high, value = (number(row.get(k)) for k in ("min_usd", "max_usd", "usd"))
        fmt = _dollars
        native = row.get("currency") != "USD" and number(row.get("value"))
    else:
        low, high, value = (number(row.get(k)) for k in ("min", "max", "value"))
        native = False
        unit = text(row.get("unit"))
        fmt = _percent if unit == "fraction" else (lambda v, u=unit: f"{v:,.0f} {u}".strip())
    if value is not None:
        shown = ("~" if approx else "") + fmt(value)
    elif low is not None and high is not None:
        shown = f"{fmt(low)}–{fmt(high)}"
    elif high is not None:
        shown = ("almost " if approx else "up to ") + fmt(high)
    elif low is not None:
        shown = "more than " + fmt(low)
    else:
        return "undisclosed", None
    if row.get("per"):
        shown += f" per {row['per']}"
    if native:
        shown += f" ({row['currency']})"
    return shown, next((v for v in (value, high, low) if v is not None), None)


def _dollars(value: float) -> str:
    """Dollars short, and exact below a thousand (a token price of $0.55 is not "$1")."""
    return format_usd(value) if abs(value) >= 1000 else f"${value:.4g}"


def _percent(value: float) -> str:
    return f"{round(value * 100, 2):g}%"


def _closest(asked: str, choices: Iterable[str]) -> str:
    found = process.extract(asked, list(choices), scorer=fuzz.WRatio, limit=3, score_cutoff=60)
    return f"; did you mean {', '.join(name for name, _score, _i in found)}?" if found else ""


# --- resolving one story ---------------------------------------------------------------------------------------


class _Resolver:
    """Resolves a story file's references against the graph, collecting every problem."""

    def __init__(self, item: StoryFile, facts: Facts, problems: list[Problem]) -> None:
        self.item, self.facts, self.problems = item, facts, problems

    def org(self, loc: tuple[object, ...], name: str, graph: nx.MultiDiGraph) -> str | None:
        try:
            return names.resolve(graph, name)
        except names.UnknownOrganisation as miss:
            self.problems.append(self.item.problem(loc, name, str(miss)))
            return None

    def exists(self, loc: tuple[object, ...], kind: str, fact_id: str, shown: str | None = None) -> bool:
        if fact_id in self.facts.known(kind):
            return True
        what = "deal" if kind == "deal" else "observation"
        hint = _closest(fact_id, self.facts.every_id(kind))
        self.problems.append(self.item.problem(loc, shown or fact_id, f"unknown {what} {fact_id!r}{hint}"))
        return False

    def figure(self, loc: tuple[object, ...], ref: Ref, period: tuple[dt.date, dt.date]) -> Figure | None:
        if ref.kind == "total":
            giver = self.org(loc, ref.giver, self.facts.inputs.counted)
            taker = self.org(loc, ref.taker, self.facts.inputs.counted)
            if giver is None or taker is None:
                return None
            figure = self.facts.total(ref, giver, taker, period)
            if not figure.facts:
                self.problems.append(self.item.problem(loc, ref.source, f"no counted {ref.line} deal in which "
                                                                        f"{giver} pays {taker} between "
                                                                        f"{period[0]} and {period[1]}"))
                return None
            return figure
        if not self.exists(loc, ref.kind, ref.id, ref.source):
            return None
        fact = self.facts.fact(ref.kind, ref.id)
        if ref.field in ("amount", "value"):
            return Figure(ref, fact.amount, fact.usd, [fact.id])
        if ref.field == "date":
            return Figure(ref, long_date(fact.date), None, [fact.id])
        if ref.field == "status":
            return Figure(ref, style.STATUS_LABELS.get(fact.status, fact.status).lower(), None, [fact.id])
        if ref.field == "title":
            return Figure(ref, fact.title, None, [fact.id])
        return Figure(ref, fact.counted_quote, None, [fact.id], quote=True)

    def chapter(self, number: int, chapter: Chapter, story: Story) -> ChapterPage:
        loc = ("chapters", number - 1)
        orgs = [o for i, name in enumerate(chapter.orgs)
                if (o := self.org((*loc, "orgs", i), name, self.facts.inputs.everything)) is not None]
        listed: list[tuple[str, str]] = []
        for key, kind in (("deals", "deal"), ("observations", "obs")):
            for i, fact_id in enumerate(getattr(chapter, key)):
                if self.exists((*loc, key, i), kind, fact_id):
                    listed.append((kind, fact_id))
                    day = self.facts.fact(kind, fact_id).date
                    if not chapter.period.holds(day):
                        self.problems.append(self.item.problem(
                            (*loc, key, i), fact_id, f"dated {day}, outside the chapter's period "
                                                     f"{chapter.period.start} to {chapter.period.end}"))
        paragraphs = self.paragraphs((*loc, "text"), chapter)
        figs = [p for para in paragraphs for p in para if isinstance(p, Figure)]
        kinds = {fid: kind for kind, fid in listed}
        kinds.update((f.ref.id, f.ref.kind) for f in figs if f.ref.kind != "total")
        # notes in the order the text cites the facts, then the timeline's other facts
        order = dict.fromkeys([*(fid for f in figs for fid in f.facts), *(fid for _k, fid in listed)])
        facts = [self.facts.fact(kinds.get(fid, "deal"), fid) for fid in order]
        for n, fact in enumerate(facts, 1):
            fact.note = n
        page = ChapterPage(number, chapter.title, (chapter.period.start, chapter.period.end),
                           [self.facts.labels.get(o, o) for o in orgs], paragraphs, facts,
                           Markup(""), focused_explorer(self.facts.inputs.everything, orgs, as_of=chapter.period.end,
                                                        title=f"{story.title} — {chapter.title}") if orgs else "")
        page.timeline = timeline_svg(page.dated, chapter.period.start, chapter.period.end)
        return page

    def paragraphs(self, loc: tuple[object, ...], chapter: Chapter) -> list[list[str | Figure]]:
        """The text's paragraphs (split at blank lines) as literal text and resolved figures."""
        period = (chapter.period.start, chapter.period.end)
        out: list[list[str | Figure]] = []
        for block in re.split(r"\n\s*\n", chapter.text.strip()):
            line: list[str | Figure] = []
            for piece in pieces(" ".join(block.split())):
                if isinstance(piece, str):
                    line.append(piece)
                elif (figure := self.figure(loc, piece, period)) is not None:
                    line.append(figure)
            out.append(line)
        return out

    def story(self) -> StoryPage:
        story = self.item.story
        orgs = [o for i, name in enumerate(story.orgs)
                if (o := self.org(("orgs", i), name, self.facts.inputs.everything)) is not None]
        chapters = [self.chapter(n, c, story) for n, c in enumerate(story.chapters, 1)]
        return StoryPage(story.id, story.title, [" ".join(p.split()) for p in re.split(r"\n\s*\n", story.summary)],
                         (story.period.start, story.period.end), [self.facts.labels.get(o, o) for o in orgs],
                         chapters, dict(self.facts.inputs.counted.graph.get("settings", {})))


def long_date(day: dt.date | None) -> str:
    """A date as the prose writes it.

    >>> long_date(dt.date(2025, 1, 27))
    '27 January 2025'
    """
    return "an unknown date" if day is None else f"{day.day} {day:%B %Y}"


# --- the one call into the explorer ----------------------------------------------------------------------------


def focused_explorer(everything: nx.MultiDiGraph, orgs: Iterable[str], *, as_of: dt.date, title: str) -> str:
    """The explorer page for the legs among ``orgs`` only, opening as of ``as_of``; the circular deals kept are
    those wholly among them. (The one place the stories call the explorer.)"""
    keep = set(orgs)
    focused = everything.subgraph(keep).copy()
    focused.graph["cycles"] = [c for c in everything.graph.get("cycles") or [] if set(c.get("nodes", [])) <= keep]
    return render_explorer(focused, as_of=as_of, statuses=everything.graph.get("settings", {}).get("statuses"),
                           title=title)


def explorer_hashes(explorer_html: str) -> list[str]:
    """The CSP script hashes an embedded explorer needs (a srcdoc frame inherits the page's policy)."""
    match = _CSP_SCRIPT_SRC.search(explorer_html)
    return _CSP_HASH.findall(match.group(1)) if match else []


# --- entry points ------------------------------------------------------------------------------------------------


def build_stories(inputs: StoryInputs, folder: Path | str = DEFAULT_STORIES) -> list[StoryPage]:
    """Every story of ``folder`` resolved against ``inputs``; raises :class:`~kg.records.problems.DataError`
    with every problem of every file (fields, placeholders, unknown deals, observations and organisations)."""
    items, problems = check_stories(Path(folder))  # files valid on their own are checked against the graph too
    obs = {r.id for item in items for _loc, body in item.story.texts() for r in pieces(body)
           if isinstance(r, Ref) and r.kind == "obs"}
    obs |= {o for item in items for c in item.story.chapters for o in c.observations}
    facts = Facts(inputs, obs)
    pages = [_Resolver(item, facts, problems).story() for item in items]
    if problems:
        raise DataError(problems)
    return pages


def render_story(page: StoryPage, stories: list[StoryPage]) -> str:
    hashes = sorted({h for c in page.chapters for h in explorer_hashes(c.explorer_html)})
    return _environment().get_template("story.html.j2").render(
        s=page, stories=stories, script_hashes=Markup(" ".join(hashes)),  # noqa: S704 - matched 'sha256-…' only
        status_labels=style.STATUS_LABELS, kind_labels=style.KIND_LABELS, long_date=long_date)


def render_index(stories: list[StoryPage]) -> str:
    return _environment().get_template("stories_index.html.j2").render(stories=stories, long_date=long_date)


def write_stories(inputs: StoryInputs, output: Path | str, folder: Path | str = DEFAULT_STORIES) -> list[Path]:
    """Render every story of ``folder`` into ``output`` (``index.html`` and ``<id>.html``), all or nothing;
    returns the pages written."""
    pages = build_stories(inputs, folder)
    target = Path(output)
    with staged(target) as staging:
        (staging / INDEX_FILE).write_text(render_index(pages), encoding="utf-8")
        for page in pages:
            (staging / f"{page.id}.html").write_text(render_story(page, pages), encoding="utf-8")
    return [target / INDEX_FILE, *(target / f"{p.id}.html" for p in pages)]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_TEMPLATE_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters.update(iso=iso_date)
    env.tests["figure"] = lambda value: isinstance(value, Figure)
    return env
