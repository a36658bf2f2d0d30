"""Two lanes of query workers, so that light queries never queue behind heavy ones.

A query's cost is judged by its past: the endpoint remembers the query texts (whitespace
collapsed, with the protocol's dataset parameters) that a worker has answered within
``light_query_s``. Those run in the **light lane**, a pool of workers reserved for them; all
others (a text never seen, or one that was slow) run in the **general lane**, whose workers also
run at a lower CPU priority. However many heavy queries arrive, they hold at most the general
lane's workers and yield the CPU, and a known-light query still finds a light worker.

A light-lane query may run :data:`LIGHT_LIMIT` times ``light_query_s``, no longer (a text can
turn slow, e.g. when the store is rebuilt): then its worker is killed and replaced, the text is
forgotten, and the query finishes in the general lane within what is left of its deadline. So a
light worker is never held for long, whatever query reaches it.

Why the past and not the plan: without statistics on the data, a plan says little about cost (one
triple pattern may match ten triples or ten million), while a text that answered fast on this
store answers fast again. Dashboards and the named queries repeat their texts; a new text waits
for its first answer in the general lane.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path

from kg.endpoint.pool import QueryTimeout, WorkerFailed, WorkerPool
from kg.endpoint.worker import Job, Reply

__all__ = ["LIGHT_LIMIT", "CostMemory", "Lanes", "cost_key"]

LIGHT_LIMIT = 4  # contention can slow a light query a few times over; past that it is not light
GENERAL_NICE = 10  # CPU priority below the light workers and the HTTP server
_MEMORY_SIZE = 16_384  # remembered texts (32-byte digests each)


def cost_key(job: Job) -> bytes:
    """What identifies a query's cost: its kind, its text (whitespace collapsed) and its dataset."""
    text = " ".join(job.query.split())
    parts = (job.kind, text, *job.default_graphs, "\x00", *job.named_graphs)
    return hashlib.sha256("\x01".join(parts).encode("utf-8", "surrogatepass")).digest()


class CostMemory:
    """The query keys answered within ``light_s``, least recently used first out."""

    def __init__(self, light_s: float, size: int = _MEMORY_SIZE) -> None:
        self.light_s = light_s
        self.size = size
        self._lock = threading.Lock()
        self._light: OrderedDict[bytes, None] = OrderedDict()

    def is_light(self, key: bytes) -> bool:
        with self._lock:
            if key not in self._light:
                return False
            self._light.move_to_end(key)
            return True

    def record(self, key: bytes, seconds: float) -> None:
        """Learn from an answer. Only a fast one promotes a text; a slower one leaves it where it
        is (a light text keeps its lane up to the light limit, so contention does not demote it)."""
        if seconds > self.light_s:
            return
        with self._lock:
            self._light[key] = None
            self._light.move_to_end(key)
            while len(self._light) > self.size:
                self._light.popitem(last=False)

    def forget(self, key: bytes) -> None:
        with self._lock:
            self._light.pop(key, None)


class Lanes:
    """The light and the general worker pool, and the choice between them."""

    def __init__(
        self,
        store_path: Path,
        *,
        light_workers: int,
        general_workers: int,
        light_query_s: float,
        sandbox: bool = True,
        memory_mb: int | None = None,
    ) -> None:
        self.memory = CostMemory(light_query_s)
        self.light_limit_s = LIGHT_LIMIT * light_query_s
        self.light = WorkerPool(store_path, light_workers, sandbox=sandbox, memory_mb=memory_mb)
        try:
            self.general = WorkerPool(
                store_path, general_workers, sandbox=sandbox, memory_mb=memory_mb, nice=GENERAL_NICE
            )
        except BaseException:
            self.light.close()
            raise

    @property
    def sandboxed(self) -> bool:
        return self.light.sandboxed and self.general.sandboxed

    def run(self, job: Job, *, deadline_s: float, queue_timeout_s: float) -> Reply:
        """Run ``job`` in its lane; raise PoolBusy, QueryTimeout or WorkerFailed like a pool."""
        key = cost_key(job)
        if self.memory.is_light(key):
            limit = min(deadline_s, self.light_limit_s)
            try:
                reply = self.light.run(job, deadline_s=limit, queue_timeout_s=queue_timeout_s)
            except QueryTimeout:
                self.memory.forget(key)
                if limit >= deadline_s:
                    raise
                deadline_s -= limit  # the rest of its deadline, in the general lane
            except WorkerFailed:
                self.memory.forget(key)
                raise
            else:
                self.memory.record(key, reply.seconds)
                return reply
        reply = self.general.run(job, deadline_s=deadline_s, queue_timeout_s=queue_timeout_s)
        self.memory.record(key, reply.seconds)
        return reply

    def close(self) -> None:
        self.light.close()
        self.general.close()
