"""Retraining: the real retraining loop and its target rules, its results (curves), and the probe of a
model (its training steps measured by ``resque_core.energy``). See docs/forecast-calibration.md.
"""

from __future__ import annotations

from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.curve import Curve, run_curve
from resque_core.retraining.loop import retrain
from resque_core.retraining.probe_model import probe_model
from resque_core.retraining.results import EpochRecord, RetrainResult
from resque_core.retraining.targets import TARGET_RULES, EvalPoint

__all__ = [
    "TARGET_RULES",
    "Curve",
    "EpochRecord",
    "EvalPoint",
    "RetrainConfig",
    "RetrainResult",
    "probe_model",
    "retrain",
    "run_curve",
]
