"""Build: data files → RDF → SPARQL round trip, atomic output, and the CLI's behaviour on bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pyoxigraph as ox
import pytest
import yaml
from click.testing import CliRunner
from minidata import mini, write_dataset

import kg
from kg.build import DATA_JSONLD, DATA_NT, DATA_TTL, GRAPH_DIR, MANIFEST, build, is_current, ontology_paths
from kg.cli import main
from kg.records.problems import DataError

ONTOLOGY_PATHS = ontology_paths()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    root = tmp_path_factory.mktemp("mini")
    return kg.load(write_dataset(root / "data"), root / "out")


def test_round_trip_entities(built: kg.KnowledgeGraph) -> None:
    frame = built.sparql("""PREFIX aikg: <https://w3id.org/aikg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?id ?name ?parent WHERE { ?o a aikg:Organisation ; aikg:recordId ?id ; rdfs:label ?name .
        OPTIONAL { ?o aikg:parentOrganisation/aikg:recordId ?parent } } ORDER BY ?id""")
    expected = [(o["id"], o["name"], o.get("parent")) for o in sorted(mini()["entities"]["orgs.yaml"],
                                                                       key=lambda o: o["id"])]
    assert [(r.id, r.name, None if pd.isna(r.parent) else r.parent) for r in frame.itertuples()] == expected


def test_round_trip_amounts_dates_and_sources(built: kg.KnowledgeGraph) -> None:
    frame = built.sparql("""PREFIX aikg: <https://w3id.org/aikg/ontology#>
        PREFIX schema: <https://schema.org/>
        SELECT ?deal ?date ?value ?max ?max_usd ?currency ?source ?quote ?preferred WHERE {
          ?d aikg:recordId ?deal ; aikg:hasClaim ?c . ?c aikg:claimDate ?date ; aikg:quote ?quote ;
          aikg:source/aikg:recordId ?source ; aikg:amount ?a .
          BIND(EXISTS { ?c aikg:isPreferred true } AS ?preferred)
          OPTIONAL { ?a schema:value ?value } OPTIONAL { ?a schema:maxValue ?max }
          OPTIONAL { ?a aikg:maxValueUSD ?max_usd }
          OPTIONAL { ?a schema:currency ?currency } } ORDER BY ?deal ?date""")
    rows = {(r.deal, r.source): r for r in frame.itertuples()}
    first = rows[("beta-alpha-equity", "wire-1")]
    assert first.value == 10e9 and first.currency == "USD" and not first.preferred
    assert first.date == dt.datetime(2025, 3, 1) and first.quote == "Beta invests $10 billion."
    second = rows[("beta-alpha-equity", "wire-2")]
    # the native EUR figure is kept, the USD figure beside it uses the sourced rate 1.25
    assert (second.max, second.currency, second.max_usd, bool(second.preferred)) == (12e9, "EUR", 15e9, True)
    undisclosed = built.sparql("""PREFIX aikg: <https://w3id.org/aikg/ontology#>
        SELECT ?u WHERE { ?d aikg:recordId "gamma-alpha-chips" ;
                             aikg:preferredClaim/aikg:amount/aikg:isUndisclosed ?u }""")
    assert undisclosed.u.tolist() == [True]


def test_text_with_quotes_backslashes_and_line_breaks_comes_back_as_written(tmp_path: Path) -> None:
    data = mini()
    tricky = 'Alpha "the lab"\\ Ltd.\nline two\r\ttab, \\n not a break, ü €'
    data["entities"]["orgs.yaml"][0]["description"] = tricky  # alpha-lab
    data["deals"]["deals.yaml"][0]["claims"][0]["note"] = tricky
    graph = kg.load(write_dataset(tmp_path / "data", data), tmp_path / "out")
    frame = graph.sparql("""PREFIX aikg: <https://w3id.org/aikg/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?text WHERE { { ?o aikg:recordId "alpha-lab" ; dcterms:description ?text }
                             UNION { ?c rdfs:comment ?text } }""")
    assert frame.text.tolist() == [tricky, tricky]


def test_derived_shortcuts_are_rebuilt_from_deals(built: kg.KnowledgeGraph) -> None:
    frame = built.sparql("""PREFIX aikg: <https://w3id.org/aikg/ontology#>
        SELECT ?a ?p ?b WHERE { ?x ?prop ?y . ?prop a aikg:DerivedProperty .
        ?x aikg:recordId ?a . ?y aikg:recordId ?b . BIND(STRAFTER(STR(?prop), "#") AS ?p) } ORDER BY ?a ?p ?b""")
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("alpha-lab", "commitsSpendTo", "beta-cloud-services"), ("alpha-lab", "commitsSpendTo", "gamma-chips"),
        ("beta-cloud", "investsIn", "alpha-lab"), ("beta-cloud-services", "supplies", "alpha-lab"),
        ("gamma-chips", "supplies", "alpha-lab"),
    ]


def test_a_build_writes_n_triples_alone_unless_asked(built: kg.KnowledgeGraph, tmp_path: Path) -> None:
    graph_dir = built.out / GRAPH_DIR
    assert (graph_dir / DATA_NT).is_file()
    assert not (graph_dir / DATA_TTL).exists() and not (graph_dir / DATA_JSONLD).exists()
    # asked for, Turtle and JSON-LD are written too (a build of the same data is redone to add them)
    assert build(built.data, built.out, formats=("nt", "ttl", "jsonld")).store_rebuilt
    counts = {name: len(list(ox.parse(path=str(graph_dir / name)))) for name in (DATA_NT, DATA_TTL, DATA_JSONLD)}
    assert len(set(counts.values())) == 1 and counts[DATA_NT] > 100
    manifest = json.loads((graph_dir / MANIFEST).read_text())
    assert (manifest["triples"], manifest["deals"], manifest["organisations"]) == (counts[DATA_NT], 3, 4)
    assert not build(built.data, built.out, formats=("ttl",)).store_rebuilt  # now there: up to date
    with pytest.raises(ValueError, match=r"unknown graph format.*rdfxml"):
        build(built.data, tmp_path / "out", formats=("rdfxml",))
    assert not (tmp_path / "out").exists()


def test_cli_build_formats(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data")
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(tmp_path / "out"),
                                       "--formats", "nt,ttl"])
    assert result.exit_code == 0, result.output
    assert "aikg.nt, aikg.ttl)" in result.output and (tmp_path / "out" / GRAPH_DIR / DATA_TTL).is_file()
    bad = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(tmp_path / "o2"), "--formats", "xml"])
    assert bad.exit_code == 2 and "unknown format xml; choose from nt, ttl, jsonld" in bad.output
    assert "Traceback" not in bad.output and not (tmp_path / "o2").exists()


def test_store_is_rebuilt_only_when_data_changes(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data")
    first = build(data, tmp_path / "out")
    assert first.store_rebuilt and is_current(data, tmp_path / "out")
    assert not build(data, tmp_path / "out").store_rebuilt
    (data / "entities" / "orgs.yaml").write_text((data / "entities" / "orgs.yaml").read_text() + "\n# edit\n")
    assert not is_current(data, tmp_path / "out")
    assert build(data, tmp_path / "out").store_rebuilt


def test_a_new_graph_format_or_ontology_rebuilds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # an upgrade that writes other triples for the same data must not leave a stale store in place
    data = write_dataset(tmp_path / "data")
    build(data, tmp_path / "out")
    monkeypatch.setattr("kg.build.GRAPH_FORMAT", 999)
    assert not is_current(data, tmp_path / "out")
    assert build(data, tmp_path / "out").store_rebuilt
    ontology = tmp_path / "aikg.ttl"
    ontology.write_text(ONTOLOGY_PATHS[0].read_text() + "\n# edited\n")
    monkeypatch.setattr("kg.build.ontology_paths", lambda: [ontology, *ONTOLOGY_PATHS[1:]])
    assert not is_current(data, tmp_path / "out")


def test_error_leaves_previous_output_intact(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data")
    out = tmp_path / "out"
    build(data, out)
    before = {p: p.read_bytes() for p in (out / GRAPH_DIR).iterdir()}
    broken = mini()
    broken["deals"]["deals.yaml"][0]["claims"][0]["amount"]["value"] = -1
    write_dataset(data, broken)
    with pytest.raises(DataError):
        build(data, out)
    assert {p: p.read_bytes() for p in (out / GRAPH_DIR).iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]


def test_cli_reports_every_error_and_writes_nothing(tmp_path: Path) -> None:
    broken = mini()
    broken["deals"]["deals.yaml"][0]["claims"][0]["amount"]["value"] = -1
    broken["sources"]["sources.yaml"][0]["published"] = "2025-02-30"
    data = write_dataset(tmp_path / "data", broken)
    result = CliRunner().invoke(main, ["build", "--data", str(data), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "deals/deals.yaml:" in result.output and "claims.0.amount.value = -1" in result.output
    assert "sources/sources.yaml:" in result.output and "published = '2025-02-30'" in result.output
    assert "2 error(s); nothing was written." in result.output
    assert not (tmp_path / "out").exists()


def test_cli_build_validate_and_stats(tmp_path: Path) -> None:
    data = write_dataset(tmp_path / "data")
    runner = CliRunner()
    out = str(tmp_path / "out")
    built = runner.invoke(main, ["build", "--data", str(data), "--out", out])
    assert built.exit_code == 0 and "3 deals" in built.output
    checked = runner.invoke(main, ["validate", "--data", str(data), "--out", out])
    assert checked.exit_code == 0 and "conform to the SHACL shapes" in checked.output
    stats = runner.invoke(main, ["stats", "--data", str(data), "--out", out, "--format", "csv"])
    assert stats.exit_code == 0
    assert "compute_commitment,1,1" in stats.output and "equity_investment,1,2" in stats.output


def test_shacl_catches_what_bypasses_the_models(tmp_path: Path) -> None:
    import pyshacl
    import rdflib

    from kg.paths import ONTOLOGY_DIR
    from kg.records.loader import load_dataset
    from kg.validate import shacl_graph, validate  # noqa: F401  (shape check on a hand-broken graph)

    graph = shacl_graph(load_dataset(write_dataset(tmp_path / "data")))
    stake = next(s for s, _, o in graph.triples((None, rdflib.URIRef("https://w3id.org/aikg/ontology#unit"), None))
                 if str(o) == "fraction")
    graph.set((stake, rdflib.URIRef("https://schema.org/value"), rdflib.Literal(17, datatype=rdflib.XSD.decimal)))
    conforms, _, text = pyshacl.validate(graph, shacl_graph=str(ONTOLOGY_DIR / "shapes.ttl"), advanced=True)
    assert not conforms and "0–1 scale" in text


def test_synth_output_is_valid_and_reproducible(tmp_path: Path) -> None:
    runner = CliRunner()
    for name in ("a", "b"):
        result = runner.invoke(main, ["synth", "--orgs", "40", "--seed", "7", "--out", str(tmp_path / name)])
        assert result.exit_code == 0
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.yaml"))
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    ds = kg.records.loader.load_dataset(tmp_path / "a")
    assert len(ds.organisations) == 40 and len(ds.deals) == 200
    kinds = {d.kind for d in ds.deals.values()}
    assert len(kinds) >= 8
    assert yaml.safe_load((tmp_path / "a" / "fx" / "rates.yaml").read_text())[0]["currency"] == "EUR"
