"""SHACL validation time: the SPARQL engine (the shapes compiled to SPARQL, on the build's Oxigraph store)
beside pyshacl, the reference, on synthetic data sets (built once, see bench/synthetic.py).

For each ``--orgs`` size: the SPARQL engine's SHACL step on the built store, the whole ``aikg validate``
(model checks of every record, then SHACL), and pyshacl's SHACL step on the same triples in a child
process stopped after ``--cap`` seconds; pyshacl runs only up to ``--pyshacl-max`` organisations (it
needs minutes at 1,000). Goal: the whole validation under 30 s at 10,000 organisations.
Prints figures; never passes or fails on time.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time
from pathlib import Path

from synthetic import DEFAULT_WORK, synthetic

from kg.graph import validate
from kg.records.loader import load_dataset
from kg.validate import pyshacl_violations, shacl_graph, shacl_violations

CTX = mp.get_context("fork")


def _pyshacl_child(data: Path, answer: mp.Queue) -> None:
    graph = shacl_graph(load_dataset(data))  # not timed: the model checks and the rdflib graph
    started = time.perf_counter()
    violations = pyshacl_violations(graph)
    answer.put((time.perf_counter() - started, len(violations)))


def pyshacl_seconds(data: Path, cap: float) -> tuple[float, int] | None:
    """pyshacl's time and violation count, or None when stopped at ``cap`` seconds."""
    answer: mp.Queue = CTX.Queue()
    child = CTX.Process(target=_pyshacl_child, args=(data, answer))
    child.start()
    try:
        return answer.get(timeout=cap)
    except Exception:  # queue.Empty: stopped at the cap
        return None
    finally:
        child.kill()
        child.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orgs", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--pyshacl-max", type=int, default=1_000, help="largest size pyshacl is run on")
    parser.add_argument("--cap", type=float, default=900.0, help="seconds before pyshacl is stopped")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK)
    args = parser.parse_args()
    rows = []
    for orgs in args.orgs:
        graph = synthetic(orgs, args.work)
        started = time.perf_counter()
        fast = shacl_violations(graph.store.raw)
        shacl_s = time.perf_counter() - started
        started = time.perf_counter()
        report = validate(graph.data, graph.out)
        whole_s = time.perf_counter() - started
        reference = pyshacl_seconds(graph.data, args.cap) if orgs <= args.pyshacl_max else None
        shown = ("not run" if orgs > args.pyshacl_max else f"> {args.cap:.0f} (stopped)") if reference is None \
            else f"{reference[0]:.1f} ({reference[1]} violations)"
        ratio = f"{reference[0] / shacl_s:.0f}x" if reference else "-"
        rows.append((orgs, report.triples, shacl_s, len(fast), whole_s, shown, ratio))
        print(f"{orgs:,} organisations: SPARQL engine {shacl_s:.1f} s, aikg validate {whole_s:.1f} s, "
              f"pyshacl {shown}", flush=True)
    print("\n| organisations | triples checked | SPARQL engine s (violations) | aikg validate s | pyshacl s | ratio |")
    print("|---|---|---|---|---|---|")
    for orgs, triples, shacl_s, found, whole_s, shown, ratio in rows:
        print(f"| {orgs:,} | {triples:,} | {shacl_s:.1f} ({found}) | {whole_s:.1f} | {shown} | {ratio} |")


if __name__ == "__main__":
    main()
