"""Each plan (``queries/NAME.sql``, :mod:`kg.projection.plans`) gives its named query's answer.

On the bundled data and on a synthetic data set, for each parameter's default and the values listed
here: the whole result and pages of it from DuckDB over the build's tables equal the SPARQL's on the
store, frame for frame (values, dtypes, order with the paging tie-breakers). The plans are forced
(``engine="tables"``), so a test cannot pass by running the SPARQL twice.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest
from test_query_references import CONCATENATED
from test_query_references import PARAMS as REFERENCE_PARAMS

import kg
from kg.paths import DEFAULT_DATA, QUERY_DIR
from kg.projection import plans
from kg.projection.tables import TABLE_NAMES
from kg.store import queries
from kg.synth import synth

PLANNED = sorted(p.stem for p in QUERY_DIR.glob("*.sql"))
# each parameter's default, and the values the rewritten queries are checked with against their references
PARAMS: dict[str, list[dict[str, object]]] = {
    **REFERENCE_PARAMS,
    "commitments_vs_revenue": [{"org": "coreweave"}, {"org": "anthropic"}, {"org": "microsoft"}],
    "stats_latest": [{"today": "2024-01-01"}, {"today": "2025-06-30"}, {"today": "1999-01-01"}],
    "deals_as_of": [{"as_of": "2024-06-30"}, {"as_of": "2026-12-31"}],
}
CASES = [(name, params) for name in PLANNED for params in [{}, *PARAMS.get(name, [])]]
# the synthetic set's organisations for an ``org`` parameter (its ids are org-NNNNNN)
SYNTHETIC_ORGS = ("org-000001", "org-000003", "org-000013")
PAGE = 7
WHOLE = 10**9  # a page holding every row: the SPARQL's order with paging's tie-breakers, exactly


@pytest.fixture(scope="module")
def graphs(real_graph: kg.KnowledgeGraph, tmp_path_factory: pytest.TempPathFactory) -> dict[str, kg.KnowledgeGraph]:
    data = tmp_path_factory.mktemp("plans") / "synthetic"
    synth(300, 5, data)
    return {"bundled": real_graph, "synthetic": kg.load(data, data.parent / "out")}


def _both(graph: kg.KnowledgeGraph, name: str, params: dict[str, object], **page: int) -> tuple[pd.DataFrame, ...]:
    """(SPARQL's frame, the plan's frame); lists joined by GROUP_CONCAT, whose order SPARQL leaves open (Oxigraph
    follows its index; the plans sort), compared as sets."""
    frames = [plans.run(graph.store, name, engine=engine, **page, **params) for engine in ("sparql", "tables")]
    for frame in frames:
        for column in CONCATENATED & set(frame.columns):
            frame[column] = frame[column].map(lambda v: ", ".join(sorted(v.split(", "))) if isinstance(v, str) else v)
    return tuple(frames)


@pytest.mark.parametrize("data", ["bundled", "synthetic"])
@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{'-'.join(map(str, p.values()))}" for n, p in CASES])
def test_a_plan_gives_its_queries_rows_whole_and_page_by_page(graphs: dict[str, kg.KnowledgeGraph], data: str,
                                                              name: str, params: dict[str, object]) -> None:
    graph = graphs[data]
    if data == "synthetic" and any(p.type == "org" for p in queries.get(name).params):
        for org in SYNTHETIC_ORGS:  # the bundled data's organisations are not in the synthetic set
            _compare(graph, name, {**params, "org": org})
    else:
        _compare(graph, name, params)


def _compare(graph: kg.KnowledgeGraph, name: str, params: dict[str, object]) -> None:
    if "ORDER BY" not in queries.get(name).text:  # a one-row aggregate: no order, no pages
        pdt.assert_frame_equal(*reversed(_both(graph, name, params)), rtol=1e-12)
        return
    sparql, table = _both(graph, name, params, limit=WHOLE)
    pdt.assert_frame_equal(table, sparql, rtol=1e-12)
    for offset in sorted({0, PAGE, len(sparql) // 2, max(len(sparql) - PAGE, 0)}):
        pdt.assert_frame_equal(*reversed(_both(graph, name, params, limit=PAGE, offset=offset)), rtol=1e-12)
    unpaged = plans.run(graph.store, name, engine="tables", **params)
    pdt.assert_frame_equal(unpaged, plans.run(graph.store, name, engine="tables", limit=WHOLE, **params))


def test_every_plan_is_tested_on_rows() -> None:
    """Each plan belongs to a named query, and some case of it finds rows on the bundled data (else the
    comparison above proves nothing)."""
    assert PLANNED and set(PLANNED) <= set(queries.library())


@pytest.mark.parametrize("name", PLANNED)
def test_a_plan_finds_rows_on_the_bundled_data(real_graph: kg.KnowledgeGraph, name: str) -> None:
    assert any(len(plans.run(real_graph.store, name, engine="tables", **p)) for p in [{}, *PARAMS.get(name, [])])


def test_auto_answers_from_current_tables_and_falls_back_to_sparql(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    graph = kg.load(DEFAULT_DATA, tmp_path / "out")
    assert plans.current_tables(graph.store) is not None
    expected = plans.run(graph.store, "deals_as_of", engine="sparql", limit=5)
    answered = []
    answer = plans.answer
    monkeypatch.setattr(plans, "answer", lambda *a: answered.append(a) or answer(*a))
    pdt.assert_frame_equal(graph.query("deals_as_of", limit=5), expected)
    assert len(answered) == 1  # from the tables
    # a table of another build: the stamp no longer matches, so "auto" runs the SPARQL and "tables" refuses
    folder = plans.current_tables(graph.store)
    claims = folder / "claims.parquet"
    claims.write_bytes(b"not parquet")
    assert plans.current_tables(graph.store) is None
    pdt.assert_frame_equal(graph.query("deals_as_of", limit=5), expected)
    assert len(answered) == 1  # not from the tables this time
    with pytest.raises(queries.QueryError, match="cannot use the tables"):
        plans.run(graph.store, "deals_as_of", engine="tables")
    with pytest.raises(queries.QueryError, match="has no plan"):
        plans.run(graph.store, "deals_between", engine="tables")
    with pytest.raises(queries.QueryError, match="engine must be one of"):
        plans.run(graph.store, "deals_as_of", engine="duckdb")


def test_a_query_worker_answers_a_plan_without_pandas(real_graph: kg.KnowledgeGraph) -> None:
    """The endpoint's workers are lean processes under an address-space cap: a plan job imports DuckDB alone
    (:mod:`kg.projection.duck`), not pandas, NumPy or pyarrow."""
    folder = plans.current_tables(real_graph.store)
    code = f"""
import sys
from kg.endpoint.worker import Job, _plan
job = Job(kind="plan", query="SELECT count(*) AS n FROM deals", tables={str(folder)!r}, table_names={TABLE_NAMES!r})
reply = _plan(job)
assert reply.status == 200 and reply.headers["X-aikg-engine"] == "tables", reply
print(sorted(m for m in ("pandas", "numpy", "pyarrow") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
