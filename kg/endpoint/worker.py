"""The query worker: a separate process that owns a read-only store and answers one job at a time.

Why a process: pyoxigraph has no query timeout or cancellation, so the only reliable deadline is
to kill the process running the query (:mod:`kg.endpoint.pool` does that). The worker also runs
the guard, so rdflib parsing (slow for very long texts) is under the same deadline, and it
serializes results itself: pyoxigraph result iterators must be consumed on the thread that made
them.

The worker runs without network access (:func:`kg.endpoint.sandbox.deny_network`) and reopens the
store when the store path's symlink points to a new generation (:class:`kg.store.embedded.EmbeddedStore`
builds swap generations atomically), so a rebuilt store is served without a restart.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from kg.endpoint.guard import QueryInfo, Refusal, check_dataset, inspect_query
from kg.endpoint.protocol import choose_format
from kg.endpoint.results import TableSolutions, write_boolean, write_graph, write_solutions

__all__ = ["Job", "Reply", "execute", "worker_main"]


@dataclass(frozen=True)
class Job:
    """One request for a worker. ``kind`` is ``query``, ``plan`` (a named query's plan: ``query`` is its SQL,
    run over the tables in ``tables`` with ``params``; :mod:`kg.projection.plans`) or ``describe`` (store facts
    for the SD)."""

    kind: str = "query"
    query: str = ""
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    accept: str | None = None
    format: str | None = None
    max_rows: int = 10_000
    max_bytes: int = 64 * 1024 * 1024
    union_default_graph: bool = False
    base_iri: str | None = None  # for relative IRIs in the query: the endpoint's URL
    checked: QueryInfo | None = None  # a worker's earlier verdict on this exact text and base
    tables: str | None = None  # a plan's tables folder
    table_names: tuple[str, ...] = ()  # the tables in it (kg.projection.tables.TABLE_NAMES)
    params: tuple[tuple[str, object], ...] = ()  # a plan's parameters
    memory_mb: int | None = None  # a plan's DuckDB memory cap


@dataclass
class Reply:
    """A worker's answer. ``detail`` is for the server log only, never for the client."""

    status: int
    content_type: str = "text/plain; charset=utf-8"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    detail: str = ""
    facts: dict = field(default_factory=dict)
    checked: QueryInfo | None = None  # the guard's verdict, for the server to reuse
    seconds: float = 0.0  # time the worker spent on the job: what the server learns a query costs


def error_reply(status: int, message: str, detail: str = "") -> Reply:
    return Reply(status, body=f"error: {message}\n".encode(), detail=detail)


class _OpenStore:
    """The worker's store, reopened when the path's target (the generation) changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.target = ""
        self.store: ox.Store | None = None
        self.graphs: set[str] = set()

    def get(self) -> ox.Store:
        target = os.path.realpath(self.path)
        if self.store is None or target != self.target:
            self.store = ox.Store.read_only(target)
            self.target = target
            self.graphs = {g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)}
        return self.store


def _describe(opened: _OpenStore) -> Reply:
    store = opened.get()
    return Reply(200, facts={"named_graphs": sorted(opened.graphs), "quads": len(store)})


def _plan(job: Job) -> Reply:
    from kg.projection import duck  # DuckDB alone: no pandas in a worker

    columns, rows = duck.rows(Path(job.tables or ""), job.table_names, job.query, dict(job.params), job.memory_mb)
    media = choose_format("SELECT", job.accept, job.format)
    reply = _serialized(write_solutions(TableSolutions(columns, rows), media, job.max_rows, job.max_bytes), media,
                        job, None)
    reply.headers["X-aikg-engine"] = "tables"  # answered by the query's plan, not by the store
    return reply


def _serialized(out, media: str, job: Job, info: QueryInfo | None) -> Reply:
    headers = {"X-aikg-rows": str(out.count)}
    if out.truncated:
        headers["X-aikg-truncated"] = "true"
        headers["X-aikg-truncated-reason"] = out.truncated
        headers["X-aikg-max-rows"] = str(job.max_rows)
    charset = "" if media.endswith("json") or media == "application/n-triples" else "; charset=utf-8"
    return Reply(200, media + charset, out.body, headers, checked=info)


def execute(opened: _OpenStore, job: Job) -> Reply:
    """Guard, run and serialize one query; every failure becomes a client-safe :class:`Reply`."""
    try:
        if job.kind == "describe":
            return _describe(opened)
        if job.kind == "plan":
            return _plan(job)
        info = job.checked or inspect_query(job.query, job.base_iri)
        store = opened.get()
        check_dataset(
            info.from_graphs + info.from_named_graphs + job.default_graphs + job.named_graphs, opened.graphs
        )
        media = choose_format(info.form, job.accept, job.format)
        kwargs: dict = {"base_iri": job.base_iri}
        if job.default_graphs or job.named_graphs:
            # protocol dataset parameters replace the query's FROM / FROM NAMED (SPARQL 1.1 Protocol 2.1.4)
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
        elif job.union_default_graph:
            kwargs["use_default_graph_as_union"] = True
        result = store.query(info.text, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            out = write_boolean(bool(result), media)
        elif isinstance(result, ox.QuerySolutions):
            out = write_solutions(result, media, job.max_rows, job.max_bytes)
        else:
            out = write_graph(result, media, job.max_rows, job.max_bytes, info.prefixes)
    except Refusal as refusal:
        return error_reply(refusal.status, refusal.message)
    except SyntaxError as exc:
        # Oxigraph's syntax messages give a position and the expected token, nothing internal
        message = str(exc).splitlines()[0][:300] if str(exc) else "query syntax error"
        return error_reply(400, f"query syntax error: {message}")
    except MemoryError:
        return error_reply(503, "the query needed more memory than a query may use", "MemoryError")
    except Exception as exc:
        return error_reply(500, "query evaluation failed", f"{type(exc).__name__}: {exc}")
    return _serialized(out, media, job, info)


def worker_main(
    conn: Connection, store_path: str, sandbox: bool, memory_mb: int | None, nice: int = 0
) -> None:
    """Serve one connection: open the store, say ready, then answer jobs until EOF."""
    from kg.endpoint.sandbox import deny_network, limit_memory

    opened = _OpenStore(Path(store_path))
    try:
        opened.get()
        # rdflib builds parts of its grammar on first use: pay that before the first client
        inspect_query(
            "PREFIX ex: <http://example.org/> SELECT ?s WHERE { ?s ex:p ?o FILTER(?o > 1) } LIMIT 1"
        )
    except Exception as exc:
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    sandboxed = deny_network() if sandbox else False
    limit_memory(memory_mb)
    if nice:
        os.nice(nice)
    conn.send(("ready", {"sandboxed": sandboxed}))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        started = time.perf_counter()
        reply = execute(opened, job)
        reply.seconds = time.perf_counter() - started
        conn.send(reply)


def main(argv: list[str] | None = None) -> None:
    """``python -m kg.endpoint.worker --fd N --store PATH``: the process the pool starts."""
    import argparse
    from multiprocessing.connection import Connection as _Connection

    parser = argparse.ArgumentParser(prog="python -m kg.endpoint.worker")
    parser.add_argument("--fd", type=int, required=True, help="connected socket inherited from the server")
    parser.add_argument("--store", required=True)
    parser.add_argument("--no-sandbox", action="store_true")
    parser.add_argument("--memory-mb", type=int, default=None)
    parser.add_argument("--nice", type=int, default=0, help="lower this worker's CPU priority by N")
    args = parser.parse_args(argv)
    worker_main(_Connection(args.fd), args.store, not args.no_sandbox, args.memory_mb, args.nice)


if __name__ == "__main__":
    # run the imported module's main, so that pickled classes are kg.endpoint.worker.*, not __main__.*
    from kg.endpoint import worker as _worker

    _worker.main()
