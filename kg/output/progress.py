"""How long steps report how far they are: a message, and for a counted step how many of how many are done.

The library only calls a :class:`Progress`; the command line decides whether to show it (a bar on a
terminal, nothing when piped or asked to be quiet).
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Called with what a step is doing; ``done`` of ``total`` when the step counts its work."""

    def __call__(self, message: str, done: int | None = None, total: int | None = None) -> None: ...


def silent(message: str, done: int | None = None, total: int | None = None) -> None:
    """The progress of a caller that shows none."""
