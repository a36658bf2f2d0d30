"""``aikg serve``: a query-only SPARQL 1.1 Protocol endpoint on the standard library's HTTP server.

Routes: ``/sparql`` (also ``/query``) — the protocol, and the service description on a GET without
``query``; ``/queries/NAME?param=value`` — a named query with its parameters bound
(:mod:`kg.endpoint.named`); ``/`` — the HTML query page; ``/explorer`` — an optional HTML file;
``/id/...`` and ``/doc/...`` — every minted IRI and the documents about it
(:mod:`kg.endpoint.linked_data`), when the server is given the pages (``entities``). ``format=xlsx``
gives SELECT and ASK results as a workbook (:mod:`kg.endpoint.spreadsheet`).

Refusals and limits, all answered with an explicit status (limits configurable, :class:`EndpointConfig`),
each tried by an attack in the test named after it (``security``, ``faults``, ``load``: the files
``tests/test_endpoint_*.py``):

==========================  ===================================================================
any SPARQL Update           403 (``update=``, ``application/sparql-update``, an update as query)
                            [security]
SERVICE, foreign FROM       403, before evaluation (:mod:`kg.endpoint.guard`; workers also have
                            no network, :mod:`kg.endpoint.sandbox`) [security]
protocol misuse             400 / 405 / 411 / 415 (:mod:`kg.endpoint.protocol`) [protocol]
query text too long         413 [security]
request body too long       413 (checked from Content-Length before reading) [security]
per-client concurrency      429 with ``Retry-After`` (client = remote IP address; proxies are not
                            trusted) [security]
open connections            503 in total, 429 per client, both with ``Retry-After`` and refused at
                            accept time: the thread count stays bounded and one client cannot hold
                            every slot (:mod:`kg.endpoint.limits`) [security, faults: slowloris]
slow request                connection closed unless request line, headers and body all arrive
                            within ``request_timeout_s``: one deadline, not reset by each line
                            that trickles in [faults]
light and heavy queries     separate worker lanes: a text answered fast before runs on reserved
                            light workers, a new or slow one in the general lane, so heavy queries
                            holding every general worker do not delay it (:mod:`kg.endpoint.lanes`)
                            [faults; measured under load by ``bench/bench_soak.py``]
no worker free in time      503 with ``Retry-After``; every 503 carries it [faults]
query deadline              504 (the worker process is killed and replaced) [security, load]
worker memory cap           500 ``query failed`` (the worker dies at its address-space limit and is
                            replaced; ``worker_memory_mb``, default 1024) [security]
row / byte cap              200 with ``X-aikg-truncated: true`` (and a ``link`` marker in
                            JSON/XML results, see :mod:`kg.endpoint.results`) [security]
==========================  ===================================================================

Under load (50 clients mixing heavy and light queries) every answer is correct or one of these
errors [load].

Every response carries ``Access-Control-Allow-Origin: *`` and never ``Allow-Credentials``:
the endpoint is public and read-only, so there is nothing a cross-site request could abuse.
Error bodies are short plain text written here or in the worker; exception details go to the log.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from kg.endpoint.guard import QueryInfo, Refusal
from kg.endpoint.lanes import Lanes
from kg.endpoint.limits import ClientLimiter, ConnectionCounter, DeadlineReader
from kg.endpoint.linked_data import EntitySource
from kg.endpoint.linked_data import answer as linked_data_answer
from kg.endpoint.named import NamedEntry, WorkerStore, as_named, bound_query, bound_values, table_plan
from kg.endpoint.pages import query_page, service_description
from kg.endpoint.pool import PoolBusy, QueryTimeout, WorkerFailed
from kg.endpoint.protocol import parse_params, parse_request
from kg.endpoint.spreadsheet import XLSX, is_xlsx, results_to_xlsx
from kg.endpoint.worker import Job, Reply
from kg.projection import plans
from kg.projection.tables import TABLE_NAMES
from kg.records.names import UnknownOrganisation
from kg.store.base import StoreError
from kg.store.paging import PagingError, check_page, paged
from kg.store.queries import QueryError

__all__ = ["EndpointConfig", "EndpointServer", "make_server", "serve"]

log = logging.getLogger("aikg.endpoint")

_SPARQL_PATHS = ("/sparql", "/sparql/", "/query")
_NAMED_PATH = "/queries/"
_EXPOSED_HEADERS = "X-aikg-truncated, X-aikg-truncated-reason, X-aikg-rows"
_HOST_RE = re.compile(r"[A-Za-z0-9.\-]+(:[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?")


@dataclass(frozen=True)
class EndpointConfig:
    """Everything ``serve`` can be told. Defaults suit one analyst team on one machine."""

    store_path: Path
    timeout_s: float = 30.0
    max_rows: int = 10_000
    max_query_chars: int = 20_000
    max_concurrent_per_client: int = 4
    max_result_bytes: int = 64 * 1024 * 1024
    # the general lane (new and slow queries); more workers than cores, so that one heavy query
    # does not hold up the rest
    workers: int = max(2, min(8, 2 * (os.cpu_count() or 1)))
    # the light lane: texts answered within light_query_s before; they take milliseconds, so two
    # workers answer hundreds a second
    light_workers: int = 2
    light_query_s: float = 0.5
    queue_timeout_s: float | None = None  # default: timeout_s
    max_connections: int = 256
    max_connections_per_client: int = 16
    # request line, headers and body must all arrive within this (and an idle connection is closed)
    request_timeout_s: float = 10.0
    named_queries: Mapping[str, NamedEntry] = field(default_factory=dict)  # served at /queries/NAME
    explorer_path: Path | None = None
    # the pages and RDF of the minted IRIs (/id/..., /doc/...): called per request, so the source may
    # follow a rebuilt store; None answers 404 there
    entities: Callable[[], EntitySource] | None = None
    union_default_graph: bool = False
    sandbox: bool = True
    # address-space cap per worker; a query past it dies (500) instead of exhausting the host
    worker_memory_mb: int | None = 1024
    title: str = "aikg SPARQL endpoint"

    def limits_text(self) -> str:
        return (
            f"Read-only. Each query may run {self.timeout_s:g} s and returns at most {self.max_rows} rows "
            f"(more are cut off and flagged by the X-aikg-truncated header); queries up to "
            f"{self.max_query_chars} characters; "
            f"{self.max_concurrent_per_client} concurrent queries and "
            f"{self.max_connections_per_client} open connections per client."
        )


class _VerdictCache:
    """Guard verdicts a worker produced for accepted queries, keyed by (text, base IRI).

    rdflib needs 10-300 ms to parse a query; with this cache a query text is parsed once per
    server instead of once per worker. Only verdicts computed by a worker enter the cache.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[tuple[str, str], QueryInfo] = OrderedDict()

    def get(self, key: tuple[str, str]) -> QueryInfo | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[str, str | None], value: QueryInfo) -> None:
        with self._lock:
            self._items[key] = value  # type: ignore[index]
            self._items.move_to_end(key)  # type: ignore[arg-type]
            while len(self._items) > self.size:
                self._items.popitem(last=False)


class EndpointServer(ThreadingHTTPServer):
    """The HTTP server plus its worker pool; ``close()`` stops both."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], config: EndpointConfig) -> None:
        self.config = config
        self.limiter = ClientLimiter(config.max_concurrent_per_client)
        self.checked = _VerdictCache(512)
        # entity pages are built in this process from one projection: one at a time, the last ones kept
        self.entity_lock = threading.Lock()
        self.entity_cache: OrderedDict[tuple[object, str, str, str | None, str | None], tuple] = OrderedDict()
        self.connections = ConnectionCounter(config.max_connections, config.max_connections_per_client)
        self.lanes = Lanes(
            config.store_path,
            light_workers=config.light_workers,
            general_workers=config.workers,
            light_query_s=config.light_query_s,
            sandbox=config.sandbox,
            memory_mb=config.worker_memory_mb,
        )
        try:
            super().__init__(address, _Handler)
        except Exception:
            self.lanes.close()
            raise

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def process_request(self, request, client_address) -> None:
        # bound the number of handler threads: refuse extra connections outright, on this thread
        refused = self.connections.admit(client_address[0])
        if refused is not None:
            with suppress(OSError):
                request.sendall(refused)
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.release(client_address[0])

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self.lanes.close()


class _Handler(BaseHTTPRequestHandler):
    server: EndpointServer
    protocol_version = "HTTP/1.1"
    server_version = "aikg"
    sys_version = ""
    timeout = 30  # seconds a response may take to send (reading has its own deadline)
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall

    # --- plumbing -------------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self._reader = DeadlineReader(self.connection)
        self.rfile = io.BufferedReader(self._reader)

    def handle_one_request(self) -> None:
        # the wait for the request line counts too: an idle keep-alive connection is closed
        self._reader.restart(self.server.config.request_timeout_s)
        super().handle_one_request()

    def flush_headers(self) -> None:
        # every write starts here; reads left the socket timeout at what remained of their deadline
        self.connection.settimeout(self.timeout)
        super().flush_headers()

    def version_string(self) -> str:
        return self.server_version  # no Python version in the Server header

    def log_message(self, format: str, *args) -> None:
        log.info("%s %s", self.client_address[0], format % args)

    def _send(
        self, status: int, body: bytes, content_type: str, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", _EXPOSED_HEADERS)
        self.send_header("X-Content-Type-Options", "nosniff")
        if status == 503 and "Retry-After" not in (headers or {}):
            self.send_header("Retry-After", "2")  # every 503 says when to come back, so clients back off
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, f"error: {message}\n".encode(), "text/plain; charset=utf-8", headers)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Used by the base class for malformed requests; a short text body, no HTML echo."""
        self.close_connection = True
        with suppress(OSError):
            self._error(code, (message or "bad request").splitlines()[0][:200])

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering 411/413."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._error(411, "send the body with Content-Length")
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        # a form-encoded character takes at most 12 bytes (4 UTF-8 bytes, each %XX)
        limit = self.server.config.max_query_chars * 12 + 64 * 1024
        if length < 0 or length > limit:
            self.close_connection = True
            self._error(413, f"request body larger than {limit} bytes")
            return None
        return self.rfile.read(length) if length else b""

    # --- methods --------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _not_allowed(self) -> None:
        if self.headers.get("Content-Length"):
            self.close_connection = True
        self._error(405, "use GET or POST", {"Allow": "GET, HEAD, POST, OPTIONS"})

    do_PUT = do_DELETE = do_PATCH = _not_allowed

    def _dispatch(self, method: str) -> None:
        try:
            path = urlsplit(self.path).path
            if path in _SPARQL_PATHS:
                self._sparql(method)
            elif method == "POST":
                self._read_body()
                self._error(404, "POST queries to /sparql")
            elif path == "/":
                self._page()
            elif path == "/explorer":
                self._explorer()
            elif path == "/favicon.ico":
                self._send(204, b"", "image/x-icon")  # no icon; spares the page a 404 in its console
            elif path.startswith(_NAMED_PATH):
                self._named(unquote(path[len(_NAMED_PATH) :]))
            elif path == "/id" or path.startswith(("/id/", "/doc/")):
                self._entity(path)
            else:
                self._error(404, "not found")
        except (TimeoutError, BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            log.exception("internal error")
            self.close_connection = True
            with suppress(OSError):
                self._error(500, "internal error")

    # --- pages ----------------------------------------------------------------------------

    def _page(self) -> None:
        config = self.server.config
        nonce = secrets.token_urlsafe(16)
        body = query_page(
            config.title,
            config.named_queries,
            nonce,
            limits=config.limits_text(),
            explorer=config.explorer_path is not None,
        )
        csp = f"default-src 'self'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; base-uri 'none'"
        self._send(200, body, "text/html; charset=utf-8", {"Content-Security-Policy": csp})

    def _explorer(self) -> None:
        path = self.server.config.explorer_path
        if path is None:
            self._error(404, "no explorer page configured")
            return
        try:
            body = Path(path).read_bytes()
        except OSError:
            self._error(404, "explorer page not available")
            return
        self._send(200, body, "text/html; charset=utf-8")

    def _entity(self, path: str) -> None:
        factory = self.server.config.entities
        if factory is None:
            self._error(404, "this server has no entity pages")
            return
        fmt = (parse_qs(urlsplit(self.path).query).get("format") or [None])[-1]
        accept = self.headers.get("Accept")
        server = self.server
        with server.entity_lock:
            source = factory()
            key = (source, path, self._base_url(), accept, fmt)
            hit = server.entity_cache.get(key)
            if hit is None:
                hit = linked_data_answer(source, path, accept, fmt, self._base_url())
                server.entity_cache[key] = hit
                while len(server.entity_cache) > 256:
                    server.entity_cache.popitem(last=False)
            server.entity_cache.move_to_end(key)
        if hit is None:
            self._error(404, "not found")
            return
        self._send(hit.status, hit.body, hit.content_type, hit.headers)

    def _base_url(self) -> str:
        """``http://host:port`` as the client addressed this server (a Host header that is not a plain host
        name or address is not trusted)."""
        host = self.headers.get("Host", "")
        if not _HOST_RE.fullmatch(host):
            host = f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        return f"http://{host}"

    def _endpoint_url(self) -> str:
        return f"{self._base_url()}/sparql"

    # --- the protocol ---------------------------------------------------------------------

    def _sparql(self, method: str) -> None:
        config = self.server.config
        body = b""
        if method == "POST":
            read = self._read_body()
            if read is None:
                return
            body = read
        split = urlsplit(self.path)
        try:
            request = parse_request(
                "GET" if method == "HEAD" else method,
                split.query,
                self.headers.get("Content-Type"),
                body,
                config.max_query_chars,
            )
        except Refusal as refusal:
            self._error(refusal.status, refusal.message)
            return
        accept = self.headers.get("Accept")
        query = request.query
        if query is not None and ("limit" in request.params or "offset" in request.params):
            try:
                query = _page(query, request.params, config.max_rows)
            except PagingError as exc:
                self._error(400, str(exc))
                return
        if query is None:
            job = Job(kind="describe")
        else:
            job = self._query_job(
                query,
                accept,
                request.format,
                default_graphs=request.default_graphs,
                named_graphs=request.named_graphs,
            )
        reply = self._run(job)
        if reply is None:
            return
        if job.kind == "describe":
            self._service_description(reply.facts, accept)
            return
        self._send_reply(reply, request.format)

    def _run(self, job: Job) -> Reply | None:
        """``job``'s reply from the workers, or None after answering 429/503/504/500 for it."""
        config = self.server.config
        with self.server.limiter.slot(self.client_address[0]) as admitted:
            if not admitted:
                self._error(429, "too many concurrent queries from this client", {"Retry-After": "1"})
                return None
            queue_timeout = config.queue_timeout_s if config.queue_timeout_s is not None else config.timeout_s
            try:
                reply = self.server.lanes.run(job, deadline_s=config.timeout_s, queue_timeout_s=queue_timeout)
            except PoolBusy:
                self._error(503, "all query workers are busy; try again", {"Retry-After": "2"})
                return None
            except QueryTimeout:
                self._error(504, f"query timed out after {config.timeout_s:g} s and was stopped")
                return None
            except WorkerFailed:
                log.error("query worker died during a query")
                self._error(500, "query failed")
                return None
        if reply.detail:
            log.error("query error: %s", reply.detail)
        if reply.checked is not None and job.checked is None:
            self.server.checked.put((job.query, job.base_iri), reply.checked)
        return reply

    def _send_reply(self, reply: Reply, format_param: str | None) -> None:
        headers = {**reply.headers, "Vary": "Accept"}
        if reply.status == 200 and is_xlsx(format_param):
            try:
                body = results_to_xlsx(reply.body)
            except ValueError as exc:
                self._error(400, str(exc))
                return
            self._send(200, body, XLSX, {**headers, "Content-Disposition": 'attachment; filename="results.xlsx"'})
            return
        self._send(reply.status, reply.body, reply.content_type, headers)

    def _query_job(self, query: str, accept: str | None, fmt: str | None, **dataset) -> Job:
        config = self.server.config
        base = self._endpoint_url()
        return Job(
            query=query,
            accept=accept,
            format="json" if is_xlsx(fmt) else fmt,  # XLSX is written here from the JSON results
            max_rows=config.max_rows,
            max_bytes=config.max_result_bytes,
            union_default_graph=config.union_default_graph,
            base_iri=base,
            checked=self.server.checked.get((query, base)),
            **dataset,
        )

    # --- named queries --------------------------------------------------------------------

    def _named(self, name: str) -> None:
        entry = self.server.config.named_queries.get(name)
        if entry is None:
            self._error(404, f"no named query {name!r}")
            return
        split = urlsplit(self.path)
        try:
            params = parse_params(split.query)
        except Refusal as refusal:
            self._error(refusal.status, refusal.message)
            return
        failed: list[Reply | None] = []

        def run(text: str) -> bytes:  # the organisation look-ups, through the same workers
            reply = self._run(self._query_job(text, "application/sparql-results+json", None))
            if reply is None or reply.status != 200:
                failed.append(reply)
                raise StoreError("organisation look-up failed")
            return reply.body

        named = as_named(name, entry)
        try:
            bound = bound_values(named, params, WorkerStore(run))
            text = bound_query(named, bound)
        except (QueryError, UnknownOrganisation) as exc:
            self._error(400, str(exc))
            return
        except StoreError as exc:
            if failed and failed[0] is None:
                return  # already answered (busy, timeout)
            if failed:
                self._send_reply(failed[0], None)
                return
            self._error(exc.status or 400, str(exc))
            return
        plan = table_plan(named, self.server.config.store_path)
        if "limit" in params or "offset" in params:
            try:
                text = _page(text, params, self.server.config.max_rows)
                if plan is not None:
                    plan = (plan[0], plans.page(plan[1], *_page_of(params, self.server.config.max_rows)))
            except PagingError as exc:
                self._error(400, str(exc))
                return
        fmt = (params.get("format") or params.get("output") or [None])[-1]
        job = self._query_job(text, self.headers.get("Accept"), fmt)
        if plan is not None:  # the same rows from the build's tables (kg.projection.plans)
            job = dataclasses.replace(job, kind="plan", query=plan[1], tables=str(plan[0]),
                                      table_names=TABLE_NAMES, memory_mb=_plan_memory(self.server.config),
                                      params=tuple((p.name, bound.get(p.name)) for p in named.params))
        reply = self._run(job)
        if reply is not None:
            self._send_reply(reply, fmt)

    def _service_description(self, facts: dict, accept: str | None) -> None:
        from kg.endpoint.protocol import choose_format

        config = self.server.config
        media = choose_format("DESCRIBE", accept)
        body = service_description(
            self._endpoint_url(),
            facts.get("named_graphs", []),
            facts.get("quads", 0),
            config.limits_text(),
            config.union_default_graph,
            media,
        )
        self._send(200, body, media, {"Vary": "Accept"})


def _plan_memory(config: EndpointConfig) -> int | None:
    """DuckDB's share of a worker's address-space cap: the rest holds the interpreter, the store's and
    DuckDB's libraries and the serialised answer."""
    return None if config.worker_memory_mb is None else max(64, config.worker_memory_mb // 2)


def _page_of(params: Mapping[str, list[str]], max_rows: int) -> tuple[int, int]:
    """The page the non-standard ``limit`` (1 to ``max_rows``, default ``max_rows``) and ``offset`` (default 0)
    parameters ask for."""
    given = {}
    for key in ("limit", "offset"):
        values = params.get(key, [])
        if len(values) > 1:
            raise PagingError(f"give {key} once")
        given[key] = values[0] if values else None
    return check_page(given["limit"] or max_rows, given["offset"] or 0, max_limit=max_rows)


def _page(query: str, params: Mapping[str, list[str]], max_rows: int) -> str:
    """One page of ``query``'s ordered rows (:func:`_page_of`); the named queries all end in ``ORDER BY``."""
    return paged(query, *_page_of(params, max_rows))


def make_server(store_path: Path, host: str = "127.0.0.1", port: int = 7878, **options) -> EndpointServer:
    """Start the worker pool and bind the server (``port=0`` picks a free port); call
    ``serve_forever()`` to serve (e.g. in a thread) and ``close()`` to stop.

    ``options`` are :class:`EndpointConfig` fields. ``store_path`` is a store made by
    :meth:`kg.store.embedded.EmbeddedStore.build` (or any Oxigraph directory nobody writes to)."""
    config = EndpointConfig(store_path=Path(store_path), **options)
    if not os.path.exists(config.store_path):
        raise FileNotFoundError(f"no store at {config.store_path}")
    return EndpointServer((host, port), config)


def serve(
    store_path: Path,
    host: str = "127.0.0.1",
    port: int = 7878,
    *,
    timeout_s: float = 30.0,
    max_rows: int = 10_000,
    max_query_chars: int = 20_000,
    max_concurrent_per_client: int = 4,
    named_queries: Mapping[str, NamedEntry] | None = None,
    explorer_path: Path | None = None,
    **options,
) -> None:
    """Serve the store at ``store_path`` on ``host:port`` until interrupted (Ctrl-C).

    ``named_queries`` maps a name to a :class:`~kg.store.queries.NamedQuery` (or a ``(title, query
    text)`` pair, a query without parameters); they are served at ``/queries/NAME`` and shown in the
    gallery of the page at ``/``. ``explorer_path`` is an HTML file served at ``/explorer`` (read on each request).
    Other ``options`` are :class:`EndpointConfig` fields (``workers``, ``light_workers``,
    ``max_result_bytes``, ``worker_memory_mb``, ``union_default_graph``, ``queue_timeout_s``,
    ``max_connections``, ``max_connections_per_client``, ``request_timeout_s``, ...).
    """
    server = make_server(
        store_path,
        host,
        port,
        timeout_s=timeout_s,
        max_rows=max_rows,
        max_query_chars=max_query_chars,
        max_concurrent_per_client=max_concurrent_per_client,
        named_queries=dict(named_queries or {}),
        explorer_path=explorer_path,
        **options,
    )
    log.warning("aikg SPARQL endpoint on %s/sparql (query page at %s/)", server.url, server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.lanes.close()
