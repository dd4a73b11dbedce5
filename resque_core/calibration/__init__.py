"""Calibration: simulate shifts of a model's data, retrain on each within a budget, and record what it
cost. ``demo_sweep`` makes the shipped default; ``self_calibrate`` runs on a user's model.
See docs/forecast-calibration.md.
"""

from __future__ import annotations

from resque_core.calibration.campaigns import demo_sweep, records_frame, self_calibrate, summarize
from resque_core.calibration.config import SweepConfig
from resque_core.calibration.sweep import SweepResult, run_sweep

__all__ = [
    "SweepConfig",
    "SweepResult",
    "demo_sweep",
    "records_frame",
    "run_sweep",
    "self_calibrate",
    "summarize",
]
