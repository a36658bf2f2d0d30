"""Batch mode: one JSON object a line in (``{"id", "text", "lang"?, "published"?}``), one a line out
(``{"id", "candidates": [...]}``), every text in one process with the organisations indexed once.

Every line is checked before any is read for candidates, so a bad line stops the run with its
line number and nothing is written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator

from kg.ingest import pipeline
from kg.ingest.orgs import OrgIndex
from kg.ingest.relations import Candidate


class BatchError(ValueError):
    """A line that is not a JSON object with an id and a text."""


def parse(lines: Iterable[str]) -> list[dict[str, object]]:
    """The input objects, checked: each needs "id" and a non-empty "text"; "published" is a date."""
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BatchError(f"line {n}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("text"), str):
            raise BatchError(f"line {n}: expected an object with \"id\" and \"text\"")
        if item.get("lang") not in (None, "de", "en"):
            raise BatchError(f"line {n}: lang must be \"de\" or \"en\", got {item['lang']!r}")
        if item.get("published") is not None:
            try:
                item["published"] = dt.date.fromisoformat(str(item["published"]))
            except ValueError:
                raise BatchError(f"line {n}: published is not a date (YYYY-MM-DD): {item['published']!r}") from None
        items.append(item)
    return items


def run(items: list[dict[str, object]], index: OrgIndex) -> Iterator[str]:
    """One JSON line per input object."""
    for item in items:
        found = pipeline.candidates_of_text(str(item["text"]), index, item.get("lang"),  # type: ignore[arg-type]
                                            item.get("published"))  # type: ignore[arg-type]
        yield json.dumps({"id": item["id"], "candidates": [as_json(c) for c in found]}, ensure_ascii=False)


def as_json(cand: Candidate) -> dict[str, object]:
    figure = cand.amount or cand.stake or cand.quantity
    return {"kind": cand.kind,
            "parties": [{"org": p.org, "name": p.name, "role": p.role.value if p.role else None} for p in cand.parties],
            "amount": dict(figure) if figure is not None else None,
            "date": cand.date.isoformat(), "status": cand.status.value if cand.status else None,
            "quote": cand.quote, "confidence": cand.confidence}
