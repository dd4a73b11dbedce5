"""When to start a job of known duration and energy so that it emits the least CO2.

Every feasible start (each point of the series from now on, plus "now") is scored by the exact
time-weighted (energy-weighted with a power profile) mean intensity over the job. A window
never crosses a hole in the series. Jobs that can pause get the cleanest set of slots instead.
All times are UTC inside; ``in_timezone`` converts for display.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from resque_core.errors import ScheduleError
from resque_core.grid.base import IntensitySeries, to_utc
from resque_core.grid.plan import SchedulePlan, StartOption
from resque_core.grid.slots import Slot, best_slots
from resque_core.grid.timeline import Timeline
from resque_core.units import co2_text

_REL_TOL = 1e-9


def plan(
    series: IntensitySeries,
    duration_s: float,
    energy_kwh: float,
    *,
    now: datetime | None = None,
    deadline: datetime | None = None,
    interruptible: bool = False,
    power_profile: Sequence[float] | None = None,
) -> SchedulePlan:
    """Score every feasible start of a job in ``series`` and pick the cleanest.

    Args:
        series: Carbon intensity (piecewise constant, UTC).
        duration_s: Job length, seconds (> 0).
        energy_kwh: Job energy, kWh (>= 0), spread evenly unless ``power_profile`` is given.
        now: Current time (default the clock); before the series' start it moves to that start.
        deadline: The job must end by then (default: the end of the series).
        interruptible: Also find the cleanest set of slots for a job that can pause and resume.
        power_profile: Relative power of equal consecutive phases of the job (e.g. [2, 1, 1]).

    Raises:
        ScheduleError: Bad inputs, or no start lets the job finish within the series and deadline.
    """
    weights = _check_inputs(duration_s, energy_kwh, power_profile)
    line = Timeline(series)
    now_s, notes = _effective_now(line, series, now)
    deadline_utc = to_utc(deadline) if deadline is not None else None
    limit_s = _limit_s(line, series, now_s, duration_s, deadline_utc)
    span_s, job = (now_s, limit_s), (duration_s, energy_kwh, weights)
    options = _options(line, span_s, job, interruptible)
    best = options[_first_min(np.array([o.co2_kg for o in options]))] if options else None
    slots = _slots(line, span_s, job, best) if interruptible else ()
    co2_now, now_avg = _baseline(line, span_s, job, options, notes)
    co2_best = sum(s.co2_kg for s in slots) if slots else best.co2_kg
    saved = co2_now - co2_best
    if saved <= _REL_TOL * max(1.0, abs(co2_now)):
        saved, co2_best = 0.0, co2_now
    return SchedulePlan(
        provider=series.provider,
        zone=series.zone,
        kind=series.kind,
        source=series.source,
        duration_s=float(duration_s),
        energy_kwh=float(energy_kwh),
        now=line.moment(now_s),
        deadline=deadline_utc,
        interruptible=interruptible,
        options=options,
        best=best,
        slots=slots,
        co2_now_kg=co2_now,
        co2_best_kg=co2_best,
        co2_saved_kg=saved,
        saved_pct=100.0 * saved / co2_now if co2_now > 0 else 0.0,
        now_intensity_g_per_kwh=now_avg,
        best_intensity_g_per_kwh=_slots_avg(slots, energy_kwh) if slots else best.intensity_g_per_kwh,
        note=_saving_note(series, line, span_s, saved, slots or (best,), energy_kwh),
        notes=(*series.notes, *notes),
    )


def _options(line: Timeline, span_s: tuple, job: tuple, interruptible: bool) -> tuple[StartOption, ...]:
    """Every feasible contiguous start from now (plus now itself), scored."""
    (now_s, limit_s), (duration_s, energy_kwh, weights) = span_s, job
    candidates = np.unique(np.concatenate(([now_s], line.starts_s[line.starts_s > now_s])))
    feasible = candidates[line.fits(candidates, duration_s) & (candidates + duration_s <= limit_s + 1e-6)]
    if feasible.size == 0 and not interruptible:
        raise ScheduleError(_no_window_message(line, now_s, duration_s, limit_s))
    means = line.window_mean(feasible, duration_s, weights)
    return tuple(
        StartOption(line.moment(a), line.moment(a + duration_s), float(m), float(energy_kwh * m / 1000.0))
        for a, m in zip(feasible, means, strict=True)
    )


def _slots(line: Timeline, span_s: tuple, job: tuple, best: StartOption | None) -> tuple[Slot, ...]:
    """The cleanest slots; the best window as one slot when pausing gains nothing."""
    slots = best_slots(line, *span_s, *job)
    if best is not None and sum(s.co2_kg for s in slots) >= best.co2_kg * (1 - _REL_TOL):
        return (Slot(best.start, best.end, best.intensity_g_per_kwh, float(job[1]), best.co2_kg),)
    return slots


def _baseline(line: Timeline, span_s: tuple, job: tuple, options: tuple, notes: list[str]) -> tuple[float, float]:
    """(kg CO2, mean g/kWh) of starting now, or as soon as possible."""
    if options and options[0].start > line.moment(span_s[0]):
        notes.append(f"A hole in the series right after now: the baseline is the first possible start, "
                     f"{options[0].start:%H:%M}.")  # fmt: skip
    if options:
        return options[0].co2_kg, options[0].intensity_g_per_kwh
    asap = best_slots(line, *span_s, *job, earliest=True)  # holes everywhere: run ASAP, pausing over them
    notes.append("No unbroken window fits the job; 'now' means running as soon as possible, pausing over holes.")
    return sum(s.co2_kg for s in asap), _slots_avg(asap, job[1])


def in_timezone(moment: datetime, tz_name: str) -> datetime:
    """``moment`` shown in the IANA time zone ``tz_name`` (e.g. "Europe/Berlin")."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"unknown time zone {tz_name!r}: use an IANA name like 'Europe/Berlin' or 'UTC'.") from exc
    return to_utc(moment).astimezone(zone)


def _check_inputs(duration_s: float, energy_kwh: float, power_profile: Sequence[float] | None) -> np.ndarray:
    if not (isinstance(duration_s, int | float) and math.isfinite(duration_s) and duration_s > 0):
        raise ScheduleError(f"the job duration must be a positive number of seconds, got {duration_s!r}.")
    if not (isinstance(energy_kwh, int | float) and math.isfinite(energy_kwh) and energy_kwh >= 0):
        raise ScheduleError(f"the job energy must be a finite number of kWh >= 0, got {energy_kwh!r}.")
    profile = np.asarray([1.0] if power_profile is None else list(power_profile), dtype=np.float64)
    if profile.size == 0 or not np.all(np.isfinite(profile)) or np.any(profile < 0) or profile.sum() <= 0:
        raise ScheduleError("the power profile must be a non-empty list of non-negative numbers, not all zero.")
    return profile / profile.sum()


def _effective_now(line: Timeline, series: IntensitySeries, now: datetime | None) -> tuple[float, list[str]]:
    moment = to_utc(now) if now is not None else datetime.now(UTC)
    now_s = line.seconds(moment)
    if now_s >= line.ends_s[-1]:
        raise ScheduleError(
            f"the series ends at {series.end:%Y-%m-%d %H:%M} UTC, before now ({moment:%Y-%m-%d %H:%M} UTC): "
            "fetch a fresh forecast or give a later series."
        )
    if now_s < 0:
        return 0.0, [f"The series starts after now; 'now' is taken as its start, {series.start:%Y-%m-%d %H:%M} UTC."]
    return now_s, []


def _limit_s(
    line: Timeline, series: IntensitySeries, now_s: float, duration_s: float, deadline: datetime | None
) -> float:
    limit_s = float(line.ends_s[-1])
    if deadline is not None:
        deadline_s = line.seconds(deadline)
        if deadline_s < now_s + duration_s - 1e-6:
            raise ScheduleError(
                f"a {_hm(duration_s)} job started now ({line.moment(now_s):%Y-%m-%d %H:%M} UTC) cannot end by the "
                f"deadline {deadline:%Y-%m-%d %H:%M} UTC: move the deadline or shorten the job."
            )
        limit_s = min(limit_s, deadline_s)
    if now_s + duration_s > limit_s + 1e-6:
        raise ScheduleError(
            f"the job ({_hm(duration_s)}) is longer than the {_hm(limit_s - now_s)} of data from now "
            f"(the series ends at {series.end:%Y-%m-%d %H:%M} UTC): ask for a longer horizon or shorten the job."
        )
    return limit_s


def _no_window_message(line: Timeline, now_s: float, duration_s: float, limit_s: float) -> str:
    longest = 0.0
    for i in range(len(line.values)):
        lo, hi = max(line.starts_s[i], now_s), min(line.run_end_s[i], limit_s)
        longest = max(longest, hi - lo)
    return (
        f"the series has holes: its longest unbroken stretch before the limit is {_hm(longest)}, "
        f"shorter than the {_hm(duration_s)} job. Fill the gaps, or mark the job interruptible."
    )


def _first_min(values: np.ndarray) -> int:
    low = float(values.min())
    return int(np.flatnonzero(values <= low + _REL_TOL * max(1.0, abs(low)))[0])


def _saving_note(series, line, span_s, saved, runs, energy_kwh) -> str:
    now_s, limit_s = span_s
    if saved > 0 and len(runs) > 1:
        return f"Running in {len(runs)} slots from {runs[0].start:%Y-%m-%d %H:%M} UTC saves {co2_text(saved)} CO2eq."
    if saved > 0:
        return f"Starting at {runs[0].start:%Y-%m-%d %H:%M} UTC instead of now saves {co2_text(saved)} CO2eq."
    if energy_kwh == 0:
        return "The job uses no energy, so it emits nothing whenever it runs."
    mask = (line.ends_s > now_s) & (line.starts_s < limit_s)
    window = line.values[mask]
    if window.size and float(window.max() - window.min()) <= _REL_TOL * max(1.0, float(window.max())):
        if series.kind == "modeled":
            return (
                "No saving: the intensity is a flat annual average (modeled), the same at every hour, so no start "
                "time is cleaner than another. Use an hourly forecast (Electricity Maps, UK, CSV) to find one."
            )
        return "No saving: the intensity is the same at every start time in this series."
    return "No saving: starting now is already the cleanest start within the horizon and deadline."


def _slots_avg(slots: Sequence[Slot], energy_kwh: float) -> float:
    if energy_kwh > 0:
        return sum(s.co2_kg for s in slots) * 1000.0 / energy_kwh
    total_s = sum((s.end - s.start).total_seconds() for s in slots)
    return sum(s.intensity_g_per_kwh * (s.end - s.start).total_seconds() for s in slots) / total_s


def _hm(seconds: float) -> str:
    minutes = int(round(seconds / 60.0))
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
