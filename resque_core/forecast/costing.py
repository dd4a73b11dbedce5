"""From forecast epochs to kWh, kg CO2 and money on the user's side, each with its provenance."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from resque_core.errors import EnergyError
from resque_core.forecast.result import Forecast, Interval

ENERGY_LABELS = ("measured", "estimated", "modeled")


@dataclass(frozen=True)
class Costing:
    """How to price a forecast. Every field left at None keeps what the records say.

    Attributes:
        kwh_per_epoch: energy of one epoch on the target hardware, in kWh (kWh = epochs x this).
        kwh_per_epoch_source: "measured", "estimated" (codecarbon without power counters) or "modeled".
        kwh_per_epoch_basis: where it comes from, in words: "given", "probe", "profile nvidia-a100"...
        seconds_per_epoch: wall time of one epoch on the target hardware, in seconds.
        intensity_g_per_kwh: grid carbon intensity, in g CO2-eq per kWh (CO2 = kWh x this / 1000).
        intensity_source: where the intensity comes from, in words.
        price_per_kwh: electricity price per kWh (money = kWh x this), in any currency.
        hourly_rate: machine price per hour (money = seconds / 3600 x this); not with price_per_kwh.
    """

    kwh_per_epoch: float | None = None
    kwh_per_epoch_source: str = "measured"
    kwh_per_epoch_basis: str = "given"
    seconds_per_epoch: float | None = None
    intensity_g_per_kwh: float | None = None
    intensity_source: str = "given"
    price_per_kwh: float | None = None
    hourly_rate: float | None = None

    def __post_init__(self) -> None:
        for name in ("kwh_per_epoch", "seconds_per_epoch", "intensity_g_per_kwh", "price_per_kwh", "hourly_rate"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise EnergyError(f"{name} must be a non-negative number, not {value!r}")
        if self.kwh_per_epoch_source not in ENERGY_LABELS:
            raise EnergyError(f"kwh_per_epoch_source must be one of {', '.join(ENERGY_LABELS)}")
        if self.price_per_kwh is not None and self.hourly_rate is not None:
            raise EnergyError("give either a price per kWh or an hourly rate, not both")

    def apply(self, forecast: Forecast) -> Forecast:
        """The forecast with kWh, seconds, CO2 and money recomputed from these settings."""
        source = forecast.source
        if self.kwh_per_epoch is not None:
            source = replace(source, energy=self.kwh_per_epoch_source, energy_basis=self.kwh_per_epoch_basis)
        if self.intensity_g_per_kwh is not None:
            label = f"{self.intensity_source} ({self.intensity_g_per_kwh:g} g/kWh)"
            source = replace(source, intensity=label, intensity_g_per_kwh=self.intensity_g_per_kwh)
        intensity = source.intensity_g_per_kwh
        measures, scratch = (self._price(m, intensity) for m in (forecast.measures, forecast.scratch))
        return replace(forecast, measures=measures, scratch=scratch, source=source)

    def _price(self, measures: dict[str, Interval], intensity_g_per_kwh: float | None) -> dict[str, Interval]:
        """Recompute what these settings change; CO2 follows kWh whenever either changed."""
        out = dict(measures)
        epochs = out.get("epochs")
        if epochs is not None and self.kwh_per_epoch is not None:
            out["kwh"] = epochs.scaled(self.kwh_per_epoch)
        if epochs is not None and self.seconds_per_epoch is not None:
            out["seconds"] = epochs.scaled(self.seconds_per_epoch)
        changed = self.kwh_per_epoch is not None or self.intensity_g_per_kwh is not None
        if changed and "kwh" in out and intensity_g_per_kwh is not None:
            out["co2_kg"] = out["kwh"].scaled(intensity_g_per_kwh / 1000.0)
        elif changed:
            out.pop("co2_kg", None)  # no intensity to convert the new kWh with
        if "kwh" in out and self.price_per_kwh is not None:
            out["money"] = out["kwh"].scaled(self.price_per_kwh)
        if "seconds" in out and self.hourly_rate is not None:
            out["money"] = out["seconds"].scaled(self.hourly_rate / 3600.0)
        return out
