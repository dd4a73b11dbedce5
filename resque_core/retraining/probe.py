"""Energy and time per epoch from a short training probe, measured before retraining starts.

A probe trains a copy of the model for a few steps under an energy meter, in rounds, until the last
rounds agree (their relative spread under ``tolerance``), and reports the median with the spread.
It runs on one torch thread by default, as retraining does in the dashboard and in ``calibrate``:
on a busy machine two threads contend for the cores and a round's time varies several-fold.
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from resque_core.errors import EnergyError
from resque_core.retraining.meters import CodecarbonMeter, EnergyMeter
from resque_core.retraining.steps import ProbeTrainer, torch_threads
from resque_core.units import J_PER_KWH

__all__ = ["ProbeResult", "probe"]

logger = logging.getLogger(__name__)


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
            return f"modeled: {self.kwh_per_epoch:.3g} kWh and {self.seconds_per_epoch:.3g} s per epoch"
        low, high = self.kwh_per_epoch_low, self.kwh_per_epoch_high
        spread = f" ({low:.3g}-{high:.3g}, spread {self.spread:.0%})" if low is not None and high is not None else ""
        settled = "" if self.stable else "; did not settle within the repeats: treat it as rough"
        return (
            f"probe: {self.kwh_per_epoch:.3g} kWh per epoch{spread}, {self.seconds_per_epoch:.3g} s per epoch; "
            f"median of {self.repeats} rounds of {self.steps} steps (the first a warm-up){settled}"
        )


def probe(
    model: Any,
    train_set: Any,
    meter: EnergyMeter | None = None,
    steps: int = 20,
    *,
    max_repeats: int = 10,
    window: int = 3,
    tolerance: float = 0.1,
    min_round_s: float = 0.5,
    threads: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
    **kwargs: Any,
) -> ProbeResult:
    """Train a copy of ``model`` in rounds of ``steps`` steps under ``meter`` until stable; extrapolate to one epoch.

    Call it before retraining starts. Rounds repeat until the last ``window`` (not counting the first)
    agree within ``tolerance``
    (relative spread of kWh and of seconds per epoch), at most ``max_repeats``; the figures are the
    median of every round but the first (a warm-up), with their smallest and largest. The meter's own start/stop time is
    kept out: energy per epoch is each round's average power times the pure training time of an epoch.

    Args:
        model: the model to probe (left untouched).
        train_set: the new data, a dataset of ``(image, label)`` preprocessed for the model.
        meter: defaults to ``CodecarbonMeter()``.
        steps: training steps per round (batches repeat if an epoch has fewer); more when the first
            round took under ``min_round_s`` seconds, so that a round outlasts the scheduler's jitter.
        max_repeats, window, tolerance: when to stop repeating (see above).
        threads: torch CPU threads to train with (None: leave the process's setting).
        progress: called with (rounds done, ``max_repeats``) after each round.
        **kwargs: ``batch_size``, ``lr``, ``seed``, ``device``, as in ``RetrainConfig``.
    """
    if steps < 1:
        raise EnergyError(f"a probe needs at least one step, not {steps}")
    if max_repeats < 1 or not 1 <= window <= max_repeats:
        raise EnergyError(f"a probe needs 1 <= window ({window}) <= max_repeats ({max_repeats})")
    meter = meter if meter is not None else CodecarbonMeter()
    rounds: list[tuple[float, float]] = []  # (kWh per epoch, seconds per epoch)
    overhead_s, reading = 0.0, None
    with torch_threads(threads):
        trainer = ProbeTrainer(model, train_set, **kwargs)
        for done in range(1, max_repeats + 1):
            reading, train_s, overhead = trainer.round(steps, meter)
            overhead_s += overhead
            seconds_per_epoch = train_s / steps * trainer.steps_per_epoch
            watts = reading.energy_kwh * J_PER_KWH / reading.duration_s if reading.duration_s > 0 else 0.0
            rounds.append((watts * seconds_per_epoch / J_PER_KWH, seconds_per_epoch))
            if done == 1 and 0 < train_s < min_round_s:  # the warm-up round sets the round's length
                steps = math.ceil(steps * min_round_s / train_s)
            if progress is not None:
                progress(done, max_repeats)
            if len(rounds) > window and _settled(rounds[-window:], tolerance):  # the first is a warm-up
                break
    stable = len(rounds) > window and _settled(rounds[-window:], tolerance)
    kept = rounds[1:] if len(rounds) > 1 else rounds  # the first round still warms caches up
    kwh, seconds = ([r[i] for r in kept] for i in (0, 1))
    logger.info("probe: %d rounds of %d steps, stable=%s", len(rounds), steps, stable)
    return ProbeResult(
        kwh_per_epoch=statistics.median(kwh),
        seconds_per_epoch=statistics.median(seconds),
        steps=steps,
        source=reading.source,
        estimated=reading.estimated,
        note=f"{len(rounds)} rounds of {steps} steps, extrapolated to {trainer.steps_per_epoch} steps per epoch; "
        f"{reading.note}",
        overhead_s=overhead_s,
        kwh_per_epoch_low=min(kwh),
        kwh_per_epoch_high=max(kwh),
        seconds_per_epoch_low=min(seconds),
        seconds_per_epoch_high=max(seconds),
        repeats=len(rounds),
        stable=stable,
        threads=threads,
    )


def _settled(rounds: list[tuple[float, float]], tolerance: float) -> bool:
    """Both kWh and seconds per epoch of ``rounds`` lie within ``tolerance`` x their median of each other."""
    for values in zip(*rounds, strict=True):
        middle = statistics.median(values)
        if middle > 0 and (max(values) - min(values)) / middle > tolerance:
            return False
    return True
