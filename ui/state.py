"""Session state in one place: the keys every page shares, and the pipeline's done / stale / missing status.

The pipeline is data -> model -> index -> forecast -> schedule. Each stage stores its result with a
signature of everything it was computed from: its own inputs, what else it read (``made_from``: an
uploaded file's digest, a probe) and the signatures of its upstream stages at that time. Since an
upstream signature holds its own upstream's, a signature covers the whole chain: recomputing the
index on new data gives the index a new signature even with the same settings, so the forecast and
schedule made from the old one turn *stale*, and stay so until they are computed again. A stage is
*done* only when its upstream stages are done and still carry the signatures it was computed from.

A stage may depend on one named *facet* of its upstream rather than all of it ("forecast:job"): the
schedule reads only the forecast's job (its seconds and kWh point values), so a forecast priced
again, or with another interval level, leaves the schedule done while the job stays the same.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

STAGES = ("data", "model", "index", "forecast", "schedule")
UPSTREAM: dict[str, tuple[str, ...]] = {
    "data": (),
    "model": (),
    "index": ("data", "model"),
    "forecast": ("index",),
    "schedule": ("forecast:job",),  # the forecast's job alone: a price or a level does not move it
}
DONE, STALE, MISSING = "done", "stale", "missing"

DEFAULTS: dict[str, Any] = {
    "results": {},  # stage -> result object (engine dataclass, dataset pair, loaded model...)
    "sigs": {},  # stage -> signature of its inputs, what it was made from and its upstream signatures
    "deps": {},  # stage -> {upstream stage or "stage:facet": its signature when this stage was computed}
    "facets": {},  # stage -> {facet name: that part of its result, JSON-able}
    "made_with": {},  # stage -> {dependency: its inputs (a facet: its value) when computed}, to say what changed
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


def job_facet(forecast: Any) -> dict[str, float | None]:
    """The forecast's job as the schedule plans it (``ui.actions.scheduled_job``): its seconds and kWh points."""
    measures = getattr(forecast, "measures", None) or {}
    return {m: measures[m].point if m in measures else None for m in ("seconds", "kwh")}


FACETS: dict[str, dict[str, Callable[[Any], Any]]] = {"forecast": {"job": job_facet}}
_listener = threading.local()


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
    deps = {dep: _signed(state, dep) for dep in (UPSTREAM[stage] if upstream is None else upstream)}
    state["results"][stage] = result
    state["inputs"][stage] = inputs
    state["sigs"][stage] = signature({"inputs": inputs, "made_from": made_from, "upstream": deps})
    state["deps"][stage] = deps
    state["facets"][stage] = {name: part(result) for name, part in FACETS.get(stage, {}).items()}
    state["made_with"][stage] = {dep: _plain(state, dep) for dep in deps}
    callback = getattr(_listener, "callback", None)
    if callback is not None:
        callback()


def _stage(dep: str) -> str:
    """The stage a dependency names ("forecast:job" -> "forecast")."""
    return dep.partition(":")[0]


def _signed(state: MutableMapping, dep: str) -> str | None:
    """The signature a dependency has now: a whole stage's, or one facet's ("forecast:job")."""
    stage, _, facet = dep.partition(":")
    if not facet:
        return state["sigs"].get(stage)
    return signature(state["facets"][stage][facet]) if facet in state["facets"].get(stage, {}) else None


def _plain(state: MutableMapping, dep: str) -> dict:
    """What a dependency is now, in words a user chose: a stage's inputs, or a facet's value."""
    stage, _, facet = dep.partition(":")
    return (state["facets"].get(stage, {}).get(facet) if facet else state["inputs"].get(stage)) or {}


@contextmanager
def on_result(callback: Callable[[], None]) -> Iterator[None]:
    """Call ``callback`` after every result stored inside this block (one script run, one thread)."""
    _listener.callback = callback
    try:
        yield
    finally:
        _listener.callback = None


def result(state: MutableMapping, stage: str) -> Any:
    """A stage's stored result, or None when it was never computed."""
    return state["results"].get(stage)


def status(state: MutableMapping, stage: str) -> str:
    """``done``, ``stale`` (an upstream input changed since) or ``missing``."""
    if stage not in state["results"]:
        return MISSING
    for dep, made_with in state["deps"][stage].items():
        if status(state, _stage(dep)) != DONE or made_with != _signed(state, dep):
            return STALE
    return DONE


def why_stale(state: MutableMapping, stage: str) -> str:
    """What changed upstream since ``stage`` was computed, in words ("" when it is not stale)."""
    if status(state, stage) != STALE:
        return ""
    for dep, made_with in state["deps"][stage].items():
        up, _, facet = dep.partition(":")
        if status(state, up) != DONE:
            return f"the {up} is {status(state, up)}"
        if made_with != _signed(state, dep):
            before, now = state["made_with"].get(stage, {}).get(dep) or {}, _plain(state, dep)
            changed = [
                f"{k} {_short(before.get(k))} → {_short(now.get(k))}"
                for k in sorted({*before, *now})
                if before.get(k) != now.get(k)
            ]
            what = f"the {up}'s {facet}" if facet else f"the {up}"
            return f"{what} changed" + (f" ({', '.join(changed[:3])})" if changed else " (computed again)")
    return ""


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


def _short(value: Any) -> Any:
    """A changed value as ``why_stale`` writes it: floats to 4 significant digits."""
    return f"{value:.4g}" if isinstance(value, float) else value
