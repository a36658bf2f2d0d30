"""`aikg export` on the bundled data: every format parses back with networkx (or pandas) and with a second
reader (ElementTree at the level of the GEXF and GraphML schemas, igraph, openpyxl, rdflib, pyoxigraph),
with the same organisations, legs, deals and figures as the projection; hostile text stays text."""

from __future__ import annotations

import csv
import datetime as dt
import math
import xml.etree.ElementTree as ET
from pathlib import Path

import igraph
import networkx as nx
import openpyxl
import pandas as pd
import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner

import kg
from kg.cli import main
from kg.views.export import ExportError, export

GEXF = "{http://www.gexf.net/1.2draft}"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
GEXF_TYPES = {"string": str, "double": float, "boolean": lambda v: {"true": True, "false": False}[v],
              "integer": int, "long": int}


@pytest.fixture(scope="module")
def exported(real_graph: kg.KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    for fmt in ("gexf", "graphml", "xlsx", "nt", "ttl", "jsonld"):
        result = CliRunner().invoke(main, ["export", "--format", fmt, "-o", str(folder / f"aikg.{fmt}"),
                                           "--data", str(real_graph.data), "--out", str(real_graph.out)])
        assert result.exit_code == 0, result.output
    real_graph.export(folder / "flows.gexf", "gexf", what=["flows"])
    real_graph.export(folder / "csv", "csv")
    return folder


def _same_deal_figures(real_graph: kg.KnowledgeGraph, edges: list[dict]) -> None:
    deals = real_graph.legs().graph["deals"]
    for edge in edges:
        record = deals[edge["deal"]]
        assert edge["status"] == record["status"] and edge["date"] == record["date"].isoformat()
        expected = record["amount_usd"]
        assert (edge.get("deal_amount_usd") is None) if expected is None else \
            math.isclose(float(edge["deal_amount_usd"]), expected), edge["deal"]


def test_gexf_reads_back_with_networkx_and_at_schema_level(real_graph: kg.KnowledgeGraph, exported: Path) -> None:
    legs = real_graph.legs()
    read = nx.read_gexf(exported / "aikg.gexf")
    assert (read.number_of_nodes(), read.number_of_edges()) == (legs.number_of_nodes(), legs.number_of_edges())
    assert read.nodes["openai"]["label"] == "OpenAI" and "ai_lab" in read.nodes["openai"]["types"]
    # the schema's rules, read with ElementTree: declared attributes, typed values, the timeline
    root = ET.parse(exported / "aikg.gexf").getroot()
    graph = root.find(f"{GEXF}graph")
    assert (graph.get("mode"), graph.get("timeformat"), graph.get("defaultedgetype")) == ("dynamic", "date", "directed")
    declared = {(a.get("class"), el.get("id")): (el.get("title"), el.get("type"))
                for a in graph.findall(f"{GEXF}attributes") for el in a.findall(f"{GEXF}attribute")}
    edges = []
    for kind in ("node", "edge"):
        for element in graph.iter(f"{GEXF}{kind}"):
            values = {}
            for value in element.iter(f"{GEXF}attvalue"):
                title, typ = declared[(kind, value.get("for"))]
                values[title] = GEXF_TYPES[typ](value.get("value"))
            if kind == "edge":
                assert dt.date.fromisoformat(element.get("start")).isoformat() == values["date"]
                assert float(element.get("weight", "1")) > 0
                edges.append(values)
    assert len(edges) == legs.number_of_edges()
    _same_deal_figures(real_graph, edges)


def test_graphml_reads_back_with_networkx_and_igraph(real_graph: kg.KnowledgeGraph, exported: Path) -> None:
    legs = real_graph.legs()
    read = nx.read_graphml(exported / "aikg.graphml")
    assert (read.number_of_nodes(), read.number_of_edges()) == (legs.number_of_nodes(), legs.number_of_edges())
    assert read.graph["setting_ranges"] == "midpoint"
    other = igraph.Graph.Read_GraphML(str(exported / "aikg.graphml"))
    assert (other.vcount(), other.ecount()) == (legs.number_of_nodes(), legs.number_of_edges())
    _same_deal_figures(real_graph, [{k: v for k, v in e.attributes().items() if v == v} for e in other.es])
    keys = ET.parse(exported / "aikg.graphml").getroot().findall(f"{GRAPHML}key")
    assert {k.get("attr.type") for k in keys} <= {"string", "double", "boolean", "int", "long"}


def test_flows_gexf_weights_are_the_summed_amounts(real_graph: kg.KnowledgeGraph, exported: Path) -> None:
    flows = real_graph.flows()
    read = nx.read_gexf(exported / "flows.gexf")
    assert read.number_of_edges() == flows.number_of_edges()
    for u, v, data in flows.edges(data=True):
        if data["amount"]:
            assert math.isclose(read[u][v][0]["weight"] if read.is_multigraph() else read[u][v]["weight"],
                                data["amount"])


def test_the_workbook_reads_back_with_openpyxl_and_pandas(real_graph: kg.KnowledgeGraph, exported: Path) -> None:
    book = openpyxl.load_workbook(exported / "aikg.xlsx", read_only=True)
    assert {"settings", "organisations", "deals", "legs", "sources", "flows", "concentration", "cycles",
            "centrality", "stress_debtrank", "exposed_to_openai"} <= set(book.sheetnames)
    legs = real_graph.legs()
    deals = pd.read_excel(exported / "aikg.xlsx", sheet_name="deals")
    assert len(deals) == len(legs.graph["deals"])
    sources = pd.read_excel(exported / "aikg.xlsx", sheet_name="sources")
    assert len(sources) == sum(len(r["sources"]) for r in legs.graph["deals"].values())
    rows = book["deals"].iter_rows(values_only=True)
    header = next(rows)
    for row in rows:
        record = legs.graph["deals"][row[header.index("id")]]
        assert row[header.index("date")].date() == record["date"]  # a date cell, not text
        assert row[header.index("status")] == record["status"]
    settings = {(t, k): v for t, k, v in pd.read_excel(exported / "aikg.xlsx", sheet_name="settings").values}
    assert settings[("all", "ranges")] == "midpoint"
    assert settings[("stress_debtrank", "method")] == "debtrank" and ("cycles", "truncated") in settings


def test_csv_files_read_back(real_graph: kg.KnowledgeGraph, exported: Path) -> None:
    with (exported / "csv" / "legs.csv").open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == real_graph.legs().number_of_edges()
    assert len(pd.read_csv(exported / "csv" / "cycles.csv")) == len(real_graph.cycles().table)


@pytest.mark.parametrize(("fmt", "rdflib_format", "ox_format"), [
    ("nt", "nt", ox.RdfFormat.N_TRIPLES), ("ttl", "turtle", ox.RdfFormat.TURTLE),
    ("jsonld", "json-ld", ox.RdfFormat.JSON_LD)])
def test_rdf_exports_hold_the_data_graph(real_graph: kg.KnowledgeGraph, exported: Path, fmt: str, rdflib_format: str,
                                         ox_format: ox.RdfFormat) -> None:
    built = real_graph.out / "graph" / "aikg.nt"
    expected = set(ox.parse(path=str(built), format=ox.RdfFormat.N_TRIPLES))
    assert set(ox.parse(path=str(exported / f"aikg.{fmt}"), format=ox_format)) == expected
    assert len(rdflib.Graph().parse(exported / f"aikg.{fmt}", format=rdflib_format)) == len(expected)


def test_wrong_combinations_are_refused(real_graph: kg.KnowledgeGraph, tmp_path: Path) -> None:
    args = ["--data", str(real_graph.data), "--out", str(real_graph.out)]
    for bad in (["--format", "gexf", "--what", "tables"], ["--format", "ttl", "--what", "legs"],
                ["--format", "graphml", "--what", "legs", "--what", "flows"]):
        result = CliRunner().invoke(main, ["export", *bad, "-o", str(tmp_path / "x"), *args])
        assert result.exit_code == 2 and "error:" in result.stderr, result.output
    assert list(tmp_path.iterdir()) == []


def test_hostile_text_stays_text_in_every_format(tmp_path: Path) -> None:
    legs = nx.MultiDiGraph(settings={"as_of": "2026-01-01"})
    formula = '=HYPERLINK("http://evil.example","x")'
    legs.add_node("a", label="A\x1b[31m", types=["ai_lab"], aliases=[])
    legs.add_node("b", label="<b>&amp;", types=[], aliases=["bee"])
    legs.add_edge("a", "b", key="d:a:b:money", deal="d", title=formula, kind="funding_round", flow="money",
                  status="closed", date=dt.date(2025, 1, 2), amount_usd=None, stake=None)
    legs.graph["deals"] = {"d": {"title": formula, "status": "closed", "date": dt.date(2025, 1, 2),
                                 "amount_usd": None, "sources": [{"quote": "=1+1", "url": None}]}}
    export(tmp_path / "x.xlsx", "xlsx", legs=legs, what=["legs"])
    book = openpyxl.load_workbook(tmp_path / "x.xlsx")
    assert formula in [c.value for c in book["deals"][2]]
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)
    assert book["organisations"]["B2"].value == "A\ufffd[31m"
    for fmt in ("gexf", "graphml"):
        export(tmp_path / f"x.{fmt}", fmt, legs=legs)
        read = (nx.read_gexf if fmt == "gexf" else nx.read_graphml)(tmp_path / f"x.{fmt}")
        assert read.nodes["b"]["label"] == "<b>&amp;" and read.nodes["a"]["label"] == "A\ufffd[31m"
    with pytest.raises(ExportError):
        export(tmp_path / "y.gexf", "gexf", legs=legs, what=["tables"])
