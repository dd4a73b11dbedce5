"""From the points a service answered to points a schedule can trust, with a note for each repair.

A service's answer is checked point by point, never trusted whole:

* a value that is missing, not a number, not finite, negative or above ``MAX_G_PER_KWH`` is dropped;
* a point whose time is unreadable, or whose end is not after its start, is dropped;
* a time without a zone is taken as UTC (services document UTC), and the notes say so;
* the same time twice with the same value is kept once; with different values, neither is
  believed and both are dropped (no "last one wins");
* the points are sorted by time.

Each kind of repair adds one plain note with its count, so the user sees what was done.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_G_PER_KWH = 5000.0  # the dirtiest grids are near 1,200 gCO2eq/kWh; above this is an error, not a grid

_WHY = {
    "missing": "had no value",
    "not-a-number": "were not numbers",
    "not-finite": "were NaN or infinite",
    "negative": "were negative",
    "too-large": f"were above {MAX_G_PER_KWH:g} g/kWh",
    "bad-time": "had an unreadable time",
    "bad-end": "ended before they started",
}


@dataclass(frozen=True)
class CleanPoints:
    """The points kept, sorted by start (UTC), and what was done to get them.

    Attributes:
        starts: UTC tz-aware, strictly increasing.
        values_g_per_kwh: Finite, in ``[0, MAX_G_PER_KWH]``.
        kinds: The kind of each point kept.
        ends: Explicit end of each point (UTC), or None where the service gave none.
        received: How many points the service answered.
        merged: How many repeated points (same time, same value) were folded into one.
        notes: One sentence per kind of repair, with its count.
    """

    starts: tuple[datetime, ...]
    values_g_per_kwh: tuple[float, ...]
    kinds: tuple[str, ...]
    ends: tuple[datetime | None, ...]
    received: int
    merged: int
    notes: tuple[str, ...]

    @property
    def dropped(self) -> int:
        """How many received points were dropped (merged repeats are not counted as dropped)."""
        return self.received - len(self.starts) - self.merged


def read_time(text: Any) -> datetime | None:
    """An ISO 8601 time as a datetime (naive if the text has no zone), or None if unreadable."""
    if isinstance(text, datetime):
        return text
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None


def clean(
    starts: Sequence[datetime | None],
    values: Sequence[Any],
    kinds: Sequence[str],
    ends: Sequence[datetime | None],
) -> CleanPoints:
    """Check every point, drop or repair the bad ones, and say what was done (see the module docstring)."""
    dropped: Counter[str] = Counter()
    naive = 0
    kept: dict[datetime, list[tuple[float, str, datetime | None]]] = {}
    order: list[datetime] = []
    for start, value, kind, end in zip(starts, values, kinds, ends, strict=True):
        problem = _value_problem(value)
        if start is None:
            problem = problem or "bad-time"
        if problem:
            dropped[problem] += 1
            continue
        naive += start.tzinfo is None
        start = _utc(start)
        end = _utc(end) if end is not None else None
        if end is not None and end <= start:
            dropped["bad-end"] += 1
            continue
        order.append(start)
        kept.setdefault(start, []).append((float(value), kind, end))
    return _merge(kept, order, len(starts), dropped, naive)


def _merge(kept: dict, order: list[datetime], received: int, dropped: Counter, naive: int) -> CleanPoints:
    merged = conflicting = 0
    out = []
    for start in sorted(kept):
        entries = kept[start]
        if len({v for v, _, _ in entries}) > 1:
            conflicting += 1
            dropped["conflict"] += len(entries)
            continue
        merged += len(entries) - 1
        out.append((start, *entries[0]))
    notes = [f"{n} of {received} points {_WHY[why]} and were dropped." for why, n in dropped.items() if why in _WHY]
    if conflicting:
        its = "its" if conflicting == 1 else "their"
        notes.append(
            f"{_count(conflicting, 'time')} appeared more than once with different values; "
            f"{its} {dropped['conflict']} points were dropped."
        )
    if merged:
        was = "was" if merged == 1 else "were"
        notes.append(f"{_count(merged, 'repeated point')} (same time, same value) {was} kept once.")
    if naive:
        notes.append(f"{_count(naive, 'time')} had no time zone and {'was' if naive == 1 else 'were'} taken as UTC.")
    if order != sorted(order):
        notes.append("The points came out of time order; they were sorted.")
    return CleanPoints(
        starts=tuple(p[0] for p in out),
        values_g_per_kwh=tuple(p[1] for p in out),
        kinds=tuple(p[2] for p in out),
        ends=tuple(p[3] for p in out),
        received=received,
        merged=merged,
        notes=tuple(notes),
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _value_problem(value: Any) -> str | None:
    if value is None:
        return "missing"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "not-a-number"
    if not math.isfinite(value):
        return "not-finite"
    if value < 0:
        return "negative"
    if value > MAX_G_PER_KWH:
        return "too-large"
    return None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def step_label(step_s: float) -> str:
    """How a step reads in a label: "hourly", "15-minute", "90-second"."""
    if step_s == 3600:
        return "hourly"
    if step_s % 3600 == 0:
        return f"{step_s / 3600:g}-hour"
    if step_s % 60 == 0:
        return f"{step_s / 60:g}-minute"
    return f"{step_s:g}-second"
