"""Problems found in input data: where (file, line, field), what value, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


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
        field = f" {self.field}" if self.field else ""
        value = f" = {self.value}" if self.value else ""
        return f"{where}:{field}{value}: {self.severity}: {self.message}"


class DataError(Exception):
    """Raised with every error of a run at once; nothing has been written."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        super().__init__(f"{len(errors)} error(s) in the input data:\n" + "\n".join(map(str, errors)))


def show_value(value: object, limit: int = 80) -> str:
    """A short, single-line rendering of an offending value for messages."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)
