"""SPARQL syntax errors a person can read: one line with the position, and the query line with a caret.

Oxigraph decides whether a query is valid, but its message lists every token its parser could have
taken at the furthest point it reached (often the end of the query), character classes included.
This module turns such an error into a short reason at the place the query goes wrong: an
undeclared prefix is found with aikg's tokenizer; otherwise rdflib's parser (the endpoint's guard
uses it too) names the token it stopped at, which is where a person would look; Oxigraph's own
message and position are kept for what only it checks (an unbound variable in GROUP BY, a bad IRI).
"""

from __future__ import annotations

import re

from kg.store.base import StoreError
from kg.store.lexer import LexError, tokenize

_POSITION = re.compile(r"error at (\d+):(\d+): ?(.*)", re.DOTALL)
_PREFIX_DECL = re.compile(r"PREFIX\s+([^\s:]*):", re.IGNORECASE)
# Oxigraph's "expected one of" lists mix tokens (quoted, bracketed or upper-case words) with sentences
_SENTENCE = re.compile(r"^[A-Z][a-z]+( [A-Za-z]+)+$")


class SparqlSyntaxError(StoreError):
    """A query that does not parse; ``line`` and ``column`` are 1-based, in characters of ``text``."""

    def __init__(self, reason: str, text: str, line: int, column: int) -> None:
        super().__init__(f"SPARQL syntax error at line {line}, column {column}: {reason}", 400)
        self.reason, self.text, self.line, self.column = reason, text, line, column

    def without_first_lines(self, count: int) -> SparqlSyntaxError:
        """The same error in the text after its first ``count`` lines (a prologue aikg put before the user's)."""
        return SparqlSyntaxError(self.reason, self.text.split("\n", count)[-1], max(1, self.line - count),
                                 self.column)

    def excerpt(self, width: int = 100) -> str:
        """The query's line at the error and a caret under the column, cut to ``width`` characters.

        >>> print(SparqlSyntaxError("unexpected '}'", "SELECT * WHERE { } }", 1, 20).excerpt())
          1 | SELECT * WHERE { } }
            |                    ^
        """
        lines = self.text.splitlines() or [""]
        source = lines[min(self.line, len(lines)) - 1].expandtabs(1)
        start = max(0, min(self.column - 1 - width // 2, len(source) - width))
        shown = source[start:start + width]
        gutter = f"{self.line:>3} | "
        return f"{gutter}{shown}\n{' ' * (len(gutter) - 2)}| {' ' * (self.column - 1 - start)}^"


def describe(text: str, message: str) -> SparqlSyntaxError:
    """The readable error for Oxigraph's ``message`` about the query ``text``."""
    if (undeclared := _undeclared(text)) is not None:  # Oxigraph does not always name this one
        return undeclared
    found = _POSITION.match(message)
    line, column = (int(found.group(1)), int(found.group(2))) if found else (1, 1)
    details = found.group(3) if found else message
    sentences = [part.strip() for part in re.split(r",\s*", details.replace("expected one of", "").replace(
        "expected", "")) if _SENTENCE.match(part.strip()) and part.strip() != "Prefix not found"]
    stopped = _rdflib_position(text)
    if stopped is not None and not sentences and stopped[0] <= _offset(text, line, column):
        (line, column), what = _line_column(text, stopped[0]), stopped[1]
        reason = f"unexpected {what}"
    else:
        reason = "; ".join(s[0].lower() + s[1:] for s in sentences) or _short(details)
    return SparqlSyntaxError(reason, text, line, column)


def parse_error(text: str) -> SparqlSyntaxError | None:
    """The error in ``text`` found without a store (an undeclared prefix, or where rdflib's parser stops), for
    a query a remote endpoint refused; None when neither finds one (the endpoint's own message then stands)."""
    if (undeclared := _undeclared(text)) is not None:
        return undeclared
    if (stopped := _rdflib_position(text)) is not None:
        (line, column), what = _line_column(text, stopped[0]), stopped[1]
        return SparqlSyntaxError(f"unexpected {what}", text, line, column)
    return None


def _short(details: str) -> str:
    text = " ".join(details.split())
    return text if len(text) <= 120 else text[:117] + "..."


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + column - 1


def _line_column(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _undeclared(text: str) -> SparqlSyntaxError | None:
    if (found := _undeclared_prefix(text)) is None:
        return None
    (line, column), name = _line_column(text, found[0]), found[1]
    return SparqlSyntaxError(f"prefix '{name}:' is not declared (add PREFIX {name}: <...>)", text, line, column)


def _undeclared_prefix(text: str) -> tuple[int, str] | None:
    """The offset and name of the first prefixed name whose prefix the query does not declare."""
    declared = set(_PREFIX_DECL.findall(text))
    try:
        tokens = tokenize(text)
    except LexError:
        return None
    for i, token in enumerate(tokens):
        if token.kind != "word" or ":" not in token.text or (i and tokens[i - 1].is_keyword("PREFIX")):
            continue
        name = token.text.split(":", 1)[0]
        if name not in declared and not token.text.startswith("_:"):
            return token.start, name
    return None


def _rdflib_position(text: str) -> tuple[int, str] | None:
    """Where rdflib's SPARQL parser stops in ``text`` (offset, and the token it found), if it does."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parseQuery(text)
    except ParseBaseException as exc:
        rest = text[exc.loc:].lstrip()
        offset = len(text) - len(rest)
        if not rest:
            return offset, "end of the query"
        token = re.match(r"\S+?(?=[\s{}()]|$)|\S", rest)
        return offset, f"'{token.group() if token else rest[0]}'"
    except Exception:  # rdflib refuses what Oxigraph accepts (or the reverse): keep Oxigraph's position
        return None
    return None
