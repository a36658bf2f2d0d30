"""The input schema: one pydantic model per kind of record in ``data/``.

These models are the single schema of the data files. Checks that need more than one record
(references between records, duplicate ids) live in :mod:`kg.records.loader`.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from kg.records.currencies import ISO_4217
from kg.records.problems import show_value
from kg.records.vocab import Basis, DealKind, Evidence, Flow, Metric, OrgType, Role, Status

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=120)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
FRACTION = "fraction"


def _iso_currency(v: str | None) -> str | None:
    if v is not None and v not in ISO_4217:
        raise ValueError(f"unknown currency {show_value(v, 20)}: use an ISO 4217 code such as USD or EUR")
    return v


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class Amount(Record):
    """A figure: a point value, or a range for "up to" / "over" / "around".

    Money has an ISO 4217 ``currency``; anything else has a ``unit`` (``fraction`` for shares and
    percentages, always on the 0–1 scale). ``undisclosed: true`` says the source names no figure,
    which is not the same as zero.
    """

    value: float | None = None
    min: float | None = None
    max: float | None = None
    currency: str | None = None
    unit: str | None = None
    per: str | None = None  # denominator, e.g. "1M tokens" for a token price
    approximate: bool = False
    undisclosed: bool = False

    @field_validator("value", "min", "max")
    @classmethod
    def _non_negative(cls, v: float | None) -> float | None:
        if v is not None and (math.isnan(v) or math.isinf(v)):
            raise ValueError("must be a finite number")
        if v is not None and v < 0:
            raise ValueError(f"must not be negative, got {v:g}")
        return v

    _currency = field_validator("currency")(lambda v: _iso_currency(v))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        has_figure = any(x is not None for x in (self.value, self.min, self.max))
        if self.undisclosed and has_figure:
            raise ValueError("an undisclosed amount carries no value, min or max")
        if not self.undisclosed and not has_figure:
            raise ValueError("give value, min or max (or undisclosed: true)")
        if self.value is not None and (self.min is not None or self.max is not None):
            raise ValueError("give either value or min/max, not both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        if (self.currency is None) == (self.unit is None) and not self.undisclosed:
            raise ValueError("give exactly one of currency (money) or unit (anything else)")
        if self.unit == FRACTION:
            for v in (self.value, self.min, self.max):
                if v is not None and v > 1:
                    raise ValueError(f"fractions are on the 0–1 scale, got {v:g} (write 17% as 0.17)")
        return self

    @property
    def is_money(self) -> bool:
        return self.currency is not None


class Organisation(Record):
    id: Id
    name: Text
    types: list[OrgType] = Field(min_length=1)
    aliases: dict[Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")], list[Text]] = Field(default_factory=dict)
    parent: Id | None = None
    country: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    headquarters: Text | None = None
    description: Text | None = None
    wikidata: Annotated[str, StringConstraints(pattern=r"^Q[1-9][0-9]*$")] | None = None
    lei: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{18}[0-9]{2}$")] | None = None
    ticker: Annotated[str, StringConstraints(pattern=r"^[A-Z]+:[A-Z0-9.\-]+$")] | None = None
    sources: list[Id] = Field(default_factory=list)  # where identifiers and the parent link were checked


class Source(Record):
    id: Id
    publisher: Text
    title: Text
    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    seed_file: Annotated[str, StringConstraints(pattern=r"^[\w.\-]+\.txt$")] | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
    published: date
    published_inferred: bool = False
    retrieved: date | None = None
    author: Text | None = None
    republished_from: Text | None = None  # the original publisher when this page republishes (a wire story)

    @model_validator(mode="after")
    def _locatable(self) -> Self:
        if self.url is None and self.seed_file is None:
            raise ValueError("a source needs a url or a seed_file")
        return self


class FxRate(Record):
    """USD value of one unit of ``currency`` on ``date``, with its source."""

    currency: str
    date: date
    usd_per_unit: float = Field(gt=0)
    source: Id
    quote: Text

    _currency = field_validator("currency")(lambda v: _iso_currency(v))


class Claim(Record):
    """What one source says about one fact: the quote that supports it and when it applies."""

    source: Id
    quote: Text
    date: date
    date_inferred: bool = False
    evidence: Evidence = Evidence.REPORTED
    preferred: bool = False
    preferred_reason: Text | None = None
    note: Text | None = None


class ParticipationFigure(Record):
    """One party's share of a deal as one source states it."""

    amount: Amount | None = None
    stake: Amount | None = None

    @field_validator("stake")
    @classmethod
    def _stake_is_fraction(cls, v: Amount | None) -> Amount | None:
        if v is not None and v.unit != FRACTION:
            raise ValueError("a stake is a fraction: unit: fraction, on the 0–1 scale")
        return v


class DealClaim(Claim):
    status: Status
    amount: Amount | None = None  # the deal's total
    quantity: Amount | None = None  # non-monetary size: shares, gigawatts, chips
    term: Annotated[str, StringConstraints(pattern=r"^P(\d+Y)?(\d+M)?(\d+D)?$")] | None = None
    participations: dict[Id, ParticipationFigure] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _closed_not_in_future(self) -> Self:
        if self.status is Status.CLOSED and self.date > date.today():
            raise ValueError(f"a closed deal cannot be dated in the future ({self.date.isoformat()})")
        if self.amount is not None and not self.amount.is_money and not self.amount.undisclosed:
            raise ValueError("amount is money: give a currency (use quantity for other units)")
        return self


class Party(Record):
    org: Id
    role: Role
    gives: Flow | None = None  # default from role and deal kind, see kg.records.vocab.default_flow
    lead: bool = False


def _check_preference(claims: list[Claim]) -> None:
    preferred = [c for c in claims if c.preferred]
    if len(preferred) > 1:
        raise ValueError("at most one claim may be preferred")
    if len(claims) > 1 and not preferred:
        raise ValueError("several claims: mark one preferred: true with a preferred_reason")
    if preferred and len(claims) > 1 and preferred[0].preferred_reason is None:
        raise ValueError("the preferred claim needs a preferred_reason")


class Deal(Record):
    id: Id
    kind: DealKind
    title: Text
    parties: list[Party] = Field(min_length=2)
    claims: list[DealClaim] = Field(min_length=1)
    part_of: Id | None = None
    description: Text | None = None

    @model_validator(mode="after")
    def _parties_and_claims(self) -> Self:
        orgs = [p.org for p in self.parties]
        if len(set(orgs)) != len(orgs):
            raise ValueError("an organisation takes part in a deal only once")
        for claim in self.claims:
            unknown = set(claim.participations) - set(orgs)
            if unknown:
                raise ValueError(f"participations name {show_value(sorted(unknown))}, not parties of this deal")
        _check_preference(self.claims)
        return self

    @property
    def preferred_claim(self) -> DealClaim:
        return next((c for c in self.claims if c.preferred), self.claims[0])


class ObservationClaim(Claim):
    value: Amount
    basis: Basis = Basis.ACTUAL


class Observation(Record):
    """A figure about one organisation (or a group, or the market when ``orgs`` is empty)."""

    id: Id
    metric: Metric
    orgs: list[Id] = Field(default_factory=list)
    segment: Text | None = None  # what a group or market-level figure covers
    subject: Text | None = None  # e.g. the model a token price is for
    year: int | None = Field(default=None, ge=1900, le=2100)
    on: date | None = None
    start: date | None = None
    end: date | None = None
    claims: list[ObservationClaim] = Field(min_length=1)

    @model_validator(mode="after")
    def _period_and_claims(self) -> Self:
        forms = [self.year is not None, self.on is not None, self.start is not None or self.end is not None]
        if sum(forms) != 1:
            raise ValueError("give the period as exactly one of: year, on, or start and end")
        if forms[2] and (self.start is None or self.end is None or self.start > self.end):
            raise ValueError("start and end must both be given, start not after end")
        if not self.orgs and self.segment is None:
            raise ValueError("a market-level observation (no orgs) needs a segment")
        _check_preference(self.claims)
        return self

    @property
    def period(self) -> tuple[date, date]:
        if self.year is not None:
            return date(self.year, 1, 1), date(self.year, 12, 31)
        if self.on is not None:
            return self.on, self.on
        assert self.start is not None and self.end is not None
        return self.start, self.end

    @property
    def preferred_claim(self) -> ObservationClaim:
        return next((c for c in self.claims if c.preferred), self.claims[0])


# The folder under data/ each kind of record lives in; every YAML file there is a list of records.
RECORD_FOLDERS: dict[str, type[Record]] = {
    "entities": Organisation,
    "sources": Source,
    "fx": FxRate,
    "deals": Deal,
    "observations": Observation,
}
