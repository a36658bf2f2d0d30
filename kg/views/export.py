"""``aikg export``: the graph and the analyses for other tools: Gephi and other network tools (GEXF,
GraphML), spreadsheets (an Excel workbook, CSV files) and RDF tools (N-Triples, Turtle, JSON-LD).

The projection's graphs hold Python values no file format has (lists of types, the deals' source
records, dates); :func:`portable` makes a copy with scalars only: lists joined with ``"; "``, mappings
as JSON text, dates as ISO strings, an unknown value (None, NaN) left out rather than written as 0.
In GEXF each dated leg also gets ``start``, so Gephi's timeline shows a deal from its date on. Each
leg carries its deal's own figure (``deal_amount_usd``), beside its own share (``amount_usd``).

What is exported (``what``): ``legs`` (organisations and deal legs: for the tables also the deals and
their sources), ``flows`` (money per ordered pair), ``tables`` (the analyses of ``aikg metrics``, see
:func:`kg.metrics.export.metric_tables`). Every file is written whole or not at all (:mod:`kg.output`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pyoxigraph as ox

from kg.metrics.export import metric_tables
from kg.metrics.sizes import Size
from kg.output import staged
from kg.output.progress import Progress, silent
from kg.projection.aggregate import money_flows
from kg.rdf.formats import RDF_FORMATS, serialize

GRAPH_FORMATS = ("gexf", "graphml")
TABLE_FORMATS = ("xlsx", "csv")
FORMATS = (*GRAPH_FORMATS, *TABLE_FORMATS, *RDF_FORMATS)
WHAT = ("legs", "flows", "tables")
_SOURCE_FIELDS = ("publisher", "title", "url", "seed_file", "published", "quote", "preferred", "claim_date",
                  "status")


class ExportError(ValueError):
    """An export that cannot be made as asked (a format that cannot hold what was asked for)."""


def scalar(value: Any) -> str | float | int | bool | None:
    """``value`` as a value every format holds: None for unknown (None, NaN, an empty list), ISO text for
    dates, lists joined with ``"; "``, mappings as JSON text; text, numbers and flags as they are.

    >>> [scalar(v) for v in (["ai_lab", "company"], [], {"a": 1}, dt.date(2025, 11, 3), 3, float("nan"), True)]
    ['ai_lab; company', None, '{"a": 1}', '2025-11-03', 3, None, True]
    """
    if isinstance(value, np.generic):  # numpy's numbers and flags as Python's
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(str(scalar(v)) for v in value) or None
    return str(value)


def portable(graph: nx.Graph, *, timeline: bool = False) -> nx.Graph:
    """A copy of a legs or flows graph with only scalar attributes (see :func:`scalar`), unknown values left
    out; the settings as graph attributes and in its name (all GEXF keeps). ``timeline``: each edge with a
    ``date`` also gets ``start`` (Gephi's timeline). Each edge with a figure (a leg's ``amount_usd``, a flow's
    ``amount``) also gets it as ``weight``, and a leg its deal's title as ``label`` (what Gephi draws and
    shows) and its deal's own figure as ``deal_amount_usd``.

    >>> g = nx.MultiDiGraph(settings={"as_of": "2026-01-01"})
    >>> g.add_node("a", types=["ai_lab"], parent=None)
    >>> _ = g.add_edge("a", "b", key="k", date=dt.date(2025, 1, 2), amount_usd=None, deal="d")
    >>> p = portable(g, timeline=True)
    >>> p.nodes["a"], p.edges["a", "b", "k"]
    ({'types': 'ai_lab'}, {'date': '2025-01-02', 'deal': 'd', 'start': '2025-01-02'})
    >>> p.graph
    {'name': 'aikg (as_of: 2026-01-01)', 'setting_as_of': '2026-01-01'}
    """
    deals = graph.graph.get("deals", {})
    settings = {f"setting_{k}": scalar(v) for k, v in graph.graph.get("settings", {}).items()}
    out = graph.__class__(name="aikg (" + "; ".join(f"{k[8:]}: {v}" for k, v in settings.items()) + ")", **settings)
    for node, data in graph.nodes(data=True):
        out.add_node(node, **_kept(data))
    for *ends, data in graph.edges(data=True, **({"keys": True} if graph.is_multigraph() else {})):
        attrs = _kept(data)
        if data.get("deal") in deals:
            attrs["deal_amount_usd"] = scalar(deals[data["deal"]].get("amount_usd"))
        if attrs.get("title") is not None:  # what Gephi shows on an edge
            attrs["label"] = attrs["title"]
        amount = data.get("amount_usd", data.get("amount"))
        if amount is not None and "weight" not in data:  # Gephi draws edges by weight
            attrs["weight"] = scalar(amount)
        if timeline and attrs.get("date") is not None:
            attrs["start"] = attrs["date"]
        out.add_edge(*ends, **{k: v for k, v in attrs.items() if v is not None})
    return out


def _kept(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _xml_text(v) for k, v in ((k, scalar(v)) for k, v in data.items()) if v is not None}


# characters XML 1.0 cannot hold, not even escaped (ESC of a terminal sequence, NUL, ...)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: Any) -> Any:
    return _NOT_XML.sub("\ufffd", value) if isinstance(value, str) else value


# --- tables --------------------------------------------------------------------------------------------------


def graph_tables(legs: nx.MultiDiGraph, what: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The tables of the legs graph: ``legs`` → organisations, deals, legs, sources; ``flows`` → flows. Lists
    are joined and mappings JSON text (see :func:`scalar`); dates stay dates; unknown amounts are NaN."""
    chosen = set(what)
    tables: dict[str, pd.DataFrame] = {}
    if "legs" in chosen:
        tables["organisations"] = pd.DataFrame(
            [{"id": node, **{k: _cell(v) for k, v in data.items()}} for node, data in legs.nodes(data=True)])
        deals = legs.graph.get("deals", {})
        tables["deals"] = pd.DataFrame(
            [{"id": deal, **{k: _cell(v) for k, v in record.items() if k != "sources"},
              "sources": len(record.get("sources", []))} for deal, record in deals.items()])
        tables["legs"] = pd.DataFrame(
            [{"giver": u, "taker": v, "key": key, **{k: _cell(x) for k, x in data.items()},
              "deal_amount_usd": _cell(deals.get(data["deal"], {}).get("amount_usd"))}
             for u, v, key, data in legs.edges(keys=True, data=True)])
        tables["sources"] = pd.DataFrame(
            [{"deal": deal, **{k: _cell(source.get(k)) for k in _SOURCE_FIELDS}}
             for deal, record in deals.items() for source in record.get("sources", [])],
            columns=["deal", *_SOURCE_FIELDS])
    if "flows" in chosen:
        flows = money_flows(legs)
        tables["flows"] = pd.DataFrame(
            [{"giver": u, "taker": v, "amount_usd": d["amount"], "deals": scalar(d["deals"]),
              "undisclosed_legs": d["undisclosed"]} for u, v, d in flows.edges(data=True)],
            columns=["giver", "taker", "amount_usd", "deals", "undisclosed_legs"])
    return tables


def _cell(value: Any) -> Any:
    """A table cell: dates kept as dates (spreadsheets show them as dates), unknown as NaN, else :func:`scalar`."""
    if isinstance(value, dt.date):
        return value
    found = scalar(value)
    return math.nan if found is None else found


def settings_table(legs: nx.MultiDiGraph, analyses: Mapping[str, tuple[pd.DataFrame, dict[str, Any]]]
                   ) -> pd.DataFrame:
    """What the exported figures rest on, one row each: the projection's settings (as-of date, statuses
    counted, ranges, allocation; table ``all``) and what each analysis states beside its rows (the
    stress scenario and method, whether the cycles were cut short, organisations without a size, ...)."""
    rows = [("all", k, scalar(v)) for k, v in legs.graph.get("settings", {}).items()]
    rows += [(name, k, scalar(v)) for name, (_frame, meta) in analyses.items() for k, v in meta.items()
             if k != "settings"]
    return pd.DataFrame(rows, columns=["table", "setting", "value"])


# --- writing -------------------------------------------------------------------------------------------------


def export(path: Path, fmt: str, *, legs: nx.MultiDiGraph | None = None, grouped: nx.MultiDiGraph | None = None,
           sizes: Mapping[str, Size] | None = None, what: Iterable[str] = (), data_graph: Path | None = None,
           stress_fail: str = "openai", pays: float = 0.4, progress: Progress = silent) -> list[Path]:
    """Write ``what`` (default: ``legs`` for GEXF and GraphML, all of :data:`WHAT` for xlsx and csv) as
    ``fmt`` to ``path``; returns the files written.

    ``legs`` is the projection (the graphs and the deal tables), ``grouped`` and ``sizes`` what the analyses
    need (``tables``), ``data_graph`` the build's N-Triples file (the RDF formats, which export the data
    graph and take no ``what``). ``csv`` writes one file per table into the folder ``path``.
    """
    chosen = tuple(what)
    unknown = sorted(set(chosen) - set(WHAT))
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if unknown:
        raise ExportError(f"unknown --what {', '.join(unknown)} (known: {', '.join(WHAT)})")
    if fmt in RDF_FORMATS:
        if chosen:
            raise ExportError(f"{fmt} exports the data graph as it is; --what is for the other formats")
        nt = _required(data_graph, "data_graph")
        if not nt.is_file():
            raise ExportError(f"no built graph at {nt}: run 'aikg build' first")
        return [_write_one(path, lambda target: _write_rdf(nt, target, fmt))]
    if fmt in GRAPH_FORMATS:
        chosen = chosen or ("legs",)
        if len(chosen) != 1 or chosen[0] == "tables":
            raise ExportError(f"{fmt} holds one graph: --what legs or --what flows")
        legs = _required(legs, "legs")
        graph = portable(legs if chosen[0] == "legs" else money_flows(legs), timeline=fmt == "gexf")
        writer: Callable[[nx.Graph, Path], None] = nx.write_gexf if fmt == "gexf" else nx.write_graphml
        return [_write_one(path, lambda target: writer(graph, target))]
    analyses = metric_tables(_required(grouped, "grouped"), _required(sizes, "sizes"), stress_fail=stress_fail,
                             pays=pays, progress=progress) if "tables" in (chosen or WHAT) else {}
    tables = {"settings": settings_table(_required(legs, "legs"), analyses), **graph_tables(legs, chosen or WHAT),
              **{name: frame for name, (frame, _meta) in analyses.items()}}
    progress(f"writing {path}")
    if fmt == "xlsx":
        return [_write_one(path, lambda target: _write_workbook(tables, target))]
    with staged(path) as staging:
        for name, frame in tables.items():
            frame.to_csv(staging / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    return [path / f"{name}.csv" for name in tables]


def _required(value: Any, name: str) -> Any:
    if value is None:
        raise TypeError(f"this export needs {name}")
    return value


def _write_one(path: Path, write: Callable[[Path], None]) -> Path:
    with staged(path.parent) as staging:
        write(staging / path.name)
    return path


def _write_rdf(nt: Path, target: Path, fmt: str) -> None:
    serialize(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES), fmt, str(target))


def _write_workbook(tables: Mapping[str, pd.DataFrame], target: Path) -> None:
    """One sheet per table. Text is always text (a title starting with ``=`` is not a formula) and
    characters a workbook cannot hold (control characters) are shown as U+FFFD."""
    from openpyxl import Workbook  # only here: the command line imports this module at start
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def value_of(value: Any) -> Any:
        if not isinstance(value, str):
            return _plain(value)
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if not value.startswith("="):
            return value
        cell = WriteOnlyCell(sheet, value)  # a text cell where openpyxl would write a formula (only then: a
        cell.data_type = "s"  # cell object for every value costs a third of the time)
        return cell

    book = Workbook(write_only=True)
    for name, frame in tables.items():
        sheet = book.create_sheet(name[:31])
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([value_of(value) for value in row])
    book.save(str(target))


def _plain(value: Any) -> Any:
    """A cell value openpyxl writes: None for unknown, numpy scalars as Python values."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
