"""Reading an article: a saved HTML page, a text or Markdown file, or text, into its main text and metadata.

Nothing is fetched: an HTML page's main text and metadata (title, publisher, publication date,
canonical URL, language) come from the saved page through trafilatura and htmldate; a URL given
by the user is metadata only.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 5 * 1024 * 1024  # a saved news page is far smaller; more is not an article
_HTML = re.compile(rb"^\s*(?:<!doctype html|<html|<head|<body|<meta|<article|<div|<p[\s>])", re.IGNORECASE)


class ArticleError(ValueError):
    """The input is not an article that can be read (empty, binary, too large, no text)."""


@dataclass(frozen=True)
class Article:
    """The main text of an article and what is known about it."""

    text: str
    title: str | None = None
    publisher: str | None = None
    published: dt.date | None = None
    language: str | None = None  # from the page; the text's own language is found in kg.ingest.sentences
    url: str | None = None
    path: Path | None = None  # the file read, if any


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refused early when it is missing, a folder, empty or too large."""
    if not path.is_file():
        raise ArticleError(f"{path}: no such file")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ArticleError(f"{path}: {size / 1e6:.1f} MB is too large for an article (at most "
                           f"{MAX_BYTES / 1e6:.0f} MB is read); save the article's page alone")
    return path.read_bytes()


def from_bytes(raw: bytes, *, path: Path | None = None, url: str | None = None) -> Article:
    """Decode and, for HTML, extract the main text and metadata; refuses empty and binary input."""
    where = f"{path}: " if path else ""
    if len(raw) > MAX_BYTES:
        raise ArticleError(f"{where}{len(raw) / 1e6:.1f} MB is too large for an article (at most "
                           f"{MAX_BYTES / 1e6:.0f} MB is read)")
    if not raw.strip():
        raise ArticleError(f"{where}the article is empty")
    if b"\x00" in raw[:8192]:
        raise ArticleError(f"{where}not a text or HTML file (binary content)")
    is_html = bool(_HTML.match(raw[:2048])) or (path is not None and path.suffix.lower() in (".html", ".htm"))
    if is_html:
        return _from_html(raw, path=path, url=url, where=where)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArticleError(f"{where}not UTF-8 text (binary content or another encoding)") from None
    if _control_share(text) > 0.01:
        raise ArticleError(f"{where}not a text or HTML file (binary content)")
    return Article(text=_normalise(text), title=_first_line(text), url=url, path=path)


def read_article(path: Path, url: str | None = None) -> Article:
    return from_bytes(read_bytes(path), path=path, url=url)


def _from_html(raw: bytes, *, path: Path | None, url: str | None, where: str) -> Article:
    import htmldate  # the HTML libraries load only for HTML
    import trafilatura

    doc = trafilatura.bare_extraction(raw, with_metadata=True, include_comments=False, include_tables=True,
                                      url=url)
    if doc is None or not (doc.text or "").strip():
        raise ArticleError(f"{where}no article text found in the page")
    found = htmldate.find_date(raw.decode("utf-8", "replace"), original_date=True, extensive_search=False)
    html_lang = re.search(rb"<html[^>]*\blang=[\"']?([a-zA-Z]{2})", raw[:4096])
    return Article(text=_normalise(doc.text), title=doc.title or None, publisher=doc.sitename or None,
                   published=dt.date.fromisoformat(found) if found else None,
                   language=html_lang.group(1).decode().lower() if html_lang else None,
                   url=url or _http(doc.url), path=path)


def _http(url: str | None) -> str | None:
    return url if url and re.match(r"^https?://\S+$", url) else None


def _normalise(text: str) -> str:
    # Line ends only: quotes stay substrings of the text as read.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _first_line(text: str) -> str | None:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line.lstrip("# ").strip()[:200] or None


def _control_share(text: str) -> float:
    sample = text[:8192]
    bad = sum(1 for c in sample if ord(c) < 32 and c not in "\n\r\t\f")
    return bad / max(len(sample), 1)
