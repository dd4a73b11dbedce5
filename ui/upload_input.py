"""An uploader's file: saved in this session's private folder, or the one uploaded earlier on return.

Streamlit forgets an uploader's file when its page is not shown; its path is kept under ``RESTORED``
(``ui.restore`` puts a loaded choice's upload there too), and the page uses it while it is still in
this session's folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from ui.plain_text import literal
from ui.uploads import own_upload, save_upload

RESTORED = "{key}_restored"  # session-state key of an upload the page put back (``ui.restore``)


def uploaded_path(key: str, upload: Any) -> str | None:
    """The uploaded file saved in this session's folder; else the one uploaded earlier (the uploader forgets
    its file when the page is left), while it is still in this session's folder.

    Only the file's own name is ever shown, as plain text.
    """
    restored = st.session_state.get(RESTORED.format(key=key))
    if upload is not None:
        path = str(save_upload(upload.name, upload.getvalue()))
        st.session_state[RESTORED.format(key=key)] = path  # kept for the return from another page
        return path
    if restored is None:
        return None
    if not own_upload(restored):
        st.session_state.pop(RESTORED.format(key=key), None)
        st.warning("The file uploaded earlier is no longer on the server: upload it again.", icon=":material/info:")
        return None
    st.caption(f"In use: {literal(Path(restored).name)}, uploaded earlier in this session. Upload a file to change it.")
    return restored
