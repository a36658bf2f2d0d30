"""Standing fault tests for ``aikg serve``: the attacks of the hardening round, each kept small.

A slow client holding connections does not lock out another client; a request that trickles in
is cut at one deadline; every 503 says when to retry.
Assertions are on order and outcome (who answered while what was still running), never on times.
"""

from __future__ import annotations

import json
import select
import socket
import time
import urllib.parse

import pytest
from w3c.servers import endpoint, http

from kg.store import EmbeddedStore

EX = "http://example.org/"
CHAIN = 2000
SLOTS = 16
PER_CLIENT = 4


def _write_chain(directory, length: int):
    lines = [f"<{EX}n{i}> <{EX}next> <{EX}n{i + 1}> .\n" for i in range(length)]
    lines += [f'<{EX}n{i}> <{EX}value> "{i}"^^<http://www.w3.org/2001/XMLSchema#integer> .\n' for i in range(100)]
    path = directory / f"chain-{length}.nt"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _light(i: int) -> tuple[str, list[str]]:
    return f"SELECT ?v WHERE {{ <{EX}n{i}> <{EX}value> ?v }}", [str(i)]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("faults")
    EmbeddedStore.build(directory / "store", [_write_chain(directory, CHAIN)], "faults")
    with endpoint(
        directory / "store",
        workers=2,
        max_connections=SLOTS,
        max_connections_per_client=PER_CLIENT,
        request_timeout_s=1.0,
    ) as srv:
        yield srv


def _get(server, query: str, source: str | None = None):
    return http(server.url + "/sparql?" + urllib.parse.urlencode({"query": query}), source=source)


def _values(response) -> list[str]:
    assert response.status == 200, response.text
    data = json.loads(response.body)
    return [b[data["head"]["vars"][0]]["value"] for b in data["results"]["bindings"]]


def _connect(server, source: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10, source_address=(source, 0))


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(4096):
            data += chunk
    except ConnectionResetError:
        pass
    return data


def _closed_by_server(sock: socket.socket) -> bool:
    if not select.select([sock], [], [], 0)[0]:
        return False
    try:
        return sock.recv(4096) == b""
    except OSError:
        return True


def test_slowloris_from_one_client_does_not_block_another(server) -> None:
    """One address opens as many connections as the server has slots and trickles headers into
    them: past its own cap it is refused (429, Retry-After), and another address is served."""
    attacker = []
    try:
        for _ in range(SLOTS):
            sock = _connect(server, "127.0.0.2")
            sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\n")
            attacker.append(sock)
        query, expected = _light(3)
        other = _get(server, query, source="127.0.0.3")
        assert other.status == 200 and _values(other) == expected
        answers = [_read_all(sock) for sock in attacker]  # the held ones end at the request deadline
    finally:
        for sock in attacker:
            sock.close()
    refused = [a for a in answers if a]
    assert len(refused) == SLOTS - PER_CLIENT, answers
    for answer in refused:
        head = answer.decode().lower()
        assert head.startswith("http/1.1 429 ") and "\r\nretry-after: 1\r\n" in head, head


def test_a_trickled_request_is_cut_at_one_deadline(server) -> None:
    """A header line every 0.2 s keeps a per-line timeout happy forever; the request deadline (1 s)
    ends the connection long before the 20 lines (4 s) are through."""
    sock = _connect(server, "127.0.0.4")
    sent = 0
    try:
        sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\n")
        for sent in range(1, 21):
            time.sleep(0.2)
            if _closed_by_server(sock):
                break
            try:
                sock.sendall(b"X-Slow: %d\r\n" % sent)
            except OSError:
                break
        else:
            sent = 21
    finally:
        sock.close()
    assert sent <= 20, "the server waited for the whole trickled request"


def test_connection_cap_refusal_says_when_to_retry(server) -> None:
    sockets = []
    try:
        for n in range(SLOTS // PER_CLIENT):
            sockets += [_connect(server, f"127.0.1.{n + 1}") for _ in range(PER_CLIENT)]
        response = http(server.url + "/sparql?query=ASK%7B%7D", source="127.0.2.1")
    finally:
        for sock in sockets:
            sock.close()
    assert response.status == 503 and response.header("retry-after") == "1", response.text
