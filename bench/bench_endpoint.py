"""Throughput of ``aikg serve`` for a light query with 1, 8 and 32 concurrent clients.

    .venv/bin/python bench/bench_endpoint.py [--triples 1000000] [--seconds 5] [--store DIR]

Makes a synthetic store (organisations and deals, about ``--triples`` triples; kept in ``--store``
for reuse), starts ``python -m kg.endpoint`` on a free loopback port, and runs each client count
for ``--seconds``. Each client keeps one HTTP/1.1 connection and its own loopback address
(127.0.0.x), so the per-client cap does not apply. Two light queries: the same text every time
(the guard's parse cache answers) and a different text each time (rdflib parses every request).
Clients and server share this machine. Prints a table; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.store import EmbeddedStore  # after the path set-up

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def synthesize(path: Path, triples: int) -> int:
    """Write ~``triples`` triples of organisations and deals as N-Triples; return the count."""
    orgs = max(10, triples // 25)
    deals = max(10, (triples - orgs * 4) // 7)
    rng = random.Random(7)
    written = 0
    with open(path, "w", encoding="utf-8") as out:
        for i in range(orgs):
            org = f"<{EX}org/{i}>"
            out.write(f'{org} <{EX}name> "Organisation {i}" .\n')
            out.write(f"{org} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Organisation> .\n")
            out.write(f'{org} <{EX}founded> "{1950 + i % 75}-01-01"^^<{XSD}date> .\n')
            out.write(f'{org} <{EX}employees> "{rng.randrange(1, 100000)}"^^<{XSD}integer> .\n')
            written += 4
        for d in range(deals):
            deal = f"<{EX}deal/{d}>"
            investor, investee = rng.randrange(orgs), rng.randrange(orgs)
            out.write(f"{deal} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}Deal> .\n")
            out.write(f"{deal} <{EX}investor> <{EX}org/{investor}> .\n")
            out.write(f"{deal} <{EX}investee> <{EX}org/{investee}> .\n")
            out.write(f'{deal} <{EX}amount> "{rng.randrange(10**6, 10**10)}.0"^^<{XSD}decimal> .\n')
            out.write(f'{deal} <{EX}date> "20{10 + d % 16}-0{1 + d % 9}-15"^^<{XSD}date> .\n')
            out.write(f'{deal} <{EX}status> "announced" .\n')
            out.write(f"{deal} <{EX}source> <{EX}source/{d % 5000}> .\n")
            written += 7
    return written


def light_query(org: int) -> str:
    return (
        f"SELECT ?deal ?investor ?amount WHERE {{ ?deal <{EX}investee> <{EX}org/{org}> ; "
        f"<{EX}investor> ?investor ; <{EX}amount> ?amount }} LIMIT 20"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_clients(port: int, clients: int, seconds: float, vary: bool, orgs: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        rng = random.Random(number)
        conn = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=60, source_address=(f"127.0.0.{2 + number}", 0)
        )
        fixed = light_query(42)
        while time.monotonic() < stop:
            query = light_query(rng.randrange(orgs)) if vary else fixed
            started = time.perf_counter()
            try:
                conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": query}))
                response = conn.getresponse()
                body = response.read()
                status = response.status
                if status == 200:
                    json.loads(body)
            except (OSError, http.client.HTTPException):
                status = -1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200:
                    latencies.append(elapsed)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return (
            latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")
        )

    return {
        "ok": len(latencies),
        "errors": sum(v for k, v in statuses.items() if k != 200),
        "statuses": statuses,
        "rps": len(latencies) / wall,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95": pct(0.95),
        "p99": pct(0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--store", type=Path, default=None, help="directory to keep the synthetic store in")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    args = parser.parse_args()

    base = args.store or Path(tempfile.mkdtemp(prefix="aikg-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    store_path = base / "store"
    fingerprint = f"synthetic-{args.triples}"
    orgs = max(10, args.triples // 25)
    if not EmbeddedStore.is_current(store_path, fingerprint):
        nt = base / "synthetic.nt"
        started = time.monotonic()
        count = synthesize(nt, args.triples)
        print(f"wrote {count:,} triples in {time.monotonic() - started:.1f} s", flush=True)
        started = time.monotonic()
        EmbeddedStore.build(store_path, [nt], fingerprint)
        print(f"bulk-loaded the store in {time.monotonic() - started:.1f} s", flush=True)
        nt.unlink()
    triples = EmbeddedStore(store_path).triple_count()

    port = free_port()
    command = [sys.executable, "-m", "kg.endpoint", str(store_path), "--port", str(port), "--quiet"]
    if args.workers:
        command += ["--workers", str(args.workers)]
    server = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1])
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the endpoint did not start") from None
                time.sleep(0.1)
        run_clients(port, 2, 1.0, True, orgs)  # warm up
        print(f"\naikg serve, {triples:,} triples, light query (LIMIT 20 deals of one organisation), "
              f"{args.seconds:g} s per row\n")  # fmt: skip
        columns = ("clients", "ok", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms")
        widths = (7, 7, 7, 8, 8, 8, 8)
        header = f"{'query text':<14} " + " ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True))
        print(header)
        print("-" * len(header))
        for vary in (False, True):
            for clients in args.clients:
                r = run_clients(port, clients, args.seconds, vary, orgs)
                label = "varying" if vary else "same"
                print(
                    f"{label:<14} {clients:>7} {r['ok']:>7} {r['errors']:>7} {r['rps']:>8.1f} "
                    f"{r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f}",
                    flush=True,
                )
                if r["errors"]:
                    print(f"{'':<14} statuses: {r['statuses']}")
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
