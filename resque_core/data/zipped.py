"""A dataset from a ``.zip`` of a class-folder tree, extracted safely into a folder it owns.

Safety: every entry name is checked before anything is written (no absolute paths, no ``..``);
the total size is checked from the headers and again while streaming, since headers can lie;
on any refusal the partial output is removed. Class folders may sit at the top of the zip or
under one top folder. The extraction folder (``resque-zip-*``) is made in ``extract_to`` when given
(the dashboard puts it beside the upload, inside the session's folder, so it goes with the session),
else in the temp folder. It is removed when the dataset is closed or garbage-collected, or at the
latest when the interpreter exits (Ctrl-C included), only by the process that made it (DataLoader
workers forked from it leave it alone). A pickled copy (``st.cache_data``, spawned workers)
re-extracts the zip into a folder of its own, in the same ``extract_to``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import tempfile
import weakref
import zipfile
import zlib
from pathlib import Path

from resque_core.data.folder import FolderDataset, _hidden
from resque_core.errors import DataError

log = logging.getLogger(__name__)

_CHUNK_BYTES = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")
EXTRACTED_PREFIX = "resque-zip-"  # the name of every extraction folder starts so


class ZipDataset(FolderDataset):
    """A zipped image-folder dataset.

    Args:
        path: the ``.zip`` file.
        max_unzipped_bytes: refuse zips that expand past this many bytes (default 512 MiB).
        extract_to: an existing folder to extract in (default: the temp folder).

    Raises:
        DataError: not a zip, an entry escaping the extraction folder, too large, or no readable images.
    """

    def __init__(
        self, path: str | Path, max_unzipped_bytes: int = 512 * 2**20, extract_to: str | Path | None = None
    ) -> None:
        path = Path(path)
        workdir = _workdir(path, extract_to)
        self._cleanup = weakref.finalize(self, _remove, str(workdir), os.getpid())
        try:
            notes = extract_zip(path, workdir, max_unzipped_bytes)
            root, loose = _dataset_root(workdir)
            notes += loose
            super().__init__(root, name=path.stem)
        except BaseException:
            self._cleanup()
            raise
        self.zip_path = path
        self.max_unzipped_bytes = max_unzipped_bytes
        self.extract_to = extract_to
        self.workdir = workdir
        self.problems = notes + self.problems
        for note in notes:
            log.warning("%s: %s", path.name, note)

    def close(self) -> None:
        """Remove the extracted files now (otherwise done when the dataset is garbage-collected)."""
        self._cleanup()

    def __reduce__(self):
        return (type(self), (self.zip_path, self.max_unzipped_bytes, self.extract_to))


def _workdir(path: Path, extract_to: str | Path | None) -> Path:
    """A new owner-only ``resque-zip-*`` folder in ``extract_to`` (default: the temp folder)."""
    try:
        return Path(tempfile.mkdtemp(prefix=EXTRACTED_PREFIX, dir=extract_to))
    except OSError as exc:
        fix = "upload it again" if extract_to is not None else "set TMPDIR to a writable folder"
        raise DataError(f"{path.name}: cannot make a folder to extract it in ({exc.strerror}); {fix}") from exc


def _remove(workdir: str, owner_pid: int) -> None:
    if os.getpid() == owner_pid:
        shutil.rmtree(workdir, ignore_errors=True)


def _dataset_root(workdir: Path) -> tuple[Path, list[str]]:
    """The folder holding the class folders, and notes on loose files left out.

    That is the top of the zip, or its single top folder when that folder has sub-folders
    (files beside it, such as a README, are then skipped).
    """
    entries = [p for p in workdir.iterdir() if not _hidden(p, workdir)]
    dirs = [p for p in entries if p.is_dir()]
    if len(dirs) == 1 and any(p.is_dir() and not _hidden(p, dirs[0]) for p in dirs[0].iterdir()):
        loose = sorted(p.name for p in entries if not p.is_dir())
        return dirs[0], [f"skipped {name}: a file outside the class folders" for name in loose]
    return workdir, []


def _unsafe(name: str) -> bool:
    """True for entry names that are absolute or climb out of the extraction folder."""
    text = name.replace("\\", "/")
    return text.startswith("/") or bool(_DRIVE.match(text)) or "\x00" in text or ".." in text.split("/")


def _declared_bytes(infos: list[zipfile.ZipInfo]) -> int:
    return sum(info.file_size for info in infos)


def extract_zip(path: Path, dest: Path, max_unzipped_bytes: int) -> list[str]:
    """Extract ``path`` into the empty folder ``dest``; return notes on skipped entries.

    Raises:
        DataError: not a zip, an unsafe entry name, an entry whose data does not match its header (a
            damaged archive), or more than ``max_unzipped_bytes`` of content.
    """
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DataError(f"{path.name} is not a readable zip file ({exc}); expected a .zip of class folders") from exc
    with archive:
        infos = archive.infolist()
        unsafe = [info.filename for info in infos if _unsafe(info.filename)]
        if unsafe:
            names = ", ".join(repr(n) for n in unsafe[:5])
            raise DataError(f"{path.name}: refused, entries would be written outside the extraction folder: {names}")
        declared = _declared_bytes(infos)
        if declared > max_unzipped_bytes:
            raise DataError(_too_big(path, f"expands to {declared / 2**20:.1f} MiB", max_unzipped_bytes))
        return _extract_entries(archive, infos, dest.resolve(), path, max_unzipped_bytes)


def _too_big(path: Path, what: str, limit: int) -> str:
    return f"{path.name} {what}, more than the {limit / 2**20:.1f} MiB limit; raise max_unzipped_bytes if you trust it"


def _extract_entries(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], dest: Path, path: Path, limit: int
) -> list[str]:
    notes, written = [], 0
    for info in infos:
        if info.is_dir():
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            notes.append(f"skipped {info.filename}: a symbolic link")
            continue
        if info.flag_bits & 0x1:
            notes.append(f"skipped {info.filename}: encrypted")
            continue
        target = (dest / info.filename.replace("\\", "/")).resolve()
        if not target.is_relative_to(dest):  # a second guard, after symlinks and normalisation
            raise DataError(f"{path.name}: refused, entry {info.filename!r} resolves outside the extraction folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with archive.open(info) as src, open(target, "wb") as out:
                while chunk := src.read(_CHUNK_BYTES):
                    written += len(chunk)
                    if written > limit:
                        raise DataError(_too_big(path, "holds more data than its headers declare", limit))
                    out.write(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:  # the bytes do not match the headers
            target.unlink(missing_ok=True)
            raise DataError(_damaged(path, info.filename, exc)) from exc
        except (NotImplementedError, RuntimeError, OSError) as exc:
            target.unlink(missing_ok=True)
            notes.append(f"skipped {info.filename}: cannot be extracted ({exc})")
    return notes


def _damaged(path: Path, entry: str, exc: Exception) -> str:
    """The message for an entry whose data does not match its header (bad checksum, cut short, not deflate)."""
    what = "failed its checksum" if "CRC" in str(exc) else f"cannot be decompressed ({exc})"
    return f"{path.name}: entry {entry!r} {what}; the archive is damaged. Make the zip again from the original files"
