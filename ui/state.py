"""Session state in one place: the keys every page shares, and the pipeline's done / stale / missing status.

The pipeline is data -> model -> index -> forecast -> schedule. Each stage stores its result with a
signature of everything it was computed from: its own inputs, what else it read (``made_from``: an
uploaded file's digest, a probe) and the signatures of its upstream stages at that time. Since an
upstream signature holds its own upstream's, a signature covers the whole chain: recomputing the
index on new data gives the index a new signature even with the same settings, so the forecast and
schedule made from the old one turn *stale*, and stay so until they are computed again. A stage is
*done* only when its upstream stages are done and still carry the signatures it was computed from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import MutableMapping
from typing import Any

STAGES = ("data", "model", "index", "forecast", "schedule")
UPSTREAM: dict[str, tuple[str, ...]] = {
    "data": (),
    "model": (),
    "index": ("data", "model"),
    "forecast": ("index",),
    "schedule": ("forecast",),
}
DONE, STALE, MISSING = "done", "stale", "missing"

DEFAULTS: dict[str, Any] = {
    "results": {},  # stage -> result object (engine dataclass, dataset pair, loaded model...)
    "sigs": {},  # stage -> signature of its inputs, what it was made from and its upstream signatures
    "deps": {},  # stage -> {upstream stage: its signature when this stage was computed}
    "inputs": {},  # stage -> plain dict of the inputs the user chose (goes into scenarios)
    "scenario_name": "untitled",
    "scenarios": {},  # name -> resque_core.reporting.scenario.Scenario
    "demo_ran": False,
}


def signature(inputs: Any) -> str:
    """A short stable hash of JSON-able inputs (what a stage was computed from)."""
    text = json.dumps(inputs, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def init_state(state: MutableMapping) -> None:
    """Create every shared key that is not there yet (fresh mutable copies of the defaults)."""
    for key, value in DEFAULTS.items():
        if key not in state:
            state[key] = value.copy() if isinstance(value, dict) else value


def set_result(
    state: MutableMapping, stage: str, result: Any, inputs: dict, made_from: Any = None, upstream: tuple | None = None
) -> None:
    """Store a stage's result, signed with its inputs, ``made_from`` and its upstream stages' signatures now.

    ``made_from`` is whatever else the result depends on that ``inputs`` does not name (the digest of
    an uploaded file, a probe's figures); JSON-able, or written with ``str``. ``upstream``: the stages it
    was made from when not all of ``UPSTREAM`` (a schedule of a job given by hand reads no forecast).
    """
    if stage not in UPSTREAM:
        raise KeyError(f"unknown pipeline stage {stage!r}; stages are {STAGES}")
    deps = {up: state["sigs"].get(up) for up in (UPSTREAM[stage] if upstream is None else upstream)}
    state["results"][stage] = result
    state["inputs"][stage] = inputs
    state["sigs"][stage] = signature({"inputs": inputs, "made_from": made_from, "upstream": deps})
    state["deps"][stage] = deps


def result(state: MutableMapping, stage: str) -> Any:
    """A stage's stored result, or None when it was never computed."""
    return state["results"].get(stage)


def status(state: MutableMapping, stage: str) -> str:
    """``done``, ``stale`` (an upstream input changed since) or ``missing``."""
    if stage not in state["results"]:
        return MISSING
    for up, made_with in state["deps"][stage].items():
        if status(state, up) != DONE or made_with != state["sigs"].get(up):
            return STALE
    return DONE


def pipeline_status(state: MutableMapping) -> dict[str, str]:
    """Status of every stage, in pipeline order."""
    return {stage: status(state, stage) for stage in STAGES}


def current(state: MutableMapping, stage: str) -> Any:
    """A stage's result when it is done, else None: what may be shown as current, saved or reported."""
    return result(state, stage) if status(state, stage) == DONE else None


def digest(content: bytes | None) -> str | None:
    """A short hash of file content (None for none), for ``made_from``."""
    return hashlib.sha256(content).hexdigest()[:16] if content is not None else None


def settings_open(state: MutableMapping, key: str, open_now: bool) -> None:
    """Open a page's settings expander (widget ``key``) as ``open_now`` says, on arrival only.

    Afterwards it stays as the user left it: a result arriving, or a control inside changing, does not
    fold it away (a changing ``expanded=`` argument would make it a new, folded widget).
    """
    if key not in state:
        state[key] = open_now
