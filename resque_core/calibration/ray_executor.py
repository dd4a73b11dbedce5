"""Running a sweep's jobs on Ray (``RayExecutor``): a pool of actors (``SweepWorker``) driven from here.

Every worker is an actor that keeps the sweep's models and data loaded and runs one job at a time; a
job whose worker dies is retried ``retries`` times on a fresh worker, then reported failed with the
reason, and the sweep goes on. A worker may also die while it starts (``ray_pool.WorkerPool`` tries a
start ``retries`` more times); when no worker will start, the jobs left are reported failed with why.
A later seed of a shift waits for its first seed (which makes the shift's from-scratch reference), so
the records match the local order's whatever order the runs finish in. Ray is imported only when a ``RayExecutor`` runs.
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from resque_core.calibration.config import SweepConfig
from resque_core.calibration.metadata import hardware_label
from resque_core.calibration.progress import SweepClock
from resque_core.calibration.ray_pool import WorkerPool, first_line
from resque_core.calibration.resume import kept_outcomes
from resque_core.calibration.sweep import Job, JobResult, record_shift, run_job
from resque_core.errors import RetrainError

__all__ = ["RayExecutor", "SweepWorker"]

RETRIES = 2  # a job's worker may die this many times before the job is reported failed
MAX_PER_RUN = 1024  # CPUs or GPUs one run may ask for: more is a typo
POLL_S = 0.2  # how often the driver looks at the stop request while runs are in flight


class RayExecutor:
    """Each job as a call on a pool of Ray actors (``SweepWorker``), on a cluster or a local Ray.

    ``address``: "auto" or "ray://HOST:PORT" joins a running cluster; None starts a local Ray sized to
    this machine (or uses the one this process already started). ``workers``: actors in the pool
    (default: as many as the cluster's CPUs and GPUs allow at ``cpus_per_run``/``gpus_per_run`` each).
    ``nodes``: after a run, each node's runs, the kWh its workers metered (None: not measured) and the
    seconds they spent running jobs (``busy_s``; the rest of the wall time is Ray's and waiting);
    ``start_s``: seconds the pool took to start (each worker loading the sweep's models and data).
    """

    def __init__(
        self,
        stored: Iterable[Mapping] = (),
        address: str | None = None,
        cpus_per_run: float = 1.0,
        gpus_per_run: float = 0.0,
        workers: int | None = None,
        retries: int = RETRIES,
    ) -> None:
        if not (math.isfinite(cpus_per_run) and 0 < cpus_per_run <= MAX_PER_RUN):
            raise RetrainError(f"--cpus-per-run must be a number in (0, {MAX_PER_RUN}]; got {cpus_per_run:g}")
        if not (math.isfinite(gpus_per_run) and 0 <= gpus_per_run <= MAX_PER_RUN):
            raise RetrainError(f"--gpus-per-run must be a number in [0, {MAX_PER_RUN}]; got {gpus_per_run:g}")
        if (workers is not None and workers < 1) or retries < 0:
            raise RetrainError(f"--workers must be a positive integer; got {workers}")
        self.stored, self.address, self.retries = list(stored), address, retries
        self.cpus, self.gpus, self.workers = cpus_per_run, gpus_per_run, workers
        self.nodes: dict[str, dict] = {}
        self.start_s = 0.0

    def run(self, jobs: list[Job], cfg: SweepConfig, halt, clock: SweepClock) -> Iterator[JobResult]:
        todo = yield from kept_outcomes(jobs, self.stored)
        if not todo or halt():
            return
        ray = _import_ray()
        owned = self._connect(ray)
        try:
            yield from _Drive(ray, self, todo, cfg).outcomes(halt, clock)
        finally:
            if owned:
                ray.shutdown()

    def _connect(self, ray) -> bool:
        """Join ``address`` (or start a local Ray); True when this call started it (and must shut it down).

        The index's Ray passes join the same way (``index.ray_cluster.connect``): a HOST:PORT that nothing
        answers at is refused in seconds, not after Ray's minutes of retries.
        """
        from resque_core.index.ray_cluster import connect

        return connect(self.address or None)[1]

    def pool_size(self, ray, jobs: int) -> int:
        """Workers to start: ``workers`` (default: as many as fit), never more than the cluster fits or the jobs."""
        from resque_core.index.ray_cluster import fitting_workers

        have = ray.cluster_resources()
        fits = fitting_workers(have, self.cpus, self.gpus)
        if fits < 1:
            raise RetrainError(
                f"the Ray cluster has {have.get('CPU', 0):g} CPUs and {have.get('GPU', 0):g} GPUs: not enough for one "
                f"run at --cpus-per-run {self.cpus:g} --gpus-per-run {self.gpus:g}"
            )
        return min(fits, jobs, self.workers or fits)


class SweepWorker:
    """A Ray actor: a sweep's case builders (models and data) and record metadata, loaded once; one job at a time."""

    def __init__(self, payload: tuple, threads: int) -> None:
        import ray
        import torch

        torch.set_num_threads(threads)
        self.builders, self.metadata, self.cfg = payload
        self.node = ray.util.get_node_ip_address()

    def where(self) -> str:
        """e.g. "10.0.0.7 pid 4242": the node and process this worker runs in."""
        return f"{self.node} pid {os.getpid()}"

    def run(self, group: int, item: Any, seed: int, metadata: int, scratch: dict, prime_seed: int | None) -> dict:
        """Job ``(item, seed)`` of builder ``group`` given the shifts' known from-scratch accuracies."""
        started, builder = time.monotonic(), self.builders[group]
        builder.scratch.clear()
        builder.scratch.update(scratch)
        tag = replace(self.metadata[metadata], hardware=hardware_label())
        metered: list[float] = []
        job = Job(functools.partial(builder.case, item, seed), seed, tag, item, builder, prime_seed)

        def on_epoch(run_kind, record, cap) -> None:
            if record.energy_kwh is not None:
                metered.append(record.energy_kwh)

        answer = {"node": self.node, "scratch": dict(builder.scratch), "rows": [], "error": None}
        try:
            rows = run_job(job, self.cfg, lambda: False, on_epoch)
        except RetrainError as exc:
            return {**answer, "error": f"skipped: {exc}"}
        energy, busy_s = sum(metered) if metered else None, time.monotonic() - started
        return {**answer, "rows": rows, "scratch": dict(builder.scratch), "energy": energy, "busy_s": busy_s}


class _Drive:
    """One Ray sweep from the driver: a pool of workers, the jobs handed out in order as workers free up."""

    def __init__(self, ray, settings: RayExecutor, jobs: list[Job], cfg: SweepConfig) -> None:
        self.ray, self.settings, self.jobs = ray, settings, jobs
        builders = list({id(j.builder): j.builder for j in jobs}.values())
        metadata = list({id(j.metadata): j.metadata for j in jobs}.values())
        if any(b is None or not hasattr(b, "scratch") for b in builders):
            raise RetrainError("the Ray executor runs jobs made by `interleave` (they carry their case builder)")
        self.group = {id(b): i for i, b in enumerate(builders)}
        self.metadata_index = {id(m): i for i, m in enumerate(metadata)}
        self.scratch: list[dict] = [{} for _ in builders]
        cfg = replace(cfg, device="cuda") if settings.gpus else cfg  # a run given a GPU trains on it
        self.payload = ray.put((builders, metadata, cfg))
        options = {"num_cpus": settings.cpus, "num_gpus": settings.gpus, "max_restarts": 0}
        threads = max(1, int(settings.cpus))
        self.pool = WorkerPool(ray, ray.remote(**options)(SweepWorker), self.payload, threads, 1 + settings.retries)
        t0 = time.monotonic()
        self.idle = self.pool.start(settings.pool_size(ray, len(jobs)))
        if not self.idle:
            raise RetrainError(f"no Ray worker started: {self.pool.trouble}; try fewer --workers or later")
        settings.start_s = time.monotonic() - t0
        self.busy: dict[Any, tuple[Any, int]] = {}  # object ref -> (worker, job number)
        self.deaths: Counter[int] = Counter()
        self.finished = self.failed = 0
        self.t0 = time.monotonic()

    def outcomes(self, halt, clock: SweepClock) -> Iterator[JobResult]:
        pending = list(range(len(self.jobs)))
        try:
            while pending or self.busy:
                if halt():
                    return
                if pending and not self.idle and not self.busy and not self._restaffed():
                    yield from self._give_up(pending)
                    return
                self._hand_out(pending, clock)
                ready, _ = self.ray.wait(list(self.busy), num_returns=1, timeout=POLL_S)
                for ref in ready:
                    out = self._collect(ref, pending)
                    if out is not None:
                        yield out
        finally:
            self.pool.kill([*self.idle, *(w for w, _ in self.busy.values())])

    def _restaffed(self) -> bool:
        """Every worker is gone: start one (True), or say none would start (False)."""
        self.idle += self.pool.start(1)
        return bool(self.idle)

    def _give_up(self, pending: list[int]) -> Iterator[JobResult]:
        """No worker will start: each pending job reported failed with the reason."""
        reason = f"no Ray worker could start ({self.pool.trouble})"
        while pending:
            self.failed += 1
            job = self.jobs[pending.pop(0)]
            yield JobResult(job, [], reason, failed=True, status=self.status(len(pending)))

    def _hand_out(self, pending: list[int], clock: SweepClock) -> None:
        while self.idle:
            number = self._next(pending)
            if number is None:
                return
            pending.remove(number)
            job, worker = self.jobs[number], self.idle.pop()
            group = self.group[id(job.builder)]
            metadata = self.metadata_index[id(job.metadata)]
            args = (group, job.shift, job.seed, metadata, self.scratch[group], job.prime_seed)
            self.busy[worker.run.remote(*args)] = (worker, number)
            where = self.pool.places.get(worker, "a worker")
            clock.say(
                "case", f"{record_shift(job.shift)} seed {job.seed} started on {where} [{self.status(len(pending))}]"
            )

    def _next(self, pending: list[int]) -> int | None:
        """The first pending job whose shift's from-scratch reference is known or not being made by another."""
        waiting = {self._key(n) for _, n in self.busy.values()}
        for number in pending:
            key = self._key(number)
            if key[1] in self.scratch[key[0]] or key not in waiting:
                return number
            waiting.add(key)
        return None

    def _key(self, number: int) -> tuple[int, str]:
        job = self.jobs[number]
        return self.group[id(job.builder)], record_shift(job.shift)

    def _collect(self, ref, pending: list[int]) -> JobResult | None:
        worker, number = self.busy.pop(ref)
        job = self.jobs[number]
        try:
            got = self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as exc:
            self.idle.append(worker)
            self.failed += 1
            return JobResult(job, [], f"raised {first_line(exc)}", failed=True, status=self.status(len(pending)))
        except self.ray.exceptions.RayError as exc:  # its worker died (killed, out of memory, node lost...)
            self.deaths[number] += 1
            self.pool.kill([worker])
            self.idle += self.pool.start(1)
            if self.deaths[number] <= self.settings.retries:
                pending.insert(0, number)
                return None
            self.failed += 1
            reason = f"its worker died {self.deaths[number]} times ({first_line(exc)})"
            return JobResult(job, [], reason, failed=True, status=self.status(len(pending)))
        self.idle.append(worker)
        self.finished += 1
        self.scratch[self.group[id(job.builder)]].update(got["scratch"])
        tally = self.settings.nodes.setdefault(got["node"], {"runs": 0, "kwh": None, "busy_s": 0.0})
        tally["runs"] += len(got["rows"])
        tally["busy_s"] += got.get("busy_s", 0.0)
        if got.get("energy") is not None:
            tally["kwh"] = (tally["kwh"] or 0.0) + got["energy"]
        status = self.status(len(pending))
        return JobResult(job, got["rows"], got["error"], energy_kwh=got.get("energy"), node=got["node"], status=status)

    def status(self, left: int) -> str:
        """Cases, e.g. "cases: 4 done, 2 running, 0 failed, 6 left, about 3.1 min to go"."""
        ended = self.finished + self.failed
        text = f"cases: {self.finished} done, {len(self.busy)} running, {self.failed} failed, {left} left"
        if ended and left + len(self.busy):
            to_go_s = (time.monotonic() - self.t0) / ended * (left + len(self.busy))
            text += f", about {to_go_s / 60:.1f} min to go"
        return text


def _import_ray():
    try:
        import ray
    except ImportError as exc:
        raise RetrainError("the Ray executor needs the ray package: pip install -r requirements.txt") from exc
    return ray
