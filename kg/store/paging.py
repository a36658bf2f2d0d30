"""One page of a SELECT query's ordered result: ``LIMIT``/``OFFSET`` added safely.

The page size and start are checked to be integers in range and written by this module; no text
from the caller reaches the query. The query must end with its own ``ORDER BY`` (else pages would
not be consecutive slices of one result) and must not have a ``LIMIT``/``OFFSET`` of its own. Its
projected variables are added to the end of the ``ORDER BY`` as tie-breakers, so that rows the
query's order leaves equal still come in one order on every page.
"""

from __future__ import annotations

from kg.store.lexer import LexError, projection, query_form, tokenize, where_group_span

__all__ = ["MAX_OFFSET", "PagingError", "check_page", "paged"]

MAX_OFFSET = 1_000_000_000


class PagingError(ValueError):
    """A page that cannot be given: a bad size or start, or a query without a stable order."""


def check_page(limit: object, offset: object, max_limit: int | None = None) -> tuple[int, int]:
    """``(limit, offset)`` as integers, or :class:`PagingError` saying what is wrong.

    >>> check_page("25", 50)
    (25, 50)
    >>> check_page(0, 0)
    Traceback (most recent call last):
    kg.store.paging.PagingError: limit must be a whole number from 1, got 0
    """
    bounded = f" to {max_limit:,}" if max_limit is not None else ""
    values = []
    for name, value, low, high in (("limit", limit, 1, max_limit), ("offset", offset, 0, MAX_OFFSET)):
        number = value
        if isinstance(value, str) and value.strip().isdigit():
            number = int(value)
        if isinstance(number, bool) or not isinstance(number, int) or number < low or (high and number > high):
            span = f"from 1{bounded}" if name == "limit" else f"from 0 to {MAX_OFFSET:,}"
            raise PagingError(f"{name} must be a whole number {span}, got {value!r}")
        values.append(number)
    return values[0], values[1]


def paged(text: str, limit: int, offset: int = 0) -> str:
    """``text`` (a SELECT query ending in ``ORDER BY``) with ``LIMIT limit OFFSET offset`` appended.

    >>> paged("SELECT ?a ?b WHERE { ?a <p> ?b } ORDER BY ?b", 10, 20)
    'SELECT ?a ?b WHERE { ?a <p> ?b } ORDER BY ?b ?a ?b LIMIT 10 OFFSET 20'
    """
    limit, offset = check_page(limit, offset)
    try:
        tokens = tokenize(text)
        _, close = where_group_span(tokens)
    except LexError as exc:
        raise PagingError(f"cannot page this query: {exc}") from None
    if query_form(tokens) != "SELECT":
        raise PagingError("only SELECT queries can be paged")
    tail = tokens[close + 1:]
    if any(t.is_keyword("LIMIT", "OFFSET", "VALUES") for t in tail):
        raise PagingError("the query has its own LIMIT, OFFSET or trailing VALUES; page it without them")
    if not any(t.is_keyword("ORDER") for t in tail):
        raise PagingError("the query has no ORDER BY, so its pages would not be stable; add one")
    variables = projection(tokens)
    ties = "".join(f" ?{v}" for v in variables or ())
    return f"{text[:tail[-1].end]}{ties} LIMIT {limit} OFFSET {offset}"
