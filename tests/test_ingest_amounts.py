"""Figures, organisations and dates as `aikg extract` reads them, in German and English: every trap the
issue names, one case each."""

from __future__ import annotations

import datetime as dt

import pytest

from kg.ingest.amounts import find
from kg.ingest.dates import find_date, year_of
from kg.ingest.orgs import OrgIndex
from kg.ingest.sentences import language, split
from kg.paths import DEFAULT_DATA
from kg.records.loader import load_dataset

TRAPS = [
    ("de", "Investiert wurden 246 Milliarden US-Dollar.", {"value": 246e9, "currency": "USD"}),
    ("de", "Wertverlust von eine Billion Dollar", {"value": 1e12, "currency": "USD"}),
    ("de", "Fast eine Billion US-Dollar an Börsenwert", {"max": 1e12, "currency": "USD", "approximate": True}),
    ("de", "kommt mit 10 Mio. Euro Entwicklungskosten aus", {"value": 1e7, "currency": "EUR"}),
    ("de", "bis dato 6 Mrd. Dollar eingesammelt", {"value": 6e9, "currency": "USD"}),
    ("en", "a $38bn deal", {"value": 38e9, "currency": "USD"}),
    ("en", "raised US$1.5 billion", {"value": 1.5e9, "currency": "USD"}),
    ("en", "a $1.4 trillion plan", {"value": 1.4e12, "currency": "USD"}),
    ("en", "a €11.7 billion loan", {"value": 11.7e9, "currency": "EUR"}),
    ("en", "1 billion yuan in funding", {"value": 1e9, "currency": "CNY"}),
    ("en", "two billion dollars", {"value": 2e9, "currency": "USD"}),
    ("de", "sieben Milliarden Euro", {"value": 7e9, "currency": "EUR"}),
    ("de", "bis zu 50 Milliarden Dollar", {"max": 50e9, "currency": "USD"}),
    ("en", "up to $10 billion", {"max": 10e9, "currency": "USD"}),
    ("de", "eine Runde, die über 100 Milliarden US-Dollar einbringen könnte", {"min": 100e9, "currency": "USD"}),
    ("de", "mehr als 75 Milliarden US-Dollar", {"min": 75e9, "currency": "USD"}),
    ("en", "more than $5 billion", {"min": 5e9, "currency": "USD"}),
    ("en", "at least $3 billion", {"min": 3e9, "currency": "USD"}),
    ("de", "rund 200 Milliarden US-Dollar", {"value": 200e9, "currency": "USD", "approximate": True}),
    ("de", "etwa 2 Milliarden Euro", {"value": 2e9, "currency": "EUR", "approximate": True}),
    ("en", "about $2 billion", {"value": 2e9, "currency": "USD", "approximate": True}),
    ("en", "around $7bn", {"value": 7e9, "currency": "USD", "approximate": True}),
    ("de", "knapp 17 Prozent", {"max": 0.17, "unit": "fraction", "approximate": True}),
    ("de", "fast 600 Milliarden US-Dollar", {"max": 600e9, "currency": "USD", "approximate": True}),
    ("en", "almost $600 billion", {"max": 600e9, "currency": "USD", "approximate": True}),
    ("en", "nearly $1 trillion", {"max": 1e12, "currency": "USD", "approximate": True}),
    ("de", "zwischen 10 und 20 Milliarden Euro", {"min": 10e9, "max": 20e9, "currency": "EUR"}),
    ("en", "a $10–20 billion round", {"min": 10e9, "max": 20e9, "currency": "USD"}),
    ("de", "zwischen sieben und fast 20 Prozent", {"min": 0.07, "max": 0.2, "unit": "fraction", "approximate": True}),
    ("en", "a 27% stake", {"value": 0.27, "unit": "fraction"}),
    ("de", "ein Anteil von 49 Prozent", {"value": 0.49, "unit": "fraction"}),
    ("en", "100,000 GPUs", {"value": 1e5, "unit": "GPUs"}),
    ("de", "10.000 Grafikprozessoren", {"value": 1e4, "unit": "GPUs"}),
    ("en", "10 gigawatts of capacity", {"value": 10.0, "unit": "GW"}),
    ("en", "five gigawatts", {"value": 5.0, "unit": "GW"}),
    ("en", "up to 160 million shares", {"max": 160e6, "unit": "shares"}),
    ("de", "4.500 Beschäftigte", {"value": 4500.0, "unit": "people"}),
    ("de", "eine Zusage über 250 Milliarden Dollar", {"value": 250e9, "currency": "USD"}),  # "über" names the sum
    ("de", "könnte 850 Milliarden Dollar übersteigen", {"min": 850e9, "currency": "USD"}),
    ("de", "für nur 5,6 Millionen Dollar", {"value": 5.6e6, "currency": "USD"}),
    ("en", "the $500-billion Stargate project", {"value": 500e9, "currency": "USD"}),
]


@pytest.mark.parametrize(("lang", "text", "expected"), TRAPS, ids=[t[1] for t in TRAPS])
def test_amount_traps(lang: str, text: str, expected: dict) -> None:
    figures = find(text, lang)
    assert [f.amount() for f in figures] == [expected]
    assert text[figures[0].start:figures[0].end]  # the span is part of the text


def test_years_counts_without_units_and_model_names_are_not_figures() -> None:
    assert find("Im Jahr 2024 stellte DeepSeek R1 und V3 vor, GPT-4 kam 2023.", "de") == []


def test_a_scale_without_currency_is_money_whose_currency_the_sentence_gives() -> None:
    figures = find("Alphabet verlor 100 Milliarden US-Dollar, Microsoft immerhin noch sieben Milliarden.", "de")
    assert [f.amount() for f in figures] == [{"value": 100e9, "currency": "USD"}, {"value": 7e9}]
    assert figures[1].is_money


@pytest.fixture(scope="module")
def index() -> OrgIndex:
    return OrgIndex(load_dataset(DEFAULT_DATA).organisations.values())


@pytest.mark.parametrize(("text", "org", "how"), [
    ("eine Bedrohung für OpenAIs Geschäftsmodell", "openai", "inflected"),
    ("Microsofts Cloud wächst", "microsoft", "inflected"),
    ("Nvidia's shares rose", "nvidia", "name"),
    ("Der Einbruch der Nvidia-Aktie", "nvidia", "name"),
    ("OPENAI and others", "openai", "name"),
    ("a contract with anthropic", "anthropic", "name"),
    ("ein Vertrag mit Amazon Web Services", "aws", "name"),
    ("Die Google-Mutter Alphabet", "alphabet", "name"),
    ("die Dienste von Mistral", "mistral-ai", "name"),
    ("a deal with Antrophic", "anthropic", "fuzzy"),
])
def test_organisations_by_name_alias_inflection_and_fuzzy(index: OrgIndex, text: str, org: str, how: str) -> None:
    found = [m for m in index.find(text) if m.org == org]
    assert found and found[-1].how == how


def test_unknown_organisations_are_proposed(index: OrgIndex) -> None:
    text = "das Softwareunternehmen Quantumleap nutzt OpenAI; AI startup Zyxo Labs"
    names = [(m.name, m.org) for m in index.find(text)]
    assert ("Quantumleap", None) in names
    assert any(org is None and name.startswith("Zyxo") for name, org in names)


def test_common_words_are_not_organisations(index: OrgIndex) -> None:
    assert [m.org for m in index.find("the meta question of a benchmark and an oracle")] == []


def test_relative_dates_resolve_against_the_publication_date_and_are_inferred() -> None:
    monday = find_date("Das Modell hat am Montag ein Beben ausgelöst.", dt.date(2025, 1, 28))
    assert monday is not None and (monday.date, monday.inferred) == (dt.date(2025, 1, 27), True)
    also = find_date("The companies said on Monday.", dt.date(2025, 11, 5))
    assert also is not None and also.date == dt.date(2025, 11, 3)
    stated = find_date("signed on November 3, 2025", None)
    assert stated is not None and (stated.date, stated.inferred) == (dt.date(2025, 11, 3), False)
    assert year_of("OpenAI erwartet in diesem Jahr Verluste", dt.date(2025, 3, 26)) == 2025


def test_sentences_are_verbatim_and_language_is_found() -> None:
    text = ("Während OpenAI 4.500 Beschäftigte zählt und bis dato 6 Mrd. Dollar eingesammelt hat, kam mehr. "
            "Dann kam DeepSeek.")
    assert language(text) == "de"
    parts = split(text, "de")
    assert [p.text for p in parts] == [text[:text.index(" Dann")], "Dann kam DeepSeek."]
    assert all(text[p.start:p.end] == p.text for p in parts)
