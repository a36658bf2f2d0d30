"""`aikg export` in every format on synthetic data sets (default 1,000 and 10,000 organisations).

Times each format as ``g.export`` runs it (the projection is built first and not counted) and prints the
seconds, the file size and legs per second. Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from synthetic import DEFAULT_WORK, synthetic

RUNS = [("gexf", ()), ("graphml", ()), ("gexf", ("flows",)), ("xlsx", ("legs", "flows")), ("csv", ("legs", "flows")),
        ("xlsx", ("tables",)), ("nt", ()), ("ttl", ()), ("jsonld", ())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="folder the synthetic graphs are kept in")
    args = parser.parse_args()
    for orgs in args.orgs:
        graph = synthetic(orgs, args.work)
        legs = graph.legs()
        graph.legs(group_subsidiaries=True)
        print(f"{orgs:,} organisations: {legs.number_of_nodes():,} nodes, {legs.number_of_edges():,} legs")
        print(f"{'format':<8} {'what':<12} {'seconds':>8} {'MB':>8} {'legs/s':>10}")
        with tempfile.TemporaryDirectory() as tmp:
            for fmt, what in RUNS:
                target = Path(tmp) / f"x-{fmt}-{'-'.join(what) or 'default'}" / f"aikg.{fmt}"
                started = time.perf_counter()
                written = graph.export(target, fmt, what=what, stress_fail=next(iter(legs)))
                seconds = time.perf_counter() - started
                size = sum(p.stat().st_size for p in written) / 1e6
                print(f"{fmt:<8} {','.join(what) or '-':<12} {seconds:>8.2f} {size:>8.1f} "
                      f"{legs.number_of_edges() / seconds:>10,.0f}", flush=True)


if __name__ == "__main__":
    main()
