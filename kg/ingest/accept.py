"""Accepting candidates: the inbox's records move into ``data/``, all or nothing.

New records are appended to ``accepted.yaml`` in their folder (``sources/``, ``entities/``,
``deals/``, ``observations/``); a claim on a record already in the data is inserted into that
record's claims in its own file, with the file's comments kept. Before anything is written, the
changed files are put into a copy of ``data/`` and the project's loader reads the copy: if any
record is invalid, the loader's problems are raised and nothing is written.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kg.ingest import inbox
from kg.ingest.inbox import InboxError
from kg.records.loader import INBOX_DIR, Checker, data_files, load_dataset, open_checker
from kg.records.problems import DataError, Severity

ACCEPTED = "accepted.yaml"


@dataclass
class Accepted:
    ids: list[str]
    files: list[Path]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (candidate id, why)


def accept(data: Path, ids: list[str]) -> Accepted:
    """Move the named candidates into ``data/``; raises :class:`kg.records.problems.DataError` (nothing
    written) when the result would not load, :class:`InboxError` for an unknown id."""
    data = data.resolve()
    chosen = inbox.select(data, ids)
    skipped: list[tuple[str, str]] = []
    appends: dict[str, list[dict[str, object]]] = {"sources": [], "entities": [], "deals": [], "observations": []}
    claims: list[tuple[str, dict[str, object]]] = []
    named = set(ids)
    for path, entries in chosen.items():
        body = inbox.read(path)
        taken_entries = []
        for entry in entries:
            cid = str(entry.get("id"))
            if entry.get("match") == "already cited" and cid not in named:
                skipped.append((cid, "already cited by this source"))
                continue
            taken_entries.append(entry)
            for org in entry.get("entities") or []:
                appends["entities"].append(org)
            if "claim_on" in entry:
                claims.append((str(entry["claim_on"]), entry["claim"]))
            elif "deal" in entry:
                appends["deals"].append(entry["deal"])
            elif "observation" in entry:
                appends["observations"].append(entry["observation"])
            else:
                raise InboxError(f"{path}: candidate {cid} has no deal, observation or claim")
        entries[:] = taken_entries
        if taken_entries and not body.get("source_exists"):
            appends["sources"].append(body["source"])  # type: ignore[arg-type]
    appends["entities"] = _unique(appends["entities"])
    changes = _changes(data, appends, claims)
    _check(data, changes)
    for path, text in changes.items():
        inbox.write_text(path, text)
    inbox.remove({p: e for p, e in chosen.items() if e})
    accepted = [str(e.get("id")) for entries in chosen.values() for e in entries]
    return Accepted(accepted, sorted(changes), skipped)


def _unique(records: list[dict[str, object]]) -> list[dict[str, object]]:
    seen: set[str] = set()
    out = []
    for r in records:
        if r["id"] not in seen:
            seen.add(str(r["id"]))
            out.append(r)
    return out


def _changes(data: Path, appends: dict[str, list[dict[str, object]]],
             claims: list[tuple[str, dict[str, object]]]) -> dict[Path, str]:
    """The new text of every file that changes."""
    changes: dict[Path, str] = {}

    def current(path: Path) -> str:
        return changes.get(path) or (path.read_text(encoding="utf-8") if path.exists() else "")

    for folder, records in appends.items():
        if records:
            path = data / folder / ACCEPTED
            text = current(path)
            changes[path] = text + ("" if not text or text.endswith("\n") else "\n") + inbox.dump(records)
    if claims:
        where = _locations(data)
        for record_id, claim in claims:
            if record_id not in where:
                raise InboxError(f"claim_on {record_id!r}: no deal or observation of that id in {data}")
            path = where[record_id]
            changes[path] = insert_claim(current(path), record_id, claim, path)
    return changes


def _locations(data: Path) -> dict[str, Path]:
    checker: Checker = open_checker(data)
    for folder, path in data_files(checker.root):
        if folder in ("deals", "observations"):
            checker.read(folder, path)
    return {rid: loc.file for folder in ("deals", "observations") for rid, loc in checker.ids[folder].items()}


def insert_claim(text: str, record_id: str, claim: dict[str, object], path: Path) -> str:
    """``text`` with ``claim`` appended to the claims of record ``record_id`` (block-style YAML).

    >>> src = "- id: a\\n  kind: x\\n  claims:\\n    - source: s1\\n      quote: q\\n  part_of: b\\n- id: c\\n"
    >>> print(insert_claim(src, "a", {"source": "s2", "quote": "r"}, Path("f.yaml")), end="")
    - id: a
      kind: x
      claims:
        - source: s1
          quote: q
        - source: s2
          quote: r
      part_of: b
    - id: c
    """
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if re.fullmatch(rf"-\s+id:\s*['\"]?{re.escape(record_id)}['\"]?\s*",
                                                                      ln)), None)
    if start is None:
        raise InboxError(f"{path}: cannot find '- id: {record_id}' to add a claim (edit the file by hand)")
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in ("", " ", "#")), len(lines))
    key = next((i for i in range(start, end) if re.match(r"^\s+claims:\s*$", lines[i])), None)
    if key is None:
        raise InboxError(f"{path}: record {record_id} has no block-style 'claims:' list (edit the file by hand)")
    key_indent = len(lines[key]) - len(lines[key].lstrip())
    last = key
    item_indent = key_indent + 2
    for i in range(key + 1, end):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(lines[i]) - len(lines[i].lstrip())
        if indent <= key_indent and not stripped.startswith("- "):
            break
        if stripped.startswith("- ") and last == key:
            item_indent = indent
        last = i
    block = [" " * item_indent + ln for ln in inbox.dump([claim]).splitlines()]
    out = lines[:last + 1] + block + lines[last + 1:]
    return "\n".join(out) + "\n"


def _check(data: Path, changes: dict[Path, str]) -> None:
    """Load a copy of ``data/`` with the changes; raises DataError (naming the real files) if it fails."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "data"
        shutil.copytree(data, copy, ignore=shutil.ignore_patterns(INBOX_DIR))
        for path, text in changes.items():
            target = copy / path.relative_to(data)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        try:
            load_dataset(copy)
        except DataError as exc:  # the warnings of data already there are not this acceptance's business
            raise DataError([p for p in exc.problems if p.severity is Severity.ERROR]) from None
