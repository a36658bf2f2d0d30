"""Stage 5, metrics: the projection in, analyses out (sizes, exposure, concentration, circular deals,
centrality, stress).

Each function takes the projection (:func:`kg.projection.legs.deal_legs`) and returns a DataFrame or a
small result object that carries the projection's settings. The network algorithms they use are
the general functions of :mod:`kg.analytics`. Next: :mod:`kg.views` (the report, the explorer)
and the CLI and Python API present them.
"""
