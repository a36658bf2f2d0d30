"""Stress tests: "X pays only a fraction r of its commitments" and "X loses a fraction s of its value".

Three models, each a published one run on the network the deals imply:

- ``debtrank``: DebtRank (Battiston et al. 2012; ``variant="bardoscia2015"`` for the differential
  form of Bardoscia et al. 2015) on the claims network of :mod:`kg.metrics.exposure` (equity at
  risk, contracted revenue, credit), with each organisation's size as its capital buffer. X's
  initial distress is ``1 - r`` (or ``s``). Loss = final distress × size.
- ``eisenberg-noe``: Eisenberg–Noe (2001) clearing on the liabilities network: a customer owes its
  provider the committed purchases, a borrower owes its lender, an investor owes the investee a
  committed but not yet closed investment. X pays ``r`` of what it owes (or its external assets
  fall by ``s``); everyone else pays what the clearing vector allows. Loss = what a party was owed
  minus what it receives. Defaults are reported by round of fictitious default.
- ``rogers-veraart``: the same with default costs (Rogers & Veraart 2013): a defaulting party
  realises only ``alpha`` of its external assets and ``beta`` of its receivables.

External assets are each organisation's size (:mod:`kg.metrics.sizes`). Organisations without a
size figure (``unsized`` in the result says how many) are assumed able to meet their obligations in
the clearing models (external assets = what they owe); in DebtRank their claims cannot be weighed
and are left out. These are modelling choices, stated in every result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import networkx as nx
import numpy as np
import pandas as pd

from kg.analytics import debtrank, eisenberg_noe
from kg.metrics.exposure import claims_graph, direct_exposures
from kg.metrics.sizes import Size
from kg.projection.aggregate import leg_table
from kg.projection.bulk import bulk
from kg.records.vocab import COMMERCIAL_KINDS, FUNDING_KINDS

Method = Literal["debtrank", "eisenberg-noe", "rogers-veraart"]
METHODS = ("debtrank", "eisenberg-noe", "rogers-veraart")


@dataclass(frozen=True)
class StressResult:
    scenario: str
    method: str
    parameters: dict
    table: pd.DataFrame  # org, name, loss_usd, loss_fraction, size_usd, size_basis, defaulted, default_round
    rounds: list[list[str]] = field(default_factory=list)
    unsized: int = 0
    settings: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table


@bulk
def liabilities(legs: nx.MultiDiGraph) -> nx.DiGraph:
    """u → v with ``liability`` = what u owes v under the counted deals."""
    graph = nx.DiGraph()
    graph.add_nodes_from(legs.nodes)
    owed = _owed(leg_table(legs))
    graph.add_edges_from((u, v, {"liability": x}) for u, v, x in zip(
        owed["debtor"].tolist(), owed["creditor"].tolist(), owed["liability"].tolist(), strict=True))
    return graph


def _owed(table: pd.DataFrame) -> pd.DataFrame:
    """debtor, creditor, liability: one row per pair, in the order the pairs first appear in ``table``."""
    amount = table["amount_usd"].to_numpy(dtype=float)
    kind = table["kind"].to_numpy(dtype=object)
    money = (table["flow"].to_numpy(dtype=object) == "money") & ~np.isnan(amount) & (amount != 0)
    debt = money & (kind == "debt_financing")  # the borrower (taker) owes the lender
    # a purchase commitment, or a committed investment not yet paid in: the payer owes the payee
    pays = money & (np.isin(kind, list(COMMERCIAL_KINDS))
                    | (np.isin(kind, list(FUNDING_KINDS)) & (table["status"].to_numpy(dtype=object) != "closed")))
    giver, taker = table["giver"].to_numpy(dtype=object), table["taker"].to_numpy(dtype=object)
    rows = pd.DataFrame({"debtor": np.where(debt, taker, giver), "creditor": np.where(debt, giver, taker),
                         "liability": amount})[debt | pays]
    return rows.groupby(["debtor", "creditor"], sort=False, as_index=False)["liability"].sum()


@bulk
def stress(legs: nx.MultiDiGraph, sizes: dict[str, Size], fail: str, *, pays: float | None = None,
           loses: float | None = None, method: Method = "debtrank", variant: str = "battiston2012",
           alpha: float = 0.5, beta: float = 0.5) -> StressResult:
    """Run one scenario on ``fail``: it pays only ``pays`` of its commitments, or loses ``loses`` of its value."""
    if (pays is None) == (loses is None):
        raise ValueError("give exactly one of pays (fraction paid) or loses (fraction of value lost)")
    fraction = pays if pays is not None else loses
    if not 0 <= fraction <= 1:  # type: ignore[operator]
        raise ValueError(f"fractions are on the 0–1 scale, got {fraction}")
    if fail not in legs:
        raise ValueError(f"unknown organisation {fail!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    scenario = (f"{fail} pays {pays:.0%} of its commitments" if pays is not None
                else f"{fail} loses {loses:.0%} of its value")
    settings = dict(legs.graph.get("settings", {}))
    if method == "debtrank":
        shock = 1 - pays if pays is not None else loses
        return _debtrank(legs, sizes, fail, shock, variant, scenario, settings)  # type: ignore[arg-type]
    a, b = (1.0, 1.0) if method == "eisenberg-noe" else (alpha, beta)
    return _clearing(legs, sizes, fail, pays, loses, a, b, method, scenario, settings)


def _frame(legs: nx.MultiDiGraph, sizes: dict[str, Size], losses: dict[str, float],
           defaulted: dict[str, int]) -> pd.DataFrame:
    rows = []
    for org in (n for n in legs if n in losses or n in defaulted):
        loss = losses.get(org, 0.0)
        if loss <= 0 and org not in defaulted:
            continue
        size = sizes.get(org)
        rows.append({"org": org, "name": legs.nodes[org].get("label", org), "loss_usd": loss,
                     "loss_fraction": loss / size.usd if size else None, "size_usd": size.usd if size else None,
                     "size_basis": size.basis if size else None, "defaulted": org in defaulted,
                     "default_round": defaulted.get(org)})
    frame = pd.DataFrame(rows, columns=["org", "name", "loss_usd", "loss_fraction", "size_usd", "size_basis",
                                        "defaulted", "default_round"]).astype(
        {"loss_usd": float, "loss_fraction": float, "size_usd": float, "defaulted": bool, "default_round": float})
    return frame.sort_values(["loss_usd", "org"], ascending=[False, True], ignore_index=True)


def _debtrank(legs: nx.MultiDiGraph, sizes: dict[str, Size], fail: str, shock: float, variant: str,
              scenario: str, settings: dict) -> StressResult:
    exposures = direct_exposures(legs, sizes)
    claims = exposures[exposures["at_risk"].to_numpy() > 0]
    # a holder needs a capital buffer; claims of organisations without a size cannot be weighed
    held = claims_graph(claims[claims["holder"].isin(sizes.keys()).to_numpy()])
    held.add_node(fail)
    equity = {n: sizes[n].usd for n in held if n in sizes}
    h = debtrank(held, {**equity, fail: equity.get(fail, 1.0)}, {fail: shock}, variant=variant)
    losses = {n: h[n] * equity[n] for n in h if n in equity and n != fail}
    if fail in sizes:
        losses[fail] = shock * sizes[fail].usd
    unsized = len(set(claims["holder"].tolist()) - set(sizes))
    return StressResult(scenario, "debtrank", {"variant": variant, "initial_distress": shock},
                        _frame(legs, sizes, losses, {}), [], unsized, settings)


def _clearing(legs: nx.MultiDiGraph, sizes: dict[str, Size], fail: str, pays: float | None, loses: float | None,
              alpha: float, beta: float, method: str, scenario: str, settings: dict) -> StressResult:
    owed = _owed(leg_table(legs))
    nodes = list(legs)
    index = {n: i for i, n in enumerate(nodes)}
    debtor = owed["debtor"].map(index).to_numpy(dtype=np.int64)
    creditor = owed["creditor"].map(index).to_numpy(dtype=np.int64)
    liability = owed["liability"].to_numpy(dtype=float)
    nominal_in = np.bincount(creditor, weights=liability, minlength=len(nodes))
    owes = np.bincount(debtor, weights=liability, minlength=len(nodes))
    sized = np.array([n in sizes for n in nodes], dtype=bool)
    external = np.array([sizes[n].usd if n in sizes else 0.0 for n in nodes], dtype=float)
    external[~sized] = owes[~sized]  # assumed able to pay what it owes
    assumed = int(np.count_nonzero(~sized & (owes != 0)))
    received_from_fail = np.zeros(len(nodes))
    from_fail = debtor == index[fail]
    if pays is not None:
        # the failing party pays its creditors exogenously; the rest clears around it
        np.add.at(received_from_fail, creditor[from_fail], pays * liability[from_fail])
        external += received_from_fail
        debtor, creditor, liability = debtor[~from_fail], creditor[~from_fail], liability[~from_fail]
    else:
        external[index[fail]] *= 1 - loses  # type: ignore[operator]
    network = nx.DiGraph()
    network.add_nodes_from(nodes)
    network.add_edges_from((nodes[u], nodes[v], {"liability": x}) for u, v, x in zip(
        debtor.tolist(), creditor.tolist(), liability.tolist(), strict=True))
    result = eisenberg_noe(network, dict(zip(nodes, external.tolist(), strict=True)), alpha=alpha, beta=beta)
    # each debtor pays its creditors pro rata to what it owes them
    total = np.bincount(debtor, weights=liability, minlength=len(nodes))
    paid = np.array([result.payments.get(n, 0.0) for n in nodes], dtype=float)
    received = received_from_fail + np.bincount(creditor, weights=paid[debtor] * liability / total[debtor],
                                                minlength=len(nodes))
    shortfall = nominal_in - received
    losses = {nodes[i]: float(shortfall[i]) for i in np.flatnonzero(shortfall > 1e-6)}
    defaulted = {n: i for i, wave in enumerate(result.rounds, start=1) for n in wave}
    if pays is not None and pays < 1:
        defaulted[fail] = 0  # the trigger
    rounds = [sorted(wave) for wave in result.rounds]
    return StressResult(scenario, method, {"alpha": alpha, "beta": beta}, _frame(legs, sizes, losses, defaulted),
                        rounds, assumed, settings)
