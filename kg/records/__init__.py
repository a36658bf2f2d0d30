"""Stage 1, records: the data files in, checked records out.

In: the YAML files under ``data/`` (entities, sources, FX rates, deals, observations). Out: a
:class:`~kg.records.loader.Dataset` of pydantic records (:mod:`kg.records.models`, the single
input schema, with the code lists of :mod:`kg.records.vocab`), or every problem at once with
file, line, field and value (:mod:`kg.records.problems`). Amounts in other currencies are
converted with the sourced rates of :mod:`kg.records.fx`. Next: :mod:`kg.rdf` turns the records
into triples.
"""
