"""The build's N-Triples file written around the page cache (kg.output.direct): the same bytes as a
plain write at every length around the block and buffer sizes, a plain write where the file system
refuses O_DIRECT, and errors raised with the file descriptor closed."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from kg.output import direct
from kg.output.direct import BLOCK, DirectFile

BUFFER = 2 * BLOCK  # small, so that a few kilobytes go through several drains


def _takes_o_direct(folder: Path) -> bool:
    probe = folder / "probe"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o644))
    except OSError:
        return False
    finally:
        probe.unlink(missing_ok=True)
    return True


@pytest.mark.parametrize("length", [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, BUFFER - 1, BUFFER, BUFFER + 1,
                                    3 * BUFFER + 17])
@pytest.mark.parametrize("piece", [1, 1000, BLOCK, 5 * BLOCK + 3])
def test_the_file_holds_exactly_what_was_written(tmp_path: Path, length: int, piece: int) -> None:
    data = bytes((i * 7 + i // 251) % 256 for i in range(length))
    path = tmp_path / "out.nt"
    with DirectFile(path, buffer_bytes=BUFFER) as stream:
        for start in range(0, length, piece):
            assert stream.write(data[start:start + piece]) == len(data[start:start + piece])
    assert path.read_bytes() == data
    assert stream.closed
    stream.close()  # a second close does nothing


def test_direct_where_the_file_system_takes_it(tmp_path: Path) -> None:
    with DirectFile(tmp_path / "out.nt") as stream:
        stream.write(b"<a> <b> <c> .\n")
    assert stream.direct is _takes_o_direct(tmp_path)


def test_a_file_system_refusing_o_direct_gets_a_plain_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def refusing(path: object, flags: int, *args: object) -> int:
        if flags & os.O_DIRECT:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_open(path, flags, *args)

    monkeypatch.setattr(direct.os, "open", refusing)
    data = b"x" * (3 * BUFFER + 5)
    with DirectFile(tmp_path / "out.nt", buffer_bytes=BUFFER) as stream:
        stream.write(data)
    assert not stream.direct
    assert (tmp_path / "out.nt").read_bytes() == data


def test_a_full_disk_raises_and_closes_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[int] = []
    real_close = os.close

    def full(fd: int, data: object) -> int:
        del data  # as os.write, which keeps no view of the buffer in the traceback
        raise OSError(errno.ENOSPC, "No space left on device")

    def closing(fd: int) -> None:
        closed.append(fd)
        real_close(fd)

    monkeypatch.setattr(direct.os, "write", full)
    monkeypatch.setattr(direct.os, "close", closing)
    stream = DirectFile(tmp_path / "out.nt", buffer_bytes=BUFFER)
    with pytest.raises(OSError) as raised, stream:
        stream.write(b"y" * (BUFFER + 1))
    assert raised.value.errno == errno.ENOSPC
    assert closed == [stream._fd]


def test_other_errors_are_raised(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        DirectFile(tmp_path / "missing" / "out.nt")
    with pytest.raises(ValueError, match="multiple"):
        DirectFile(tmp_path / "out.nt", buffer_bytes=BLOCK + 1)
