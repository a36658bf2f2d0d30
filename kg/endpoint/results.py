"""Serialize query results with a row cap and a byte cap.

pyoxigraph can serialize a whole ``QuerySolutions`` stream, but not a capped prefix of it (after a
partial read it writes only the *rest*), so SELECT results are written here, one row at a time:
SPARQL 1.1 Query Results JSON, XML, CSV and TSV. Graph results (CONSTRUCT/DESCRIBE) are capped
here and written by pyoxigraph (Turtle, N-Triples, RDF/XML, JSON-LD).

Truncation is never silent: the caller gets ``truncated`` (``"max-rows"`` or ``"max-bytes"``) to
put in the ``X-aikg-truncated`` header, and JSON/XML results also carry the standard ``link``
head entry :data:`TRUNCATED_LINK`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

__all__ = ["TRUNCATED_LINK", "Serialized", "TableSolutions", "tsv_term", "write_boolean", "write_graph",
           "write_solutions"]

TRUNCATED_LINK = "urn:aikg:truncated"
XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = XSD + "string"
_NUMERIC_FORMS = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)[eE][+-]?[0-9]+"),
}
# characters XML 1.0 cannot carry at all; replaced rather than producing an unreadable document
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class TableSolutions:
    """Rows of a named query's plan (:mod:`kg.projection.plans`) as :func:`write_solutions` reads a
    ``QuerySolutions``: each value the RDF term the SPARQL gives for it. Numbers with a fraction are the
    build's decimals (USD figures, shares, quantities; ``xsd:decimal``), whole numbers counts
    (``xsd:integer``), dates ``xsd:date``; NaN and None are unbound."""

    def __init__(self, columns: list[str], rows: Iterable[tuple]) -> None:
        self.variables = [ox.Variable(c) for c in columns]
        self._columns, self._rows = columns, rows

    def __iter__(self) -> Iterator[dict[str, ox.Literal | None]]:
        for row in self._rows:
            yield dict(zip(self._columns, map(plan_term, row), strict=True))


def plan_term(value: object) -> ox.Literal | None:
    """The RDF literal of one value a plan returns.

    >>> plan_term(2.5e9).value, plan_term(7).datatype.value[-7:], plan_term(dt.date(2025, 1, 2)).value
    ('2500000000.0', 'integer', '2025-01-02')
    >>> plan_term(Decimal("0.25")).datatype.value[-7:], plan_term(float("nan"))
    ('decimal', None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | int):
        return ox.Literal(value)
    if isinstance(value, float | Decimal):  # a DuckDB DECIMAL comes as a Decimal
        number = value if isinstance(value, Decimal) else Decimal(repr(value))
        return ox.Literal(format(number, "f"), datatype=ox.NamedNode(XSD + "decimal"))
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return ox.Literal(value.isoformat(), datatype=ox.NamedNode(XSD + "date"))
    return ox.Literal(str(value))


@dataclass(frozen=True)
class Serialized:
    body: bytes
    count: int  # rows or triples written
    truncated: str | None  # None, "max-rows" or "max-bytes"


def _capped(items: Iterable, max_rows: int, max_bytes: int, size) -> Iterator[tuple[object, str | None]]:
    """Yield (item, None) while within the caps, then (None, reason) once if a cap cut the stream."""
    total = 0
    for n, item in enumerate(items):
        if n >= max_rows:
            yield None, "max-rows"
            return
        total += size(item)
        if total > max_bytes:
            yield None, "max-bytes"
            return
        yield item, None


# --- JSON -----------------------------------------------------------------------------------


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _json_term(term.subject),
                "predicate": _json_term(term.predicate),
                "object": _json_term(term.object),
            },
        }
    raise TypeError(f"unexpected term {type(term).__name__}")


def _json_solutions(variables: list[str], rows: Iterable, max_rows: int, max_bytes: int) -> Serialized:
    parts: list[str] = []
    truncated = None
    for row, cut in _capped(rows, max_rows, max_bytes, lambda r: r[1]):
        if cut:
            truncated = cut
            break
        parts.append(row[0])
    head: dict = {"vars": variables}
    if truncated:
        head["link"] = [TRUNCATED_LINK]
    body = '{"head":' + json.dumps(head) + ',"results":{"bindings":[' + ",".join(parts) + "]}}"
    return Serialized(body.encode("utf-8"), len(parts), truncated)


# --- XML ------------------------------------------------------------------------------------


def _xml_text(text: str) -> str:
    return escape(_XML_INVALID.sub("\ufffd", text))


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(term.value)}</literal>"
        if term.datatype.value != _XSD_STRING:
            dt = quoteattr(term.datatype.value)
            return f"<literal datatype={dt}>{_xml_text(term.value)}</literal>"
        return f"<literal>{_xml_text(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{_xml_term(term.subject)}</subject>"
            f"<predicate>{_xml_term(term.predicate)}</predicate>"
            f"<object>{_xml_term(term.object)}</object></triple>"
        )
    raise TypeError(f"unexpected term {type(term).__name__}")


_XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'


def _xml_close(variables: list[str], parts: list[str], truncated: str | None) -> bytes:
    head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    if truncated:
        head += f'<link href="{TRUNCATED_LINK}"/>'
    body = f"{_XML_HEAD}<head>{head}</head><results>{''.join(parts)}</results></sparql>\n"
    return body.encode("utf-8")


# --- CSV / TSV ------------------------------------------------------------------------------


def _csv_value(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return f"<< {tsv_term(term.subject)} {tsv_term(term.predicate)} {tsv_term(term.object)} >>"
    return term.value


def _tsv_string(value: str) -> str:
    value = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + value.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'


def tsv_term(term) -> str:
    """A term in the Turtle-like syntax of SPARQL TSV results (numbers abbreviated)."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        if term.language:
            return _tsv_string(term.value) + "@" + term.language
        dt = term.datatype.value
        if dt == _XSD_STRING:
            return _tsv_string(term.value)
        form = _NUMERIC_FORMS.get(dt)
        if form is not None and form.fullmatch(term.value):
            return term.value
        if dt == XSD + "boolean" and term.value in ("true", "false"):
            return term.value
        return f"{_tsv_string(term.value)}^^<{dt}>"
    if isinstance(term, ox.Triple):
        return f"<< {tsv_term(term.subject)} {tsv_term(term.predicate)} {tsv_term(term.object)} >>"
    raise TypeError(f"unexpected term {type(term).__name__}")


# --- entry points ---------------------------------------------------------------------------


def write_solutions(solutions, media_type: str, max_rows: int, max_bytes: int) -> Serialized:
    """Write a pyoxigraph ``QuerySolutions`` as ``media_type`` with the caps applied."""
    variables = [v.value for v in solutions.variables]
    if media_type == "application/sparql-results+json":

        def rows():
            for sol in solutions:
                binding = {v: _json_term(sol[v]) for v in variables if sol[v] is not None}
                text = json.dumps(binding, ensure_ascii=False)
                yield text, len(text)

        return _json_solutions(variables, rows(), max_rows, max_bytes)
    if media_type == "application/sparql-results+xml":
        parts: list[str] = []
        truncated = None
        texts = (
            "<result>"
            + "".join(
                f"<binding name={quoteattr(v)}>{_xml_term(sol[v])}</binding>"
                for v in variables
                if sol[v] is not None
            )
            + "</result>"
            for sol in solutions
        )
        for text, cut in _capped(texts, max_rows, max_bytes, len):
            if cut:
                truncated = cut
                break
            parts.append(text)
        return Serialized(_xml_close(variables, parts, truncated), len(parts), truncated)
    if media_type in ("text/csv", "text/tab-separated-values"):
        out = io.StringIO()
        if media_type == "text/csv":
            writer = csv.writer(out, lineterminator="\r\n")
            writer.writerow(variables)
            lines = (_csv_line(writer, out, [_csv_value(sol[v]) for v in variables]) for sol in solutions)
            header = out.getvalue()
        else:
            header = "\t".join("?" + v for v in variables) + "\n"
            lines = ("\t".join(tsv_term(sol[v]) for v in variables) + "\n" for sol in solutions)
        parts = [header]
        truncated = None
        for line, cut in _capped(lines, max_rows, max_bytes, len):
            if cut:
                truncated = cut
                break
            parts.append(line)
        return Serialized("".join(parts).encode("utf-8"), len(parts) - 1, truncated)
    raise ValueError(f"not a results format: {media_type}")


def _csv_line(writer, buffer: io.StringIO, values: list[str]) -> str:
    buffer.seek(0)
    buffer.truncate()
    writer.writerow(values)
    return buffer.getvalue()


def write_boolean(value: bool, media_type: str) -> Serialized:
    """Write an ASK answer (JSON or XML)."""
    if media_type == "application/sparql-results+xml":
        text = f"{_XML_HEAD}<head></head><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        return Serialized(text.encode("utf-8"), 1, None)
    return Serialized(json.dumps({"head": {}, "boolean": bool(value)}).encode("utf-8"), 1, None)


_GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def write_graph(
    triples: Iterable, media_type: str, max_rows: int, max_bytes: int, prefixes: dict[str, str] | None = None
) -> Serialized:
    """Write CONSTRUCT/DESCRIBE triples with pyoxigraph, after applying the caps."""
    kept: list = []
    truncated = None
    for triple, cut in _capped(triples, max_rows, max_bytes, lambda t: len(str(t))):
        if cut:
            truncated = cut
            break
        kept.append(triple)
    fmt = _GRAPH_FORMATS[media_type]
    extra = {"prefixes": prefixes} if prefixes and fmt == ox.RdfFormat.TURTLE else {}
    body = ox.serialize(kept, format=fmt, **extra)
    if truncated and fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.N_TRIPLES):
        body += f"# {TRUNCATED_LINK}: {truncated}, {len(kept)} triples written\n".encode()
    return Serialized(body, len(kept), truncated)
