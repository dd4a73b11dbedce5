"""Which server folders a user may read by typing a path: only those the operator allows.

Off by default. The operator lists folders in the ``RESQUE_SERVER_PATHS`` environment variable
(separated by ``os.pathsep``) or as ``server_paths`` (a list, or one such string) in
``.streamlit/secrets.toml``. A typed path is resolved (symlinks, ``..``) before it is checked, and
the upload folder (each session's uploads and the copies extracted from them) and the extraction
folders in the temp folder (``resque-zip-*``) are never allowed, even inside an allowed folder, so one
session can never read another's uploads.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from resque_core.errors import DataError
from ui.uploads import is_extracted_copy, is_upload, upload_root

ENV = "RESQUE_SERVER_PATHS"
SECRET = "server_paths"
HOW_TO_ENABLE = (
    "Paths on the server are off. The operator can allow folders with the RESQUE_SERVER_PATHS "
    "environment variable or server_paths in .streamlit/secrets.toml (see the README)."
)


def _configured() -> list[str]:
    """The folders named by the environment variable, else by the secret (unresolved)."""
    if os.environ.get(ENV):
        return os.environ[ENV].split(os.pathsep)
    try:
        value = st.secrets.get(SECRET)
    except (FileNotFoundError, KeyError, AttributeError, ValueError):
        return []
    if isinstance(value, str):
        return value.split(os.pathsep)
    return [str(v) for v in value] if value else []


def allowed_roots() -> list[Path]:
    """The allowed folders, resolved; never the upload folder or one inside it."""
    roots = [Path(p).expanduser().resolve() for p in _configured() if p.strip()]
    return [root for root in roots if not root.is_relative_to(upload_root())]


def check_server_path(text: str, what: str = "The path") -> str:
    """``text`` resolved, when it lies in an allowed folder, outside the upload and extraction folders.

    Raises:
        DataError: server paths are off, or the path is outside every allowed folder (the message does
            not repeat the path).
    """
    roots = allowed_roots()
    if not roots:
        raise DataError(HOW_TO_ENABLE)
    path = Path(text).expanduser().resolve()
    if is_upload(path) or is_extracted_copy(path) or not any(path.is_relative_to(root) for root in roots):
        raise DataError(f"{what} is outside the folders the operator allows on this server; pick a file inside one")
    return str(path)
