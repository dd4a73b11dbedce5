"""Where a forecast's kWh per epoch comes from: the ``Costing`` fields of each energy basis of ``CostSettings``
(given, a probe, a hardware profile or typed watts at a seconds per epoch, or the model's FLOPs on a profile)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from resque_core.errors import EnergyError
from resque_core.units import duration_text

if TYPE_CHECKING:
    from resque_core.energy.probe import ProbeResult

__all__ = ["energy_fields"]


def energy_fields(settings: Any, probe: ProbeResult | None, records: Any, epoch_cost: Any = None) -> dict[str, Any]:
    """The ``Costing`` fields of ``settings``' energy basis (a ``CostSettings``): kWh per epoch, its provenance
    and basis in words, and the seconds per epoch."""
    seconds = settings.seconds_per_epoch
    if settings.energy == "flops":
        if epoch_cost is None:
            raise EnergyError(
                "the flops energy basis needs the model's epoch cost (energy.cost_model.model_epoch_cost)"
            )
        return {
            "kwh_per_epoch": epoch_cost.kwh_per_epoch,
            "kwh_per_epoch_source": "modeled",
            "kwh_per_epoch_basis": epoch_cost.note,
            "seconds_per_epoch": seconds if seconds is not None else epoch_cost.seconds_per_epoch,
        }
    if settings.energy == "kwh-per-epoch":
        return {
            "kwh_per_epoch": settings.kwh_per_epoch,
            "kwh_per_epoch_source": "measured",
            "seconds_per_epoch": seconds,
        }
    if settings.energy == "probe":
        if probe is None:
            raise EnergyError("the probe energy basis needs a probe: run it first")
        return {
            "kwh_per_epoch": probe.kwh_per_epoch,
            "kwh_per_epoch_source": "estimated" if probe.estimated else "measured",
            "kwh_per_epoch_basis": _probe_basis(probe),
            "seconds_per_epoch": seconds if seconds is not None else probe.seconds_per_epoch,
        }
    if settings.energy in ("profile", "watts"):
        return _modeled(settings, records)
    return {"seconds_per_epoch": seconds}


def _probe_basis(probe: ProbeResult) -> str:
    """ "probe (20 steps)", or "probe (median of 4 rounds of 20 steps)" for a repeated one."""
    if probe.repeats > 1:
        return f"probe (median of {probe.repeats} rounds of {probe.steps} steps)"
    return f"probe ({probe.steps} steps)"


def _modeled(settings: Any, records: Any) -> dict[str, Any]:
    """kWh per epoch = power x utilization x seconds per epoch, labeled modeled."""
    from resque_core.energy.hardware import modeled_kwh_per_epoch

    seconds, borrowed = settings.seconds_per_epoch, ""
    if seconds is None:
        seconds = _records_seconds_per_epoch(records)
        borrowed = f" at the records' {duration_text(seconds, 3)}/epoch"
    name, profiles = settings.profile, None
    if settings.energy == "watts":
        typed = {"label": "typed power", "power_w": settings.watts, "source": "typed by the user"}
        name, profiles = "typed", {"typed": typed}
    modeled = modeled_kwh_per_epoch(name, seconds, settings.utilization, profiles)
    return {
        "kwh_per_epoch": modeled.kwh_per_epoch,
        "kwh_per_epoch_source": "modeled",
        "kwh_per_epoch_basis": modeled.note + borrowed,
        "seconds_per_epoch": settings.seconds_per_epoch,
    }


def _records_seconds_per_epoch(records: Any) -> float:
    if records is not None and {"seconds", "epochs"} <= set(records.columns):
        per_epoch = (records["seconds"] / records["epochs"]).where(records["epochs"] > 0).dropna()
        if not per_epoch.empty:
            return float(per_epoch.median())
    raise EnergyError(
        "a modeled energy needs the seconds per epoch on that hardware (--seconds-per-epoch): "
        "the records carry no seconds to borrow"
    )
