"""Organisation mentions in a sentence, resolved to the organisations of the graph.

A mention matches an organisation's id, name or alias after folding case and accents
(:func:`kg.records.names.fold`), also inflected: the German genitive "OpenAIs", "Microsofts", the
English possessive "Nvidia's", the first part of a compound "Nvidia-Aktie". A capitalised word
that misses by a letter or two ("Antrophic") matches by rapidfuzz's ratio above
:data:`FUZZY_CUTOFF`. A name introduced as a company ("das Softwareunternehmen X", "startup X",
"X Inc.") that the graph does not know is proposed as a new organisation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from kg.records.models import Organisation
from kg.records.names import compact, fold

FUZZY_CUTOFF = 88.0
MAX_WORDS = 5
# Names that are also common words are matched only when capitalised as a name.
_COMMON = {"benchmark", "aligned", "cursor", "lambda", "fidelity", "oracle", "apollo", "meta", "x", "io", "citi",
           "aker", "dell", "groq", "intel", "stargate"}
_TOKEN = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9][A-Za-zÀ-ÖØ-öø-ÿ0-9&.]*(?<![.])")
# Words in front of a name that say the name is of a company.
_INTRO = re.compile(
    r"(?:(?:Software|Chip|KI|Tech|Cloud|Technologie|Rüstungs|Energie|Finanz|Beteiligungs)?(?:unternehmen|"
    r"-?Unternehmen|Start-up|Startup|Konzern|Firma|Hersteller|Anbieter|Entwickler|Investor|Fonds|Bank)|"
    r"(?:AI |chip |cloud |software |tech |infrastructure |data[- ]cent(?:er|re) )?(?:startup|start-up|company|"
    r"firm|chipmaker|developer|provider|operator|lender|investor|fund|bank|maker|rival|lab))\s+"
    r"(?P<name>[A-Z][\w&.\-]*[\w](?:\s[A-Z][\w&\-]*[\w]){0,2})")
_SUFFIXED = re.compile(r"(?P<name>[A-Z][\w&\-]*[\w](?:\s[A-Z][\w&\-]*[\w]){0,2}\s(?:Inc\.|Inc|Corp\.|Corp|Ltd\.|Ltd|"
                       r"LLC|GmbH|AG|SE|plc|Holdings|Technologies|Labs|Capital|Partners|Ventures|Systems))\b")
_NOT_NAMES = {"ai", "ki", "us", "usa", "eu", "the", "der", "die", "das", "ceo", "chef", "it", "in", "im", "and",
              "und", "mit", "with", "for", "für", "of", "von"}


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    org: str | None  # the organisation's id; None for a proposed new organisation
    name: str  # the organisation's name, or the proposed name
    how: str  # "name", "inflected", "fuzzy" or "new"


class OrgIndex:
    """Every id, name and alias of the organisations, folded, for matching in running text."""

    def __init__(self, organisations: Iterable[Organisation]):
        self.orgs = {o.id: o for o in organisations}
        self.exact: dict[str, str] = {}
        self.letters: dict[str, str] = {}
        for org in self.orgs.values():
            for name in self._names(org):
                self.exact.setdefault(fold(name), org.id)
                if len(compact(name)) >= 4:
                    self.letters.setdefault(compact(name), org.id)
        self._choices = {key: key for key in self.exact if len(key) >= 5}

    @staticmethod
    def _names(org: Organisation) -> Iterable[str]:
        yield org.name
        yield org.id.replace("-", " ")
        for aliases in org.aliases.values():
            yield from aliases
        for suffix in (" Inc.", " Corp.", " Corporation", " Group", " Platforms", " Systems", " LLC"):
            if org.name.endswith(suffix):
                yield org.name[: -len(suffix)]

    def find(self, text: str) -> list[Mention]:
        """The organisations ``text`` names, in order, longest match first, with proposals for new ones.

        >>> from kg.records.models import Organisation as O
        >>> index = OrgIndex([O(id="openai", name="OpenAI", types=["ai_lab"]),
        ...                   O(id="aws", name="Amazon Web Services", types=["cloud_provider"]),
        ...                   O(id="anthropic", name="Anthropic", types=["ai_lab"])])
        >>> [(m.org, m.how) for m in index.find("OpenAIs Vertrag mit Amazon Web Services und Antrophic")]
        [('openai', 'inflected'), ('aws', 'name'), ('anthropic', 'fuzzy')]
        >>> [(m.name, m.how) for m in index.find("das Softwareunternehmen OpenReplay nutzt OpenAI")]
        [('OpenReplay', 'new'), ('OpenAI', 'name')]
        """
        tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
        found: list[Mention] = []
        i = 0
        while i < len(tokens):
            hit = self._longest(text, tokens, i)
            if hit is not None:
                found.append(hit[0])
                i += hit[1]
            else:
                i += 1
        taken = [(m.start, m.end) for m in found]
        for m in self._proposals(text):
            if not any(s < m.end and m.start < e for s, e in taken):
                found.append(m)
                taken.append((m.start, m.end))
        return sorted(found, key=lambda m: m.start)

    def _longest(self, text: str, tokens: list[tuple[int, int]], i: int) -> tuple[Mention, int] | None:
        for n in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
            gaps = (text[tokens[k][1]:tokens[k + 1][0]] for k in range(i, i + n - 1))
            if not all(g in (" ", "-", ", ", "\u00a0") for g in gaps):
                continue  # a name runs over spaces and hyphens only ("Amazon Web Services")
            start, end = tokens[i][0], tokens[i + n - 1][1]
            mention = self._match(text[start:end], start, end, single=n == 1)
            if mention is not None:
                return mention, n
        return None

    def _match(self, surface: str, start: int, end: int, single: bool) -> Mention | None:
        key = fold(surface.replace("-", " "))
        if key in _NOT_NAMES:
            return None
        org = self.exact.get(key) or self.letters.get(compact(surface))
        how = "name"
        if org is None and single and len(surface) > 3 and surface[-1] == "s":
            stem = surface[:-1]  # German genitive: "OpenAIs", "Microsofts"
            org, how = self.exact.get(fold(stem)) or self.letters.get(compact(stem)), "inflected"
        if org is None and single and surface[:1].isupper() and len(key) >= 6:
            best = process.extractOne(key, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            if best is not None:
                org, how = self.exact[best[2]], "fuzzy"
        if org is None:
            return None
        if surface.islower() and (len(key) < 6 or key in _COMMON):
            return None  # "meta" or "oracle" in lower case is a word, not the company
        if key in _COMMON and not surface[:1].isupper():
            return None
        return Mention(start, end, org, self.orgs[org].name, how)

    def _proposals(self, text: str) -> list[Mention]:
        out = []
        for pattern in (_INTRO, _SUFFIXED):
            for m in pattern.finditer(text):
                name = m.group("name").strip()
                if fold(name) in _NOT_NAMES or self._match(name, 0, 0, single=" " not in name) is not None:
                    continue
                out.append(Mention(m.start("name"), m.end("name"), None, name, "new"))
        return out


def slug(name: str) -> str:
    """An id for a proposed organisation: "Open Replay Inc." → "open-replay-inc".

    >>> slug("OpenReplay"), slug("Crusoe Energy Systems")
    ('openreplay', 'crusoe-energy-systems')
    """
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:120] or "org"
