"""``aikg report --site DIR``: the entity pages as static files, for publishing without a server.

``DIR/index.html`` lists the organisations; ``DIR/org/<id>.html`` and ``DIR/deal/<id>.html`` are the pages
the endpoint serves at ``/id/org/<id>`` and ``/id/deal/<id>`` (:mod:`kg.views.entity_page`), with relative
links, so the folder opens from ``file://`` or any static host. ``DIR/explorer.html`` is the whole explorer;
the organisation pages link to it instead of embedding a focused one each (about 1 MB a page).
Sources link to their URLs; claims, observations and exchange rates have no page of their own here.

The folder is replaced whole: written beside it, then swapped in, so a failed write leaves the old one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from kg.output import naming
from kg.views.entity_page import EntityPages, Links
from kg.views.explorer import write_explorer

__all__ = ["SITE_LINKS", "site_href", "write_site"]

PAGED = ("org", "deal")


def site_href(path: str) -> str | None:
    """A record's page relative to another page of the site (all pages are one folder deep)."""
    kind, _, record = path.partition("/")
    return f"../{kind}/{record}.html" if kind in PAGED and record and "/" not in record else None


def _index_href(path: str) -> str | None:
    """A record's page relative to the index, one folder higher than the pages."""
    link = site_href(path)
    return None if link is None else link[len("../"):]


SITE_LINKS = Links(site_href, (("organisations", "../index.html"), ("explorer", "../explorer.html")),
                   index_href="../index.html", explorer=False)
_INDEX_LINKS = Links(_index_href, (("explorer", "explorer.html"),), explorer=False)


def write_site(pages: EntityPages, folder: Path) -> Path:
    """Write the index, a page per organisation and per deal, and the explorer into ``folder``; returns it."""
    folder = Path(folder)
    inputs = pages.inputs
    with naming(folder):
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            for kind in PAGED:
                (staging / kind).mkdir()
            for org in inputs.everything.nodes:
                _write(staging / "org" / f"{org}.html", pages.html(f"org/{org}", SITE_LINKS))
            for deal in pages.deals:
                _write(staging / "deal" / f"{deal}.html", pages.html(f"deal/{deal}", SITE_LINKS))
            _write(staging / "index.html", pages.index(_INDEX_LINKS))
            write_explorer(pages.annotated, staging / "explorer.html", statuses=pages.settings()["statuses"],
                           title="aikg explorer")
            _swap(staging, folder)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return folder


def _write(path: Path, text: str | None) -> None:
    if text is None:
        raise RuntimeError(f"no page for {path.stem}")  # a node of the projection that the store lacks: a bug
    path.write_text(text, encoding="utf-8")


def _swap(new: Path, folder: Path) -> None:
    """Put ``new`` in the place of ``folder``: two renames, the old folder removed after."""
    old = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}-old-", dir=folder.parent))
        os.replace(folder, old / folder.name)
    os.replace(new, folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
