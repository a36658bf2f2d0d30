"""DebtRank and Eisenberg–Noe / Rogers–Veraart clearing: published worked examples and theory properties."""

from __future__ import annotations

import doctest
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import kg.analytics.contagion as contagion
from kg.analytics import debtrank, debtrank_impact, eisenberg_noe
from kg.analytics.contagion import _debtrank_reference

FAST = settings(max_examples=40, deadline=None)

# DR-1: Voutilainen's DebtRank notebook (network of Battiston et al. 2012, SI Fig. 5, edges flipped so that
# src -> tgt means src invested in tgt). Published to 3 d.p.; the exact rationals are re-derived.
DR1_EDGES = [("2", "1", 4), ("5", "2", 3), ("7", "5", 5), ("2", "5", 2), ("3", "1", 6),
             ("4", "1", 3), ("6", "4", 2), ("8", "6", 7), ("5", "6", 2)]  # fmt: skip
DR1_EQUITY = {"1": 14, "2": 6, "3": 56, "4": 8, "5": 15, "6": 9, "7": 90, "8": 50}
DR1_H = {"1": 1.0, "2": 32 / 45, "3": 3 / 28, "4": 3 / 8, "5": 13 / 90, "6": 1 / 12, "7": 1 / 135,
         "8": 7 / 600}  # fmt: skip


def exact(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-15)


def dr1_graph(exposure: dict | None = None) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(sorted(DR1_EQUITY))
    for u, v, x in DR1_EDGES:
        G.add_edge(u, v, exposure=x if exposure is None else exposure[u, v])
    return G


def test_dr1_single_hit_matches_published_example():
    G = dr1_graph()
    h = debtrank(G, DR1_EQUITY, {"1": 1.0})
    assert h == {n: exact(x) for n, x in DR1_H.items()}
    # R = 0.207 in the notebook; v = total invested / 34, initial shock excluded
    assert debtrank_impact(G, {"1": 1.0}, h) == exact(16637 / 80325)
    assert _debtrank_reference(G, DR1_EQUITY, {"1": 1.0}) == {n: exact(x) for n, x in DR1_H.items()}


def test_dr1b_impacts_forced_to_one_half():
    # Every non-zero impact W = A[j][i] / E[j] = 0.5 (Battiston SI Fig. 5 convention); v stays as in DR-1.
    G = dr1_graph({(u, v): DR1_EQUITY[u] / 2 for u, v, _ in DR1_EDGES})
    h = debtrank(G, DR1_EQUITY, {"1": 1.0})
    expected = {"1": 1.0, "2": 0.625, "3": 0.5, "4": 0.5, "5": 0.375, "6": 0.25, "7": 0.125, "8": 0.125}
    assert h == {n: exact(x) for n, x in expected.items()}
    value = dict(dr1_graph().out_degree(weight="exposure"))
    assert debtrank_impact(G, {"1": 1.0}, h, value=value) == exact(97 / 272)


def test_dr1_differential_counts_the_cycle_between_2_and_5():
    # DERIVED: nothing but the shocked node reaches 1, so h = (I - Λ)^-1 h(1), solved in exact arithmetic.
    nodes = sorted(DR1_EQUITY)
    lev = [[Fraction(0)] * 8 for _ in nodes]
    for u, v, x in DR1_EDGES:
        lev[nodes.index(u)][nodes.index(v)] = Fraction(x, DR1_EQUITY[u])
    system = [[int(i == j) - lev[i][j] for j in range(8)] for i in range(8)]
    h = _exact_solve(system, [1, 0, 0, 0, 0, 0, 0, 0])
    assert h[1] == Fraction(181, 252) and h[4] == Fraction(13, 84)
    got = debtrank(dr1_graph(), DR1_EQUITY, {"1": 1.0}, variant="bardoscia2015")
    assert got == {n: exact(float(x)) for n, x in zip(nodes, h, strict=True)}
    assert got["2"] > DR1_H["2"] and got["5"] > DR1_H["5"]  # single-hit underestimates on cycles


def _exact_solve(M: list[list], b: list) -> list[Fraction]:
    """Gauss–Jordan elimination over the rationals."""
    n = len(b)
    rows = [[Fraction(x) for x in row] + [Fraction(y)] for row, y in zip(M, b, strict=True)]
    for c in range(n):
        pivot = next(r for r in range(c, n) if rows[r][c] != 0)
        rows[c], rows[pivot] = rows[pivot], rows[c]
        rows[c] = [x / rows[c][c] for x in rows[c]]
        for r in range(n):
            if r != c and rows[r][c] != 0:
                rows[r] = [x - rows[r][c] * y for x, y in zip(rows[r], rows[c], strict=True)]
    return [row[n] for row in rows]


def test_debtrank_state_machine_small_cases():
    # A stake larger than equity caps the impact at 1 (single-hit) but not the leverage (differential).
    G = nx.DiGraph([("a", "b", {"exposure": 30.0}), ("c", "a", {"exposure": 1.0})])
    equity = {"a": 10.0, "c": 4.0}
    assert debtrank(G, equity, {"b": 0.5}) == {"a": 0.5, "b": 0.5, "c": 0.125}
    assert debtrank(G, equity, {"b": 0.5}, variant="bardoscia2015") == {"a": 1.0, "b": 0.5, "c": 0.25}
    # A node hit twice accumulates both hits but propagates only the first one.
    G = nx.DiGraph([("x", "s"), ("x", "y"), ("y", "s"), ("z", "x")])  # missing exposures count as 1
    h = debtrank(G, {"x": 4.0, "y": 2.0, "z": 1.0}, {"s": 1.0})
    assert h == {"x": 0.25 + 0.125, "s": 1.0, "y": 0.5, "z": 0.25}


def test_debtrank_input_checks():
    G = nx.DiGraph([("a", "b", {"exposure": 1.0})])
    with pytest.raises(ValueError, match="variant"):
        debtrank(G, {"a": 1.0}, {"b": 1.0}, variant="furfine")
    with pytest.raises(ValueError, match="equity"):
        debtrank(G, {}, {"b": 1.0})
    with pytest.raises(ValueError, match="equity"):
        debtrank(G, {"a": 0.0}, {"b": 1.0})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        debtrank(G, {"a": 1.0}, {"b": 1.5})
    with pytest.raises(KeyError):
        debtrank(G, {"a": 1.0}, {"zz": 1.0})
    with pytest.raises(ValueError, match="non-negative"):
        debtrank(nx.DiGraph([("a", "b", {"exposure": -1.0})]), {"a": 1.0}, {"b": 1.0})
    with pytest.raises(nx.NetworkXNotImplemented):
        debtrank(nx.Graph([("a", "b")]), {"a": 1.0, "b": 1.0}, {"b": 1.0})
    assert debtrank(nx.DiGraph(), {}, {}) == {}


@st.composite
def exposure_networks(draw, max_n: int = 7, max_leverage: float = 3.0):
    """A random exposure network, equities, and a shock; leverage entries A[i][j] / E_i <= max_leverage."""
    n = draw(st.integers(2, max_n))
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    equity = {i: draw(st.floats(1.0, 10.0)) for i in range(n)}
    for i in range(n):
        for j in range(n):
            if i != j and draw(st.booleans()):
                G.add_edge(i, j, exposure=draw(st.floats(0.0, max_leverage)) * equity[i])
    shocked = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    shock = {i: draw(st.floats(0.0, 1.0)) for i in shocked}
    return G, equity, shock


@FAST
@given(exposure_networks(), st.sampled_from(contagion.VARIANTS))
def test_sparse_debtrank_equals_node_loop_reference(network, variant):
    G, equity, shock = network
    fast = debtrank(G, equity, shock, variant=variant)
    slow = _debtrank_reference(G, equity, shock, variant=variant)
    assert fast.keys() == slow.keys()
    assert all(0.0 <= fast[n] <= 1.0 for n in fast)
    np.testing.assert_allclose([fast[n] for n in G], [slow[n] for n in G], rtol=0, atol=1e-12)


@st.composite
def stable_networks(draw):
    """Exposure networks whose leverage rows sum to at most 0.8 (so ρ(Λ) <= 0.8) and shocks <= 0.2."""
    n = draw(st.integers(2, 7))
    lev = np.array([[draw(st.floats(0.0, 1.0)) if i != j else 0.0 for j in range(n)] for i in range(n)])
    rows = lev.sum(axis=1, keepdims=True)
    lev = np.divide(lev, rows, out=np.zeros_like(lev), where=rows > 0) * draw(st.floats(0.0, 0.8))
    equity = {i: draw(st.floats(1.0, 10.0)) for i in range(n)}
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for i, j in zip(*np.nonzero(lev), strict=True):
        G.add_edge(i, j, exposure=lev[i, j] * equity[i])
    h1 = np.array([draw(st.floats(0.0, 0.2)) for _ in range(n)])
    return G, equity, lev, h1


@FAST
@given(stable_networks())
def test_differential_debtrank_is_the_linear_fixed_point(network):
    # Bardoscia et al. 2015: with ρ(Λ) < 1 and no node at 1, h(∞) = (I - Λ)^-1 h(1).
    G, equity, lev, h1 = network
    expected = np.linalg.solve(np.eye(len(h1)) - lev, h1)
    assert expected.max() <= 1.0  # 0.2 / (1 - 0.8): nothing is capped
    h = debtrank(G, equity, dict(enumerate(h1)), variant="bardoscia2015")
    np.testing.assert_allclose([h[i] for i in range(len(h1))], expected, rtol=1e-9, atol=1e-12)


@FAST
@given(exposure_networks(max_leverage=1.0))
def test_differential_debtrank_never_below_single_hit(network):
    # Leverage entries <= 1, so the single-hit impact W = min(1, Λ^T) is the same uncapped matrix.
    G, equity, shock = network
    single = debtrank(G, equity, shock)
    differential = debtrank(G, equity, shock, variant="bardoscia2015")
    assert all(differential[n] >= single[n] - 1e-12 for n in G)


def test_debtrank_impact_weights():
    G = nx.DiGraph([("a", "b", {"exposure": 1.0}), ("c", "b", {"exposure": 3.0})])
    h = {"a": 0.5, "b": 1.0, "c": 0.5}
    assert debtrank_impact(G, {"b": 1.0}, h) == 0.5
    # Equity-weighted (Bardoscia's H), counting only the propagated part
    assert debtrank_impact(G, {"b": 1.0}, h, value={"a": 1.0, "b": 2.0, "c": 1.0}) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="positive sum"):
        debtrank_impact(G, {"b": 1.0}, h, value={})


# EN-1: siebenbrunner/NetworkValuation, "Eisenberg and Noe 2001/Example.html" (README's 19.5455 is a typo).
EN1_L = {0: {1: 20, 2: 10}, 1: {0: 5, 2: 24}, 2: {0: 10}}
EN1_E = {0: 10, 1: 10, 2: 10}


def liability_graph(rows: dict) -> nx.DiGraph:
    return nx.DiGraph([(i, j, {"liability": x}) for i, row in rows.items() for j, x in row.items()])


def test_en1_matches_published_example():
    r = eisenberg_noe(liability_graph(EN1_L), EN1_E)
    assert r.payments == {0: exact(270 / 11), 1: exact(290 / 11), 2: exact(10.0)}
    assert r.defaulted == {0, 1}
    assert r.rounds == [{0}, {1}]  # successive default sets (waves) {0}, {0, 1}
    assert r.equity == {0: exact(-60 / 11), 1: exact(-29 / 11), 2: exact(30.0)}  # -5.4545, -2.6364, 30
    assert r.net_worth == {0: 0.0, 1: 0.0, 2: exact(30.0)}
    assert r.shortfall == exact(89 / 11)
    assert r.default_costs == pytest.approx(0.0, abs=1e-12)
    assert (r.alpha, r.beta) == (1.0, 1.0)


def _systemicrisk_example() -> tuple[nx.DiGraph, dict]:
    # R package systemicrisk (Gandy & Veraart), default_clearing() example: L all 1/2 off the diagonal,
    # external assets (1/2, 5/8, 3/4), external liabilities (3/2, 1/2, 1/2) modelled as debts to a sink.
    G = nx.DiGraph()
    G.add_edges_from((i, j, {"liability": 0.5}) for i in range(3) for j in range(3) if i != j)
    G.add_edges_from((i, "outside", {"liability": x}) for i, x in enumerate([1.5, 0.5, 0.5]))
    return G, {0: 0.5, 1: 0.625, 2: 0.75}


def test_published_eisenberg_noe_example_with_external_liabilities():
    G, e = _systemicrisk_example()
    r = eisenberg_noe(G, e)
    # printed: defaultind 1 1 0, clearingvec 1.473214 1.419643 1.500000
    assert r.defaulted == {0, 1}
    assert [r.payments[i] for i in range(3)] == [exact(165 / 112), exact(159 / 112), exact(1.5)]


def test_published_rogers_veraart_example():
    G, e = _systemicrisk_example()
    r = eisenberg_noe(G, e, alpha=0.5, beta=0.7)
    # printed: defaultind 1 1 1, clearingvec 0.5020200 0.5147049 0.5653806
    assert r.defaulted == {0, 1, 2}
    assert [r.payments[i] for i in range(3)] == pytest.approx([0.5020200, 0.5147049, 0.5653806], abs=5e-8)


def test_rogers_veraart_default_costs_cascade_by_hand():
    # A owes B 10, B owes C 10; e_A = 5, e_B = 6.
    # EN: A pays 5; B has 6 + 5 = 11 >= 10 and survives.
    # RV, alpha = beta = 1/2: round 1 only A fails (B has 6 + 10 = 16); A pays 1/2 * 5 = 2.5.
    # Round 2: B has 6 + 2.5 = 8.5 < 10 and fails, paying 1/2 * 6 + 1/2 * 2.5 = 4.25. Round 3: no change.
    # Default costs: A loses 5 - 2.5 = 2.5, B loses 8.5 - 4.25 = 4.25; C's net worth 4.25 = 11 - 6.75.
    G = liability_graph({"A": {"B": 10}, "B": {"C": 10}})
    en = eisenberg_noe(G, {"A": 5, "B": 6})
    assert en.payments == {"A": 5.0, "B": 10.0, "C": 0.0} and en.defaulted == {"A"}
    rv = eisenberg_noe(G, {"A": 5, "B": 6}, alpha=0.5, beta=0.5)
    assert rv.payments == {"A": 2.5, "B": 4.25, "C": 0.0}
    assert rv.rounds == [{"A"}, {"B"}]
    assert rv.default_costs == exact(6.75)
    assert rv.net_worth == {"A": 0.0, "B": 0.0, "C": 4.25}


def test_rogers_veraart_on_a_cycle_by_hand():
    # A owes B 10; B owes A 10 and C 10; e_A = 2, e_B = 1; Π[B][A] = Π[B][C] = 1/2.
    # Round 1: B has 1 + 10 < 20 and fails; A has 2 + 10 >= 10.
    # EN, round 2: p_B = 1 + p_A = 11, so A has 2 + 5.5 < 10 and fails; then p_A = 2 + p_B / 2 and
    #   p_B = 1 + p_A give p = (5, 6).
    # RV, alpha = beta = 1/2: p_B = 1/2 + 10/2 = 5.5; A has 2 + 2.75 < 10 and fails; then p_A = 1 + p_B / 4
    #   and p_B = 1/2 + p_A / 2 give p_B = 8/7, p_A = 9/7; C receives 4/7, so the costs are 3 - 4/7 = 17/7.
    G = liability_graph({"A": {"B": 10}, "B": {"A": 10, "C": 10}})
    en = eisenberg_noe(G, {"A": 2, "B": 1})
    assert en.payments == {"A": exact(5.0), "B": exact(6.0), "C": 0.0}
    assert en.rounds == [{"B"}, {"A"}]
    rv = eisenberg_noe(G, {"A": 2, "B": 1}, alpha=0.5, beta=0.5)
    assert rv.payments == {"A": exact(9 / 7), "B": exact(8 / 7), "C": 0.0}
    assert rv.net_worth["C"] == exact(4 / 7)
    assert rv.default_costs == exact(17 / 7)


def test_clearing_input_checks():
    G = liability_graph({"A": {"B": 1}})
    with pytest.raises(ValueError, match="alpha"):
        eisenberg_noe(G, {}, alpha=1.5)
    with pytest.raises(ValueError, match="non-negative"):
        eisenberg_noe(G, {"A": -1})
    with pytest.raises(KeyError):
        eisenberg_noe(G, {"Z": 1})
    with pytest.raises(nx.NetworkXNotImplemented):
        eisenberg_noe(nx.Graph(G), {})
    empty = eisenberg_noe(nx.DiGraph(), {})
    assert empty.payments == {} and empty.rounds == [] and empty.shortfall == 0.0


@st.composite
def liability_networks(draw):
    n = draw(st.integers(2, 7))
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for i in range(n):
        for j in range(n):
            if i != j and draw(st.booleans()):
                G.add_edge(i, j, liability=draw(st.integers(1, 20)))
    e = {i: draw(st.integers(0, 20)) for i in range(n)}
    return G, e


def _picard(G: nx.DiGraph, e: dict, alpha: float, beta: float) -> np.ndarray:
    """Iterate the clearing map from full payment; it decreases to the greatest clearing vector."""
    L = nx.to_numpy_array(G, nodelist=range(len(G)), weight="liability")
    p_bar = L.sum(axis=1)
    pi = np.divide(L, p_bar[:, None], out=np.zeros_like(L), where=p_bar[:, None] > 0)
    ext = np.array([e[i] for i in range(len(G))], dtype=float)
    p = p_bar.copy()
    for _ in range(100_000):
        received = pi.T @ p
        new = np.where(ext + received >= p_bar, p_bar, alpha * ext + beta * received)
        if np.abs(new - p).max() < 1e-13:
            return new
        p = new
    raise AssertionError("Picard iteration did not settle")


def _lp_clearing(G: nx.DiGraph, e: dict) -> np.ndarray:
    """Eisenberg–Noe Lemma 4: max sum(p) s.t. p <= e + Π^T p, 0 <= p <= p̄ is the greatest clearing vector."""
    n = len(G)
    L = nx.to_numpy_array(G, nodelist=range(n), weight="liability")
    p_bar = L.sum(axis=1)
    pi = np.divide(L, p_bar[:, None], out=np.zeros_like(L), where=p_bar[:, None] > 0)
    ext = np.array([e[i] for i in range(n)], dtype=float)
    res = linprog(-np.ones(n), A_ub=np.eye(n) - pi.T, b_ub=ext, bounds=list(zip([0] * n, p_bar, strict=True)))
    assert res.success
    return res.x


@FAST
@given(liability_networks())
def test_eisenberg_noe_properties(network):
    G, e = network
    r = eisenberg_noe(G, e)
    p = np.array([r.payments[i] for i in range(len(G))])
    p_bar = np.array([G.out_degree(i, weight="liability") for i in range(len(G))], dtype=float)
    assert (p >= 0).all() and (p <= p_bar + 1e-9).all()
    assert len(r.rounds) <= len(G)
    assert set().union(*r.rounds) == r.defaulted and sum(map(len, r.rounds)) == len(r.defaulted)
    assert r.defaulted == {i for i in range(len(G)) if p[i] < p_bar[i] - 1e-9}
    # Closed system: net worths add up to the external assets.
    assert sum(r.net_worth.values()) == pytest.approx(sum(e.values()), abs=1e-8)
    np.testing.assert_allclose(p, _lp_clearing(G, e), atol=1e-6)


@FAST
@given(liability_networks(), st.floats(0.05, 0.95), st.floats(0.05, 0.95))
def test_rogers_veraart_properties(network, alpha, beta):
    G, e = network
    r = eisenberg_noe(G, e, alpha=alpha, beta=beta)
    p = np.array([r.payments[i] for i in range(len(G))])
    np.testing.assert_allclose(p, _picard(G, e, alpha, beta), atol=1e-9)
    assert len(r.rounds) <= len(G)
    # Default costs destroy exactly the value missing from the net worths.
    assert sum(r.net_worth.values()) == pytest.approx(sum(e.values()) - r.default_costs, abs=1e-8)
    # Costs only add defaults: every Eisenberg–Noe default is also a Rogers–Veraart default.
    assert eisenberg_noe(G, e).defaulted <= r.defaulted


@FAST
@given(liability_networks())
def test_rogers_veraart_without_costs_is_eisenberg_noe(network):
    G, e = network
    rv = eisenberg_noe(G, e, alpha=1.0, beta=1.0)
    p = np.array([rv.payments[i] for i in range(len(G))])
    np.testing.assert_allclose(p, _picard(G, e, 1.0, 1.0), atol=1e-8)
    np.testing.assert_allclose(p, _lp_clearing(G, e), atol=1e-6)
    assert rv.default_costs == pytest.approx(0.0, abs=1e-9)


def test_docstring_examples():
    assert doctest.testmod(contagion).failed == 0
