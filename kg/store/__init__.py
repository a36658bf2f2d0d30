"""Stage 3, the store: RDF in, SPARQL answers out.

In: the N-Triples and ontology files the build writes (:mod:`kg.build`). Out: query results
(:class:`QueryResult`, or DataFrames through the named queries of :mod:`kg.store.queries`) from
the embedded Oxigraph store on disk or from any SPARQL 1.1 endpoint, behind one interface
(:class:`Store`). Next: the projection (:mod:`kg.projection`) reads its tables from here.
"""

from kg.store.base import QueryResult, Store, StoreError
from kg.store.embedded import EmbeddedStore
from kg.store.remote import RemoteStore

__all__ = ["EmbeddedStore", "QueryResult", "RemoteStore", "Store", "StoreError"]
