"""Defence in depth for query worker processes: no network, bounded memory.

pyoxigraph evaluates ``SERVICE`` by opening HTTP connections from Rust code (no Python audit hook
sees them, and there is no switch to turn it off). The guard refuses such queries before they
run; this module makes sure that, should a query ever slip past the guard, the worker *cannot*
open an IPv4/IPv6 socket at all: a seccomp filter makes ``socket(AF_INET|AF_INET6, ...)`` fail
with EACCES. Unix sockets and pipes (the worker's link to the server) still work.

Linux x86-64 and aarch64 only; elsewhere :func:`deny_network` returns False and the guard alone
protects. Installing the filter needs no privileges (``PR_SET_NO_NEW_PRIVS`` first).
"""

from __future__ import annotations

import ctypes
import platform
import resource
import socket
import struct

__all__ = ["deny_network", "limit_memory"]

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_EACCES = 13
# BPF opcodes
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_RET_K = 0x06
# (audit arch, socket syscall number)
_ARCHES = {"x86_64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198)}


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def deny_network() -> bool:
    """Forbid creating internet sockets in this process and its children, for good.

    Returns True if the filter is installed, False if the platform does not support it.
    """
    arch = _ARCHES.get(platform.machine())
    if arch is None or platform.system() != "Linux":
        return False
    audit_arch, nr_socket = arch
    deny = _SECCOMP_RET_ERRNO | _EACCES
    program = b"".join(
        [
            _insn(_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
            _insn(_JEQ_K, 0, 5, audit_arch),  # foreign ABI: leave alone
            _insn(_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
            _insn(_JEQ_K, 0, 3, nr_socket),
            _insn(_LD_W_ABS, 0, 0, 16),  # args[0] (low 32 bits): address family
            _insn(_JEQ_K, 2, 0, socket.AF_INET),
            _insn(_JEQ_K, 1, 0, socket.AF_INET6),
            _insn(_RET_K, 0, 0, _SECCOMP_RET_ALLOW),
            _insn(_RET_K, 0, 0, deny),
        ]
    )
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, None, 0, 0) != 0:
        return False
    return libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0


def limit_memory(megabytes: int | None) -> None:
    """Cap this process's address space so a runaway query fails instead of exhausting the host."""
    if megabytes:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
