"""``python -m kg.endpoint STORE [--port N]``: serve a store built by :class:`kg.store.embedded.EmbeddedStore`."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from kg.endpoint.server import serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m kg.endpoint", description=__doc__)
    parser.add_argument("store", type=Path, help="store directory (or the symlink EmbeddedStore.build made)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7878)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per query")
    parser.add_argument("--max-rows", type=int, default=10_000)
    parser.add_argument("--max-query-chars", type=int, default=20_000)
    parser.add_argument("--max-concurrent-per-client", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None, help="query worker processes")
    parser.add_argument("--explorer", type=Path, default=None, help="HTML file to serve at /explorer")
    parser.add_argument("--union-default-graph", action="store_true")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    args = parser.parse_args(argv)
    level = logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(message)s")
    options = {"workers": args.workers} if args.workers else {}
    serve(
        args.store,
        args.host,
        args.port,
        timeout_s=args.timeout,
        max_rows=args.max_rows,
        max_query_chars=args.max_query_chars,
        max_concurrent_per_client=args.max_concurrent_per_client,
        explorer_path=args.explorer,
        union_default_graph=args.union_default_graph,
        **options,
    )


if __name__ == "__main__":
    main()
