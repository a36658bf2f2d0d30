"""HHI, concentration labels, top-k shares and disclosure bounds: published examples and invariances."""

from __future__ import annotations

import doctest
import math
import random

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import kg.analytics.concentration as concentration
from kg.analytics import concentration_label, hhi, hhi_bounds, top_k_shares

FAST = settings(max_examples=50, deadline=None)
amount = st.just(0.0) | st.floats(1e-6, 1e6)  # no subnormals: scaling them can round to zero
amounts = st.lists(amount, min_size=1, max_size=20).filter(lambda xs: sum(xs) > 0)


def test_hhi1_doj_example():
    # DOJ HHI page: four firms with 30, 30, 20 and 20 percent.
    assert hhi([30, 30, 20, 20]) == 2600.0
    assert hhi({"a": 0.3, "b": 0.3, "c": 0.2, "d": 0.2}) == pytest.approx(2600.0)
    assert hhi([300, 300, 200, 200]) == 2600.0  # amounts are normalised


def test_hhi2_merger_delta():
    # Merging firms with 5% and 10% raises HHI by 2 * 5 * 10 = 100.
    before = hhi([5, 10, 40, 45])
    after = hhi([15, 40, 45])
    assert after - before == pytest.approx(100.0)


def test_hhi_reference_points():
    assert hhi([1]) == 10_000.0
    assert hhi([50, 50]) == 5_000.0
    assert hhi([10] * 10) == pytest.approx(1_000.0)
    assert hhi([25] * 4) == 2_500.0
    assert hhi([100, 0, 0]) == 10_000.0


def test_hhi3_bounds_from_partial_disclosure():
    # Nvidia Q2 FY2026: direct customers A and B at 23% and 16%; everyone else under 10% (ASC 280).
    low, high = hhi_bounds([23, 16])
    assert low == 785.0  # 23^2 + 16^2, remainder infinitely fragmented
    # Remainder 61 in pieces of at most 10: six at 10 and one at 1. The research note's 1395 uses
    # sum x^2 <= max(x) * sum x = 10 * 61, a valid but looser bound.
    assert high == 1386.0
    assert high <= 785 + 10 * 61 == 1395
    # Single-customer lower bounds quoted in analytics.md §6.3
    assert hhi_bounds([300 / 455 * 100])[0] == pytest.approx(4347, abs=1)  # Oracle RPO: OpenAI $300B of $455B
    assert hhi_bounds([45])[0] == 2025.0 and hhi_bounds([62])[0] == 3844.0
    assert hhi_bounds([60, 40]) == (5200.0, 5200.0)


def test_hhi_bounds_checks():
    with pytest.raises(ValueError, match="more than 100"):
        hhi_bounds([70, 40])
    with pytest.raises(ValueError, match="percentages"):
        hhi_bounds([120])
    with pytest.raises(ValueError, match="max_other_share"):
        hhi_bounds([50], max_other_share=0)


@FAST
@given(st.lists(st.floats(10.0, 33.0), max_size=3), st.data())
def test_any_completion_lies_within_the_bounds(known, data):
    rest = 100 - sum(known)
    # split the undisclosed remainder into random pieces under 10%
    k = data.draw(st.integers(math.ceil(rest / 5), math.ceil(rest / 5) + 20))
    weights = data.draw(st.lists(st.floats(0.2, 1.0), min_size=k, max_size=k))
    pieces = [rest * w / sum(weights) for w in weights]
    assume(max(pieces) < 10)
    low, high = hhi_bounds(known)
    assert low - 1e-6 <= hhi(known + pieces) <= high + 1e-6


def test_concentration_labels_2023_guidelines():
    assert concentration_label(2600) == "highly concentrated"
    assert concentration_label(1800.01) == "highly concentrated"
    assert concentration_label(1800) == "moderately concentrated"  # "in excess of 1,800" is high
    assert concentration_label(1000) == "moderately concentrated"
    assert concentration_label(999.9) == "unconcentrated"
    assert concentration.HHI_SIGNIFICANT_DELTA == 100
    with pytest.raises(ValueError):
        concentration_label(10_001)


def test_top_k_shares():
    assert top_k_shares([10, 30, 60], 2) == [(2, 0.6), (1, 0.3)]
    assert top_k_shares({"x": 1, "y": 1, "z": 2}, 5) == [("z", 0.5), ("x", 0.25), ("y", 0.25)]
    assert top_k_shares([1, 2], 0) == []
    with pytest.raises(ValueError):
        top_k_shares([1], -1)


def test_hhi_input_checks():
    for bad in ([], [0, 0], [-1, 2], [float("nan")]):
        with pytest.raises(ValueError):
            hhi(bad)


@FAST
@given(amounts, st.randoms(use_true_random=False))
def test_hhi_does_not_change_when_nodes_are_relabelled(values, rnd: random.Random):
    labels = [f"org{i}" for i in range(len(values))]
    shuffled = labels[:]
    rnd.shuffle(shuffled)
    base = hhi(dict(zip(labels, values, strict=True)))
    assert hhi(dict(zip(shuffled, values, strict=True))) == pytest.approx(base, rel=1e-12)
    order = list(range(len(values)))
    rnd.shuffle(order)
    assert hhi([values[i] for i in order]) == pytest.approx(base, rel=1e-12)


@FAST
@given(amounts, st.floats(1e-3, 1e3))
def test_hhi_range_and_scale_invariance(values, scale):
    h = hhi(values)
    positive = sum(v > 0 for v in values)
    assert 10_000 / positive - 1e-6 <= h <= 10_000 + 1e-6
    assert hhi([v * scale for v in values]) == pytest.approx(h, rel=1e-9)
    shares = [s for _, s in top_k_shares(values, len(values))]
    assert sum(shares) == pytest.approx(1.0) and shares == sorted(shares, reverse=True)


def test_docstring_examples():
    assert doctest.testmod(concentration).failed == 0


def _least_hhi_by_bisection(known: dict[str, float], undisclosed: list[str]) -> float:
    """The lower bound as first written: the water level found by bisection at each total (reference)."""
    from scipy.optimize import minimize_scalar

    named = set(undisclosed)
    fixed = [v for k, v in known.items() if k not in named]
    floors = sorted(known.get(k, 0.0) for k in named)

    def at(t: float) -> float:
        shares = [a * t for a in fixed]
        left, floor = 1.0 - math.fsum(shares), [a * t for a in floors]
        low, high = 0.0, 1.0
        for _ in range(100):
            mid = (low + high) / 2
            low, high = (low, mid) if math.fsum(max(f, mid) for f in floor) > left else (mid, high)
        return math.fsum(s * s for s in shares) + math.fsum(max(f, low) ** 2 for f in floor)

    t_max = 1.0 / (math.fsum(fixed) + math.fsum(floors))
    grid = [t_max * i / 400 for i in range(1, 401)]
    values = [at(t) for t in grid]
    best = min(range(len(grid)), key=values.__getitem__)
    refined = minimize_scalar(at, bounds=(grid[max(best - 1, 0)], grid[min(best + 1, 399)]), method="bounded",
                              options={"xatol": 1e-12})
    return round(min(values[best], float(refined.fun), 1.0 / len(floors)) * 10_000, 2)


@FAST
@given(st.lists(amount, min_size=1, max_size=30), st.data())
def test_the_closed_form_water_level_gives_the_bisections_bound(values, data):
    known = {f"org{i}": v for i, v in enumerate(values)}
    undisclosed = data.draw(st.lists(st.sampled_from([*known, "only-undisclosed"]), min_size=1, unique=True))
    assume(sum(values) > 0)
    low, high = concentration.hhi_bounds_undisclosed(known, undisclosed)
    assert high == 10_000.0
    assert low == pytest.approx(_least_hhi_by_bisection(known, undisclosed), abs=0.02)
