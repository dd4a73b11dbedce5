"""Uploaded files land on disk once, named by their content hash, so engine calls take a plain path.

The same bytes always give the same path, which keeps cached results keyed by content.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import streamlit as st

UPLOAD_DIR = Path(tempfile.gettempdir()) / "resque-uploads"


def save_upload(name: str, data: bytes) -> Path:
    """Write ``data`` under a content-addressed folder and return the file's path (kept suffix)."""
    digest = hashlib.sha256(data).hexdigest()[:20]
    folder = UPLOAD_DIR / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / Path(name).name
    if not path.exists() or path.stat().st_size != len(data):
        path.write_bytes(data)
    return path


def limit_mb() -> int:
    """The upload size limit Streamlit enforces (``server.maxUploadSize`` in .streamlit/config.toml)."""
    return int(st.get_option("server.maxUploadSize"))
