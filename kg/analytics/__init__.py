"""General network-risk algorithms, as plain functions on networkx graphs (no aikg data model).

Each function takes a graph (and plain mappings) and returns plain data or a small frozen dataclass.
The edge conventions are stated in each module; see also ``../shared/research/analytics.md``.
"""

from kg.analytics.centrality import betweenness, pagerank
from kg.analytics.concentration import (
    HHI_HIGH,
    HHI_MODERATE,
    HHI_SIGNIFICANT_DELTA,
    concentration_label,
    hhi,
    hhi_bounds,
    hhi_bounds_undisclosed,
    top_k_shares,
)
from kg.analytics.contagion import ClearingResult, debtrank, debtrank_impact, eisenberg_noe
from kg.analytics.cycles import CycleResult, money_cycles
from kg.analytics.ownership import cross_holding_dependency, look_through

__all__ = [
    "HHI_HIGH",
    "HHI_MODERATE",
    "HHI_SIGNIFICANT_DELTA",
    "ClearingResult",
    "CycleResult",
    "betweenness",
    "concentration_label",
    "cross_holding_dependency",
    "debtrank",
    "debtrank_impact",
    "eisenberg_noe",
    "hhi",
    "hhi_bounds",
    "hhi_bounds_undisclosed",
    "look_through",
    "money_cycles",
    "pagerank",
    "top_k_shares",
]
