"""A fitted forecaster's curve of one measure against the index, as the Forecast page draws it
(``Forecaster.curve``): pooled over every shift type or one type's own, with the runs behind it."""

from __future__ import annotations

from typing import Any

import numpy as np

from resque_core.errors import RecordsError
from resque_core.forecast.result import CalibrationCurve
from resque_core.forecast.run_facts import carrying

__all__ = ["curve_of", "curves_for"]


def curve_of(
    forecaster: Any, measure: str, shift_type: str | None, around: float | None, points: int
) -> CalibrationCurve:
    """``forecaster``'s curve for ``measure`` over its index range widened to include ``around``."""
    models, (low, high), label = curves_for(forecaster, shift_type)
    if measure not in models:
        raise RecordsError(f"the records carry no {measure}; forecastable: {', '.join(models)}")
    if around is not None:
        low, high = min(low, around), max(high, around)
    xs = np.linspace(low, high, points)
    point, lo, hi = models[measure].predict(xs)
    runs = carrying(forecaster.runs_, measure)
    if shift_type is not None and measure in forecaster.type_models_[shift_type]:
        runs = runs[runs["shift_type"] == shift_type]
    as_tuple = lambda values: tuple(float(v) for v in values)  # noqa: E731
    return CalibrationCurve(
        measure, as_tuple(xs), as_tuple(point), as_tuple(lo), as_tuple(hi),
        as_tuple(runs["index_value"]), as_tuple(runs[measure]), label,
    )  # fmt: skip


def curves_for(forecaster: Any, shift_type: str | None) -> tuple[dict, tuple[float, float], str]:
    """The curves, their index range and their label, pooled or of one shift type."""
    if shift_type is None:
        return forecaster.models_, forecaster.index_range_, "pooled over all shift types"
    if shift_type not in forecaster.type_models_:
        known = ", ".join(forecaster.type_models_) or "none"
        raise RecordsError(
            f"no curves for shift type {shift_type!r} (types with enough runs: {known}); "
            "leave the shift type out for the pooled forecast"
        )
    models = {**forecaster.models_, **forecaster.type_models_[shift_type]}
    return models, forecaster.type_ranges_[shift_type], f"shift type {shift_type}"
