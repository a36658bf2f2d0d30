"""Sentences and language: the text cut into sentences that are exact substrings of it.

Each line is a paragraph (articles put one per line; a table row is one line); pysbd splits the
paragraphs in German or English, knowing abbreviations such as "Mio." and "Mrd.". py3langid
names the language (its model ships with the package: nothing is downloaded).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

LANGUAGES = ("de", "en")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offsets in the article's text: text[start:end] == sentence text
    end: int
    index: int
    header: tuple[str, ...] = ()  # a table row's column headings


def language(text: str, hint: str | None = None) -> str:
    """'de' or 'en' (the languages the rules know); a page's own language attribute decides when given.

    >>> language("Die Gewinnspanne kletterte auf über 50 Prozent."), language("Shares rose 5% on Monday.")
    ('de', 'en')
    """
    if hint in LANGUAGES:
        return hint  # type: ignore[return-value]
    import py3langid

    found, _score = py3langid.classify(text[:5000])
    return "de" if found == "de" else "en"


@functools.cache
def _segmenter(lang: str):
    import pysbd

    return pysbd.Segmenter(language=lang, clean=False, char_span=False)


def split(text: str, lang: str) -> list[Sentence]:
    """The sentences of ``text``; every one is ``text[start:end]``, stripped.

    >>> [s.text for s in split("OpenAI sammelte 6 Mrd. Dollar ein. Danach kam mehr.\\nZweite Zeile", "de")]
    ['OpenAI sammelte 6 Mrd. Dollar ein.', 'Danach kam mehr.', 'Zweite Zeile']
    """
    out: list[Sentence] = []
    offset = 0
    header: tuple[str, ...] = ()
    for line in text.split("\n"):
        start_of_line = offset
        offset += len(line) + 1
        if not line.strip():
            continue
        if "|" in line and line.count("|") >= 2:
            cells = tuple(c.strip() for c in line.strip().strip("|").split("|"))
            if _TABLE_RULE.match(line):
                continue
            if not header:
                header = cells
            _add(out, text, start_of_line, line, header if header != cells else ())
            continue
        header = ()
        pos = 0
        for piece in _segmenter(lang).segment(line):
            found = line.find(piece.strip(), pos)
            if found < 0 or not piece.strip():
                continue
            _add(out, text, start_of_line + found, piece.strip(), ())
            pos = found + len(piece.strip())
    return out


def _add(out: list[Sentence], text: str, start: int, piece: str, header: tuple[str, ...]) -> None:
    lead = len(piece) - len(piece.lstrip())
    body = piece.strip()
    start += lead
    assert text[start:start + len(body)] == body  # quotes are verbatim by construction
    out.append(Sentence(body, start, start + len(body), len(out), header))
