"""Candidates as records of the data format: a new deal or observation, a claim for an existing one, and
the organisations a candidate proposes. Each draft is checked with :mod:`kg.records.models`.
"""

from __future__ import annotations

from pydantic import ValidationError

from kg.ingest.orgs import slug
from kg.ingest.relations import Candidate
from kg.records.models import Deal, DealClaim, Observation, ObservationClaim, Organisation

_KIND_WORDS = {"compute_commitment": "compute", "funding_round": "round", "equity_investment": "investment",
               "chip_supply": "chips", "debt_financing": "debt", "joint_venture": "jv"}


def claim(cand: Candidate, source_id: str) -> dict[str, object]:
    """The claim of a candidate, for a new record or one already in the data."""
    out: dict[str, object] = {"source": source_id, "quote": cand.quote, "date": cand.date.isoformat()}
    if cand.date_inferred:
        out["date_inferred"] = True
    out["evidence"] = cand.evidence.value
    if cand.record == "deal":
        out["status"] = cand.status.value if cand.status else "announced"
        out["amount"] = cand.amount if cand.amount is not None else {"undisclosed": True}
        if cand.quantity is not None:
            out["quantity"] = cand.quantity
        investors = [p.org for p in cand.parties if p.role is not None and p.role.value == "investor" and p.org]
        if cand.stake is not None and len(investors) == 1:
            out["participations"] = {investors[0]: {"stake": cand.stake}}
    else:
        out["basis"] = cand.basis.value if cand.basis else "actual"
        out["value"] = {**(cand.amount or {}), **({"per": cand.per} if cand.per else {})}
    return out


def party_id(name: str, org: str | None) -> str:
    return org or slug(name)


def new_record(cand: Candidate, source_id: str, taken: set[str]) -> dict[str, object]:
    """A new deal or observation holding the candidate's claim; its id is not in ``taken``."""
    ids = [party_id(p.name, p.org) for p in cand.parties]
    year = cand.year or cand.date.year
    if cand.record == "deal":
        base = "-".join([*ids[:3], _KIND_WORDS.get(cand.kind, cand.kind.replace("_", "-")), str(year)])
        record: dict[str, object] = {
            "id": _free(base, taken), "kind": cand.kind,
            "title": f"{' / '.join(p.name for p in cand.parties)}: {cand.kind.replace('_', ' ')} ({year})",
            "parties": [{"org": i, "role": p.role.value if p.role else "partner"} for i, p in zip(ids, cand.parties,
                                                                                                strict=True)],
            "claims": [claim(cand, source_id)]}
        return record
    base = "-".join([*(ids[:3] or ["market"]), cand.kind.replace("_", "-"), str(year) if cand.year else
                     cand.date.isoformat()])
    record = {"id": _free(base, taken), "metric": cand.kind, "orgs": ids}
    if cand.segment:
        record["segment"] = cand.segment
    if cand.year is not None:
        record["year"] = cand.year
    else:
        record["on"] = cand.date.isoformat()
    record["claims"] = [claim(cand, source_id)]
    return record


def _free(base: str, taken: set[str]) -> str:
    base = slug(base)
    rid, n = base, 2
    while rid in taken:
        rid, n = f"{base}-{n}", n + 1
    taken.add(rid)
    return rid


def new_organisations(cand: Candidate) -> list[dict[str, object]]:
    """The organisations a candidate names that the data does not know, as Organisation records."""
    return [{"id": slug(p.name), "name": p.name, "types": ["company"],
             "description": "Proposed by aikg extract; check the name, type and identifiers."}
            for p in cand.parties if p.org is None]


def problems(record: dict[str, object], kind: str) -> str | None:
    """What the models find wrong with a draft ("deal", "observation", "deal claim", "observation claim",
    "organisation"), or None."""
    model = {"deal": Deal, "observation": Observation, "deal claim": DealClaim,
             "observation claim": ObservationClaim, "organisation": Organisation}[kind]
    try:
        model.model_validate(record)
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg'].removeprefix('Value error, ')}"
                         for e in exc.errors())
    return None
