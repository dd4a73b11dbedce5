"""Time a few steps of the user's model on its data, on this machine: what a self-calibration plan rests on.

A small stratified sample (``PROBE_SAMPLES`` images, shifted as the first planned shift) is read and
preprocessed, passed forward once and trained on for a few steps, all on the CPU.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from resque_core.calibration.cases import stratified_split
from resque_core.calibration.config import SelfCalibration
from resque_core.retraining.steps import evaluate, materialize, train_step

__all__ = ["StepTimes", "measure_step_times"]

PROBE_SAMPLES = 64


@dataclass(frozen=True)
class StepTimes:
    """What one sample costs on this machine, in seconds: a training step (a batch), a forward pass, reading."""

    train_step_s: float
    forward_s_per_sample: float
    read_s_per_sample: float


def measure_step_times(loaded: Any, data: Any, settings: SelfCalibration) -> StepTimes:
    """Time reading, a forward pass and training steps of the model on a small stratified sample of ``data``."""
    from resque_core.data import Preprocessed, Shifted, ShiftSpec, Subset

    fraction = min(1.0, PROBE_SAMPLES / max(len(data), 1))
    sample = Subset(data, stratified_split(np.asarray(data.targets), fraction, 0)[1]) if fraction < 1 else data
    shift = ShiftSpec.parse(settings.shifts[0]) if settings.shifts else None
    view = Shifted(sample, shift, 0) if shift is not None else sample
    t0 = time.perf_counter()
    x, y = materialize(Preprocessed(view, loaded.input_spec))
    read_s = (time.perf_counter() - t0) / len(y)
    device = torch.device("cpu")
    t0 = time.perf_counter()
    evaluate(loaded.model, x, y, device)
    forward_s = (time.perf_counter() - t0) / len(y)
    return StepTimes(_train_step_s(loaded.model, x, y, batch_size=32), forward_s, read_s)


def _train_step_s(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int, steps: int = 3) -> float:
    """Seconds of one training step on a copy of ``model``: the median of ``steps`` after a warm-up step
    (a shared machine's passing spike then does not set the plan)."""
    import copy
    import statistics

    net = copy.deepcopy(model).train()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    xb, yb = x[:batch_size], y[:batch_size]
    if len(yb) < batch_size:  # a tiny sample: repeat it to a full batch
        reps = math.ceil(batch_size / len(yb))
        xb, yb = xb.repeat(reps, *[1] * (xb.dim() - 1))[:batch_size], yb.repeat(reps)[:batch_size]
    train_step(net, optimizer, xb, yb, torch.device("cpu"))
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        train_step(net, optimizer, xb, yb, torch.device("cpu"))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
