"""Converting native amounts to USD with the bundled, sourced exchange-rate table (``data/fx/``)."""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date

from kg.records.models import FxRate


class FxTable:
    """Rates by currency; a conversion uses the latest rate on or before the date, else the earliest."""

    def __init__(self, rates: list[FxRate]):
        by_currency: dict[str, list[FxRate]] = defaultdict(list)
        for rate in rates:
            by_currency[rate.currency].append(rate)
        self._rates = {cur: sorted(rs, key=lambda r: r.date) for cur, rs in by_currency.items()}
        self._dates = {cur: [r.date for r in rs] for cur, rs in self._rates.items()}

    def has(self, currency: str) -> bool:
        return currency == "USD" or currency in self._rates

    def rate(self, currency: str, on: date) -> FxRate | None:
        """The rate used for ``currency`` on ``on``; ``None`` for USD."""
        if currency == "USD":
            return None
        rates = self._rates[currency]
        i = bisect.bisect_right(self._dates[currency], on)
        return rates[i - 1] if i else rates[0]

    def to_usd(self, value: float | None, currency: str, on: date) -> float | None:
        if value is None:
            return None
        rate = self.rate(currency, on)
        return value if rate is None else value * rate.usd_per_unit
