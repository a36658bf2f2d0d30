"""Static inline SVG charts for the report: bars and columns drawn by hand, no charting library, no script.

Every text and attribute value is escaped here; callers pass plain strings. Hovering a bar shows its
``<title>`` (a native tooltip, so the charts need no JavaScript and survive a strict CSP). A chart with
nothing to draw says so in an empty-state SVG rather than drawing empty axes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from kg.views.formatting import format_usd

# Categorical colours for series (companies, kinds), chosen to stay apart for colour-blind readers.
PALETTE = ("#2563eb", "#ea580c", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777", "#4b5563",
           "#65a30d")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
AXIS = "#6b7280"
GRID = "#e5e7eb"


def esc(value: object) -> str:
    """Text or attribute value, escaped for HTML and SVG (quotes included)."""
    return html.escape(str(value), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Bar:
    """One bar: a value, optionally a low–high range drawn as a whisker, a colour and a tooltip."""

    value: float
    colour: str
    tooltip: str
    low: float | None = None
    high: float | None = None
    tentative: bool = False  # plans and estimates: lighter fill, dashed outline
    label: str | None = None  # printed at the end of the bar

    @property
    def top(self) -> float:
        return max(x for x in (self.value, self.low or 0.0, self.high or 0.0))


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    tentative: bool = False


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Round axis ticks from 0 covering ``maximum`` (1, 2, 2.5 or 5 times a power of ten)."""
    if maximum <= 0 or not math.isfinite(maximum):
        return [0.0, 1.0]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = [0.0]
    while ticks[-1] < maximum - 1e-9 * maximum:
        ticks.append(ticks[-1] + step)
    return ticks


def _open(width: int, height: int, title: str, description: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{esc(title)}" font-family="{esc(FONT)}" font-size="12">',
        f"<title>{esc(title)}</title><desc>{esc(description)}</desc>",
    ]


def empty_chart(title: str, message: str, width: int = 960) -> Markup:
    parts = _open(width, 60, title, message)
    parts.append(f'<text x="{width / 2:.0f}" y="34" text-anchor="middle" fill="{AXIS}">{esc(message)}</text></svg>')
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped


def _bar_rect(x: float, y: float, w: float, h: float, bar: Bar) -> str:
    fill = esc(bar.colour)
    style = (f'fill="{fill}" fill-opacity="0.35" stroke="{fill}" stroke-dasharray="4 2"' if bar.tentative
             else f'fill="{fill}"')
    return (f'<rect class="bar" x="{_num(x)}" y="{_num(y)}" width="{_num(max(w, 0.5))}" height="{_num(max(h, 0.5))}" '
            f"{style}><title>{esc(bar.tooltip)}</title></rect>")


def hbar_chart(groups: Sequence[tuple[str, Sequence[Bar]]], *, title: str, description: str,
               legend: Sequence[Series] = (), width: int = 960) -> Markup:
    """Horizontal bars, grouped: one group per row label (an organisation), one bar per measure."""
    groups = [(name, list(bars)) for name, bars in groups if bars]
    if not groups:
        return empty_chart(title, "No figures to draw.", width)
    label_w, right, bar_h, gap, group_gap, top = 150, 330, 18, 3, 14, 28 if legend else 8
    axis_h = 22
    height = top + sum(len(b) * (bar_h + gap) - gap + group_gap for _, b in groups) + axis_h
    maximum = max(bar.top for _, bars in groups for bar in bars)
    ticks = nice_ticks(maximum)
    plot_w = width - label_w - right
    scale = plot_w / ticks[-1]
    parts = _open(width, height, title, description)
    parts.extend(_legend(legend, label_w, 14))
    bottom = height - axis_h
    for t in ticks:
        x = label_w + t * scale
        parts.append(f'<line x1="{_num(x)}" y1="{top - 4}" x2="{_num(x)}" y2="{_num(bottom)}" stroke="{GRID}"/>'
                     f'<text x="{_num(x)}" y="{_num(bottom + 15)}" text-anchor="middle" fill="{AXIS}">'
                     f"{esc(format_usd(t))}</text>")
    y = float(top)
    for name, bars in groups:
        block = len(bars) * (bar_h + gap) - gap
        parts.append(f'<text x="{label_w - 8}" y="{_num(y + block / 2 + 4)}" text-anchor="end" fill="#111827">'
                     f"{esc(_clip(name, 22))}<title>{esc(name)}</title></text>")
        for bar in bars:
            parts.append(_bar_rect(label_w, y, bar.value * scale, bar_h, bar))
            end = bar.value * scale
            if bar.low is not None and bar.high is not None and bar.high > bar.low:
                x1, x2, mid = label_w + bar.low * scale, label_w + bar.high * scale, y + bar_h / 2
                parts.append(f'<path class="whisker" d="M{_num(x1)} {_num(mid)}H{_num(x2)}M{_num(x1)} {_num(y + 3)}'
                             f'V{_num(y + bar_h - 3)}M{_num(x2)} {_num(y + 3)}V{_num(y + bar_h - 3)}" '
                             f'stroke="#111827" stroke-width="1.2" fill="none"/>')
                end = max(end, bar.high * scale)
            if bar.label:
                parts.append(f'<text x="{_num(label_w + end + 8)}" y="{_num(y + bar_h - 4)}" fill="#374151">'
                             f"{esc(bar.label)}</text>")
            y += bar_h + gap
        y += group_gap - gap
    parts.append(f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{_num(bottom)}" stroke="{AXIS}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped


def column_chart(categories: Sequence[str], series: Sequence[Series],
                 values: dict[tuple[str, str], Bar], *, title: str, description: str, stacked: bool = False,
                 width: int = 960, height: int = 320) -> Markup:
    """Vertical columns per category (a year): side by side per series, or stacked.

    ``values`` maps (series name, category) to its bar; missing pairs are simply not drawn.
    """
    if not categories or not values:
        return empty_chart(title, "No figures to draw.", width)
    left, right, top, bottom_h = 64, 12, 30, 26
    plot_w, plot_h = width - left - right, height - top - bottom_h
    if stacked:
        maximum = max(sum(values[(s.name, c)].value for s in series if (s.name, c) in values) for c in categories)
    else:
        maximum = max(bar.top for bar in values.values())
    ticks = nice_ticks(maximum)
    scale = plot_h / ticks[-1]
    bottom = top + plot_h
    parts = _open(width, height, title, description)
    parts.extend(_legend(series, left, 14))
    for t in ticks:
        y = bottom - t * scale
        parts.append(f'<line x1="{left}" y1="{_num(y)}" x2="{width - right}" y2="{_num(y)}" stroke="{GRID}"/>'
                     f'<text x="{left - 6}" y="{_num(y + 4)}" text-anchor="end" fill="{AXIS}">'
                     f"{esc(format_usd(t))}</text>")
    slot = plot_w / len(categories)
    present = [s for s in series if any((s.name, c) in values for c in categories)]
    per = 1 if stacked else max(len(present), 1)
    col_w = min(42.0, slot * 0.8 / per)
    for i, cat in enumerate(categories):
        x0 = left + i * slot + (slot - col_w * per) / 2
        base = bottom
        for j, s in enumerate(present):
            bar = values.get((s.name, cat))
            if bar is None:
                continue
            h = bar.value * scale
            if stacked:
                parts.append(_bar_rect(x0, base - h, col_w, h, bar))
                base -= h
                continue
            x = x0 + j * col_w
            parts.append(_bar_rect(x + 1, bottom - h, col_w - 2, h, bar))
            if bar.low is not None and bar.high is not None and bar.high > bar.low:
                cx, y1, y2 = x + col_w / 2, bottom - bar.low * scale, bottom - bar.high * scale
                parts.append(f'<path class="whisker" d="M{_num(cx)} {_num(y1)}V{_num(y2)}M{_num(cx - 4)} {_num(y1)}'
                             f'H{_num(cx + 4)}M{_num(cx - 4)} {_num(y2)}H{_num(cx + 4)}" stroke="#111827" '
                             f'stroke-width="1.2" fill="none"/>')
        if stacked and base < bottom:
            total = sum(values[(s.name, cat)].value for s in present if (s.name, cat) in values)
            parts.append(f'<text x="{_num(x0 + col_w / 2)}" y="{_num(base - 4)}" text-anchor="middle" '
                         f'fill="#374151">{esc(format_usd(total))}</text>')
        parts.append(f'<text x="{_num(left + i * slot + slot / 2)}" y="{_num(bottom + 17)}" text-anchor="middle" '
                     f'fill="#111827">{esc(cat)}</text>')
    parts.append(f'<line x1="{left}" y1="{_num(bottom)}" x2="{width - right}" y2="{_num(bottom)}" stroke="{AXIS}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every value above is escaped


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for s in series:
        fill = esc(s.colour)
        style = (f'fill="{fill}" fill-opacity="0.35" stroke="{fill}" stroke-dasharray="3 2"' if s.tentative
                 else f'fill="{fill}"')
        parts.append(f'<rect x="{_num(x)}" y="{_num(y - 9)}" width="11" height="11" {style}/>'
                     f'<text x="{_num(x + 15)}" y="{_num(y)}" fill="#374151">{esc(s.name)}</text>')
        x += 15 + 7 * len(s.name) + 16
    return parts


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
