"""Loading the store while its N-Triples are still being written.

The build turns records into N-Triples in Python (one core) and Oxigraph's bulk loader parses and
indexes them on threads of its own. One after the other, the build cost the conversion plus the load;
here the text goes through a named pipe (FIFO) that a loader thread reads with
``bulk_load(path=FIFO)``, which releases the GIL, so both run at once on a machine with two cores or
more. Loading from a FIFO costs what loading the same file costs (README, Benchmarks). The pipe holds
at most a megabyte, so the loader is never far behind the writer.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from kg.store.base import StoreError
from kg.store.embedded import EmbeddedStore

_PIPE_BYTES = 1 << 20
# written after an error in the writer: a line no N-Triples parser accepts, so the loader stops at once
# instead of indexing what it still holds for a generation that is thrown away
_STOP = b"\n<stop> the build failed\n"


class _Loader(threading.Thread):
    """Bulk-loads the FIFO at ``path`` into ``store``; keeps the error it stopped with."""

    def __init__(self, store: ox.Store, path: Path, lenient: bool) -> None:
        super().__init__(name="aikg-store-loader", daemon=True)
        self.store, self.path, self.lenient = store, path, lenient
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.store.bulk_load(path=str(self.path), format=ox.RdfFormat.N_TRIPLES, lenient=self.lenient)
        except BaseException as exc:  # handed to the writer's thread, which raises it
            self.error = exc

    def _writer(self) -> int | None:
        """The FIFO's write end once the loader has opened it for reading; None if the loader stopped."""
        while True:
            try:
                return os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                    raise
            if not self.is_alive():
                return None
            time.sleep(0.001)

    def feed(self) -> BinaryIO:
        """The stream the loader reads (or its error)."""
        fd = self._writer()
        if fd is None:
            self.join()
            raise StoreError(f"the store's loader stopped before reading: {self.error}") from self.error
        os.set_blocking(fd, True)
        with suppress(OSError):  # above the system's limit for unprivileged pipes: keep the default size
            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        return open(fd, "wb", buffering=0)

    def stop(self, feed: BinaryIO | None) -> None:
        """End the load after an error (also one that struck before the feed was open, or after the writer
        closed it) and wait for the loader."""
        if feed is not None and not feed.closed:
            with feed, suppress(OSError):  # the loader may be gone already
                feed.write(_STOP)
        else:  # a new write end reaches the loader if it still reads
            with suppress(OSError):
                fd = self._writer()
                if fd is not None:
                    try:
                        os.write(fd, _STOP)
                    finally:
                        os.close(fd)
        self.join()


@contextmanager
def streamed_load(target: Path, source: Path, fingerprint: str, *, then: Sequence[Path] = (),
                  lenient: bool = False) -> Iterator[BinaryIO | None]:
    """Bulk-load the N-Triples written to the yielded binary stream into a new store at ``target`` while
    they are written; when the block ends, load ``then`` (any RDF files), flush, optimize and write
    ``fingerprint``, as :meth:`EmbeddedStore.load` does.

    The block may close the stream once every triple is written, so that the loader finishes its last
    batch while the block goes on. The block also writes the same text to ``source``: where the file
    system has no named pipes the stream is ``None`` and ``source`` is loaded after the block. An
    exception in the block stops the loader and propagates (the loader's own error first, if it stopped
    the writing); ``target`` is then left for the caller to remove, as after a failed
    :meth:`EmbeddedStore.load`.
    """
    target = Path(target)
    feeds = Path(tempfile.mkdtemp(prefix=".feed-", dir=target.parent))
    try:
        fifo = feeds / "triples.nt"
        try:
            os.mkfifo(fifo)
        except OSError:
            yield None
            EmbeddedStore.load(target, [source, *then], fingerprint, lenient=lenient)
            return
        store = ox.Store(str(target))
        loader = _Loader(store, fifo, lenient)
        loader.start()
        feed = None
        try:
            feed = loader.feed()
            yield feed
        except BaseException as exc:
            loader.stop(feed)
            if loader.error is not None and isinstance(exc, BrokenPipeError):
                raise StoreError(f"the store's loader stopped: {loader.error}") from loader.error
            raise
        feed.close()
        loader.join()
        if loader.error is not None:
            raise StoreError(f"the store's loader stopped: {loader.error}") from loader.error
        EmbeddedStore.load_into(store, then, lenient=lenient)
        loader.store = None
        del store  # closes it before it is stamped
        EmbeddedStore.stamp(target, fingerprint)
    finally:
        shutil.rmtree(feeds, ignore_errors=True)
