"""Remote stores: `aikg push` into a real Oxigraph server, every named query gives the same rows there;
`aikg serve` answers over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from minidata import write_dataset
from w3c.servers import free_port, oxigraph_server, wait_for_port

import kg
from kg.cli import main
from kg.store import queries

SYNTH_PARAMS = {"org": "alpha-lab", "a": "beta-cloud", "b": "alpha-lab", "fact": "beta-alpha-equity"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    root = tmp_path_factory.mktemp("remote")
    return kg.load(write_dataset(root / "data"), root / "out")


def _rows(frame: pd.DataFrame) -> list[tuple]:
    return sorted(tuple("" if pd.isna(v) else str(v) for v in row) for row in frame.itertuples(index=False))


def test_every_named_query_gives_the_same_rows_after_push(built: kg.KnowledgeGraph, tmp_path: Path) -> None:
    with oxigraph_server(tmp_path / "oxigraph") as base:
        result = CliRunner().invoke(main, ["push", "--endpoint", f"{base}/store", "--data", str(built.data),
                                           "--out", str(built.out)])
        assert result.exit_code == 0, result.output
        remote = kg.load(built.data, built.out, endpoint=f"{base}/query")
        compared = 0
        for name, named in queries.library().items():
            params = {p.name: SYNTH_PARAMS[p.name] for p in named.params if p.name in SYNTH_PARAMS}
            local, far = built.query(name, **params), remote.query(name, **params)
            assert list(local.columns) == list(far.columns), name
            assert _rows(local) == _rows(far), name
            compared += not local.empty
        assert compared >= 15  # most queries have rows on the small data set


def test_cli_query_against_an_endpoint(built: kg.KnowledgeGraph, tmp_path: Path) -> None:
    with oxigraph_server(tmp_path / "oxigraph") as base:
        built.push(f"{base}/store")
        out = CliRunner().invoke(main, ["query", "investors_in", "-p", "org=alpha-lab", "--endpoint",
                                        f"{base}/query", "--format", "json"]).output
        assert json.loads(out)[0]["investor_id"] == "beta-cloud"


def test_aikg_serve_answers_the_sparql_protocol(built: kg.KnowledgeGraph) -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--data", str(built.data), "--out", str(built.out),
                               "--port", str(port), "--workers", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, 60)
        query = "PREFIX aikg: <https://w3id.org/aikg/ontology#> SELECT (COUNT(?d) AS ?n) WHERE { ?d a aikg:Deal }"
        request = urllib.request.Request(f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": query}),
                                         headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
        assert answer["results"]["bindings"][0]["n"]["value"] == "3"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:
            assert "investors_in" in response.read().decode()
    finally:
        server.kill()
        server.wait(10)
