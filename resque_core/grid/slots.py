"""The cleanest set of run slots for a job that can pause and resume.

Greedy: take the lowest-intensity stretches between now and the limit (deadline or end of the
series) until they add up to the job's duration. With constant power this is optimal; with a
power profile the phases run through the chosen slots in time order (the choice itself still
ranks slots by intensity alone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from resque_core.errors import ScheduleError
from resque_core.grid.timeline import Timeline


@dataclass(frozen=True)
class Slot:
    """One stretch during which the job runs, ``[start, end)`` (UTC).

    Attributes:
        intensity_g_per_kwh: Energy-weighted mean intensity in the slot, gCO2eq/kWh.
        energy_kwh: Energy the job draws in the slot, kWh.
        co2_kg: Emissions in the slot, kg CO2eq.
    """

    start: datetime
    end: datetime
    intensity_g_per_kwh: float
    energy_kwh: float
    co2_kg: float


def best_slots(
    line: Timeline,
    now_s: float,
    limit_s: float,
    duration_s: float,
    energy_kwh: float,
    weights: np.ndarray,
    *,
    earliest: bool = False,
) -> tuple[Slot, ...]:
    """The lowest-intensity pieces of ``[now_s, limit_s)`` covering ``duration_s``, merged when adjacent.

    With ``earliest`` the first pieces instead: running as soon as possible, pausing over holes.

    Raises:
        ScheduleError: The series has less than ``duration_s`` of data before the limit.
    """
    lo = np.maximum(line.starts_s, now_s)
    hi = np.minimum(line.ends_s, limit_s)
    keep = hi > lo
    lo, hi, values = lo[keep], hi[keep], line.values[keep]
    available_s = float((hi - lo).sum())
    if available_s < duration_s - 1e-6:
        raise ScheduleError(
            f"only {available_s / 3600:.2f} h of data lie between now and the limit, less than the "
            f"{duration_s / 3600:.2f} h job: ask for a longer horizon or a later deadline."
        )
    pieces = []
    remaining = duration_s
    order = np.argsort(lo, kind="stable") if earliest else np.lexsort((lo, values))  # by value, then earliest
    for i in order:
        take = min(remaining, hi[i] - lo[i])
        pieces.append((lo[i], lo[i] + take, values[i]))
        remaining -= take
        if remaining <= 1e-9:
            break
    pieces.sort()
    return _merge(line, pieces, duration_s, energy_kwh, weights)


def _merge(line: Timeline, pieces: list, duration_s: float, energy_kwh: float, weights: np.ndarray) -> tuple[Slot, ...]:
    bounds = np.linspace(0.0, duration_s, len(weights) + 1)
    cum = np.concatenate(([0.0], np.cumsum(weights)))
    slots: list[list[float]] = []  # [start_s, end_s, energy_kwh, co2_kg, intensity x seconds]
    running = 0.0
    for start, end, value in pieces:
        length = end - start
        share = float(np.interp(running + length, bounds, cum) - np.interp(running, bounds, cum))
        running += length
        energy = energy_kwh * share
        row = [start, end, energy, energy * value / 1000.0, value * length]
        if slots and abs(slots[-1][1] - start) <= 1e-6:
            last = slots[-1]
            last[1], last[2], last[3], last[4] = end, last[2] + energy, last[3] + row[3], last[4] + row[4]
        else:
            slots.append(row)
    out = []
    for start, end, energy, co2, area in slots:
        avg = co2 * 1000.0 / energy if energy > 0 else area / (end - start)
        out.append(Slot(line.moment(start), line.moment(end), float(avg), float(energy), float(co2)))
    return tuple(out)
