"""Where a sweep's jobs run: here, one after another (``LocalExecutor``), or on Ray (``RayExecutor``).

Both yield a ``sweep.JobResult`` per job as it ends, so ``run_sweep`` writes each finished case from the
driver (one writer) whatever ran it. Either executor resumes a stored sweep (``calibration.resume``):
jobs with a retraining record are kept, the rest run. Ray is imported only when a ``RayExecutor`` runs
(``calibration.ray_executor``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from resque_core.calibration.config import SweepConfig
from resque_core.calibration.progress import SweepClock
from resque_core.calibration.ray_executor import RayExecutor
from resque_core.calibration.resume import kept_outcomes
from resque_core.calibration.sweep import Job, JobResult, run_serially
from resque_core.errors import RetrainError

__all__ = ["EXECUTORS", "LocalExecutor", "make_executor"]

EXECUTORS = ("local", "ray")


def make_executor(name: str, stored: Iterable[Mapping] = (), **ray_settings: Any) -> LocalExecutor | RayExecutor:
    """The executor ``name`` ("local" or "ray"), resuming the ``stored`` records of a sweep (none: a new one)."""
    if name not in EXECUTORS:
        raise RetrainError(f"unknown executor {name!r}; use one of {', '.join(EXECUTORS)}")
    return LocalExecutor(stored) if name == "local" else RayExecutor(stored, **ray_settings)


class LocalExecutor:
    """Every job in this process, in order (``sweep.run_serially``), after the ones a resumed sweep holds."""

    def __init__(self, stored: Iterable[Mapping] = ()) -> None:
        self.stored = list(stored)
        self.nodes: dict[str, dict] = {}

    def run(self, jobs: list[Job], cfg: SweepConfig, halt, clock: SweepClock) -> Iterator[JobResult]:
        todo = yield from kept_outcomes(jobs, self.stored)
        yield from run_serially(todo, cfg, halt, clock)
