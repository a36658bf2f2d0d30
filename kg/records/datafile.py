"""One data file's text, read within bounds: a regular file inside the data folder, not over
:data:`~kg.records.limits.MAX_FILE_BYTES`, UTF-8 without characters YAML forbids.

Anything else raises :class:`~kg.records.problems.UnreadableFile` with the line where it can be
known. A refused file is never read, so nothing of its content reaches a message.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from kg.records import limits
from kg.records.problems import UnreadableFile

# What YAML allows in a stream (its c-printable set); NUL and other control characters are not.
_FORBIDDEN = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def read_bytes(path: Path, root: Path) -> bytes:
    """The bytes of the data file at ``path`` under the data folder ``root``."""
    try:
        resolved = path.resolve()
        if not resolved.is_relative_to(root.resolve()):
            raise UnreadableFile(None, "a link to a file outside the data folder: refused")
        info = resolved.stat()
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(None, "not a regular file: refused")
        if info.st_size > limits.MAX_FILE_BYTES:
            raise UnreadableFile(None, _too_large(info.st_size))
        with resolved.open("rb") as stream:
            raw = stream.read(info.st_size + 1)  # one byte more tells a file that grew meanwhile
    except OSError as exc:
        raise UnreadableFile(None, f"cannot read: {os.strerror(exc.errno).lower() if exc.errno else exc}") from exc
    if len(raw) > info.st_size:
        raise UnreadableFile(None, "the file changed while it was read: run again")
    return raw


def read_text(path: Path, root: Path) -> str:
    """The text of the data file at ``path``: its bytes, decoded and checked character by character."""
    raw = read_bytes(path, root)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start)
        raise UnreadableFile(line, f"not valid UTF-8: byte 0x{raw[exc.start]:02x} at column {column}") from None
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        line, column = _position(text, bad.start())
        raise UnreadableFile(line, f"character U+{ord(bad.group()):04X} at column {column} is not allowed in a "
                                   "data file (YAML forbids control characters)")
    return text


def _position(text: str | bytes, offset: int) -> tuple[int, int]:
    newline = "\n" if isinstance(text, str) else b"\n"
    start = text.rfind(newline, 0, offset) + 1  # type: ignore[arg-type]
    return text.count(newline, 0, offset) + 1, offset - start + 1  # type: ignore[arg-type]


def _too_large(size: int) -> str:
    return (f"{size:,} bytes, over the limit of {limits.MAX_FILE_BYTES:,} for one data file: "
            "split it into several files")
