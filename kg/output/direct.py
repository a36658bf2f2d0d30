"""A large file written straight to the disk, around the page cache (``O_DIRECT``).

The build writes its N-Triples (3.4 GB at 100k organisations) once and does not read them back. Through
the page cache, the kernel spends a second of system time on every 150–250 MB written on the 2-core
machine (``dd`` of 3.7 GB: 14–26 s), all of it on the cores the build and the store's loader need;
written directly, 0.12 s a GB (README, Benchmarks). Where the file system refuses ``O_DIRECT`` (tmpfs on
older kernels, some network file systems) the file is written through the page cache as before.
"""

from __future__ import annotations

import errno
import fcntl
import mmap
import os
from pathlib import Path
from types import TracebackType

# O_DIRECT wants the file offset, the length and the buffer's address aligned to the device's logical
# block; 4 KiB is a multiple of every common one (512 B, 4 KiB), and mmap's buffer is page-aligned
BLOCK = 4096
_BUFFER = 8 << 20


class DirectFile:
    """A binary file opened for writing (truncated) that bypasses the page cache where it can.

    Writes are gathered in an aligned buffer and written out in whole blocks; :meth:`close` writes
    the last, partial block with ``O_DIRECT`` cleared. ``direct`` tells whether the file system took
    ``O_DIRECT``. Use it as a context manager; an error leaves the file partly written, as ``open`` would.
    """

    def __init__(self, path: Path | str, buffer_bytes: int = _BUFFER) -> None:
        if buffer_bytes <= 0 or buffer_bytes % BLOCK:
            raise ValueError(f"buffer_bytes must be a positive multiple of {BLOCK}")
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC
        self.direct = hasattr(os, "O_DIRECT")
        try:
            self._fd = os.open(path, flags | (os.O_DIRECT if self.direct else 0), 0o644)
        except OSError as exc:
            if exc.errno != errno.EINVAL:
                raise
            self.direct = False
            self._fd = os.open(path, flags, 0o644)
        self._buffer = mmap.mmap(-1, buffer_bytes)
        self._used = 0
        self.closed = False

    def write(self, data: bytes) -> int:
        view, size = memoryview(data), len(self._buffer)
        while view:
            n = min(len(view), size - self._used)
            self._buffer[self._used:self._used + n] = view[:n]
            self._used += n
            view = view[n:]
            if self._used == size:
                self._drain(size)
        return len(data)

    def _drain(self, length: int) -> None:
        """Write the buffer's first ``length`` bytes and keep what follows them at its start."""
        with memoryview(self._buffer) as whole:
            done = 0
            while done < length:  # a regular file takes all but at a full disk, which raises
                done += os.write(self._fd, whole[done:length])
            rest = self._used - length
            whole[:rest] = whole[length:self._used]
        self._used = rest

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            whole = self._used - self._used % BLOCK
            if whole:
                self._drain(whole)
            if self._used:  # the last partial block: O_DIRECT would refuse its length
                if self.direct:
                    fcntl.fcntl(self._fd, fcntl.F_SETFL, fcntl.fcntl(self._fd, fcntl.F_GETFL) & ~os.O_DIRECT)
                self._drain(self._used)
        finally:
            os.close(self._fd)
            self._buffer.close()

    def __enter__(self) -> DirectFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
