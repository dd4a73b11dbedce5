"""Facts read off calibration runs for the forecaster: which runs carry a measure, the index values it
is asked for, the weakest energy provenance among them and their median grid intensity."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from resque_core.energy.provenance import PROVENANCE_OF_METER_SOURCE
from resque_core.errors import RecordsError

__all__ = ["as_index", "carrying", "energy_label", "median_intensity"]

PER_STEP_MEASURES = frozenset({"grad_norm"})  # undefined for a run that met its target without training


def carrying(rows: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Runs that carry ``measure``; a mean over training steps needs at least one step (epochs > 0)."""
    have = rows[rows[measure].notna()]
    return have[have["epochs"] > 0] if measure in PER_STEP_MEASURES else have


def as_index(index: float | Sequence[float]) -> np.ndarray:
    """The index values as a 1-D float array.

    Raises:
        RecordsError: not numbers, or not finite.
    """
    try:
        values = np.atleast_1d(np.asarray(index, dtype=float))
    except (TypeError, ValueError) as exc:
        raise RecordsError(f"the index must be a number or a list of numbers, got {index!r}") from exc
    if values.ndim != 1 or not np.isfinite(values).all():
        raise RecordsError(f"the index must be finite numbers, got {index!r}")
    return values


def energy_label(sources: pd.Series) -> str:
    """The weakest energy provenance among the records: one modeled run makes the whole modeled."""
    labels = {PROVENANCE_OF_METER_SOURCE.get(s, "unknown") for s in sources.dropna()}
    for label in ("unknown", "modeled", "estimated", "measured"):
        if label in labels:
            return label
    return "unknown"


def median_intensity(rows: pd.DataFrame) -> float | None:
    """The records' median grid intensity (g/kWh), from the column or from co2_kg / kwh."""
    values = rows["intensity_g_per_kwh"].dropna()
    if values.empty:
        values = (1000.0 * rows["co2_kg"] / rows["kwh"]).where(rows["kwh"] > 0).dropna()
    return float(values.median()) if not values.empty else None
