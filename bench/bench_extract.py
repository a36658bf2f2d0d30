"""Extraction benchmark: recall and precision of `aikg extract` on the two gold sets, and batch speed.

1. The five German seed articles against the curated claims in data/ that cite them (parties and amount).
2. 50 English news sentences with their facts and URLs (tests/data/extract_gold_en.yaml), each alone.
3. The batch mode's speed on several hundred short texts in one process.

Prints figures; never passes or fails on them (see kg/ingest/evaluate.py for how a fact counts as found).
"""

from __future__ import annotations

import time
from pathlib import Path

from kg.ingest import batch, evaluate
from kg.ingest.orgs import OrgIndex
from kg.paths import DEFAULT_DATA, seeds_folder
from kg.records.loader import load_dataset

GOLD_EN = Path(__file__).resolve().parent.parent / "tests" / "data" / "extract_gold_en.yaml"


def line(name: str, s: evaluate.Scores) -> str:
    return (f"{name:<28} gold {s.gold:>3}  found {s.found:>3}  recall {s.recall:6.1%}  candidates {s.candidates:>3}  "
            f"precision {s.precision:6.1%}  right kind {s.kind_right}/{s.found}")


def main() -> None:
    dataset = load_dataset(DEFAULT_DATA)
    index = OrgIndex(dataset.organisations.values())
    print("Seed articles (German) against the curated claims citing them: parties and amount")
    total = evaluate.Scores(0, 0, 0, 0, 0)
    for name, scores in evaluate.evaluate_seeds(dataset, seeds_folder()).items():
        print("  " + line(name, scores))
        total = total.add(scores)
    print("  " + line("all seed articles", total))
    for fact in total.missed:
        print(f"    missed: {fact.where} ({fact.kind}, {', '.join(sorted(fact.parties))})")
    items = evaluate.english_gold(GOLD_EN)
    english = evaluate.evaluate_sentences(items, index)
    print(f"English news sentences ({len(items)}, each alone)")
    print("  " + line("all sentences", english))
    texts = [{"id": str(i), "text": sentence, "lang": "en"} for i, (_u, sentence, _f) in enumerate(items)] * 8
    started = time.perf_counter()
    out = list(batch.run(texts, index))
    elapsed = time.perf_counter() - started
    print(f"Batch mode: {len(out)} texts in {elapsed:.2f} s ({len(out) / elapsed:.0f} texts/s)")


if __name__ == "__main__":
    main()
