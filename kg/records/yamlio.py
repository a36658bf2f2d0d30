"""Reading the YAML data files fast, and finding line numbers only when there is an error to report."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BASE):  # type: ignore[misc, valid-type]
    """Safe loader that leaves dates as text, so pydantic reports a bad date with its field."""


# YAML 1.1 reads `on`, `off`, `yes`, `no` as booleans (so a field named `on` would vanish) and
# unquoted dates as dates; keep YAML 1.2's true/false only, and dates as text for pydantic.
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, _BOOL if tag == "tag:yaml.org,2002:bool" else rx) for tag, rx in resolvers
            if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BASE.yaml_implicit_resolvers.items()
}


class YamlSyntaxError(Exception):
    def __init__(self, line: int | None, message: str):
        self.line, self.message = line, message
        super().__init__(message)


def read_yaml(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    fast = _json_lines(text)
    if fast is not None:
        return fast
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlSyntaxError(line, f"YAML syntax error: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, f"YAML error: {exc}") from exc


def _json_lines(text: str) -> list[object] | None:
    """Fast path for files written one record per line in flow style (``- {"id": ...}``).

    Such a line is JSON, which is YAML too. The records come back as :class:`JsonRecord` text, for
    pydantic to parse and validate in one step (several times faster than PyYAML's constructor).
    Anything else takes the YAML path.
    """
    if not text.startswith("- {"):
        return None
    items: list[object] = []
    for line in text.splitlines():
        if line.startswith("- {") and line.endswith("}"):
            items.append(JsonRecord(line[2:]))
        elif line.strip():
            return None
    return items


class JsonRecord(str):
    """One record's JSON text, validated with ``model_validate_json``."""

    __slots__ = ()


class LineFinder:
    """Maps a path such as ``(3, "claims", 0, "amount")`` to its line in a YAML file."""

    def __init__(self, path: Path):
        self._root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)

    def line(self, loc: Sequence[object]) -> int | None:
        node = self._root
        best = node.start_mark.line + 1 if node is not None else None
        for step in loc:
            found = self._child(node, step)
            if found is None:
                break
            node, best = found
        return best

    @staticmethod
    def _child(node: yaml.Node | None, step: object) -> tuple[yaml.Node, int] | None:
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            child = node.value[step]
            return child, child.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(step):
                    return value, key.start_mark.line + 1  # the line that names the field
        return None
