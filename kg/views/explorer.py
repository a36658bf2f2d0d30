"""The offline interactive explorer: one self-contained HTML page over the NetworkX projection.

Input is the ``networkx.MultiDiGraph`` made by ``kg.projection.legs`` (organisations as nodes, one edge per deal
leg). ``kg.views.explorer_data`` turns it into pyvis's node/edge/option data; our own Jinja2 template renders
the page with vis-network inlined from the pyvis package (``kg.views.assets``), so it opens from ``file://``
with the network off.

The page's script (``templates/explorer.js``) draws one explorer into elements whose ids share a prefix, so
a notebook can show several: :class:`ExplorerHTML` puts vis-network and the script into the first output only.

Safety: every string from data travels as JSON inside ``<script type="application/json">`` (``<``, ``>``,
``&``, U+2028/9 escaped) and the page's script sets it as text, never as HTML; URLs survive only if http(s).
A Content-Security-Policy allows exactly the two inline scripts (by hash) and no network access.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
from markupsafe import Markup

from kg.output import write_text
from kg.views.assets import safe_in_element, vis_assets
from kg.views.explorer_data import CORE_SIZE, ExplorerView, build_view, resolve_focus
from kg.views.explorer_layout import neighbourhood, node_label
from kg.views.formatting import embed_json

__all__ = [
    "ExplorerHTML",
    "ExplorerView",
    "NotebookLibrary",
    "build_view",
    "explorer_html_for_notebook",
    "focused_graph",
    "notebook_library",
    "render_explorer",
    "render_focused",
    "render_view",
    "script_hashes",
    "write_explorer",
]

_TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
_CSP_SCRIPT_SRC = re.compile(r"script-src ([^;\"]*)")
_CSP_HASH = re.compile(r"'sha256-[A-Za-z0-9+/=]+'")


def csp_hash(script: str) -> Markup:
    """The CSP source expression that allows exactly this inline script and nothing injected."""
    digest = hashlib.sha256(str(script).encode("utf-8")).digest()
    return Markup(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")  # noqa: S704 - base64 only


def script_hashes(page: str) -> list[str]:
    """The CSP script hashes a rendered explorer page allows: what a page embedding it in an
    ``<iframe srcdoc>`` must allow too (a srcdoc frame inherits its parent's policy)."""
    match = _CSP_SCRIPT_SRC.search(page)
    return _CSP_HASH.findall(match.group(1)) if match else []


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["csp_hash"] = csp_hash
    return env


_NO_SCRIPT = "The explorer needs JavaScript, which this page is not running."
_NO_LIBRARY = ("The explorer's script is not loaded in this notebook page: display "
               "kg.views.explorer.notebook_library() in a cell (or use g.view(standalone=True), as Colab needs, "
               "where every output is its own page), then run this cell again.")


@lru_cache(maxsize=1)
def app_assets() -> tuple[str, str]:
    """The explorer's own script (defining ``window.aikgExplorerBoot``) and styles, safe to inline."""
    js = (_TEMPLATE_DIR / "explorer.js").read_text(encoding="utf-8")
    css = (_TEMPLATE_DIR / "explorer.css").read_text(encoding="utf-8")
    return safe_in_element(js, "script"), safe_in_element(css, "style")


def _render(template: str, view: ExplorerView | None, **extra: Any) -> str:
    assets = vis_assets()
    app_js, app_css = app_assets()
    fields: dict[str, Any] = {
        "vis_version": assets.version,
        # Marked safe on purpose: the vendored bundle (checked in kg.views.assets), our own files, escaped JSON.
        "vis_js": Markup(assets.js),  # noqa: S704
        "vis_css": Markup(assets.css),  # noqa: S704
        "app_js": Markup(app_js),  # noqa: S704
        "app_css": Markup(app_css),  # noqa: S704
    }
    if view is not None:
        fields.update(title=view.config["title"], notes=view.notes,
                      data_json=Markup(embed_json(view.payload())))  # noqa: S704
    fields.update(extra)
    return _environment().get_template(template).render(**fields)


def render_view(view: ExplorerView) -> str:
    """The standalone page for an already built view."""
    app_js, _css = app_assets()
    return _render("explorer.html.j2", view, p="", height="100%", missing=_NO_SCRIPT,
                   app_js=Markup(app_js + 'window.aikgExplorerBoot("");\n'))  # noqa: S704 - our own script


def render_explorer(
    G: nx.MultiDiGraph,
    *,
    focus: str | None = None,
    depth: int = 2,
    as_of: date | str | None = None,
    kinds: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    max_nodes: int = 1500,
    core: int = CORE_SIZE,
    title: str = "aikg explorer",
) -> str:
    """The explorer as one self-contained UTF-8 HTML page.

    ``focus`` (node id, name or alias) and ``depth`` (1–3), ``as_of`` (date or ISO string; default the latest
    date in the data), ``kinds`` and ``statuses`` (codes to show) set the page's initial state; the reader can
    change them. Above ``max_nodes`` organisations the view collapses the smallest into "Other <type>" nodes
    and says so; above 300 it opens on the ``core`` with the most deal flow and their partners (0: on everyone).
    """
    return render_view(_view(G, focus=focus, depth=depth, as_of=as_of, kinds=kinds, statuses=statuses,
                             max_nodes=max_nodes, core=core, title=title))


def _view(G: nx.MultiDiGraph, **kwargs: Any) -> ExplorerView:
    return build_view(G, vis_version=vis_assets().version, **kwargs)


def focused_graph(G: nx.MultiDiGraph, orgs: Iterable[str], depth: int = 1) -> nx.MultiDiGraph:
    """The part of ``G`` within ``depth`` hops (either direction) of ``orgs`` (ids, names or aliases): those
    organisations, their partners and every leg among them, with the circular deals wholly inside."""
    if depth not in (1, 2, 3):
        raise ValueError("depth must be 1, 2 or 3")
    keep: set[str] = set()
    for org in orgs:
        keep |= neighbourhood(G, resolve_focus(G, org), depth)
    part = G.subgraph(keep).copy()
    part.graph["cycles"] = [c for c in G.graph.get("cycles") or [] if set(c.get("nodes", [])) <= keep]
    return part


def render_focused(
    G: nx.MultiDiGraph, orgs: Iterable[str], *, depth: int = 1, title: str | None = None, **kwargs: Any
) -> str:
    """A standalone explorer page of ``orgs`` and their neighbourhood (:func:`focused_graph`), for pages that
    embed one organisation's or one story's deals. With one organisation it is also the page's focus.
    Other keyword arguments as :func:`render_explorer` (``as_of``, ``kinds``, ``statuses``, ``core``…)."""
    chosen = [resolve_focus(G, o) for o in ([orgs] if isinstance(orgs, str) else orgs)]
    part = focused_graph(G, chosen, depth)
    if title is None:
        title = "aikg explorer — " + ", ".join(node_label(G, o) for o in chosen)
    kwargs.setdefault("focus", chosen[0] if len(chosen) == 1 else None)
    return render_explorer(part, depth=depth, title=title, **kwargs)


def write_explorer(G: nx.MultiDiGraph, path: str | Path, **kwargs: Any) -> Path:
    """Write the page to ``path`` as UTF-8 (never the platform default), whole or not at all; returns the path."""
    target = Path(path)
    write_text(target, render_explorer(G, **kwargs))
    return target


# --- notebooks ------------------------------------------------------------------------------------------------

_library_shown = False  # in this kernel: the first output carries vis-network and our script, later ones not


@dataclass(frozen=True)
class NotebookLibrary:
    """vis-network, the explorer's script and styles, for a notebook page that shows explorers."""

    def _repr_html_(self) -> str:
        global _library_shown
        _library_shown = True
        return _render("explorer_library.html.j2", None)


def notebook_library() -> NotebookLibrary:
    """Display this once in a notebook (``g.view()`` does on its first call) for the explorers below it."""
    return NotebookLibrary()


@dataclass(frozen=True)
class ExplorerHTML:
    """An explorer for a notebook. ``_repr_html_`` gives a ``<div>`` with this view's data that draws with
    the library the notebook page already has (loaded by the first explorer shown, or
    :func:`notebook_library`), so only the first output carries vis-network (about 0.7 MB); with
    ``standalone=True`` every output is the whole page in a sandboxed ``<iframe srcdoc>`` (for Colab, where
    outputs do not share a page). :meth:`save` writes the standalone page."""

    view: ExplorerView
    height: int = 720
    standalone: bool = False

    @property
    def html(self) -> str:
        """The standalone page."""
        return render_view(self.view)

    def _repr_html_(self) -> str:
        if self.standalone:
            return (
                f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
                f'style="width:100%;height:{int(self.height)}px;border:1px solid #d1d5db" '
                'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>'
            )
        library = "" if _library_shown else notebook_library()._repr_html_()
        prefix = f"aikg{uuid.uuid4().hex[:10]}-"
        # The prefix is hex and dashes, so its JSON is safe in a <script>.
        return library + _render("explorer_notebook.html.j2", self.view, p=prefix,
                                 p_json=Markup(json.dumps(prefix)),  # noqa: S704
                                 height=f"{int(self.height)}px", missing=_NO_LIBRARY)

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        write_text(target, self.html)
        return target


def explorer_html_for_notebook(
    G: nx.MultiDiGraph, *, height: int = 720, standalone: bool = False, **kwargs: Any
) -> ExplorerHTML:
    """The explorer for ``display()`` in a notebook (other keyword arguments as :func:`render_explorer`)."""
    return ExplorerHTML(_view(G, **kwargs), height=height, standalone=standalone)
