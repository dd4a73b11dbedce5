"""Measures and quantities for people: the one table of measure units, and how figures are written.

The page, the HTML report, the charts and the CLI all name a measure and write its figures through
this module, so the same figure reads the same everywhere. A small model retrains for
micro-watt-hours, a large one for mega-watt-hours; ``526.1 µWh`` reads better than ``5.261e-07 kWh``
on a dashboard, and the number behind it is unchanged.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

J_PER_KWH = 3.6e6  # joules in one kilowatt-hour
DEFAULT_CURRENCY = "EUR"  # the currency of a price when the user names none
DIGITS = 4  # significant digits of every figure shown
MISSING = "–"  # what a missing or non-finite figure reads as

# (scale, prefix) from the largest down; the value is divided by the first scale it reaches.
_ENERGY_KWH = ((1e3, "MWh"), (1.0, "kWh"), (1e-3, "Wh"), (1e-6, "mWh"), (1e-9, "µWh"))
_MASS_KG = ((1e3, "t"), (1.0, "kg"), (1e-3, "g"), (1e-6, "mg"), (1e-9, "µg"))
_DURATION_S = ((86400.0, "d"), (3600.0, "h"), (60.0, "min"), (1.0, "s"), (1e-3, "ms"))


def _real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _scaled(value: float | None, units: tuple[tuple[float, str], ...], base: str, digits: int) -> str:
    if not _real(value):
        return MISSING
    if value == 0:
        return f"0 {base}"
    scale, unit = next(((s, u) for s, u in units if abs(value) >= s), units[-1])
    return f"{number_text(value / scale, digits)} {unit}"


def number_text(value: float | None, digits: int = DIGITS) -> str:
    """A number to ``digits`` significant digits (integers exactly), never in scientific notation:
    ``0.0421337`` -> ``"0.04213"``, ``1.341e-06`` -> ``"0.000001341"``, ``12345.678`` -> ``"12350"``."""
    if not _real(value):
        return MISSING
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if value == 0:
        return "0"
    places = digits - 1 - math.floor(math.log10(abs(value)))
    text = f"{round(float(value), places):.{max(places, 0)}f}"
    return text.rstrip("0").rstrip(".") if places > 0 else text


def bound_text(value: float | None, censored: bool = False) -> str:
    """A figure that may be a lower bound: a censored run stopped at its cap, so its 10 epochs read ``">= 10"``."""
    text = number_text(value)
    return f">= {text}" if censored and text != MISSING else text


def percent_text(fraction: float | None) -> str:
    """A fraction as a whole percentage: ``0.9`` -> ``"90%"``."""
    return f"{fraction:.0%}" if _real(fraction) else MISSING


def energy_text(energy_kwh: float | None, digits: int = DIGITS) -> str:
    """``energy_kwh`` with a fitting unit, e.g. ``5.261e-07`` -> ``"526.1 µWh"``."""
    return _scaled(energy_kwh, _ENERGY_KWH, "kWh", digits)


def co2_text(co2_kg: float | None, digits: int = DIGITS) -> str:
    """``co2_kg`` (kg CO2-eq) with a fitting unit, e.g. ``2.004e-07`` -> ``"200.4 µg"``."""
    return _scaled(co2_kg, _MASS_KG, "kg", digits)


def duration_text(duration_s: float | None, digits: int = DIGITS) -> str:
    """``duration_s`` with a fitting unit, e.g. ``42.5`` -> ``"42.5 s"``, ``5400`` -> ``"1.5 h"``."""
    return _scaled(duration_s, _DURATION_S, "s", digits)


def datetime_text(moment: datetime | str | None) -> str:
    """A time in UTC to the minute: ``"2026-11-23 09:00 UTC"`` (a naive time or ISO string is taken as UTC)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        return MISSING
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return f"{moment:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class MeasureUnit:
    """How one measure is named and written.

    Attributes:
        label: the name shown beside a figure written by ``text`` ("Energy", "Gradient norm (L2 norm)").
        unit: the unit of the stored number ("kWh"); scenario files, chart axes and the CLI give it.
        text: writes a value for people; energy, CO2 and time pick the prefix that suits the value.
    """

    label: str
    unit: str
    text: Callable[[float | None], str] = number_text

    @property
    def axis_label(self) -> str:
        """The name beside the bare number in ``unit`` (chart axes): ``"Energy (kWh)"``, ``"Epochs"``."""
        return self.label if self.unit.lower() in self.label.lower() else f"{self.label} ({self.unit})"


MEASURE_UNITS: Mapping[str, MeasureUnit] = MappingProxyType(
    {
        "epochs": MeasureUnit("Epochs", "epochs"),
        "grad_norm": MeasureUnit("Gradient norm (L2 norm)", "L2 norm"),
        "param_change": MeasureUnit("Parameter change (RMS)", "RMS"),
        "seconds": MeasureUnit("Time", "s", duration_text),
        "kwh": MeasureUnit("Energy", "kWh", energy_text),
        "co2_kg": MeasureUnit("CO2", "kg CO2", co2_text),
        "money": MeasureUnit("Money", "currency"),  # in the price's currency: the forecast names it (ISO 4217)
    }
)
# What a retraining costs: shown on the page's headline and totalled across scenarios in the report.
BUDGET_MEASURES: tuple[str, ...] = ("epochs", "seconds", "kwh", "co2_kg", "money")


@dataclass(frozen=True)
class ChartScale:
    """One chart axis's unit, chosen from its data as ``measure_text`` chooses one figure's: plotted values are
    the stored numbers divided by ``divisor``, so a chart of 0.0025 kg reads 2.5 g like the table beside it.

    Attributes:
        divisor: what a stored number (kWh, kg CO2, s, ...) is divided by to plot it.
        unit: the unit of the plotted numbers ("mWh", "g CO2", "min", "EUR").
        title: the axis title: the measure and the unit ("Energy (mWh)").
    """

    divisor: float
    unit: str
    title: str

    def scaled(self, values: Iterable[float | None]) -> list[float | None]:
        """``values`` (stored units) in this axis's unit; a missing or non-finite value stays None."""
        return [value / self.divisor if _real(value) else None for value in values]


_PREFIXED = {"kwh": (_ENERGY_KWH, ""), "co2_kg": (_MASS_KG, " CO2"), "seconds": (_DURATION_S, "")}


def chart_scale(measure: str, values: Iterable[float | None], currency: str | None = None) -> ChartScale:
    """The unit a chart of ``values`` of ``measure`` is drawn in: the one that writes its largest value as
    ``measure_text`` would: ``chart_scale("kwh", [0.0025, 0.004])`` plots in Wh, titled ``"Energy (Wh)"``."""
    label = measure_label(measure)
    if measure not in _PREFIXED:
        unit = unit_of(measure, currency)
        title = axis_label(measure) if measure != "money" else f"{label} ({unit})"
        return ChartScale(1.0, unit, title)
    scales, suffix = _PREFIXED[measure]
    finite = [abs(v) for v in values if _real(v) and v != 0]
    largest = max(finite, default=1.0)
    divisor, unit = next(((s, u) for s, u in scales if largest >= s), scales[-1])
    return ChartScale(divisor, unit + suffix, f"{label} ({unit})")


def unit_of(measure: str, currency: str | None = None) -> str:
    """The unit of ``measure``'s stored number (``""`` for a measure the table does not know).

    Money is in the price's ``currency`` ("EUR") when it is known, else in an unnamed "currency".
    """
    if measure == "money" and currency:
        return currency
    return MEASURE_UNITS[measure].unit if measure in MEASURE_UNITS else ""


def measure_label(measure: str) -> str:
    """The name shown beside ``measure_text(measure, ...)`` (the measure's key when it is unknown)."""
    return MEASURE_UNITS[measure].label if measure in MEASURE_UNITS else measure


def axis_label(measure: str) -> str:
    """The name beside a bare number of ``measure`` in its unit: ``"Energy (kWh)"``."""
    return MEASURE_UNITS[measure].axis_label if measure in MEASURE_UNITS else measure


def measure_text(measure: str, value: float | None, currency: str | None = None, at_least: bool = False) -> str:
    """A figure of ``measure`` for people: ``measure_text("kwh", 5.261e-07)`` -> ``"526.1 µWh"``.

    Money is written with its ``currency`` code when one is named: ``measure_text("money", 1.5, "EUR")``
    -> ``"1.5 EUR"``. A lower bound (``at_least``: from-scratch figures where runs hit their epoch cap) reads
    ``">= 80.48 mWh"``.
    """
    text = MEASURE_UNITS[measure].text(value) if measure in MEASURE_UNITS else number_text(value)
    named = measure == "money" and currency and currency != MEASURE_UNITS["money"].unit
    text = f"{text} {currency}" if named and text != MISSING else text
    return f">= {text}" if at_least and text != MISSING else text


def range_text(measure: str, low: float | None, high: float | None, currency: str | None = None) -> str:
    """An interval of ``measure``, both ends in the unit that suits the larger, the unit written once:
    ``range_text("kwh", 0, 6.019e-05)`` -> ``"0 – 60.19 mWh"``, ``range_text("money", 1.2, 3.4, "EUR")`` ->
    ``"1.2 – 3.4 EUR"``. A missing end, or a low end far below the high one, is written alone."""
    scale = chart_scale(measure, [low, high], currency)
    small = measure in _PREFIXED and _real(low) and low != 0 and abs(low / scale.divisor) < 0.1
    if not (_real(low) and _real(high)) or small:  # "30 s – 1.5 h", not "0.008333 – 1.5 h"
        return f"{measure_text(measure, low, currency)} – {measure_text(measure, high, currency)}"
    unit = ""  # epochs, gradient norm and money of no named currency read as bare numbers, as in measure_text
    if measure in _PREFIXED:
        unit = " " + scale.unit.removesuffix(" CO2")
    elif measure == "money" and currency and currency != MEASURE_UNITS["money"].unit:
        unit = f" {currency}"
    return " – ".join(number_text(v) for v in scale.scaled([low, high])) + unit
