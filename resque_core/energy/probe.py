"""Energy and time per epoch from a short probe of training work, measured before retraining starts.

A probe runs a few steps of some training work under an energy meter, in rounds, until the last
rounds agree (their relative spread under ``tolerance``), and reports the median with the spread.
The work is anything with ``step()`` and ``steps_per_epoch`` (``ProbeWork``): the probe measures,
it does not train. ``resque_core.retraining.probe_model`` probes a copy of a model on the new data.
"""

from __future__ import annotations

import logging
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from resque_core.energy.meters import CodecarbonMeter, EnergyMeter, EnergyReading
from resque_core.errors import EnergyError
from resque_core.units import J_PER_KWH, duration_text, energy_text

__all__ = ["ProbeResult", "ProbeWork", "probe"]

logger = logging.getLogger(__name__)


class ProbeWork(Protocol):
    """Training work a probe can measure: one step at a time, ``steps_per_epoch`` of them to an epoch."""

    steps_per_epoch: int

    def step(self) -> None:
        """Do one training step."""


@dataclass(frozen=True)
class ProbeResult:
    """Energy and time per epoch on some hardware, probed or modeled.

    Attributes:
        kwh_per_epoch: energy of one training epoch, in kWh (the median over the rounds after the first).
        seconds_per_epoch: wall time of one training epoch, in seconds (the median likewise).
        steps: training steps per round (0 when modeled).
        source: the meter's source ("codecarbon-estimate", ...) or "modeled".
        estimated: True unless a hardware power counter measured the energy.
        note: how the figures were obtained.
        overhead_s: time the meter itself took to start and stop, in seconds, summed (not in the figures).
        kwh_per_epoch_low, kwh_per_epoch_high: the smallest and largest kWh per epoch of those rounds.
        seconds_per_epoch_low, seconds_per_epoch_high: the same for seconds per epoch.
        repeats: rounds measured in all; stable: the last rounds agreed within the tolerance.
        threads: torch CPU threads the probe trained with (None: not set).
    """

    kwh_per_epoch: float
    seconds_per_epoch: float
    steps: int
    source: str
    estimated: bool
    note: str = ""
    overhead_s: float = 0.0
    kwh_per_epoch_low: float | None = None
    kwh_per_epoch_high: float | None = None
    seconds_per_epoch_low: float | None = None
    seconds_per_epoch_high: float | None = None
    repeats: int = 1
    stable: bool = True
    threads: int | None = None

    @property
    def spread(self) -> float:
        """Relative spread of kWh per epoch over the rounds: (high - low) / median (0: one figure)."""
        if self.kwh_per_epoch_low is None or self.kwh_per_epoch_high is None or self.kwh_per_epoch <= 0:
            return 0.0
        return (self.kwh_per_epoch_high - self.kwh_per_epoch_low) / self.kwh_per_epoch

    def summary(self) -> str:
        """One line for the page and the CLI: the median, its spread and how many rounds it took."""
        if self.steps == 0:
            return f"modeled: {energy_text(self.kwh_per_epoch)} and {duration_text(self.seconds_per_epoch)} per epoch"
        low, high = self.kwh_per_epoch_low, self.kwh_per_epoch_high
        ends = f"{energy_text(low)}-{energy_text(high)}" if low is not None and high is not None else ""
        spread = f" ({ends}, spread {self.spread:.0%})" if ends else ""
        settled = "" if self.stable else "; did not settle within the repeats: treat it as rough"
        return (
            f"probe: {energy_text(self.kwh_per_epoch)} per epoch{spread}, {duration_text(self.seconds_per_epoch)} per "
            "epoch; "
            f"median of {self.repeats} rounds of {self.steps} steps (the first a warm-up){settled}"
        )


@dataclass
class _Rounds:
    """What the rounds so far measured: (kWh per epoch, seconds per epoch) each, and the meter's cost."""

    steps: int
    figures: list[tuple[float, float]] = field(default_factory=list)
    overhead_s: float = 0.0
    reading: EnergyReading | None = None

    def settled(self, window: int, tolerance: float) -> bool:
        """The last ``window`` rounds agree, the first (a warm-up) not counted."""
        return len(self.figures) > window and _settled(self.figures[-window:], tolerance)


def probe(
    work: ProbeWork,
    meter: EnergyMeter | None = None,
    steps: int = 20,
    *,
    max_repeats: int = 10,
    window: int = 3,
    tolerance: float = 0.1,
    min_round_s: float = 0.5,
    progress: Callable[[int, int], None] | None = None,
) -> ProbeResult:
    """Run ``work`` in rounds of ``steps`` steps under ``meter`` until stable; extrapolate to one epoch.

    Rounds repeat until the last ``window`` (not counting the first) agree within ``tolerance``
    (relative spread of kWh and of seconds per epoch), at most ``max_repeats``; the figures are the
    median of every round but the first (a warm-up), with their smallest and largest. The meter's own
    start/stop time is kept out: energy per epoch is each round's average power times the pure
    training time of an epoch.

    Args:
        work: the training work to measure (``retraining.probe_model`` makes one of a model).
        meter: defaults to ``CodecarbonMeter()``.
        steps: training steps per round; more when the first round took under ``min_round_s``
            seconds, so that a round outlasts the scheduler's jitter.
        max_repeats, window, tolerance: when to stop repeating (see above).
        progress: called with (rounds done, ``max_repeats``) after each round.
    """
    if steps < 1:
        raise EnergyError(f"a probe needs at least one step, not {steps}")
    if max_repeats < 1 or not 1 <= window <= max_repeats:
        raise EnergyError(f"a probe needs 1 <= window ({window}) <= max_repeats ({max_repeats})")
    meter = meter if meter is not None else CodecarbonMeter()
    rounds = _Rounds(steps)
    for done in range(1, max_repeats + 1):
        train_s = _measure_round(work, meter, rounds)
        if done == 1 and 0 < train_s < min_round_s:  # the warm-up round sets the round's length
            rounds.steps = math.ceil(rounds.steps * min_round_s / train_s)
        if progress is not None:
            progress(done, max_repeats)
        if rounds.settled(window, tolerance):
            break
    logger.info("probe: %d rounds of %d steps", len(rounds.figures), rounds.steps)
    return _result(rounds, work.steps_per_epoch, rounds.settled(window, tolerance))


def _measure_round(work: ProbeWork, meter: EnergyMeter, rounds: _Rounds) -> float:
    """Run one round of ``work`` under ``meter``, add its figures to ``rounds``; its training seconds."""
    t_outer = time.perf_counter()
    meter.start()
    t0 = time.perf_counter()
    for _ in range(rounds.steps):
        work.step()
    train_s = time.perf_counter() - t0
    reading = meter.stop()
    rounds.overhead_s += time.perf_counter() - t_outer - train_s
    seconds_per_epoch = train_s / rounds.steps * work.steps_per_epoch
    watts = reading.energy_kwh * J_PER_KWH / reading.duration_s if reading.duration_s > 0 else 0.0
    rounds.figures.append((watts * seconds_per_epoch / J_PER_KWH, seconds_per_epoch))
    rounds.reading = reading
    return train_s


def _result(rounds: _Rounds, steps_per_epoch: int, stable: bool) -> ProbeResult:
    """The median of every round but the first (it still warms caches up), with the smallest and largest."""
    kept = rounds.figures[1:] if len(rounds.figures) > 1 else rounds.figures
    kwh, seconds = ([r[i] for r in kept] for i in (0, 1))
    reading, n = rounds.reading, len(rounds.figures)
    return ProbeResult(
        kwh_per_epoch=statistics.median(kwh),
        seconds_per_epoch=statistics.median(seconds),
        steps=rounds.steps,
        source=reading.source,
        estimated=reading.estimated,
        note=f"{n} rounds of {rounds.steps} steps, extrapolated to {steps_per_epoch} steps per epoch; {reading.note}",
        overhead_s=rounds.overhead_s,
        kwh_per_epoch_low=min(kwh),
        kwh_per_epoch_high=max(kwh),
        seconds_per_epoch_low=min(seconds),
        seconds_per_epoch_high=max(seconds),
        repeats=n,
        stable=stable,
    )


def _settled(rounds: list[tuple[float, float]], tolerance: float) -> bool:
    """Both kWh and seconds per epoch of ``rounds`` lie within ``tolerance`` x their median of each other."""
    for values in zip(*rounds, strict=True):
        middle = statistics.median(values)
        if middle > 0 and (max(values) - min(values)) / middle > tolerance:
            return False
    return True
