"""The Runs page's steps: the runs tracked with ``resque_core.track`` in the records database (read at each call:
another process or machine may be writing to it), each summarised as ``python -m resque_core runs --json`` does,
and what is left of a run sent to the Schedule page.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from resque_core.live.remaining import ENERGY_SOURCES as ENERGY_SOURCES  # the page's words for them
from ui import cache

POLL_S = 5.0  # how often the page reads the database again while a run is running
MOST_RUNS = 50  # the newest runs the page lists
SNIPPET = """from resque_core import track
with track("resnet50-camera-b", target_acc=0.95, max_epochs=30, prior=forecast, country_iso="DEU") as run:
    for epoch in range(30):
        train_one_epoch(model, loader); run.evaluated(epoch + 1, evaluate(model, val_loader))
        if run.remaining().reached: break"""
CLI = "python -m resque_core runs --watch"


def stored_runs() -> tuple[Any, list[Any]]:
    """``(path, runs)``: the records database the Validate page and the CLI use ($RESQUE_DB, else the user's) and
    its tracked runs, newest first (the ``MOST_RUNS`` newest). Raises ``RecordsError`` for a file that is not a
    records database."""
    from resque_core.live.store import RunStore

    store = RunStore()
    return store.path, store.runs(limit=MOST_RUNS)


def summary(run: Any, with_history: bool = False) -> dict[str, Any]:
    """``live.summary.run_summary`` of ``run`` (cached per stored state of the run), with its state as of now."""
    from resque_core.live.summary import state_of

    cached = cache.run_summary(run.run_id, run.updated_at, run.status, with_history, run)
    return {**cached, "state": state_of(run)}


def polling(runs: list[Any]) -> float | None:
    """``POLL_S`` while some run is running (not silent), else None: the page stops reading the database."""
    from resque_core.live.summary import state_of

    return POLL_S if any(state_of(run) == "running" for run in runs) else None


def replan_job(summary: dict[str, Any]) -> tuple[float | None, float | None, str | None]:
    """``(hours, kWh, None)`` left of the run (point values), or ``(None, None, why not)``."""
    left = summary["remaining"]
    if left["reached"]:
        return None, None, "the run has reached its target: nothing is left to plan"
    if left["seconds"] is None:
        return None, None, "the time left is unknown: the run has no evaluation yet and its prior has no time per epoch"
    if left["kwh"] is None:
        return None, None, "the energy left is unknown: the run is not metered and its prior has no kWh per epoch"
    return left["seconds"]["point"] / 3600.0, left["kwh"]["point"], None


def replan(state: MutableMapping, hours: float, kwh: float) -> None:
    """Put the job into the Schedule page's settings (a job given by hand, which can pause), opened on arrival."""
    state.update(sch_own_job=True, sch_job_h=hours, sch_job_kwh=kwh, sch_interruptible=True, sch_settings=True)
