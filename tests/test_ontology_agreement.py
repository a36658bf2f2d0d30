"""The pydantic models, the ontology and the SHACL shapes agree."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from kg.paths import ONTOLOGY_DIR
from kg.rdf import namespaces as ns
from kg.rdf.fieldmap import FIELD_PROPERTIES
from kg.records.models import RECORD_FOLDERS, Amount, DealClaim, ObservationClaim, ParticipationFigure, Party
from kg.records.vocab import DealKind, OrgType

ONT = rdflib.Graph()
for _name in ("aikg.ttl", "codes.ttl", "align.ttl"):
    ONT.parse(ONTOLOGY_DIR / _name, format="turtle")
SHAPES = rdflib.Graph().parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")
SHAPE_PATHS = {str(p) for p in SHAPES.objects(None, SH.path)}
MODELS = {*RECORD_FOLDERS.values(), Amount, DealClaim, ObservationClaim, ParticipationFigure, Party}
EXTERNAL = (ns.RDF, ns.RDFS, ns.SKOS, ns.SCHEMA, ns.DCTERMS)


def _labels(term: rdflib.URIRef, predicate: rdflib.URIRef = RDFS.label) -> set[str]:
    return {lit.language for lit in ONT.objects(term, predicate) if isinstance(lit, rdflib.Literal)}


def test_every_model_field_has_a_property() -> None:
    missing = [f"{m.__name__}.{f}" for m in MODELS for f in m.model_fields if f not in FIELD_PROPERTIES.get(m, {})]
    assert missing == []


@pytest.mark.parametrize(("model", "field"), [(m, f) for m in MODELS for f in m.model_fields],
                         ids=lambda x: getattr(x, "__name__", x))
def test_each_field_property_is_declared_and_shaped(model: type, field: str) -> None:
    prop = FIELD_PROPERTIES[model][field]
    assert prop in SHAPE_PATHS, f"no SHACL shape constrains {prop}"
    if prop.startswith(EXTERNAL):
        return  # a standard vocabulary's term, declared there
    term = rdflib.URIRef(prop)
    assert (term, RDF.type, None) in ONT, f"{prop} is not declared in the ontology"
    assert {"en", "de"} <= _labels(term), f"{prop} lacks an English or German label"
    assert (term, SKOS.definition, None) in ONT, f"{prop} lacks a definition"


def test_every_ontology_class_and_property_has_labels_and_a_definition() -> None:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, ns_term("DerivedProperty"),
             ns_term("DigestProperty"))
    terms = {s for k in kinds for s in ONT.subjects(RDF.type, k) if str(s).startswith(ns.ONTOLOGY)}
    assert len(terms) > 60
    bad = [str(t) for t in terms if not ({"en", "de"} <= _labels(t) and (t, SKOS.definition, None) in ONT)]
    assert bad == []


def ns_term(local: str) -> rdflib.URIRef:
    return rdflib.URIRef(ns.term(local))


@pytest.mark.parametrize("enum", [OrgType, DealKind])
def test_type_and_kind_codes_are_classes(enum: type) -> None:
    table = ns.ORG_TYPE_CLASS if enum is OrgType else ns.DEAL_KIND_CLASS
    for member in enum:
        cls = ns_term(table[member])
        assert (cls, RDF.type, OWL.Class) in ONT
        assert str(ONT.value(cls, ns_term("code"))) == member.value
        assert {"en", "de"} <= _labels(cls)


@pytest.mark.parametrize("enum", list(ns.CODE_SCHEMES))
def test_code_lists_are_skos_concepts(enum: type) -> None:
    for member in enum:
        concept = rdflib.URIRef(ns.code(member))
        assert (concept, RDF.type, SKOS.Concept) in ONT, concept
        assert str(ONT.value(concept, SKOS.notation)) == member.value
        assert {"en", "de"} <= _labels(concept, SKOS.prefLabel)
    schemes = {ONT.value(rdflib.URIRef(ns.code(m)), SKOS.inScheme) for m in enum}
    assert len(schemes) == 1


def test_derived_properties_are_marked_and_have_rules() -> None:
    derived = set(ONT.subjects(RDF.type, ns_term("DerivedProperty")))
    names = {str(d).removeprefix(ns.ONTOLOGY) for d in derived}
    assert {"investsIn", "commitsSpendTo", "supplies", "lendsTo", "grantsWarrantTo", "acquired", "partnersWith"} \
        == names
    assert all((d, ns_term("derivationRule"), None) in ONT for d in derived)


def test_digest_properties_have_rules_and_shapes() -> None:
    digests = set(ONT.subjects(RDF.type, ns_term("DigestProperty")))
    names = {str(d).removeprefix(ns.ONTOLOGY) for d in digests}
    assert names == {"currentStatus", "currentDate", "currentUSD", "amountRank", "amountRankInKind", "claimCount",
                     "claimsDisagree", "creditedUSD"}
    assert all((d, ns_term("derivationRule"), None) in ONT for d in digests)
    assert {str(d) for d in digests} <= SHAPE_PATHS
