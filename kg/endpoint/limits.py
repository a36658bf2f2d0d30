"""What clients may hold: open connections, queries in flight, and time to send a request.

A client is a remote IP address (proxies are not trusted). Each open connection holds a server
thread, and a slow client ("slowloris") that opens many connections and sends a header line now
and then would otherwise hold every one, so:

* :class:`ConnectionCounter` caps open connections in total (503) and per client (429), both
  refused at accept time with ``Retry-After``, before a thread is started;
* :class:`DeadlineReader` gives the request line, headers and body of one request a single
  deadline. A per-read socket timeout restarts with every byte that arrives, so a trickle could
  stretch a request forever; here each read may only wait for the time left;
* :class:`ClientLimiter` caps the queries one client has in flight (429).
"""

from __future__ import annotations

import io
import math
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ClientLimiter", "ConnectionCounter", "DeadlineReader", "refusal"]


def refusal(status: int, reason: str, message: str, retry_after_s: int = 1) -> bytes:
    """A complete HTTP response that refuses a connection before any request was read."""
    body = f"error: {message}\n".encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"
        f"Access-Control-Allow-Origin: *\r\nRetry-After: {retry_after_s}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


_TOO_MANY = refusal(503, "Service Unavailable", "too many connections")
_TOO_MANY_FROM_CLIENT = refusal(429, "Too Many Requests", "too many open connections from this client")


class ConnectionCounter:
    """Open connections, in total and per client address."""

    def __init__(self, total: int, per_client: int) -> None:
        self.total = total
        self.per_client = per_client
        self._lock = threading.Lock()
        self._open = 0
        self._by_client: dict[str, int] = {}

    def admit(self, client: str) -> bytes | None:
        """Count a new connection from ``client``; None if admitted, else the response to refuse it."""
        with self._lock:
            if self._open >= self.total:
                return _TOO_MANY
            current = self._by_client.get(client, 0)
            if current >= self.per_client:
                return _TOO_MANY_FROM_CLIENT
            self._open += 1
            self._by_client[client] = current + 1
            return None

    def release(self, client: str) -> None:
        with self._lock:
            self._open -= 1
            self._by_client[client] -= 1
            if not self._by_client[client]:
                del self._by_client[client]


class DeadlineReader(io.RawIOBase):
    """Socket reads that all end at one deadline (``restart`` sets it for the next request)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.deadline = math.inf

    def restart(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("request not received in time")
        self.sock.settimeout(left)
        return self.sock.recv_into(buffer)


class ClientLimiter:
    """Counts in-flight queries per client address."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    @contextmanager
    def slot(self, client: str) -> Iterator[bool]:
        with self._lock:
            current = self._counts.get(client, 0)
            admitted = current < self.limit
            if admitted:
                self._counts[client] = current + 1
        try:
            yield admitted
        finally:
            if admitted:
                with self._lock:
                    self._counts[client] -= 1
                    if not self._counts[client]:
                        del self._counts[client]
