"""The forecast: calibration records, the forecaster with calibrated intervals, its measured fidelity,
costing (kWh, CO2 and money from epochs), and cost units carried across model families (``transfer``).
See docs/forecast.md.
"""

from __future__ import annotations

from resque_core.forecast.costing import DEFAULT_UTILIZATION, Costing, CostSettings, build_costing
from resque_core.forecast.family import (
    COST_UNITS,
    ModelFamily,
    UnitReference,
    family_note,
    family_of,
    from_unit,
    to_unit,
)
from resque_core.forecast.forecaster import Forecaster
from resque_core.forecast.records import (
    RECORD_COLUMNS,
    RecordStore,
    default_records,
    load_records_csv,
    validate_records,
)
from resque_core.forecast.result import MEASURES, FitReport, Forecast, Interval
from resque_core.forecast.transfer import leave_one_family_out, transfer_forecast

__all__ = [
    "COST_UNITS",
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
    "UnitReference",
    "build_costing",
    "default_records",
    "family_note",
    "family_of",
    "from_unit",
    "leave_one_family_out",
    "load_records_csv",
    "to_unit",
    "transfer_forecast",
    "validate_records",
]
