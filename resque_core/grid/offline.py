"""The offline fallback: a country's annual average intensity, from codecarbon's package data.

The value is flat (one number for the whole year), so it can size CO2 but never move a job:
every start time is as good as any other, and the scheduler says so.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import pathlib
from datetime import datetime, timedelta

from resque_core.grid.base import IntensitySeries, ProviderFailure, build_series, to_utc

NAME = "offline"
_DATA = ("data", "private_infra", "global_energy_mix.json")
_ALIASES = {"UK": "GB", "EL": "GR"}  # common non-ISO spellings


@functools.cache
def _energy_mix() -> dict:
    spec = importlib.util.find_spec("codecarbon")  # locate without importing codecarbon (slow)
    if spec is None or not spec.submodule_search_locations:
        raise ProviderFailure(
            NAME, "unreachable", "codecarbon is not installed; it ships the offline country averages."
        )
    path = pathlib.Path(next(iter(spec.submodule_search_locations)), *_DATA)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ProviderFailure(NAME, "malformed", f"cannot read codecarbon's country data at {path}.") from exc


def iso3_of(zone: str) -> str:
    """ISO 3166 alpha-3 code for an ISO2/ISO3 code or an Electricity Maps zone ("DE", "DEU", "US-CAL-CISO")."""
    code = zone.strip().upper().split("-")[0]
    code = _ALIASES.get(code, code)
    table = _energy_mix()
    if len(code) == 3 and code in table:
        return code
    if len(code) == 2:
        import pycountry  # a codecarbon dependency; imported only here

        country = pycountry.countries.get(alpha_2=code)
        if country is not None and country.alpha_3 in table:
            return country.alpha_3
    raise ProviderFailure(
        NAME, "bad-input", f"no annual average for zone {zone!r}: give an ISO country code such as 'DE', 'FRA' or 'GB'."
    )


def country_zones() -> dict[str, str]:
    """ISO alpha-2 code -> country name, for every country with an annual average."""
    import pycountry

    out = {}
    for iso3, row in _energy_mix().items():
        country = pycountry.countries.get(alpha_3=iso3)
        if country is not None and isinstance(row.get("carbon_intensity"), int | float):
            out[country.alpha_2] = str(row.get("country_name") or country.name)
    return dict(sorted(out.items()))


def annual_intensity_g_per_kwh(zone: str) -> tuple[float, str, int | None]:
    """(intensity gCO2eq/kWh, country name, data year) for ``zone``."""
    row = _energy_mix()[iso3_of(zone)]
    value = row.get("carbon_intensity")
    if not isinstance(value, int | float):
        raise ProviderFailure(NAME, "empty", f"codecarbon has no carbon intensity for {zone!r}.")
    return float(value), str(row.get("country_name", zone)), row.get("year")


class OfflineProvider:
    """Flat annual-average intensity per country (kind "modeled"); never needs the network.

    Args:
        step_s: Spacing of the (identical) points, seconds; hourly by default.
    """

    name = NAME

    def __init__(self, *, step_s: float = 3600.0) -> None:
        if not step_s > 0:
            raise ProviderFailure(NAME, "bad-input", f"step_s must be positive, got {step_s!r}.")
        self.step_s = float(step_s)

    def __repr__(self) -> str:
        return "OfflineProvider()"

    @property
    def cache_identity(self) -> tuple[str, ...]:
        """What distinguishes this provider's answers in a cache."""
        return (NAME, str(self.step_s))

    def intensity(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """The country's annual average, repeated every step over ``[start, end)``."""
        start, end = to_utc(start), to_utc(end)
        if end <= start:
            raise ProviderFailure(NAME, "bad-input", f"end {end:%Y-%m-%d %H:%M} is not after start {start:%H:%M}.")
        value, country, year = annual_intensity_g_per_kwh(zone)
        iso3 = iso3_of(zone)
        step = timedelta(seconds=self.step_s)
        starts = [start]
        while starts[-1] + step < end:
            starts.append(starts[-1] + step)
        ends = [*starts[1:], end]
        year_text = f" {year}" if year else ""
        return build_series(
            zone=zone,
            provider=NAME,
            source=f"codecarbon annual average for {iso3} ({country}{year_text}; modeled, flat)",
            starts=starts,
            ends=ends,
            values_g_per_kwh=[value] * len(starts),
            kinds="modeled",
            step_s=self.step_s,
            notes=["A flat annual average: every start time has the same intensity, so scheduling saves nothing."],
        )
