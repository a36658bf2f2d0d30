"""Writing output whole or not at all, and naming the path the user asked for when the disk refuses.

Files are written under a temporary name in their folder and renamed over their targets at the
end (a rename within a folder is atomic), so a full disk, a read-only file system or a permission
error leaves the previous output as it was.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# The disk refused: full, over quota, read-only, or not ours to write.
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})
_RUST_ERRNO = re.compile(r"\(os error (\d+)\)")  # pyoxigraph raises OSError with the errno only in its text


def os_errno(exc: OSError) -> int | None:
    """The errno of ``exc``, also when only its message states it (as pyoxigraph's do)."""
    if exc.errno is not None:
        return exc.errno
    found = _RUST_ERRNO.search(str(exc))
    return int(found.group(1)) if found else None


@contextmanager
def naming(path: Path) -> Iterator[None]:
    """A disk error inside names ``path``, what the user asked to write, not a temporary file (or nothing)."""
    try:
        yield
    except OSError as exc:
        code = os_errno(exc)
        if code not in DISK_ERRNOS:
            raise
        raise OSError(code, os.strerror(code), str(path)) from exc


@contextmanager
def staged(folder: Path) -> Iterator[Path]:
    """A temporary folder inside ``folder`` to write into: when the block ends without error, its files
    replace their namesakes in ``folder``; on an error, nothing in ``folder`` changes."""
    with naming(folder):
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder))
        try:
            yield staging
            for path in sorted(staging.iterdir()):
                os.replace(path, folder / path.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8, whole or not at all."""
    with staged(path.parent) as staging:
        (staging / path.name).write_text(text, encoding="utf-8")
