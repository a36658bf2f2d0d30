"""The projection's tables straight from the validated records, in the build's one pass over the data.

:func:`kg.projection.tables.read` reads the tables out of the store with nine SPARQL queries (62 s
and 4.4 GB at 100k organisations). The build already holds every record as it turns it into
triples, so it hands each one to a :class:`TableRows` as well; the rows are what those queries
return for the triples :mod:`kg.rdf.triples` writes for the record (same IRIs, the same USD figures
through the same exchange rate), put in order by the same :func:`kg.projection.tables.tidy`.
``tests/test_written_tables.py`` proves both give equal tables on the bundled and a synthetic data set.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from kg.projection.tables import SIZE_METRICS, Tables, tidy
from kg.projection.text import texts
from kg.rdf import namespaces as ns
from kg.rdf.digest import Digest, fact_digest
from kg.rdf.fieldmap import prop
from kg.records.fx import FxTable
from kg.records.models import Amount, Deal, FxRate, Observation, Organisation, Record, Source
from kg.records.vocab import default_flow

_ALIAS, _PARENT = prop(Organisation, "aliases")[1:-1], prop(Organisation, "parent")[1:-1]  # IRIs, no <>
_IDS = tuple((field, prop(Organisation, field)[1:-1]) for field in ("wikidata", "lei", "ticker"))
_NAN3 = (np.nan, np.nan, np.nan)


class TableRows:
    """Collects the tables' rows record by record (:meth:`add`); :meth:`tables` puts them in order.

    ``fx`` is called for the exchange rates at each record, as the triples' builder holds them then
    (rates are read before the records that use them).
    """

    def __init__(self, fx: Callable[[], FxTable]) -> None:
        self._fx = fx
        self.rows: dict[str, list[tuple]] = {name: [] for name in _COLUMNS}

    def add(self, record: Record, digest: Digest | None = None) -> None:
        """The rows of one record (a source, organisation, deal or observation; rates have none); a deal's or
        observation's ``digest`` is the one its triples were written with (derived here when not given)."""
        if isinstance(record, Deal | Observation) and digest is None:
            digest = fact_digest(record, self._fx())
        if isinstance(record, Deal):
            self._deal(record, digest)  # type: ignore[arg-type]
        elif isinstance(record, Organisation):
            self._organisation(record)
        elif isinstance(record, Source):
            self.rows["sources"].append((record.id, record.publisher, record.title, record.url or "",
                                         record.seed_file or "", record.published))
        elif isinstance(record, Observation):
            self._observation(record, digest)  # type: ignore[arg-type]
        elif not isinstance(record, FxRate):
            raise TypeError(f"no table rows for {type(record).__name__}")

    def _organisation(self, org: Organisation) -> None:
        iri, rows = ns.record("org", org.id), self.rows
        rows["orgs"].append((iri, org.id, org.name))
        rows["org_types"] += [(iri, kind.value) for kind in dict.fromkeys(org.types)]
        props = rows["org_props"]
        props += [(iri, _ALIAS, name) for name in dict.fromkeys(n for names in org.aliases.values() for n in names)]
        if org.parent:
            props.append((iri, _PARENT, ns.record("org", org.parent)))
        props += [(iri, p, getattr(org, field)) for field, p in _IDS if getattr(org, field)]

    def _deal(self, deal: Deal, digest: Digest) -> None:
        rows, fx, s = self.rows, self._fx(), ns.record("deal", deal.id)
        preferred, current, credited = deal.preferred_claim, digest.current_usd, digest.credited
        rows["deals"].append((deal.id, deal.kind.value, deal.title, deal.part_of,
                              np.nan if current is None else current, digest.disagree))
        rows["parties"] += [(deal.id, p.org, p.role.value, (p.gives or default_flow(p.role, deal.kind)).value,
                             credited.get(p.org, np.nan)) for p in deal.parties]
        rows["links"] += digest.edges
        for i, claim in enumerate(deal.claims):
            c, amount, q = f"{s}/claim/{i + 1}", claim.amount, claim.quantity
            rows["claims"].append((
                deal.id, c, claim.date, claim.status.value, claim.evidence.value, claim is preferred, claim.source,
                claim.quote, *_usd(amount, fx, claim.date),
                amount is not None and amount.approximate, amount is not None and amount.undisclosed,
                *((np.nan, np.nan, np.nan, None) if q is None else (*_stated(q), q.unit)),
                *((np.nan, np.nan, np.nan, None) if amount is None else (*_stated(amount), amount.currency)),
                claim.preferred_reason))
            for org, fig in claim.participations.items():
                stake = fig.stake
                stated = np.nan if stake is None else next(
                    (x for x in (stake.value, stake.max, stake.min) if x is not None), np.nan)
                rows["figures"].append((deal.id, c, org, *_usd(fig.amount, fx, claim.date), stated))

    def _observation(self, obs: Observation, digest: Digest) -> None:
        rows, fx, iri = self.rows, self._fx(), ns.record("observation", obs.id)
        rows["observations"].append((obs.id, obs.metric.value, *obs.period, obs.segment, digest.disagree))
        rows["obs_orgs"] += [(obs.id, org) for org in obs.orgs]
        preferred = obs.preferred_claim
        for i, claim in enumerate(obs.claims):
            v = claim.value  # type: ignore[attr-defined]
            rows["obs_claims"].append((
                obs.id, f"{iri}/claim/{i + 1}", claim.date, claim.basis.value, claim.evidence.value,  # type: ignore[attr-defined]
                claim is preferred, claim.preferred_reason, claim.source, claim.quote, *_stated(v), v.currency, v.unit,
                *_usd(v, fx, claim.date), v.approximate))
        if obs.metric in SIZE_METRICS:
            usd = _usd(preferred.value, fx, preferred.date)  # type: ignore[attr-defined]
            rows["size_figures"] += [(iri, org, obs.metric.value, obs.period[1], *usd) for org in obs.orgs]

    def tables(self) -> Tables:
        """The tables, in the order :func:`kg.projection.tables.tidy` gives every source of them."""
        frames = {}
        for name, columns in _COLUMNS.items():
            cols = list(zip(*self.rows[name], strict=True)) or [()] * len(columns)
            frames[name] = pd.DataFrame({c: _column(c, values) for c, values in zip(columns, cols, strict=True)})
        return tidy(Tables(**frames))


_COLUMNS = {
    "orgs": ("iri", "id", "label"), "org_types": ("iri", "code"), "org_props": ("iri", "p", "o"),
    "deals": ("deal", "kind", "title", "part_of", "current_usd", "claims_disagree"),
    "claims": ("deal", "claim", "date", "status", "evidence", "preferred", "source", "quote", "value_usd", "min_usd",
               "max_usd", "approximate", "undisclosed", "quantity", "min_quantity", "max_quantity", "unit",
               "amount", "min_amount", "max_amount", "currency", "reason"),
    "sources": ("source", "publisher", "title", "url", "seed_file", "published"),
    "parties": ("deal", "org", "role", "gives", "credited_usd"),
    "figures": ("deal", "claim", "org", "value_usd", "min_usd", "max_usd", "stake"),
    "size_figures": ("obs", "org", "metric", "end", "value_usd", "min_usd", "max_usd"),
    "links": ("from", "link", "to"),
    "observations": ("obs", "metric", "period_start", "period_end", "segment", "claims_disagree"),
    "obs_orgs": ("obs", "org"),
    "obs_claims": ("obs", "claim", "date", "basis", "evidence", "preferred", "reason", "source", "quote", "value",
                   "min_value", "max_value", "currency", "unit", "value_usd", "min_usd", "max_usd", "approximate"),
}
_DATES = {"date", "published", "end", "period_start", "period_end"}
_FLOATS = {"value_usd", "min_usd", "max_usd", "stake", "current_usd", "credited_usd", "quantity", "min_quantity",
           "max_quantity", "amount", "min_amount", "max_amount", "value", "min_value", "max_value"}
_BOOLS = {"preferred", "approximate", "undisclosed", "claims_disagree"}


def _column(name: str, values: tuple) -> np.ndarray | pd.Series:
    """One column typed as :func:`kg.projection.tables.tidy` types every table (text as Python strings)."""
    if name in _DATES:
        return np.array(values, dtype="datetime64[D]")
    if name in _FLOATS:
        return np.array(values, dtype=float)
    if name in _BOOLS:
        return np.array(values, dtype=bool)
    return texts(values)


def _usd(amount: Amount | None, fx: FxTable, on: date) -> tuple[float, float, float]:
    """(value, min, max) in USD as the triples state them (``aikg:valueUSD`` ...), NaN where not stated:
    only amounts with a currency have them, at the rate of the claim's date where there is one."""
    if amount is None or amount.currency is None:
        return _NAN3
    rate = fx.rate(amount.currency, on)
    factor = None if rate is None else rate.usd_per_unit
    return tuple(np.nan if v is None else v if factor is None else v * factor  # type: ignore[return-value]
                 for v in (amount.value, amount.min, amount.max))


def _stated(amount: Amount) -> tuple[float, float, float]:
    """(value, min, max) as stated, NaN where not."""
    return tuple(np.nan if v is None else v for v in (amount.value, amount.min, amount.max))  # type: ignore[return-value]
