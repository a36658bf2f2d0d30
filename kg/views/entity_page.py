"""A page per minted IRI: organisations, deals, sources, observations and exchange rates.

:class:`EntityPages` turns :class:`~kg.views.report_sections.ReportInputs` (the store and the projection under
one set of settings) into plain rows (:meth:`EntityPages.org`, :meth:`EntityPages.deal`) and renders them with
``templates/entity.html.j2``. The numbers are the other surfaces' own: a deal's amount, status, date and
sources are the projection's deal record as the report lists it (:func:`~kg.views.report_sections.deal_rows`),
exposure, concentration and loops are :mod:`kg.metrics` on the grouped legs (:mod:`kg.views.entity_org`), and
the focused explorer is :func:`~kg.views.explorer.render_explorer` on the organisation's neighbourhood.
Sources, observations and exchange rates get a page of their RDF description (:mod:`kg.views.entity_rdf`).

Links are made by :class:`Links` (a record path such as ``org/openai`` → a URL, or None where there is no
page), so the same pages serve the endpoint (:data:`SERVER_LINKS`: ``/id/org/openai``) and the static site
(``../org/openai.html``, :mod:`kg.views.entity_site`).

Safety is the report's: autoescaping Jinja for every string from data, URLs kept only when http(s), no script
of the page's own; the explorer runs in an ``<iframe srcdoc>`` whose two inline scripts the page's CSP allows by
hash.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import networkx as nx
import pyoxigraph as ox
from markupsafe import Markup

from kg.metrics import circularity
from kg.rdf import namespaces as ns
from kg.records.names import UnknownOrganisation, resolve
from kg.store import queries
from kg.views import entity_org, entity_rdf, report, style
from kg.views import report_sections as sections
from kg.views.explorer import render_explorer, script_hashes
from kg.views.explorer_layout import neighbourhood
from kg.views.formatting import format_amount, safe_url

__all__ = ["SERVER_LINKS", "EntityPages", "Href", "LinkedPages", "Links"]

Href = Callable[[str], str | None]  # record path ("org/openai") → link, or None: no page for it
_ROLES = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?deal ?org ?role ?lead WHERE {
  ?d aikg:hasParticipation ?p ; aikg:recordId ?deal . ?p aikg:party ?o ; aikg:role/skos:notation ?role .
  ?o aikg:recordId ?org . OPTIONAL { ?p aikg:isLead ?lead } }"""
_PROFILE = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
SELECT ?o ?p ?v WHERE { ?o ?p ?v }"""
_SOURCES = """PREFIX aikg: <https://w3id.org/aikg/ontology#>
SELECT ?o ?source ?publisher ?title ?url WHERE {
  ?o aikg:sources ?s . ?s aikg:recordId ?source ; aikg:publisherName ?publisher .
  OPTIONAL { ?s <http://purl.org/dc/terms/title> ?title } OPTIONAL { ?s aikg:url ?url } }"""
_ALIASES = "SELECT ?o ?alias WHERE { ?o <http://www.w3.org/2004/02/skos/core#altLabel> ?alias }"


def _label(iri: str) -> str:
    """The local name of a term: ``…ontology#claimDate`` → ``claimDate``."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Links:
    """How pages link: ``href`` a record path (``org/openai``) → URL or None (no page); ``nav`` the header's
    links (text → URL); ``rdf_href`` a record's documents in other formats (name → URL); ``index_href`` the list
    of organisations; ``explorer`` whether organisation pages embed the focused explorer."""

    href: Href
    nav: tuple[tuple[str, str], ...] = ()
    rdf_href: Callable[[str], dict[str, str]] | None = None
    index_href: str | None = None
    explorer: bool = True


def _served_href(path: str) -> str:
    return f"/id/{path}"


def _served_documents(path: str) -> dict[str, str]:
    return {"Turtle": f"/doc/{path}.ttl", "JSON-LD": f"/doc/{path}.jsonld"}


# the endpoint's: records at their IRIs' paths (/id/org/openai), documents under /doc/ (kg.endpoint.linked_data)
SERVER_LINKS = Links(_served_href, (("query", "/"), ("organisations", "/id/")), _served_documents, "/id/")


class EntityPages:
    """What every record's page shows under one set of inputs; what several pages share is computed once, and
    the last :data:`KEPT` organisations' profiles are kept. :meth:`linked` renders them with a way of linking."""

    KEPT = 512

    def __init__(self, inputs: sections.ReportInputs) -> None:
        self.inputs = inputs
        self.env = report.environment()
        self._profiles: OrderedDict[str, dict[str, Any] | None] = OrderedDict()
        self._linked: dict[Links, LinkedPages] = {}

    def linked(self, links: Links) -> LinkedPages:
        """The pages linked by ``links`` (one object per ``links``: what the endpoint asks for per request)."""
        if links not in self._linked:
            self._linked[links] = LinkedPages(self, links)
        return self._linked[links]

    # -- shared -------------------------------------------------------------------------------------------------
    @cached_property
    def names(self) -> dict[str, str]:
        return {n: str(d.get("label", n)) for n, d in self.inputs.everything.nodes(data=True)}

    @cached_property
    def deals(self) -> dict[str, dict[str, Any]]:
        """Every deal of the data (all statuses) as the report lists it: amount, status, date, legs, sources."""
        everything = self.inputs.everything
        rows = sections.deal_rows(everything, sections.deal_totals(everything), self.names, every_deal=True)
        records = everything.graph["deals"]
        for row in rows:
            row["amount"] = format_amount(records[row["id"]])
            row["part_of"] = records[row["id"]].get("part_of")
        return {row["id"]: row for row in rows}

    @cached_property
    def roles(self) -> dict[str, list[dict[str, Any]]]:
        """Each deal's parties with their roles, by deal id."""
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in sections.records(queries.sparql(self.inputs.store, _ROLES)):
            out[row["deal"]].append({"org": row["org"], "role": row["role"], "lead": bool(row["lead"])})
        return out

    @cached_property
    def party_to(self) -> dict[str, set[str]]:
        """The deals each organisation is a party to, by organisation id (from :attr:`roles`)."""
        out: dict[str, set[str]] = defaultdict(set)
        for deal, parties in self.roles.items():
            for party in parties:
                out[party["org"]].add(deal)
        return out

    @cached_property
    def cycles(self) -> circularity.Cycles:
        return circularity.find_cycles(self.inputs.grouped, group_subsidiaries=False)

    @cached_property
    def cycle_rows(self) -> list[dict[str, Any]]:
        return sections.cycle_rows(self.cycles, self.names)["rows"]

    @cached_property
    def annotated(self) -> nx.MultiDiGraph:
        """Every leg with the loops marked: what the explorer draws."""
        return circularity.annotate(self.inputs.everything, self.cycles)

    @cached_property
    def parts(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for deal, row in self.deals.items():
            if row["part_of"]:
                out[row["part_of"]].append(deal)
        return out

    def settings(self) -> dict[str, Any]:
        return dict(self.inputs.legs.graph["settings"])

    # -- organisations ------------------------------------------------------------------------------------------
    def org(self, org: str) -> dict[str, Any] | None:
        """An organisation's profile as plain rows, or None if it is not in the data."""
        if org not in self._profiles:
            self._profiles[org] = self._org(org)
            while len(self._profiles) > self.KEPT:
                self._profiles.popitem(last=False)
        self._profiles.move_to_end(org)
        return self._profiles[org]

    def _org(self, org: str) -> dict[str, Any] | None:
        everything = self.inputs.everything
        if org not in everything:
            return None
        node = everything.nodes[org]
        iri = ns.record("org", org)
        facts = defaultdict(list)
        for row in entity_org.select(self.inputs.store, _PROFILE, iri):
            facts[_label(str(row["p"]))].append(row["v"])
        aliases = self._aliases(iri)
        deal_ids = sorted({leg["deal"] for _u, _v, leg in everything.edges(org, data=True)}
                          | {leg["deal"] for _u, _v, leg in everything.in_edges(org, data=True)}
                          | self.party_to.get(org, set()))
        by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for deal in deal_ids:
            row = self.deals[deal]
            mine = [p for p in self.roles.get(deal, []) if p["org"] == org]
            others = [p for p in self.roles.get(deal, []) if p["org"] != org]
            by_kind[row["kind"]].append({**row, "roles": [p["role"] for p in mine], "others": others})
        for rows in by_kind.values():
            rows.sort(key=lambda r: (r["date"] or "", r["id"]), reverse=True)
        group = self._group(org)
        return {
            "kind": "org", "id": org, "iri": iri, "name": node.get("label", org), "types": node.get("types") or [],
            "wikidata": node.get("wikidata"), "lei": node.get("lei"), "ticker": node.get("ticker"),
            "country": (facts.get("country") or [None])[0], "headquarters": (facts.get("headquarters") or [None])[0],
            "description": (facts.get("description") or [None])[0], "parent": node.get("parent"),
            "subsidiaries": sorted(n for n, d in everything.nodes(data=True) if d.get("parent") == org),
            "aliases": aliases, "identifier_sources": self._identifier_sources(iri),
            "sizes": entity_org.sizes(self.inputs.store, iri), "deals": dict(sorted(by_kind.items())),
            "deal_count": sum(len(v) for v in by_kind.values()), "group": group,
            "exposure": entity_org.exposure_rows(self.inputs, group) if group else None,
            "exposed": sections.exposed(self.inputs, group, group, self.names) if group else None,
            "funders": entity_org.funders(self.inputs, group) if group else None,
            "loops": self._loops(group) if group else [],
        }

    def _aliases(self, iri: str) -> dict[str, list[str]]:
        rows = self.inputs.store.query(_ALIASES, {"o": ox.NamedNode(iri)}).term_rows
        out: dict[str, list[str]] = defaultdict(list)
        for _o, alias in rows:
            out[alias.language or ""].append(alias.value)
        return {lang: sorted(names) for lang, names in sorted(out.items())}

    def _identifier_sources(self, iri: str) -> list[dict[str, Any]]:
        rows = entity_org.select(self.inputs.store, _SOURCES, iri)
        return [{**r, "url": safe_url(r["url"])} for r in rows]

    def _group(self, org: str) -> str | None:
        """The organisation the analyses count it under (subsidiaries merged into their groups)."""
        try:
            return resolve(self.inputs.grouped, org)
        except UnknownOrganisation:
            return None

    def _loops(self, org: str) -> list[dict[str, Any]]:
        return [r for r in self.cycle_rows if org in str(r["path"]).split(" → ")]

    def focused_explorer(self, org: str) -> str:
        """The explorer on the organisation and its counterparties, focused on it."""
        G = self.annotated
        kept = neighbourhood(G, org, 1)
        sub = nx.MultiDiGraph(G.subgraph(kept))
        sub.graph.update(G.graph)
        sub.graph["cycles"] = [c for c in G.graph.get("cycles", []) if set(c["nodes"]) <= kept]
        sub.graph["deals"] = {d: r for d, r in G.graph["deals"].items()
                              if d in {leg["deal"] for _u, _v, leg in sub.edges(data=True)}}
        return render_explorer(sub, focus=org, depth=1, statuses=self.settings()["statuses"],
                               title=f"aikg explorer — {self.names.get(org, org)}")

    # -- deals, and what only the RDF says ----------------------------------------------------------------------
    def deal(self, deal: str) -> dict[str, Any] | None:
        """A deal's amount, status, date, parties, legs and sources, or None if it is not in the data."""
        row = self.deals.get(deal)
        if row is None:
            return None
        return {**row, "kind_page": "deal", "iri": ns.record("deal", deal), "parties": self.roles.get(deal, []),
                "parts": sorted(self.parts.get(deal, [])),
                "claims": self._nodes(entity_rdf.describe(self.inputs.store, ns.record("deal", deal)),
                                      ns.record("deal", deal))[1:]}

    def resource(self, path: str) -> dict[str, Any] | None:
        """The RDF description of any record, node by node (the record first), or None if the store has none."""
        iri = ns.ID + path
        triples = entity_rdf.describe(self.inputs.store, iri)
        if not triples:
            return None
        nodes = self._nodes(triples, iri)
        title = next((v["text"] for v in nodes[0]["rows"] if v["property"] in ("title", "label", "name")), path)
        return {"kind_page": "resource", "path": path, "iri": iri, "title": title, "nodes": nodes}

    def _nodes(self, triples: Iterable[ox.Triple], iri: str) -> list[dict[str, Any]]:
        """The triples grouped by subject: the record, then its minted nodes; links into it last."""
        by_subject: dict[str, list[dict[str, Any]]] = defaultdict(list)
        incoming: list[dict[str, Any]] = []
        for t in triples:
            s = t.subject.value
            value = self._value(t.object)
            entry = {"property": _label(t.predicate.value), **value}
            if s == iri or s.startswith(iri + "/"):
                by_subject[s].append(entry)
            else:
                incoming.append({"property": _label(t.predicate.value), **self._value(t.subject)})
        order = sorted(by_subject, key=lambda s: (s != iri, s))
        nodes = [{"iri": s, "anchor": s[len(iri) + 1:].replace("/", "-") if s != iri else "",
                  "rows": sorted(by_subject[s], key=lambda v: (v["property"] != "type", v["property"], v["text"]))}
                 for s in order]
        if incoming:
            nodes.append({"iri": None, "anchor": "links", "rows": sorted(incoming, key=lambda v: v["text"])})
        return nodes

    @staticmethod
    def _value(term: Any) -> dict[str, Any]:
        """A term as text, with the record path (``path``) of a minted IRI or the URL of an http(s) one."""
        if isinstance(term, ox.NamedNode):
            if term.value.startswith(ns.ID):
                return {"text": term.value[len(ns.ID):], "path": term.value[len(ns.ID):], "url": None}
            return {"text": _label(term.value) if "aikg" in term.value else term.value, "path": None,
                    "url": safe_url(term.value)}
        lang = term.language if isinstance(term, ox.Literal) else None
        return {"text": term.value if isinstance(term, ox.Literal) else str(term), "path": None, "url": None,
                "lang": lang}

    def exists(self, path: str) -> bool:
        """Whether the store has anything about the minted IRI at ``path`` (``deal/x/claim/1``)."""
        return entity_rdf.exists(self.inputs.store, ns.ID + path)

    def rdf(self, path: str, media: str, base: str = ns.ID) -> bytes | None:
        """The RDF document of the record at ``path`` in ``media`` (Turtle or JSON-LD), its minted IRIs moved
        to ``base`` (see :func:`~kg.views.entity_rdf.rebase`), or None if the store has nothing about it."""
        iri = ns.ID + path
        triples = entity_rdf.describe(self.inputs.store, iri)
        return entity_rdf.serialize(entity_rdf.rebase(triples, base, iri), media) if triples else None

    # -- rendering ----------------------------------------------------------------------------------------------
    def html(self, path: str, links: Links) -> str | None:
        """The page of the record at ``path`` (``org/openai``, ``deal/x``, ``source/y``, ...), or None."""
        kind, _, record = path.partition("/")
        if kind == "org":
            profile = self.org(record)
            if profile is None:
                return None
            explorer = self.focused_explorer(record) if links.explorer and profile["group"] else None
            return self._render(profile, path, links, explorer=explorer)
        if kind == "deal":
            profile = self.deal(record)
            if profile is not None:
                return self._render(profile, path, links)
        resource = self.resource(path)
        return None if resource is None else self._render(resource, path, links)

    def index(self, links: Links) -> str:
        """Every organisation, by name, with its types and number of deals."""
        everything = self.inputs.everything
        orgs = sorted(({"id": n, "name": d.get("label", n), "types": d.get("types") or [],
                        "deals": len({leg["deal"] for *_e, leg in everything.edges(n, data=True)}
                                     | {leg["deal"] for *_e, leg in everything.in_edges(n, data=True)})}
                       for n, d in everything.nodes(data=True)), key=lambda o: str(o["name"]).casefold())
        return self._render({"kind_page": "index", "orgs": orgs}, None, links)

    def not_found(self, path: str, links: Links) -> str:
        """A 404 page that says what ids look like and offers the closest organisations."""
        try:
            close = [resolve(self.inputs.everything, path.rsplit("/", 1)[-1])]
        except UnknownOrganisation as exc:
            close = [c for c in exc.suggestions if c in self.inputs.everything]
        return self._render({"kind_page": "missing", "path": path, "close": close}, None, links)

    def _render(self, page: dict[str, Any], path: str | None, links: Links, explorer: str | None = None) -> str:
        if "kind" in page and "kind_page" not in page:
            page["kind_page"] = "org"
        hashes = " ".join(script_hashes(explorer)) if explorer else ""
        return self.env.get_template("entity.html.j2").render(
            p=page, settings=self.settings(), href=links.href, nav=dict(links.nav), index_href=links.index_href,
            rdf_links=links.rdf_href(path) if links.rdf_href and path else None, names=self.names,
            explorer_html=explorer,
            script_hashes=Markup(hashes),  # noqa: S704 - matched 'sha256-…' tokens only
            kind_labels=style.KIND_LABELS, status_labels=style.STATUS_LABELS, type_labels=style.TYPE_LABELS,
            basis_labels=report.BASIS_LABELS, channels=dict(sections.EXPOSURE_COLUMNS),
            generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))


@dataclass(frozen=True, eq=False)
class LinkedPages:
    """:class:`EntityPages` with one way of linking: what the endpoint serves
    (:class:`kg.endpoint.linked_data.EntitySource`) and the static site writes."""

    pages: EntityPages
    links: Links

    def exists(self, path: str) -> bool:
        return self.pages.exists(path)

    def html(self, path: str) -> str | None:
        return self.pages.html(path, self.links)

    def rdf(self, path: str, media: str, base: str = ns.ID) -> bytes | None:
        return self.pages.rdf(path, media, base)

    def index(self) -> str:
        return self.pages.index(self.links)

    def not_found(self, path: str) -> str:
        return self.pages.not_found(path, self.links)

