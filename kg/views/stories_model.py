"""Story files: case studies written as data (``stories/*.yaml``), checked like the data files.

A story file holds one story: an id, a title, a summary, the organisations and the period in focus, and
chapters, each with its own organisations, period, deals for its timeline, and text. The text never types a
figure: it names the fact, and the figure is computed from the graph when the page is rendered
(:mod:`kg.views.stories`). Placeholders:

``{deal:ID}`` / ``{deal:ID.amount}``
    the deal's figure, as every surface states it (its counted claim's total);
``{deal:ID.date}``, ``{deal:ID.status}``, ``{deal:ID.title}``, ``{deal:ID.quote}``
    its date, status and title, or the counted claim's verbatim quote;
``{obs:ID}`` / ``{obs:ID.value}``, ``{obs:ID.date}``, ``{obs:ID.quote}``
    an observation's preferred figure, its date, or its quote;
``{total:LINE from A to B}``
    the money A pays B in deals of one line of :mod:`kg.metrics.totals` (funding, compute, chips, debt,
    joint_venture, acquisition, share_exchange, other), each dollar once.

This module checks a file on its own (fields, placeholder syntax, no figure typed into the text); what needs
the graph (that each deal, observation and organisation exists) is checked by :mod:`kg.views.stories`. Every
problem of a run is reported at once, with file, line, field and value (:class:`~kg.records.problems.DataError`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kg.metrics.totals import LINES
from kg.records.datafile import read_text
from kg.records.problems import DataError, Problem, UnreadableFile, field_path, relative, show_value
from kg.records.yamlio import LineFinder, read_yaml

DEAL_FIELDS = ("amount", "date", "status", "title", "quote")
OBS_FIELDS = ("value", "date", "quote")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_TOTAL = re.compile(r"^total:\s*(?P<line>[a-z_]+)\s+from\s+(?P<giver>.+?)\s+to\s+(?P<taker>.+?)\s*$")
_FACT = re.compile(r"^(?P<kind>deal|obs):\s*(?P<id>[A-Za-z0-9][A-Za-z0-9_.-]*?)(?:\.(?P<field>[a-z]+))?\s*$")
# A figure typed into the prose: a currency sign before a number, or a number before a scale or percent.
_SCALE = r"(?:%|percent\b|per cent\b|billion\b|million\b|trillion\b|bn\b|[BMT]\b)"
_TYPED_FIGURE = re.compile(rf"[$€£¥]\s?\d[\d.,]*(?:\s?{_SCALE})?|\d[\d.,]*\s?{_SCALE}", re.IGNORECASE)
_SLUG = r"^[a-z0-9][a-z0-9-]*$"


@dataclass(frozen=True)
class Ref:
    """One placeholder: a fact's field (``kind`` deal or obs) or a total (``kind`` total)."""

    kind: Literal["deal", "obs", "total"]
    source: str  # the placeholder as written, braces included
    id: str = ""
    field: str = ""
    line: str = ""
    giver: str = ""
    taker: str = ""


def parse_placeholder(body: str) -> Ref:
    """The placeholder ``{body}``; raises ValueError saying what is wrong.

    >>> parse_placeholder("deal:openai-aws-2025")
    Ref(kind='deal', source='{deal:openai-aws-2025}', id='openai-aws-2025', field='amount', line='', giver='', taker='')
    >>> parse_placeholder("total: funding from Microsoft to OpenAI").giver
    'Microsoft'
    >>> parse_placeholder("deal:x.size")
    Traceback (most recent call last):
    ...
    ValueError: unknown field 'size' of a deal (known: amount, date, status, title, quote)
    """
    source = "{" + body + "}"
    total = _TOTAL.match(body)
    if total:
        if total["line"] not in LINES:
            raise ValueError(f"unknown line {total['line']!r} (known: {', '.join(LINES)})")
        return Ref("total", source, line=total["line"], giver=total["giver"], taker=total["taker"])
    fact = _FACT.match(body)
    if not fact:
        raise ValueError("not a placeholder: write {deal:ID}, {deal:ID.FIELD}, {obs:ID}, {obs:ID.FIELD} or "
                         "{total:LINE from A to B}")
    kind, fields = ("deal", DEAL_FIELDS) if fact["kind"] == "deal" else ("obs", OBS_FIELDS)
    field = fact["field"] or fields[0]
    if field not in fields:
        what = "a deal" if kind == "deal" else "an observation"
        raise ValueError(f"unknown field {field!r} of {what} (known: {', '.join(fields)})")
    return Ref(kind, source, id=fact["id"], field=field)  # type: ignore[arg-type]


def pieces(text: str) -> list[str | Ref]:
    """``text`` as literal strings and placeholders, in order; raises ValueError at the first bad one."""
    out: list[str | Ref] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        out.append(text[last:match.start()])
        out.append(parse_placeholder(match.group(1)))
        last = match.end()
    out.append(text[last:])
    return [p for p in out if p != ""]


def check_text(text: str) -> str:
    """A story text: placeholders well formed, braces balanced, no figure typed in; returns it unchanged."""
    problems = []
    for match in _PLACEHOLDER.finditer(text):
        try:
            parse_placeholder(match.group(1))
        except ValueError as exc:
            problems.append(f"{match.group(0)!r}: {exc}")
    stray = _PLACEHOLDER.sub("", text)
    if "{" in stray or "}" in stray:
        problems.append("a brace without its pair: placeholders are {kind:...}")
    typed = _TYPED_FIGURE.search(stray)
    if typed:
        problems.append(f"a figure typed into the text ({typed.group(0)!r}): write a placeholder, so the figure is "
                        "computed from the graph")
    if problems:
        raise ValueError("; ".join(problems))
    return text


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Period(_Strict):
    """The dates in focus, both included."""

    start: date = Field(alias="from")
    end: date = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"the period ends ({self.end}) before it starts ({self.start})")
        return self

    def holds(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


class Chapter(_Strict):
    """A chapter: its prose, the organisations its explorer shows, its period and its timeline's deals."""

    title: str = Field(min_length=1, max_length=200)
    orgs: list[str] = Field(min_length=1, max_length=40)
    period: Period
    deals: list[str] = Field(default_factory=list, max_length=200)
    observations: list[str] = Field(default_factory=list, max_length=200)
    text: str = Field(min_length=1, max_length=20_000)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return check_text(value)


class Story(_Strict):
    """One case study."""

    id: str = Field(pattern=_SLUG, max_length=80)
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=4_000)
    orgs: list[str] = Field(min_length=1, max_length=40)
    period: Period
    chapters: list[Chapter] = Field(min_length=1, max_length=20)

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        if "{" in value or "}" in value:
            raise ValueError("the summary is plain text without figures: placeholders go into the chapters")
        return check_text(value)

    @model_validator(mode="after")
    def _chapters_inside(self) -> Story:
        for i, chapter in enumerate(self.chapters):
            if not (self.period.start <= chapter.period.start and chapter.period.end <= self.period.end):
                raise ValueError(f"chapter {i} ({chapter.title!r}) runs {chapter.period.start} to "
                                 f"{chapter.period.end}, outside the story's {self.period.start} to {self.period.end}")
        return self

    def texts(self) -> Iterator[tuple[tuple[object, ...], str]]:
        """(field path, text) of every text with placeholders: each chapter's text."""
        for i, chapter in enumerate(self.chapters):
            yield ("chapters", i, "text"), chapter.text


@dataclass
class StoryFile:
    """A checked story and where it came from, to place the errors found later against the graph."""

    path: Path
    root: Path
    story: Story
    text: str

    def problem(self, loc: tuple[object, ...], value: object, message: str) -> Problem:
        """An error at the field ``loc``; for a placeholder in a text, at the line that holds it."""
        line = LineFinder(self.text).line(loc)
        if isinstance(value, str) and value.startswith("{") and line is not None:
            lines = self.text.splitlines()
            line = next((n + 1 for n in range(line - 1, len(lines)) if value in lines[n]), line)
        return Problem(relative(self.path, self.root), line, field_path(loc), show_value(value), message)


def story_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml"))


def load_stories(folder: Path) -> list[StoryFile]:
    """Every story in ``folder`` (``*.yaml``, one story a file), checked on its own; raises
    :class:`~kg.records.problems.DataError` with every problem of every file."""
    found, problems = check_stories(folder)
    if problems:
        raise DataError(problems)
    return found


def check_stories(folder: Path) -> tuple[list[StoryFile], list[Problem]]:
    """The stories of ``folder`` that are valid on their own, and the problems of the others."""
    problems: list[Problem] = []
    found: list[StoryFile] = []
    files = story_files(folder)
    if not files:
        return [], [Problem(str(folder), None, "", "", "no story files (*.yaml) in this folder")]
    for path in files:
        where = relative(path, folder)
        try:
            text = read_text(path, folder)
            raw = read_yaml(text)
        except UnreadableFile as exc:
            problems.append(Problem(where, exc.line, exc.field, exc.value, exc.message))
            continue
        if not isinstance(raw, dict):
            problems.append(Problem(where, 1, "", show_value(raw), "a story file holds one story: a mapping with "
                                                                  "id, title, summary, orgs, period and chapters"))
            continue
        try:
            story = Story.model_validate(raw)
        except ValidationError as exc:
            finder = LineFinder(text)
            for err in exc.errors():
                loc = tuple(err["loc"])
                message = err["msg"].removeprefix("Value error, ")
                if err["type"] == "missing":
                    value, message = "", f"missing required field {show_value(loc[-1], 40)}"
                elif err["type"] == "extra_forbidden":
                    value, message = show_value(err.get("input")), f"unknown field {show_value(loc[-1], 40)}"
                else:
                    value = show_value(err.get("input"))
                problems.append(Problem(where, finder.line(loc), field_path(loc), value, message))
            continue
        found.append(StoryFile(path, folder, story, text))
    seen: dict[str, StoryFile] = {}
    for item in found:
        first = seen.setdefault(item.story.id, item)
        if first is not item:
            problems.append(item.problem(("id",), item.story.id, f"story id already used by "
                                                                 f"{relative(first.path, folder)}"))
    return [item for item in found if seen[item.story.id] is item], problems
