"""A folder whose disk is full, for real where the tests may mount a tiny tmpfs (root), else by ``os.write``
refusing with ENOSPC for the files in it (the syscall boundary every product write goes through)."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def full_disk(folder: Path, files: dict[str, bytes], monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``folder`` holding ``files`` and no free space; yields how it was made ("tmpfs" or "refused writes")."""
    folder.mkdir(parents=True)
    mounted = _mount(folder)
    try:
        for name, data in files.items():
            (folder / name).write_bytes(data)
        if mounted:
            _fill(folder / ".filler")
        else:
            _refuse_writes(folder, monkeypatch)
        yield "tmpfs" if mounted else "refused writes"
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


def _mount(folder: Path) -> bool:
    if os.geteuid() != 0:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


def _fill(filler: Path) -> None:
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def _refuse_writes(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = os.write

    def write(fd: int, data) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder) + os.sep):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
