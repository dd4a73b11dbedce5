"""The demo's grid data: a 48-hour illustrative intensity profile shipped with the package, never live data.

The profile (``assets/illustrative_grid_48h.csv``: ``hour_offset``, ``carbon_intensity`` in gCO2eq/kWh)
is a shape: for a zone it is scaled so that its 48-h mean is the zone's annual average (the one the
forecast's CO2 uses, ``grid.offline.annual_intensity_g_per_kwh``), then laid out hour by hour from the
start of the hour that holds "now" (UTC). So the forecast's CO2 "at the annual average" and the
schedule's "if started now" and "at the best start" tell one story for the zone. Its kind is
"illustrative" and its source says it is not live data and how it was scaled, so every page, report
and CLI output that shows it says so.
"""

from __future__ import annotations

import csv
import functools
import io
from datetime import UTC, datetime, timedelta

from resque_core.assets import asset_path
from resque_core.grid.base import IntensitySeries, ProviderFailure, build_series, to_utc
from resque_core.units import number_text

NAME = "illustrative"
PROFILE_FILE = "illustrative_grid_48h.csv"
LABEL = "illustrative, not live data: a bundled 48-h profile anchored at the current hour"


def zone_profile(zone: str) -> tuple[tuple[float, ...], str, str]:
    """The profile scaled for ``zone`` (its mean = the zone's annual average, gCO2eq/kWh), its label and note.

    Raises:
        ProviderFailure: no annual average for ``zone`` (reason "bad-input"), or the profile is unreadable.
    """
    from resque_core.grid.offline import annual_intensity_g_per_kwh

    shape = profile_g_per_kwh()
    try:
        average, country, year = annual_intensity_g_per_kwh(zone)
    except ProviderFailure as exc:
        raise ProviderFailure(
            NAME, exc.reason, f"the illustrative profile is scaled to the zone's annual average: {exc}"
        ) from exc
    factor = average / (sum(shape) / len(shape))
    year_text = f" {year}" if year else ""
    scaled = f"scaled so its mean is the annual average of {country}{year_text} ({number_text(average)} g/kWh)"
    label = f"{LABEL}, {scaled}"
    note = (
        f"An illustrative profile, not live data: a bundled 48-h shape {scaled} (codecarbon, modeled), laid out "
        "from the current hour."
    )
    return tuple(v * factor for v in shape), label, note


def anchor_hour(moment: datetime) -> datetime:
    """The start of the UTC hour that holds ``moment``: where the profile's hour 0 goes."""
    return to_utc(moment).replace(minute=0, second=0, microsecond=0)


@functools.cache
def profile_g_per_kwh() -> tuple[float, ...]:
    """The shipped profile's intensities, gCO2eq/kWh, one per hour from hour 0."""
    path = asset_path(PROFILE_FILE)
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text())))
        by_hour = {int(row["hour_offset"]): float(row["carbon_intensity"]) for row in rows}
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ProviderFailure(NAME, "malformed", f"cannot read the illustrative profile at {path}.") from exc
    if sorted(by_hour) != list(range(len(by_hour))) or not by_hour:
        raise ProviderFailure(NAME, "malformed", f"{path}: hour offsets must run 0, 1, 2... without gaps.")
    return tuple(by_hour[h] for h in range(len(by_hour)))


class IllustrativeProvider:
    """The shipped 48-h profile from the current hour (kind "illustrative"); never needs the network.

    Args:
        now: Pins "now", so the profile starts at this time's hour (tests, ``--now``); default the
            clock at each call.
    """

    name = NAME

    def __init__(self, *, now: datetime | None = None) -> None:
        self.now = None if now is None else to_utc(now)

    def __repr__(self) -> str:
        return f"IllustrativeProvider(now={self.now!r})"

    @property
    def cache_identity(self) -> tuple[str, ...]:
        """What distinguishes this provider's answers in a cache: the hour the profile starts at."""
        return (NAME, anchor_hour(self.now or datetime.now(UTC)).isoformat())

    def series(self, zone: str = "DE") -> IntensitySeries:
        """The whole profile scaled for ``zone`` (``zone_profile``), hourly from the hour that holds "now"."""
        start = anchor_hour(self.now or datetime.now(UTC))
        values, label, note = zone_profile(zone)
        return build_series(
            zone=zone,
            provider=NAME,
            source=label,
            starts=[start + timedelta(hours=h) for h in range(len(values))],
            values_g_per_kwh=values,
            kinds=NAME,
            step_s=3600.0,
            notes=[note],
        )

    def intensity(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """The profile's points over ``[start, end)``."""
        series = self.series(zone)
        start, end = to_utc(start), to_utc(end)
        if series.end <= start or series.start >= end:
            raise ProviderFailure(
                NAME,
                "empty",
                f"the illustrative profile covers {series.start:%Y-%m-%d %H:%M} to {series.end:%Y-%m-%d %H:%M} UTC, "
                f"nothing between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC.",
            )
        return series.clip(start, end)
