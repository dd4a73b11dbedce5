"""What a forecast says: intervals per measure, where the numbers come from, how well the fit holds.

Units: epochs in (fractional) epochs, grad_norm as the mean global L2 gradient norm, param_change as
||theta - theta_0|| / sqrt(n), seconds, kwh in kWh, co2_kg in kg CO2-eq, money in the price's currency;
``resque_core.units.MEASURE_UNITS`` is the table every page, report and CLI line labels them from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from resque_core.forecast.signals import SignalChoice

MEASURES: tuple[str, ...] = ("epochs", "grad_norm", "param_change", "seconds", "kwh", "co2_kg")


@dataclass(frozen=True)
class Interval:
    """A point forecast and its prediction interval, in the measure's units."""

    point: float
    low: float
    high: float

    def scaled(self, factor: float) -> Interval:
        return Interval(self.point * factor, self.low * factor, self.high * factor)

    def to_dict(self) -> dict[str, float]:
        return {"point": self.point, "low": self.low, "high": self.high}


@dataclass(frozen=True)
class Source:
    """Where a forecast's numbers come from.

    Attributes:
        records: "default", "user history", "self-calibration" or another label given to ``fit``.
        energy: "measured", "estimated" (codecarbon without power counters) or "modeled".
        energy_basis: what kWh per epoch rests on: "records", "probe", "profile ..." or "given".
        intensity: where the grid intensity comes from: "records" or the label given to ``Costing``.
        intensity_g_per_kwh: the intensity behind co2_kg, in g CO2-eq per kWh (None: unknown).
        curves: "pooled over all shift types" or "shift type NAME" (that type's runs only).
        currency: the ISO 4217 code money is in ("EUR"); None when the forecast is not priced.
        price: the price money was computed with, in words ("0.3 EUR/kWh, example price, not yours"); None: unpriced.
    """

    records: str
    energy: str
    energy_basis: str = "records"
    intensity: str = "records"
    intensity_g_per_kwh: float | None = None
    curves: str = "pooled over all shift types"
    currency: str | None = None
    price: str | None = None

    def to_dict(self) -> dict[str, str]:
        return {
            "records": self.records,
            "energy": self.energy,
            "energy_basis": self.energy_basis,
            "intensity": self.intensity,
            "intensity_g_per_kwh": self.intensity_g_per_kwh,
            "curves": self.curves,
            "currency": self.currency,
            "price": self.price,
        }


@dataclass(frozen=True)
class Coverage:
    """How often past runs of this kind fell inside their interval, held out from the fit (never invented).

    Attributes:
        share: the share of held-out runs inside their ``level`` interval, as computed (0.85).
        runs: how many runs were held out; covered: how many of them fell inside (None: only the share is published).
        level: the intervals' nominal coverage; basis: which check, in words.
    """

    share: float
    runs: int
    level: float
    basis: str
    covered: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"share": self.share, "runs": self.runs, "covered": self.covered, "level": self.level,
                "basis": self.basis}  # fmt: skip


@dataclass(frozen=True)
class Forecast:
    """What retraining at one index value will cost.

    Attributes:
        index: the RESQUE index value asked about; index_kind: "dist" or "task"; level: nominal coverage.
        measures: ``Interval`` per measure: epochs, grad_norm (mean L2 norm), param_change
            (||theta - theta_0|| / sqrt(n)), seconds, kwh, co2_kg, and money (price currency) when priced.
            A measure the records do not carry is absent.
        scratch: the same for training from scratch (empty when the records have no scratch runs).
        n_records: uncensored retraining runs behind the epochs curve.
        extrapolated: the index lies outside the fitted range of indices.
        scratch_capped_share: share of the from-scratch runs that hit their epoch cap before the
            target; those enter the scratch figures at the cap, so a share above 0 makes the scratch
            figures lower bounds.
        family_note: one sentence when the records come from another model family than the user's
            model (``forecast.family.family_note``), else None.
        benchmark: what the published benchmark says of forecasts from the shipped calibration, missed
            targets included (``forecast.published.benchmark_sentences``); empty for other records.
        signals: which signals the forecast used and their held-out error (``SignalChoice.sentence``);
            None for a forecast made without the forecaster's choice.
        target: the accuracy the epochs and costs run to, in words (``forecast.targets.Target.label``).
        unreached: how many of the runs most like this one never reached the target (``targets.Unreached``);
            the epochs and costs count a run that never reaches it at its cap (what it spends).
        target_note: one sentence when the records could not answer the target asked (no curves), else None.
        coverage: how often held-out past runs fell inside their interval (``forecast.coverage``); None: no check.
    """

    index: float
    index_kind: str
    level: float
    measures: Mapping[str, Interval]
    scratch: Mapping[str, Interval]
    source: Source
    n_records: int
    extrapolated: bool
    scratch_capped_share: float = 0.0
    family_note: str | None = None
    signals: SignalChoice | None = None
    benchmark: tuple[str, ...] = ()
    target: str = "each record's own target rule"
    unreached: Any = None
    target_note: str | None = None
    coverage: Coverage | None = None

    def scratch_note(self) -> str:
        """Why the from-scratch figures are lower bounds, or "" when every scratch run reached its target."""
        if self.scratch_capped_share <= 0:
            return ""
        return (
            f"lower bound: {self.scratch_capped_share:.0%} of the from-scratch runs hit their epoch cap "
            "before the target"
        )

    def to_dict(self) -> dict:
        """The CLI's JSON: every measure as ``{point, low, high}`` or null."""
        names = MEASURES + (("money",) if "money" in self.measures else ())
        out: dict = {"index": self.index, "kind": self.index_kind, "level": self.level}
        out.update({m: self.measures[m].to_dict() if m in self.measures else None for m in names})
        scratch = {m: self.scratch[m].to_dict() if m in self.scratch else None for m in names}
        out["scratch"] = scratch if self.scratch else None
        out["scratch_capped_share"] = self.scratch_capped_share
        out["family_note"] = self.family_note
        out["signals"] = self.signals.to_dict() if self.signals is not None else None
        out["benchmark"] = list(self.benchmark)
        out["target"] = self.target
        out["unreached"] = self.unreached.to_dict() if self.unreached is not None else None
        out["target_note"] = self.target_note
        out["coverage"] = self.coverage.to_dict() if self.coverage is not None else None
        out.update(source=self.source.to_dict(), n_records=self.n_records, extrapolated=self.extrapolated)
        return out


@dataclass(frozen=True)
class FitReport:
    """How well the forecaster fits its own records.

    Attributes:
        n_records: uncensored retraining runs; n_censored: runs that hit the cap; n_scratch: scratch runs.
        spearman_epochs: Spearman rank correlation of index and epochs over all retraining runs
            (censored runs at their lower bound).
        models: the curve family chosen per measure; loo_mae: its leave-one-out MAE (measure units).
        heldout_scheme: "leave-one-shift-type-out" (3+ types) or "leave-one-out".
        heldout_mae_epochs, heldout_coverage_epochs: held-out error and interval coverage for epochs;
            heldout_runs: the runs that check held out (0: no check).
        signal_mae_epochs: held-out epochs MAE of every candidate signal set the records carry
            ("index", "acc_drop", "index+acc_drop", ...; see ``forecast.signals``).
    """

    n_records: int
    n_censored: int
    n_scratch: int
    spearman_epochs: float
    models: Mapping[str, str]
    loo_mae: Mapping[str, float]
    heldout_scheme: str
    heldout_mae_epochs: float
    heldout_coverage_epochs: float
    level: float = field(default=0.8)
    signal_mae_epochs: Mapping[str, float] = field(default_factory=dict)
    heldout_runs: int = 0


@dataclass(frozen=True)
class CalibrationCurve:
    """One measure's fitted curve against the index, with its interval band and the records it was fitted on.

    Attributes:
        measure: the measure's name (its unit in ``resque_core.units``).
        index: the index values the curve is drawn at.
        point, low, high: the forecast and its interval at each of them.
        records_index, records_value: the calibration runs behind the curve.
        curves: which curves ("pooled over all shift types", "shift type gaussian_noise").
    """

    measure: str
    index: tuple[float, ...]
    point: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    records_index: tuple[float, ...]
    records_value: tuple[float, ...]
    curves: str
