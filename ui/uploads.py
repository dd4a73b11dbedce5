"""Uploaded files: private to their browser session, and removed when it ends.

Each session writes under a folder of its own (named by a random token kept in its session state,
created owner-only). The folder is a session-scoped ``st.cache_resource`` whose ``on_release``
removes it: Streamlit releases session-scoped resources when the session disconnects or shuts down. An
uploaded zip is extracted beside it, inside that folder (``extraction_folder``), so its copy goes too. A
server that was killed cannot run that hook, so at server start leftovers older than a day are removed:
session folders, and extraction folders (``resque-zip-*``) in the temp folder, left there by earlier
versions or by processes that were killed.

Inside the session folder a file sits under a folder named by its content hash, so the same bytes
always give the same path and cached results stay keyed by content. A session that reconnects gets
the same folder back, and its uploads are written again when the uploader runs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

import streamlit as st

from resque_core.atomic_write import write_bytes

log = logging.getLogger(__name__)

ROOT_ENV = "RESQUE_UPLOAD_DIR"  # where session folders are made (default: <temp>/resque-uploads)
STALE_AFTER_S = 24 * 3600


def upload_root() -> Path:
    """The folder that holds every session's upload folder (resolved: symlinks and ``..`` followed)."""
    root = os.environ.get(ROOT_ENV) or str(Path(tempfile.gettempdir()) / "resque-uploads")
    return Path(root).resolve()


def _release(folder: Path) -> None:
    """Remove a session's folder (``on_release``: the session disconnected or shut down)."""
    shutil.rmtree(folder, ignore_errors=True)
    log.info("removed the upload folder of an ended session")


FOLDER_KEY = "upload_folder_token"  # session-state key: the random name of this session's folder


def session_folder() -> Path:
    """This browser session's upload folder, named by a random token kept in its session state."""
    return _folder(st.session_state.setdefault(FOLDER_KEY, secrets.token_hex(16)))


@st.cache_resource(scope="session", on_release=_release, show_spinner=False)
def _folder(token: str) -> Path:
    """The folder ``token`` names, made owner-only; held (and released) with the session's resources."""
    folder = upload_root() / token
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def save_upload(name: str, data: bytes) -> Path:
    """Write ``data`` in this session's folder, under its content hash, and return the file's path.

    The file keeps the name it was uploaded with (``safe_name``), so engine messages name it.
    """
    folder = session_folder() / hashlib.sha256(data).hexdigest()[:20]
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / (safe_name(name) or "upload")
    if not path.exists() or path.stat().st_size != len(data):
        write_bytes(path, data)
    return path


def safe_name(name: str) -> str:
    """``name`` as a file name: path separators (which no file name can hold) become ``_``; ``..`` is refused."""
    name = name.replace("/", "_").replace("\\", "_").replace("\x00", "_")
    return "" if name in (".", "..") else name


def is_upload(path: str | Path) -> bool:
    """Whether ``path`` lies under the upload root (any session's), once resolved."""
    return Path(path).resolve().is_relative_to(upload_root())


def extraction_folder(spec: str) -> str | None:
    """Where an uploaded zip is extracted: beside it, inside its session's folder; None for anything else."""
    return str(Path(spec).resolve().parent) if is_upload(spec) else None


def is_extracted_copy(path: str | Path) -> bool:
    """Whether ``path`` (resolved) lies in an extraction folder in the temp folder (``resque-zip-*``)."""
    from resque_core.data.zipped import EXTRACTED_PREFIX  # lazily: the data package loads torch

    resolved, temp = Path(path).resolve(), Path(tempfile.gettempdir()).resolve()
    if not resolved.is_relative_to(temp) or resolved == temp:
        return False
    return resolved.relative_to(temp).parts[0].startswith(EXTRACTED_PREFIX)


def own_upload(path: str | Path) -> bool:
    """Whether ``path`` is a file this session uploaded (and it is still there)."""
    resolved = Path(path).resolve()
    return resolved.is_relative_to(session_folder()) and resolved.is_file()


def remove_stale(max_age_s: float = STALE_AFTER_S, now: float | None = None) -> int:
    """Remove leftovers not modified for ``max_age_s``; returns how many folders were removed.

    Leftovers are the session folders under the upload root and the extraction folders
    (``resque-zip-*``) in the temp folder.
    """
    from resque_core.data.zipped import EXTRACTED_PREFIX  # lazily: the data package loads torch

    now = time.time() if now is None else now
    root, temp = upload_root(), Path(tempfile.gettempdir())
    folders = list(root.iterdir()) if root.is_dir() else []
    folders += list(temp.glob(EXTRACTED_PREFIX + "*"))
    removed = 0
    for folder in folders:
        try:
            stale = folder.is_dir() and not folder.is_symlink() and now - _newest_mtime(folder) > max_age_s
        except OSError:
            continue
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed += not folder.exists()
    return removed


def _newest_mtime(folder: Path) -> float:
    """The latest modification time of ``folder`` and the folders right inside it (one per upload)."""
    return max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.iterdir())])


@st.cache_resource(show_spinner=False)
def removed_at_start() -> int:
    """``remove_stale`` once per server process (the first run of any session)."""
    removed = remove_stale()
    if removed:
        log.info("removed %d upload or extraction folder(s) older than a day", removed)
    return removed


def limit_mb() -> int:
    """The upload size limit Streamlit enforces (``server.maxUploadSize`` in .streamlit/config.toml)."""
    return int(st.get_option("server.maxUploadSize"))
