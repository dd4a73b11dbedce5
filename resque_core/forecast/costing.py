"""From forecast epochs to kWh, kg CO2 and money on the user's side, each with its provenance.

``CostSettings`` is what the user chose (the dashboard's Forecast page and the ``forecast`` command
build the same object); ``build_costing`` turns it into the ``Costing`` a forecast is priced with.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from resque_core.energy.cost_model import POWER_SHARE
from resque_core.energy.provenance import ENERGY_PROVENANCES
from resque_core.errors import EnergyError
from resque_core.forecast.energy_basis import energy_fields
from resque_core.forecast.result import Forecast, Interval
from resque_core.units import DEFAULT_CURRENCY, number_text

if TYPE_CHECKING:
    from resque_core.energy.probe import ProbeResult

__all__ = [
    "DEFAULT_UTILIZATION",
    "ENERGY_BASES",
    "INTENSITY_BASES",
    "CostSettings",
    "Costing",
    "build_costing",
    "flops_costing",
]

ENERGY_BASES = ("records", "kwh-per-epoch", "probe", "profile", "watts", "flops")
INTENSITY_BASES = ("records", "zone", "typed")
DEFAULT_UTILIZATION = POWER_SHARE  # share of the board power a training job draws on average, when modeled


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
        currency: the ISO 4217 code of both prices ("EUR"), which names the money figure.
        price_source: whose price it is, in words: "given" (the user's), "example price, not yours" (the demo's).
    """

    kwh_per_epoch: float | None = None
    kwh_per_epoch_source: str = "measured"
    kwh_per_epoch_basis: str = "given"
    seconds_per_epoch: float | None = None
    intensity_g_per_kwh: float | None = None
    intensity_source: str = "given"
    price_per_kwh: float | None = None
    hourly_rate: float | None = None
    currency: str = DEFAULT_CURRENCY
    price_source: str = "given"

    def __post_init__(self) -> None:
        check_currency(self.currency)
        for name in ("kwh_per_epoch", "seconds_per_epoch", "intensity_g_per_kwh", "price_per_kwh", "hourly_rate"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise EnergyError(f"{name} must be a non-negative number, not {value!r}")
        if self.kwh_per_epoch_source not in ENERGY_PROVENANCES:
            raise EnergyError(f"kwh_per_epoch_source must be one of {', '.join(ENERGY_PROVENANCES)}")
        if self.price_per_kwh is not None and self.hourly_rate is not None:
            raise EnergyError("give either a price per kWh or an hourly rate, not both")

    def apply(self, forecast: Forecast) -> Forecast:
        """The forecast with kWh, seconds, CO2 and money recomputed from these settings."""
        source = forecast.source
        if self.kwh_per_epoch is not None:
            source = replace(source, energy=self.kwh_per_epoch_source, energy_basis=self.kwh_per_epoch_basis)
        if self.intensity_g_per_kwh is not None:
            label = f"{self.intensity_source} ({number_text(self.intensity_g_per_kwh)} g/kWh)"
            source = replace(source, intensity=label, intensity_g_per_kwh=self.intensity_g_per_kwh)
        if self.price_per_kwh is not None or self.hourly_rate is not None:
            source = replace(source, currency=self.currency, price=self.price_words())
        intensity = source.intensity_g_per_kwh
        measures, scratch = (self._price(m, intensity) for m in (forecast.measures, forecast.scratch))
        return replace(forecast, measures=measures, scratch=scratch, source=source)

    def price_words(self) -> str | None:
        """The price in words, whose it is included: "0.3 EUR/kWh, example price, not yours"; None: no price."""
        if self.price_per_kwh is None and self.hourly_rate is None:
            return None
        per = f"{number_text(self.price_per_kwh)} {self.currency}/kWh" if self.price_per_kwh is not None else ""
        per = per or f"{number_text(self.hourly_rate)} {self.currency}/h"
        return f"{per}, {self.price_source}"

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


@dataclass(frozen=True)
class CostSettings:
    """How the user wants a forecast priced; ``build_costing`` turns it into a ``Costing``.

    Attributes:
        energy: where kWh per epoch comes from: "records" (the records' own kWh curve),
            "kwh-per-epoch" (given, measured), "probe" (a short training probe, passed to
            ``build_costing``), "profile" (a hardware profile, modeled), "watts" (typed power, modeled) or
            "flops" (seconds and kWh per epoch modeled from the model's FLOPs on ``devices`` of ``profile`` at
            ``precision`` over ``images`` images per epoch: ``flops_costing``, or an ``EpochCost`` passed to
            ``build_costing``).
        kwh_per_epoch: kWh of one epoch, for "kwh-per-epoch".
        profile: a name from ``resque_core/assets/hardware_profiles.json``, for "profile".
        watts: the hardware's power at full load, in W, for "watts".
        utilization: share of the profile's or typed power drawn on average, in (0, 1] (1: the upper bound).
        seconds_per_epoch: one epoch's wall time on the target hardware, in s. None keeps the records'
            time (a modeled energy then borrows their median seconds per epoch; a probe uses its own).
        intensity: grid intensity from "records" (their median), "zone" (the zone's annual average,
            modeled) or "typed".
        zone: a country code ("DE", "FRA", "GB"), for "zone".
        intensity_g_per_kwh: g CO2-eq per kWh, for "typed".
        price_per_kwh: electricity price per kWh; hourly_rate: machine price per hour (not both).
        currency: the ISO 4217 code of the price ("EUR", "USD", "GBP"...).
        price_source: whose price it is: "given" (the user's), "example price, not yours" (the demo's).
    """

    energy: str = "records"
    kwh_per_epoch: float | None = None
    profile: str | None = None
    watts: float | None = None
    utilization: float = DEFAULT_UTILIZATION
    seconds_per_epoch: float | None = None
    intensity: str = "records"
    zone: str | None = None
    intensity_g_per_kwh: float | None = None
    price_per_kwh: float | None = None
    hourly_rate: float | None = None
    currency: str = DEFAULT_CURRENCY
    price_source: str = "given"
    devices: int = 1
    precision: str = "fp32"
    images: int | None = None

    def __post_init__(self) -> None:
        check_currency(self.currency)
        if self.energy not in ENERGY_BASES:
            raise EnergyError(f"unknown energy basis {self.energy!r}; use one of {', '.join(ENERGY_BASES)}")
        if self.intensity not in INTENSITY_BASES:
            raise EnergyError(f"unknown intensity basis {self.intensity!r}; use one of {', '.join(INTENSITY_BASES)}")
        basis = "profile" if self.energy == "flops" else self.energy  # both name a hardware profile
        _check_fields(basis, {"kwh-per-epoch": "kwh_per_epoch", "profile": "profile", "watts": "watts"}, self)
        _check_flops(self)
        _check_fields(self.intensity, {"zone": "zone", "typed": "intensity_g_per_kwh"}, self)
        numbers = ("kwh_per_epoch", "watts", "seconds_per_epoch", "intensity_g_per_kwh", "price_per_kwh", "hourly_rate")
        for name in numbers:
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise EnergyError(f"{name} must be a non-negative number, not {value!r}")
        for name in ("watts", "seconds_per_epoch"):
            if getattr(self, name) == 0:
                raise EnergyError(f"{name} must be positive, not 0")
        if not (isinstance(self.utilization, int | float) and 0 < self.utilization <= 1):
            raise EnergyError(f"utilization must be in (0, 1], not {self.utilization!r}")
        if self.price_per_kwh is not None and self.hourly_rate is not None:
            raise EnergyError("give either a price per kWh or an hourly rate, not both")


def check_currency(code: str) -> None:
    """Raise ``EnergyError`` unless ``code`` is a three-letter currency code in capitals ("EUR")."""
    if not (isinstance(code, str) and re.fullmatch(r"[A-Z]{3}", code)):
        raise EnergyError(f"the currency must be a three-letter code such as EUR, USD or GBP, not {code!r}")


def _check_flops(settings: CostSettings) -> None:
    """Devices (1 to 4096) and precision (fp32, mixed) of the "flops" basis; left at their defaults otherwise."""
    devices, precision = settings.devices, settings.precision
    if settings.energy != "flops" and ((devices, precision) != (1, "fp32") or settings.images is not None):
        raise EnergyError("devices, precision and images apply to the 'flops' basis only")
    if settings.images is not None and not (isinstance(settings.images, int) and settings.images > 0):
        raise EnergyError(f"images per epoch must be a positive whole number, not {settings.images!r}")
    if not (isinstance(devices, int) and 1 <= devices <= 4096) or precision not in ("fp32", "mixed"):
        raise EnergyError(f"devices must be 1 to 4096 and precision fp32 or mixed, not {devices!r}, {precision!r}")


def _check_fields(basis: str, needs: dict[str, str], settings: CostSettings) -> None:
    """The field a basis needs is set; the fields of the other bases are not (nothing is ignored silently)."""
    for other, name in needs.items():
        value = getattr(settings, name)
        if other == basis and value in (None, ""):
            raise EnergyError(f"the {basis!r} basis needs {name}")
        if other != basis and value is not None:
            raise EnergyError(f"{name} applies to the {other!r} basis only, not to {basis!r}")


def build_costing(
    settings: CostSettings, probe: ProbeResult | None = None, records: Any = None, epoch_cost: Any = None
) -> Costing:
    """The ``Costing`` for these settings: the one place the page and the CLI price a forecast.

    Args:
        settings: what the user chose.
        probe: the probe's result, for the "probe" energy basis.
        records: the calibration records (a DataFrame); a modeled energy without ``seconds_per_epoch``
            borrows their median seconds per epoch.
        epoch_cost: the model's ``EpochCost`` on the profile, for the "flops" basis.

    Raises:
        EnergyError: a probe basis without a probe, an unknown profile, no seconds per epoch to model with.
        ProviderError: a zone with no annual average.
    """
    return Costing(
        **energy_fields(settings, probe, records, epoch_cost),
        **_intensity(settings),
        price_per_kwh=settings.price_per_kwh,
        hourly_rate=settings.hourly_rate,
        currency=settings.currency,
        price_source=settings.price_source,
    )


def flops_costing(settings: CostSettings, loaded: Any) -> tuple[Costing, Any]:
    """The costing of the "flops" basis for ``loaded`` (a ``LoadedModel``), and its ``EpochCost``: one training
    epoch of ``settings.images`` images at the model's input spec on ``settings.devices`` of ``settings.profile``
    (``energy.cost_model.model_epoch_cost``, modeled). The Forecast page, ``forecast --profile`` and ``compare``
    all price a model's time from its FLOPs through here.

    Raises:
        EnergyError: no images per epoch, or a model that cannot run a training step at its input spec.
    """
    from resque_core.energy.cost_model import model_epoch_cost

    if settings.images is None:
        raise EnergyError("time from the model's FLOPs needs the number of images per epoch")
    spec = loaded.input_spec
    cost = model_epoch_cost(loaded.model, (spec.channels, *spec.size), settings.images, settings.profile,
                            precision=settings.precision, devices=settings.devices)  # fmt: skip
    return build_costing(settings, epoch_cost=cost), cost


def _intensity(settings: CostSettings) -> dict[str, Any]:
    if settings.intensity == "zone":
        from resque_core.grid.offline import annual_intensity_g_per_kwh

        value, country, year = annual_intensity_g_per_kwh(settings.zone)
        year_text = f" {year}" if year else ""
        return {"intensity_g_per_kwh": value, "intensity_source": f"annual average {country}{year_text} (modeled)"}
    if settings.intensity == "typed":
        return {"intensity_g_per_kwh": settings.intensity_g_per_kwh, "intensity_source": "given"}
    return {}
