"""Triples per deal, counted by predicate, in the built synthetic graph (``--orgs``, default 10,000).

``rdf:type`` is counted per class and a boolean flag per value, since those are what a leaner graph
drops or keeps. The counts are read from the N-Triples file the build writes, one line a triple.
Prints figures; never passes or fails.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from synthetic import DEFAULT_WORK, synthetic

from kg.build import DATA_NT, GRAPH_DIR
from kg.rdf import namespaces as ns

_SHORT = {ns.ONTOLOGY: "aikg:", ns.RDF: "rdf:", ns.RDFS: "rdfs:", ns.SCHEMA: "schema:", ns.SKOS: "skos:",
          ns.DCTERMS: "dcterms:"}


def _short(term: str) -> str:
    iri = term.strip("<>")
    for base, prefix in _SHORT.items():
        if iri.startswith(base):
            return prefix + iri.removeprefix(base)
    return term


def predicate_counts(nt: Path) -> Counter[str]:
    """Triples by predicate; ``rdf:type`` by class and boolean literals by value."""
    counts: Counter[str] = Counter()
    rdf_type = f"<{ns.RDF}type>"
    with nt.open(encoding="utf-8") as lines:
        for line in lines:
            _, predicate, rest = line.split(" ", 2)
            key = _short(predicate)
            if predicate == rdf_type:
                key += " " + _short(rest.rsplit(" ", 1)[0])
            elif rest.endswith(f'^^<{ns.XSD}boolean> .\n'):
                key += " " + rest.split("^^", 1)[0]
            counts[key] += 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=10_000)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="folder the synthetic graphs are kept in")
    parser.add_argument("--top", type=int, default=40, help="predicates shown")
    args = parser.parse_args()
    graph = synthetic(args.orgs, args.work)
    counts = predicate_counts(graph.out / GRAPH_DIR / DATA_NT)
    total = sum(counts.values())
    deals = counts["rdf:type aikg:Deal"]
    print(f"\n{total:,} triples, {deals:,} deals: {total / deals:.1f} triples per deal")
    print(f"{'predicate':<48} {'triples':>10} {'share':>7} {'per deal':>9}")
    for key, n in counts.most_common(args.top):
        print(f"{key:<48} {n:>10,} {n / total:>7.1%} {n / deals:>9.2f}")


if __name__ == "__main__":
    main()
