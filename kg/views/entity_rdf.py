"""The RDF document of a minted IRI: what the store says about a record and the nodes minted under it.

Every data IRI is ``https://w3id.org/aikg/id/<kind>/<id>[/...]`` (:mod:`kg.rdf.namespaces`): a record
(``org``, ``deal``, ``source``, ``observation``; an exchange rate is ``fx/<currency>/<date>``) and the
nodes minted under it (a deal's ``/party/<org>``, ``/claim/<n>``, ``/claim/<n>/amount``). One document
describes a record with all of those nodes, so every IRI belongs to exactly one document
(:func:`kg.rdf.namespaces.record_of`). The document holds the triples of the record and its nodes, then the links that
point at the record from elsewhere (a deal's participation in an organisation), capped.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from kg.rdf import namespaces as ns
from kg.store import Store
from kg.store.base import sparql_term

__all__ = ["MEDIA", "describe", "exists", "rebase", "serialize"]

MAX_INCOMING = 2_000  # links into one record; a hub organisation at scale has thousands
MEDIA = {"text/turtle": ox.RdfFormat.TURTLE, "application/ld+json": ox.RdfFormat.JSON_LD}
_OWL_SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")


def exists(store: Store, iri: str) -> bool:
    """Whether the store has any triple about ``iri``."""
    return bool(store.query("ASK { ?s ?p ?o }", {"s": ox.NamedNode(iri)}).boolean)


def describe(store: Store, iri: str) -> list[ox.Triple]:
    """The triples of the record ``iri`` and of every node minted under it, then up to
    :data:`MAX_INCOMING` triples that point at the record (empty if the store knows nothing of it)."""
    triples: list[ox.Triple] = []
    inside = iri + "/"
    frontier, seen = [iri], {iri}
    while frontier:  # level by level: deal → claims and parties → amounts and figures
        subjects = " ".join(sparql_term(ox.NamedNode(s)) for s in frontier)
        rows = store.query(f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {subjects} }} ?s ?p ?o }}").term_rows
        frontier = []
        for s, p, o in rows:
            triples.append(ox.Triple(s, p, o))
            if isinstance(o, ox.NamedNode) and o.value.startswith(inside) and o.value not in seen:
                seen.add(o.value)
                frontier.append(o.value)
    if triples:
        incoming = store.query(f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {MAX_INCOMING}", {"o": ox.NamedNode(iri)})
        triples += [ox.Triple(s, p, o) for s, p, o in incoming.term_rows
                    if not (isinstance(s, ox.NamedNode) and s.value.startswith(inside))]
    return triples


def rebase(triples: Iterable[ox.Triple], base: str, about: str) -> list[ox.Triple]:
    """The triples with every minted IRI moved from ``https://w3id.org/aikg/id/`` to ``base`` (the server's
    own ``.../id/``, so that each IRI in the document resolves where it was served), plus
    ``owl:sameAs`` from the described record to its canonical IRI ``about``."""
    if base == ns.ID:
        return list(triples)

    def moved(term):
        if isinstance(term, ox.NamedNode) and term.value.startswith(ns.ID):
            return ox.NamedNode(base + term.value[len(ns.ID):])
        return term

    out = [ox.Triple(moved(t.subject), t.predicate, moved(t.object)) for t in triples]
    out.append(ox.Triple(moved(ox.NamedNode(about)), _OWL_SAME_AS, ox.NamedNode(about)))
    return out


def serialize(triples: list[ox.Triple], media: str) -> bytes:
    """Turtle (with the project's prefixes) or JSON-LD."""
    # no prefix for the data IRIs: "id:deal\/x\/claim\/1" reads worse than the full IRI
    prefixes = {k: v for k, v in ns.PREFIXES.items() if k != "id"} | {"owl": "http://www.w3.org/2002/07/owl#"}
    options = {"prefixes": prefixes} if media == "text/turtle" else {}
    return ox.serialize(triples, format=MEDIA[media], **options)
