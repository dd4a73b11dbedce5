"""Session state in one place: the keys every page shares, and the pipeline's done / stale / missing status.

The pipeline is data -> model -> index -> forecast -> schedule. Each stage stores its result with a
signature of the inputs that produced it and the signatures of its upstream stages at that time; a
stage is *stale* when an upstream signature has changed since (or an upstream stage is itself stale
or missing), so a new dataset marks the index, forecast and schedule stale without recomputing them.
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
    "sigs": {},  # stage -> signature of the inputs that produced its result
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


def set_result(state: MutableMapping, stage: str, result: Any, inputs: dict) -> None:
    """Store a stage's result with the signature of its inputs and of its upstream stages now."""
    if stage not in UPSTREAM:
        raise KeyError(f"unknown pipeline stage {stage!r}; stages are {STAGES}")
    state["results"][stage] = result
    state["inputs"][stage] = inputs
    state["sigs"][stage] = signature(inputs)
    state["deps"][stage] = {up: state["sigs"].get(up) for up in UPSTREAM[stage]}


def result(state: MutableMapping, stage: str) -> Any:
    """A stage's stored result, or None when it was never computed."""
    return state["results"].get(stage)


def status(state: MutableMapping, stage: str) -> str:
    """``done``, ``stale`` (an upstream input changed since) or ``missing``."""
    if stage not in state["results"]:
        return MISSING
    for up in UPSTREAM[stage]:
        if status(state, up) != DONE or state["deps"][stage].get(up) != state["sigs"].get(up):
            return STALE
    return DONE


def pipeline_status(state: MutableMapping) -> dict[str, str]:
    """Status of every stage, in pipeline order."""
    return {stage: status(state, stage) for stage in STAGES}
