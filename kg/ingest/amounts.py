"""Figures in a sentence: money with its currency, percentages, counts with units, and their qualifiers.

The qualifiers follow data/README.md: "bis zu"/"up to" → max; "über"/"mehr als"/"more than"/"at
least" → min; "rund"/"etwa"/"about"/"around" → approximate; "knapp"/"fast"/"almost"/"nearly" →
max and approximate; "zwischen a und b"/"a–b" → a range. German "über" after a noun ("eine Zusage
über 250 Milliarden") names the amount, not a minimum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from kg.ingest import numbers

_CORE = re.compile(r"(?<![\w.,/])(\d{1,3}(?:[.,'’\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
                   r"(bn|tn|mn|[bBmMkKT])?(?!\w)")
_ARTICLE = re.compile(r"(?<![\w-])(a|an|one|ein|eine|einer|einem|einen)(?=\s+\w)", re.IGNORECASE)
_WORD_AFTER = re.compile(r"[\s\u00a0-]*([A-Za-zÄÖÜäöüß]+)(\.)?")  # "$500-billion"
_SPACE = "[\\s\\u00a0]*"

# (pattern, ISO 4217 code); the longest forms first.
_PREFIX = [(r"US\$|U\.S\.\s?\$|USD|\$", "USD"), (r"€|EUR", "EUR"), (r"£|GBP", "GBP"), (r"C\$|CAD", "CAD"),
           (r"A\$|AUD", "AUD"), (r"HK\$|HKD", "HKD"), (r"S\$|SGD", "SGD"), (r"¥|JPY", "JPY"), (r"CNY|RMB", "CNY"),
           (r"CHF", "CHF"), (r"₹|INR|Rs\.?", "INR")]
_SUFFIX = [(r"US-Dollars?|US-Dollar|U\.S\. dollars?|US dollars?|Dollars?|dollars?|USD|\$", "USD"),
           (r"Euros?|euros?|EUR|€", "EUR"), (r"yuan|Yuan|renminbi|Renminbi|RMB|CNY", "CNY"),
           (r"Pfund|pounds?(?: sterling)?|GBP|£", "GBP"), (r"Yen|yen|JPY", "JPY"),
           (r"Franken|Swiss francs?|CHF", "CHF"),
           (r"rupees|INR", "INR"), (r"dirhams?|Dirham|AED", "AED"), (r"riyals?|Riyal|SAR", "SAR"),
           (r"Canadian dollars?|CAD", "CAD"), (r"Australian dollars?|AUD", "AUD")]
_UNITS = [(r"%|Prozent|percent|per cent|pct\b", "fraction"),
          (r"(?:Nvidia[- ])?(?:GPUs?|Grafikprozessoren|graphics processing units)", "GPUs"),
          (r"(?:AI |KI-)?(?:chips|Chips|accelerators)", "chips"),
          (r"[Gg]igawatts?|GW", "GW"), (r"[Mm]egawatts?|MW", "MW"),
          (r"shares|Aktien", "shares"),
          (r"Beschäftig\w*|Mitarbeite\w*|employees|staff|workers|people", "people")]
_PREFIX_RE = re.compile(r"(?:" + "|".join(f"(?P<p{i}>{p})" for i, (p, _) in enumerate(_PREFIX)) + r")[\s\u00a0]?$")
# "Dollar Vertrag": a currency word stands alone; US-Dollar may be followed by a hyphenated compound.
_SUFFIX_RE = re.compile(_SPACE + r"(?:" + "|".join(f"(?P<s{i}>{p})" for i, (p, _) in enumerate(_SUFFIX))
                        + r")(?![A-Za-zäöü])")
_UNIT_RE = re.compile(_SPACE + r"(?:" + "|".join(f"(?P<u{i}>{p})" for i, (p, _) in enumerate(_UNITS))
                      + r")(?![A-Za-zäöü])")

# Qualifiers right before a figure (and its currency sign); the phrase's effect on the figure.
_BEFORE = [
    (r"bis zu|up to|as much as|maximal|höchstens|no more than|not more than", "max"),
    (r"knapp unter|just under|slightly less than|nearly|almost|close to|knapp|fast|beinahe|nahezu", "max~"),
    (r"knapp über|just over|slightly more than|etwas mehr als|gut", "min~"),
    (r"mehr als|more than|at least|mindestens|in excess of|upwards of|north of|over|above|über", "min"),
    (r"rund|etwa|ungefähr|ca\.|circa|zirka|about|around|roughly|approximately|an estimated|some|gegen", "~"),
]
_BEFORE_RE = [(re.compile(rf"(?:^|(?<=[\s(„\"“]))(?:{p})[\s\u00a0]+$", re.IGNORECASE), effect) for p, effect in _BEFORE]
_AFTER_RE = re.compile(r"(?:[\s\u00a0]*(übersteigen|überschreiten|übertreffen|or more|or higher|and more)|-(plus))\b")
_NOUN_BEFORE_UEBER = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÄÖÜ][\wäöüß-]+\s+über[\s\u00a0]+$")


@dataclass(frozen=True)
class Figure:
    """One figure of a sentence: ``text[start:end]`` is what it was read from."""

    start: int
    end: int
    value: float | None = None
    min: float | None = None
    max: float | None = None
    currency: str | None = None
    unit: str | None = None
    approximate: bool = False
    qualifier: str | None = None
    scaled: bool = False  # a scale word was written ("Milliarden"): money even without a currency
    number: float = 0.0  # the number as written, before scale

    @property
    def is_money(self) -> bool:
        return self.currency is not None or (self.unit is None and self.scaled)

    def amount(self) -> dict[str, object]:
        """The fields of a :class:`kg.records.models.Amount`."""
        out: dict[str, object] = {}
        for key in ("value", "min", "max"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        out.update({"currency": self.currency} if self.currency else {"unit": self.unit} if self.unit else {})
        if self.approximate:
            out["approximate"] = True
        return out

    @property
    def central(self) -> float:
        """One number for comparing figures: the value, else the midpoint of what is given."""
        if self.value is not None:
            return self.value
        ends = [v for v in (self.min, self.max) if v is not None]
        return sum(ends) / len(ends)


@dataclass(frozen=True)
class _Raw:
    qstart: int  # where the qualifier (or the currency sign, or the number) starts
    start: int
    end: int
    number: float
    factor: float | None
    currency: str | None
    unit: str | None
    effect: str | None
    qualifier: str | None
    prefix: bool


def find(text: str, lang: str) -> list[Figure]:
    """Every figure in ``text`` (a sentence), in order.

    >>> [f.amount() for f in find("Amazon bis zu 50 Milliarden, SoftBank 30 Milliarden US-Dollar", "de")]
    [{'max': 50000000000.0}, {'value': 30000000000.0, 'currency': 'USD'}]
    >>> [f.amount() for f in find("between $10 and $20 billion, a 27% stake", "en")]
    [{'min': 10000000000.0, 'max': 20000000000.0, 'currency': 'USD'}, {'value': 0.27, 'unit': 'fraction'}]
    """
    raws = sorted(_cores(text, lang), key=lambda r: r.start)
    figures: list[Figure] = []
    i = 0
    while i < len(raws):
        a = raws[i]
        b = raws[i + 1] if i + 1 < len(raws) else None
        if b is not None and (b.factor is not None or b.currency or b.unit) and _is_range(text, a, b):
            figures.append(_range(a, b))
            i += 2
            continue
        if a.factor is not None or a.currency or a.unit:
            figures.append(_single(a))
        i += 1
    return [f for f in figures if f.unit != "fraction" or max(v for v in (f.value, f.min, f.max) if v is not None) <= 1]


def _cores(text: str, lang: str) -> list[_Raw]:
    spans: list[tuple[int, int, float, float | None]] = []
    for m in _CORE.finditer(text):
        attached = m.group(2)
        after = _scale_after(text, m.end(), lang) if attached is None else None
        number = numbers.digits(m.group(1), lang, scaled=attached is not None or after is not None)
        if number is None:
            continue
        factor = numbers.ATTACHED[attached.lower()] if attached else None
        spans.append((m.start(), m.end(), number, factor))
    for m in numbers.WORD[lang].finditer(text):
        number = numbers.words(m.group(0), lang)
        if number is not None and not _overlaps(spans, m.start(), m.end()):
            spans.append((m.start(), m.end(), number, None))
    for m in _ARTICLE.finditer(text):  # "eine Billion", "a billion": only before a scale word
        if _scale_after(text, m.end(), lang) is not None and not _overlaps(spans, m.start(), m.end()):
            spans.append((m.start(), m.end(), 1.0, None))
    return [_read_around(text, lang, *span) for span in spans]


def _overlaps(spans: list[tuple[int, int, float, float | None]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e, *_ in spans)


def _scale_after(text: str, pos: int, lang: str) -> tuple[float, int] | None:
    m = _WORD_AFTER.match(text, pos)
    if not m:
        return None
    word = m.group(1)
    if m.group(2) and (factor := numbers.scale(word + ".", lang)) is not None:
        return factor, m.end()  # "Mrd.", "Mio."
    factor = numbers.scale(word, lang)
    return (factor, m.end(1)) if factor is not None else None


def _read_around(text: str, lang: str, start: int, end: int, number: float, factor: float | None) -> _Raw:
    pos = end
    if factor is None and (scaled := _scale_after(text, pos, lang)):
        factor, pos = scaled
    currency = unit = None
    if m := _SUFFIX_RE.match(text, pos):
        currency, pos = _code(m, _SUFFIX, "s"), m.end()
    elif m := _UNIT_RE.match(text, pos):
        unit, pos = _code(m, _UNITS, "u"), m.end()
    qstart = start
    prefix = False
    if (m := _PREFIX_RE.search(text, 0, start)) and m.end() == start:
        currency, qstart, prefix = currency or _code(m, _PREFIX, "p"), m.start(), True
    effect = qualifier = None
    before = text[:qstart]
    for pattern, this in _BEFORE_RE:
        if (q := pattern.search(before)) is not None:
            if q.group(0).strip().lower() == "über" and _NOUN_BEFORE_UEBER.search(before):
                break  # "Zusage über 250 Milliarden": the amount of the commitment
            effect, qualifier, qstart = this, q.group(0).strip(), q.start()
            break
    if effect is None and (m := _AFTER_RE.match(text, pos)):
        effect, qualifier, pos = "min", m.group(1) or m.group(2), m.end()
    return _Raw(qstart, start, pos, number, factor, currency, unit, effect, qualifier, prefix)


def _code(match: re.Match[str], table: list[tuple[str, str]], letter: str) -> str:
    index = next(int(k[1:]) for k, v in match.groupdict().items() if v is not None and k[0] == letter)
    return table[index][1]


def _is_range(text: str, a: _Raw, b: _Raw) -> bool:
    between = text[a.end:b.qstart]
    if a.effect is not None:
        return False
    if re.fullmatch(r"\s*(?:–|—|-|bis|to)\s*", between):
        return a.factor is None and a.unit is None and not (a.currency and not a.prefix)
    if re.fullmatch(r"\s*(?:und|and)\s*", between):
        return re.search(r"(?:zwischen|between)\s+$", text[:a.qstart]) is not None
    return False


def _scaled(raw: _Raw, factor: float | None, unit: str | None) -> float:
    if unit == "fraction":
        return round(raw.number / 100, 10)
    return raw.number * (factor or 1.0)


def _single(raw: _Raw) -> Figure:
    v = _scaled(raw, raw.factor, raw.unit)
    fig = Figure(raw.qstart, raw.end, value=v, currency=raw.currency, unit=raw.unit, qualifier=raw.qualifier,
                 scaled=raw.factor is not None, number=raw.number)
    return _qualify(fig, raw.effect)


def _qualify(fig: Figure, effect: str | None) -> Figure:
    v = fig.value
    if effect == "max":
        return replace(fig, value=None, max=v)
    if effect == "min":
        return replace(fig, value=None, min=v)
    if effect == "max~":
        return replace(fig, value=None, max=v, approximate=True)
    if effect == "min~":
        return replace(fig, value=None, min=v, approximate=True)
    if effect == "~":
        return replace(fig, approximate=True)
    return fig


def _range(a: _Raw, b: _Raw) -> Figure:
    factor = b.factor if b.factor is not None else a.factor
    unit = b.unit or a.unit
    low = _scaled(a, factor, unit)
    high = _scaled(b, factor, unit)
    return Figure(a.qstart, b.end, min=min(low, high), max=max(low, high), currency=a.currency or b.currency,
                  unit=unit, approximate=b.effect in ("max~", "~", "min~"), qualifier=b.qualifier,
                  scaled=factor is not None, number=b.number)
