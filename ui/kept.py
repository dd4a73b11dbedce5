"""Form values that outlive the pages where they are not shown.

Streamlit drops a widget's session-state key at the end of a run that does not draw the widget, so a
page the user leaves comes back with its defaults: the model's architecture, its classes, its input
spec, the forecast's price. A form draws each field with ``**kept(key, default)``: its key, and where it
starts: the value the user last entered, else ``default``. The values are copied to shadows at the
start of every run (``remember``, in ``app.py``), while the widgets still hold them.

Nothing is written to the widget's own key: the starting value goes in as the widget's default, which a
browser shows even for a field drawn folded away (a value set through session state is not), and
Streamlit never sees both a default and a value set through session state.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

import streamlit as st

SHADOWS = "_kept"  # session-state key: {widget key: its last value}


def remember(state: MutableMapping) -> None:
    """Copy every kept field's value to its shadow (each run, before the page draws anything)."""
    shadows = state.setdefault(SHADOWS, {})
    for key in shadows:
        if key in state:
            shadows[key] = state[key]


def kept(key: str, default: Any = None, options: Sequence[Any] | None = None) -> dict[str, Any]:
    """A kept field's widget arguments: ``key`` and its starting ``value`` (the value last entered, else
    ``default``); for a radio or a selectbox, its ``options`` give the ``index`` instead. A value no longer
    among the options (another model's layers) gives way to ``default``, else the first option.
    """
    state = st.session_state
    shadows = state.setdefault(SHADOWS, {})
    value = state[key] if key in state else shadows.get(key, default)
    if options is None:
        shadows[key] = value
        return {"key": key, "value": value}
    options = list(options)
    if value not in options:
        state.pop(key, None)
        value = default if default in options else options[0]
    shadows[key] = value
    return {"key": key, "index": options.index(value)}


def start_again(key: str, value: Any) -> None:
    """Make a kept field start from ``value`` on this run, whatever was entered (its source changed: the
    forecast's zone, which the schedule's follows). Call before the field is drawn."""
    st.session_state.pop(key, None)
    st.session_state.setdefault(SHADOWS, {})[key] = value
