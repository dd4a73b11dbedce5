"""The Ray actors a sweep runs on (``WorkerPool``): started, replaced when one dies, killed at the end.

A worker may die at any moment: while it runs a job, while it starts, or while it is being started to
replace another. Starting never raises for a worker that dies or does not start in time: the pool
tries again a bounded number of times and hands back the workers that did start (maybe fewer, maybe
none), remembering why the others did not (``trouble``). The driver (``ray_executor``) decides what a
smaller pool means.
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["WorkerPool", "first_line"]

log = logging.getLogger(__name__)

START_S = 600  # how long a worker may take to start (be scheduled, load the sweep's data)


class WorkerPool:
    """Workers made by ``actor_class.remote(payload, threads)``, each asked where it runs once it started.

    ``places``: each live worker's "NODE pid PID"; ``trouble``: why the last worker that failed to start
    did not ("" while none has failed); ``attempts``: how many times one start may be tried.
    """

    def __init__(self, ray, actor_class, payload, threads: int, attempts: int, start_s: float = START_S) -> None:
        self.ray, self.actor_class, self.payload, self.threads = ray, actor_class, payload, threads
        self.attempts, self.start_s = max(1, attempts), start_s
        self.places: dict[Any, str] = {}
        self.trouble = ""

    def start(self, count: int) -> list:
        """Up to ``count`` started workers: one that dies while starting is replaced, ``attempts`` tries in all."""
        started: list = []
        for _ in range(self.attempts):
            if len(started) >= count:
                break
            started += self._launch(count - len(started))
        return started

    def _launch(self, count: int) -> list:
        workers = [self.actor_class.remote(self.payload, self.threads) for _ in range(count)]
        asked = {w.where.remote(): w for w in workers}
        ready, late = self.ray.wait(list(asked), num_returns=len(asked), timeout=self.start_s)
        started = []
        for ref in ready:
            try:
                self.places[asked[ref]] = self.ray.get(ref)
                started.append(asked[ref])
            except self.ray.exceptions.RayError as exc:  # it died while starting (killed, out of memory...)
                self.trouble = f"a worker died while starting ({first_line(exc)})"
                self.kill([asked[ref]])
        if late:
            self.trouble = f"a worker did not start within {self.start_s:g} s (the cluster is busy or lacks resources)"
            self.kill([asked[ref] for ref in late])
        return started

    def kill(self, workers: list) -> None:
        """End ``workers`` (live or already dead) and forget them."""
        for worker in workers:
            self.places.pop(worker, None)
            try:
                self.ray.kill(worker)
            except Exception as exc:  # noqa: BLE001 - an actor that is gone already needs nothing more
                log.debug("could not kill a Ray worker: %s", exc)


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's text (at most 200 characters), or its type's name."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0][:200] if lines else type(exc).__name__
