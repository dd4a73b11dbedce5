"""RESQUE: estimate the cost of retraining a model on shifted data, from its representations.

The public API is re-exported here and imported lazily on first use, so ``import resque_core``
stays cheap (no torch, no pandas) until a function is actually needed::

    from resque_core import Evidence, IndexRequest, choose_records, compute_index, make_forecast

    report = compute_index(IndexRequest(shift="gaussian_noise:3"))
    forecast = make_forecast(Evidence.of(report), choose_records("default"))
"""

from __future__ import annotations

import importlib
from typing import Any

from resque_core.errors import ResqueError

__version__ = "0.1.0"

_LAZY = {
    # data sources and shifts
    "open_source": "resque_core.data",
    "ShiftSpec": "resque_core.data",
    "SHIFT_TYPES": "resque_core.data",
    "paper_split": "resque_core.data",
    "build_pair": "resque_core.data",
    "task_split": "resque_core.data",
    # checkpoints and the index
    "load_checkpoint": "resque_core.model",
    "save_checkpoint": "resque_core.model",
    "list_layers": "resque_core.model",
    "resque_dist": "resque_core.index",
    "resque_task": "resque_core.index",
    "IndexRequest": "resque_core.index",
    "IndexReport": "resque_core.index",
    "compute_index": "resque_core.index",
    # retraining, energy, calibration records and the forecaster
    "RetrainConfig": "resque_core.retraining",
    "retrain": "resque_core.retraining",
    "probe_model": "resque_core.retraining",
    "CodecarbonMeter": "resque_core.energy",
    "load_records_csv": "resque_core.forecast",
    "default_records": "resque_core.forecast",
    "RecordStore": "resque_core.forecast",
    "RECORD_COLUMNS": "resque_core.forecast",
    "Forecaster": "resque_core.forecast",
    "Evidence": "resque_core.forecast",
    "choose_records": "resque_core.forecast",
    "make_forecast": "resque_core.forecast",
    "FitSettings": "resque_core.forecast",
    "Target": "resque_core.forecast",
    "target_of": "resque_core.forecast",
    "Forecast": "resque_core.forecast",
    "Interval": "resque_core.forecast",
    "Costing": "resque_core.forecast",
    "CostSettings": "resque_core.forecast",
    "build_costing": "resque_core.forecast",
    "family_of": "resque_core.forecast",
    "family_note": "resque_core.forecast",
    "self_calibrate": "resque_core.calibration",
    "forecast_for_model": "resque_core.calibration",
    # which model to update, and time on hardware you don't have
    "compare_candidates": "resque_core.compare",
    "candidates_from": "resque_core.compare",
    "CompareSettings": "resque_core.compare",
    "model_epoch_cost": "resque_core.energy.cost_model",
    # live runs: the team's own training loop, tracked
    "track": "resque_core.live",
    "Prior": "resque_core.live",
    "RunStore": "resque_core.live",
    # grid intensity and scheduling
    "make_provider": "resque_core.grid",
    "plan": "resque_core.grid",
    # scenarios and reports
    "Scenario": "resque_core.reporting",
    "load_scenarios": "resque_core.reporting",
    "write_report": "resque_core.reporting",
}

__all__ = ["ResqueError", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'resque_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
