"""Reading the YAML data files fast and within bounds, and finding line numbers only when there is an error to report.

libyaml (C) scans and parses; the node tree is composed here, in Python, from its events, so that
nesting depth, what aliases expand to and the length of each value are bounded
(:mod:`kg.records.limits`) before anything is built from them. A violation raises
:class:`~kg.records.problems.UnreadableFile` with its line and field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent, MappingEndEvent, ScalarEvent, SequenceEndEvent

from kg.records import limits
from kg.records.problems import UnreadableFile, field_path, show_value

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_MESSAGE = 200  # characters of a YAML library message, which may quote the text


class _BoundedComposer(Composer):
    """PyYAML's composer, with the limits and the path of the node being composed (for messages).

    It recurses once per level of nesting, so the depth limit keeps it far from the stack's end;
    the C composer it replaces has no limit and overflows the C stack (a crash) on deep input.
    """

    def __init__(self) -> None:
        super().__init__()
        self._path: list[object] = []  # keys and indexes from the document's root
        self._values = 0  # values composed so far, an alias counting as every value it repeats
        self._aliased = 0  # of which repeated by aliases
        self._sizes: dict[yaml.Node, int] = {}  # values under each complete anchored node

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            return self._alias(self.get_event())
        if event.anchor is not None and event.anchor in self.anchors:
            self._fail(event, f"the anchor {show_value(event.anchor)} is defined twice")
        if isinstance(event, ScalarEvent) and len(event.value) > limits.MAX_VALUE_CHARS:
            self._fail(event, f"a value of {len(event.value):,} characters, over the limit of "
                              f"{limits.MAX_VALUE_CHARS:,}", show_value(event.value))
        if not isinstance(event, ScalarEvent) and len(self._path) >= limits.MAX_DEPTH:
            self._fail(event, f"nested deeper than {limits.MAX_DEPTH} levels")
        before = self._values
        self._values += 1
        node = super().compose_node(parent, index)
        if event.anchor is not None:
            self._sizes[node] = self._values - before
        return node

    def _alias(self, event: AliasEvent) -> yaml.Node:
        node = self.anchors.get(event.anchor)
        if node is None:
            self._fail(event, f"the alias {show_value(event.anchor)} names no anchor before it")
        size = self._sizes.get(node)
        if size is None:
            self._fail(event, "an alias inside the node it names (a value that contains itself)")
        self._values += size
        self._aliased += size
        if self._aliased > limits.MAX_ALIAS_VALUES:
            self._fail(event, f"aliases repeat more than {limits.MAX_ALIAS_VALUES:,} values")
        return node

    def compose_sequence_node(self, anchor: str | None) -> yaml.SequenceNode:
        start = self.get_event()
        tag = start.tag if start.tag not in (None, "!") else self.resolve(yaml.SequenceNode, None, start.implicit)
        node = yaml.SequenceNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if anchor is not None:
            self.anchors[anchor] = node
        while not self.check_event(SequenceEndEvent):
            self._path.append(len(node.value))
            node.value.append(self.compose_node(node, len(node.value)))
            self._path.pop()
        node.end_mark = self.get_event().end_mark
        return node

    def compose_mapping_node(self, anchor: str | None) -> yaml.MappingNode:
        start = self.get_event()
        tag = start.tag if start.tag not in (None, "!") else self.resolve(yaml.MappingNode, None, start.implicit)
        node = yaml.MappingNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        if anchor is not None:
            self.anchors[anchor] = node
        while not self.check_event(MappingEndEvent):
            self._path.append("?")  # a key is composed one level down too
            key = self.compose_node(node, None)
            self._path[-1] = key.value if isinstance(key, yaml.ScalarNode) else "?"
            value = self.compose_node(node, key)
            self._path.pop()
            node.value.append((key, value))
        node.end_mark = self.get_event().end_mark
        return node

    def _fail(self, event: yaml.Event, message: str, value: str = "") -> None:
        field = field_path(self._path[1:])  # as the loader names fields: without the record's index
        raise UnreadableFile(event.start_mark.line + 1, message, field, value)


class _Loader(_BoundedComposer, _BASE):  # type: ignore[misc, valid-type]
    """Safe loader that leaves dates as text, so pydantic reports a bad date with its field."""

    def __init__(self, stream: str) -> None:
        _BASE.__init__(self, stream)
        _BoundedComposer.__init__(self)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> object:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:  # int() of a 5,000-digit number, for one
            raise yaml.constructor.ConstructorError(None, None, f"cannot read this value: {exc}",
                                                    node.start_mark) from exc


# YAML 1.1 reads `on`, `off`, `yes`, `no` as booleans (so a field named `on` would vanish) and
# unquoted dates as dates; keep YAML 1.2's true/false only, and dates as text for pydantic.
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Loader.yaml_implicit_resolvers = {
    first: [(tag, _BOOL if tag == "tag:yaml.org,2002:bool" else rx) for tag, rx in resolvers
            if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BASE.yaml_implicit_resolvers.items()
}


def read_yaml(text: str) -> object:
    """The records of one data file's text; raises :class:`UnreadableFile` for bad YAML or a limit."""
    fast = _json_lines(text)
    if fast is not None:
        return fast
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise UnreadableFile(line, f"YAML syntax error: {_short(exc.problem or exc)}") from exc
    except yaml.YAMLError as exc:
        raise UnreadableFile(None, f"YAML error: {_short(exc)}") from exc


def _short(message: object) -> str:
    text = str(message)
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _json_lines(text: str) -> list[object] | None:
    """Fast path for files written one record per line in flow style (``- {"id": ...}``).

    Such a line is JSON, which is YAML too. The records come back as :class:`JsonRecord` text, for
    pydantic to parse and validate in one step (several times faster than PyYAML's constructor).
    Anything else takes the YAML path, and so does a line long enough to hold an over-long value:
    the YAML path checks each value's length.
    """
    if not text.startswith("- {"):
        return None
    items: list[object] = []
    for line in text.splitlines():
        if line.startswith("- {") and line.endswith("}") and len(line) <= limits.MAX_VALUE_CHARS:
            items.append(JsonRecord(line[2:]))
        elif line.strip():
            return None
    return items


class JsonRecord(str):
    """One record's JSON text, validated with ``model_validate_json``."""

    __slots__ = ()


class LineFinder:
    """Maps a path such as ``(3, "claims", 0, "amount")`` to its line in a data file's text."""

    def __init__(self, text: str):
        # one record per line: the record's line, without composing a file of perhaps millions of lines
        self._record_lines = [n for n, line in enumerate(text.splitlines(), 1) if line.strip()] \
            if _json_lines(text) is not None else None
        self._root = None if self._record_lines is not None else yaml.compose(text, Loader=_Loader)

    def line(self, loc: Sequence[object]) -> int | None:
        if self._record_lines is not None:
            index = loc[0] if loc else 0
            return self._record_lines[index] if isinstance(index, int) and index < len(self._record_lines) else None
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
