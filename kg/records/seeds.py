"""The bundled seed articles: a quote citing one must appear in its text word for word.

A quote may leave out an unrelated part of a sentence with "…"; each part, stripped, must occur
in the seed file.
"""

from __future__ import annotations

from pathlib import Path

from kg.records.datafile import read_text
from kg.records.problems import UnreadableFile


class SeedTexts:
    """The seed files of one folder, each read once (within the data files' bounds)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.present = folder.is_dir()
        self._texts: dict[str, str | UnreadableFile] = {}

    def problem(self, seed_file: str) -> str | None:
        """Why ``seed_file`` cannot be checked against, or None if it can."""
        text = self._text(seed_file)
        return text.message if isinstance(text, UnreadableFile) else None

    def missing_part(self, seed_file: str, quote: str) -> str | None:
        """The first part of ``quote`` that is not in ``seed_file``'s text, or None if every part is."""
        text = self._text(seed_file)
        if isinstance(text, UnreadableFile):
            return None  # reported once, on the source that names the file
        parts = [part for part in (piece.strip() for piece in quote.split("…")) if part]
        if not parts:
            return quote  # nothing but ellipses
        return next((part for part in parts if part not in text), None)

    def _text(self, seed_file: str) -> str | UnreadableFile:
        if seed_file not in self._texts:
            path = self.folder / seed_file
            try:
                self._texts[seed_file] = read_text(path, self.folder) if path.is_file() \
                    else UnreadableFile(None, f"not found in {self.folder}")
            except UnreadableFile as exc:
                self._texts[seed_file] = exc
        return self._texts[seed_file]
