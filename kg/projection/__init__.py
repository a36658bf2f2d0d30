"""Stage 4, projection: the store in, NetworkX graphs and tables out.

In: a :class:`~kg.store.Store`. Out: the tables the analyses need, written by the build from the
records beside each store generation (:mod:`kg.projection.written`) or read once from the store and
kept (:mod:`kg.projection.tables`), and the deal-leg graph for one set of settings (as-of
date, statuses counted, how ranges count; :mod:`kg.projection.legs`), with the money flows and the
leg table derived from it; the named queries that list every deal are answered from the same tables by
DuckDB (:mod:`kg.projection.plans`). Next: :mod:`kg.metrics` analyses the legs with the general algorithms
of :mod:`kg.analytics`; :mod:`kg.views` draws them.
"""
