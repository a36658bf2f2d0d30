"""Problems found in input data: where (file, line, field), what value, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"  # what was left unchecked because of an error, e.g. references into a file that could not be read


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    field: str
    value: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        about = (f" {self.field}" if self.field else "") + (f" = {self.value}" if self.value else "")
        return f"{where}:{about}: {self.severity}: {self.message}" if about else \
            f"{where}: {self.severity}: {self.message}"

    def sort_key(self) -> tuple[str, bool, int, str, str]:
        # by file, then line (a problem of the whole file first), what was left unchecked last
        return self.file, self.severity is Severity.NOTE, self.line or 0, self.field, self.message


class DataError(Exception):
    """Raised with every error of a run at once; nothing has been written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=Problem.sort_key)
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        super().__init__(f"{len(errors)} error(s) in the input data:\n" + "\n".join(map(str, errors)))


class UnreadableFile(Exception):
    """A data file that cannot be read as records: refused, not UTF-8 text, not YAML, or over a limit."""

    def __init__(self, line: int | None, message: str, field: str = "", value: str = ""):
        self.line, self.message, self.field, self.value = line, message, field, value
        super().__init__(message)


def field_path(steps: Sequence[object], limit: int = 12) -> str:
    """``claims.0.amount``: a field's path for messages, its steps and their number bounded (keys are input)."""
    shown = [show_value(step, 40) if isinstance(step, str) and len(step) > 40 else str(step) for step in steps[:limit]]
    return ".".join(shown) + (".…" if len(steps) > limit else "")


def show_value(value: object, limit: int = 80) -> str:
    """A short, single-line rendering of an offending value for messages.

    Only a prefix of the value is ever formatted, so a huge or deeply shared value (what YAML
    aliases make) costs no more than a short one.
    """
    parts: list[str] = []
    _render(value, parts, limit + 1)
    text = "".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _render(value: object, parts: list[str], budget: int) -> int:
    """Append the repr of ``value`` to ``parts`` until about ``budget`` characters; returns what is left."""
    if budget <= 0:
        return 0
    if isinstance(value, list | dict):
        opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
        parts.append(opening)
        budget -= 1
        items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
        for i, (key, item) in enumerate(items):
            if budget <= 0:
                return 0
            if i:
                parts.append(", ")
                budget -= 2
            if isinstance(value, dict):
                budget = _render(key, parts, budget)
                parts.append(": ")
                budget -= 2
            budget = _render(item, parts, budget)
        parts.append(closing)
        return budget - 1
    if isinstance(value, str):
        text = repr(value[:budget])
    elif isinstance(value, int) and value.bit_length() > 1000:
        text = f"<an integer of {value.bit_length():,} bits>"  # repr of one over 4,300 digits raises
    else:
        text = repr(value)[:budget]
    parts.append(text)
    return budget - len(text)


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)
