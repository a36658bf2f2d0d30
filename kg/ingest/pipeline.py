"""From an article to labelled candidates: read, split, find, match; and the candidates as a table.

:func:`extract` is what ``aikg extract`` and ``g.extract`` call; :func:`candidates_of_text` is the
light path of the batch mode (no source, no matching).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kg.ingest import article as article_io
from kg.ingest import matching, relations, sentences
from kg.ingest.orgs import OrgIndex, slug
from kg.ingest.relations import Candidate
from kg.paths import seeds_folder
from kg.records.loader import Dataset


@dataclass
class Extraction:
    """An article's candidates with the source record they cite."""

    article: article_io.Article
    language: str
    source: dict[str, object]  # the fields of a Source record
    source_exists: bool  # the data already holds this source (same URL or seed file)
    candidates: list[Candidate]
    notes: list[str] = field(default_factory=list)


def candidates_of_text(text: str, index: OrgIndex, lang: str | None = None,
                       published: dt.date | None = None, published_inferred: bool = False) -> list[Candidate]:
    """The candidates of a text, unmatched (what the batch mode reports)."""
    lang = sentences.language(text, lang)
    return _once(relations.candidates(sentences.split(text, lang), lang, index, published, published_inferred))


def _once(found: list[Candidate]) -> list[Candidate]:
    """One candidate per fact: a headline and the body stating the same figure of the same kind for the same
    parties (one naming fewer) give the fuller one, which names the other in its reasons."""
    kept: list[Candidate] = []
    for cand in found:
        twin = next((k for k in kept if k.record == cand.record and k.kind == cand.kind and k.amount == cand.amount
                     and k.amount is not None and (_names(k) <= _names(cand) or _names(cand) <= _names(k))), None)
        if twin is None:
            kept.append(cand)
            continue
        better, other = (cand, twin) if (len(cand.parties), cand.confidence) > (len(twin.parties), twin.confidence) \
            else (twin, cand)
        better.reasons.append(f"also stated in: {other.quote[:80]}")
        kept[kept.index(twin)] = better
    return kept


def _names(cand: Candidate) -> set[str]:
    return {p.org or p.name for p in cand.parties}


def extract(article: article_io.Article, dataset: Dataset, *, url: str | None = None,
            published: dt.date | None = None, publisher: str | None = None, title: str | None = None,
            today: dt.date | None = None) -> Extraction:
    """Candidates of one article, labelled against the data set, with the source record they cite."""
    today = today or dt.date.today()
    notes: list[str] = []
    lang = sentences.language(article.text, article.language)
    source, exists = _source(article, dataset, lang, url=url, published=published, publisher=publisher,
                             title=title, today=today, notes=notes)
    index = OrgIndex(dataset.organisations.values())
    when = dt.date.fromisoformat(str(source["published"]))
    found = candidates_of_text(article.text, index, lang, when, bool(source.get("published_inferred")))
    for n, cand in enumerate(found, 1):
        cand.id = f"{source['id']}.{n}"
    matching.label(found, dataset, str(source["id"]))
    return Extraction(article, lang, source, exists, found, notes)


def _source(article: article_io.Article, dataset: Dataset, lang: str, *, url: str | None,
            published: dt.date | None, publisher: str | None, title: str | None, today: dt.date,
            notes: list[str]) -> tuple[dict[str, object], bool]:
    """The article's source: the data's own record when it has this URL or seed file, else a new one."""
    url = url or article.url
    seed = article.path.name if article.path is not None and _is_seed(article.path) else None
    for src in dataset.sources.values():
        if (url and src.url and _same_url(src.url, url)) or (seed and src.seed_file == seed):
            return src.model_dump(mode="json", exclude_defaults=True), True
    if url is None and seed is None:
        raise article_io.ArticleError("the article has no URL: give --url (a source needs a URL or a seed file)")
    when = published or article.published
    if when is None:
        notes.append("no publication date found: published is set to today and marked inferred; correct it")
    name = publisher or article.publisher
    if name is None:
        notes.append("no publisher found: set publisher")
    source = {"id": _source_id(name, when or today, article.title or title, dataset),
              "publisher": name or "(not named in the page)", "title": title or article.title or "(no title)",
              **({"url": url} if url else {"seed_file": seed}), "language": lang,
              "published": (when or today).isoformat(), "retrieved": today.isoformat()}
    if when is None:
        source["published_inferred"] = True
    return source, False


def _is_seed(path: Path) -> bool:
    return path.resolve().parent == seeds_folder().resolve()


def _same_url(a: str, b: str) -> bool:
    def bare(u: str) -> str:
        return re.sub(r"^https?://(www\.)?", "", u.split("#")[0].split("?")[0]).rstrip("/").lower()

    return bare(a) == bare(b)


def _source_id(publisher: str | None, when: dt.date, title: str | None, dataset: Dataset) -> str:
    words = "-".join(slug(title or "article").split("-")[:5])
    base = f"{slug(publisher or 'web')[:30]}-{when.isoformat()}-{words}".strip("-")[:100]
    sid, n = base, 2
    while sid in dataset.sources:
        sid, n = f"{base}-{n}", n + 1
    return sid


def frame(candidates: list[Candidate]) -> pd.DataFrame:
    """One row per candidate: id, match, kind, parties with roles, amount, date, status, confidence, quote, reasons."""
    rows = []
    for c in candidates:
        amount = c.amount or c.stake or c.quantity or {}
        rows.append({
            "id": c.id, "match": c.match, "record": c.record, "kind": c.kind,
            "parties": "; ".join(f"{p.org or 'NEW ' + p.name}" + (f" ({p.role.value})" if p.role else "")
                                 for p in c.parties),
            "value": amount.get("value", float("nan")), "min": amount.get("min", float("nan")),
            "max": amount.get("max", float("nan")),
            "currency": amount.get("currency") or amount.get("unit") or ("undisclosed" if c.record == "deal" else ""),
            "approximate": bool(amount.get("approximate", False)),
            "date": pd.Timestamp(c.date), "date_inferred": c.date_inferred,
            "status": c.status.value if c.status else (c.basis.value if c.basis else ""),
            "confidence": c.confidence, "quote": c.quote, "reasons": "; ".join(c.reasons)})
    columns = ["id", "match", "record", "kind", "parties", "value", "min", "max", "currency", "approximate", "date",
               "date_inferred", "status", "confidence", "quote", "reasons"]
    return pd.DataFrame(rows, columns=columns)
