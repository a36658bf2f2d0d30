"""IRIs: the ontology's terms and the pattern every minted data IRI follows (no blank nodes)."""

from __future__ import annotations

from functools import cache
from urllib.parse import quote

from kg.records.vocab import Basis, DealKind, Evidence, Flow, Metric, OrgType, Role, Status

ONTOLOGY = "https://w3id.org/aikg/ontology#"
CODE = "https://w3id.org/aikg/code/"
ID = "https://w3id.org/aikg/id/"
RECORD_KINDS = ("org", "deal", "source", "observation")  # what ``record`` mints; exchange rates are fx/CUR/DATE
DERIVED_GRAPH = "https://w3id.org/aikg/graph/derived"

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"

PREFIXES = {
    "aikg": ONTOLOGY, "code": CODE, "id": ID, "xsd": XSD, "rdf": RDF, "rdfs": RDFS, "skos": SKOS,
    "schema": SCHEMA, "dcterms": DCTERMS, "prov": PROV, "wd": WIKIDATA_ENTITY,
}

# Organisation types and deal kinds are OWL classes; their codes are kept on each class as aikg:code.
ORG_TYPE_CLASS: dict[OrgType, str] = {
    OrgType.AI_LAB: "AILab",
    OrgType.CLOUD_PROVIDER: "CloudProvider",
    OrgType.CHIP_MAKER: "ChipMaker",
    OrgType.BIG_TECH: "BigTechCompany",
    OrgType.INVESTMENT_FIRM: "InvestmentFirm",
    OrgType.SOVEREIGN_FUND: "SovereignFund",
    OrgType.JOINT_VENTURE: "JointVentureEntity",
    OrgType.DATA_CENTER_OPERATOR: "DataCenterOperator",
    OrgType.ENERGY_COMPANY: "EnergyCompany",
    OrgType.COMPANY: "OtherCompany",
}
DEAL_KIND_CLASS: dict[DealKind, str] = {
    DealKind.EQUITY_INVESTMENT: "EquityInvestment",
    DealKind.FUNDING_ROUND: "FundingRound",
    DealKind.COMPUTE_COMMITMENT: "ComputeCommitment",
    DealKind.CHIP_SUPPLY: "ChipSupplyAgreement",
    DealKind.WARRANT: "WarrantGrant",
    DealKind.JOINT_VENTURE: "JointVentureAgreement",
    DealKind.DEBT_FINANCING: "DebtFinancing",
    DealKind.REVENUE_SHARE: "RevenueShareAgreement",
    DealKind.ACQUISITION: "Acquisition",
    DealKind.PARTNERSHIP: "Partnership",
}
# SKOS code lists: enum → the concept scheme's path under CODE.
CODE_SCHEMES = {Status: "status", Evidence: "evidence", Role: "role", Flow: "flow", Basis: "basis",
                Metric: "metric"}


def term(local: str) -> str:
    return ONTOLOGY + local


@cache
def code(value: Status | Evidence | Role | Flow | Basis | Metric) -> str:
    return f"{CODE}{CODE_SCHEMES[type(value)]}/{value.value}"


def org_type_class(value: OrgType) -> str:
    return term(ORG_TYPE_CLASS[value])


def deal_kind_class(value: DealKind) -> str:
    return term(DEAL_KIND_CLASS[value])


_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def mint(*parts: str) -> str:
    """A data IRI under ID from path segments (ids are slugs; anything else is percent-encoded)."""
    return ID + "/".join(p if _SAFE.issuperset(p) else quote(p, safe="-_.") for p in parts)


def record(kind: str, record_id: str) -> str:
    """The IRI of a record (``org``, ``deal``, ``source``, ``observation``); ids are validated slugs."""
    return f"{ID}{kind}/{record_id}"


def record_of(path: str) -> str | None:
    """The path (under ``id/``) of the record whose document describes ``path``, or None if ``path``
    cannot be a minted IRI's.

    >>> record_of("deal/openai-aws-2025/claim/2/amount"), record_of("org/openai"), record_of("fx/EUR/2025-01-31")
    ('deal/openai-aws-2025', 'org/openai', 'fx/EUR/2025-01-31')
    >>> record_of("org/"), record_of("nothing/x")
    (None, None)
    """
    parts = path.split("/")
    if parts[0] in RECORD_KINDS and len(parts) >= 2 and parts[1]:
        return "/".join(parts[:2])
    if parts[0] == "fx" and len(parts) == 3 and all(parts):
        return path
    return None


def local_id(iri: str) -> str:
    """The last path segment of a minted IRI: the record id for orgs, deals, sources, observations."""
    return iri.rsplit("/", 1)[-1]
