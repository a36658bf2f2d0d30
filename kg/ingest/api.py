"""The calls behind ``aikg extract``, ``aikg inbox``, ``aikg accept`` and ``aikg reject`` (and the facade's
methods of the same names): read the data set once, then hand over to the step modules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from kg.ingest import accept as accept_step
from kg.ingest import article as article_io
from kg.ingest import batch, inbox, pipeline
from kg.ingest.orgs import OrgIndex
from kg.records.loader import load_dataset


@dataclass
class Extracted:
    extraction: pipeline.Extraction
    written: inbox.Written | None

    @property
    def frame(self) -> pd.DataFrame:
        return pipeline.frame(self.extraction.candidates)


def read(path_or_text: Path | str | bytes, url: str | None = None) -> article_io.Article:
    """An article from a file path, from bytes (standard input), or from the text itself."""
    if isinstance(path_or_text, bytes):
        return article_io.from_bytes(path_or_text, url=url)
    if isinstance(path_or_text, Path):
        return article_io.read_article(path_or_text, url)
    looks_like_path = len(path_or_text) < 1024 and "\n" not in path_or_text
    if looks_like_path and Path(path_or_text).is_file():
        return article_io.read_article(Path(path_or_text), url)
    return article_io.from_bytes(path_or_text.encode("utf-8"), url=url)


def extract(path_or_text: Path | str | bytes, data: Path, *, url: str | None = None,
            published: dt.date | None = None, publisher: str | None = None, title: str | None = None,
            write: bool = True) -> Extracted:
    """Candidates of one article, labelled against ``data``; written to ``data/inbox/`` unless ``write`` is
    false. An article without any candidate is an error (nothing is written)."""
    article = read(path_or_text, url)
    dataset = load_dataset(data)
    if not write and url is None and article.url is None and article.path is None:
        url = "https://example.invalid/unsaved"  # a text given only to look at: it needs no source to cite
    found = pipeline.extract(article, dataset, url=url, published=published, publisher=publisher, title=title)
    if not found.candidates:
        raise article_io.ArticleError("found no amounts and no deals in the article: nothing to review, "
                                      "nothing written")
    return Extracted(found, inbox.write(found, data, dataset) if write else None)


def extract_jsonl(lines: list[str], data: Path) -> list[str]:
    """Batch mode: JSON lines in, JSON lines out (see :mod:`kg.ingest.batch`)."""
    items = batch.parse(lines)
    index = OrgIndex(load_dataset(data).organisations.values())
    return list(batch.run(items, index))


def inbox_frame(data: Path) -> pd.DataFrame:
    return inbox.listing(data)


def accept(data: Path, ids: list[str]) -> accept_step.Accepted:
    return accept_step.accept(data, ids)


def reject(data: Path, ids: list[str]) -> list[str]:
    return inbox.reject(data, ids)
