"""Named queries rewritten for speed give the rows of their plain definitions over the claim paths.

Each file in ``tests/query_references/`` is a named query as first written: it follows preferred
claims, amounts and code lists instead of the digests the build writes (``aikg:currentStatus``, …)
and has no shape chosen for Oxigraph's planner. On the bundled data, with several parameter
values each, both must return the same rows (in any order; numbers to 1e-9 relative).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import kg
from kg.paths import DEFAULT_DATA
from kg.store import queries

REFERENCES = Path(__file__).parent / "query_references"
PARAMS: dict[str, list[dict[str, object]]] = {
    "investors_in": [{"org": "openai"}, {"org": "anthropic"}, {"org": "xai"}, {"org": "mistral-ai"}],
    "exposure_to_org": [{"org": "openai"}, {"org": "nvidia"}, {"org": "coreweave"}],
    "deals_between": [{"a": "openai", "b": "microsoft"}, {"a": "anthropic", "b": "amazon"},
                      {"a": "nvidia", "b": "openai"}],
    "deals_by_status": [{"status": "closed"}, {"status": "announced"}, {"status": "cancelled"}],
    "total_invested_per_investor": [{"include_announced": True}, {"include_announced": False}],
    "single_source_facts": [{"weak_only": False}, {"weak_only": True}],
    "deals_as_of": [{"as_of": "2023-01-01"}, {"as_of": "2024-01-01"}, {"as_of": "2025-06-30"}, {"as_of": "2025-11-03"},
                    {"as_of": "2026-12-31"}],
}
# Columns whose GROUP_CONCAT order is not defined by SPARQL
CONCATENATED = {"lenders", "borrowers", "orgs"}


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> kg.KnowledgeGraph:
    return kg.load(DEFAULT_DATA, tmp_path_factory.mktemp("references") / "out")


def _key(value: object) -> object:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else float(f"{value:.9e}")
    return value


def _rows(graph: kg.KnowledgeGraph, text: str, bound: dict[str, object]) -> list[tuple]:
    result = graph.store.query(text, bound)
    concatenated = [i for i, v in enumerate(result.variables) if v in CONCATENATED]
    rows = []
    for row in result.rows:
        row = list(row)
        for i in concatenated:
            row[i] = ", ".join(sorted(str(row[i]).split(", ")))
        rows.append(tuple(_key(v) for v in row))
    return sorted(rows, key=repr)


CASES = [(path.stem, params) for path in sorted(REFERENCES.glob("*.rq"))
         for params in PARAMS.get(path.stem, [{}])]


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}-{'-'.join(map(str, p.values()))}" for n, p in CASES])
def test_named_query_matches_its_reference(graph: kg.KnowledgeGraph, name: str, params: dict[str, object]) -> None:
    named = queries.get(name)
    bound = named.bind(params)
    expected = _rows(graph, (REFERENCES / f"{name}.rq").read_text(encoding="utf-8"), bound)
    assert expected, f"{name} {params}: the reference finds nothing, so the comparison proves nothing"
    assert _rows(graph, named.text, bound) == expected


def test_every_reference_names_a_query_and_matters() -> None:
    library = queries.library()
    assert {p.stem for p in REFERENCES.glob("*.rq")} <= set(library)
    assert len(CASES) >= 25
