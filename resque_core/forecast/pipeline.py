"""The forecast step, as the Forecast page, the ``forecast`` command and ``validate`` run it.

Two calls, so that they cannot disagree: ``choose_records`` picks the calibration records a request
names (the shipped ones for the model's family, the local store, a CSV), and ``make_forecast`` turns
what the user knows about the new data (an ``Evidence``: the index and the other signals, from an
``IndexReport`` or typed) into a priced ``Forecast``. Fits are kept (``fitted``): the shipped records
are fitted once per process, not on every forecast.

What a model of a family the library lacks can still expect (``calibration.unknown_model``) is not
part of this step: it times training steps, so it runs only when asked.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from resque_core.errors import RecordsError
from resque_core.forecast.costing import CostSettings, build_costing
from resque_core.forecast.family import ModelFamily
from resque_core.forecast.forecaster import Forecaster
from resque_core.forecast.result import Forecast
from resque_core.forecast.shipped import shipped_curves, shipped_records, shipped_source
from resque_core.forecast.targets import DEFAULT_TARGET, Target

__all__ = ["Evidence", "FitSettings", "Records", "choose_records", "fitted", "make_forecast"]

FITS_KEPT = 8
_FITS: OrderedDict[tuple, Forecaster] = OrderedDict()  # a bounded memo of fits; never an outside service


@dataclass(frozen=True, eq=False)
class Records:
    """Calibration records and the label a forecast names them by.

    Attributes:
        frame: the records (``forecast.records.RECORD_COLUMNS``).
        source: "default calibration", "library NAME", "local store", "user history", or the page's
            name of an upload or a self-calibration.
        curves: the runs' evaluation curves (``forecast.curves``; None or empty: none), which let a forecast
            answer the team's target (``forecast.targets``).
    """

    frame: pd.DataFrame
    source: str
    curves: pd.DataFrame | None = None

    @property
    def digest(self) -> str:
        """A content hash: two equal sets of records fit the same forecaster."""
        hashed = pd.util.hash_pandas_object(self.frame, index=False).to_numpy().tobytes()
        if self.curves is not None and not self.curves.empty:
            hashed += pd.util.hash_pandas_object(self.curves, index=False).to_numpy().tobytes()
        return hashlib.sha256(hashed + self.source.encode()).hexdigest()


@dataclass(frozen=True)
class FitSettings:
    """How the forecaster is fitted: interval coverage, interval method and curve family (``Forecaster``'s), and
    the target the epochs run to (``forecast.targets``; records without curves answer their own rule)."""

    level: float = 0.8
    method: str = "jackknife+"
    curve: str = "auto"
    target: Target = DEFAULT_TARGET


@dataclass(frozen=True)
class Evidence:
    """What the user knows about the new data, the forecast's inputs.

    Attributes:
        index: the RESQUE index (the label-free one with ``labels="predicted"``).
        kind: "dist" or "task".
        labels: "given" (labelled new data) or "predicted".
        acc_drop: the old model's clean accuracy minus its accuracy on the new data, a share (None: unknown).
        mean_conf: the old model's mean max-softmax probability on the new data (None: unknown).
        shift_type: a type whose own curves must be used (an error when the records have none).
        shift: the simulated shift ("gaussian_noise:3"): its type's own curves when the records have them.
    """

    index: float
    kind: str = "dist"
    labels: str = "given"
    acc_drop: float | None = None
    mean_conf: float | None = None
    shift_type: str | None = None
    shift: str | None = None

    @classmethod
    def of(cls, report: Any) -> Evidence:
        """The evidence of a computed index (an ``IndexReport``)."""
        return cls(
            index=report.value,
            kind=report.kind,
            labels=report.labels,
            acc_drop=report.acc_drop,
            mean_conf=report.mean_conf,
            shift=report.shift,
        )


def choose_records(spec: str = "default", family: ModelFamily | None = None, label: str | None = None) -> Records:
    """The records ``spec`` names.

    Args:
        spec: "default" (shipped: the library's records of ``family`` when it ships them, else the default
            calibration), "db" (the local store, ``$RESQUE_DB``) or the path of a records CSV.
        family: the user's model family (None: no model, the default calibration).
        label: how a CSV's records are named (default "user history").

    Raises:
        RecordsError: a missing or bad file.
    """
    from resque_core.forecast.curves import curves_path, read_curves_csv
    from resque_core.forecast.records import RecordStore, load_records_csv

    if spec == "default":
        source = shipped_source(family)
        return Records(shipped_records(source), source, shipped_curves(source))
    if spec == "db":
        store = RecordStore()
        frame = store.all()
        if frame.empty:
            raise RecordsError(
                f"no runs are recorded in {store.path.name} yet (the local store): Validate adds one per run and "
                "self-calibration one per case; the forecaster needs at least 8 uncensored retraining runs"
            )
        return Records(frame, "local store", store.curves())
    beside = curves_path(spec)
    return Records(
        load_records_csv(spec), label or "user history", read_curves_csv(beside) if beside.is_file() else None
    )


def fitted(records: Records, index_kind: str = "dist", settings: FitSettings | None = None) -> Forecaster:
    """A ``Forecaster`` fitted on ``records`` (the same records and settings are fitted once per process).

    Raises:
        RecordsError: records the forecaster cannot fit (too few, an unknown kind...).
    """
    settings = settings or FitSettings()
    key = (records.digest, index_kind, settings)
    if key not in _FITS:
        forecaster = Forecaster(level=settings.level, method=settings.method, model=settings.curve)
        _FITS[key] = forecaster.fit(
            records.frame, index_kind, source=records.source, curves=records.curves, target=settings.target
        )
        while len(_FITS) > FITS_KEPT:
            _FITS.popitem(last=False)
    _FITS.move_to_end(key)
    return _FITS[key]


def make_forecast(
    evidence: Evidence,
    records: Records,
    cost: CostSettings | None = None,
    *,
    probe: Any = None,
    family: ModelFamily | None = None,
    settings: FitSettings | None = None,
    costing: Any = None,
) -> Forecast:
    """The priced forecast of ``evidence`` from ``records``.

    Args:
        cost: how to price it (None: not priced, the records' own kWh and CO2 curves).
        costing: a ``Costing`` already built, used instead of ``cost`` (``compare``'s, modeled from FLOPs).
        probe: the probe's result, for ``cost.energy == "probe"``.
        family: the user's model family: the forecast says when the records are of another.
        settings: how the forecaster is fitted.

    Raises:
        RecordsError, EnergyError, ProviderError: bad records, a bad costing, an unknown zone.
    """
    forecaster = fitted(records, evidence.kind, settings)
    if costing is None and cost is not None:
        costing = build_costing(cost, probe=probe, records=records.frame)
    shift_type = evidence.shift_type
    if shift_type is None and evidence.labels == "given":
        shift_type = forecaster.shift_type_for(evidence.shift)
    return forecaster.predict(
        evidence.index,
        costing=costing,
        shift_type=shift_type,
        family=family,
        labels=evidence.labels,
        acc_drop=evidence.acc_drop,
        mean_conf=evidence.mean_conf,
    )
