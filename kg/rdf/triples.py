"""Validated records → RDF triples in the aikg ontology, written as N-Triples text.

Triples are produced as N-Triples lines directly rather than through an rdflib graph: at 100k
organisations the data set has tens of millions of triples, which rdflib's in-memory graph
cannot hold in reasonable time or memory. The text is loaded into Oxigraph for querying and
serialising (see :mod:`kg.build`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from typing import BinaryIO

from kg.rdf import namespaces as ns
from kg.rdf.digest import Digest, fact_digest
from kg.rdf.fieldmap import FIELD_PROPERTIES, prop
from kg.records.fx import FxTable
from kg.records.loader import Dataset
from kg.records.models import (
    Amount,
    Claim,
    Deal,
    DealClaim,
    FxRate,
    Observation,
    ObservationClaim,
    Organisation,
    ParticipationFigure,
    Party,
    Record,
    Source,
)
from kg.records.vocab import default_flow

# Bump when the build writes other triples for the same data (2: the digest values of kg.rdf.digest and the
# amount ranks; 5: flags written only when true, no aikg:about or schema:name), so that graphs and stores
# built by an older aikg are rebuilt (kg.build.build_fingerprint).
GRAPH_FORMAT = 5
T = ns.term
A = f"<{ns.RDF}type>"


def _escaped(text: str) -> str:
    r"""``text`` as the body of an N-Triples string: four ``replace`` passes (the backslash first) cost a
    fifth of one ``str.translate`` with a mapping, and the build escapes every literal it writes.

    >>> print(_escaped('a "quote", a back\\slash, a line\nbreak, a return\r'))
    a \"quote\", a back\\slash, a line\nbreak, a return\r
    """
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _lit(text: str, lang: str | None = None) -> str:
    body = '"' + _escaped(text) + '"'
    return f"{body}@{lang}" if lang else body


def _typed(text: str, datatype: str) -> str:
    return f'"{text}"^^<{ns.XSD}{datatype}>'


def _date(value: date) -> str:
    return _typed(value.isoformat(), "date")


_TRUE = f'"true"^^<{ns.XSD}boolean>'


def _decimal(value: float) -> str:
    if value.is_integer():
        text = f"{int(value)}.0"
    else:
        text = repr(value)
        if "e" in text:  # xsd:decimal has no exponent form
            text = format(Decimal(text), "f")
    return f'"{text}"^^<{ns.XSD}decimal>'


def _int(value: int) -> str:
    return _typed(str(value), "integer")


class TripleWriter:
    """Writes N-Triples lines in batches, UTF-8 encoded, to each of ``streams`` (binary: the build's file
    and the store's loader); subjects are IRIs, objects IRIs or literals. The lines are written out by
    :meth:`spill` once a batch is full and by :meth:`flush` at the end."""

    BATCH = 100_000

    def __init__(self, *streams: BinaryIO):
        self.streams = streams
        self.lines: list[str] = []
        self.count = 0

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"<{s}> {p} {o} .\n")

    def link(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"<{s}> {p} <{o}> .\n")

    def flag(self, s: str, p: str, value: bool) -> None:
        """A boolean flag, written only when true: its absence means false (the ontology and shapes say
        so), which saves a triple for each of the many false flags (13% of the graph)."""
        if value:
            self.lines.append(f"<{s}> {p} {_TRUE} .\n")

    def spill(self) -> None:
        """Write the lines out once a batch is full (checked once a record, not once a triple)."""
        if len(self.lines) >= self.BATCH:
            self.flush()

    def flush(self) -> None:
        text = "".join(self.lines).encode("utf-8")
        for stream in self.streams:
            stream.write(text)
        self.count += len(self.lines)
        self.lines.clear()


@cache
def _p(local: str) -> str:
    return f"<{T(local)}>"


class _Properties:
    """Each field's property of one input model in N-Triples form, as attributes (``_DEAL.title``): looked
    up once here rather than once a triple."""

    def __init__(self, model: type[Record]) -> None:
        self.__dict__.update({field: prop(model, field) for field in FIELD_PROPERTIES[model]})


_SOURCE, _FX_RATE, _ORG, _DEAL, _PARTY, _CLAIM, _DEAL_CLAIM, _OBSERVATION, _OBSERVATION_CLAIM, _FIGURE, _AMOUNT = (
    _Properties(model) for model in (Source, FxRate, Organisation, Deal, Party, Claim, DealClaim, Observation,
                                     ObservationClaim, ParticipationFigure, Amount))


class GraphBuilder:
    """Emits the triples of records one at a time (so a build can stream a large data set)."""

    def __init__(self, out: TripleWriter, fx: FxTable | None = None):
        self.out = out
        self.fx = fx or FxTable([])
        self._amounts: list[tuple[float, str, str]] = []  # (current USD, deal id, kind), ranked in finish()

    def finish(self) -> None:
        """Emit what depends on every deal: each deal's rank by current USD amount, overall and in its kind."""
        self._amounts.sort(key=lambda row: (-row[0], row[1]))
        in_kind: dict[str, int] = {}
        for rank, (_, deal_id, kind) in enumerate(self._amounts, start=1):
            in_kind[kind] = in_kind.get(kind, 0) + 1
            s = ns.record("deal", deal_id)
            self.out.add(s, _p("amountRank"), _int(rank))
            self.out.add(s, _p("amountRankInKind"), _int(in_kind[kind]))
            self.out.spill()
        self._amounts.clear()

    def emit(self, record: Record) -> Digest | None:
        """Write ``record``'s triples; a deal's or observation's :class:`~kg.rdf.digest.Digest` is returned, so
        that the build's table rows (:mod:`kg.projection.written`) reuse it instead of deriving it again."""
        digest = None
        if isinstance(record, Deal | Observation):
            digest = fact_digest(record, self.fx)
            (self._deal if isinstance(record, Deal) else self._observation)(record, digest)  # type: ignore[operator]
        elif isinstance(record, Organisation):
            self._organisation(record)
        elif isinstance(record, Source):
            self._source(record)
        elif isinstance(record, FxRate):
            self._fx_rate(record)
        else:
            raise TypeError(f"no triples for {type(record).__name__}")
        self.out.spill()
        return digest

    def _source(self, src: Source) -> None:
        w, s = self.out, ns.record("source", src.id)
        w.add(s, A, _p("SourceDocument"))
        w.add(s, _SOURCE.id, _lit(src.id))
        w.add(s, _SOURCE.publisher, _lit(src.publisher))
        w.add(s, _SOURCE.title, _lit(src.title))
        w.add(s, _SOURCE.language, _lit(src.language))
        w.add(s, _SOURCE.published, _date(src.published))
        w.flag(s, _SOURCE.published_inferred, src.published_inferred)
        if src.url:
            w.add(s, _SOURCE.url, _typed(_escaped(src.url), "anyURI"))
        if src.seed_file:
            w.add(s, _SOURCE.seed_file, _lit(src.seed_file))
        if src.retrieved:
            w.add(s, _SOURCE.retrieved, _date(src.retrieved))
        if src.author:
            w.add(s, _SOURCE.author, _lit(src.author))
        if src.republished_from:
            w.add(s, _SOURCE.republished_from, _lit(src.republished_from))

    def _fx_rate(self, rate: FxRate) -> None:
        w, s = self.out, self._fx_iri(rate)
        w.add(s, A, _p("ExchangeRate"))
        w.add(s, _FX_RATE.currency, _lit(rate.currency))
        w.add(s, _FX_RATE.date, _date(rate.date))
        w.add(s, _FX_RATE.usd_per_unit, _decimal(rate.usd_per_unit))
        w.link(s, _FX_RATE.source, ns.record("source", rate.source))
        w.add(s, _FX_RATE.quote, _lit(rate.quote))

    @staticmethod
    def _fx_iri(rate: FxRate) -> str:
        return ns.mint("fx", rate.currency, rate.date.isoformat())

    def _organisation(self, org: Organisation) -> None:
        w, s = self.out, ns.record("org", org.id)
        w.add(s, A, _p("Organisation"))
        for t in org.types:
            w.add(s, _ORG.types, f"<{ns.org_type_class(t)}>")
        w.add(s, _ORG.id, _lit(org.id))
        w.add(s, _ORG.name, _lit(org.name))
        for lang, names in org.aliases.items():
            for name in names:
                w.add(s, _ORG.aliases, _lit(name, lang))
        if org.parent:
            w.link(s, _ORG.parent, ns.record("org", org.parent))
            w.link(ns.record("org", org.parent), _p("subsidiary"), s)
        if org.country:
            w.add(s, _ORG.country, _lit(org.country))
        if org.headquarters:
            w.add(s, _ORG.headquarters, _lit(org.headquarters))
        if org.description:
            w.add(s, _ORG.description, _lit(org.description))
        if org.wikidata:
            w.add(s, _ORG.wikidata, _lit(org.wikidata))
            w.link(s, f"<{ns.SKOS}exactMatch>", ns.WIKIDATA_ENTITY + org.wikidata)
        if org.lei:
            w.add(s, _ORG.lei, _lit(org.lei))
        if org.ticker:
            w.add(s, _ORG.ticker, _lit(org.ticker))
        for src in org.sources:
            w.link(s, _ORG.sources, ns.record("source", src))

    def _deal(self, deal: Deal, digest: Digest) -> None:
        w, s = self.out, ns.record("deal", deal.id)
        w.add(s, A, _p("Deal"))
        w.add(s, A, f"<{ns.deal_kind_class(deal.kind)}>")
        w.add(s, _DEAL.id, _lit(deal.id))
        w.add(s, _DEAL.kind, _lit(deal.kind.value))
        w.add(s, _DEAL.title, _lit(deal.title))
        if deal.description:
            w.add(s, _DEAL.description, _lit(deal.description))
        if deal.part_of:
            w.link(s, _DEAL.part_of, ns.record("deal", deal.part_of))
        for party in deal.parties:
            p = f"{s}/party/{party.org}"
            w.link(s, _DEAL.parties, p)
            w.add(p, A, _p("Participation"))
            w.link(p, _PARTY.org, ns.record("org", party.org))
            w.link(p, _PARTY.role, ns.code(party.role))
            w.link(p, _PARTY.gives, ns.code(party.gives or default_flow(party.role, deal.kind)))
            w.flag(p, _PARTY.lead, party.lead)
            w.link(s, _p("involves"), ns.record("org", party.org))
        preferred = deal.preferred_claim
        for i, claim in enumerate(deal.claims):
            c = self._claim(s, i, claim, claim is preferred)
            w.link(c, _DEAL_CLAIM.status, ns.code(claim.status))
            if claim.amount is not None:
                self._amount(c, _DEAL_CLAIM.amount, f"{c}/amount", claim.amount, claim.date, money=True)
            if claim.quantity is not None:
                self._amount(c, _DEAL_CLAIM.quantity, f"{c}/quantity", claim.quantity, claim.date,
                             money=False)
            if claim.term:
                w.add(c, _DEAL_CLAIM.term, _typed(claim.term, "duration"))
            for org, fig in claim.participations.items():
                f = f"{c}/party/{org}"
                w.link(c, _DEAL_CLAIM.participations, f)
                w.add(f, A, _p("ParticipationFigure"))
                w.link(f, _p("participation"), f"{s}/party/{org}")
                if fig.amount is not None:
                    self._amount(f, _FIGURE.amount, f"{f}/amount", fig.amount, claim.date,
                                 money=True)
                if fig.stake is not None:
                    self._amount(f, _FIGURE.stake, f"{f}/stake", fig.stake, claim.date,
                                 money=False)
        for a, shortcut, b in digest.edges:
            w.link(ns.record("org", a), _p(shortcut), ns.record("org", b))
        self._deal_digest(s, deal, digest)

    def _deal_digest(self, s: str, deal: Deal, digest: Digest) -> None:
        w, claim = self.out, deal.preferred_claim
        w.add(s, _p("currentStatus"), _lit(claim.status.value))
        w.add(s, _p("currentDate"), _date(claim.date))
        if (usd := digest.current_usd) is not None:
            w.add(s, _p("currentUSD"), _decimal(usd))
            self._amounts.append((usd, deal.id, deal.kind.value))
        self._claims_digest(s, deal.claims, digest)
        for org, usd in digest.credited.items():
            w.add(f"{s}/party/{org}", _p("creditedUSD"), _decimal(usd))

    def _claims_digest(self, s: str, claims: Sequence[Claim], digest: Digest) -> None:
        self.out.add(s, _p("claimCount"), _int(len(claims)))
        self.out.flag(s, _p("claimsDisagree"), digest.disagree)

    def _claim(self, about: str, i: int, claim: Claim, preferred: bool) -> str:
        w, c = self.out, f"{about}/claim/{i + 1}"
        w.link(about, _DEAL.claims, c)
        if preferred:
            w.link(about, _p("preferredClaim"), c)
        w.add(c, A, _p("Claim"))
        w.link(c, _CLAIM.source, ns.record("source", claim.source))
        w.add(c, _CLAIM.quote, _lit(claim.quote))
        w.add(c, _CLAIM.date, _date(claim.date))
        w.flag(c, _CLAIM.date_inferred, claim.date_inferred)
        w.link(c, _CLAIM.evidence, ns.code(claim.evidence))
        w.flag(c, _CLAIM.preferred, preferred)
        if claim.preferred_reason:
            w.add(c, _CLAIM.preferred_reason, _lit(claim.preferred_reason))
        if claim.note:
            w.add(c, _CLAIM.note, _lit(claim.note))
        return c

    def _amount(self, owner: str, via: str, a: str, amount: Amount, on: date, money: bool) -> None:
        w = self.out
        w.link(owner, via, a)
        w.add(a, A, f"<{ns.SCHEMA}MonetaryAmount>" if money else _p("Quantity"))
        w.flag(a, _AMOUNT.undisclosed, amount.undisclosed)
        w.flag(a, _AMOUNT.approximate, amount.approximate)
        if amount.per:
            w.add(a, _AMOUNT.per, _lit(amount.per))
        if amount.unit:
            w.add(a, _AMOUNT.unit, _lit(amount.unit))
        for predicate, value in ((_AMOUNT.value, amount.value), (_AMOUNT.min, amount.min), (_AMOUNT.max, amount.max)):
            if value is not None:
                w.add(a, predicate, _decimal(value))
        if amount.currency is None:
            return
        w.add(a, _AMOUNT.currency, _lit(amount.currency))
        rate = self.fx.rate(amount.currency, on)
        if rate is not None:
            w.link(a, _p("fxRate"), self._fx_iri(rate))
        for field, value in (("valueUSD", amount.value), ("minValueUSD", amount.min), ("maxValueUSD", amount.max)):
            if value is not None:
                w.add(a, _p(field), _decimal(value if rate is None else value * rate.usd_per_unit))

    def _observation(self, obs: Observation, digest: Digest) -> None:
        w, s = self.out, ns.record("observation", obs.id)
        w.add(s, A, _p("Observation"))
        w.add(s, _OBSERVATION.id, _lit(obs.id))
        w.link(s, _OBSERVATION.metric, ns.code(obs.metric))
        for org in obs.orgs:
            w.link(s, _OBSERVATION.orgs, ns.record("org", org))
        if obs.segment:
            w.add(s, _OBSERVATION.segment, _lit(obs.segment))
        if obs.subject:
            w.add(s, _OBSERVATION.subject, _lit(obs.subject))
        start, end = obs.period
        w.add(s, _OBSERVATION.start, _date(start))
        w.add(s, _OBSERVATION.end, _date(end))
        if obs.year is not None:
            w.add(s, _OBSERVATION.year, _int(obs.year))
        preferred = obs.preferred_claim
        for i, claim in enumerate(obs.claims):
            c = self._claim(s, i, claim, claim is preferred)
            assert isinstance(claim, ObservationClaim)
            w.link(c, _OBSERVATION_CLAIM.basis, ns.code(claim.basis))
            self._amount(c, _OBSERVATION_CLAIM.value, f"{c}/value", claim.value, claim.date,
                         money=claim.value.currency is not None or claim.value.unit is None)
        w.add(s, _p("currentDate"), _date(preferred.date))
        self._claims_digest(s, obs.claims, digest)


def dataset_triples(dataset: Dataset) -> str:
    """The whole in-memory data set as N-Triples text (ontology terms not included)."""
    text = io.BytesIO()
    writer = TripleWriter(text)
    builder = GraphBuilder(writer, dataset.fx)
    for records in (dataset.sources.values(), dataset.fx_rates, dataset.organisations.values(),
                    dataset.deals.values(), dataset.observations.values()):
        for record in records:
            builder.emit(record)
    builder.finish()
    writer.flush()
    return text.getvalue().decode("utf-8")
