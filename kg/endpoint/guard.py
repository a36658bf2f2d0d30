"""Query inspection before evaluation: what a query is, and whether the endpoint may run it.

Policy (each rule has an attack test in ``tests/test_endpoint_security.py``):

* only queries — any SPARQL Update (``INSERT``, ``LOAD``, ``DROP``, ...) is refused (403);
* no ``SERVICE`` anywhere (federation makes the server fetch URLs: SSRF) (403);
* ``FROM`` / ``FROM NAMED`` (and the protocol's ``default-graph-uri`` / ``named-graph-uri``) may
  only name graphs the store holds; that check needs the store, so it runs in the worker
  (:func:`check_dataset`) with the IRIs collected here.

The query is parsed with rdflib's SPARQL parser (a real grammar, not a regex). rdflib and
Oxigraph do not read every text the same way, which would let a query look harmless to the guard
and still call ``SERVICE`` in Oxigraph. Two such differences were found and are closed by
:func:`normalize`, whose output is what both the guard and Oxigraph receive:

* rdflib expands ``\\u``/``\\U`` codepoint escapes over the whole text first (as SPARQL 1.1 §19.2
  says), Oxigraph only inside strings and IRIs: ``"\\u005C"`` ends a string for Oxigraph but not
  for rdflib. We expand once, the rdflib way, and refuse a text that still holds an escape.
* rdflib ends a ``#`` comment only at LF, Oxigraph also at a bare CR: ``# x<CR>SERVICE ...``.
  We turn CR LF and CR into LF.

As a second opinion, a tokenizer that follows the SPARQL terminal rules
(:mod:`kg.store.lexer`) must also see no ``SERVICE`` keyword and the same query form. Worker
processes additionally run without network access (:mod:`kg.endpoint.sandbox`), so a parser
difference not known today still cannot reach the network.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass, field

from kg.store.lexer import UPDATE_KEYWORDS, LexError, query_form, tokenize

__all__ = ["QueryInfo", "Refusal", "check_dataset", "inspect_query", "normalize"]

# exactly rdflib's rule (parser.expandUnicodeEscapes: \u or \U, 4 hex digits, greedily 8), so that
# after our expansion rdflib finds nothing left to expand
_ESCAPE_RE = re.compile(r"\\u([0-9a-f]{4}(?:[0-9a-f]{4})?)", re.IGNORECASE)
_FORMS = {
    "SelectQuery": "SELECT",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
    "AskQuery": "ASK",
}
# rdflib's grammar is right-recursive; long triple blocks need a deeper Python stack
_RECURSION_LIMIT = 20_000


class Refusal(Exception):
    """The endpoint will not run this request; ``message`` is safe to show to the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class QueryInfo:
    """What the guard learned about an accepted query."""

    text: str  # the normalized text: run exactly this
    form: str  # SELECT, CONSTRUCT, DESCRIBE or ASK
    from_graphs: tuple[str, ...] = ()  # FROM IRIs
    from_named_graphs: tuple[str, ...] = ()  # FROM NAMED IRIs
    prefixes: dict[str, str] = field(default_factory=dict)  # for Turtle output


def normalize(text: str) -> str:
    """Expand codepoint escapes once and unify line ends, so rdflib and Oxigraph read one text."""

    def expand(m: re.Match[str]) -> str:
        code = int(m.group(1), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise Refusal(400, "invalid \\u escape in query")
        return chr(code)

    text = _ESCAPE_RE.sub(expand, text)
    if _ESCAPE_RE.search(text):
        raise Refusal(400, "nested \\u escapes are not accepted")
    if "\x00" in text:
        raise Refusal(400, "NUL character in query")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _walk(node: object):
    """Yield every rdflib parse node (CompValue) below ``node``, iteratively."""
    from rdflib.plugins.sparql.parserutils import CompValue

    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)) or type(item).__name__ == "ParseResults":
            stack.extend(list(item))


def _parses_as_update(text: str) -> bool:
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except Exception:
        return False
    return True


def _parse(text: str):
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    if sys.getrecursionlimit() < _RECURSION_LIMIT:
        sys.setrecursionlimit(_RECURSION_LIMIT)
    try:
        return parseQuery(text)
    except RecursionError:
        raise Refusal(400, "query too long or too deeply nested for the safety check") from None
    except ParseException as exc:
        query_error = exc
    except MemoryError:
        raise  # the worker reports it as such
    except Exception:
        raise Refusal(400, "query could not be parsed") from None
    if _parses_as_update(text):
        raise Refusal(403, "this endpoint is read-only: SPARQL Update is not accepted")
    raise Refusal(400, f"query syntax error at line {query_error.lineno}, column {query_error.col}")


@functools.lru_cache(maxsize=256)
def inspect_query(text: str, base_iri: str | None = None) -> QueryInfo:
    """Parse ``text`` and apply the policy; raise :class:`Refusal` or return :class:`QueryInfo`.

    ``base_iri`` resolves relative FROM IRIs, as the engine will. Results are cached (rdflib
    parsing costs milliseconds; dashboards repeat their queries); refusals are not.
    """
    from rdflib.plugins.sparql.algebra import translatePName, translatePrologue

    text = normalize(text)
    try:
        tokens = tokenize(text)
    except LexError:
        raise Refusal(400, "query syntax error (unterminated string or IRI)") from None
    lex_form = query_form(tokens)
    if lex_form in UPDATE_KEYWORDS:
        raise Refusal(403, "this endpoint is read-only: SPARQL Update is not accepted")
    if any(tok.is_keyword("SERVICE") for tok in tokens):
        raise Refusal(403, "SERVICE (federated query) is not allowed on this endpoint")

    parsed = _parse(text)
    prologue_node, query_node = parsed[0], parsed[1]
    form = _FORMS.get(getattr(query_node, "name", ""))
    if form is None:
        raise Refusal(400, "unsupported query form")
    if form != lex_form:
        # the two readers disagree about what this text is: do not guess
        raise Refusal(400, "ambiguous query text")
    for node in _walk(parsed):
        if node.name == "ServiceGraphPattern":
            raise Refusal(403, "SERVICE (federated query) is not allowed on this endpoint")

    try:
        prologue = translatePrologue(prologue_node, base_iri)
    except Exception:
        raise Refusal(400, "invalid PREFIX or BASE declaration") from None
    from_graphs: list[str] = []
    from_named: list[str] = []
    for node in _walk(query_node):
        if node.name != "DatasetClause":
            continue
        try:
            # CompValue.get has its own semantics; read the plain dict
            if dict.get(node, "default") is not None:
                from_graphs.append(str(translatePName(dict.get(node, "default"), prologue)))
            if dict.get(node, "named") is not None:
                from_named.append(str(translatePName(dict.get(node, "named"), prologue)))
        except Exception:
            raise Refusal(400, "cannot resolve a FROM / FROM NAMED IRI") from None
    prefixes = {
        str(dict.get(decl, "prefix") or ""): str(dict.get(decl, "iri"))
        for decl in prologue_node
        if getattr(decl, "name", "") == "PrefixDecl" and "://" in str(dict.get(decl, "iri", ""))
    }
    return QueryInfo(text, form, tuple(from_graphs), tuple(from_named), prefixes)


def check_dataset(iris: list[str] | tuple[str, ...], store_graphs: set[str]) -> None:
    """Refuse any graph IRI (FROM, FROM NAMED, protocol dataset parameters) the store lacks.

    Oxigraph itself never dereferences these IRIs, but other engines do (rdflib loads ``FROM``
    IRIs, files included); the rule keeps the endpoint's contract independent of the engine.
    """
    for iri in iris:
        if iri not in store_graphs:
            raise Refusal(403, "FROM / dataset IRIs must name graphs held by this store")
