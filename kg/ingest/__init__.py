"""Ingest: a news article in, reviewed candidate records out (before stage 1, records).

In: one article (a saved HTML page, a plain-text or Markdown file, or text on standard input; in
German or English) and the records of ``data/`` (:mod:`kg.records.loader`), which name the
organisations and hold the deals and observations a candidate may confirm or contradict. Out:
candidate facts (deals, observations, proposed organisations, the article's source) in the data
format, written to ``data/inbox/<source id>.yaml`` for review (:mod:`kg.ingest.inbox`), and moved
into ``data/`` when accepted (:mod:`kg.ingest.accept`), all or nothing, after the loader has
checked them. Next: :mod:`kg.records` reads the accepted files like any other data file.

The steps, one module each: :mod:`~kg.ingest.article` (reading and metadata),
:mod:`~kg.ingest.sentences` (sentences and language), :mod:`~kg.ingest.amounts` (figures with
currency, unit and qualifier), :mod:`~kg.ingest.orgs` (organisation mentions),
:mod:`~kg.ingest.dates` (explicit and relative dates), :mod:`~kg.ingest.cues` (the words that
name kinds, metrics and statuses), :mod:`~kg.ingest.relations` (candidates with parties, roles,
date, status, confidence and reasons), :mod:`~kg.ingest.matching` (new deal, new claim, agrees,
conflicts, already cited), :mod:`~kg.ingest.batch` (JSON lines) and :mod:`~kg.ingest.evaluate`
(recall and precision against gold sets).
"""
