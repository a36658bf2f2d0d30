"""The offline interactive explorer: one self-contained HTML page over the NetworkX projection.

Input is the ``networkx.MultiDiGraph`` made by ``kg.projection.legs`` (organisations as nodes, one edge per deal
leg). ``kg.views.explorer_data`` turns it into pyvis's node/edge/option data; our own Jinja2 template renders
the page with vis-network inlined from the pyvis package (``kg.views.assets``), so it opens from ``file://``
with the network off.

Safety: every string from data travels as JSON inside ``<script type="application/json">`` (``<``, ``>``,
``&``, U+2028/9 escaped) and the page's script sets it as text, never as HTML; URLs survive only if http(s).
A Content-Security-Policy allows exactly the two inline scripts (by hash) and no network access.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import networkx as nx
from markupsafe import Markup

from kg.output import write_text
from kg.views.assets import vis_assets
from kg.views.explorer_data import ExplorerView, build_view
from kg.views.formatting import embed_json

__all__ = [
    "ExplorerHTML",
    "ExplorerView",
    "build_view",
    "explorer_html_for_notebook",
    "render_explorer",
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


def render_view(view: ExplorerView) -> str:
    """The page for an already built view."""
    assets = vis_assets()
    return (
        _environment()
        .get_template("explorer.html.j2")
        .render(
            title=view.config["title"],
            notes=view.notes,
            vis_version=assets.version,
            # Marked safe on purpose: the vendored bundle (checked in kg.views.assets) and our escaped JSON.
            vis_js=Markup(assets.js),  # noqa: S704
            vis_css=Markup(assets.css),  # noqa: S704
            data_json=Markup(embed_json(view.payload())),  # noqa: S704
        )
    )


def render_explorer(
    G: nx.MultiDiGraph,
    *,
    focus: str | None = None,
    depth: int = 2,
    as_of: date | str | None = None,
    kinds: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
    max_nodes: int = 1500,
    title: str = "aikg explorer",
) -> str:
    """The explorer as one self-contained UTF-8 HTML page.

    ``focus`` (node id, name or alias) and ``depth`` (1–3), ``as_of`` (date or ISO string), ``kinds`` and
    ``statuses`` (codes to show) set the page's initial state; the reader can change them. Above
    ``max_nodes`` organisations the view collapses the smallest into "Other <type>" nodes and says so.
    """
    view = build_view(
        G,
        focus=focus,
        depth=depth,
        as_of=as_of,
        kinds=kinds,
        statuses=statuses,
        max_nodes=max_nodes,
        title=title,
        vis_version=vis_assets().version,
    )
    return render_view(view)


def write_explorer(G: nx.MultiDiGraph, path: str | Path, **kwargs: Any) -> Path:
    """Write the page to ``path`` as UTF-8 (never the platform default), whole or not at all; returns the path."""
    target = Path(path)
    write_text(target, render_explorer(G, **kwargs))
    return target


@dataclass(frozen=True)
class ExplorerHTML:
    """A rendered page that notebooks display inline as a sandboxed ``<iframe srcdoc>``."""

    html: str
    height: int = 720

    def _repr_html_(self) -> str:
        # srcdoc works in JupyterLab, VS Code and Colab, where an iframe pointing at a local file does not.
        return (
            f'<iframe srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width:100%;height:{int(self.height)}px;border:1px solid #d1d5db" '
            'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>'
        )

    def save(self, path: str | Path) -> Path:
        target = Path(path)
        write_text(target, self.html)
        return target


def explorer_html_for_notebook(G: nx.MultiDiGraph, *, height: int = 720, **kwargs: Any) -> ExplorerHTML:
    """The explorer for ``display()`` in a notebook (same keyword arguments as :func:`render_explorer`)."""
    return ExplorerHTML(render_explorer(G, **kwargs), height=height)
