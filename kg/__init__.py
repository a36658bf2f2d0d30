"""aikg: a sourced knowledge graph of AI investment relationships.

    import kg
    g = kg.load()                    # builds data/ into out/ if needed, opens the store
    g.query("investors_in", org="openai")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kg.graph import KnowledgeGraph


def load(*args: Any, **kwargs: Any) -> KnowledgeGraph:
    """Open the knowledge graph; see :func:`kg.graph.load` (imported lazily to keep submodules light)."""
    from kg.graph import load as _load

    return _load(*args, **kwargs)


def __getattr__(name: str) -> Any:
    if name == "KnowledgeGraph":
        from kg.graph import KnowledgeGraph

        return KnowledgeGraph
    raise AttributeError(name)


__all__ = ["KnowledgeGraph", "load"]
