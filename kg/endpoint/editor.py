"""The query page's editor: CodeMirror 5 from Debian's ``libjs-codemirror`` package, inlined.

The package installs CodeMirror under ``/usr/share/javascript/codemirror`` (the Makefile installs
it, as it installs Chromium). The page takes the core, the SPARQL mode, bracket matching and the
hint add-on from there, so it needs nothing from the network. Without the package the page keeps
its plain text area (no highlighting or completion) and says so; queries work the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["CODEMIRROR_DIR", "EditorAssets", "editor_assets", "inlineable"]

CODEMIRROR_DIR = Path("/usr/share/javascript/codemirror")
_SCRIPTS = ("lib/codemirror.js", "mode/sparql/sparql.js", "addon/edit/matchbrackets.js", "addon/hint/show-hint.js")
_STYLES = ("lib/codemirror.css", "addon/hint/show-hint.css")


@dataclass(frozen=True)
class EditorAssets:
    """CodeMirror's JavaScript and CSS, safe to sit inside ``<script>`` / ``<style>``."""

    js: str
    css: str
    source_dir: Path


def inlineable(text: str, element: str) -> str:
    """``text`` unchanged if it can sit inside ``<script>``/``<style>`` as is: no closing tag and no
    ``<!--`` (which changes how the HTML parser reads a script); else ValueError. Checked rather than
    rewritten: CodeMirror and the page's own files contain neither.

    >>> inlineable("if (a < b) f();", "script")
    'if (a < b) f();'
    >>> inlineable("s = '</script>'", "script")
    Traceback (most recent call last):
    ValueError: text for a <script> element contains </script or <!--
    """
    if re.search(rf"</{element}|<!--", text, flags=re.IGNORECASE):
        raise ValueError(f"text for a <{element}> element contains </{element} or <!--")
    return text


@lru_cache(maxsize=4)
def editor_assets(folder: Path = CODEMIRROR_DIR) -> EditorAssets | None:
    """Read (once per process) the CodeMirror files the page inlines; None if they are missing."""
    try:
        js = "\n;\n".join((folder / name).read_text(encoding="utf-8") for name in _SCRIPTS)
        css = "\n".join((folder / name).read_text(encoding="utf-8") for name in _STYLES)
    except OSError:
        return None
    # the page is offline and its CSP allows no other origin: no stylesheet may load anything
    if re.search(r"url\(\s*(?!['\"]?data:)", css) or "@import" in css:
        raise ValueError(f"{folder}: CodeMirror's CSS references a URL")
    return EditorAssets(inlineable(js, "script"), inlineable(css, "style"), folder)
