"""Colours, labels and size scales of the explorer: one place so the legend and the drawing agree."""

from __future__ import annotations

import math

from kg.records.vocab import DealKind, Status

TYPE_COLOURS: dict[str, str] = {
    "ai_lab": "#c026d3",
    "cloud_provider": "#0284c7",
    "chip_maker": "#16a34a",
    "big_tech": "#f59e0b",
    "investment_firm": "#4f46e5",
    "sovereign_fund": "#a16207",
    "joint_venture": "#0d9488",
    "data_center_operator": "#475569",
    "energy_company": "#dc2626",
    "company": "#9ca3af",
}
TYPE_LABELS: dict[str, str] = {
    "ai_lab": "AI lab",
    "cloud_provider": "Cloud provider",
    "chip_maker": "Chip maker",
    "big_tech": "Big Tech",
    "investment_firm": "Investment firm",
    "sovereign_fund": "Sovereign fund",
    "joint_venture": "Joint venture",
    "data_center_operator": "Data-centre operator",
    "energy_company": "Energy company",
    "company": "Company",
}
CATEGORY_COLOURS: dict[str, str] = {
    "investment": "#2563eb",
    "compute": "#ea580c",
    "chips": "#15803d",
    "debt": "#b91c1c",
    "joint_venture": "#7e22ce",
    "other": "#6b7280",
}
CATEGORY_LABELS: dict[str, str] = {
    "investment": "Investment",
    "compute": "Compute",
    "chips": "Chips",
    "debt": "Debt",
    "joint_venture": "Joint venture",
    "other": "Other",
}
KIND_LABELS: dict[str, str] = {k.value: k.value.replace("_", " ").capitalize() for k in DealKind}
STATUS_LABELS: dict[str, str] = {s.value: s.value.replace("_", " ").capitalize() for s in Status}
# Drawn dashed: not (yet) binding.
TENTATIVE_STATUSES = frozenset({"announced", "projected", "rumoured"})
CYCLE_GLOW = "rgba(250,204,21,0.95)"
CYCLE_BORDER = "#eab308"


def primary_type(types: object) -> str:
    """The node's colour/legend type: its first known type code, else "company"."""
    for code in types or ():  # type: ignore[attr-defined]
        if code in TYPE_COLOURS:
            return str(code)
    return "company"


def node_size(flow_usd: float) -> float:
    """Radius in px: 8 for no known flow, about 27 for $700B (log scale)."""
    return round(8 + 3.2 * math.log10(1 + max(flow_usd, 0.0) / 1e6), 2)


def edge_width(amount_usd: float | None) -> float:
    """Line width in px: 1 when undisclosed, about 6.5 for $300B (log scale)."""
    if not amount_usd or amount_usd <= 0:
        return 1.0
    return round(1 + 1.6 * math.log10(1 + amount_usd / 1e8), 2)


def node_colour(ptype: str, in_cycle: bool) -> dict[str, object]:
    fill = TYPE_COLOURS[ptype]
    return {
        "background": fill,
        "border": CYCLE_BORDER if in_cycle else "#ffffff",
        "highlight": {"background": fill, "border": "#111827"},
        "hover": {"background": fill, "border": "#111827"},
    }


def edge_style(category: str, amount_usd: float | None, status: str, up_to: bool, in_cycle: bool) -> dict:
    """vis edge properties; defaults (solid, no shadow) are left out to keep big pages small."""
    style: dict[str, object] = {
        "color": CATEGORY_COLOURS.get(category, CATEGORY_COLOURS["other"]),
        "width": edge_width(amount_usd),
    }
    if status == "cancelled":
        style["dashes"] = [2, 5]
    elif status in TENTATIVE_STATUSES or up_to:
        style["dashes"] = [8, 5]
    if in_cycle:
        style["shadow"] = {"enabled": True, "color": CYCLE_GLOW, "size": 10, "x": 0, "y": 0}
    return style
