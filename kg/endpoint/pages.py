"""The endpoint's two documents: the HTML query page and the SPARQL 1.1 Service Description.

The query page works like the Wikidata Query Service: an editor with SPARQL highlighting and
completion of the ontology's terms (:mod:`kg.endpoint.editor`), the ontology's prefixes declared
for the user, the named queries as a gallery with their parameter fields (run through
``/queries/NAME``, bound by :mod:`kg.endpoint.named`), results as a table with IRIs linked to
their ``/id/...`` pages, readable numbers and amounts, a bar chart and a graph view, downloads
(CSV, JSON, XLSX) and a shareable link (``#query=...`` or ``#named=NAME&param=...``). Its script
is ``page/querypage.js``, its style ``page/querypage.css``.

Safety: every caller-supplied string in the HTML is escaped; the gallery, prefixes and settings
reach the script only as JSON inside ``<script type="application/json">`` blocks (``<``, ``>``
and ``&`` escaped), read with ``textContent``; the script writes results with ``textContent``
and ``createElement``, never ``innerHTML``, and links only ``http(s)`` IRIs. One ``<style>`` and one
``<script>``, both with a per-response nonce, are the page's only style and code (CSP).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from kg.endpoint.editor import editor_assets, inlineable
from kg.endpoint.named import NamedEntry, gallery
from kg.endpoint.protocol import GRAPH_TYPES, RESULT_TYPES
from kg.rdf import namespaces as ns

__all__ = ["PAGE_PREFIXES", "query_page", "service_description"]

# declared for every query run from the page (the ontology's prefixes and OWL's)
PAGE_PREFIXES = {**ns.PREFIXES, "owl": "http://www.w3.org/2002/07/owl#"}
_PAGE_DIR = Path(__file__).resolve().parent / "page"
_DEFAULT_QUERY = "SELECT * WHERE {\n  ?s ?p ?o\n}\nLIMIT 10\n"


@lru_cache(maxsize=1)
def _page_files() -> tuple[str, str]:
    return (
        inlineable((_PAGE_DIR / "querypage.js").read_text(encoding="utf-8"), "script"),
        inlineable((_PAGE_DIR / "querypage.css").read_text(encoding="utf-8"), "style"),
    )


def _json_for_script(value: object) -> str:
    # inside <script> only "</" and friends matter; escaping <, > and & covers all of them
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _card(card: dict) -> str:
    esc = html.escape
    params = ", ".join(p["name"] for p in card["params"])
    tags = "".join(f'<span class="tag">{esc(t)}</span>' for t in card["tags"])
    return (
        f'<li><button type="button" class="card" data-name="{esc(card["name"])}">'
        f'<span class="card-title">{esc(card["title"])}</span>'
        f'<span class="card-desc">{esc(card["description"])}</span>'
        f'<span class="card-meta"><code>{esc(card["name"])}</code>'
        f'{f" <span class=card-params>({esc(params)})</span>" if params else ""}{tags}</span></button></li>'
    )


def query_page(
    title: str,
    named_queries: Mapping[str, NamedEntry],
    nonce: str,
    *,
    limits: str,
    explorer: bool,
) -> bytes:
    """The HTML page at ``/``: the gallery of named queries, the editor, results and their views."""
    esc = html.escape
    cards = gallery(named_queries)
    script, style = _page_files()
    editor = editor_assets()
    editor_note = (
        "Ctrl-Space completes terms, Ctrl-Enter runs."
        if editor
        else "Ctrl-Enter runs. (Install Debian's libjs-codemirror for highlighting and completion.)"
    )
    shown_prefixes = ", ".join(f"<code>{esc(p)}:</code>" for p in PAGE_PREFIXES)
    explorer_link = ' · <a href="explorer">graph explorer</a>' if explorer else ""
    examples = "".join(map(_card, cards)) or "<li>No named queries were configured.</li>"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="{nonce}">{editor.css if editor else ""}
{style}</style></head>
<body>
<header><h1>{esc(title)}</h1>
<p>SPARQL 1.1 endpoint at <code>sparql</code> · named queries at <code>queries/NAME?param=value</code> ·
<a href="sparql">service description</a>{explorer_link}</p></header>
<div class="layout">
<aside id="gallery" aria-label="Example queries"><h2>Examples</h2>
<input id="filter" type="search" placeholder="Filter {len(cards)} examples" aria-label="Filter examples">
<ul id="cards">{examples}</ul></aside>
<main>
<section id="loaded" hidden><h2 id="loaded-title"></h2><p id="loaded-desc"></p>
<form id="params" class="params"></form><p id="edited" class="note" hidden>The text was edited: it runs
as your own query, without the parameters. <button type="button" id="restore">Restore the example</button></p>
</section>
<p class="note">Prefixes {shown_prefixes} are declared for you. {esc(editor_note)}</p>
<textarea id="query" spellcheck="false" aria-label="SPARQL query">{esc(_DEFAULT_QUERY)}</textarea>
<div class="actions"><button id="run" type="button" class="primary">Run</button>
<span id="status" role="status"></span><span class="spacer"></span>
<span id="downloads" hidden>Download <button type="button" data-format="csv">CSV</button>
<button type="button" data-format="json">JSON</button> <button type="button" data-format="xlsx">XLSX</button></span>
<a id="share" href="#">Link to this query</a></div>
<div id="views" role="tablist" hidden><button type="button" role="tab" data-view="table">Table</button>
<button type="button" role="tab" data-view="chart">Bar chart</button>
<button type="button" role="tab" data-view="graph">Graph</button></div>
<div id="view-table" class="view"><table id="results"></table></div>
<div id="view-chart" class="view" hidden></div>
<div id="view-graph" class="view" hidden></div>
<p class="note limits">{esc(limits)}</p>
</main></div>
<script type="application/json" id="gallery-data">{_json_for_script(cards)}</script>
<script type="application/json" id="prefixes">{_json_for_script(PAGE_PREFIXES)}</script>
<script nonce="{nonce}">{editor.js if editor else ""}
{script}</script>
</body></html>
"""
    return page.encode("utf-8")


_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_FORMAT_IRIS = {
    "application/sparql-results+json": "SPARQL_Results_JSON",
    "application/sparql-results+xml": "SPARQL_Results_XML",
    "text/csv": "SPARQL_Results_CSV",
    "text/tab-separated-values": "SPARQL_Results_TSV",
    "text/turtle": "Turtle",
    "application/n-triples": "N-Triples",
    "application/ld+json": "JSON-LD",
    "application/rdf+xml": "RDF_XML",
}


def service_description(
    endpoint_url: str,
    named_graphs: list[str],
    quads: int,
    limits: str,
    union_default_graph: bool,
    media_type: str,
) -> bytes:
    """SPARQL 1.1 Service Description of this endpoint, in ``media_type`` (an RDF format)."""

    def sd(name: str) -> ox.NamedNode:
        return ox.NamedNode(_SD + name)

    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    default_graph = ox.BlankNode("defaultGraph")
    triples = [
        ox.Triple(service, _RDF_TYPE, sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint_url)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal(limits)),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, _RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, _RDF_TYPE, sd("Graph")),
        ox.Triple(
            default_graph,
            ox.NamedNode("http://rdfs.org/ns/void#triples"),
            ox.Literal(str(quads), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ),
    ]
    if union_default_graph:
        triples.append(ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")))
    for media in RESULT_TYPES + GRAPH_TYPES:
        triples.append(ox.Triple(service, sd("resultFormat"), ox.NamedNode(_FORMATS + _FORMAT_IRIS[media])))
    for n, graph in enumerate(named_graphs[:1000]):
        node = ox.BlankNode(f"named{n}")
        triples.append(ox.Triple(dataset, sd("namedGraph"), node))
        triples.append(ox.Triple(node, sd("name"), ox.NamedNode(graph)))
    formats = {
        "text/turtle": ox.RdfFormat.TURTLE,
        "application/n-triples": ox.RdfFormat.N_TRIPLES,
        "application/ld+json": ox.RdfFormat.JSON_LD,
        "application/rdf+xml": ox.RdfFormat.RDF_XML,
    }
    extra = {"prefixes": {"sd": _SD, "formats": _FORMATS}} if media_type == "text/turtle" else {}
    return ox.serialize(triples, format=formats[media_type], **extra)
