"""The endpoint's two documents: the HTML query page and the SPARQL 1.1 Service Description.

The page lists the caller's named queries as examples. Every caller-supplied string is HTML-escaped
and the queries reach the page's script only as JSON inside a ``<script type="application/json">``
block (``<``, ``>`` and ``&`` escaped), which the script reads with ``textContent``; results are put
into the table with ``textContent`` too, never ``innerHTML``. A per-response nonce limits scripts
to the page's own.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping

import pyoxigraph as ox

from kg.endpoint.protocol import GRAPH_TYPES, RESULT_TYPES

__all__ = ["query_page", "service_description"]

_SCRIPT = r"""
const examples = JSON.parse(document.getElementById('examples').textContent);
const editor = document.getElementById('query');
const status = document.getElementById('status');
const table = document.getElementById('results');
for (const button of document.querySelectorAll('button[data-example]')) {
  button.addEventListener('click', () => { editor.value = examples[button.dataset.example]; });
}
function cell(term) {
  if (!term) return '';
  if (term.type === 'literal' && term['xml:lang']) return term.value + ' @' + term['xml:lang'];
  return term.value;
}
document.getElementById('run').addEventListener('click', async (event) => {
  event.preventDefault();
  status.textContent = 'running...';
  table.replaceChildren();
  const started = performance.now();
  const response = await fetch('sparql', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/sparql-query',
      'Accept': 'application/sparql-results+json, text/turtle;q=0.9',
    },
    body: editor.value,
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const type = response.headers.get('Content-Type') || '';
  if (!response.ok || !type.includes('json')) {
    const text = await response.text();
    status.textContent = `${response.status} in ${seconds} s`;
    const row = table.insertRow(); row.insertCell().textContent = text;
    return;
  }
  const data = await response.json();
  const truncated = response.headers.get('X-aikg-truncated') === 'true';
  if ('boolean' in data) { status.textContent = `ASK: ${data.boolean} (${seconds} s)`; return; }
  const vars = data.head.vars;
  const head = table.createTHead().insertRow();
  for (const v of vars) { const th = document.createElement('th'); th.textContent = v; head.appendChild(th); }
  const body = table.createTBody();
  for (const binding of data.results.bindings) {
    const row = body.insertRow();
    for (const v of vars) row.insertCell().textContent = cell(binding[v]);
  }
  status.textContent = `${data.results.bindings.length} rows in ${seconds} s` +
    (truncated ? ' (truncated: the row limit was reached)' : '');
});
"""

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; max-width: 80rem; }
textarea { width: 100%; height: 14rem; font-family: monospace; font-size: 0.9rem; }
table { border-collapse: collapse; margin-top: 1rem; font-size: 0.85rem; }
td, th { border: 1px solid #ccc; padding: 0.2rem 0.4rem; text-align: left; vertical-align: top; }
pre { background: #f6f6f6; padding: 0.5rem; overflow-x: auto; }
.example { margin-bottom: 1rem; }
"""


def _json_for_script(value: object) -> str:
    # inside <script> only "</" and friends matter; escaping <, > and & covers all of them
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def query_page(
    title: str,
    named_queries: Mapping[str, tuple[str, str]],
    nonce: str,
    *,
    limits: str,
    explorer: bool,
) -> bytes:
    """The HTML page at ``/``: an editor, a results table and the named queries as examples."""
    esc = html.escape
    examples = []
    for name, (label, text) in named_queries.items():
        examples.append(
            f'<div class="example"><h3>{esc(label)} <code>{esc(name)}</code></h3>'
            f'<button type="button" data-example="{esc(name)}">Load into editor</button>'
            f"<pre>{esc(text)}</pre></div>"
        )
    first = next(iter(named_queries.values()), ("", "SELECT * WHERE { ?s ?p ?o } LIMIT 10"))[1]
    texts = {name: text for name, (_, text) in named_queries.items()}
    explorer_link = ' · <a href="explorer">graph explorer</a>' if explorer else ""
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style nonce="{nonce}">{_STYLE}</style></head>
<body>
<h1>{esc(title)}</h1>
<p>SPARQL 1.1 query endpoint at <code>sparql</code> (GET <code>?query=</code>, POST form or
<code>application/sparql-query</code>) · <a href="sparql">service description</a>{explorer_link}</p>
<p>{esc(limits)}</p>
<form><textarea id="query" spellcheck="false">{esc(first)}</textarea>
<button id="run" type="submit">Run</button> <span id="status"></span></form>
<table id="results"></table>
<h2>Example queries</h2>
{"".join(examples) or "<p>No named queries were configured.</p>"}
<script type="application/json" id="examples">{_json_for_script(texts)}</script>
<script nonce="{nonce}">{_SCRIPT}</script>
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
