"""One answer per question: the forecast for the user's own model, whatever family it is.

``make_forecast`` (``forecast.pipeline``) answers from the records it is given. When those are of another
model family (its ``family_note`` says so), two of its answers would not speak for the user's model:

- its epochs are another family's. When the records are the shipped ones (the user did not choose them),
  the better-supported answer is the calibration library's runs carried across families
  (``forecast.transfer``: the signal and cost unit that held best when each family was left out, with an
  interval made from those held-out families' errors); it becomes the headline, at the same target.
- its seconds and kWh per epoch are another family's. Time and energy then come from the user's model
  only: a probe of it on the user's data, or figures typed for it; until measured they are left out and
  the note says what is missing.

``forecast_for_model`` is the one call the Forecast page, the ``forecast`` command and the report's
scenarios use, so the headline figures and the note (``Forecast.family_note``) are one answer: the note
says where the headline comes from, with the headline's own numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from resque_core.calibration.library import library_curves, library_records, train_epochs_by_key
from resque_core.calibration.unknown_model import best_transfer
from resque_core.errors import EnergyError
from resque_core.forecast.costing import Costing, CostSettings, build_costing, flops_costing
from resque_core.forecast.family import (
    CARRIED,
    UNIT_LABELS,
    ModelFamily,
    UnitReference,
    family_note,
    family_of,
    records_family,
)
from resque_core.forecast.pipeline import Evidence, FitSettings, Records, make_forecast
from resque_core.forecast.result import Forecast, Interval
from resque_core.forecast.shipped import is_shipped
from resque_core.forecast.targets import at_target, unreached_among
from resque_core.forecast.transfer import TransferForecast, usable_runs
from resque_core.units import number_text, percent_text

__all__ = ["Carried", "carry", "forecast_for_model", "library_of_families"]

PRICED = ("seconds", "kwh")  # what a model's own time and energy per epoch price; CO2 and money follow them


@dataclass(frozen=True)
class Carried:
    """The library's runs carried to a model of a family it lacks, at a target.

    Attributes:
        transfer: epochs and their leave-one-family-out interval (``TransferForecast``).
        target: the target the carried runs answer (``Target``; each record's own rule without curves).
        target_note: why they answer another target than asked, or None.
        unreached: how many of the library's runs most like the user's never reached the target.
        extrapolated: the signal lies outside the library runs' range of it.
    """

    transfer: TransferForecast
    target: Any
    target_note: str | None
    unreached: Any
    extrapolated: bool


def forecast_for_model(
    evidence: Evidence,
    records: Records,
    cost: CostSettings | None = None,
    *,
    probe: Any = None,
    loaded: Any = None,
    settings: FitSettings | None = None,
    library: Records | None = None,
    train_epochs: Mapping[str, float] | None = None,
    costing: Costing | None = None,
) -> Forecast:
    """The priced forecast of ``evidence`` for the user's model (``loaded``, a ``LoadedModel``; None: no model).

    Records of the model's own family: ``make_forecast``'s answer. Records of another family: one answer
    for the model (see the module's docstring); ``library`` and ``train_epochs`` default to the shipped
    library's records, curves and original training epochs. ``costing``, when given, prices the forecast instead
    of ``cost`` and ``probe`` (a costing already made for this model: ``compare``'s, modeled from its FLOPs).

    Raises:
        RecordsError, EnergyError, ProviderError: as ``make_forecast``.
    """
    family = family_of(loaded) if loaded is not None else None
    if costing is None and cost is not None and cost.energy == "flops" and loaded is not None:
        costing, _ = flops_costing(cost, loaded)  # time and kWh per epoch from this model's FLOPs
    forecast = make_forecast(evidence, records, cost, probe=probe, family=family, settings=settings, costing=costing)
    if not forecast.family_note or records_family(records.frame) is None:
        return forecast  # its own family's records, or records that name none (the note says so): theirs stand
    settings = settings or FitSettings(level=forecast.level)
    carried = None
    if _carries(records, evidence):
        carried = carry(loaded, evidence, settings, library or library_of_families(), train_epochs)
    base = _carried(forecast, carried, family) if carried is not None else _epochs_only(forecast)
    costing = costing if costing is not None else own_costing(cost, probe)
    priced = costing.apply(base) if costing is not None else base
    return replace(priced, family_note=_note(priced, carried, family, family_note(records.frame, family)))


def library_of_families() -> Records:
    """The calibration library's records of every calibrated family, with the curves that ship with them."""
    return Records(library_records(), CARRIED, library_curves())


def carry(
    loaded: Any,
    evidence: Evidence,
    settings: FitSettings,
    library: Records,
    train_epochs: Mapping[str, float] | None = None,
) -> Carried | None:
    """The library's runs carried to ``loaded``'s family at ``settings.target``, on the signal and in the cost
    unit that held best with each family left out (None: fewer than two families to leave out)."""
    targeted = at_target(library.frame, library.curves, settings.target)
    epochs = (getattr(loaded, "meta", None) or {}).get("epochs")
    reference = UnitReference(train_epochs=float(epochs) if epochs else None)
    values = {"index_value": evidence.index, "acc_drop": evidence.acc_drop}
    train = train_epochs if train_epochs is not None else train_epochs_by_key()
    transfer = best_transfer(targeted.frame, values, reference, settings.level, train)
    if transfer is None:
        return None
    runs = usable_runs(targeted.frame)
    value = values[transfer.signal]
    seen = runs[transfer.signal].dropna()
    everyone = targeted.frame[(targeted.frame["run_kind"] == "retrain") & (targeted.frame["index_kind"] == "dist")]
    unreached = unreached_among(everyone, [transfer.signal], np.array([[value]]), targeted.target)[0]
    outside = bool(len(seen)) and not (seen.min() <= value <= seen.max())
    return Carried(transfer, targeted.target, targeted.note, unreached, outside)


def own_costing(cost: CostSettings | None, probe: Any = None) -> Costing | None:
    """The ``Costing`` of ``cost`` from the user's own figures only: a probe of the model, or per-epoch figures
    typed for it. A basis that would borrow the records' seconds per epoch (a profile or typed watts without
    ``seconds_per_epoch``) prices nothing; the records' own kWh never price (None: no costing asked)."""
    if cost is None:
        return None
    try:
        return build_costing(cost, probe=probe, records=None)
    except EnergyError:  # a modeled energy with no seconds of this model to model it with
        bare = replace(cost, energy="records", profile=None, watts=None, kwh_per_epoch=None)
        return build_costing(bare, probe=probe, records=None)


def _carries(records: Records, evidence: Evidence) -> bool:
    """Whether the library's runs may stand in for ``records``: the shipped ones (a user's own choice of records
    stays theirs), for a labelled distribution shift (the library's runs carry the labelled index)."""
    return is_shipped(records.source) and evidence.kind == "dist" and evidence.labels == "given"


def _carried(forecast: Forecast, carried: Carried, family: ModelFamily) -> Forecast:
    """``forecast`` answering with the carried epochs only: its other figures were another family's."""
    t, bare = carried.transfer, _epochs_only(forecast)
    source = replace(
        bare.source,
        records=f"{CARRIED} ({len(t.families)} families, carried to {family.arch})",
        curves=f"carried in {UNIT_LABELS[t.unit]}, leave-one-family-out",
    )
    return replace(
        bare,
        measures={"epochs": Interval(t.point, t.low, t.high)},
        source=source,
        n_records=t.check.n_runs,
        extrapolated=carried.extrapolated,
        signals=None,  # the forecaster's choice of signal was for the records' family; the note names this one
        benchmark=(),  # the published benchmark scores the shipped calibration, not this carried forecast
        coverage=None,  # nor does the records' held-out check: the note says how the carrying held out
        target=carried.target.label,
        unreached=carried.unreached,
        target_note=carried.target_note,
    )


def _epochs_only(forecast: Forecast) -> Forecast:
    """``forecast`` without the figures that were another family's: time, energy, CO2, money, from scratch."""
    source = replace(forecast.source, energy="not measured", energy_basis="no probe of your model yet")
    return replace(
        forecast,
        measures={"epochs": forecast.measures["epochs"]},
        scratch={},
        scratch_capped_share=0.0,
        source=source,
    )


def _note(forecast: Forecast, carried: Carried | None, family: ModelFamily, records_note: str) -> str:
    """Where the headline's epochs come from, with its own numbers, and what is missing for the rest."""
    epochs = forecast.measures["epochs"]
    figures = (
        f"{number_text(epochs.point)} epochs, {percent_text(forecast.level)} interval "
        f"{number_text(epochs.low)}-{number_text(epochs.high)}"
    )
    if carried is None:
        first = f"{records_note} The epochs shown ({figures}, to {forecast.target}) are theirs."
    else:
        t, c = carried.transfer, carried.transfer.check
        basis = "the accuracy drop" if t.signal == "acc_drop" else "the index"
        first = (
            f"Your model, {family.describe()}, is of a family the calibration library lacks, so its epochs to "
            f"{forecast.target} ({figures}) are carried from {basis} on the library's runs of {len(t.families)} "
            f"other families ({', '.join(t.families)}) in {UNIT_LABELS[t.unit]}. Held out, a family left out was "
            f"forecast with MAE {number_text(c.mae_epochs)} epochs, {percent_text(c.coverage)} of its runs inside "
            "the interval; self-calibrate for figures that speak for your model alone."
        )
    return f"{first} {_pricing(forecast)}"


def _pricing(forecast: Forecast) -> str:
    """What the time and energy figures rest on, or what is missing for them."""
    missing = [m for m in PRICED if m not in forecast.measures]
    if not missing:
        source = forecast.source
        if source.energy_basis == "given":
            return "Time and energy per epoch are the figures you gave for your model."
        if source.energy == "modeled":
            basis = source.energy_basis.removeprefix("modeled: ")
            return f"Time and energy per epoch are modeled for your model: {basis}."
        return f"Time and energy per epoch are your model's own: {source.energy_basis}."
    words = {"seconds": ["time"], "kwh": ["kWh", "CO2"]}
    named = [w for m in missing for w in words[m]]
    if forecast.source.currency is not None and "money" not in forecast.measures:
        named.append("money")
    shown = f"{', '.join(named[:-1])} and {named[-1]} are" if len(named) > 1 else f"{named[0]} is"
    return (
        f"{shown[0].upper()}{shown[1:]} not shown: the records' figures per epoch are another model's, and yours "
        "are not measured yet. Measure a probe of your model on your data (forecast --probe, or Measure a probe "
        "on the Forecast page) for them."
    )
