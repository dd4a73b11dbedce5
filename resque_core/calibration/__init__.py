"""Calibration: simulate shifts of a model's data, retrain on each within a budget, and record what it
cost. ``demo_sweep`` makes the shipped default; ``self_calibrate`` runs on a user's model, first planned
to its time budget (``plan_self_calibration``), reporting ``SweepEvent``s and ending with one ``outcome``.
See docs/forecast-calibration.md.
"""

from __future__ import annotations

from resque_core.calibration.campaigns import demo_sweep, records_frame, self_calibrate, summarize
from resque_core.calibration.config import SelfCalibration, SweepConfig
from resque_core.calibration.plan import BudgetTooSmall, CalibrationPlan, plan_self_calibration
from resque_core.calibration.progress import Outcome, SweepEvent, outcome
from resque_core.calibration.sweep import SweepResult, run_sweep

__all__ = [
    "BudgetTooSmall",
    "CalibrationPlan",
    "Outcome",
    "SelfCalibration",
    "SweepConfig",
    "SweepEvent",
    "SweepResult",
    "demo_sweep",
    "outcome",
    "plan_self_calibration",
    "records_frame",
    "run_sweep",
    "self_calibrate",
    "summarize",
]
