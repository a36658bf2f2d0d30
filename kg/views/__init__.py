"""Views over the NetworkX projection: the offline interactive explorer."""

from kg.views.explorer import ExplorerHTML, explorer_html_for_notebook, render_explorer, write_explorer

__all__ = ["ExplorerHTML", "explorer_html_for_notebook", "render_explorer", "write_explorer"]
