"""A pool of query worker processes with a hard per-query deadline.

A request borrows an idle worker (waiting at most ``queue_timeout_s``), sends the job and waits
at most ``deadline_s`` for the answer. If the deadline passes, the worker is killed (SIGKILL: the
query may be deep inside Rust code) and a replacement is started in the background; the caller
gets :class:`QueryTimeout` at once. A worker that dies on its own (crash, out of memory) is
replaced the same way.

Workers are plain ``python -m kg.endpoint.worker`` processes joined to the server by a socket
pair: a clean interpreter that inherits no listening socket, no server threads and nothing of the
program that started the server (``multiprocessing``'s spawn and forkserver re-import the main
module in every child: under the ``aikg`` CLI that is pandas, numpy and the rest, which costs
hundreds of megabytes of address space per worker). A replacement is ready in about half a second.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from kg.endpoint.worker import Job, Reply
from kg.paths import REPO

__all__ = ["PoolBusy", "QueryTimeout", "WorkerFailed", "WorkerPool"]

log = logging.getLogger("aikg.endpoint")


class PoolBusy(Exception):
    """No worker became free within the queue timeout."""


class QueryTimeout(Exception):
    """The query ran past its deadline; its worker was killed."""


class WorkerFailed(Exception):
    """The worker died while answering."""


@dataclass(eq=False)  # identity semantics: workers live in a set
class _Worker:
    process: subprocess.Popen
    conn: Connection
    sandboxed: bool = False


def _child_env() -> dict[str, str]:
    """The environment for workers: ours, with the directory holding ``kg`` on the path."""
    env = dict(os.environ)
    root = str(REPO)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    # glibc reserves 64 MB of address space per malloc arena, and makes more arenas when threads
    # (RocksDB's) contend: under load the worker's size would jump past its address-space cap
    env.setdefault("MALLOC_ARENA_MAX", "2")
    return env


class WorkerPool:
    """``size`` worker processes serving the store at ``store_path`` read-only; ``nice`` lowers
    their CPU priority (so that another pool's workers go first when cores are short)."""

    def __init__(
        self,
        store_path: Path,
        size: int,
        *,
        sandbox: bool = True,
        memory_mb: int | None = None,
        nice: int = 0,
        start_timeout_s: float = 120.0,
    ) -> None:
        self.store_path = str(store_path)
        self.size = size
        self.sandbox = sandbox
        self.memory_mb = memory_mb
        self.nice = nice
        self.start_timeout_s = start_timeout_s
        self._env = _child_env()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.replacements = 0
        try:
            starting = [self._start() for _ in range(size)]  # all start in parallel
            for worker in starting:
                self._await_ready(worker)
                self._idle.put(worker)
        except BaseException:
            self.close()
            raise

    @property
    def sandboxed(self) -> bool:
        """True if every live worker runs with the network filter."""
        with self._lock:
            return bool(self._all) and all(w.sandboxed for w in self._all)

    def idle_count(self) -> int:
        """Workers ready for a job right now (replacements still starting are not counted)."""
        return self._idle.qsize()

    def worker_pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all]

    def _start(self) -> _Worker:
        ours, theirs = socket.socketpair()
        command = [
            sys.executable,
            "-m",
            "kg.endpoint.worker",
            "--fd",
            str(theirs.fileno()),
            "--store",
            self.store_path,
        ]
        if not self.sandbox:
            command.append("--no-sandbox")
        if self.memory_mb:
            command += ["--memory-mb", str(self.memory_mb)]
        if self.nice:
            command += ["--nice", str(self.nice)]
        try:
            process = subprocess.Popen(
                command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, env=self._env
            )
        finally:
            theirs.close()
        worker = _Worker(process, Connection(ours.detach()))
        with self._lock:
            self._all.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        if not worker.conn.poll(self.start_timeout_s):
            self._discard(worker)
            raise RuntimeError("query worker did not start in time")
        status, info = worker.conn.recv()
        if status != "ready":
            self._discard(worker)
            raise RuntimeError(f"query worker could not open the store: {info}")
        worker.sandboxed = bool(info.get("sandboxed"))

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        with contextlib.suppress(Exception):  # it is going away either way
            worker.process.kill()
            worker.process.wait(5)
            worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        """Kill ``worker`` and put a fresh one in the idle queue (runs in a background thread)."""
        self._discard(worker)
        delay = 0.5
        while not self._closed:
            try:
                fresh = self._start()
                self._await_ready(fresh)
            except Exception as exc:
                if self._closed:
                    return  # close() stopped it while it started
                log.error("cannot start a query worker: %s", exc)
                time.sleep(delay)
                delay = min(delay * 2, 10.0)
                continue
            with self._lock:
                self.replacements += 1
            if self._closed:
                self._discard(fresh)
            else:
                self._idle.put(fresh)
            return

    def _replace_later(self, worker: _Worker) -> None:
        threading.Thread(target=self._replace, args=(worker,), daemon=True, name="aikg-respawn").start()

    def run(self, job: Job, *, deadline_s: float, queue_timeout_s: float) -> Reply:
        """Run ``job`` on a worker; raise PoolBusy, QueryTimeout or WorkerFailed."""
        if self._closed:
            raise PoolBusy()
        give_up = time.monotonic() + queue_timeout_s
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, give_up - time.monotonic()))
            except queue.Empty:
                raise PoolBusy() from None
            if worker.process.poll() is None:
                break
            self._replace_later(worker)  # died while idle (killed, out of memory): not this job's fault
        try:
            worker.conn.send(job)
            if not worker.conn.poll(deadline_s):
                self._replace_later(worker)
                raise QueryTimeout()
            reply = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._replace_later(worker)
            raise WorkerFailed(str(exc)) from None
        self._idle.put(worker)
        return reply

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            self._discard(worker)
