"""Linked Data: every minted IRI answers, with a page for people and RDF for programs.

The data IRIs are ``https://w3id.org/aikg/id/<path>`` (:mod:`kg.rdf.namespaces`); the server answers the
same paths under its own address. An IRI names a thing (an organisation, a deal, a claim), not a
document, so it answers **303 See Other** to the document about it, chosen by content negotiation
(``Accept``, or ``?format=html|turtle|jsonld`` to override):

==============================  ================================================================
``GET /id/org/openai``          303 → ``/doc/org/openai.html`` (or ``.ttl``, ``.jsonld``); ``Vary: Accept``
``GET /id/deal/x/claim/2``      303 → ``/doc/deal/x.html#claim-2``: a node minted under a record
                                is described by the record's document
``GET /doc/org/openai.ttl``     200, the document (``Link: <IRI>; rel="describes"``)
``GET /id/`` (or ``/id``)       200, the list of organisations
unknown id                      404: for a browser a page with the closest organisations, else text
==============================  ================================================================

The pages and RDF come from an :class:`EntitySource` (the views' :class:`kg.views.entity_page.EntityPages`,
handed over by the CLI: the endpoint does not import later stages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kg.endpoint.protocol import _accept_entries, _matches
from kg.rdf.namespaces import record_of

__all__ = ["DOCUMENT_TYPES", "Answer", "EntitySource", "answer", "negotiate"]

ID_PREFIX, DOC_PREFIX = "/id/", "/doc/"
DOCUMENT_TYPES = {"html": "text/html; charset=utf-8", "ttl": "text/turtle; charset=utf-8",
                  "jsonld": "application/ld+json"}
_MEDIA = {"html": ("text/html", "application/xhtml+xml"), "ttl": ("text/turtle",), "jsonld": ("application/ld+json",)}
_FORMAT_NAMES = {"html": "html", "turtle": "ttl", "ttl": "ttl", "jsonld": "jsonld", "json-ld": "jsonld",
                 "json": "jsonld"}
_RDF_MEDIA = {"ttl": "text/turtle", "jsonld": "application/ld+json"}


class EntitySource(Protocol):
    """What the endpoint needs to answer the IRIs (see :class:`kg.views.entity_page.EntityPages`)."""

    def exists(self, path: str) -> bool: ...
    def html(self, path: str) -> str | None: ...
    def rdf(self, path: str, media: str, base: str) -> bytes | None: ...
    def index(self) -> str: ...
    def not_found(self, path: str) -> str: ...


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]


def negotiate(accept: str | None, format_param: str | None = None) -> str:
    """``html``, ``ttl`` or ``jsonld``: ``?format=`` first, then the best ``Accept`` match (HTML when
    nothing matches, and on a tie: a browser's ``*/*`` gets the page).

    >>> negotiate("text/turtle;q=0.9, application/ld+json"), negotiate("text/html,*/*;q=0.8"), negotiate(None, "turtle")
    ('jsonld', 'html', 'ttl')
    """
    if format_param and format_param.lower() in _FORMAT_NAMES:
        return _FORMAT_NAMES[format_param.lower()]
    best: tuple[float, int, int] | None = None
    choice = "html"
    for pattern, q, order in _accept_entries(accept):
        if q <= 0:
            continue
        for rank, (name, media) in enumerate((n, m) for n, ms in _MEDIA.items() for m in ms):
            if _matches(pattern, media) or pattern == media:
                key = (-q, order, rank)
                if best is None or key < best:
                    best, choice = key, name
    return choice


def _page(status: int, text: str, headers: dict[str, str] | None = None) -> Answer:
    return Answer(status, text.encode("utf-8"), DOCUMENT_TYPES["html"], headers or {})


def _missing(source: EntitySource, path: str, kind: str) -> Answer:
    if kind == "html":
        return _page(404, source.not_found(path))
    return Answer(404, f"error: nothing has the id {path!r}\n".encode(), "text/plain; charset=utf-8", {})


def answer(source: EntitySource, url_path: str, accept: str | None, format_param: str | None,
           server_base: str) -> Answer | None:
    """The response to ``url_path`` (``/id/...`` or ``/doc/...``), or None when it is neither.
    ``server_base`` is ``http://host:port`` as the client addressed the server."""
    if url_path in ("/id", ID_PREFIX):
        return _page(200, source.index(), {"Vary": "Accept"})
    if url_path.startswith(ID_PREFIX):
        path = url_path[len(ID_PREFIX):]
        kind = negotiate(accept, format_param)
        record = record_of(path)
        if record is None or not source.exists(path):
            answered = _missing(source, path, kind)
            return Answer(answered.status, answered.body, answered.content_type, {"Vary": "Accept"})
        anchor = "#" + path[len(record) + 1:].replace("/", "-") if path != record and kind == "html" else ""
        location = f"{DOC_PREFIX}{record}.{kind}{anchor}"
        return Answer(303, f"See {location}\n".encode(), "text/plain; charset=utf-8",
                      {"Location": location, "Vary": "Accept"})
    if url_path.startswith(DOC_PREFIX):
        stem, dot, ext = url_path[len(DOC_PREFIX):].rpartition(".")
        if not dot or ext not in DOCUMENT_TYPES or record_of(stem) != stem:
            return _missing(source, url_path[len(DOC_PREFIX):], "html")
        if ext == "html":
            body = source.html(stem)
            data = None if body is None else body.encode("utf-8")
        else:
            data = source.rdf(stem, _RDF_MEDIA[ext], f"{server_base}{ID_PREFIX}")
        if data is None:
            return _missing(source, stem, ext)
        return Answer(200, data, DOCUMENT_TYPES[ext], {"Link": f'<{server_base}{ID_PREFIX}{stem}>; rel="describes"'})
    return None
