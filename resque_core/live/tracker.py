"""Track a team's own training loop: each evaluation committed as it happens, and what is left to the target.

    from resque_core import track
    with track("resnet50-camera-b", target_acc=0.95, max_epochs=30, prior=forecast, country_iso="DEU") as run:
        for epoch in range(30):
            train_one_epoch(model, loader)
            run.evaluated(epoch + 1, evaluate(model, val_loader))
            if run.remaining().reached:
                break

Energy is measured with codecarbon inside the context (an estimate where the machine has no power counters), or
given by the team's own meter (``run.energy(kwh)``). The run lives in the records database (``live.store``);
finished, it becomes a calibration record with its curve when its prior carries the index it was forecast from.
"""

from __future__ import annotations

import logging
import math
import os
import platform
import re
import threading
import time
import uuid
from dataclasses import replace
from typing import Any

from resque_core.energy.meters import CodecarbonMeter, EnergyMeter
from resque_core.errors import EnergyError, ResqueError
from resque_core.forecast.targets import DEFAULT_DROP
from resque_core.grid.offline import annual_intensity_g_per_kwh, iso3_of
from resque_core.live.finish import finished_record
from resque_core.live.prior import prior_of
from resque_core.live.remaining import Remaining, live_refiner, remaining_of
from resque_core.live.store import LivePoint, LiveRun, RunStore, reached, utc_now

__all__ = ["Run", "track"]

log = logging.getLogger(__name__)


def track(
    name: str,
    target_acc: float | None = None,
    max_epochs: float = 30,
    prior: Any = None,
    country_iso: str = "DEU",
    *,
    base_acc: float | None = None,
    target_drop: float = DEFAULT_DROP,
    db: str | os.PathLike | None = None,
    meter: EnergyMeter | str | None = "codecarbon",
    price_per_kwh: float | None = None,
    currency: str = "EUR",
    keep_record: bool = True,
) -> Run:
    """A tracked run, to use as ``with track(...) as run``.

    Args:
        name: what the team calls the run.
        target_acc: the accuracy on the new data the run is done at, in (0, 1]; without it, ``base_acc`` minus
            ``target_drop`` (within 2 points of the old model's clean accuracy by default).
        max_epochs: the cap: the run stops there whether or not it reached the target.
        prior: a ``Forecast`` (from the index, the accuracy drop, or both) or a ``live.Prior``; None: the library's
            runs stand in.
        country_iso: the grid whose annual average intensity turns kWh into CO2 (ISO2 or ISO3).
        db: the records database (default ``$RESQUE_DB`` or the user's data directory).
        meter: "codecarbon", an ``EnergyMeter`` that can read mid-run (``so_far``), or None (then ``run.energy``).
        price_per_kwh, currency: what a kWh costs, for the money left.
        keep_record: turn the finished run into a calibration record (needs a prior made from the index).
    """
    goal = _target(target_acc, base_acc, target_drop)
    cap = _positive(max_epochs, "max_epochs")
    if price_per_kwh is not None:
        price_per_kwh = _positive(price_per_kwh, "price_per_kwh", allow_zero=True)
    if prior is not None:
        prior = prior_of(prior)
    return Run(name, goal, cap, prior, iso3_of(country_iso), RunStore(db), meter, price_per_kwh, currency, keep_record)


class Run:
    """A tracked run (made by ``track``): ``evaluated`` after each evaluation, ``remaining`` for what is left."""

    def __init__(self, name, target_acc, max_epochs, prior, country_iso, store, meter, price, currency, keep_record):
        if not str(name).strip():
            raise ResqueError("a tracked run needs a name")
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", str(name).strip())[:60]
        self.run_id = f"live-{slug}-{uuid.uuid4().hex[:10]}"
        self.name, self.target_acc, self.max_epochs, self.prior = str(name).strip(), target_acc, max_epochs, prior
        self.store, self.keep_record = store, keep_record
        self._meter = CodecarbonMeter(country_iso, tracking_mode="process") if meter == "codecarbon" else meter
        intensity = annual_intensity_g_per_kwh(country_iso)[0]
        label = f"accuracy {target_acc:.4g} on the new data"
        self._run = LiveRun(
            self.run_id, self.name, "running", utc_now(), utc_now(), platform.node(), os.getpid(), target_acc, label,
            max_epochs, prior, country_iso, intensity, "", price, currency if price is not None else None,
        )  # fmt: skip
        self._points: list[LivePoint] = []
        self._unsaved: list[LivePoint] = []  # evaluations the database refused so far (written at the next chance)
        self._team_kwh: float | None = None
        self._t0 = 0.0
        self._stopped: str | None = None
        self.overhead_s = 0.0  # time spent inside evaluated() and remaining()
        self.calls = 0

    def __enter__(self) -> Run:
        self.store.begin(self._run)
        threading.Thread(target=live_refiner, args=(self.prior is not None,), daemon=True).start()
        if self._meter is not None:
            try:
                self._meter.start()
            except EnergyError as exc:
                log.warning("energy is not measured for run %s: %s", self.name, exc)
                self._meter = None
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if self._meter is not None:
            try:
                self._meter.stop()
            except EnergyError as error:
                log.warning("the energy meter of run %s failed to stop: %s", self.name, error)
        status = "finished" if kind is None else "stopped" if issubclass(kind, KeyboardInterrupt) else "failed"
        record_id, note = None, f"{kind.__name__}: {exc}" if kind is not None else None
        if kind is None and self._stopped is not None:
            status, note = "stopped", self._stopped
        self._save()
        try:
            if status == "finished" and self.keep_record and not self._unsaved:
                record_id, note = finished_record(self.store.path, self.live_run(), self._meter_source())
            self.store.finish(self.run_id, status, record_id, note)
        except ResqueError as exc:  # the training itself is done: say so, never fail it for the database
            log.warning("run %s ended (%s) but the records database could not be updated: %s", self.name, status, exc)

    @property
    def reached(self) -> bool:
        return reached(self._points, self.target_acc)

    def evaluated(self, epoch: float, acc: float) -> None:
        """Record an evaluation: ``acc`` (0..1, accuracy on the new data) after ``epoch`` epochs (fractional allowed),
        committed to the database at once."""
        t0 = time.perf_counter()
        epoch, acc = _number(epoch, "epoch"), _number(acc, "acc")
        if not 0 <= acc <= 1:
            raise ResqueError(f"acc must be an accuracy in [0, 1] (0.95 for 95%), not {acc:g}")
        last = self._points[-1].epoch if self._points else -1.0
        if epoch < 0 or epoch <= last - 1e-12 or epoch > self.max_epochs + 1e-9:
            raise ResqueError(f"epoch {epoch:g} must be after the last evaluation ({last:g}) and within max_epochs")
        trained_s = time.perf_counter() - self._t0 - self.overhead_s  # the tracker's own time is not the run's
        point = LivePoint(epoch, acc, trained_s, self._energy_so_far(), utc_now())
        if self._points and epoch <= last + 1e-12:
            self._points[-1] = point
        else:
            self._points.append(point)
        self._unsaved.append(point)
        self._save()
        self._spent(t0)

    def _save(self) -> None:
        """Commit the evaluations not yet written; a database that fails (locked, damaged, gone) costs the run
        nothing: a warning, and they are tried again at the next evaluation and at the end."""
        try:
            while self._unsaved:
                self.store.add_point(self.run_id, self._unsaved[0], self._meter_source())
                self._unsaved.pop(0)
        except ResqueError as exc:
            log.warning("run %s: %d evaluation(s) not yet saved (%s); training goes on", self.name,
                        len(self._unsaved), exc)  # fmt: skip

    def stopped(self, reason: str) -> None:
        """Mark the run as stopped before its end (cancelled): it is not kept as a calibration record."""
        self._stopped = str(reason)

    def energy(self, kwh: float) -> None:
        """The team's own meter: ``kwh`` used since the run began (cumulative); from now on the run's energy."""
        kwh = _number(kwh, "kwh")
        if kwh < 0 or (self._team_kwh is not None and kwh < self._team_kwh):
            raise ResqueError(f"kwh is cumulative since the run began: {kwh:g} is below the last reading")
        if self._team_kwh is None and self._meter is not None:
            self._meter.stop()  # the team's meter replaces codecarbon
            self._meter = None
        self._team_kwh = kwh

    def remaining(self) -> Remaining:
        """Epochs, seconds, kWh, kg CO2 and money left to the target, and the chance of never reaching it."""
        t0 = time.perf_counter()
        out = remaining_of(self.live_run())
        self._spent(t0)
        return out

    def live_run(self) -> LiveRun:
        """The run as the database holds it now."""
        return replace(self._run, points=tuple(self._points), energy_source=self._meter_source(), updated_at=utc_now())

    def _spent(self, t0: float) -> None:
        self.overhead_s += time.perf_counter() - t0
        self.calls += 1

    def _energy_so_far(self) -> float | None:
        if self._team_kwh is not None:
            return self._team_kwh
        if self._meter is None:
            return None
        try:
            return self._meter.so_far()
        except EnergyError as exc:
            log.warning("energy of run %s could not be read: %s", self.name, exc)
            return None

    def _meter_source(self) -> str:
        if self._team_kwh is not None:
            return "the team's meter"
        if isinstance(self._meter, CodecarbonMeter):
            return "codecarbon-estimate" if self._meter.estimated() else "codecarbon-measured"
        return "" if self._meter is None else type(self._meter).__name__


def _target(target_acc: float | None, base_acc: float | None, drop: float) -> float:
    if target_acc is None:
        if base_acc is None:
            raise ResqueError(
                "give the target: target_acc=0.95, or base_acc (the old model's clean accuracy) for a target "
                f"{drop:g} below it"
            )
        target_acc = _number(base_acc, "base_acc") - _number(drop, "target_drop")
    target_acc = _number(target_acc, "target_acc")
    if not 0 < target_acc <= 1:
        raise ResqueError(f"the target accuracy must be in (0, 1] (0.95 for 95%), not {target_acc:g}")
    return target_acc


def _number(value: Any, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ResqueError(f"{what} must be a number, not {value!r}") from exc
    if not math.isfinite(number):
        raise ResqueError(f"{what} must be a finite number, not {value!r}")
    return number


def _positive(value: Any, what: str, allow_zero: bool = False) -> float:
    number = _number(value, what)
    if number < 0 or (number == 0 and not allow_zero):
        raise ResqueError(f"{what} must be {'>= 0' if allow_zero else 'positive'}, not {number:g}")
    return number
