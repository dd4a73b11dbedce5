"""Compare models as the page runs it: the candidates on the session's data (Data & model's pair, else the
demo's), one ``compare.compare_candidates`` call (the ``compare`` command's), the result kept in session state."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import asdict
from typing import Any

from resque_core.errors import InputError
from ui import cache
from ui.compare_state import store
from ui.settings import DataChoice
from ui.state import result

__all__ = ["asked", "run_compare", "session_data"]


def session_data(state: MutableMapping) -> DataChoice:
    """The data loaded on Data & model, else the demo's (digits with Gaussian noise)."""
    return result(state, "data") or DataChoice()


def asked(state: MutableMapping, candidates: list, settings: Any) -> dict[str, Any]:
    """What a comparison is asked, JSON-able: its data, candidates and settings (its signature's inputs)."""
    return {
        "data": session_data(state).inputs(),
        "candidates": [[c.name, c.model.inputs()] for c in candidates],
        "settings": asdict(settings),
    }


def run_compare(
    state: MutableMapping, candidates: list, settings: Any, progress: Callable[[str], None] | None = None
) -> Any:
    """Compare ``candidates`` (``compare.Candidate``) on the session's data with ``settings`` and store the result.

    Raises:
        ResqueError: no candidate, data with new classes, or what the engine refuses (it names the candidate).
    """
    from resque_core.compare import compare_candidates

    data = session_data(state)
    if data.kind != "dist":
        raise InputError(
            "Compare models weighs retraining on a shift of the same classes: the data on Data & model has new "
            "classes (task shift); choose a simulated shift or another dataset of the same classes there"
        )
    comparison = compare_candidates(
        candidates,
        cache.source(data.original),
        cache.source(data.new) if data.new else None,
        shift=data.shift,
        settings=settings,
        class_map=data.class_map,
        accept_low_accuracy=data.accept_low_accuracy,
        progress=progress,
    )
    store(state, comparison, asked(state, candidates, settings))
    return comparison
