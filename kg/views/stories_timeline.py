"""A chapter's timeline as static inline SVG: each deal a dot coloured by status, each observation a diamond,
numbered like the chapter's notes, on a date axis over the chapter's period. No script: hovering shows the
item's ``<title>``. Every text is escaped here (:func:`kg.views.charts.esc`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from markupsafe import Markup

from kg.views.charts import AXIS, FONT, GRID, esc
from kg.views.style import STATUS_LABELS

STATUS_COLOURS = {
    "closed": "#15803d", "committed": "#1d4ed8", "in_progress": "#0d9488", "announced": "#d97706",
    "projected": "#9ca3af", "rumoured": "#c4b5fd", "cancelled": "#dc2626", "observed": "#374151",
}
WIDTH, MARGIN, LANE, GAP = 960, 40, 22, 26


class Item(Protocol):
    """What the timeline reads of a fact."""

    date: dt.date | None
    note: int
    kind: str
    status: str
    title: str
    amount: str


def _ticks(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """Axis ticks: days over a fortnight or less, weeks over a quarter or less, quarters up to three years,
    else years.

    >>> [t[1] for t in _ticks(dt.date(2025, 1, 27), dt.date(2025, 1, 30))]
    ['27 Jan', '28 Jan', '29 Jan', '30 Jan']
    >>> [t[1] for t in _ticks(dt.date(2025, 1, 1), dt.date(2025, 1, 31))]
    ['6 Jan', '13 Jan', '20 Jan', '27 Jan']
    >>> [t[1] for t in _ticks(dt.date(2019, 1, 1), dt.date(2026, 7, 31))][:3]
    ['2019', '2020', '2021']
    """
    days = (end - start).days
    if days <= 14:
        return [(d, f"{d.day} {d:%b}") for d in (start + dt.timedelta(days=n) for n in range(days + 1))]
    if days <= 92:
        first = start + dt.timedelta(days=(7 - start.weekday()) % 7)  # Mondays
        return [(d, f"{d.day} {d:%b}") for d in (first + dt.timedelta(weeks=w) for w in range(days // 7 + 2))
                if d <= end]
    if days <= 3 * 366:
        out = []
        year, month = start.year, ((start.month - 1) // 3) * 3 + 1
        while dt.date(year, month, 1) <= end:
            day = dt.date(year, month, 1)
            if day >= start:
                out.append((day, f"{day:%b %Y}"))
            month += 3
            if month > 12:
                year, month = year + 1, 1
        return out
    return [(dt.date(y, 1, 1), str(y)) for y in range(start.year, end.year + 1) if dt.date(y, 1, 1) >= start]


def _lanes(xs: Sequence[float]) -> list[int]:
    """A lane per marker so that numbers in one lane stay ``GAP`` pixels apart (xs sorted)."""
    last: list[float] = []
    out = []
    for x in xs:
        lane = next((i for i, end in enumerate(last) if x - end >= GAP), len(last))
        if lane == len(last):
            last.append(x)
        last[lane] = x
        out.append(lane)
    return out


def timeline_svg(items: Sequence[Item], start: dt.date, end: dt.date) -> Markup:
    """The timeline of ``items`` (facts with a date, sorted by date) over ``start``–``end`` (widened to hold
    every item)."""
    dated = [i for i in items if i.date is not None]
    lo = min([start, *(i.date for i in dated)])
    hi = max([end, *(i.date for i in dated)])
    span = max((hi - lo).days, 1)

    def x(day: dt.date) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * (day - lo).days / span

    xs = [x(i.date) for i in dated]
    lanes = _lanes(xs)
    top = 18 + LANE * (max(lanes, default=0) + 1)
    axis = top + 8
    height = axis + 44
    parts = [f'<svg class="timeline" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
             f'aria-label="Timeline of the chapter\'s deals" xmlns="http://www.w3.org/2000/svg" '
             f'font-family="{esc(FONT)}" font-size="11">']
    for day, label in _ticks(lo, hi):
        parts.append(f'<line x1="{x(day):.1f}" x2="{x(day):.1f}" y1="10" y2="{axis}" stroke="{GRID}"/>'
                     f'<text x="{x(day):.1f}" y="{axis + 16}" text-anchor="middle" fill="{AXIS}">{esc(label)}</text>')
    period = f'<rect x="{x(start):.1f}" y="{axis - 3}" width="{max(x(end) - x(start), 2):.1f}" height="6" ' \
             f'fill="#cbd5e1"><title>{esc(f"the chapter’s period: {start} to {end}")}</title></rect>'
    parts.append(f'<line x1="{MARGIN}" x2="{WIDTH - MARGIN}" y1="{axis}" y2="{axis}" stroke="{AXIS}"/>{period}')
    placed = [(item, px, top - LANE * lane) for item, px, lane in zip(dated, xs, lanes, strict=True)]
    for item, px, y in placed:  # every stem first, so no stem crosses a marker
        parts.append(f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{y + 9}" y2="{axis}" '
                     f'stroke="{STATUS_COLOURS.get(item.status, AXIS)}" stroke-width="1"/>')
    for item, px, y in placed:
        colour = STATUS_COLOURS.get(item.status, AXIS)
        status = STATUS_LABELS.get(item.status, item.status)
        tip = esc(f"[{item.note}] {item.date.isoformat()} — {item.title} — {item.amount} — {status}")
        shape = (f'<rect x="{px - 7:.1f}" y="{y - 7}" width="14" height="14" transform="rotate(45 {px:.1f} {y})" '
                 f'fill="{colour}"/>' if item.kind == "observation" else
                 f'<circle cx="{px:.1f}" cy="{y}" r="9" fill="{colour}" stroke="#fff" stroke-width="1.5"/>')
        parts.append(f'<g class="event"><title>{tip}</title>{shape}<text x="{px:.1f}" y="{y + 4}" '
                     f'text-anchor="middle" fill="#fff" font-weight="700" font-size="10">{item.note}</text></g>')
    legend_x = MARGIN
    used = list(dict.fromkeys(i.status for i in dated))
    for code in used:
        label = "observation" if code == "observed" else STATUS_LABELS.get(code, code).lower()
        fill = STATUS_COLOURS.get(code, AXIS)
        parts.append(f'<rect x="{legend_x + 1}" y="{axis + 29}" width="8" height="8" fill="{fill}" '
                     f'transform="rotate(45 {legend_x + 5} {axis + 33})"/>' if code == "observed" else
                     f'<circle cx="{legend_x + 5}" cy="{axis + 33}" r="5" fill="{fill}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{axis + 37}" fill="#374151">{esc(label)}</text>')
        legend_x += 24 + 7 * len(label)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text above is escaped
