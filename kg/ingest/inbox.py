"""The inbox: ``data/inbox/<source id>.yaml``, one file per article, holding its candidates for review.

Each file has the article's ``source`` record (or says the data already has it) and a list of
``candidates``; each candidate has an ``id``, its ``match``, ``confidence`` and ``reasons``, and one
of: ``deal`` or ``observation`` (a new record), or ``claim_on`` with ``claim`` (a claim for a
record already in the data); ``entities`` lists the organisations it proposes. Every record in it
is one :mod:`kg.records.models` accepts. The loader never reads this folder
(:func:`kg.records.loader.data_files`). Edit a file by hand, then accept or reject.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from kg.ingest import drafts
from kg.ingest.pipeline import Extraction
from kg.records.loader import INBOX_DIR, Dataset


class InboxError(ValueError):
    """An inbox id that does not exist, or an inbox file that cannot be read."""


@dataclass
class Written:
    path: Path
    kept: list[str]  # candidate ids written
    left_out: list[tuple[str, str]]  # (candidate id, why) not written: their records would not be valid


def folder(data: Path) -> Path:
    return data / INBOX_DIR


def write(extraction: Extraction, data: Path, dataset: Dataset) -> Written:
    """Write an extraction's candidates to ``data/inbox/<source id>.yaml`` (replacing an earlier one)."""
    source_id = str(extraction.source["id"])
    taken = set(dataset.deals) | set(dataset.observations)
    entries: list[dict[str, object]] = []
    left_out: list[tuple[str, str]] = []
    for cand in extraction.candidates:
        entry: dict[str, object] = {"id": cand.id, "match": cand.match, "confidence": cand.confidence,
                                    "reasons": list(cand.reasons)}
        if cand.target is not None:
            record = drafts.claim(cand, source_id)
            entry.update({"claim_on": cand.target, "claim": record})
            target = dataset.deals.get(cand.target) or dataset.observations[cand.target]
            problem = drafts.problems(record, f"{cand.record} claim")
            if len(target.claims) == 1 and not target.claims[0].preferred:
                entry["reasons"].append(f"{cand.target} has one claim and none preferred: mark one "  # type: ignore[union-attr]
                                        "'preferred: true' with a 'preferred_reason' before accepting")
        else:
            record = drafts.new_record(cand, source_id, taken)
            entry[cand.record] = record
            problem = drafts.problems(record, cand.record)
        proposed = [o for o in drafts.new_organisations(cand) if o["id"] not in dataset.organisations]
        if proposed:
            entry["entities"] = proposed
        if problem is not None:
            left_out.append((cand.id, problem))
            continue
        entries.append(entry)
    body: dict[str, object] = {"source": extraction.source}
    if extraction.source_exists:
        body["source_exists"] = True
    if extraction.notes:
        body["notes"] = list(extraction.notes)
    body["candidates"] = entries
    path = folder(data) / f"{source_id}.yaml"
    origin = extraction.article.path or extraction.source.get("url") or "standard input"
    header = (f"# aikg inbox: candidates from {origin}, extracted {dt.date.today().isoformat()}.\n"
              "# Edit any record here, then `aikg accept ID...` (a candidate id, or this file's source id for all)\n"
              "# or `aikg reject ID...`. Quotes are verbatim sentences of the article; keep them so.\n")
    write_text(path, header + dump(body))
    return Written(path, [str(e["id"]) for e in entries], left_out)


def dump(value: object) -> str:
    return yaml.safe_dump(value, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


def write_text(path: Path, text: str) -> None:
    """Write a file whole or not at all (a temporary file renamed over it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(path: Path) -> dict[str, object]:
    try:
        body = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InboxError(f"{path}: not readable YAML ({exc})") from None
    if not isinstance(body, dict) or not isinstance(body.get("candidates"), list):
        raise InboxError(f"{path}: an inbox file needs 'source' and a list of 'candidates'")
    return body


def files(data: Path) -> list[Path]:
    return sorted(folder(data).glob("*.yaml"))


def listing(data: Path) -> pd.DataFrame:
    """What waits in the inbox: one row per candidate."""
    rows = []
    for path in files(data):
        body = read(path)
        for entry in body["candidates"]:  # type: ignore[union-attr]
            record = entry.get("deal") or entry.get("observation") or {}
            claim = entry.get("claim") or (record.get("claims") or [{}])[0]
            figure = claim.get("amount") or claim.get("value") or {}
            parties = [p.get("org") for p in record.get("parties", [])] or record.get("orgs") or []
            rows.append({"id": entry.get("id"), "source": path.stem, "match": entry.get("match"),
                         "kind": record.get("kind") or record.get("metric") or f"claim on {entry.get('claim_on')}",
                         "parties": ", ".join(map(str, parties)), "amount": _show(figure),
                         "confidence": entry.get("confidence"), "quote": claim.get("quote", "")})
    return pd.DataFrame(rows, columns=["id", "source", "match", "kind", "parties", "amount", "confidence", "quote"])


def _show(figure: dict[str, object]) -> str:
    if not figure or figure.get("undisclosed"):
        return "undisclosed"
    parts = [f"{k} {v:,.6g}" for k, v in figure.items() if k in ("value", "min", "max")]  # type: ignore[str-format]
    unit = figure.get("currency") or figure.get("unit") or ""
    return " ".join(parts) + f" {unit}" + (" approx." if figure.get("approximate") else "")


def select(data: Path, ids: list[str]) -> dict[Path, list[dict[str, object]]]:
    """The inbox entries ``ids`` name (a candidate id, or a source id for all of its file), by file."""
    if not ids:
        raise InboxError("give one or more candidate ids (or source ids); 'aikg inbox' lists them")
    chosen: dict[Path, list[dict[str, object]]] = {}
    known: dict[str, tuple[Path, dict[str, object]]] = {}
    for path in files(data):
        for entry in read(path)["candidates"]:  # type: ignore[union-attr]
            known[str(entry.get("id"))] = (path, entry)
    unknown = []
    for wanted in ids:
        whole = folder(data) / f"{wanted}.yaml"
        if whole.exists():
            chosen.setdefault(whole, [])
            for entry in read(whole)["candidates"]:  # type: ignore[union-attr]
                if entry not in chosen[whole]:
                    chosen[whole].append(entry)
        elif wanted in known:
            path, entry = known[wanted]
            if entry not in chosen.setdefault(path, []):
                chosen[path].append(entry)
        else:
            unknown.append(wanted)
    if unknown:
        raise InboxError(f"not in the inbox: {', '.join(unknown)} ('aikg inbox' lists what waits)")
    return chosen


def remove(chosen: dict[Path, list[dict[str, object]]]) -> None:
    """Take the chosen entries out of their inbox files; a file left without candidates is deleted."""
    for path, entries in chosen.items():
        body = read(path)
        gone = {str(e.get("id")) for e in entries}
        body["candidates"] = [e for e in body["candidates"] if str(e.get("id")) not in gone]  # type: ignore[union-attr]
        if body["candidates"]:
            header = "".join(line + "\n" for line in path.read_text(encoding="utf-8").splitlines()
                             if line.startswith("#"))
            write_text(path, header + dump(body))
        else:
            path.unlink()


def reject(data: Path, ids: list[str]) -> list[str]:
    """Drop candidates (or whole inbox files) from the inbox; returns the ids dropped."""
    chosen = select(data, ids)
    remove(chosen)
    return [str(e.get("id")) for entries in chosen.values() for e in entries]
