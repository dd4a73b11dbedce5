"""The forecaster: from a RESQUE index (and the other evidence the user has) to retraining cost, each
measure with a calibrated interval.

For every measure the records carry, a monotone curve of the measure against the index is
fitted on the uncensored retraining runs (the curve family, linear, log-linear, isotonic or
constant, is picked per measure by leave-one-out error), with jackknife+ intervals (see
``resque_core.forecast.conformal``). Runs that hit the epoch cap only bound the cost from below: they
are kept out of the curves and counted in the held-out coverage (see ``resque_core.forecast.fidelity``).

The same is done for every candidate signal set of ``forecast.signals`` the records carry (the accuracy
drop, the label-free index, the old model's confidence; two signals make an additive curve), each scored
leaving one shift type out. ``predict`` forecasts from the set with the smallest held-out error among
those the user gives, so on the records it is never worse than the best single signal the user has.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from resque_core.errors import RecordsError
from resque_core.forecast.conformal import METHODS, MODEL_KINDS, JackknifePlus, min_records, select_model
from resque_core.forecast.coverage import coverage_of
from resque_core.forecast.curve_view import curve_of, curves_for
from resque_core.forecast.family import ModelFamily, family_note
from resque_core.forecast.fidelity import HeldOut, heldout_groups, leave_group_out
from resque_core.forecast.fit_report import fit_report
from resque_core.forecast.published import benchmark_sentences
from resque_core.forecast.records import INDEX_KINDS, validate_records
from resque_core.forecast.result import MEASURES, CalibrationCurve, Forecast, Interval, Source
from resque_core.forecast.run_facts import as_index, carrying, energy_label, median_intensity
from resque_core.forecast.scratch import fit_scratch
from resque_core.forecast.signal_sets import choose, evidence, fit_sets, outside_ranges
from resque_core.forecast.signals import SIGNALS
from resque_core.forecast.targets import DEFAULT_TARGET, RECORDS_RULE, Target, frame_at_target, unreached_among

log = logging.getLogger(__name__)

__all__ = ["Forecaster"]

MIN_RECORDS = 8


class Forecaster:
    """Fit retraining cost against a RESQUE index; predict every measure with an interval.

    Args:
        level: nominal coverage of the prediction intervals (default 80%).
        method: "jackknife+" (leave-one-out, for 10-50 records), "cv+" (10-fold, for more) or
            "group-cv+" (one fold per shift type, else per shift, else per run: intervals for a
            shift type the records lack).
        model: "auto" (pick per measure by leave-one-out error) or one of linear, loglinear,
            isotonic, constant.
    """

    def __init__(self, level: float = 0.8, method: str = "jackknife+", model: str = "auto") -> None:
        self.level, self.method, self.model = level, method, model  # settings only, checked by fit

    def _kinds(self) -> tuple[str, ...]:
        if not 0.5 <= self.level < 1.0:
            raise RecordsError(f"interval level {self.level} is out of range; use a value in [0.5, 1), e.g. 0.8")
        if self.method not in METHODS:
            raise RecordsError(f"unknown interval method {self.method!r}; use one of {', '.join(METHODS)}")
        if self.model == "auto":
            return MODEL_KINDS
        if self.model not in MODEL_KINDS:
            raise RecordsError(f"unknown model {self.model!r}; use auto or one of {', '.join(MODEL_KINDS)}")
        return (self.model,)

    def fit(
        self,
        records: pd.DataFrame,
        index_kind: str = "dist",
        *,
        source: str = "user history",
        curves: pd.DataFrame | None = None,
        target: Target | None = None,
    ) -> Forecaster:
        """Validate the records and fit one curve per measure they carry.

        ``curves`` (the runs' evaluation curves, ``forecast.curves``) let the forecast answer ``target`` (default:
        ``DEFAULT_TARGET``, within 2 points of the old model's clean accuracy; ``forecast.targets``): every run's
        epochs and costs are read off its curve at that accuracy first. Without curves the records answer their
        own target rule, and ``target_note_`` says so.

        Raises:
            RecordsError: bad records, an unknown index kind, or fewer than 8 usable runs.
        """
        kinds = self._kinds()
        if index_kind not in INDEX_KINDS:
            raise RecordsError(f"unknown index kind {index_kind!r}; use one of {', '.join(INDEX_KINDS)}")
        needed = max(MIN_RECORDS, min_records(self.level))
        asked = target if target is not None else (DEFAULT_TARGET if curves is not None else RECORDS_RULE)
        frame, targeted = frame_at_target(validate_records(records), curves, asked, index_kind, needed)
        self.target_, self.target_note_ = targeted.target, targeted.note
        runs = frame[(frame["index_kind"] == index_kind) & (frame["run_kind"] == "retrain")].reset_index(drop=True)
        usable = runs[runs["censored"] == 0]
        if len(usable) < needed:
            raise RecordsError(
                f"the forecaster needs at least {needed} uncensored retraining runs with a {index_kind} index; "
                f"got {len(usable)} ({int(runs['censored'].sum())} censored, {len(frame) - len(runs)} of another "
                "kind or from scratch); add records, or use the default calibration"
            )
        self.models_ = self._fit_measures(usable, kinds, minimum=needed)
        index_heldout = self._heldout(runs, ["index_value"], kinds)
        self.sets_ = fit_sets(
            runs,
            index_kind,
            needed,
            lambda rows, columns: self._fit_measures(rows, kinds, needed, level=logging.DEBUG, columns=columns),
            lambda rows, columns: self._heldout(rows, columns, kinds),
            (index_heldout, self.models_),
        )
        self.type_models_, self.type_ranges_ = self._fit_types(usable, kinds, minimum=needed)
        scratch = (frame, index_kind, self.level, self.method, kinds, MIN_RECORDS)
        self.scratch_models_, self.scratch_capped_share_ = fit_scratch(*scratch)
        self.scratch_free_models_, _ = fit_scratch(*scratch, column="index_free")
        self.index_kind_, self.source_ = index_kind, source
        self._keep(frame, runs, usable, index_heldout)
        return self

    def _keep(self, frame: pd.DataFrame, runs: pd.DataFrame, usable: pd.DataFrame, index_heldout) -> None:
        """What predict and the fit report read of the runs fitted."""
        self.index_range_ = (float(usable["index_value"].min()), float(usable["index_value"].max()))
        self.energy_label_ = energy_label(usable["energy_source"])
        self.intensity_g_per_kwh_ = median_intensity(usable)
        self.n_records_ = len(usable)
        self.runs_, self.all_runs_ = usable, runs
        n_scratch = int(((frame["run_kind"] == "scratch") & (frame["index_kind"] == self.index_kind_)).sum())
        report = (runs, index_heldout, self.models_, self.sets_, self.level)
        self.fit_report_ = fit_report(*report, n_records=len(usable), n_scratch=n_scratch)

    def _fit_measures(
        self,
        rows: pd.DataFrame,
        kinds: Sequence[str],
        minimum: int,
        level: int = logging.WARNING,
        columns: Sequence[str] = ("index_value",),
    ) -> dict[str, JackknifePlus]:
        models = {}
        for measure in MEASURES:
            have = carrying(rows, measure)
            if len(have) >= minimum:
                x, y, groups = have[list(columns)].to_numpy(), have[measure], heldout_groups(have)[0]
                models[measure] = select_model(x, y, self.level, self.method, kinds, groups)
            elif len(have):
                log.log(level, "only %d runs carry %s: not forecast (need %d)", len(have), measure, minimum)
        return models

    def _fit_types(self, rows: pd.DataFrame, kinds: Sequence[str], minimum: int) -> tuple[dict, dict]:
        """Curves of each shift type with enough runs, for when the caller knows the type."""
        models, ranges = {}, {}
        for shift_type, part in rows.groupby("shift_type", sort=True):
            if len(part) >= minimum and part["index_value"].nunique() > 1:
                models[shift_type] = self._fit_measures(part, kinds, minimum, level=logging.DEBUG)
                ranges[shift_type] = (float(part["index_value"].min()), float(part["index_value"].max()))
        return models, ranges

    def _heldout(self, rows: pd.DataFrame, columns: list[str], kinds: Sequence[str]) -> HeldOut | None:
        """Epochs forecast for each run by curves fitted without its shift type (None: a fold too small to refit)."""
        groups, scheme = heldout_groups(rows)
        x, y, censored = rows[columns].to_numpy(), rows["epochs"].to_numpy(), rows["censored"].to_numpy()
        try:
            fit = lambda a, b, g: select_model(a, b, self.level, self.method, kinds, g)  # noqa: E731
            return leave_group_out(x, y, censored, groups, fit, scheme)
        except RecordsError as exc:  # a fold too small to refit: report no held-out figures, still fit
            log.warning("no held-out check of %s: %s", "+".join(columns), exc)
            return None

    def shift_type_for(self, shift: str | None) -> str | None:
        """The type of ``shift`` ("gaussian_noise:3") when the records carry that type's own curves, else None.

        Pass it to ``predict(shift_type=...)``: a known type's own curve forecasts a new level of it
        better than the curve pooled over every type (bench/RESULTS.md).
        """
        self._check_fitted()
        kind = (shift or "").split(":", 1)[0]
        return kind if kind in self.type_models_ else None

    def predict_measure(self, measure: str, index: float | Sequence[float]) -> tuple[np.ndarray, ...]:
        """Point, low and high arrays of one measure at each index value."""
        self._check_fitted()
        if measure not in self.models_:
            raise RecordsError(f"the records carry no {measure}; forecastable: {', '.join(self.models_)}")
        return self.models_[measure].predict(as_index(index))

    def predict(
        self,
        index: float | Sequence[float],
        costing=None,
        shift_type: str | None = None,
        family: ModelFamily | None = None,
        *,
        labels: str = "given",
        acc_drop: float | Sequence[float] | None = None,
        mean_conf: float | Sequence[float] | None = None,
    ) -> Forecast | list[Forecast]:
        """Forecast every measure at ``index`` (a list of forecasts for an array of indices).

        Args:
            index: the RESQUE index; with ``labels="predicted"``, the label-free one.
            costing: an optional ``resque_core.forecast.costing.Costing`` for kWh per epoch, intensity and price.
            shift_type: when the kind of shift is known (a simulated shift), use that type's own index
                curves (measures it lacks come from the pooled ones); None pools every type.
            family: the user's model family (``forecast.family.family_of``); when the records are of
                another, ``Forecast.family_note`` says so. None: no model to compare, no note.
            labels: "given" (the new data is labelled) or "predicted" (it is not: label-free signals only).
            acc_drop: the old model's clean accuracy minus its accuracy on the new data, in [−1, 1] (labels given).
            mean_conf: the old model's mean max-softmax probability on the new data, in [0, 1].

        The forecast rests on the signal set with the smallest held-out error among those given;
        ``Forecast.signals`` says which, and how well it did.
        """
        self._check_fitted()
        values = as_index(index)
        given = evidence(values, labels, acc_drop, mean_conf)
        choice, fit = choose(self.sets_, self.index_kind_, labels, set(given), shift_type)
        models, ranges = fit.models, fit.ranges
        if shift_type is not None:
            models, index_range, _ = self._curves(shift_type)
            ranges = {"index_value": index_range}
        x = np.column_stack([given[s] for s in choice.signals])
        outside = outside_ranges(x, choice.signals, ranges)
        fitted = {m: model.predict(x) for m, model in models.items()}
        scratch_models = self.scratch_free_models_ if labels == "predicted" else self.scratch_models_
        scratch = {m: model.predict(values) for m, model in scratch_models.items()}
        n_runs = fit.n_runs if shift_type is None else self.n_records_
        columns = [SIGNALS[s].column for s in choice.signals]
        unreached = unreached_among(self.all_runs_, columns, x, self.target_)
        forecasts = self._forecasts(values, fitted, scratch, choice, n_runs, outside, unreached)
        forecasts = [costing.apply(f) for f in forecasts] if costing is not None else forecasts
        if family is not None:
            forecasts = [
                replace(f, family_note=family_note(self.runs_, family, f.source.energy_basis)) for f in forecasts
            ]
        return forecasts[0] if np.ndim(index) == 0 else forecasts

    def _forecasts(
        self, values, fitted: dict, scratch: dict, choice, n_runs: int, outside, unreached
    ) -> list[Forecast]:
        """One ``Forecast`` per index value from the curves' and the scratch curves' predicted arrays."""
        source = Source(
            self.source_, self.energy_label_, intensity_g_per_kwh=self.intensity_g_per_kwh_, curves=choice.curves
        )
        at = lambda arrays, i: Interval(*(float(a[i]) for a in arrays))  # noqa: E731
        return [
            Forecast(
                index=float(v),
                index_kind=self.index_kind_,
                level=self.level,
                measures={m: at(arrays, i) for m, arrays in fitted.items()},
                scratch={m: at(arrays, i) for m, arrays in scratch.items()},
                source=source,
                n_records=n_runs,
                extrapolated=bool(outside[i]),
                scratch_capped_share=self.scratch_capped_share_,
                signals=choice,
                benchmark=benchmark_sentences(source=self.source_, signals=choice, target=self.target_),
                target=self.target_.label,
                unreached=unreached[i],
                target_note=self.target_note_,
                coverage=coverage_of(self.fit_report_, self.source_, choice, self.target_),
            )
            for i, v in enumerate(values)
        ]

    def index_range(self, labels: str = "given") -> tuple[float, float]:
        """The fitted range of the labelled index, or of the label-free one (``labels="predicted"``)."""
        self._check_fitted()
        if labels == "given":
            return self.index_range_
        fit = self.sets_.get(("index_free",))
        if fit is None:
            raise RecordsError("these records carry no label-free index (index_free)")
        return fit.ranges["index_free"]

    def curve(
        self, measure: str = "epochs", shift_type: str | None = None, around: float | None = None, points: int = 60
    ) -> CalibrationCurve:
        """The curve ``predict`` uses for ``measure`` (pooled, or ``shift_type``'s own), over the calibrated
        index range widened to include ``around`` (the index being forecast), with the runs behind it."""
        self._check_fitted()
        return curve_of(self, measure, shift_type, around, points)

    def _curves(self, shift_type: str | None) -> tuple[dict, tuple[float, float], str]:
        """The curves, their index range and their label, pooled or of one shift type."""
        return curves_for(self, shift_type)

    def _check_fitted(self) -> None:
        if not hasattr(self, "models_"):
            raise RecordsError("this Forecaster is not fitted yet: call fit(records) before predict")
