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
from kg.output.progress import Progress, silent
from kg.records.names import resolve

MAJOR_LABS = ("openai", "anthropic", "xai", "mistral-ai")


def _write(frame: pd.DataFrame, folder: Path, name: str, meta: dict[str, Any]) -> str:
    frame.to_csv(folder / f"{name}.csv", index=False)
    record = {**meta, "rows": json.loads(frame.to_json(orient="records", date_format="iso"))}
    (folder / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return name


def write_metrics(grouped: nx.MultiDiGraph, sizes: Mapping[str, Size], folder: Path, *, stress_fail: str = "openai",
                  pays: float = 0.4, progress: Progress = silent) -> list[str]:
    """Write exposure to the major labs, concentration, cycles, centrality and stress tests; returns names.

    ``grouped`` is the projection with subsidiaries merged into their groups (its settings are stated in
    every file); ``sizes`` the organisations' sizes as of its date. The files replace those in ``folder``
    only once all are written (see :func:`kg.output.staged`).
    """
    tables = metric_tables(grouped, sizes, stress_fail=stress_fail, pays=pays, progress=progress)
    with staged(folder) as staging:
        return [_write(frame, staging, name, meta) for name, (frame, meta) in tables.items()]


def metric_tables(grouped: nx.MultiDiGraph, sizes: Mapping[str, Size], *, stress_fail: str = "openai",
                  pays: float = 0.4, progress: Progress = silent) -> dict[str, tuple[pd.DataFrame, dict[str, Any]]]:
    """Every analysis :func:`write_metrics` writes, by file name: its table and what it states beside the rows
    (the settings, and each analysis' own parameters); ``progress`` hears of each analysis as it starts."""
    base = {"settings": grouped.graph["settings"]}
    sized = dict(sizes)
    tables: dict[str, tuple[pd.DataFrame, dict[str, Any]]] = {}
    labs = [x for x in MAJOR_LABS if x in grouped]
    steps = len(labs) + 6  # exposures, concentration, cycles, centrality, three stress tests
    for lab in labs:
        progress(f"who is exposed to {lab}", len(tables), steps)
        tables[f"exposed_to_{lab}"] = (exposure.exposed_to(grouped, sized, lab), base)
    progress("concentration", len(labs), steps)
    rows = []
    for lab in labs:
        c = concentration.concentration(grouped, lab, "funders")
        rows.append({"subject": lab, "kind": "funders", "hhi": c.hhi, "label": c.label, "top1": c.top1,
                     "top3": c.top3, "undisclosed": c.undisclosed})
    market = concentration.concentration(grouped, None, "market")
    rows.append({"subject": "market", "kind": "market", "hhi": market.hhi, "label": market.label,
                 "top1": market.top1, "top3": market.top3, "undisclosed": market.undisclosed})
    tables["concentration"] = (pd.DataFrame(rows), base)
    progress("circular deals", len(labs) + 1, steps)
    cycles = circularity.find_cycles(grouped, group_subsidiaries=False)
    meta = {**base, "max_len": cycles.max_len, "max_cycles": cycles.max_cycles, "truncated": cycles.truncated}
    tables["cycles"] = (cycles.table, meta)
    tables["cycle_legs"] = (cycles.legs, meta)
    progress("centrality", len(labs) + 2, steps)
    ranked = centrality.centrality(grouped)
    tables["centrality"] = (ranked, {**base, "betweenness": ranked.attrs.get("betweenness")})
    subject = resolve(grouped, stress_fail)
    for done, method in enumerate(("debtrank", "eisenberg-noe", "rogers-veraart"), len(labs) + 3):
        progress(f"stress test ({method})", done, steps)
        result = stress.stress(grouped, sized, subject, pays=pays, method=method)  # type: ignore[arg-type]
        meta = {**base, "scenario": result.scenario, "method": result.method, "parameters": result.parameters,
                "rounds": result.rounds, "unsized": result.unsized}
        tables[f"stress_{method.replace('-', '_')}"] = (result.table, meta)
    return tables
