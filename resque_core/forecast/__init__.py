"""The forecast: calibration records, the forecaster with calibrated intervals, its measured fidelity,
and costing (kWh, CO2 and money from epochs). See docs/forecast.md.
"""

from __future__ import annotations

from resque_core.forecast.costing import DEFAULT_UTILIZATION, Costing, CostSettings, build_costing
from resque_core.forecast.family import ModelFamily, family_note, family_of
from resque_core.forecast.forecaster import Forecaster
from resque_core.forecast.records import (
    RECORD_COLUMNS,
    RecordStore,
    default_records,
    load_records_csv,
    validate_records,
)
from resque_core.forecast.result import MEASURES, FitReport, Forecast, Interval

__all__ = [
    "DEFAULT_UTILIZATION",
    "MEASURES",
    "RECORD_COLUMNS",
    "CostSettings",
    "Costing",
    "FitReport",
    "Forecast",
    "Forecaster",
    "Interval",
    "ModelFamily",
    "RecordStore",
    "build_costing",
    "default_records",
    "family_note",
    "family_of",
    "load_records_csv",
    "validate_records",
]
