"""Make sure every page runs inside ``app.py``'s ``st.navigation``.

A fresh Streamlit server treats a ``pages/`` folder beside the main script as a legacy multipage
app until ``st.navigation`` first runs, so the very first request for a deep link (``/forecast``)
would run that page alone: no session set-up, no sidebar. ``app.py`` runs each page inside
``routed()``; a page that finds itself outside it sends the browser to ``app.py`` once, which
switches the server to ``st.navigation`` for good.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

_local = threading.local()


@contextmanager
def routed() -> Iterator[None]:
    """Mark the pages run inside this block (one script run, one thread) as routed by app.py."""
    _local.routed = True
    try:
        yield
    finally:
        _local.routed = False


def ensure_routed() -> None:
    """Called first by every page: outside app.py's navigation, go to app.py."""
    if not getattr(_local, "routed", False):
        st.switch_page("app.py")
