"""Property tests: random valid deals round-trip through the files; random corruptions get an error, never a crash."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from minidata import mini, write_dataset

from kg.records.loader import load_dataset
from kg.records.models import Deal
from kg.records.problems import DataError
from kg.records.vocab import DealKind, Evidence, Role, Status

ORGS = ["alpha-lab", "beta-cloud", "beta-cloud-services", "gamma-chips"]
SOURCES = ["wire-1", "wire-2"]
money = st.floats(min_value=0, max_value=1e13, allow_nan=False, allow_infinity=False)
# YAML folds control characters and line separators (NEL, U+2028) in text: they are not text a source quotes
text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=60).filter(
    lambda s: s.strip() == s and s)


@st.composite
def amounts(draw: st.DrawFn) -> dict:
    currency = draw(st.sampled_from(["USD", "EUR"]))
    shape = draw(st.sampled_from(["value", "min", "max", "range", "undisclosed"]))
    if shape == "undisclosed":
        return {"undisclosed": True, "currency": currency}
    if shape == "range":
        low, high = sorted((draw(money), draw(money)))
        return {"min": low, "max": high, "currency": currency}
    return {shape: draw(money), "currency": currency, "approximate": draw(st.booleans())}


@st.composite
def deals(draw: st.DrawFn) -> dict:
    parties = draw(st.lists(st.sampled_from(ORGS), min_size=2, max_size=4, unique=True))
    n_claims = draw(st.integers(1, 3))
    claims = []
    for i in range(n_claims):
        claim = {"source": draw(st.sampled_from(SOURCES)),
                 "quote": draw(text),
                 "date": draw(st.dates(min_value=dt.date(2019, 1, 1),
                                       max_value=dt.date(2025, 12, 31))).isoformat(),
                 "status": draw(st.sampled_from(list(Status))).value,
                 "evidence": draw(st.sampled_from(list(Evidence))).value, "amount": draw(amounts())}
        if n_claims > 1 and i == 0:
            claim.update(preferred=True, preferred_reason="the primary source")
        claims.append(claim)
    return {"id": "random-deal", "kind": draw(st.sampled_from(list(DealKind))).value,
            "title": draw(text),
            "parties": [{"org": o, "role": draw(st.sampled_from(list(Role))).value} for o in parties],
            "claims": claims}


def load_with(deal: dict):
    data = mini()
    data["deals"]["random.yaml"] = [deal]
    with tempfile.TemporaryDirectory() as tmp:
        return load_dataset(write_dataset(Path(tmp), data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deals())
def test_valid_deals_round_trip_through_the_files(deal: dict) -> None:
    loaded = load_with(deal).deals["random-deal"]
    assert loaded == Deal.model_validate(deal)
    assert loaded.model_dump(mode="json", exclude_defaults=True)["claims"][0]["source"] == deal["claims"][0]["source"]


def _corruptions() -> st.SearchStrategy:
    junk = st.one_of(st.just(-1.0), st.just("not-a-value"), st.just({"nested": "map"}), st.just([1, 2]),
                     st.just("2025-02-30"))
    return st.tuples(st.sampled_from(["drop", "junk", "extra"]), junk, st.integers(0, 10_000))


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [(*prefix, k) for k in node] + [p for k, v in node.items() for p in _paths(v, (*prefix, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _paths(v, (*prefix, i))]
    return []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(deals(), _corruptions())
def test_corrupted_deals_get_an_error_never_a_crash(deal: dict, corruption: tuple) -> None:
    how, junk, pick = corruption
    paths = [p for p in _paths(deal) if p[-1] not in {"approximate", "preferred", "note", "evidence", "lead",
                                                        "preferred_reason"}]
    path = paths[pick % len(paths)]
    parent = deal
    for step in path[:-1]:
        parent = parent[step]
    if how == "drop":
        del parent[path[-1]]
    elif how == "extra":
        parent["unexpected_field"] = junk
    else:
        parent[path[-1]] = junk
    try:
        load_with(deal)
    except DataError as exc:
        assert exc.problems and all(p.file.endswith(".yaml") for p in exc.problems)
        return
    # a few corruptions leave a valid record (e.g. dropping an optional field): it must then still validate
    Deal.model_validate(deal)
