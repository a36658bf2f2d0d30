"""Who is exposed to whom: direct exposure by channel, look-through ownership, and contagion.

Channels of A's direct exposure to B, read off the deal legs of the projection:

- ``equity_at_risk``: the value of A's stake in B: the stake times B's size when both are known,
  else what A paid for it (cost basis); the ``equity_basis`` column says which.
- ``contracted_revenue``: what B has committed to pay A for compute, chips or services (A's
  backlog from B).
- ``credit``: what A has lent to B.
- ``supplier_dependence``: what A has committed to buy from B (not a claim on B, but A needs B).

The first three are claims A loses if B fails; their sum is ``at_risk``. Figures relative to A's
size use :mod:`kg.metrics.sizes` and say which yardstick was used.
"""

from __future__ import annotations

import datetime as dt

import networkx as nx
import numpy as np
import pandas as pd

from kg.analytics import debtrank, look_through
from kg.metrics.sizes import Size
from kg.projection.aggregate import derived, leg_table
from kg.projection.bulk import bulk
from kg.projection.legs import ALLOCATED
from kg.records.vocab import COMMERCIAL_KINDS

LOSS_CHANNELS = ("equity_at_risk", "contracted_revenue", "credit")
CHANNELS = (*LOSS_CHANNELS, "supplier_dependence")


def contributions(legs: nx.MultiDiGraph) -> pd.DataFrame:
    """What each leg adds to a direct exposure: one row per leg and channel it feeds, with columns
    holder, on, channel, usd, deal, date, stake.

    ``channel`` is ``invested`` (an equity leg: the holder's cost, NaN when undisclosed, and the
    stake it states), ``contracted_revenue``, ``supplier_dependence`` (a commercial money leg feeds
    both, one for each side) or ``credit``. A leg without a figure adds nothing to the sums but is
    counted (``usd`` NaN); ``basis`` says how a figure was found (see :mod:`kg.projection.legs`).
    """
    table = leg_table(legs)
    flow, kind = table["flow"].to_numpy(dtype=object), table["kind"].to_numpy(dtype=object)
    money = flow == "money"
    commercial = money & np.isin(kind, list(COMMERCIAL_KINDS))
    parts = [
        # the investee (giver) hands equity to the investor (taker): the taker holds a stake in the giver
        (table[(flow == "equity") & (kind != "warrant")], "taker", "giver", "invested"),
        (table[commercial], "taker", "giver", "contracted_revenue"),  # the provider's backlog
        (table[commercial], "giver", "taker", "supplier_dependence"),  # the customer's need
        (table[money & (kind == "debt_financing")], "giver", "taker", "credit"),
    ]
    return pd.concat([pd.DataFrame({"holder": rows[holder].to_numpy(dtype=object),
                                    "on": rows[on].to_numpy(dtype=object), "channel": channel,
                                    **{c: rows[c].to_numpy() for c in ("amount_usd", "deal", "date", "stake",
                                                                       "basis")}})
                      for rows, holder, on, channel in parts], ignore_index=True).rename(columns={"amount_usd": "usd"})


@bulk
def direct_exposures(legs: nx.MultiDiGraph, sizes: dict[str, Size]) -> pd.DataFrame:
    """Every (holder, on) pair with a direct exposure of the holder to ``on``, ordered by both: the
    channels in USD, ``at_risk`` (the loss channels' sum) and ``equity_basis``."""
    return _exposures(contributions(legs), sizes, funding_rounds(legs))


_SUMMED = ("invested", *CHANNELS[1:])  # what is summed per pair: the cost of equity, then the other channels


# date (of the claim that counts), deal, new money, each investor's own money, the date first reported
Round = tuple[dt.date, str, float | None, dict[str, float], dt.date | None]


def funding_rounds(legs: nx.MultiDiGraph) -> dict[str, list[Round]]:
    """Each investee's counted funding rounds, oldest first: date, deal, the new money (the deal's own
    figure) and what each investor put in (its leg's figure, where known). Built once per legs graph
    (:func:`kg.projection.aggregate.derived`); callers must not modify it."""
    return derived(legs, "aikg_funding_rounds", _funding_rounds)


def _funding_rounds(legs: nx.MultiDiGraph) -> dict[str, list[Round]]:
    table = leg_table(legs)
    money = table[(table["flow"].to_numpy(dtype=object) == "money")
                  & (table["kind"].to_numpy(dtype=object) == "funding_round")]
    found: dict[tuple[str, str], dict[str, float]] = {}
    for giver, taker, deal, usd in zip(money["giver"], money["taker"], money["deal"], money["amount_usd"],
                                       strict=True):
        paid = found.setdefault((taker, deal), {})
        if usd == usd:  # NaN: this investor's money is unknown
            paid[giver] = float(usd)
    rounds: dict[str, list[Round]] = {}
    deals = legs.graph.get("deals", {})
    for (investee, deal), paid in found.items():
        record = deals.get(deal, {})
        if record.get("part_of") in deals:  # a tranche: its money is in the round it belongs to
            continue
        first = min((s["claim_date"] for s in record.get("sources") or () if s.get("claim_date")), default=None)
        rounds.setdefault(investee, []).append((record.get("date"), deal, record.get("amount_usd"), paid, first))
    for listed in rounds.values():
        listed.sort(key=lambda r: (r[0] or dt.date.min, r[1]))
    return rounds


def diluted(stake: float, since: dt.date, holder: str, rounds: list[Round],
            size: Size | None) -> tuple[float, list[str]]:
    """``stake`` (held since ``since``) after the later rounds: each round with new money ``M`` at post-money
    ``V`` (reported with the round's counted claim or with its first report) leaves ``stake * (1 - M / V)``,
    plus ``m / V`` for the holder's own money ``m`` in it. A round first reported before the stake was
    stated is taken to be in the stake already. A round
    without a known amount or post-money valuation cannot be applied; it is named with a "?". The
    stake stated with a round (the same date) already counts that round.

    >>> size = Size(200.0, "valuation_post", dt.date(2025, 6, 1), ((dt.date(2025, 6, 1), 200.0),))
    >>> diluted(0.5, dt.date(2025, 1, 1), "a", [(dt.date(2025, 6, 1), "r", 50.0, {"b": 50.0}, None)], size)
    (0.375, ['r'])
    """
    applied = []
    for day, deal, new_money, paid, first in rounds:
        if day is None or (first or day) <= since:  # reported before the stake: the stake counts it already
            continue
        # the valuation is reported with the close, or with the announcement months before it
        post = None if size is None else size.post_money(day) or (size.post_money(first) if first else None)
        if new_money is None or post is None or post <= new_money:
            applied.append(f"{deal}?")
            continue
        stake = stake * (1 - new_money / post) + paid.get(holder, 0.0) / post
        applied.append(deal)
    return stake, applied


def _exposures(contrib: pd.DataFrame, sizes: dict[str, Size],
               rounds: dict[str, list[Round]] | None = None) -> pd.DataFrame:
    m = len(contrib)
    # organisations numbered in name order, pairs as one integer each: the pairs come out sorted by (holder, on)
    codes, names = pd.factorize(np.r_[contrib["holder"].to_numpy(dtype=object), contrib["on"].to_numpy(dtype=object)],
                                sort=True)
    n = max(len(names), 1)
    pairs, pair = np.unique(codes[:m].astype(np.int64) * n + codes[m:], return_inverse=True)
    channel = pd.Categorical(contrib["channel"], categories=_SUMMED).codes.astype(np.int64)
    usd = contrib["usd"].to_numpy(dtype=float)
    sums = np.bincount(pair * len(_SUMMED) + channel, weights=np.where(np.isnan(usd), 0.0, usd),
                       minlength=len(pairs) * len(_SUMMED)).reshape(len(pairs), len(_SUMMED))
    # A stake is a holding, not an increment: value the latest stated stake at B's size; else the cost.
    stakes = contrib["stake"].to_numpy(dtype=float)
    stated = np.flatnonzero((channel == 0) & ~np.isnan(stakes))
    days = np.array(contrib["date"].to_numpy(dtype=object)[stated], dtype="datetime64[D]")
    order = stated[np.lexsort((stakes[stated], days, pair[stated]))]  # by pair, then date, then stake
    last = order[np.r_[pair[order][1:] != pair[order][:-1], True]] if len(order) else order
    stake = np.full(len(pairs), np.nan)
    stake[pair[last]] = stakes[last]
    on = pairs % n
    size = np.array([sizes[x].usd if x in sizes else np.nan for x in names], dtype=float)[on]
    invested = sums[:, 0]
    by_stake = ~np.isnan(stake) & ~np.isnan(size)
    frame = pd.DataFrame({"holder": names.astype(object)[pairs // n], "on": names.astype(object)[on],
                          "equity_at_risk": np.where(by_stake, stake * size, invested),
                          **{c: sums[:, i] for i, c in enumerate(_SUMMED) if i}})
    basis = np.where(invested != 0, "amount invested", None).astype(object)
    # a stake stated before later rounds is diluted by them (and topped up by the holder's own money in them)
    since = np.full(len(pairs), np.datetime64("NaT"), dtype="datetime64[D]")
    since[pair[last]] = np.array(contrib["date"].to_numpy(dtype=object)[last], dtype="datetime64[D]")
    holders = names.astype(object)[pairs // n]
    for i in np.flatnonzero(by_stake):
        target = names[on[i]]
        after, applied = diluted(stake[i], since[i].astype(object), holders[i], (rounds or {}).get(target, []),
                                 sizes.get(target))
        text = f"stake {stake[i]:.1%}"
        used = [a for a in applied if not a.endswith("?")]
        unknown = [a[:-1] for a in applied if a.endswith("?")]
        if used:
            text += f", diluted to {after:.1%} by {', '.join(used)}"
        if unknown:
            text += f" (later rounds without an amount or post-money valuation: {', '.join(unknown)})"
        basis[i] = f"{text} × {sizes[target].basis}"
        frame.loc[i, "equity_at_risk"] = after * size[i]
    frame["at_risk"] = frame[list(LOSS_CHANNELS)].sum(axis=1)
    frame["equity_basis"] = basis
    # how much of the claims rests on an equal split, and how many claims have no figure at all
    loss = channel < len(LOSS_CHANNELS)
    allocated = (contrib["basis"].to_numpy(dtype=object) == ALLOCATED) & loss
    frame["allocated_usd"] = np.bincount(pair, weights=np.where(allocated, np.nan_to_num(usd), 0.0),
                                         minlength=len(pairs))
    frame["undisclosed_legs"] = np.bincount(pair, weights=(np.isnan(usd) & loss).astype(float),
                                            minlength=len(pairs)).astype(np.int64)
    return frame


def _deals(contrib: pd.DataFrame) -> dict[tuple[str, str], str]:
    """The deals behind each (holder, on) pair of ``contrib``, sorted and joined."""
    unique = contrib[["holder", "on", "deal"]].drop_duplicates().sort_values(["holder", "on", "deal"])
    return {pair: ", ".join(deals) for pair, deals in unique.groupby(["holder", "on"], sort=False)["deal"]}


def _stake_graph(legs: nx.MultiDiGraph) -> nx.DiGraph:
    """Owner → owned with the largest stated stake (0–1) on any counted equity leg."""
    table = leg_table(legs)
    stated = table[(table["flow"].to_numpy(dtype=object) == "equity") & table["stake"].notna().to_numpy()]
    largest = stated.groupby(["taker", "giver"], sort=False)["stake"].max()
    stakes = nx.DiGraph()
    stakes.add_edges_from((owner, owned, {"stake": x}) for (owner, owned), x in largest.items())
    return stakes


def claims_graph(exposures: pd.DataFrame) -> nx.DiGraph:
    """u → v with ``exposure`` = u's claims on v (the DebtRank convention), from :func:`direct_exposures`."""
    held = exposures[exposures["at_risk"].to_numpy() > 0]
    graph = nx.DiGraph()
    graph.add_edges_from((a, b, {"exposure": x}) for a, b, x in zip(
        held["holder"].tolist(), held["on"].tolist(), held["at_risk"].tolist(), strict=True))
    return graph


def _relative(value: float, size: Size | None) -> float | None:
    return None if size is None else value / size.usd


@bulk
def exposure_table(legs: nx.MultiDiGraph, sizes: dict[str, Size], a: str, b: str | None = None) -> pd.DataFrame:
    """A's direct exposure to B (or to every counterparty), one row per counterparty and channel."""
    contrib = contributions(legs)
    contrib = contrib[contrib["holder"] == a]
    if b is not None:
        contrib = contrib[contrib["on"] == b]
    deals = _deals(contrib)
    rows = []
    kept = {"invested": "equity_at_risk"}
    per = contrib.assign(channel=contrib["channel"].map(lambda c: kept.get(c, c)),
                         allocated=np.where(contrib["basis"].to_numpy(dtype=object) == ALLOCATED,
                                            np.nan_to_num(contrib["usd"].to_numpy(dtype=float)), 0.0),
                         missing=contrib["usd"].isna().to_numpy())
    notes = per.groupby(["on", "channel"])[["allocated", "missing"]].sum()
    for pair in _exposures(contrib, sizes, funding_rounds(legs)).itertuples(index=False):
        for channel in CHANNELS:
            value = getattr(pair, channel)
            allocated, missing = notes.loc[(pair.on, channel)] if (pair.on, channel) in notes.index else (0.0, 0)
            if value or missing:
                rows.append({"org": a, "counterparty": pair.on, "channel": channel, "usd": value,
                             "allocated_usd": float(allocated), "undisclosed_legs": int(missing),
                             "relative_to_size": _relative(value, sizes.get(a)),
                             "size_basis": sizes[a].basis if a in sizes else None,
                             "equity_basis": pair.equity_basis if channel == "equity_at_risk" else None,
                             "deals": deals[(a, pair.on)]})
    return pd.DataFrame(rows, columns=["org", "counterparty", "channel", "usd", "allocated_usd", "undisclosed_legs",
                                       "relative_to_size", "size_basis", "equity_basis", "deals"]).astype(
        {"usd": float, "allocated_usd": float, "undisclosed_legs": "int64", "relative_to_size": float})


@bulk
def exposed_to(legs: nx.MultiDiGraph, sizes: dict[str, Size], x: str) -> pd.DataFrame:
    """Who is exposed to X: direct claims by channel, look-through equity and DebtRank contagion, ranked.

    ``lookthrough_usd`` is the value of stakes in X held through other organisations (ownership
    chains multiply); ``debtrank_loss_usd`` is each organisation's loss, direct and knock-on, when
    X's equity is wiped out, by DebtRank (Battiston et al. 2012) over the network of all claims with
    sizes as capital buffers. An organisation without a size figure has no buffer to weigh: its
    DebtRank loss and relative figures are NaN (never 0), and ``frame.attrs["unsized"]`` lists it.
    ``allocated_usd`` is the part of ``at_risk`` that rests on an equal split of a multi-party total;
    ``undisclosed_legs`` counts the claims on X without a figure (they add nothing to ``at_risk``).
    """
    contrib = contributions(legs)
    exposures = _exposures(contrib, sizes, funding_rounds(legs))
    stakes = _stake_graph(legs)
    integrated = look_through(stakes)
    claims = exposures[exposures["at_risk"].to_numpy() > 0]
    parties = set(claims["holder"].tolist()) | set(claims["on"].tolist())
    equity = {n: sizes[n].usd for n in parties if n in sizes}
    distress: dict[str, float] = {}
    if x in parties and equity:
        weighed = claims[claims["holder"].isin(equity.keys() | {x}) & claims["on"].isin(equity.keys() | {x})]
        held = claims_graph(weighed)
        held.add_nodes_from([*equity, x])
        distress = debtrank(held, {**equity, x: equity.get(x, 1.0)}, {x: 1.0})
    on_x = exposures[exposures["on"] == x].set_index("holder")
    lookthrough: dict[str, float] = {}
    for org, held_in in integrated.items():
        indirect = held_in.get(x, 0.0) - (stakes[org][x]["stake"] if stakes.has_edge(org, x) else 0.0)
        if indirect > 1e-12 and x in sizes:
            lookthrough[org] = indirect * sizes[x].usd
    candidates = {*on_x.index[(on_x["at_risk"] != 0) | (on_x["supplier_dependence"] != 0)
                              | (on_x["undisclosed_legs"] > 0)], *lookthrough,
                  *(n for n, h in distress.items() if h * equity.get(n, 0.0))} - {x}
    deals = _deals(contrib[contrib["on"] == x])
    rows = []
    for org in sorted(candidates):
        channels = on_x.loc[org, list(CHANNELS)].to_dict() if org in on_x.index else dict.fromkeys(CHANNELS, 0.0)
        at_risk = sum(channels[c] for c in LOSS_CHANNELS)
        total = at_risk + lookthrough.get(org, 0.0)
        allocated, missing = (on_x.at[org, "allocated_usd"], on_x.at[org, "undisclosed_legs"]) \
            if org in on_x.index else (0.0, 0)
        rows.append({"org": org, "name": legs.nodes[org].get("label", org), **channels, "at_risk": at_risk,
                     "allocated_usd": float(allocated), "undisclosed_legs": int(missing),
                     "lookthrough_usd": lookthrough.get(org, 0.0),
                     "debtrank_loss_usd": distress.get(org, 0.0) * equity[org] if org in equity else np.nan,
                     "relative_to_size": _relative(total, sizes.get(org)),
                     "size_basis": sizes[org].basis if org in sizes else None, "deals": deals.get((org, x), "")})
    columns = ["org", "name", *CHANNELS, "at_risk", "allocated_usd", "undisclosed_legs", "lookthrough_usd",
               "debtrank_loss_usd", "relative_to_size", "size_basis", "deals"]
    frame = pd.DataFrame(rows, columns=columns).astype(
        {c: float for c in (*CHANNELS, "at_risk", "allocated_usd", "lookthrough_usd", "debtrank_loss_usd",
                            "relative_to_size")} | {"undisclosed_legs": "int64"})
    frame = frame.sort_values(["at_risk", "supplier_dependence"], ascending=False, ignore_index=True)
    frame.attrs["unsized"] = sorted(o for o in frame["org"] if o not in sizes)
    return frame
