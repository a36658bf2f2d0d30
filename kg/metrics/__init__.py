"""aikg's analyses of the deal graph: sizes, exposure, concentration, circular deals, centrality, stress.

Each function takes the projection (:func:`kg.projection.deal_legs`) and returns a DataFrame or a
small result object that carries the projection's settings. The network algorithms they use are
the general functions of :mod:`kg.analytics`.
"""
