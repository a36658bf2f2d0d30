"""``aikg metrics``: every analysis written to a folder as JSON and CSV, with the settings it used."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from kg.metrics import centrality, circularity, concentration, exposure, stress
from kg.metrics.sizes import Size
from kg.output import staged
from kg.records.names import resolve

MAJOR_LABS = ("openai", "anthropic", "xai", "mistral-ai")


def _write(frame: pd.DataFrame, folder: Path, name: str, meta: dict[str, Any]) -> str:
    frame.to_csv(folder / f"{name}.csv", index=False)
    record = {**meta, "rows": json.loads(frame.to_json(orient="records", date_format="iso"))}
    (folder / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return name


def write_metrics(grouped: nx.MultiDiGraph, sizes: Mapping[str, Size], folder: Path, *, stress_fail: str = "openai",
                  pays: float = 0.4) -> list[str]:
    """Write exposure to the major labs, concentration, cycles, centrality and stress tests; returns names.

    ``grouped`` is the projection with subsidiaries merged into their groups (its settings are stated in
    every file); ``sizes`` the organisations' sizes as of its date. The files replace those in ``folder``
    only once all are written (see :func:`kg.output.staged`).
    """
    with staged(folder) as staging:
        return _write_all(grouped, sizes, staging, stress_fail, pays)


def _write_all(grouped: nx.MultiDiGraph, sizes: Mapping[str, Size], folder: Path, stress_fail: str,
               pays: float) -> list[str]:
    base = {"settings": grouped.graph["settings"]}
    sized = dict(sizes)
    written = []
    labs = [x for x in MAJOR_LABS if x in grouped]
    for lab in labs:
        written.append(_write(exposure.exposed_to(grouped, sized, lab), folder, f"exposed_to_{lab}", base))
    rows = []
    for lab in labs:
        c = concentration.concentration(grouped, lab, "funders")
        rows.append({"subject": lab, "kind": "funders", "hhi": c.hhi, "label": c.label, "top1": c.top1,
                     "top3": c.top3, "undisclosed": c.undisclosed})
    market = concentration.concentration(grouped, None, "market")
    rows.append({"subject": "market", "kind": "market", "hhi": market.hhi, "label": market.label,
                 "top1": market.top1, "top3": market.top3, "undisclosed": market.undisclosed})
    written.append(_write(pd.DataFrame(rows), folder, "concentration", base))
    cycles = circularity.find_cycles(grouped, group_subsidiaries=False)
    meta = {**base, "max_len": cycles.max_len, "max_cycles": cycles.max_cycles, "truncated": cycles.truncated}
    written.append(_write(cycles.table, folder, "cycles", meta))
    written.append(_write(cycles.legs, folder, "cycle_legs", meta))
    ranked = centrality.centrality(grouped)
    written.append(_write(ranked, folder, "centrality", {**base, "betweenness": ranked.attrs.get("betweenness")}))
    subject = resolve(grouped, stress_fail)
    for method in ("debtrank", "eisenberg-noe", "rogers-veraart"):
        result = stress.stress(grouped, sized, subject, pays=pays, method=method)  # type: ignore[arg-type]
        meta = {**base, "scenario": result.scenario, "method": result.method, "parameters": result.parameters,
                "rounds": result.rounds, "unsized": result.unsized}
        written.append(_write(result.table, folder, f"stress_{method.replace('-', '_')}", meta))
    return written
