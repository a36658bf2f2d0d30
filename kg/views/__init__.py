"""Stage 6, views: the projection and the analyses in, offline HTML pages out.

In: a deal-leg graph (:mod:`kg.projection.legs`), analysis results (:mod:`kg.metrics`) and the store
for named queries. Out: the interactive explorer (:mod:`kg.views.explorer`) and the analyst report
(:mod:`kg.views.report`), each one self-contained file. The last stage; the endpoint serves them.
"""

from kg.views.explorer import ExplorerHTML, explorer_html_for_notebook, render_explorer, write_explorer

__all__ = ["ExplorerHTML", "explorer_html_for_notebook", "render_explorer", "write_explorer"]
