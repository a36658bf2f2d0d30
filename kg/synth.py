"""``aikg synth``: a valid synthetic data set of N organisations for scale tests and benchmarks.

About five deals per organisation, mixed kinds, statuses, amounts (points, ranges, undisclosed),
currencies and sources, in the same file format as ``data/``. Records are written one per line
in YAML flow style (JSON syntax, which is YAML), which keeps multi-million-line files fast to write
and read. Everything is drawn from a seeded generator, so a seed gives the same files every time.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from kg.output.progress import Progress, silent
from kg.records.vocab import Basis, DealKind, Evidence, Metric, OrgType, Status

DEALS_PER_ORG = 5
CHUNK = 50_000  # records per deals file
_FX = [("EUR", "2019-01-01", 1.12), ("EUR", "2023-01-01", 1.08), ("GBP", "2019-01-01", 1.27)]
_ROLES = {
    DealKind.EQUITY_INVESTMENT: ("investor", "investee"),
    DealKind.FUNDING_ROUND: ("investor", "investee"),
    DealKind.COMPUTE_COMMITMENT: ("customer", "provider"),
    DealKind.CHIP_SUPPLY: ("customer", "provider"),
    DealKind.WARRANT: ("grantee", "grantor"),
    DealKind.JOINT_VENTURE: ("partner", "venture"),
    DealKind.DEBT_FINANCING: ("lender", "borrower"),
    DealKind.REVENUE_SHARE: ("partner", "partner"),
    DealKind.ACQUISITION: ("acquirer", "target"),
    DealKind.PARTNERSHIP: ("partner", "partner"),
}


def _lines(records: Iterable[dict]) -> str:
    return "".join(f"- {json.dumps(r, ensure_ascii=False)}\n" for r in records)


class _Generator:
    def __init__(self, orgs: int, seed: int):
        self.n = orgs
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
        self.sources = max(1, orgs // 10)
        self.today = date(2026, 6, 30)  # fixed, so output does not depend on the run date

    def org_id(self, i: int) -> str:
        return f"org-{i:06d}"

    def organisations(self) -> Iterable[dict]:
        types = list(OrgType)
        for i in range(self.n):
            rec: dict = {"id": self.org_id(i), "name": f"Synthetic Org {i}", "types": [self.rng.choice(types).value]}
            if i % 7 == 0:
                rec["wikidata"] = f"Q{1000 + i}"
            if i > 10 and i % 50 == 0:
                rec["parent"] = self.org_id(self.rng.randrange(0, 10))
            yield rec

    def source_records(self) -> Iterable[dict]:
        for i in range(self.sources):
            yield {"id": f"src-{i:06d}", "publisher": f"Synthetic Wire {i % 17}", "title": f"Synthetic report {i}",
                   "url": f"https://example.org/synthetic/{i}", "language": self.rng.choice(["en", "de"]),
                   "published": (date(2019, 1, 1) + timedelta(days=i % 2700)).isoformat()}

    def amount(self) -> dict:
        r = self.rng.random()
        currency = "USD" if r < 0.85 else self.rng.choice(["EUR", "GBP"])
        base = round(10 ** self.rng.uniform(6, 11), -5)
        if r < 0.05:
            return {"undisclosed": True, "currency": currency}
        if r < 0.25:
            return {"min": base, "max": round(base * self.rng.uniform(1.1, 3), -5), "currency": currency}
        if r < 0.35:
            return {"max": base, "currency": currency, "approximate": True}
        return {"value": base, "currency": currency}

    def claim(self, n: int, status: str) -> dict:
        day = date(2019, 1, 1) + timedelta(days=self.rng.randrange(0, (self.today - date(2019, 1, 1)).days))
        return {"source": f"src-{self.rng.randrange(self.sources):06d}", "quote": f"Synthetic statement {n}.",
                "date": day.isoformat(), "status": status,
                "evidence": self.rng.choice(list(Evidence)).value, "amount": self.amount()}

    def deals(self) -> Iterable[dict]:
        kinds, statuses = list(DealKind), [s.value for s in Status]
        for k in range(self.n * DEALS_PER_ORG):
            kind = self.rng.choice(kinds)
            a, b = self.rng.sample(range(self.n), 2)
            first, second = _ROLES[kind]
            parties = [{"org": self.org_id(a), "role": first}, {"org": self.org_id(b), "role": second}]
            if kind is DealKind.FUNDING_ROUND:
                extra = {self.rng.randrange(self.n) for _ in range(self.rng.randrange(0, 3))} - {a, b}
                parties += [{"org": self.org_id(x), "role": "investor"} for x in sorted(extra)]
                parties[0]["lead"] = True
            claims = [self.claim(k, self.rng.choice(statuses))]
            if self.rng.random() < 0.2:
                claims.append(self.claim(k, self.rng.choice(statuses)))
                claims[1].update(preferred=True, preferred_reason="later, more specific report")
            yield {"id": f"deal-{k:07d}", "kind": kind.value, "title": f"Synthetic {kind.value} {k}",
                   "parties": parties, "claims": claims}

    def observations(self) -> Iterable[dict]:
        metrics = [Metric.CAPEX, Metric.REVENUE, Metric.VALUATION_POST, Metric.MARKET_CAP]
        for i in range(self.n):
            claim = {"source": f"src-{self.rng.randrange(self.sources):06d}", "quote": f"Synthetic figure {i}.",
                     "date": f"{self.rng.randrange(2019, 2026)}-12-31", "basis": self.rng.choice(list(Basis)).value,
                     "value": {"value": round(10 ** self.rng.uniform(7, 12), -5), "currency": "USD"}}
            yield {"id": f"obs-{i:06d}", "metric": self.rng.choice(metrics).value, "orgs": [self.org_id(i)],
                   "year": self.rng.randrange(2019, 2026), "claims": [claim]}


def synth(orgs: int, seed: int, out: Path, progress: Progress = silent) -> dict[str, int]:
    """Write a synthetic data set of ``orgs`` organisations into ``out``; returns record counts. ``progress``
    hears of each file of deals as it is written."""
    if orgs < 2:
        raise ValueError("a synthetic data set needs at least 2 organisations")
    gen = _Generator(orgs, seed)
    for folder in ("entities", "sources", "fx", "deals", "observations"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    (out / "entities" / "synthetic.yaml").write_text(_lines(gen.organisations()), encoding="utf-8")
    (out / "sources" / "synthetic.yaml").write_text(_lines(gen.source_records()), encoding="utf-8")
    fx = [{"currency": c, "date": d, "usd_per_unit": r, "source": "src-000000", "quote": f"Synthetic {c} rate."}
          for c, d, r in _FX]
    (out / "fx" / "rates.yaml").write_text(_lines(fx), encoding="utf-8")
    progress("generating deals")
    deals = list(gen.deals())
    chunks = range(0, len(deals), CHUNK)
    for n, start in enumerate(chunks):
        progress(f"writing deals/synthetic-{n:03d}.yaml", n, len(chunks))
        (out / "deals" / f"synthetic-{n:03d}.yaml").write_text(_lines(deals[start:start + CHUNK]), encoding="utf-8")
    progress("writing observations")
    (out / "observations" / "synthetic.yaml").write_text(_lines(gen.observations()), encoding="utf-8")
    return {"organisations": orgs, "sources": gen.sources, "deals": len(deals), "observations": orgs}
