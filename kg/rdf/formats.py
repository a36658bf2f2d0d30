"""RDF serialisations aikg writes (N-Triples, Turtle, JSON-LD), with the ontology's prefixes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO

import pyoxigraph as ox

from kg.rdf.namespaces import PREFIXES

RDF_FORMATS = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE, "jsonld": ox.RdfFormat.JSON_LD}
# rdf: is left out: Turtle writes rdf:type as "a", and pyoxigraph would declare the prefix for nothing
_WRITTEN_PREFIXES = {k: v for k, v in PREFIXES.items() if k != "rdf"}


def serialize(triples: Iterable[ox.Triple | ox.Quad], fmt: str, output: str | IO[bytes] | None = None) -> bytes | None:
    """``triples`` as ``fmt`` (``nt``, ``ttl`` or ``jsonld``) into ``output`` (a path or binary stream), or
    returned as bytes when ``output`` is None; Turtle and JSON-LD use the ontology's prefixes.

    >>> t = ox.Triple(ox.NamedNode(PREFIXES["aikg"] + "Deal"), ox.NamedNode(PREFIXES["rdfs"] + "label"),
    ...               ox.Literal("deal", language="en"))
    >>> print(serialize([t], "ttl").decode().splitlines()[-1])
    aikg:Deal rdfs:label "deal"@en .
    """
    if fmt not in RDF_FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r} (known: {', '.join(RDF_FORMATS)})")
    prefixes = None if fmt == "nt" else _WRITTEN_PREFIXES
    return ox.serialize(triples, output=output, format=RDF_FORMATS[fmt], prefixes=prefixes)


def prologue() -> str:
    """PREFIX declarations of the ontology's prefixes on one line, to put before a query's text (a PREFIX
    in the text declares its prefix anew and wins).

    >>> prologue().startswith("PREFIX aikg: <https://w3id.org/aikg/ontology#> ")
    True
    """
    return "".join(f"PREFIX {name}: <{iri}> " for name, iri in PREFIXES.items()) + "\n"
