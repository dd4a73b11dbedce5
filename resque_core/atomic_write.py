"""Every file the product writes is written whole or not at all.

The bytes go to a temporary file beside the target (the same folder, so the rename is atomic), are
synced to disk, and only then renamed over the target. A write that fails (the disk is full, the
folder is read-only or missing) removes its temporary file, leaves the earlier file as it was, and
raises one ``WriteError`` line naming the file and the reason.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from resque_core.errors import WriteError

__all__ = ["replacing", "write_bytes", "write_text"]


def write_text(path: str | os.PathLike, text: str, *, setting: str | None = None) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path. See ``write_bytes``."""
    return write_bytes(path, text.encode("utf-8"), setting=setting)


def write_bytes(path: str | os.PathLike, data: bytes, *, setting: str | None = None) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path.

    ``setting``: the option that chose the path (e.g. "out"), named in the error as the way out.

    Raises:
        WriteError: the file cannot be written; the earlier file is unchanged and no partial is left.
    """
    with replacing(path, setting=setting) as temp:
        fd = os.open(temp, os.O_WRONLY | os.O_TRUNC)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
    return Path(path)


@contextlib.contextmanager
def replacing(path: str | os.PathLike, *, setting: str | None = None) -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that wants a file name (``torch.save``, an image export).

    When the block ends cleanly the file is synced and renamed over ``path`` (keeping the permission bits
    of the file it replaces); when it raises, the temporary file is removed and ``path`` is left as it was.
    An ``OSError`` becomes a ``WriteError``; any other exception passes through.
    """
    target = Path(path)
    try:
        temp = _create_beside(target)
    except OSError as exc:
        raise write_error(target, exc, setting) from exc
    try:
        yield temp
        _settle(temp, target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise write_error(target, exc, setting) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def write_error(target: Path, exc: OSError, setting: str | None = None) -> WriteError:
    """One line: which file, why, that the earlier one (if any) is unchanged, and what to do."""
    folder = target.parent
    if exc.errno == errno.ENOENT and not folder.is_dir():
        reason = f"the folder {folder} does not exist"
    elif exc.errno == errno.ENOTDIR:
        reason = f"{folder} is not a folder"
    else:
        reason = (exc.strerror or str(exc)).lower()
    kept = "the earlier file is unchanged" if target.is_file() else "nothing was written"
    another = "choose another path with {setting}" if setting else "choose another path"
    first = _FIRST_FIX.get(exc.errno)
    fix = f"{first} or {another}" if first else another
    return WriteError(f"cannot write {target}: {reason}; {kept}: {fix}", setting=setting)


_FIRST_FIX = {
    errno.ENOSPC: "free some space",
    errno.EDQUOT: "free some space",
    errno.EACCES: "make the folder writable",
    errno.EPERM: "make the folder writable",
    errno.EROFS: "remount the disk writable",
}


def _create_beside(target: Path) -> Path:
    """An empty new file in ``target``'s folder, made with the usual mode (0666 less the umask)."""
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    return temp


def _settle(temp: Path, target: Path) -> None:
    """Sync ``temp``, give it ``target``'s permission bits, rename it over ``target``, sync the folder."""
    with contextlib.suppress(FileNotFoundError):
        os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, target)
    with contextlib.suppress(OSError):  # some file systems cannot sync a folder; the rename is done
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
