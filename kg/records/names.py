"""Organisations by id, name or alias: how every command and API call finds the organisation meant.

A name matches when it equals a node's id, label or one of its aliases (in any language) after
folding case and accents; a subsidiary's names also find the group it was merged into (AWS →
Amazon). On a miss, :class:`UnknownOrganisation` names the closest matches (rapidfuzz's
``WRatio`` over the same names), so a typo gets a "did you mean".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator

import networkx as nx
from rapidfuzz import fuzz, process

SUGGESTIONS = 3
SUGGESTION_CUTOFF = 60.0


class UnknownOrganisation(ValueError):
    """No organisation has this id, name or alias; ``suggestions`` are the closest names."""

    def __init__(self, asked: str, suggestions: list[tuple[str, str]]):
        self.asked = asked
        self.suggestions = [node for node, _name in suggestions]  # ids, closest first
        shown = [node if fold(name) == fold(node) else f"{node} ({name})" for node, name in suggestions]
        hint = f"; did you mean {', '.join(shown)}?" if shown else ""
        super().__init__(f"unknown organisation {asked!r}{hint}")


def fold(value: str) -> str:
    """Lower-case without accents and surrounding space, so "zurich " finds "Zürich"."""
    decomposed = unicodedata.normalize("NFKD", value)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).casefold().split())


def names_of(legs: nx.MultiDiGraph) -> Iterator[tuple[str, str]]:
    """(name, node) for every id, label and alias of every node, and of the members merged into it."""
    for node, attrs in legs.nodes(data=True):
        yield node, node
        if attrs.get("label"):
            yield str(attrs["label"]), node
        for alias in attrs.get("aliases") or ():
            yield str(alias), node
        for member in attrs.get("members") or ():
            if member != node:
                yield member, node
        for name in attrs.get("member_names") or ():
            yield str(name), node


def resolve(legs: nx.MultiDiGraph, org: str) -> str:
    """The node of ``legs`` that ``org`` names (id, name or alias, any case); raises :class:`UnknownOrganisation`.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("openai", label="OpenAI", aliases=["OpenAI Group PBC"])
    >>> g.add_node("amazon", label="Amazon", members=["amazon", "aws"], member_names=["Amazon Web Services"])
    >>> resolve(g, "OPENAI"), resolve(g, "amazon web services"), resolve(g, "aws")
    ('openai', 'amazon', 'amazon')
    >>> resolve(g, "Open AI")  # spaces and punctuation aside
    'openai'
    >>> try:
    ...     resolve(g, "OpenIA")
    ... except UnknownOrganisation as miss:
    ...     print(miss)
    unknown organisation 'OpenIA'; did you mean openai?
    """
    if org in legs:
        return org
    return lookup(names_of(legs), org)


def compact(value: str) -> str:
    """:func:`fold` with only letters and digits kept: "Open AI" and "open-ai" are "openai"."""
    return "".join(c for c in fold(value) if c.isalnum())


def lookup(pairs: Iterable[tuple[str, str]], org: str) -> str:
    """The id whose name (from ``(name, id)`` pairs) folds to the same text as ``org`` (else the same
    letters and digits, when only one organisation has them), else :class:`UnknownOrganisation`."""
    wanted, letters = fold(str(org)), compact(str(org))
    choices: dict[str, str] = {}
    for name, node in pairs:
        if fold(name) == wanted:
            return node
        choices.setdefault(name, node)
    close = {node for name, node in choices.items() if letters and compact(name) == letters}
    if len(close) == 1:
        return close.pop()
    return _miss(org, choices)


def _miss(org: str, choices: dict[str, str]) -> str:
    found = process.extract(fold(str(org)), {name: fold(name) for name in choices}, scorer=fuzz.WRatio,
                            limit=SUGGESTIONS * 3, score_cutoff=SUGGESTION_CUTOFF)
    suggestions: list[tuple[str, str]] = []
    seen: set[str] = set()
    for _folded, _score, name in found:  # one name per organisation, best first
        if choices[name] not in seen:
            seen.add(choices[name])
            suggestions.append((choices[name], name))
    raise UnknownOrganisation(str(org), suggestions[:SUGGESTIONS])
