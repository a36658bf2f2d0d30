"""Recall and precision of the extraction against gold sets: the curated claims that cite the seed
articles, and a file of English news sentences with their facts (``tests/data/extract_gold_en.yaml``).

A gold fact is found when a candidate states the same figure (each of value, min and max within 2%,
the same currency or unit; "approximate" aside) and names only organisations of the fact (at least
one; two for a deal without a figure); a fact about a market or an industry (no organisations) is
found by its figure alone. Recall counts the gold facts found, precision the candidates that find
one. The seed articles' claims cover every figure the curators kept, so a candidate they left out
counts against precision even when it is right.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kg.ingest import pipeline
from kg.ingest.orgs import OrgIndex, slug
from kg.ingest.relations import Candidate
from kg.records.loader import Dataset
from kg.records.models import Amount

TOLERANCE = 0.02


@dataclass(frozen=True)
class Fact:
    parties: frozenset[str]
    kind: str
    amount: tuple[tuple[str, float], ...] | None  # (field, number) pairs and the unit; None: undisclosed
    unit: str | None
    where: str  # the record or sentence it comes from, for listing misses


@dataclass
class Scores:
    gold: int
    found: int
    kind_right: int
    candidates: int
    useful: int
    missed: list[Fact] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.useful / self.candidates if self.candidates else 0.0

    def add(self, other: Scores) -> Scores:
        return Scores(self.gold + other.gold, self.found + other.found, self.kind_right + other.kind_right,
                      self.candidates + other.candidates, self.useful + other.useful, self.missed + other.missed)


def fact(parties: Iterable[str], kind: str, amount: Amount | dict[str, object] | None, where: str) -> Fact:
    raw = amount.model_dump() if isinstance(amount, Amount) else dict(amount or {})
    if not raw or raw.get("undisclosed"):
        return Fact(frozenset(parties), kind, None, None, where)
    numbers = tuple((k, float(raw[k])) for k in ("value", "min", "max") if raw.get(k) is not None)  # type: ignore[arg-type]
    return Fact(frozenset(parties), kind, numbers, str(raw.get("currency") or raw.get("unit")), where)


def candidate_facts(cand: Candidate) -> list[Fact]:
    parties = [p.org or slug(p.name) for p in cand.parties]
    figure = cand.amount if cand.amount is not None else cand.stake or cand.quantity
    return [fact(parties, cand.kind, figure, cand.quote)]


def same(c: Fact, g: Fact) -> bool:
    if (c.amount is None) != (g.amount is None):
        return False
    if g.amount is not None:
        if c.unit != g.unit or dict(c.amount).keys() != dict(g.amount).keys():  # type: ignore[arg-type]
            return False
        mine = dict(c.amount)  # type: ignore[arg-type]
        if any(abs(mine[k] - v) > TOLERANCE * max(abs(v), abs(mine[k]), 1e-12) for k, v in g.amount):
            return False
    if not g.parties:
        return True
    need = 2 if g.amount is None else 1
    return bool(c.parties) and c.parties <= g.parties and len(c.parties & g.parties) >= need


def score(candidates: list[Fact], gold: list[Fact]) -> Scores:
    found = [g for g in gold if any(same(c, g) for c in candidates)]
    kind_right = sum(1 for g in found if any(same(c, g) and c.kind == g.kind for c in candidates))
    useful = sum(1 for c in candidates if any(same(c, g) for g in gold))
    return Scores(len(gold), len(found), kind_right, len(candidates), useful, [g for g in gold if g not in found])


def seed_gold(dataset: Dataset) -> dict[str, list[Fact]]:
    """Gold facts by seed file: every deal and observation claim citing a seed article (and each investor's
    stated figure in it)."""
    files = {s.id: s.seed_file for s in dataset.sources.values() if s.seed_file}
    out: dict[str, list[Fact]] = {name: [] for name in files.values() if name}
    for deal in dataset.deals.values():
        orgs = [p.org for p in deal.parties]
        for claim in deal.claims:
            if claim.source in files:
                out[files[claim.source]].append(fact(orgs, deal.kind.value, claim.amount, deal.id))
                for org, part in claim.participations.items():
                    if part.amount is not None and not part.amount.undisclosed:
                        out[files[claim.source]].append(fact(orgs, deal.kind.value, part.amount, f"{deal.id}/{org}"))
    for obs in dataset.observations.values():
        for claim in obs.claims:
            if claim.source in files:
                out[files[claim.source]].append(fact(obs.orgs, obs.metric.value, claim.value, obs.id))
    return out


def evaluate_seeds(dataset: Dataset, seed_dir: Path) -> dict[str, Scores]:
    """Scores per seed article: its text extracted with its source's language and date."""
    index = OrgIndex(dataset.organisations.values())
    by_file = {s.seed_file: s for s in dataset.sources.values() if s.seed_file}
    scores = {}
    for name, gold in sorted(seed_gold(dataset).items()):
        source = by_file[name]
        text = (seed_dir / name).read_text(encoding="utf-8")
        found = pipeline.candidates_of_text(text, index, source.language, source.published, source.published_inferred)
        scores[name] = score([f for c in found for f in candidate_facts(c)], gold)
    return scores


def english_gold(path: Path) -> list[tuple[str, str, list[Fact]]]:
    """(url, sentence, facts) of the English gold file."""
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [(i["url"], i["sentence"], [fact(f["parties"], f["kind"], f["amount"], i["sentence"]) for f in i["facts"]])
            for i in items]


def evaluate_sentences(items: list[tuple[str, str, list[Fact]]], index: OrgIndex) -> Scores:
    """Each sentence extracted on its own (as the batch mode does), scored against its facts."""
    total = Scores(0, 0, 0, 0, 0)
    for _url, sentence, gold in items:
        found = pipeline.candidates_of_text(sentence, index, "en")
        total = total.add(score([f for c in found for f in candidate_facts(c)], gold))
    return total
