"""Which RDF property carries each field of each input model.

The RDF builder writes fields through this table, and ``tests/test_ontology_agreement.py`` proves
that every field of every model is here, and that each property is declared in the ontology with
labels and is constrained by a SHACL shape.
"""

from __future__ import annotations

from functools import cache

from kg.rdf import namespaces as ns
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

_A = ns.ONTOLOGY
_CLAIM = {
    "source": _A + "source", "quote": _A + "quote", "date": _A + "claimDate", "date_inferred": _A + "dateInferred",
    "evidence": _A + "evidence", "preferred": _A + "isPreferred", "preferred_reason": _A + "preferredReason",
    "note": ns.RDFS + "comment",
}

FIELD_PROPERTIES: dict[type[Record], dict[str, str]] = {
    Organisation: {
        "id": _A + "recordId", "name": ns.RDFS + "label", "types": ns.RDF + "type", "aliases": ns.SKOS + "altLabel",
        "parent": _A + "parentOrganisation", "country": _A + "country", "headquarters": _A + "headquarters",
        "description": ns.DCTERMS + "description", "wikidata": _A + "wikidataId", "lei": _A + "lei",
        "ticker": _A + "ticker", "sources": _A + "identifierSource",
    },
    Source: {
        "id": _A + "recordId", "publisher": _A + "publisherName", "title": ns.DCTERMS + "title", "url": _A + "url",
        "seed_file": _A + "seedFile", "language": ns.DCTERMS + "language", "published": ns.DCTERMS + "issued",
        "published_inferred": _A + "publishedInferred", "retrieved": _A + "retrievedOn",
        "author": ns.DCTERMS + "creator", "republished_from": _A + "republishedFrom",
    },
    FxRate: {
        "currency": ns.SCHEMA + "currency", "date": _A + "rateDate", "usd_per_unit": _A + "usdPerUnit",
        "source": _A + "source", "quote": _A + "quote",
    },
    Amount: {
        "value": ns.SCHEMA + "value", "min": ns.SCHEMA + "minValue", "max": ns.SCHEMA + "maxValue",
        "currency": ns.SCHEMA + "currency", "unit": _A + "unit", "per": _A + "per",
        "approximate": _A + "isApproximate", "undisclosed": _A + "isUndisclosed",
    },
    Claim: _CLAIM,
    DealClaim: {
        **_CLAIM, "status": _A + "status", "amount": _A + "amount", "quantity": _A + "quantity", "term": _A + "term",
        "participations": _A + "statesParticipation",
    },
    ObservationClaim: {**_CLAIM, "value": _A + "value", "basis": _A + "basis"},
    ParticipationFigure: {"amount": _A + "amount", "stake": _A + "stake"},
    Party: {"org": _A + "party", "role": _A + "role", "gives": _A + "gives", "lead": _A + "isLead"},
    Deal: {
        "id": _A + "recordId", "kind": _A + "dealKind", "title": ns.RDFS + "label", "parties": _A + "hasParticipation",
        "claims": _A + "hasClaim", "part_of": _A + "partOf", "description": ns.DCTERMS + "description",
    },
    Observation: {
        "id": _A + "recordId", "metric": _A + "metric", "orgs": _A + "subjectOrganisation", "segment": _A + "segment",
        "subject": _A + "subject", "year": _A + "year", "on": _A + "periodStart", "start": _A + "periodStart",
        "end": _A + "periodEnd", "claims": _A + "hasClaim",
    },
}


@cache
def prop(model: type[Record], field: str) -> str:
    """The property IRI, in N-Triples form, that carries ``model.field``."""
    return f"<{FIELD_PROPERTIES[model][field]}>"
