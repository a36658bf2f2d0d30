"""Dates in a sentence: explicit ("3. November 2025", "November 3, 2025", "2025-11-03") or relative to
the publication date ("am Montag", "on Monday", "gestern", "yesterday"), and the year a figure is for.

Month and weekday names in German and English come from babel's locale data. A relative date is
the last such day on or before the publication date, and is marked inferred.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    date: dt.date
    inferred: bool
    how: str


@functools.cache
def _names() -> tuple[dict[str, int], dict[str, int]]:
    from babel.dates import get_day_names, get_month_names

    months: dict[str, int] = {}
    days: dict[str, int] = {}
    for locale in ("de", "en"):
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=locale).items():
                months[name.lower().rstrip(".")] = number
            for number, name in get_day_names(width, locale=locale).items():
                days[name.lower().rstrip(".")] = number  # babel: 0 is Monday, as date.weekday()
    months["sept"] = 9
    return months, days


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    months, days = _names()
    month = "|".join(sorted(map(re.escape, months), key=len, reverse=True))
    day = "|".join(sorted(map(re.escape, days), key=len, reverse=True))
    explicit = re.compile(
        rf"\b(?:(?P<d1>\d{{1,2}})\.?\s*(?P<m1>{month})\.?,?\s+(?P<y1>\d{{4}})"
        rf"|(?P<m2>{month})\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y2>\d{{4}})"
        rf"|(?P<y3>\d{{4}})-(?P<m3>\d{{2}})-(?P<d3>\d{{2}})"
        rf"|(?P<d4>\d{{1,2}})\.(?P<m4>\d{{1,2}})\.(?P<y4>\d{{4}}))\b", re.IGNORECASE)
    weekday = re.compile(rf"\b(?:am|on|last|vergangenen|letzten)\s+(?P<day>{day})\b", re.IGNORECASE)
    month_only = re.compile(rf"\b(?:im|in|on|am)\s+(?P<m>{month})\b(?:\s+(?P<y>\d{{4}}))?", re.IGNORECASE)
    return explicit, weekday, month_only


_RELATIVE = {"gestern": -1, "yesterday": -1, "heute": 0, "today": 0, "vorgestern": -2}
_YEAR = re.compile(r"\b(?:im Jahr|in|für|for|bis|by|fiscal|Geschäftsjahr|year)\s+(?P<y>(?:19|20)\d{2})\b",
                   re.IGNORECASE)
_THIS_YEAR = re.compile(r"\b(?:in diesem Jahr|dieses Jahr|this year|diesjährig\w*)\b", re.IGNORECASE)


def find_date(text: str, published: dt.date | None) -> Found | None:
    """The date a sentence states for its event, or None.

    >>> find_date("OpenAI und AWS unterzeichneten am 3. November 2025 den Vertrag.", None).date
    datetime.date(2025, 11, 3)
    >>> found = find_date("The companies said on Monday.", dt.date(2025, 11, 5))
    >>> found.date, found.inferred
    (datetime.date(2025, 11, 3), True)
    """
    explicit, weekday, month_only = _patterns()
    months, days = _names()
    if m := explicit.search(text):
        try:
            return Found(_explicit(m, months), False, "stated")
        except ValueError:
            pass
    if published is None:
        return None
    if m := weekday.search(text):
        want = days[m.group("day").lower().rstrip(".")]
        back = (published.weekday() - want) % 7
        return Found(published - dt.timedelta(days=back), True,
                     f"{m.group(0)}: the last {m.group('day')} on or before the publication date")
    for word, shift in _RELATIVE.items():
        if re.search(rf"\b{word}\b", text, re.IGNORECASE):
            return Found(published + dt.timedelta(days=shift), True, f"'{word}' from the publication date")
    if m := month_only.search(text):
        month = months[m.group("m").lower().rstrip(".")]
        year = int(m.group("y")) if m.group("y") else published.year - (month > published.month)
        return Found(dt.date(year, month, 1), True, f"'{m.group(0)}': the first of the month")
    return None


def _explicit(m: re.Match[str], months: dict[str, int]) -> dt.date:
    g = m.groupdict()
    if g["y1"]:
        return dt.date(int(g["y1"]), months[g["m1"].lower()], int(g["d1"]))
    if g["y2"]:
        return dt.date(int(g["y2"]), months[g["m2"].lower()], int(g["d2"]))
    if g["y3"]:
        return dt.date(int(g["y3"]), int(g["m3"]), int(g["d3"]))
    return dt.date(int(g["y4"]), int(g["m4"]), int(g["d4"]))


def year_of(text: str, published: dt.date | None) -> int | None:
    """The year a figure is for: "im Jahr 2024", "bis 2026", "in 2025", "this year".

    >>> year_of("die bis 2026 auf 11 Milliarden ansteigen", None), year_of("in diesem Jahr", dt.date(2025, 3, 1))
    (2026, 2025)
    """
    if m := _YEAR.search(text):
        return int(m.group("y"))
    if published is not None and _THIS_YEAR.search(text):
        return published.year
    return None
