"""Calibration: simulate shifts of a model's data, retrain on each within a budget, and record what it
cost. ``demo_sweep`` makes the shipped default; ``family_sweep`` one family of the calibration library
(``FAMILIES``); ``self_calibrate`` runs on a user's model, first planned to its time budget
(``plan_self_calibration``), reporting ``SweepEvent``s and ending with one ``outcome``;
``forecast_for_model`` is the one forecast for the user's model (for a family the records lack: the library's
runs carried to it, time and energy from its own probe only); ``unknown_model_advice`` sizes a
self-calibration on such a model.
See docs/forecast-calibration.md.
"""

from __future__ import annotations

from resque_core.calibration.campaigns import demo_sweep, family_sweep, records_frame, self_calibrate, summarize
from resque_core.calibration.config import SelfCalibration, SweepConfig
from resque_core.calibration.library import FAMILIES, FamilySpec, get_family
from resque_core.calibration.model_forecast import forecast_for_model
from resque_core.calibration.plan import BudgetTooSmall, CalibrationPlan, plan_self_calibration
from resque_core.calibration.progress import Outcome, SweepEvent, outcome
from resque_core.calibration.sweep import SweepResult, run_sweep
from resque_core.calibration.unknown_model import UnknownModelAdvice, unknown_model_advice

__all__ = [
    "FAMILIES",
    "BudgetTooSmall",
    "CalibrationPlan",
    "FamilySpec",
    "Outcome",
    "SelfCalibration",
    "SweepConfig",
    "SweepEvent",
    "SweepResult",
    "UnknownModelAdvice",
    "demo_sweep",
    "family_sweep",
    "forecast_for_model",
    "get_family",
    "outcome",
    "plan_self_calibration",
    "records_frame",
    "run_sweep",
    "self_calibrate",
    "summarize",
    "unknown_model_advice",
]
