"""What scheduling answers: every start option, the best window, the saving against now, and its dict."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from datetime import datetime
from typing import Any

from resque_core.grid.base import iso_utc
from resque_core.grid.slots import Slot

__all__ = ["SchedulePlan", "StartOption"]

_DICT_KEYS = (
    *("provider", "zone", "kind", "source", "duration_s", "energy_kwh", "now", "deadline", "interruptible"),
    *("best_start", "best_end", "best_intensity_g_per_kwh", "now_intensity_g_per_kwh"),
    *("co2_best_kg", "co2_now_kg", "co2_saved_kg", "saved_pct", "note", "notes", "slots", "options"),
)


@dataclass(frozen=True)
class StartOption:
    """One feasible start: the job runs over ``[start, end)`` (UTC).

    Attributes:
        intensity_g_per_kwh: Energy-weighted mean carbon intensity over the job, gCO2eq/kWh.
        co2_kg: Emissions of the job started here, kg CO2eq.
    """

    start: datetime
    end: datetime
    intensity_g_per_kwh: float
    co2_kg: float


@dataclass(frozen=True)
class SchedulePlan:
    """The answer of ``plan``: every start option, the best window, and the saving against now.

    Attributes:
        options: Every feasible contiguous start, in time order; ``options[0]`` is the baseline ("now").
            Empty only for an interruptible job that no unbroken window fits.
        best: The cleanest contiguous window (the earliest among equals), or None when ``options`` is empty.
        slots: For an interruptible job, the cleanest set of run slots in time order; else empty.
        co2_now_kg: Emissions when starting now (or as soon as possible), kg CO2eq.
        co2_best_kg: Emissions of the recommendation (the slots if interruptible, else ``best``), kg.
        co2_saved_kg, saved_pct: ``co2_now_kg - co2_best_kg``, and that as a percentage of ``co2_now_kg``.
        now_intensity_g_per_kwh, best_intensity_g_per_kwh: Mean intensity now and for the recommendation, gCO2eq/kWh.
        note: One sentence on the saving; it says why when the saving is zero.
        notes: Caveats from the series and the planning (proxy data, "now" moved, ...).
    """

    provider: str
    zone: str
    kind: str
    source: str
    duration_s: float
    energy_kwh: float
    now: datetime
    deadline: datetime | None
    interruptible: bool
    options: tuple[StartOption, ...]
    best: StartOption | None
    slots: tuple[Slot, ...]
    co2_now_kg: float
    co2_best_kg: float
    co2_saved_kg: float
    saved_pct: float
    now_intensity_g_per_kwh: float
    best_intensity_g_per_kwh: float
    note: str
    notes: tuple[str, ...]

    @property
    def best_start(self) -> datetime:
        """When the recommendation starts (UTC)."""
        return self.slots[0].start if self.slots else self.best.start

    @property
    def best_end(self) -> datetime:
        """When the recommendation ends (UTC)."""
        return self.slots[-1].end if self.slots else self.best.end

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data, in the one set of names the CLI's ``--json`` and scenarios share.

        Keys are the attribute names (units in them); ``best_start``/``best_end`` are added, ``best`` is
        left out (it is ``options``' cleanest entry). Times are ISO 8601 UTC ("...Z"); ``slots`` and
        ``options`` are lists of dicts with their dataclass's field names.
        """
        return {key: _plain(getattr(self, key)) for key in _DICT_KEYS}


def _plain(value: Any) -> Any:
    """Datetimes as ISO UTC text, dataclasses as dicts, tuples as lists; other values as they are."""
    if isinstance(value, datetime):
        return iso_utc(value)
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
