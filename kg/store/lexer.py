"""A small SPARQL tokenizer: enough to see the query's structure, not to parse it.

It follows the SPARQL 1.1 terminal rules that decide where a token starts and ends (IRIs,
the four string forms, comments up to CR *or* LF, variables), so a word it reports as a keyword is
a keyword for any conforming parser. Two users:

* the endpoint guard (a second opinion next to rdflib's parser: both must agree that there is no
  ``SERVICE``);
* :class:`kg.store.remote.RemoteStore`, which needs to find the outermost ``WHERE`` group and the
  ``SELECT`` projection to inject a ``VALUES`` block.

The input is expected to be free of ``\\u`` codepoint escapes outside strings (the guard expands
them first; aikg's own queries do not use them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LexError", "Token", "projection", "query_form", "tokenize", "where_group_span"]

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>
        \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      | '''(?:[^'\\]|\\.|'(?!''))*'''
      | "(?:[^"\\\n\r]|\\.)*"
      | '(?:[^'\\\n\r]|\\.)*'
    )
  | (?P<var>[?$][^\s{}()\[\];,"'<>\#?$^|/!=*+&@`\\.:-]+)
  | (?P<word>(?:[^\s{}()\[\];,"'<>\#?$^|/!=*+&@`\\]|\\.)+)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{}()\[\];,.*+/=<>!^|@?$&-])
    """,
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")


class LexError(ValueError):
    """The text cannot be split into SPARQL tokens (e.g. an unterminated string)."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # iri, string, var, word, punct (whitespace and comments are dropped)
    text: str
    start: int
    end: int

    def is_keyword(self, *words: str) -> bool:
        """True if this is a bare word equal (case-insensitively) to one of ``words``."""
        return self.kind == "word" and self.text.upper() in words


def tokenize(text: str) -> list[Token]:
    """Split SPARQL text into tokens, dropping whitespace and comments."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None or m.end() == pos:
            raise LexError(f"unexpected character at offset {pos}")
        kind = m.lastgroup or ""
        if kind == "word" and m.group().endswith(".") and len(m.group()) > 1:
            # a prefixed name never ends with '.', so "ex:a." is "ex:a" then the triple terminator
            word = m.group().rstrip(".")
            tokens.append(Token("word", word, pos, pos + len(word)))
            for i in range(pos + len(word), m.end()):
                tokens.append(Token("punct", ".", i, i + 1))
        elif kind not in ("ws", "comment"):
            tokens.append(Token(kind, m.group(), pos, m.end()))
        pos = m.end()
    return tokens


def query_form(tokens: list[Token]) -> str | None:
    """The first query-form or update keyword (``SELECT``, ``INSERT``, ...), upper-cased."""
    for tok in tokens:
        if tok.is_keyword(*QUERY_FORMS, *UPDATE_KEYWORDS):
            return tok.text.upper()
    return None


def _matching_brace(tokens: list[Token], open_index: int) -> int:
    depth = 0
    for i in range(open_index, len(tokens)):
        if tokens[i].text == "{" and tokens[i].kind == "punct":
            depth += 1
        elif tokens[i].text == "}" and tokens[i].kind == "punct":
            depth -= 1
            if depth == 0:
                return i
    raise LexError("unbalanced braces")


def where_group_span(tokens: list[Token]) -> tuple[int, int]:
    """Token indexes of the ``{`` and ``}`` of the outermost WHERE group of a query.

    For ``CONSTRUCT { template } WHERE { ... }`` the template is skipped. Braces inside parentheses
    (``EXISTS { }`` in a SELECT expression) are not the WHERE group.
    """
    form_index = next((i for i, t in enumerate(tokens) if t.is_keyword(*QUERY_FORMS)), None)
    if form_index is None:
        raise LexError("not a query")
    i = form_index + 1
    if tokens[form_index].is_keyword("CONSTRUCT") and i < len(tokens) and tokens[i].text == "{":
        i = _matching_brace(tokens, i) + 1
    parens = 0
    for j in range(i, len(tokens)):
        tok = tokens[j]
        if tok.kind != "punct":
            continue
        if tok.text == "(":
            parens += 1
        elif tok.text == ")":
            parens -= 1
        elif tok.text == "{" and parens == 0:
            return j, _matching_brace(tokens, j)
    raise LexError("the query has no WHERE group")


def projection(tokens: list[Token]) -> list[str] | None:
    """Variables projected by the top-level SELECT (without ``?``); None for ``SELECT *`` or
    non-SELECT queries."""
    form_index = next((i for i, t in enumerate(tokens) if t.is_keyword(*QUERY_FORMS)), None)
    if form_index is None or not tokens[form_index].is_keyword("SELECT"):
        return None
    names: list[str] = []
    parens = 0
    prev_is_as = False
    for tok in tokens[form_index + 1 :]:
        if tok.kind == "punct" and tok.text == "{" and parens == 0:
            break
        if tok.is_keyword("WHERE", "FROM") and parens == 0:
            break
        if tok.kind == "punct" and tok.text == "*" and parens == 0:
            return None
        if tok.kind == "punct" and tok.text == "(":
            parens += 1
        elif tok.kind == "punct" and tok.text == ")":
            parens -= 1
        elif tok.kind == "var" and (parens == 0 or (parens == 1 and prev_is_as)):
            names.append(tok.text[1:])
        prev_is_as = tok.is_keyword("AS")
    return names
