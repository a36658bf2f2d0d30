"""``aikg metrics``: every analysis written to a folder as JSON and CSV, with the settings it used."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph

MAJOR_LABS = ("openai", "anthropic", "xai", "mistral-ai")


def _write(frame: pd.DataFrame, folder: Path, name: str, meta: dict[str, Any]) -> str:
    frame.to_csv(folder / f"{name}.csv", index=False)
    record = {**meta, "rows": json.loads(frame.to_json(orient="records", date_format="iso"))}
    (folder / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return name


def write_metrics(graph: KnowledgeGraph, folder: Path, *, stress_fail: str = "openai", pays: float = 0.4,
                  **settings: Any) -> list[str]:
    """Write exposure to the major labs, concentration, cycles, centrality and stress tests; returns names."""
    folder.mkdir(parents=True, exist_ok=True)
    base = {"settings": graph.legs(group_subsidiaries=True, **settings).graph["settings"]}
    written = []
    labs = [x for x in MAJOR_LABS if x in graph.legs(**settings)]
    for lab in labs:
        written.append(_write(graph.exposed_to(lab, **settings), folder, f"exposed_to_{lab}", base))
    rows = []
    for lab in labs:
        c = graph.concentration(lab, "funders", **settings)
        rows.append({"subject": lab, "kind": "funders", "hhi": c.hhi, "label": c.label, "top1": c.top1,
                     "top3": c.top3, "undisclosed": c.undisclosed})
    market = graph.concentration(None, "market", **settings)
    rows.append({"subject": "market", "kind": "market", "hhi": market.hhi, "label": market.label,
                 "top1": market.top1, "top3": market.top3, "undisclosed": market.undisclosed})
    written.append(_write(pd.DataFrame(rows), folder, "concentration", base))
    cycles = graph.cycles(**settings)
    meta = {**base, "max_len": cycles.max_len, "max_cycles": cycles.max_cycles, "truncated": cycles.truncated}
    written.append(_write(cycles.table, folder, "cycles", meta))
    written.append(_write(cycles.legs, folder, "cycle_legs", meta))
    written.append(_write(graph.centrality(**settings), folder, "centrality", base))
    for method in ("debtrank", "eisenberg-noe", "rogers-veraart"):
        result = graph.stress(stress_fail, pays=pays, method=method, **settings)
        meta = {**base, "scenario": result.scenario, "method": result.method, "parameters": result.parameters,
                "rounds": result.rounds, "unsized": result.unsized}
        written.append(_write(result.table, folder, f"stress_{method.replace('-', '_')}", meta))
    return written
