"""Which fields of a record name other records, and where its quotes are.

The walks take a validated model or the raw data of a record that failed validation alike, so a
broken record's references are checked beside its field errors.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

# Per folder: (field path, folder of the records it names); "*" is every item of a list.
REFERENCES: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "entities": ((("parent",), "entities"), (("sources", "*"), "sources")),
    "fx": ((("source",), "sources"),),
    "deals": ((("parties", "*", "org"), "entities"), (("claims", "*", "source"), "sources"),
              (("part_of",), "deals")),
    "observations": ((("orgs", "*"), "entities"), (("claims", "*", "source"), "sources")),
}
# Per folder: the path of the objects that carry a ``source`` and its ``quote``.
QUOTED: dict[str, tuple[str, ...]] = {"fx": (), "deals": ("claims", "*"), "observations": ("claims", "*")}

Path = tuple[object, ...]


def references(folder: str, record: object) -> list[tuple[str, str, Path]]:
    """(target folder, id named, field path) of each reference in ``record``."""
    found: list[tuple[Path, object]] = []
    out = []
    for pattern, target in REFERENCES.get(folder, ()):
        found.clear()
        _walk(record, pattern, 0, (), found)
        out += [(target, value, path) for path, value in found if isinstance(value, str)]
    return out


def quotes(folder: str, record: object) -> Iterator[tuple[str, str, Path]]:
    """(source id, quote, path of the quote) of each quote in ``record``."""
    pattern = QUOTED.get(folder)
    if pattern is None:
        return
    found: list[tuple[Path, object]] = []
    _walk(record, pattern, 0, (), found)
    for path, node in found:
        source, quote = _field(node, "source"), _field(node, "quote")
        if isinstance(source, str) and isinstance(quote, str):
            yield source, quote, (*path, "quote")


def _walk(node: object, pattern: tuple[str, ...], at: int, path: Path, found: list[tuple[Path, object]]) -> None:
    """Append (path, value) for what ``pattern[at:]`` reaches from ``node`` (a loop, not generators: it runs
    for every record of a build)."""
    if at == len(pattern):
        found.append((path, node))
    elif pattern[at] == "*":
        if isinstance(node, list):
            for i, item in enumerate(node):
                _walk(item, pattern, at + 1, (*path, i), found)
    else:
        child = _field(node, pattern[at])
        if child is not None:
            _walk(child, pattern, at + 1, (*path, pattern[at]), found)


def _field(node: object, name: str) -> object:
    if isinstance(node, BaseModel):
        return getattr(node, name, None)
    return node.get(name) if isinstance(node, dict) else None
