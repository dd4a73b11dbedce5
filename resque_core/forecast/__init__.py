"""The forecast: calibration records (shipped ones in ``shipped``), the forecaster with calibrated intervals,
its measured fidelity, costing (kWh, CO2 and money from epochs), cost units carried across model families
(``transfer``), and the step the page, the CLI and validate all run (``pipeline``: ``choose_records``, then
``make_forecast``), to the team's target (``targets``: epochs until the new-data accuracy reaches T).
See docs/forecast.md.
"""

from __future__ import annotations

from resque_core.forecast.costing import DEFAULT_UTILIZATION, Costing, CostSettings, build_costing
from resque_core.forecast.curves import CURVE_COLUMNS
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
from resque_core.forecast.pipeline import Evidence, FitSettings, Records, choose_records, make_forecast
from resque_core.forecast.records import (
    RECORD_COLUMNS,
    RecordStore,
    default_records,
    load_records_csv,
    validate_records,
)
from resque_core.forecast.result import MEASURES, FitReport, Forecast, Interval
from resque_core.forecast.targets import DEFAULT_TARGET, Target, Unreached, at_target, target_of
from resque_core.forecast.transfer import leave_one_family_out, transfer_forecast

__all__ = [
    "COST_UNITS",
    "CURVE_COLUMNS",
    "DEFAULT_TARGET",
    "DEFAULT_UTILIZATION",
    "MEASURES",
    "RECORD_COLUMNS",
    "CostSettings",
    "Evidence",
    "FitSettings",
    "Costing",
    "FitReport",
    "Forecast",
    "Forecaster",
    "Interval",
    "ModelFamily",
    "RecordStore",
    "Records",
    "Target",
    "UnitReference",
    "Unreached",
    "at_target",
    "build_costing",
    "choose_records",
    "default_records",
    "family_note",
    "family_of",
    "from_unit",
    "leave_one_family_out",
    "load_records_csv",
    "make_forecast",
    "target_of",
    "to_unit",
    "transfer_forecast",
    "validate_records",
]
