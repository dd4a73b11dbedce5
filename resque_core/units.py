"""Quantities for people: energy and CO2 mass with the SI prefix that suits the value.

A small model retrains for micro-watt-hours, a large one for mega-watt-hours; ``526.1 µWh`` reads
better than ``5.261e-07 kWh`` on a dashboard, and the number behind it is unchanged.
"""

from __future__ import annotations

import math

J_PER_KWH = 3.6e6  # joules in one kilowatt-hour
_ENERGY_KWH = ((1e3, "MWh"), (1.0, "kWh"), (1e-3, "Wh"), (1e-6, "mWh"), (1e-9, "µWh"))
_MASS_KG = ((1e3, "t"), (1.0, "kg"), (1e-3, "g"), (1e-6, "mg"), (1e-9, "µg"))


def _scaled(value: float | None, units: tuple[tuple[float, str], ...], digits: int) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    if value == 0:
        return f"0 {units[1][1]}"
    scale, unit = next(((s, u) for s, u in units if abs(value) >= s), units[-1])
    return f"{value / scale:.{digits}g} {unit}"


def energy_text(energy_kwh: float | None, digits: int = 4) -> str:
    """``energy_kwh`` with a fitting unit, e.g. ``5.261e-07`` -> ``"526.1 µWh"``."""
    return _scaled(energy_kwh, _ENERGY_KWH, digits)


def co2_text(co2_kg: float | None, digits: int = 4) -> str:
    """``co2_kg`` (kg CO2-eq) with a fitting unit, e.g. ``2.004e-07`` -> ``"200.4 µg"``."""
    return _scaled(co2_kg, _MASS_KG, digits)
