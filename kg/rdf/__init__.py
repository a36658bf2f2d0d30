"""Stage 2, RDF: checked records in, triples out.

In: a :class:`~kg.records.loader.Dataset`. Out: N-Triples (and Turtle / JSON-LD on request) in
the ontology's terms (:mod:`kg.rdf.namespaces`, one property per model field in
:mod:`kg.rdf.fieldmap`), with the derived shortcut edges and the per-deal digests of
:mod:`kg.rdf.digest`. Next: :mod:`kg.store` loads the triples and answers SPARQL.
"""
