"""Soak of ``aikg serve``: light queries under heavy ones, then a slowloris, on one server.

    .venv/bin/python bench/bench_soak.py [--seconds 60] [--slowloris-seconds 25] [--light 70] [--heavy 10]
                                         [--triples 1000000] [--store DIR]

The server is ``python -m kg.endpoint`` with its defaults (30 s deadline, general and light
worker lanes) on a free loopback port, over the synthetic store of ``bench_endpoint.py``.

1. Warm-up: each of ``--texts`` light query texts (the deals of one organisation) is asked once,
   so the server has seen it answer fast, as a dashboard's queries have.
2. Mixed load for ``--seconds``: ``--light`` clients ask those texts back to back and compare
   every answer with the rows read from the store beforehand; ``--heavy`` clients ask, in turn, a
   join that takes seconds and a product that runs into the deadline, with a fresh text each time.
3. Slowloris for ``--slowloris-seconds``: one address keeps trying to hold 256 connections,
   sending a header line into each every 8 s and reconnecting (once a second) when refused or
   cut off, while 5 other clients ask light queries, each on a new connection.

Every client has its own loopback address (127.0.x.y), so each is one client for the per-client
caps. Prints requests, errors by kind, wrong answers, latencies, heavy completions, what the
slowloris achieved, and the RSS of the server and its workers before and after. Asserts nothing
about time; stops by itself (in-flight heavy queries are abandoned when the server stops).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_endpoint import EX, free_port, synthesize  # after the path set-up

from kg.store import EmbeddedStore

SLOWLORIS_CONNECTIONS = 256
SLOWLORIS_LINE_EVERY_S = 8.0
PROBES = 5


def light_query(org: int) -> str:
    return (
        f"SELECT ?deal ?amount WHERE {{ ?deal <{EX}investee> <{EX}org/{org}> ; <{EX}amount> ?amount }} "
        "ORDER BY ?deal"
    )


def heavy_query(turn: int) -> str:
    """A join over every deal (about 1 s on a free core), or a product that runs into the deadline;
    a fresh comment makes each text new to the server."""
    if turn % 2:
        return f"# heavy {turn}\nSELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }}"
    return (
        f"# heavy {turn}\nSELECT (COUNT(*) AS ?n) WHERE {{ ?d <{EX}investor> ?o . ?o <{EX}employees> ?e "
        "FILTER(?e > 50000) }"
    )


def rows(body: bytes) -> list[tuple[str, ...]]:
    data = json.loads(body)
    names = data["head"]["vars"]
    return [tuple(b[n]["value"] for n in names) for b in data["results"]["bindings"]]


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def memory(pid: int) -> str:
    children = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as listing:
                children += [int(c) for c in listing.read().split()]
        except OSError:
            pass  # the thread ended meanwhile
    workers = sum(rss_mb(c) for c in children)
    return f"server {rss_mb(pid):.0f} MB, {len(children)} workers {workers:.0f} MB"


class Tally:
    """Thread-safe counts and latencies."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        self.latencies: dict[str, list[float]] = {}
        self.wrong: list[str] = []

    def add(self, kind: str, outcome: str, seconds: float | None = None) -> None:
        with self.lock:
            self.counts[f"{kind} {outcome}"] += 1
            if seconds is not None:
                self.latencies.setdefault(kind, []).append(seconds)

    def percentile(self, kind: str, p: float) -> float:
        values = sorted(self.latencies.get(kind, []))
        return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else float("nan")


def ask(conn: http.client.HTTPConnection, query: str) -> tuple[int, bytes, dict[str, str]]:
    conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
    response = conn.getresponse()
    return response.status, response.read(), {k.lower(): v for k, v in response.getheaders()}


def client_loop(
    port: int, source: str, stop: threading.Event, tally: Tally, kind: str, next_query, fresh: bool
) -> None:
    """Ask queries until ``stop`` on one kept-alive connection (reconnecting after an error), or on
    a ``fresh`` connection each time."""
    conn = None
    turn = 0
    while not stop.is_set():
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120, source_address=(source, 0))
        query, expected = next_query(turn)
        turn += 1
        started = time.perf_counter()
        with tally.lock:
            tally.sent[kind] += 1
        try:
            status, body, headers = ask(conn, query)
        except (OSError, http.client.HTTPException) as exc:
            if not stop.is_set():
                tally.add(kind, f"connection error ({type(exc).__name__})")
            conn.close()
            conn = None
            continue
        elapsed = time.perf_counter() - started
        if status == 200:
            tally.add(kind, "200", elapsed)
            if expected is not None and rows(body) != expected:
                with tally.lock:
                    tally.wrong.append(query)
        else:
            retry = "" if status != 503 or "retry-after" in headers else " WITHOUT Retry-After"
            tally.add(kind, f"{status}{retry}")
        if fresh or headers.get("connection", "").lower() == "close":
            conn.close()
            conn = None
    if conn is not None:
        conn.close()


def run_clients(
    port: int, specs: list[tuple[str, str, object]], stop: threading.Event, tally: Tally, fresh: bool = False
) -> list[threading.Thread]:
    threads = [
        threading.Thread(target=client_loop, args=(port, source, stop, tally, kind, pick, fresh), daemon=True)
        for source, kind, pick in specs
    ]
    for thread in threads:
        thread.start()
    return threads


def slowloris(port: int, seconds: float, source: str) -> Counter[str]:
    """Keep trying to hold SLOWLORIS_CONNECTIONS half-sent requests open from ``source``."""
    stats: Counter[str] = Counter()
    held: dict[socket.socket, float] = {}  # socket -> when its next header line is due
    opened: dict[socket.socket, float] = {}
    end = time.monotonic() + seconds
    next_top_up = 0.0
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_top_up:  # reconnect at most once a second, as an attacker pacing itself would
            # a refusal comes as soon as the server accepts; one still open after 3 s is held
            holding = sum(1 for sock in held if now - opened[sock] >= 3.0)
            stats["most held over 3 s at once"] = max(stats["most held over 3 s at once"], holding)
            next_top_up = now + 1.0
            while len(held) < SLOWLORIS_CONNECTIONS:
                try:
                    sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
                    sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\n")
                except OSError:
                    stats["connect failed"] += 1
                    break
                stats["connections opened"] += 1
                held[sock] = now + SLOWLORIS_LINE_EVERY_S
                opened[sock] = now
        readable = select.select(list(held), [], [], 0.2)[0]
        for sock in readable:
            try:
                answer = sock.recv(4096)
            except OSError:
                answer = b""
            if answer.startswith(b"HTTP/1.1 429"):
                stats["refused 429" + ("" if b"Retry-After" in answer else " WITHOUT Retry-After")] += 1
            elif answer:
                stats[f"answered {answer.split(b' ', 2)[1].decode()}"] += 1
            else:
                stats["cut off by the server"] += 1
            sock.close()
            del held[sock], opened[sock]
        for sock, due in list(held.items()):
            if time.monotonic() >= due:
                try:
                    sock.sendall(b"X-Slow: 1\r\n")
                    held[sock] = due + SLOWLORIS_LINE_EVERY_S
                except OSError:
                    stats["cut off by the server"] += 1
                    sock.close()
                    del held[sock], opened[sock]
    stats["still open at the end"] = len(held)
    for sock in held:
        sock.close()
    return stats


def start_server(store_path: Path, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "kg.endpoint", str(store_path), "--port", str(port), "--quiet"]
    server = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1])
    deadline = time.monotonic() + 120
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit("the endpoint did not start") from None
            time.sleep(0.1)


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGINT)  # serve() then stops its workers, even those mid-query
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


def report_clients(title: str, tally: Tally, kinds: tuple[str, ...]) -> None:
    print(f"\n{title}")
    for kind in kinds:
        outcomes = {k.split(" ", 1)[1]: v for k, v in sorted(tally.counts.items()) if k.startswith(kind + " ")}
        total = sum(outcomes.values())
        print(f"  {kind}: {total} answered, {tally.sent[kind] - total} still in flight at the end; "
              + ", ".join(f"{k}: {v}" for k, v in outcomes.items()))  # fmt: skip
        if tally.latencies.get(kind):
            slow = sum(1 for s in tally.latencies[kind] if s > 1.0)
            print(f"  {kind} latency of answers: p50 {tally.percentile(kind, 0.5):.0f} ms, "
                  f"p90 {tally.percentile(kind, 0.9):.0f} ms, p99 {tally.percentile(kind, 0.99):.0f} ms, "
                  f"max {tally.percentile(kind, 1.0):.0f} ms; over 1 s: {slow}")  # fmt: skip
    print(f"  wrong answers: {len(tally.wrong)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="mixed-load phase")
    parser.add_argument("--slowloris-seconds", type=float, default=25.0)
    parser.add_argument("--light", type=int, default=70, help="light clients")
    parser.add_argument("--heavy", type=int, default=10, help="heavy clients")
    parser.add_argument("--texts", type=int, default=300, help="distinct light query texts")
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--store", type=Path, default=None, help="directory to keep the synthetic store in")
    args = parser.parse_args()

    base = args.store or Path(os.environ.get("AIKG_BENCH_WORK", "/tmp/aikg-bench")) / f"soak-{args.triples}"
    base.mkdir(parents=True, exist_ok=True)
    store_path = base / "store"
    fingerprint = f"synthetic-{args.triples}"
    if not EmbeddedStore.is_current(store_path, fingerprint):
        nt = base / "synthetic.nt"
        synthesize(nt, args.triples)
        EmbeddedStore.build(store_path, [nt], fingerprint)
        nt.unlink()
    orgs = max(10, args.triples // 25)
    rng = random.Random(3)
    texts = [light_query(org) for org in rng.sample(range(orgs), args.texts)]
    store = EmbeddedStore(store_path)
    # read straight from the store, not through the server: the answers to compare with
    expected = {text: [tuple(t.value for t in row) for row in store.query(text).term_rows] for text in texts}
    print(f"store: {store.triple_count():,} triples; {len(texts)} light texts, "
          f"{sum(len(v) for v in expected.values())} expected rows in all")  # fmt: skip
    store.close()

    port = free_port()
    server = start_server(store_path, port)
    try:
        warm = Tally()
        warm_stop = threading.Event()
        queue = list(texts)
        lock = threading.Lock()

        def warm_next(_turn: int):
            with lock:
                if not queue:
                    warm_stop.set()
                    return "ASK {}", None
                text = queue.pop()
            return text, expected[text]

        for thread in run_clients(port, [(f"127.0.9.{n + 1}", "warm-up", warm_next) for n in range(4)],
                                  warm_stop, warm):  # fmt: skip
            thread.join(300)
        print(f"warm-up: {sum(warm.counts.values())} requests, {dict(warm.counts)}; wrong answers: {len(warm.wrong)}")
        before = memory(server.pid)
        print(f"memory before the load: {before}", flush=True)

        tally = Tally()
        stop = threading.Event()

        picker = random.Random(11)

        def light_next(_turn: int):
            text = texts[picker.randrange(len(texts))]
            return text, expected[text]

        def heavy_next_for(number: int):
            return lambda turn: (heavy_query(number * 100_000 + turn), None)

        specs = [(f"127.0.{1 + n // 200}.{1 + n % 200}", "light", light_next) for n in range(args.light)]
        specs += [(f"127.0.5.{1 + n}", "heavy", heavy_next_for(n)) for n in range(args.heavy)]
        started = time.monotonic()
        threads = run_clients(port, specs, stop, tally)
        time.sleep(args.seconds)
        stop.set()
        for thread in threads[: args.light]:
            thread.join(60)
        report_clients(f"mixed load: {args.light} light + {args.heavy} heavy clients for "
                       f"{time.monotonic() - started:.0f} s", tally, ("light", "heavy"))  # fmt: skip
        print("  (heavy 200: joins that completed; 504: products stopped at the deadline; 500: products that "
              "reached a worker's memory cap; 503: no general worker free within the queue timeout)")  # fmt: skip

        probe = Tally()
        probe_stop = threading.Event()
        probe_threads = run_clients(port, [(f"127.0.7.{n + 1}", "probe", light_next) for n in range(PROBES)],
                                    probe_stop, probe, fresh=True)  # fmt: skip
        attack = slowloris(port, args.slowloris_seconds, "127.0.8.1")
        probe_stop.set()
        for thread in probe_threads:
            thread.join(60)
        print(f"\nslowloris from one address for {args.slowloris_seconds:g} s "
              f"(up to {SLOWLORIS_CONNECTIONS} connections, a header line every {SLOWLORIS_LINE_EVERY_S:g} s): "
              + ", ".join(f"{k}: {v}" for k, v in sorted(attack.items())))  # fmt: skip
        report_clients(f"meanwhile {PROBES} other clients asking light queries, a new connection each time",
                       probe, ("probe",))  # fmt: skip
        print(f"\nmemory before: {before}\nmemory after:  {memory(server.pid)}")
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
