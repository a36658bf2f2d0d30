"""A throwaway Virtuoso (Debian's ``virtuoso-opensource``, installed by ``make test`` as root) on loopback
ports with its database in a temporary folder; SPARQL update over the Graph Store Protocol is granted to
the anonymous user of this server only (never do that on a shared server: see README, remote stores)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from w3c.servers import free_port, wait_for_port

VIRTUOSO, ISQL = shutil.which("virtuoso-t"), shutil.which("isql-vt")
_INI = """[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DirsAllowed = ., {folder}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {folder}
ServerThreads = 4
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""
# the anonymous SPARQL user may update graphs through /sparql-graph-crud (this test server only)
_GRANT = "GRANT SPARQL_UPDATE TO \"SPARQL\"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);"


class VirtuosoUnavailable(RuntimeError):
    """Virtuoso is not installed or did not start."""


@contextmanager
def virtuoso_server(folder: Path, timeout_s: float = 300.0) -> Iterator[str]:
    """``virtuoso-t`` with a new database in ``folder``; yields its HTTP base URL (``/sparql``,
    ``/sparql-graph-crud``)."""
    if VIRTUOSO is None or ISQL is None:
        raise VirtuosoUnavailable("virtuoso-t/isql-vt not found: `make test` installs Debian's "
                                  "virtuoso-opensource when run as root")
    folder.mkdir(parents=True, exist_ok=True)
    sql, http = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(_INI.format(folder=folder, sql=sql, http=http), encoding="utf-8")
    with open(folder / "console.log", "wb") as log:
        process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                                   cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout_s
        for port in (http, sql):  # a new database is created and checkpointed before the ports open
            try:
                wait_for_port(port, max(1.0, deadline - time.monotonic()))
            except TimeoutError:
                tail = (folder / "console.log").read_text(errors="replace")[-600:]
                raise VirtuosoUnavailable(f"Virtuoso did not start in {timeout_s:.0f} s: {tail}") from None
        subprocess.run([ISQL, f"127.0.0.1:{sql}", "dba", "dba", f"exec={_GRANT}"], check=True,
                       capture_output=True, timeout=120)
        yield f"http://127.0.0.1:{http}"
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
