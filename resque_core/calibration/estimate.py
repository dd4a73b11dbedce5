"""Estimate a self-calibration sweep's wall time from measured step times (``SweepEstimator``).

The estimate adds up what a sweep does (``DistCases`` and ``run_sweep``): read and preprocess the
original and new parts, embed them for the index, then per case shift the new part, embed it, and
retrain (from scratch once per shift, fine-tuning once per seed), each run evaluated on the
validation slice about four times per epoch. Fine-tuning runs are counted up to their cap, so the
estimate is an upper bound when the target is met early.
"""

from __future__ import annotations

import math

from resque_core.calibration.config import SelfCalibration
from resque_core.calibration.step_times import StepTimes

__all__ = ["SweepEstimator"]

# codecarbon's cost per metered epoch (a start and a stop) and its first start (a throw-away tracker that
# detects the hardware), in seconds, measured on the 2-core calibration machine.
METER_EPOCH_S, METER_START_S = 0.15, 3.0
NEW_SHARE, ORIGINAL_SHARE = 0.5, 0.7  # the paper split's new part (parts 2+3) and original part (1+3)


class SweepEstimator:
    """Estimated wall time of the sweep some settings ask for, from measured step times."""

    def __init__(self, times: StepTimes, n_images: int, settings: SelfCalibration, has_accuracy: bool):
        self.times, self.n_images, self.has_accuracy = times, n_images, has_accuracy
        self.max_cases = settings.max_cases
        self.meter_epoch_s = METER_EPOCH_S if settings.measure_energy else 0.0
        self.meter_start_s = METER_START_S if settings.measure_energy else 0.0

    def runs(self, s: SelfCalibration) -> tuple[int, int]:
        """(retraining runs, from-scratch runs): the first jobs of the seed-major order, within any count budget."""
        jobs = len(s.shifts) * s.seeds if s.max_cases is None else min(len(s.shifts) * s.seeds, s.max_cases)
        return jobs, min(len(s.shifts), jobs)

    def __call__(self, s: SelfCalibration) -> float:
        t, n = self.times, self.n_images * s.data_fraction
        n_new, n_orig = NEW_SHARE * n, ORIGINAL_SHARE * n
        n_val = max(1.0, 0.25 * n_new)
        steps = max(1, math.ceil((n_new - n_val) / 32))
        every = max(1, steps // 4)
        evals = steps // every + (steps % every > 0)
        epoch_s = steps * t.train_step_s + evals * n_val * t.forward_s_per_sample + self.meter_epoch_s
        passes = 2 + (not self.has_accuracy)  # embed original, embed new (noise floor), base accuracy
        setup_s = (n_orig + n_new) * t.read_s_per_sample + passes * n_orig * t.forward_s_per_sample
        case_s = n_new * (t.read_s_per_sample + t.forward_s_per_sample) + 2 * n_val * t.forward_s_per_sample
        cases, scratch = self.runs(s)
        return (
            setup_s
            + self.meter_start_s
            + cases * (case_s + s.max_epochs * epoch_s)
            + scratch * (n_val * t.forward_s_per_sample + s.scratch_epochs * epoch_s)
        )
