"""The user's own model class: a ``.py`` file (what the CLI's ``--model-file`` takes), uploaded or a server path.

Python code runs when it is imported, so a model file is taken only behind "Trust this file", as a full
pickle is: without the switch an upload is refused, not stored, and nothing is run. With it the file is
stored in this session's private upload folder (``ui.uploads``) and used like a server path.
"""

from __future__ import annotations

import streamlit as st

from ui.kept import kept
from ui.server_paths import HOW_TO_ENABLE, allowed_roots, check_server_path
from ui.upload_input import uploaded_path
from ui.uploads import limit_mb

SOURCES = ("Upload (.py)", "Server path")
REFUSED = (
    "A model file is Python code that runs when it is loaded: switch on 'Trust this file' above to use it. "
    "The upload was not stored and nothing in it was run."
)


def model_file_input(trust: bool) -> str | None:
    """``path.py:ClassName`` of the user's model class; None while incomplete or refused."""
    source = st.radio("Model file", SOURCES, **kept("ckpt_model_source", options=SOURCES), horizontal=True)
    if source == SOURCES[1]:
        return _server_file()
    upload = st.file_uploader(
        "Your model's class file (.py)", type=["py"], key="ckpt_model_upload", help=f"Up to {limit_mb()} MB."
    )
    if not trust:
        if upload is not None:
            st.error(REFUSED, icon=":material/block:")
        else:
            st.caption("Needs 'Trust this file' above: a model file is code that runs when it is loaded.")
        return None
    path = uploaded_path("ckpt_model_upload", upload)
    name = st.text_input("Class name in that file", **kept("ckpt_model_class", ""), help="e.g. Net").strip()
    return f"{path}:{name}" if path and name else None


def _server_file() -> str | None:
    """A model file on the server (``path.py:ClassName``), only inside a folder the operator allows."""
    if not allowed_roots():
        st.info(HOW_TO_ENABLE, icon=":material/lock:")
        return None
    text = st.text_input("Model file (path.py:ClassName, on the server)", **kept("ckpt_model_file", "")).strip()
    if not text:
        return None
    file, colon, name = text.rpartition(":")
    checked = check_server_path(file if colon else text, "The model file")
    return f"{checked}:{name}" if colon else checked
