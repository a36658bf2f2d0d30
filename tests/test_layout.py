"""The package follows the data flow one way: no module imports a later stage, and only the CLI and
``kg/__init__.py`` import the ``kg.load()`` facade (``kg.graph``) or the package root.

Each stage has a rank; a module may import its own package and packages of a lower rank. Every
import counts, also those under ``if TYPE_CHECKING`` and inside functions: a type or a late import
that points up the flow is still a dependency up the flow.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parent.parent / "kg"

# data files → records → RDF → store → projection → metrics → views / endpoint → build, validate → facade → CLI
RANK = {
    "kg.paths": 0, "kg.output": 0,
    "kg.records": 1, "kg.analytics": 1,
    "kg.rdf": 2, "kg.synth": 2,  # synth writes data files in the records' codes
    "kg.store": 3,
    "kg.projection": 4, "kg.ingest": 4,  # reads the records (may use the store for matching); CLI and facade call it
    "kg.metrics": 5,
    "kg.views": 6, "kg.endpoint": 6,
    "kg.build": 7, "kg.validate": 7,
    "kg.graph": 8,
    "kg.cli": 9, "kg": 9, "kg.__main__": 10,
}
FACADE_USERS = {"kg.cli", "kg"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(KG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _stage(module: str) -> str:
    """The longest ranked prefix: ``kg.store.queries`` → ``kg.store``."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in RANK:
            return ".".join(parts[:n])
    raise AssertionError(f"{module} belongs to no stage: give its folder a rank in tests/test_layout.py")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every ``kg`` import in the file, however nested."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name == "kg" or a.name.startswith("kg.")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "kg":  # from kg import build → kg.build
                found += [(node.lineno, f"kg.{a.name}") for a in node.names]
            elif node.module.startswith("kg."):
                found.append((node.lineno, node.module))
    return found


MODULES = sorted(KG.rglob("*.py"))


def upward_imports(modules: list[tuple[str, Path]]) -> list[str]:
    """Each import of a stage that is not below the importing module's stage, as 'file:line: ...'."""
    problems = []
    for me, path in modules:
        mine = _stage(me)
        for line, target in _imports(path):
            theirs = _stage(target)
            where = f"{path.name}:{line}: {me} imports {target}"
            if theirs in ("kg.graph", "kg"):
                if mine not in FACADE_USERS and theirs != mine:
                    problems.append(f"{where} (the facade: only the CLI may)")
            elif theirs != mine and RANK[theirs] >= RANK[mine]:
                problems.append(f"{where} (stage {theirs}, rank {RANK[theirs]}, is not below {mine}, "
                                f"rank {RANK[mine]})")
    return problems


def test_no_module_imports_up_the_flow():
    assert upward_imports([(_module_name(p), p) for p in MODULES]) == []


def test_the_check_finds_upward_and_facade_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from kg.records.models import Deal\nfrom kg.store import EmbeddedStore\n"
                     "if True:\n    from kg import graph\n")
    assert upward_imports([("kg.rdf.probe", probe)]) == [
        "probe.py:2: kg.rdf.probe imports kg.store (stage kg.store, rank 3, is not below kg.rdf, rank 2)",
        "probe.py:4: kg.rdf.probe imports kg.graph (the facade: only the CLI may)",
    ]
    assert upward_imports([("kg.cli", probe)]) == []


def test_top_of_the_package_stays_small():
    top = sorted(p.name for p in KG.glob("*.py"))
    assert len(top) <= 8, top


@pytest.mark.parametrize("stage", ["kg.records", "kg.analytics", "kg.rdf", "kg.store", "kg.projection", "kg.ingest",
                                   "kg.metrics", "kg.views", "kg.endpoint"])
def test_each_stage_imports_alone_and_says_what_it_does(stage):
    module = importlib.import_module(stage)
    doc = module.__doc__ or ""
    assert len(doc.split()) >= 15, f"{stage} needs a docstring: what comes in, what goes out, what is next"
