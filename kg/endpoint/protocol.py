"""SPARQL 1.1 Protocol: turn an HTTP request into a query request, and pick a response format.

Query only: ``GET ?query=``, ``POST`` form (``application/x-www-form-urlencoded``) and ``POST``
direct (``application/sparql-query``, UTF-8). Anything that is an update (``update=`` or
``application/sparql-update``) is refused with 403. Dataset parameters: ``default-graph-uri``,
``named-graph-uri`` (repeatable). Non-standard but common: ``format=`` (``json``, ``xml``, ``csv``,
``tsv``, ``turtle``, ``ntriples``, ``rdfxml``, ``jsonld`` or a media type) overrides ``Accept``,
so an HTML form or a plain link can ask for CSV.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from kg.endpoint.guard import Refusal

__all__ = [
    "BOOLEAN_TYPES", "GRAPH_TYPES", "RESULT_TYPES", "SparqlRequest", "choose_format", "parse_params", "parse_request",
]

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"

# server preference order: the first is the default
RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
BOOLEAN_TYPES = RESULT_TYPES[:2]
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml")
_OFFERED = {"CONSTRUCT": GRAPH_TYPES, "DESCRIBE": GRAPH_TYPES, "ASK": BOOLEAN_TYPES}
_ALIASES = {
    "application/json": ("application/sparql-results+json", "application/ld+json"),
    "application/xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "text/xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "application/x-turtle": ("text/turtle",),
    "text/plain": ("application/n-triples",),
}
_FORMAT_NAMES = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv",),
    "tsv": ("text/tab-separated-values",),
    "turtle": ("text/turtle",),
    "ttl": ("text/turtle",),
    "ntriples": ("application/n-triples",),
    "nt": ("application/n-triples",),
    "jsonld": ("application/ld+json",),
    "rdfxml": ("application/rdf+xml",),
}
# an absolute IRI without characters that IRIREF forbids
_IRI_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^<>\"{}|^`\\\x00-\x20]*")


@dataclass(frozen=True)
class SparqlRequest:
    """A protocol query request; ``query`` is None for a service-description request."""

    query: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format: str | None = None
    params: dict[str, list[str]] = field(default_factory=dict)


def parse_params(raw: str) -> dict[str, list[str]]:
    try:
        return parse_qs(raw, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Refusal(400, "parameters are not valid UTF-8 URL encoding") from None


def _media_type(header: str | None) -> tuple[str, dict[str, str]]:
    if not header:
        return "", {}
    main, *rest = header.split(";")
    params = {}
    for item in rest:
        key, _, value = item.partition("=")
        params[key.strip().lower()] = value.strip().strip('"').lower()
    return main.strip().lower(), params


def _utf8(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "the request body is not valid UTF-8") from None


def parse_request(
    method: str, query_string: str, content_type: str | None, body: bytes, max_query_chars: int
) -> SparqlRequest:
    """Validate a protocol request; raise :class:`Refusal` with the right status when it is not one."""
    params = parse_params(query_string)
    if method == "GET":
        if "update" in params:
            raise Refusal(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if "query" not in params:
            return SparqlRequest(None, params=params)
        queries = params["query"]
    elif method == "POST":
        media, media_params = _media_type(content_type)
        charset = media_params.get("charset", "utf-8")
        if media == UPDATE:
            raise Refusal(403, "this endpoint is read-only: SPARQL Update is not accepted")
        if charset not in ("utf-8", "utf8"):
            raise Refusal(415, "only UTF-8 request bodies are accepted")
        if media == FORM:
            body_params = parse_params(_utf8(body))
            if "update" in body_params or "update" in params:
                raise Refusal(403, "this endpoint is read-only: SPARQL Update is not accepted")
            for key, values in body_params.items():
                params.setdefault(key, []).extend(values)
            queries = params.get("query", [])
        elif media == DIRECT:
            if "query" in params:
                raise Refusal(400, "a direct POST carries the query in the body, not in ?query=")
            queries = [_utf8(body)]
        elif not media:
            raise Refusal(415, f"a POST needs Content-Type {FORM} or {DIRECT}")
        else:
            raise Refusal(415, f"unsupported Content-Type; use {FORM} or {DIRECT}")
    else:
        raise Refusal(405, "use GET or POST")
    if len(queries) != 1:
        raise Refusal(400, "give exactly one query")
    query = queries[0]
    if len(query) > max_query_chars:
        raise Refusal(413, f"query longer than {max_query_chars} characters")
    if not query.strip():
        raise Refusal(400, "empty query")
    graphs = {}
    for key in ("default-graph-uri", "named-graph-uri"):
        values = params.get(key, [])
        for iri in values:
            if not _IRI_RE.fullmatch(iri):
                raise Refusal(400, f"{key} must be an absolute IRI")
        graphs[key] = tuple(values)
    fmt = (params.get("format") or params.get("output") or [None])[-1]
    return SparqlRequest(query, graphs["default-graph-uri"], graphs["named-graph-uri"], fmt, params)


def _accept_entries(accept: str | None) -> list[tuple[str, float, int]]:
    entries = []
    for order, item in enumerate((accept or "").split(",")):
        media, params = _media_type(item)
        if not media:
            continue
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 0.0
        entries.append((media, q, order))
    return entries


def _matches(pattern: str, media: str) -> bool:
    if pattern == "*/*" or pattern == media:
        return True
    if pattern.endswith("/*"):
        return media.startswith(pattern[:-1])
    return media in _ALIASES.get(pattern, ())


def choose_format(form: str, accept: str | None, format_param: str | None = None) -> str:
    """The media type to answer a ``form`` query with.

    ``format=`` wins if it fits the query form; otherwise the best ``Accept`` match (highest q,
    then the client's order, then ours). With nothing acceptable we answer in the default format
    (JSON or Turtle) rather than 406: the Content-Type says what was sent.
    """
    offered = _OFFERED.get(form, RESULT_TYPES)
    if format_param:
        wanted = _FORMAT_NAMES.get(format_param.lower(), (format_param.lower(),))
        for media in wanted:
            if media in offered:
                return media
    best: tuple[float, int, int] | None = None
    choice = offered[0]
    for pattern, q, order in _accept_entries(accept):
        if q <= 0:
            continue
        for rank, media in enumerate(offered):
            if _matches(pattern, media):
                key = (-q, order, rank)
                if best is None or key < best:
                    best, choice = key, media
    return choice
