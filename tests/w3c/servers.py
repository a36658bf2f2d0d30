"""Live servers for tests, all on 127.0.0.1 and always stopped: the aikg endpoint, a real Oxigraph
server, and a canary HTTP listener that records any request it receives."""

from __future__ import annotations

import http.client as httpclient
import http.server as httpserver
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@contextmanager
def oxigraph_server(location: Path) -> Iterator[str]:
    """``oxigraph serve`` on a free port; yields its base URL (``/query``, ``/store``)."""
    port = free_port()
    process = subprocess.Popen(
        [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait(10)


@contextmanager
def endpoint(store_path: Path, **options) -> Iterator:
    """The aikg endpoint (in this process, workers in child processes); yields the server."""
    from kg.endpoint import make_server

    options.setdefault("workers", 2)
    server = make_server(store_path, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(10)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def http(
    url: str,
    method: str = "GET",
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    *,
    timeout: float = 60.0,
    source: str | None = None,
) -> Response:
    """One HTTP request with http.client (no redirects, no exceptions for 4xx/5xx).

    ``source`` binds the client socket to another loopback address (127.0.0.x) to act as a
    different client."""
    split = urllib.parse.urlsplit(url)
    conn = httpclient.HTTPConnection(
        split.hostname, split.port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        data = body.encode("utf-8") if isinstance(body, str) else body
        path = split.path + ("?" + split.query if split.query else "")
        conn.request(method, path or "/", body=data, headers=headers or {})
        response = conn.getresponse()
        payload = response.read()
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, payload)
    finally:
        conn.close()


class Canary:
    """A loopback HTTP listener that records every request (method, path) it gets."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str]] = []
        canary = self

        class Handler(httpserver.BaseHTTPRequestHandler):
            def _hit(self) -> None:
                canary.hits.append((self.command, self.path))
                body = b'{"head":{"vars":["a"]},"results":{"bindings":[]}}'
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _hit

            def log_message(self, *args) -> None:
                pass

        self.server = httpserver.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/canary"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Canary:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
