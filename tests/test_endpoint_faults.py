"""Standing fault tests for ``aikg serve``: the attacks of the hardening round, each kept small.

A slow client holding connections does not lock out another client; a request that trickles in
is cut at one deadline; heavy queries holding every general worker do not stop a known-light
query; a light text that turns slow leaves the light lane; every 503 says when to retry.
Assertions are on order and outcome (who answered while what was still running), never on times.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
import urllib.parse

import pytest
from w3c.servers import endpoint, http

from kg.endpoint.lanes import cost_key
from kg.endpoint.worker import Job
from kg.store import EmbeddedStore

EX = "http://example.org/"
CHAIN = 2000
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # never finishes in time
PATH_RUNAWAY = (
    f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a (<{EX}next>|^<{EX}next>)* ?b . ?b (<{EX}next>|^<{EX}next>)* ?c }}"
)
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
        light_workers=1,
        timeout_s=4.0,
        queue_timeout_s=0.5,
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


def _learn(server, query: str, expected: list[str]) -> None:
    """Ask until the server counts ``query`` as light (on a loaded machine one run may be slow)."""
    for _ in range(10):
        assert _values(_get(server, query)) == expected
        if server.lanes.memory.is_light(cost_key(Job(query=query))):
            return
    raise AssertionError("the query never answered fast enough to count as light")


def _wait_for_idle_general_workers(server, count: int = 2) -> None:
    deadline = time.monotonic() + 30
    while server.lanes.general.idle_count() < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.lanes.general.idle_count() >= count


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


def test_a_known_light_query_is_answered_while_heavy_queries_hold_the_general_lane(server) -> None:
    _wait_for_idle_general_workers(server)
    query, expected = _light(7)
    _learn(server, query, expected)
    heavy: list = []
    threads = [
        threading.Thread(target=lambda s=source: heavy.append(_get(server, CARTESIAN, source=s)))
        for source in ("127.0.0.5", "127.0.0.6")
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while server.lanes.general.idle_count() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.lanes.general.idle_count() == 0  # both general workers hold a heavy query
    light = [_get(server, query) for _ in range(3)]
    unknown = _get(server, "ASK { ?s ?p ?o FILTER(false) }")  # a new text waits for the general lane
    heavy_running = [thread.is_alive() for thread in threads]
    for thread in threads:
        thread.join(30)
    assert heavy_running == [True, True]
    assert all(_values(response) == expected for response in light)
    assert unknown.status == 503 and unknown.header("retry-after") == "2", unknown.text
    assert sorted(r.status for r in heavy) == [504, 504]


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


def test_a_light_text_that_turns_slow_leaves_the_light_lane(tmp_path) -> None:
    """The store is rebuilt under the server and a text that answered in milliseconds now runs
    away: its light worker is stopped at the light limit, the query ends in the general lane at
    its deadline (504), and the text does not come back to the light lane."""
    store = tmp_path / "store"
    EmbeddedStore.build(store, [_write_chain(tmp_path, 10)], "short")
    key = cost_key(Job(query=PATH_RUNAWAY))
    with endpoint(store, workers=1, light_workers=1, timeout_s=1.5, light_query_s=0.25) as srv:
        _learn(srv, PATH_RUNAWAY, [str(EmbeddedStore(store).query(PATH_RUNAWAY).rows[0][0])])
        assert srv.lanes.memory.is_light(key)
        EmbeddedStore.build(store, [_write_chain(tmp_path, CHAIN)], "long")
        assert _get(srv, PATH_RUNAWAY).status == 504
        assert not srv.lanes.memory.is_light(key)
        deadline = time.monotonic() + 30
        while srv.lanes.light.replacements < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert srv.lanes.light.replacements == 1  # the light worker was stopped and replaced
        assert _get(srv, PATH_RUNAWAY).status == 504
        assert srv.lanes.light.replacements == 1  # the second run never touched the light lane
        assert _values(_get(srv, _light(5)[0])) == ["5"]
