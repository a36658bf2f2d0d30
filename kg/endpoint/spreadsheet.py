"""SELECT and ASK results as an Excel workbook (``format=xlsx`` on ``/sparql`` and ``/queries/NAME``).

The workers answer in SPARQL JSON; the server turns that into XLSX with openpyxl. Cells are typed:
numbers (xsd integer/decimal/double/float, exactly as written) and booleans as such, dates as dates,
everything else as text. Text is always stored as text, never as a formula, so a value such as
``=HYPERLINK(...)`` from the data cannot run in the reader's spreadsheet; characters XML cannot
carry are replaced. A truncated result says so in a last row, as the header does on the wire.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING

from kg.endpoint.results import TRUNCATED_LINK, XSD

__all__ = ["XLSX", "is_xlsx", "results_to_xlsx"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                               "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt",
                               "unsignedShort", "unsignedByte")}  # fmt: skip
_DECIMALS = {XSD + "decimal", XSD + "double", XSD + "float"}
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_MAX_TEXT = 32_767  # characters Excel holds in one cell


def is_xlsx(format_param: str | None) -> bool:
    """Whether a ``format=`` value asks for a workbook."""
    return (format_param or "").lower() in ("xlsx", XLSX)


def _cell_value(term: dict | None) -> object:
    if term is None:
        return None
    value, datatype = term.get("value", ""), term.get("datatype")
    if term.get("type") == "literal" and datatype:
        try:
            if datatype in _INTEGERS:
                return int(value)
            if datatype in _DECIMALS and value not in ("NaN", "INF", "-INF"):
                return Decimal(value)
            if datatype == XSD + "boolean" and value in ("true", "false"):
                return value == "true"
            if datatype == XSD + "date":
                return dt.date.fromisoformat(value[:10])
        except (ValueError, InvalidOperation):
            pass  # an ill-typed literal stays text
    if term.get("type") == "bnode":
        value = "_:" + value
    elif term.get("type") == "triple":
        value = json.dumps(term["value"])
    return _ILLEGAL.sub("\ufffd", str(value))[:_MAX_TEXT]


def _write_row(sheet, row: int, values: list[object]) -> None:
    for column, value in enumerate(values, start=1):
        if value is None:
            continue  # unbound: an empty cell
        cell = sheet.cell(row=row, column=column, value=value)
        if isinstance(value, str):
            cell.data_type = TYPE_STRING  # text, even when it starts with "="
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"


def results_to_xlsx(body: bytes) -> bytes:
    """SPARQL 1.1 JSON results (SELECT or ASK) → the bytes of an ``.xlsx`` workbook, one sheet.

    Raises ValueError if ``body`` is not SPARQL JSON results (e.g. a CONSTRUCT's graph).
    """
    data = json.loads(body)
    if not isinstance(data, dict) or "head" not in data:
        raise ValueError("XLSX is for SELECT and ASK results")
    book = Workbook()
    sheet = book.active
    sheet.title = "results"
    if "boolean" in data:
        rows: list[list[object]] = [["boolean"], [bool(data["boolean"])]]
    else:
        variables = data["head"]["vars"]
        rows = [list(variables)]
        rows += [[_cell_value(b.get(v)) for v in variables] for b in data["results"]["bindings"]]
        if TRUNCATED_LINK in data["head"].get("link", []):
            rows.append(["(truncated: the endpoint's row or size limit was reached)"])
    for number, values in enumerate(rows, start=1):
        _write_row(sheet, number, values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
