"""Controlled vocabularies shared by the models, the RDF builder and the shapes.

Each code is the local name of an ontology term (``ontology/aikg.ttl``): organisation types and
deal kinds are OWL classes, statuses and evidence levels are SKOS concepts, metrics are
instances of ``aikg:Metric``. ``tests/test_ontology_agreement.py`` proves that every code here is
declared there with English and German labels and a definition.
"""

from __future__ import annotations

from enum import StrEnum


class OrgType(StrEnum):
    AI_LAB = "ai_lab"
    CLOUD_PROVIDER = "cloud_provider"
    CHIP_MAKER = "chip_maker"
    BIG_TECH = "big_tech"
    INVESTMENT_FIRM = "investment_firm"
    SOVEREIGN_FUND = "sovereign_fund"
    JOINT_VENTURE = "joint_venture"
    DATA_CENTER_OPERATOR = "data_center_operator"
    ENERGY_COMPANY = "energy_company"
    COMPANY = "company"


class DealKind(StrEnum):
    EQUITY_INVESTMENT = "equity_investment"
    FUNDING_ROUND = "funding_round"
    COMPUTE_COMMITMENT = "compute_commitment"
    CHIP_SUPPLY = "chip_supply"
    WARRANT = "warrant"
    JOINT_VENTURE = "joint_venture"
    DEBT_FINANCING = "debt_financing"
    REVENUE_SHARE = "revenue_share"
    ACQUISITION = "acquisition"
    PARTNERSHIP = "partnership"


# What a deal's money buys, as the metrics group deal kinds: goods and services (a provider's
# revenue, a customer's commitment) or a stake (an investee's funding).
COMMERCIAL_KINDS = frozenset(k.value for k in (DealKind.COMPUTE_COMMITMENT, DealKind.CHIP_SUPPLY,
                                               DealKind.REVENUE_SHARE, DealKind.PARTNERSHIP))
FUNDING_KINDS = frozenset(k.value for k in (DealKind.EQUITY_INVESTMENT, DealKind.FUNDING_ROUND,
                                            DealKind.JOINT_VENTURE, DealKind.ACQUISITION))


class Role(StrEnum):
    INVESTOR = "investor"
    INVESTEE = "investee"
    CUSTOMER = "customer"
    PROVIDER = "provider"
    LENDER = "lender"
    BORROWER = "borrower"
    GRANTOR = "grantor"
    GRANTEE = "grantee"
    ACQUIRER = "acquirer"
    TARGET = "target"
    PARTNER = "partner"
    VENTURE = "venture"  # the joint venture or special-purpose vehicle itself


class Flow(StrEnum):
    """What a party hands over in a deal."""

    MONEY = "money"
    EQUITY = "equity"
    COMPUTE = "compute"
    CHIPS = "chips"
    SERVICES = "services"
    DEBT = "debt"  # a repayment obligation
    NONE = "none"


class Status(StrEnum):
    """Deal lifecycle (SKOS scheme ``aikg:DealStatusScheme``)."""

    RUMOURED = "rumoured"
    ANNOUNCED = "announced"
    COMMITTED = "committed"
    CLOSED = "closed"
    IN_PROGRESS = "in_progress"
    PROJECTED = "projected"
    CANCELLED = "cancelled"


# The statuses every analysis counts unless told otherwise, and the only ones the derived shortcut
# edges (kg.rdf.triples) and the named queries over them see: rumoured, projected and cancelled
# deals are left out the same way everywhere.
COUNTED_STATUSES = frozenset({Status.ANNOUNCED, Status.COMMITTED, Status.CLOSED, Status.IN_PROGRESS})


class Evidence(StrEnum):
    """How well a claim is backed (SKOS scheme ``aikg:EvidenceLevelScheme``)."""

    CONFIRMED = "confirmed"  # a party's own filing, press release or statement
    REPORTED = "reported"  # reported by the press, citing sources
    ESTIMATED = "estimated"  # an analyst's or reporter's estimate


class Basis(StrEnum):
    """Whether an observed figure is an actual, a forecast or a plan."""

    ACTUAL = "actual"
    FORECAST = "forecast"
    PLAN = "plan"


class Metric(StrEnum):
    CAPEX = "capex"
    REVENUE = "revenue"  # earned in the observation's period
    REVENUE_RUN_RATE = "revenue_run_rate"  # annualised from a recent month or quarter
    NET_LOSS = "net_loss"
    VALUATION_PRE = "valuation_pre"
    VALUATION_POST = "valuation_post"
    MARKET_CAP = "market_cap"
    MARKET_VALUE_LOSS = "market_value_loss"
    SHARE_PRICE_DECLINE = "share_price_decline"
    MARKET_VALUE_GAIN = "market_value_gain"
    SHARE_PRICE_RISE = "share_price_rise"
    EMPLOYEES = "employees"
    TOKEN_PRICE_INPUT = "token_price_input"  # noqa: S105 - a metric code, not a secret
    TOKEN_PRICE_OUTPUT = "token_price_output"  # noqa: S105
    GROSS_MARGIN = "gross_margin"
    PROFIT_MARGIN = "profit_margin"
    FUNDING_RAISED_TOTAL = "funding_raised_total"
    DEVELOPMENT_COST = "development_cost"
    INVESTMENT_TOTAL = "investment_total"
    REVENUE_REQUIRED = "revenue_required"
    TARGET_ATTAINMENT = "target_attainment"
    COMPUTE_CAPACITY = "compute_capacity"


# Which flow each role hands over when the data does not say; chips and compute depend on the kind.
DEFAULT_FLOW: dict[Role, Flow] = {
    Role.INVESTOR: Flow.MONEY,
    Role.INVESTEE: Flow.EQUITY,
    Role.CUSTOMER: Flow.MONEY,
    Role.PROVIDER: Flow.COMPUTE,
    Role.LENDER: Flow.MONEY,
    Role.BORROWER: Flow.DEBT,
    Role.GRANTOR: Flow.EQUITY,
    Role.GRANTEE: Flow.NONE,
    Role.ACQUIRER: Flow.MONEY,
    Role.TARGET: Flow.EQUITY,
    Role.PARTNER: Flow.NONE,
    Role.VENTURE: Flow.EQUITY,
}
PROVIDER_FLOW_BY_KIND: dict[DealKind, Flow] = {
    DealKind.CHIP_SUPPLY: Flow.CHIPS,
    DealKind.REVENUE_SHARE: Flow.SERVICES,
    DealKind.PARTNERSHIP: Flow.SERVICES,
}


def default_flow(role: Role, kind: DealKind) -> Flow:
    if role is Role.PROVIDER:
        return PROVIDER_FLOW_BY_KIND.get(kind, Flow.COMPUTE)
    if role is Role.PARTNER and kind is DealKind.JOINT_VENTURE:
        return Flow.MONEY
    return DEFAULT_FLOW[role]
