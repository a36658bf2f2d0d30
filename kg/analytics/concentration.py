"""Concentration of a distribution of amounts: Herfindahl–Hirschman index, agency labels, top-k shares.

The US agencies define HHI over *market* shares; applying it to customer, revenue or backlog (RPO)
concentration is an analogy, and the labels below are quoted as such.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping

import numpy as np

__all__ = [
    "HHI_HIGH",
    "HHI_MODERATE",
    "HHI_SIGNIFICANT_DELTA",
    "concentration_label",
    "hhi",
    "hhi_bounds",
    "hhi_bounds_undisclosed",
    "top_k_shares",
]

# 2023 Merger Guidelines (DOJ/FTC, in force; retained 18 Feb 2025), as stated on the DOJ HHI page with
# reference to Merger Guidelines § 2.1 (2023): HHI between 1,000 and 1,800 is moderately concentrated,
# in excess of 1,800 highly concentrated. Guideline 1 presumes a merger illegal when the market is
# highly concentrated and the merger raises HHI by more than 100.
HHI_MODERATE = 1_000
HHI_HIGH = 1_800
HHI_SIGNIFICANT_DELTA = 100


def _amounts(values: Mapping[Hashable, float] | Iterable[float]) -> list[tuple[Hashable, float]]:
    items = list(values.items()) if isinstance(values, Mapping) else list(enumerate(values))
    if not items:
        raise ValueError("at least one amount is needed")
    if any(not v >= 0 for _, v in items):
        raise ValueError("amounts must be non-negative numbers")
    if not any(v > 0 for _, v in items):
        raise ValueError("amounts must have a positive sum")
    return items


def hhi(values: Mapping[Hashable, float] | Iterable[float]) -> float:
    """Herfindahl–Hirschman index on the 0–10,000 scale.

    Parameters
    ----------
    values : mapping or iterable of float
        Non-negative amounts or shares (any unit: they are normalised to shares of their sum). A
        mapping's values are used, so relabelling participants does not change the result.

    Returns
    -------
    float
        ``sum_i (100 s_i)^2`` with ``s_i`` the share of participant *i*: 10,000 for a monopoly, near 0
        for many equal participants.

    Example
    -------
    HHI-1, the DOJ's example of four firms with 30, 30, 20 and 20 percent:

    >>> hhi([30, 30, 20, 20])
    2600.0

    References
    ----------
    U.S. Department of Justice, "Herfindahl-Hirschman Index",
    https://www.justice.gov/atr/herfindahl-hirschman-index ; U.S. DOJ & FTC, Merger Guidelines (2023),
    § 2.1 (Guideline 1), https://www.justice.gov/atr/merger-guidelines/applying-merger-guidelines/guideline-1
    """
    # Scaling by a power of two is exact and keeps the squares away from overflow and underflow.
    amounts = [v for _, v in _amounts(values)]
    exponent = math.frexp(max(amounts))[1]
    scaled = [math.ldexp(v, -exponent) for v in amounts]
    total = math.fsum(scaled)
    return 10_000.0 * math.fsum(v * v for v in scaled) / (total * total)


def concentration_label(hhi_value: float) -> str:
    """Concentration band of an HHI under the 2023 US Merger Guidelines.

    Parameters
    ----------
    hhi_value : float
        An HHI on the 0–10,000 scale.

    Returns
    -------
    str
        ``"highly concentrated"`` above 1,800; ``"moderately concentrated"`` from 1,000 to 1,800;
        ``"unconcentrated"`` below 1,000. Guideline 1 itself states only the 1,800 threshold (with a
        change above 100 raising a presumption); the 1,000–1,800 moderate band is the one the DOJ HHI page
        gives with reference to § 2.1 of the 2023 Guidelines.

    Example
    -------
    >>> concentration_label(2600.0), concentration_label(1800.0), concentration_label(785.0)
    ('highly concentrated', 'moderately concentrated', 'unconcentrated')

    References
    ----------
    U.S. DOJ & FTC, Merger Guidelines (2023), § 2.1; DOJ HHI page,
    https://www.justice.gov/atr/herfindahl-hirschman-index (retention of the 2023 Guidelines announced
    18 Feb 2025).
    """
    if not 0 <= hhi_value <= 10_000:
        raise ValueError(f"an HHI lies in [0, 10000], got {hhi_value!r}")
    if hhi_value > HHI_HIGH:
        return "highly concentrated"
    if hhi_value >= HHI_MODERATE:
        return "moderately concentrated"
    return "unconcentrated"


def top_k_shares(values: Mapping[Hashable, float] | Iterable[float], k: int) -> list[tuple[Hashable, float]]:
    """The ``k`` largest participants and their shares of the total, largest first.

    Parameters
    ----------
    values : mapping or iterable of float
        Non-negative amounts; for an iterable, participants are labelled by position.
    k : int
        How many to return (fewer if there are fewer participants).

    Returns
    -------
    list of (label, share)
        Shares are fractions of the total (0–1); their sum is the concentration ratio CR_k. Ties keep
        the input order.

    Example
    -------
    >>> top_k_shares({"Microsoft": 62.0, "OpenAI": 20.0, "other": 18.0}, 2)
    [('Microsoft', 0.62), ('OpenAI', 0.2)]
    """
    if k < 0:
        raise ValueError(f"k must be non-negative, got {k}")
    items = _amounts(values)
    total = math.fsum(v for _, v in items)
    ranked = sorted(items, key=lambda item: -item[1])
    return [(label, v / total) for label, v in ranked[:k]]


def hhi_bounds(known_shares: Iterable[float], max_other_share: float = 10.0) -> tuple[float, float]:
    """Range of HHI consistent with a partial disclosure of shares.

    Under ASC 280-10-50-42 an entity names (anonymously) every customer with at least 10% of revenue,
    so all undisclosed customers are below 10%. With the disclosed shares ``K`` (percent) and the
    remainder ``r = 100 - sum K`` spread over participants each at most ``max_other_share``:

    * lower bound ``sum K^2`` (remainder infinitely fragmented; an infimum);
    * upper bound ``sum K^2 + q s^2 + (r - q s)^2`` with ``s = max_other_share`` and ``q = floor(r / s)``
      (remainder in as few pieces as allowed; a supremum when the cap is strict).

    Parameters
    ----------
    known_shares : iterable of float
        Disclosed shares in percent.
    max_other_share : float
        Largest possible share (percent) of any undisclosed participant.

    Returns
    -------
    (float, float)
        Lower and upper bound of the HHI (0–10,000 scale).

    Example
    -------
    HHI-3: Nvidia's two direct customers at 23% and 16% of Q2 FY2026 revenue.

    >>> hhi_bounds([23, 16])
    (785.0, 1386.0)

    The simpler bound ``sum x^2 <= max(x) sum x`` gives 785 + 61 * 10 = 1395, which is looser.

    References
    ----------
    FASB ASC 280-10-50-42 (major-customer disclosure), Deloitte DART roadmap § 5.7; DOJ HHI page.
    """
    known = [float(x) for x in known_shares]
    if any(not 0 <= x <= 100 for x in known):
        raise ValueError("shares are percentages in [0, 100]")
    rest = 100.0 - math.fsum(known)
    if rest < -1e-9:
        raise ValueError("the known shares add up to more than 100%")
    rest = max(rest, 0.0)
    if rest > 0 and not max_other_share > 0:
        raise ValueError("max_other_share must be positive when part of the total is undisclosed")
    low = math.fsum(x * x for x in known)
    if rest == 0:
        return low, low
    pieces = math.floor(rest / max_other_share)
    left = rest - pieces * max_other_share
    return low, low + pieces * max_other_share**2 + left * left


def hhi_bounds_undisclosed(known: Mapping[Hashable, float], undisclosed: Iterable[Hashable]) -> tuple[float, float]:
    """Range of HHI consistent with known amounts and some amounts of unknown, unbounded size.

    ``known`` holds each participant's known amount; ``undisclosed`` names the participants that also
    have (or only have) amounts without a figure. Any non-negative value is possible for those, so an
    undisclosed amount can dominate the total: the upper bound is 10,000 (a supremum). The lower bound
    is the least HHI over every way of adding non-negative amounts to the named participants: for a
    total ``S`` each named participant is raised to a common level (water-filling) while the others
    keep their known amounts; the least value over ``S`` is found on a fine grid of ``1/S`` refined by
    bounded search (within 0.01 HHI points), and tends to ``10,000 / m`` for ``m`` named participants
    as ``S`` grows.

    Parameters
    ----------
    known : mapping of participant to float
        Known non-negative amounts (participants with only undisclosed amounts may be absent or 0).
    undisclosed : iterable of participants
        Participants with at least one amount without a figure.

    Returns
    -------
    (float, float)
        Lower and upper bound (0–10,000 scale); both the HHI of ``known`` when nothing is undisclosed.

    Example
    -------
    One known customer and one whose amount is undisclosed: anything from an even split (5,000) to
    either of them alone (10,000).

    >>> hhi_bounds_undisclosed({"oracle": 300.0}, ["openai"])
    (5000.0, 10000.0)
    >>> hhi_bounds_undisclosed({"a": 50.0, "b": 50.0}, [])
    (5000.0, 5000.0)
    """
    from scipy.optimize import minimize_scalar

    named = set(undisclosed)
    if not named:
        value = hhi(known)
        return value, value
    fixed = np.array([float(v) for k, v in known.items() if k not in named])
    floors = np.sort(np.array([float(known.get(k, 0.0)) for k in named]))
    total_known = math.fsum(fixed) + math.fsum(floors)
    # the water level in closed form: with the floors sorted, raising the j lowest to level L gives
    # g(L) = j*L + sum(floors[j:]); g at the floors themselves (reached[j]) is non-decreasing, so the j
    # raised at a given mass is found by binary search
    above = np.append(np.cumsum(floors[::-1])[::-1], 0.0)  # above[j] = sum(floors[j:])
    squares_above = np.append(np.cumsum((floors * floors)[::-1])[::-1], 0.0)
    reached = np.arange(len(floors)) * floors + above[:-1]
    fixed_total, fixed_squares = float(fixed.sum()), float(np.dot(fixed, fixed))

    def at(t: float) -> float:  # HHI (0-1 scale) at total 1/t: the named raised to a common level
        left = 1.0 - fixed_total * t  # the mass the named participants share
        raised = int(np.searchsorted(reached * t, left, side="right"))
        level = (left - above[raised] * t) / raised if raised else 0.0
        return float(t * t * (fixed_squares + squares_above[raised]) + raised * level * level)

    if total_known <= 0:
        return 10_000.0 / len(floors), 10_000.0
    t_max = 1.0 / total_known  # no undisclosed mass at all
    grid = [t_max * i / 400 for i in range(1, 401)]
    values = [at(t) for t in grid]
    best = min(range(len(grid)), key=values.__getitem__)
    low_t, high_t = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    refined = minimize_scalar(at, bounds=(low_t, high_t), method="bounded", options={"xatol": 1e-12})
    least = min(values[best], float(refined.fun), 1.0 / len(floors))
    return round(least * 10_000, 2), 10_000.0
