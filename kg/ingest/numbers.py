"""Numbers as written in German and English news: digits with either separator, and number words.

Number words go to text2num ("sieben" → 7, "two hundred" → 200); an article before a scale word
("eine Billion", "a billion") is one, which text2num leaves as it is.
"""

from __future__ import annotations

import functools
import re

# A scale word multiplies the number before it. German "Billion" is 10^12, English "billion" 10^9.
SCALES_DE = {"billion": 1e12, "billionen": 1e12, "milliarde": 1e9, "milliarden": 1e9, "mrd": 1e9, "mrd.": 1e9,
             "million": 1e6, "millionen": 1e6, "mio": 1e6, "mio.": 1e6, "tausend": 1e3, "tsd": 1e3, "tsd.": 1e3}
SCALES_EN = {"trillion": 1e12, "trillions": 1e12, "tn": 1e12, "billion": 1e9, "billions": 1e9, "bn": 1e9,
             "bln": 1e9, "million": 1e6, "millions": 1e6, "mn": 1e6, "mln": 1e6, "thousand": 1e3}
ATTACHED = {"tn": 1e12, "t": 1e12, "bn": 1e9, "b": 1e9, "mn": 1e6, "m": 1e6, "k": 1e3}  # "$38bn", "$1.5B"
ARTICLES = {"a", "an", "one", "ein", "eine", "einer", "einem", "einen"}

_DE_WORD = (r"(?:ein|eins|eine|zwei|drei|vier|fünf|sechs|sech|sieben|sieb|acht|neun|zehn|elf|zwölf|zwanzig|"
            r"dreißig|vierzig|fünfzig|sechzig|siebzig|achtzig|neunzig|hundert|tausend|und)+")
_EN_WORD = (r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
            r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
            r"hundred)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine|hundred))*")
WORD = {"de": re.compile(rf"(?<![\w-]){_DE_WORD}(?![\w-])", re.IGNORECASE),
        "en": re.compile(rf"(?<![\w-]){_EN_WORD}(?![\w-])", re.IGNORECASE)}


def scale(word: str, lang: str) -> float | None:
    """The factor a scale word stands for in this language (None if it is no scale word).

    >>> scale("Billion", "de"), scale("billion", "en"), scale("Mrd.", "de"), scale("Mio.", "de")
    (1000000000000.0, 1000000000.0, 1000000000.0, 1000000.0)
    """
    key = word.lower()
    if lang == "de" and word[:1].isupper():
        return SCALES_DE.get(key)
    return SCALES_EN.get(key) or (SCALES_DE.get(key) if key != "billion" else None)


def digits(text: str, lang: str, scaled: bool) -> float | None:
    """A number written in digits: "4.500" (de) and "4,500" (en) are 4500, "5,6" (de) and "1.5" (en) decimals.

    A lone separator followed by three digits groups thousands, unless a scale word follows and the
    separator is the language's decimal mark ("1.125 billion").

    >>> digits("4.500", "de", False), digits("5,6", "de", True), digits("1,500", "en", False)
    (4500.0, 5.6, 1500.0)
    >>> digits("1.125", "en", True)
    1.125
    >>> digits("1.234,5", "de", False), digits("0.55", "de", False)
    (1234.5, 0.55)
    """
    text = text.replace("'", "").replace("’", "").replace("\u202f", "").replace("\u00a0", "")
    seps = [c for c in text if c in ".,"]
    if not seps:
        return float(text)
    if len(set(seps)) == 2:  # both: the last one is the decimal mark
        decimal = text[max(text.rfind("."), text.rfind(","))]
        grouping = "," if decimal == "." else "."
        return float(text.replace(grouping, "").replace(decimal, "."))
    sep = seps[0]
    tail = text.rsplit(sep, 1)[1]
    if len(seps) > 1:
        return float(text.replace(sep, "")) if all(len(g) == 3 for g in text.split(sep)[1:]) else None
    decimal_mark = "," if lang == "de" else "."
    if len(tail) == 3 and not (scaled and sep == decimal_mark):
        return float(text.replace(sep, ""))
    return float(text.replace(sep, "."))


@functools.lru_cache(maxsize=4096)
def words(text: str, lang: str) -> float | None:
    """A number written in words ("sieben", "twenty-five", "einhundertfünfzig"), or None.

    >>> words("sieben", "de"), words("twenty-five", "en"), words("eine", "de"), words("Montag", "de")
    (7.0, 25.0, 1.0, None)
    """
    if text.lower() in ARTICLES:
        return 1.0
    from text_to_num import text2num

    try:
        return float(text2num(text.lower(), lang))
    except ValueError:
        return None
