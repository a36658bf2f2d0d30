"""Text and JSON helpers for the explorer: amounts, dates, URLs, and JSON safe to embed in HTML."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

_EPOCH = date(1970, 1, 1)


def format_usd(value: float) -> str:
    """Short dollar text: 1.3e9 -> "$1.3B"."""
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"${value / scale:.3g}{unit}"
    return f"${value:.0f}"


def number(value: Any) -> float | None:
    """A finite float or None (NaN would make the JSON invalid)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def format_amount(leg: Mapping[str, Any]) -> str:
    """Human amount of a leg, keeping "up to", "at least", ranges, "~" and the native currency."""
    amount = number(leg.get("amount_usd"))
    low, high = number(leg.get("amount_min_usd")), number(leg.get("amount_max_usd"))
    approx = "~" if leg.get("approximate") else ""
    if low is not None and high is not None and low != high:
        core = f"{approx}{format_usd(low)}–{format_usd(high)}"
    elif high is not None and low is None and amount in (None, high):
        core = f"up to {format_usd(high)}"
    elif low is not None and high is None and amount in (None, low):
        core = f"at least {format_usd(low)}"
    elif amount is not None:
        core = f"{approx}{format_usd(amount)}"
    else:
        core = "undisclosed"
    native = leg.get("native_amount")
    if native and not str(native).upper().startswith(("USD", "$")):
        core += f" ({native})"
    return core


def leg_amount(leg: Mapping[str, Any]) -> float | None:
    """The figure behind width, size and the minimum-amount filter: the amount, else the max, else the min."""
    for key in ("amount_usd", "amount_max_usd", "amount_min_usd"):
        value = number(leg.get(key))
        if value is not None:
            return value
    return None


def is_up_to(leg: Mapping[str, Any]) -> bool:
    """An "up to" amount: a ceiling without a floor."""
    return number(leg.get("amount_max_usd")) is not None and number(leg.get("amount_min_usd")) is None


_HTTP_URL = re.compile(r"https?://[^\s/?#@]+(?:[/?#]\S*)?", re.IGNORECASE)


def safe_url(url: Any) -> str | None:
    """The URL if it is absolute http(s) without spaces, else None (``javascript:``, ``data:``, relative)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    return url if _HTTP_URL.fullmatch(url) else None


def iso_date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and value:
        return value[:10]
    return None


def day_number(value: Any) -> int | None:
    """Days since 1970-01-01, the unit of the as-of slider."""
    iso = iso_date(value)
    if iso is None:
        return None
    try:
        return (date.fromisoformat(iso) - _EPOCH).days
    except ValueError:
        return None


def text(value: Any) -> str:
    return "" if value is None else str(value)


def fold(value: str) -> str:
    """Lower-case without accents so "Zurich" finds "Zürich" (the page's search does the same)."""
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


_SCRIPT_UNSAFE = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def embed_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>``, ``&``, U+2028/9 left.

    Those characters can only occur inside JSON strings, where the ``\\uXXXX`` forms mean the same.
    """
    result = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for raw, escaped in _SCRIPT_UNSAFE:
        result = result.replace(raw, escaped)
    return result


# Every control character but newline and tab: ESC starts ANSI and OSC-8 link sequences, BEL ends them,
# C1 controls (U+0080-U+009F) are 8-bit CSI and OSC; each is shown as U+FFFD instead.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_text(value: object) -> str:
    """``value`` as text safe to print on a terminal: control characters and escape sequences shown as
    U+FFFD, so no string from the data can move the cursor, colour the screen or plant a link.

    >>> terminal_text("\\x1b]8;;file:///etc/passwd\\x07click\\x1b]8;;\\x07 [/bogus]")
    '\ufffd]8;;file:///etc/passwd\ufffdclick\ufffd]8;;\ufffd [/bogus]'
    """
    return _CONTROL.sub("\ufffd", str(value))
