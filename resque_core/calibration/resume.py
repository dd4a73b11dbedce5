"""Resuming a stored sweep: the jobs whose retraining record it already holds are kept, the rest run.

Both executors (``calibration.executors``) start from here, so a sweep resumes the same way locally and on Ray.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from resque_core.calibration.sweep import Job, JobResult, record_shift

__all__ = ["kept_outcomes", "resumed"]


def resumed(jobs: list[Job], stored: Iterable[Mapping]) -> Iterator[tuple[Job, bool]]:
    """Each job, and whether ``stored`` (a sweep's records) already holds its retraining record.

    The first job left of a shift whose from-scratch record is stored recovers that run's accuracy
    (``Job.prime_seed``) instead of making a second reference.
    """
    rows = list(stored)
    done = {(r["shift"], int(r["seed"])) for r in rows if r["run_kind"] == "retrain"}
    scratch = {r["shift"]: int(r["seed"]) for r in rows if r["run_kind"] == "scratch"}
    primed: set[tuple[int, str]] = set()
    for job in jobs:
        shift = record_shift(job.shift)
        if (shift, job.seed) in done:
            yield job, True
            continue
        key = (id(job.builder), shift)
        if shift in scratch and key not in primed:
            primed.add(key)
            job = job._replace(prime_seed=scratch[shift])
        yield job, False


def kept_outcomes(jobs: list[Job], stored: list[Mapping]):
    """Yield an ``JobResult`` for each job a resumed sweep already holds; return the jobs still to run."""
    todo = []
    for job, kept in resumed(jobs, stored):
        if kept:
            yield JobResult(job, [], kept=True)
        else:
            todo.append(job)
    return todo
