"""aikg's query-only SPARQL 1.1 Protocol endpoint (``aikg serve``): a built store in, HTTP answers out.

Modules, one concern each: :mod:`~kg.endpoint.server` (HTTP, limits), :mod:`~kg.endpoint.limits`
(what a client may hold: connections, queries, time to send a request),
:mod:`~kg.endpoint.protocol` (request parsing, content negotiation), :mod:`~kg.endpoint.guard`
(what a query may do), :mod:`~kg.store.lexer` (SPARQL tokens), :mod:`~kg.endpoint.lanes` (light
and general workers, chosen by a query's past cost), :mod:`~kg.endpoint.pool` and
:mod:`~kg.endpoint.worker` (queries in killable processes), :mod:`~kg.endpoint.sandbox` (no
network in workers), :mod:`~kg.endpoint.results` (capped serialization),
:mod:`~kg.endpoint.pages` (HTML page, service description), :mod:`~kg.endpoint.named` (named queries
over HTTP), :mod:`~kg.endpoint.editor` (the page's CodeMirror), :mod:`~kg.endpoint.spreadsheet` (XLSX),
:mod:`~kg.endpoint.linked_data` (the minted IRIs: 303 and content negotiation to the pages and RDF
the CLI hands over).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kg.endpoint.server import EndpointConfig, EndpointServer, make_server, serve

__all__ = ["EndpointConfig", "EndpointServer", "make_server", "serve"]


def __getattr__(name: str):
    # lazy: query workers import kg.endpoint.worker and need none of the HTTP server
    if name in __all__:
        from kg.endpoint import server

        return getattr(server, name)
    raise AttributeError(name)
