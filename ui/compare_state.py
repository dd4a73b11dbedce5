"""The session's model comparison: stored with what it was asked, shown until something it was made from changes.

A comparison is not a pipeline stage (``ui.state``): it reads the session's data but no index or forecast. It is
stored with the signature of what the Compare form asked (candidates, settings, data) and the data stage's
signature then. It turns *stale* when either moves: the form now asks something else (``note_form``, each run
of the Compare page), or the data was loaded again on Data & model. A stale comparison stays on its page,
marked, and the report leaves it out (``current_comparison``) until it is run again.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from ui.state import signature

__all__ = ["current_comparison", "note_form", "shown_comparison", "store", "why_stale"]

RESULT = "compare_result"  # {"comparison", "asked": signature, "data": the data stage's signature then}
FORM = "compare_asked"  # the signature of what the Compare form asks now


def note_form(state: MutableMapping, asked: dict[str, Any]) -> str:
    """Record what the form asks now (JSON-able); returns its signature."""
    state[FORM] = signature(asked)
    return state[FORM]


def store(state: MutableMapping, comparison: Any, asked: dict[str, Any]) -> None:
    """Keep ``comparison`` as made from ``asked`` and the session's data as it is now."""
    state[RESULT] = {"comparison": comparison, "asked": note_form(state, asked), "data": _data_sig(state)}


def shown_comparison(state: MutableMapping) -> Any:
    """The last comparison made in this session, current or stale (None: none yet)."""
    return (state.get(RESULT) or {}).get("comparison")


def why_stale(state: MutableMapping) -> str:
    """What changed since the comparison was made, in words ("" when it is current or there is none)."""
    stored = state.get(RESULT)
    if not stored:
        return ""
    if stored["data"] != _data_sig(state):
        return "the data was loaded again on Data & model"
    if stored["asked"] != state.get(FORM):
        return "the candidates or the settings changed"
    return ""


def current_comparison(state: MutableMapping) -> Any:
    """The comparison when it is current, else None: what may be reported."""
    return shown_comparison(state) if not why_stale(state) else None


def _data_sig(state: MutableMapping) -> str | None:
    return (state.get("sigs") or {}).get("data")
