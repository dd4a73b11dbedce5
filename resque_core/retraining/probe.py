"""Energy and time per epoch from a short training probe, measured before retraining starts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from resque_core.errors import EnergyError
from resque_core.retraining.meters import CodecarbonMeter, EnergyMeter
from resque_core.retraining.steps import run_probe_steps
from resque_core.units import J_PER_KWH

__all__ = ["ProbeResult", "probe"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProbeResult:
    """Energy and time per epoch on some hardware, probed or modeled.

    Attributes:
        kwh_per_epoch: energy of one training epoch, in kWh.
        seconds_per_epoch: wall time of one training epoch, in seconds.
        steps: training steps the probe ran (0 when modeled).
        source: the meter's source ("codecarbon-estimate", ...) or "modeled".
        estimated: True unless a hardware power counter measured the energy.
        note: how the figures were obtained.
        overhead_s: time the meter itself took to start and stop, in seconds (not in the figures).
    """

    kwh_per_epoch: float
    seconds_per_epoch: float
    steps: int
    source: str
    estimated: bool
    note: str = ""
    overhead_s: float = 0.0


def probe(model: Any, train_set: Any, meter: EnergyMeter | None = None, steps: int = 20, **kwargs: Any) -> ProbeResult:
    """Run ``steps`` training steps on a copy of ``model`` under ``meter``; extrapolate to one epoch.

    Call it before retraining starts. The meter's own start/stop time is reported as ``overhead_s`` and
    kept out of the figures: energy per epoch is the meter's average power times the pure training time
    of an epoch (one warm-up step runs before the meter starts).

    Args:
        model: the model to probe (left untouched).
        train_set: the new data, a dataset of ``(image, label)`` preprocessed for the model.
        meter: defaults to ``CodecarbonMeter()``.
        steps: training steps to run (batches repeat if an epoch has fewer).
        **kwargs: ``batch_size``, ``lr``, ``seed``, ``device``, as in ``RetrainConfig``.
    """
    if steps < 1:
        raise EnergyError(f"a probe needs at least one step, not {steps}")
    meter = meter if meter is not None else CodecarbonMeter()
    reading, train_s, done, steps_per_epoch, overhead_s = run_probe_steps(model, train_set, steps, meter, **kwargs)
    seconds_per_epoch = train_s / done * steps_per_epoch
    watts = reading.energy_kwh * J_PER_KWH / reading.duration_s if reading.duration_s > 0 else 0.0
    logger.info("probe: %d steps in %.3f s (meter overhead %.3f s), %.2f W", done, train_s, overhead_s, watts)
    return ProbeResult(
        kwh_per_epoch=watts * seconds_per_epoch / J_PER_KWH,
        seconds_per_epoch=seconds_per_epoch,
        steps=done,
        source=reading.source,
        estimated=reading.estimated,
        note=f"{done} steps probed, extrapolated to {steps_per_epoch} steps per epoch; {reading.note}",
        overhead_s=overhead_s,
    )
