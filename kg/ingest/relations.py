"""Candidates: each figure of a sentence (or a deal without one) with its kind, parties and roles, date,
status, confidence and the reasons for each choice.

A figure's parties are the organisations nearest to it in its clause; a sentence that names none
but refers back ("das Unternehmen", "the company", "Ihre Aktienkurse") takes the article's main
organisation or the previous sentence's. The kind comes from the words of the clause, then of the
sentence (:mod:`kg.ingest.cues`); roles from the organisations' types and the verb's direction.
Every choice that is a guess lowers the confidence and is named in ``reasons``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field, replace

from kg.ingest import amounts, cues, dates
from kg.ingest.orgs import Mention, OrgIndex
from kg.ingest.sentences import Sentence
from kg.records.vocab import Basis, DealKind, Evidence, Metric, Role, Status

_CLAUSE_BREAK = re.compile(r"[;:]\s|,\s(?!\d)|\s(?:sowie|wobei|while|whereas|während|–|—)\s")
# Deals whose parties are one buyer and one seller: a list of sellers is one deal each.
_BILATERAL = {DealKind.PARTNERSHIP, DealKind.COMPUTE_COMMITMENT, DealKind.CHIP_SUPPLY}
_SERVICES = re.compile(r"(?:nutz\w*|uses?|used)\s+(?:die\s+)?(?:dienste|services)|dienste von|services of", re.I)
_PER_MILLION_TOKENS = re.compile(r"(?:pro|per)\s+(?:million|1M|1 million)\s+tokens?", re.I)
# Figures about a market or an industry: the organisations named beside them are not their subject.
_MARKET_METRICS = {Metric.INVESTMENT_TOTAL.value, Metric.REVENUE_REQUIRED.value}
# Kinds a sentence may state with only the receiving party named ("OpenAI raised $40bn", "Amazon sold $12bn of bonds").
_ONE_PARTY_KINDS = {DealKind.FUNDING_ROUND.value, DealKind.DEBT_FINANCING.value}
_STAKE = re.compile(r"anteil|stake|beteiligung|owns|hält\b|holds", re.I)


@dataclass
class Party:
    org: str | None  # id in the graph; None for a proposed organisation
    name: str
    role: Role | None = None
    how: str = "name"


@dataclass
class Candidate:
    record: str  # "deal" or "observation"
    kind: str  # a DealKind or a Metric code
    parties: list[Party]
    amount: dict[str, object] | None  # the fields of an Amount; None: undisclosed
    quote: str
    start: int
    end: int
    date: dt.date
    date_inferred: bool
    status: Status | None = None
    basis: Basis | None = None
    evidence: Evidence = Evidence.REPORTED
    year: int | None = None
    quantity: dict[str, object] | None = None
    stake: dict[str, object] | None = None
    per: str | None = None
    segment: str | None = None
    confidence: float = 0.5
    reasons: list[str] = field(default_factory=list)
    id: str = ""
    match: str = "new"
    target: str | None = None  # the deal or observation a claim would be added to


@dataclass
class _Context:
    lang: str
    published: dt.date | None
    published_inferred: bool
    topic: Mention | None
    currency: str | None = None  # the last currency the article named, for "sieben Milliarden"


def candidates(sentences: list[Sentence], lang: str, index: OrgIndex, published: dt.date | None,
            published_inferred: bool = False) -> list[Candidate]:
    """The candidates of an article's sentences."""
    mentions = [_parties_of(s.text, index) for s in sentences]
    mentions = _new_names_everywhere(sentences, mentions)
    ctx = _Context(lang, published, published_inferred, _topic(mentions))
    out: list[Candidate] = []
    previous: list[Mention] = []
    for sentence, found in zip(sentences, mentions, strict=True):
        found, how = _refer_back(sentence.text, found, previous, ctx)
        out += _sentence_candidates(sentence, found, how, ctx, index)
        previous = found
    return out


def _parties_of(text: str, index: OrgIndex) -> list[Mention]:
    """Organisations named in the sentence, less those that are only the source of a report ("laut Bloomberg")."""
    kept = []
    for m in index.find(text):
        if cues.ATTRIBUTION_BEFORE.search(text[max(0, m.start - 20):m.start]) or \
                cues.ATTRIBUTION_AFTER.match(text[m.end:m.end + 20]):
            continue
        kept.append(m)
    return kept


def _new_names_everywhere(sentences: list[Sentence], mentions: list[list[Mention]]) -> list[list[Mention]]:
    """A proposed organisation introduced once ("AI startup Quantumleap") is found in every sentence."""
    names = {m.name for found in mentions for m in found if m.org is None}
    if not names:
        return mentions
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                         + r")(?:'s|’s|s)?(?!\w)")
    out = []
    for sentence, found in zip(sentences, mentions, strict=True):
        extra = [Mention(m.start(1), m.end(1), None, m.group(1), "new") for m in pattern.finditer(sentence.text)
                 if not any(o.start < m.end(1) and m.start(1) < o.end for o in found)]
        out.append(sorted(found + extra, key=lambda m: m.start))
    return out


def _topic(mentions: list[list[Mention]]) -> Mention | None:
    """The organisation the article is about: the one it names most often (at least twice)."""
    counts = Counter(m.org or m.name for found in mentions for m in found)
    if not counts:
        return None
    key, n = counts.most_common(1)[0]
    return next(m for found in mentions for m in found if (m.org or m.name) == key) if n >= 2 else None


def _refer_back(text: str, found: list[Mention], previous: list[Mention],
                ctx: _Context) -> tuple[list[Mention], str | None]:
    """The sentence's parties with those it refers back to, and how they were found (None: named)."""
    if cues.COMPANY_ANAPHOR.search(text) and ctx.topic is not None and not found:
        return [replace(ctx.topic, start=-1, end=-1)], f"'{cues.COMPANY_ANAPHOR.search(text).group(0)}' read as " \
                                                       f"{ctx.topic.name}, the organisation the article names most"
    if not found and previous and cues.PRONOUN_START.match(text):
        return [replace(m, start=-1, end=-1) for m in previous], \
            f"'{text.split()[0]}' read as {', '.join(m.name for m in previous)} of the previous sentence"
    if found and previous and cues.PRONOUN_SUBJECT.match(text):
        subject = replace(previous[-1], start=-1, end=-1)
        if subject.org not in {m.org for m in found} or subject.org is None:
            return [subject, *found], f"the pronoun subject read as {subject.name} of the previous sentence"
    return found, None


def _sentence_candidates(sentence: Sentence, found: list[Mention], how: str | None, ctx: _Context,
                         index: OrgIndex) -> list[Candidate]:
    text = sentence.text
    figures = amounts.find(text, ctx.lang)
    explicit = [f.currency for f in figures if f.currency]
    out = []
    for i, fig in enumerate(figures):
        if fig.is_money and fig.currency is None:
            currency = explicit[0] if explicit else ctx.currency
            why = "currency taken from the sentence" if explicit else "currency taken from an earlier sentence"
            if currency is None:
                currency, why = "USD", "no currency in the text: USD assumed"
            fig = replace(fig, currency=currency)
            reasons = [why]
        else:
            reasons = []
        cand = _figure_candidate(sentence, figures, i, fig, found, how, ctx, index, reasons)
        if cand is not None:
            out.append(cand)
    if explicit:
        ctx.currency = explicit[-1]
    if not figures:
        out += _undisclosed(sentence, found, how, ctx, index)
    return out


def _clause(text: str, start: int, end: int, found: list[Mention]) -> tuple[int, int]:
    """The clause around text[start:end]; a comma inside a list of names ("Microsoft, Alphabet") is no break."""
    breaks = [m for m in _CLAUSE_BREAK.finditer(text)
              if not (m.group(0).startswith(",") and any(o.start == m.end() for o in found)
                      and any(o.end == m.start() for o in found))]
    left = max((m.end() for m in breaks if m.end() <= start), default=0)
    right = min((m.start() for m in breaks if m.start() >= end), default=len(text))
    return left, right


def _figure_candidate(sentence: Sentence, figures: list[amounts.Figure], i: int, fig: amounts.Figure,
                      found: list[Mention], how: str | None, ctx: _Context, index: OrgIndex,
                      reasons: list[str]) -> Candidate | None:
    text = sentence.text
    named = [m for m in found if m.start >= 0]
    referred = [m for m in found if m.start < 0]
    left, right, clause = _window(text, figures, i, found)
    if sentence.header:  # a table row: the organisation is in its first cell
        first_cell = text.find("|")
        before, after = [m for m in named if m.end <= first_cell][-1:], []
    else:
        # an organisation right before a later figure is that figure's ("Amazon 50, SoftBank 30 und Nvidia 20")
        owners = {id(m) for j in range(i + 1, len(figures))
                  for m in _before(named, _window(text, figures, j, found)[0], figures[j].start)[-1:]}
        before = _before(named, left, fig.start)[-1:]
        after = [m for m in named if fig.end <= m.start and m.end <= right and id(m) not in owners]
    earlier = [m for m in named if m.end <= fig.start][-1:]
    if ctx.topic is not None and not (before or after) and cues.COMPANY_ANAPHOR.search(clause):
        earlier = [replace(ctx.topic, start=-1, end=-1)]  # "valuing the company at": the article's organisation
        reasons.append(f"'{cues.COMPANY_ANAPHOR.search(clause).group(0)}' read as {ctx.topic.name}")
    near = before or after or earlier or referred
    if how and near is referred:
        reasons.append(how)
    kind, record, why = _kind(fig, clause, text, sentence.header, named)
    if kind is None:
        return None
    reasons.append(why)
    if record == "observation":
        chosen = [] if kind in _MARKET_METRICS else _unique(near)
        parties = [Party(m.org, m.name, None, m.how) for m in chosen]
    else:
        chosen = _unique((before or _subject(text, named, figures, left)) + after if before or after else near)
        if len(chosen) < 2 and ctx.topic is not None and ctx.topic.org not in {m.org for m in chosen}:
            chosen.append(ctx.topic)
            reasons.append(f"{ctx.topic.name} added as the organisation the article names most")
        parties = _roles(DealKind(kind), chosen, text, index, reasons)
    return _finish(sentence, fig, kind, record, parties, clause, ctx, reasons, how is not None and near is referred)


def _window(text: str, figures: list[amounts.Figure], i: int, found: list[Mention]) -> tuple[int, int, str]:
    """The part of the sentence that belongs to figure ``i``: its clause, cut at the figures beside it."""
    fig = figures[i]
    left, right = _clause(text, fig.start, fig.end, found)
    if i > 0:
        left = max(left, figures[i - 1].end)
    if i + 1 < len(figures):
        right = min(right, figures[i + 1].start)
    return left, right, text[left:right]


def _before(named: list[Mention], left: int, start: int) -> list[Mention]:
    return [m for m in named if left <= m.start and m.end <= start]


def _subject(text: str, named: list[Mention], figures: list[amounts.Figure], left: int) -> list[Mention]:
    """The sentence's subject for a figure in a later clause: the first organisation of a first clause
    without a figure ("OpenAI hatte Deals abgeschlossen, darunter ein 38 Milliarden Dollar Vertrag mit AWS")."""
    if not named or named[0].end > left:
        return []
    first_end = _clause(text, named[0].start, named[0].end, named)[1]
    return [named[0]] if not any(f.start < first_end for f in figures) else []


def _unique(mentions: list[Mention]) -> list[Mention]:
    seen: set[str] = set()
    out = []
    for m in mentions:
        key = m.org or m.name
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def _kind(fig: amounts.Figure, clause: str, text: str, header: tuple[str, ...],
          named: list[Mention]) -> tuple[str | None, str, str]:
    """(kind or metric, "deal" or "observation", why) for one figure; None when no word names one."""
    several = len({m.org or m.name for m in named}) >= 2
    if fig.unit == "fraction":
        return _fraction_kind(clause, text, several)
    if fig.unit in ("GPUs", "chips"):
        return (DealKind.CHIP_SUPPLY.value, "deal", f"a count of {fig.unit} between parties") if several \
            else (None, "", "")
    if fig.unit in ("GW", "MW"):
        if several:
            return _deal_kind(clause, text) or (DealKind.COMPUTE_COMMITMENT.value, "deal", "capacity between parties")
        return Metric.COMPUTE_CAPACITY.value, "observation", f"a capacity in {fig.unit}"
    if fig.unit == "shares":
        return (_deal_kind(clause, text) or (None, "", "")) if several else (None, "", "")
    if fig.unit == "people":
        return Metric.EMPLOYEES.value, "observation", "a head count"
    if header and cues.TOKEN_PRICE.search(" ".join(header)):
        cell = _column_of(text, fig, header)
        metric = Metric.TOKEN_PRICE_OUTPUT if cues.OUTPUT.search(cell) else Metric.TOKEN_PRICE_INPUT
        return metric.value, "observation", f"a price in the table column '{cell}'"
    for scope, words in (("clause", clause), ("sentence", text)):
        if cues.MARKET_VALUE.search(words) and (cues.FALL.search(words) or cues.RISE.search(words)):
            metric = Metric.MARKET_VALUE_LOSS if cues.FALL.search(words) else Metric.MARKET_VALUE_GAIN
            return metric.value, "observation", f"a market-value move in the {scope}"
        for metric, pattern in cues.METRIC_CUES:
            if metric is Metric.CAPEX or (metric is Metric.INVESTMENT_TOTAL and several):
                continue
            if m := pattern.search(words):
                return metric.value, "observation", f"'{m.group(0)}' in the {scope}"
        deal = _deal_kind(words, words)
        spending = cues.SPENDING.search(words)
        if deal is not None and spending and deal[0] in (DealKind.EQUITY_INVESTMENT.value, DealKind.CHIP_SUPPLY.value):
            return Metric.CAPEX.value, "observation", f"'{spending.group(0)}': spending on things, not on a party"
        if deal is not None and (several or deal[0] in _ONE_PARTY_KINDS):
            return deal
    if m := dict(cues.METRIC_CUES)[Metric.CAPEX].search(text):
        return Metric.CAPEX.value, "observation", f"'{m.group(0)}': spending by the organisations named"
    return None, "", ""


def _deal_kind(clause: str, text: str) -> tuple[str, str, str] | None:
    for scope, words in (("clause", clause), ("sentence", text)):
        if _SERVICES.search(words):
            return DealKind.PARTNERSHIP.value, "deal", f"services used, in the {scope}"
        for kind, pattern in cues.DEAL_CUES:
            if m := pattern.search(words):
                return kind.value, "deal", f"'{m.group(0)}' in the {scope}"
    return None


def _fraction_kind(clause: str, text: str, several: bool) -> tuple[str | None, str, str]:
    for scope, words in (("clause", clause), ("sentence", text)):
        if cues.SHARES.search(words) and (cues.FALL.search(words) or cues.RISE.search(words)):
            metric = Metric.SHARE_PRICE_DECLINE if cues.FALL.search(words) else Metric.SHARE_PRICE_RISE
            return metric.value, "observation", f"a share-price move in the {scope}"
        if several and _STAKE.search(words):
            return DealKind.EQUITY_INVESTMENT.value, "deal", f"a stake in the {scope}"
        for metric in (Metric.GROSS_MARGIN, Metric.PROFIT_MARGIN, Metric.TARGET_ATTAINMENT):
            if m := dict(cues.METRIC_CUES)[metric].search(words):
                return metric.value, "observation", f"'{m.group(0)}' in the {scope}"
    return None, "", ""


def _column_of(text: str, fig: amounts.Figure, header: tuple[str, ...]) -> str:
    cell = text[:fig.start].count("|") - (1 if text.lstrip().startswith("|") else 0)
    return header[cell] if 0 <= cell < len(header) else ""


def _roles(kind: DealKind, chosen: list[Mention], text: str, index: OrgIndex, reasons: list[str]) -> list[Party]:
    """Who gives and who receives, from the organisations' types and the direction of the verb."""
    types = {m.org: {t.value for t in index.orgs[m.org].types} if m.org in index.orgs else set() for m in chosen}
    parties = [Party(m.org, m.name, None, m.how) for m in chosen]
    if not parties:
        return parties

    def typed(*wanted: str) -> list[Party]:
        return [p for p in parties if types.get(p.org, set()) & set(wanted)]

    receives = bool(cues.RECEIVES.search(text))
    if kind in (DealKind.FUNDING_ROUND, DealKind.EQUITY_INVESTMENT):
        labs = typed("ai_lab") if len(typed("ai_lab")) == 1 else []
        taker = labs[0] if labs else parties[0] if receives else parties[-1]
        _assign(parties, taker, Role.INVESTEE, Role.INVESTOR)
        reasons.append(f"investee {taker.name}: " + ("the AI lab among the parties" if labs else
                                                     "subject of a receiving verb" if receives else "named last"))
    elif kind in (DealKind.COMPUTE_COMMITMENT, DealKind.CHIP_SUPPLY, DealKind.PARTNERSHIP, DealKind.REVENUE_SHARE):
        wanted = ("chip_maker",) if kind is DealKind.CHIP_SUPPLY else ("cloud_provider",)
        sellers = typed(*wanted) if kind is not DealKind.PARTNERSHIP else parties[1:]
        if _SERVICES.search(text) or kind is not DealKind.PARTNERSHIP:
            sellers = [p for p in sellers if p is not parties[0]] or sellers or parties[1:]
            for p in parties:
                p.role = Role.PROVIDER if p in sellers else Role.CUSTOMER
            reasons.append("provider: " + ", ".join(p.name for p in sellers))
        else:
            for p in parties:
                p.role = Role.PARTNER
    elif kind is DealKind.DEBT_FINANCING:
        lenders = typed("investment_firm", "company") if not receives else parties[1:]
        borrower = next((p for p in parties if p not in lenders), parties[0])
        _assign(parties, borrower, Role.BORROWER, Role.LENDER)
        reasons.append(f"borrower {borrower.name}")
    elif kind is DealKind.ACQUISITION:
        _assign(parties, parties[-1], Role.TARGET, Role.ACQUIRER)
    elif kind is DealKind.WARRANT:
        grantor = (typed("chip_maker") or parties[:1])[0]
        _assign(parties, grantor, Role.GRANTOR, Role.GRANTEE)
    else:
        for p in parties:
            p.role = Role.VENTURE if "joint_venture" in types.get(p.org, set()) else Role.PARTNER
    return parties


def _assign(parties: list[Party], one: Party, its_role: Role, others: Role) -> None:
    for p in parties:
        p.role = its_role if p is one else others


def _finish(sentence: Sentence, fig: amounts.Figure, kind: str, record: str, parties: list[Party], clause: str,
            ctx: _Context, reasons: list[str], referred: bool) -> Candidate:
    text = sentence.text
    date, inferred = _date(text, ctx, reasons)
    cand = Candidate(record=record, kind=kind, parties=parties, amount=None, quote=text, start=sentence.start,
                     end=sentence.end, date=date, date_inferred=inferred, reasons=reasons)
    amount = fig.amount()
    if record == "deal":
        cand.status, why = _status(text)
        reasons.append(why)
        if fig.is_money:
            cand.amount = amount
        elif fig.unit == "fraction":
            cand.stake = amount
        else:
            cand.quantity = amount
    else:
        cand.amount = amount
        cand.basis = Basis.FORECAST if cues.FORECAST.search(clause) else \
            Basis.PLAN if cues.PLAN.search(text) else Basis.ACTUAL
        cand.year = dates.year_of(clause, ctx.published) or dates.year_of(text, ctx.published)
        if not parties:
            cand.segment = clause.strip(" ,.;")[:200] or text[:200]
        if _PER_MILLION_TOKENS.search(" ".join((text, *sentence.header))):
            cand.per = "1M tokens"
    cand.evidence = Evidence.ESTIMATED if cues.ESTIMATED.search(text) else \
        Evidence.CONFIRMED if cues.CONFIRMED.search(text) else Evidence.REPORTED
    cand.confidence = _confidence(cand, fig, referred)
    return cand


def _date(text: str, ctx: _Context, reasons: list[str]) -> tuple[dt.date, bool]:
    found = dates.find_date(text, ctx.published)
    if found is not None:
        reasons.append(f"date {found.date.isoformat()}: {found.how}")
        return found.date, found.inferred or ctx.published_inferred
    if ctx.published is not None:
        return ctx.published, True
    today = dt.date.today()
    reasons.append("no date in the text or the page: dated today, to be checked")
    return today, True


def _status(text: str) -> tuple[Status, str]:
    for status, pattern in cues.STATUS_CUES:
        if m := pattern.search(text):
            return status, f"status {status.value}: '{m.group(0)}'"
    return Status.ANNOUNCED, "status announced: no wording says more"


def _confidence(cand: Candidate, fig: amounts.Figure, referred: bool) -> float:
    score = 0.45
    score += 0.1 * min(2, sum(1 for p in cand.parties if p.org))
    score += 0.1 if any(r.startswith("'") and "clause" in r for r in cand.reasons) else 0.0
    score -= 0.1 if any(r.startswith("currency taken") or r.startswith("no currency") for r in cand.reasons) else 0
    score -= 0.15 if referred else 0.0
    score -= 0.05 * sum(1 for p in cand.parties if p.how in ("fuzzy", "new"))
    score -= 0.2 if cand.record == "deal" and len(cand.parties) < 2 else 0.0
    score -= 0.1 if fig.unit is None and fig.currency is None else 0.0
    return round(min(0.95, max(0.05, score)), 2)


def _undisclosed(sentence: Sentence, found: list[Mention], how: str | None, ctx: _Context,
                 index: OrgIndex) -> list[Candidate]:
    """A deal the sentence names without a figure: services used, or a deal signed or closed."""
    text = sentence.text
    parties = _unique(found)
    if len(parties) < 2:
        return []
    deal = _deal_kind(text, text)
    status, why_status = _status(text)
    if deal is None or not (_SERVICES.search(text) or status in (Status.COMMITTED, Status.CLOSED)):
        return []
    kind = DealKind(deal[0])
    reasons = [deal[2], "no figure in the sentence: amount undisclosed"] + ([how] if how else [])
    groups = [[parties[0], other] for other in parties[1:]] if kind in _BILATERAL else [parties]
    out = []
    for group in groups:
        mine = list(reasons)
        roles = _roles(kind, group, text, index, mine)
        date, inferred = _date(text, ctx, mine)
        cand = Candidate(record="deal", kind=kind.value, parties=roles, amount=None, quote=text,
                         start=sentence.start, end=sentence.end, date=date, date_inferred=inferred, status=status,
                         reasons=[*mine, why_status])
        cand.confidence = round(max(0.05, 0.35 - (0.1 if how else 0.0)), 2)
        out.append(cand)
    return out
