"""vis-network's JavaScript and CSS, read from the installed pyvis package so the page can inline them.

pyvis ships vis-network builds under ``pyvis/lib/vis-<version>/``; we take the newest one there. Nothing is
fetched: the explorer must open from ``file://`` with the network off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyvis

_VERSION_DIR = re.compile(r"^vis-(\d+)\.(\d+)\.(\d+)$")


@dataclass(frozen=True)
class VisAssets:
    """The inlineable vis-network bundle and where it came from."""

    version: str
    js: str
    css: str
    source_dir: Path


def _version_key(path: Path) -> tuple[int, int, int]:
    match = _VERSION_DIR.match(path.name)
    assert match is not None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch)


def vis_dir() -> Path:
    """The newest ``vis-X.Y.Z`` folder inside the installed pyvis package."""
    lib = Path(pyvis.__file__).resolve().parent / "lib"
    candidates = [
        p
        for p in lib.iterdir()
        if p.is_dir() and _VERSION_DIR.match(p.name) and (p / "vis-network.min.js").is_file()
    ]
    if not candidates:
        raise FileNotFoundError(f"no vis-network build found under {lib}")
    return max(candidates, key=_version_key)


def safe_in_element(text: str, element: str) -> str:
    """Make ``text`` safe to sit inside ``<script>``/``<style>``: no closing tag, no ``<!--`` state change.

    In JS the replacements are identity escapes inside strings and regexes, the only places they can occur.
    Line ends become LF as the HTML parser would make them, so a CSP hash of the text matches the element.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(rf"</({element})", r"<\\/\1", text, flags=re.IGNORECASE)
    return text.replace("<!--", "<\\!--")


@lru_cache(maxsize=1)
def vis_assets() -> VisAssets:
    """Read (once per process) vis-network's minified JS and its CSS."""
    folder = vis_dir()
    js = (folder / "vis-network.min.js").read_text(encoding="utf-8")
    css = (folder / "vis-network.css").read_text(encoding="utf-8")
    # The CSS only embeds data: images; a remote url() would break the offline promise.
    if re.search(r"url\(\s*(?!['\"]?data:)", css):
        raise ValueError(f"{folder}/vis-network.css references a non-data URL")
    version = ".".join(str(n) for n in _version_key(folder))
    return VisAssets(
        version=version,
        js=safe_in_element(js, "script"),
        css=safe_in_element(css, "style"),
        source_dir=folder,
    )
