"""Form values that outlive the pages where they are not shown.

Streamlit drops a widget's session-state key at the end of a run that does not draw the widget, so a
page the user leaves comes back with its defaults: the model's architecture, its classes, its input
spec, the forecast's price. A form names each field's key with ``kept(key, default)``: the value is
copied to a shadow at the start of every run (``remember``, in ``app.py``) and put back when the
page draws the field again. The widget is then drawn without a ``value=`` of its own: the default
is set here, once, so Streamlit never sees both a default and a value set through session state.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

import streamlit as st

SHADOWS = "_kept"  # session-state key: {widget key: its last value}
_NONE = object()


def remember(state: MutableMapping) -> None:
    """Copy every kept field's value to its shadow (each run, before the page draws anything)."""
    shadows = state.setdefault(SHADOWS, {})
    for key in shadows:
        if key in state:
            shadows[key] = state[key]


def kept(key: str, default: Any = _NONE, options: Sequence[Any] | None = None) -> str:
    """``key``, for a widget whose value is kept across pages: its last value put back, else ``default``.

    Without ``default`` a field with no value yet is left to the widget's own first option. ``options``: the
    choices the widget offers now; a kept value no longer among them (another model's layer) gives way.
    """
    state = st.session_state
    shadows = state.setdefault(SHADOWS, {})
    if options is not None and (state[key] if key in state else shadows.get(key)) not in options:
        state.pop(key, None)
        shadows.pop(key, None)
    if key not in state:
        if key in shadows:
            state[key] = shadows[key]
        elif default is not _NONE:
            state[key] = default
    if key in state:  # else the widget's first option, remembered from the next run on
        shadows[key] = state[key]
    return key
