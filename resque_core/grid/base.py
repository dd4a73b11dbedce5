"""The carbon-intensity provider interface and the series every provider returns.

A series is piecewise constant: each point holds its value from its ``start`` to its ``end``
(UTC). One missing point is bridged by holding the previous value (and the notes say so); a
longer gap stays a hole, and the scheduler never places a window across it. ``build_series``
checks what a service answered point by point.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol, runtime_checkable

from resque_core.errors import ProviderError
from resque_core.grid.points import CleanPoints, clean

Kind = Literal["measured", "forecast", "modeled", "history-proxy", "illustrative"]
KINDS: tuple[str, ...] = ("measured", "forecast", "modeled", "history-proxy", "illustrative")
FailureReason = Literal["bad-key", "rate-limit", "server", "timeout", "unreachable", "malformed", "empty", "bad-input"]


class ProviderFailure(ProviderError):
    """A provider could not answer; ``reason`` says why in one word, the message says what to do.

    Attributes:
        provider: Provider name ("electricitymaps", "uk", "csv", "offline").
        reason: One of ``FailureReason``.
        retry_after_s: Seconds the service asked us to wait (429 only), else None.
    """

    def __init__(self, provider: str, reason: str, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.provider = provider
        self.reason = reason
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class IntensitySeries:
    """Carbon intensity over time for one zone, as answered by one provider.

    Attributes:
        zone: The zone asked for (e.g. "DE", "GB", "GB-SW1A").
        provider: Provider name ("electricitymaps", "uk", "csv", "offline", "illustrative").
        source: Human text saying where the numbers come from.
        starts: UTC tz-aware start of each point, strictly increasing.
        ends: UTC tz-aware end of each point (> start, <= next start).
        values_g_per_kwh: Carbon intensity of each point, gCO2eq/kWh.
        kinds: Per point: "measured", "forecast", "modeled", "history-proxy" or "illustrative".
        step_s: Nominal step (median point length), seconds.
        notes: Caveats the user should read (points dropped, naive times taken as UTC, gaps...).
    """

    zone: str
    provider: str
    source: str
    starts: tuple[datetime, ...]
    ends: tuple[datetime, ...]
    values_g_per_kwh: tuple[float, ...]
    kinds: tuple[str, ...]
    step_s: float
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        n = len(self.starts)
        if n == 0:
            raise ProviderFailure(self.provider, "empty", f"{self.source}: no data points for zone {self.zone!r}.")
        if not (len(self.ends) == len(self.values_g_per_kwh) == len(self.kinds) == n):
            raise ValueError("starts, ends, values_g_per_kwh and kinds must have the same length")
        for i, (start, end, value) in enumerate(zip(self.starts, self.ends, self.values_g_per_kwh, strict=True)):
            if start.utcoffset() != timedelta(0) or end.utcoffset() != timedelta(0):
                raise ValueError(f"point {i}: times must be UTC tz-aware")
            if not end > start or (i + 1 < n and end > self.starts[i + 1]):
                raise ValueError(f"point {i}: end must be after start and not past the next start")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"point {i}: intensity {value!r} is not a finite non-negative number")
        for kind in self.kinds:
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def kind(self) -> str:
        """The series' kind: the single kind of its points, or the forecast-most of a mix."""
        kinds = set(self.kinds)
        for kind in ("illustrative", "history-proxy", "modeled", "forecast", "measured"):
            if kind in kinds:
                return kind
        return "measured"

    @property
    def start(self) -> datetime:
        """Start of the first point (UTC)."""
        return self.starts[0]

    @property
    def end(self) -> datetime:
        """End of the last point (UTC)."""
        return self.ends[-1]

    def clip(self, start: datetime | None = None, end: datetime | None = None) -> IntensitySeries:
        """The points that overlap ``[start, end)``, the first and last cut to it."""
        lo = start or self.start
        hi = end or self.end
        keep = [i for i in range(len(self)) if self.ends[i] > lo and self.starts[i] < hi]
        return IntensitySeries(
            zone=self.zone,
            provider=self.provider,
            source=self.source,
            starts=tuple(max(self.starts[i], lo) for i in keep),
            ends=tuple(min(self.ends[i], hi) for i in keep),
            values_g_per_kwh=tuple(self.values_g_per_kwh[i] for i in keep),
            kinds=tuple(self.kinds[i] for i in keep),
            step_s=self.step_s,
            notes=self.notes,
        )


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def minute_now() -> datetime:
    """The clock's time in UTC to the minute: what "now" is when the CLI or the dashboard plans a job."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def iso_utc(moment: datetime) -> str:
    """``moment`` as ISO 8601 in UTC with a ``Z``, e.g. "2026-11-23T09:00:00Z" (how JSON output writes times)."""
    return to_utc(moment).isoformat().replace("+00:00", "Z")


def build_series(
    *,
    zone: str,
    provider: str,
    source: str,
    starts: Sequence[datetime | None],
    values_g_per_kwh: Sequence[Any],
    kinds: Sequence[str] | str,
    ends: Sequence[datetime | None] | None = None,
    step_s: float | None = None,
    notes: Sequence[str] = (),
    min_points: int = 1,
) -> IntensitySeries:
    """Check every point, sort them, fill in their ends; refuse an answer with too few good points.

    Bad points are dropped one by one with a note saying how many and why (``points.clean``). A
    point lasts for one step (or to its explicit end), and until the next point when that leaves
    a hole of at most one step: one missing or dropped point is bridged by holding the value, and
    a note counts these. A longer gap stays a hole (noted too), and the scheduler places no window
    across it.

    Args:
        starts: Point times; naive ones are taken as UTC (and noted), None ones are unreadable (dropped).
        values_g_per_kwh: The values as answered, gCO2eq/kWh (None, NaN, negative... are dropped).
        kinds: One kind for all points, or one per point.
        ends: Explicit point ends (None entries are filled in), or None.
        step_s: The step when the caller knows it; default the median spacing of the good points
            (for a single point: its explicit length, else 1 h).
        min_points: The fewest good points that make a usable answer.

    Raises:
        ProviderFailure: No points at all ("empty"), or fewer good points than ``min_points`` or
            than half of those answered ("malformed"): the answer is refused, so a chain falls back.
    """
    n = len(starts)
    kind_list = [kinds] * n if isinstance(kinds, str) else list(kinds)
    points = clean(starts, values_g_per_kwh, kind_list, list(ends) if ends is not None else [None] * n)
    _require_enough(points, provider, source, zone, min_points)
    order = points.starts
    step = float(step_s or _median_step_s(order, points.ends))
    out_ends = [_end_of(order, points.ends, i, step) for i in range(len(order))]
    return IntensitySeries(
        zone=zone,
        provider=provider,
        source=source,
        starts=order,
        ends=tuple(out_ends),
        values_g_per_kwh=points.values_g_per_kwh,
        kinds=points.kinds,
        step_s=step,
        notes=(*notes, *points.notes, *_gap_notes(order, out_ends, step)),
    )


def _require_enough(points: CleanPoints, provider: str, source: str, zone: str, min_points: int) -> None:
    if points.received == 0:
        raise ProviderFailure(provider, "empty", f"{source}: no data points for zone {zone!r}.")
    good = len(points.starts)
    if good < min_points or good * 2 < points.received - points.merged:
        why = " ".join(points.notes)
        raise ProviderFailure(
            provider, "malformed",
            f"{source}: only {good} of {points.received} points are usable, too few to plan with. {why}".strip(),
        )  # fmt: skip


def _end_of(order: Sequence[datetime], ends: Sequence[datetime | None], i: int, step_s: float) -> datetime:
    start, nxt = order[i], order[i + 1] if i + 1 < len(order) else None
    end = ends[i] if ends[i] is not None else start + timedelta(seconds=step_s)
    if nxt is not None and end < nxt <= end + timedelta(seconds=step_s, microseconds=1):
        return nxt  # jitter, or one missing point: bridged by holding the value (and counted in the notes)
    return min(end, nxt) if nxt is not None else end


def _median_step_s(starts: Sequence[datetime], ends: Sequence[datetime | None]) -> float:
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)]
    if gaps:
        return float(statistics.median(gaps))
    if ends and ends[0] is not None:
        return (ends[0] - starts[0]).total_seconds()
    return 3600.0


def _gap_notes(starts: Sequence[datetime], ends: Sequence[datetime], step_s: float) -> list[str]:
    spans = [(starts[i + 1] - starts[i]).total_seconds() for i in range(len(starts) - 1) if ends[i] == starts[i + 1]]
    bridged = sum(1.5 * step_s < span for span in spans)
    gaps = [(ends[i], starts[i + 1]) for i in range(len(starts) - 1) if starts[i + 1] > ends[i]]
    notes = []
    if bridged:
        notes.append(
            f"{bridged} single missing point(s) were bridged by holding the previous value for one step; "
            "longer gaps are left open."
        )
    if gaps:
        lo, hi = max(gaps, key=lambda g: g[1] - g[0])
        minutes = round((hi - lo).total_seconds() / 60)
        notes.append(
            f"The data has {len(gaps)} gap(s), the longest {minutes // 60}h{minutes % 60:02d}m from "
            f"{lo:%Y-%m-%d %H:%M} UTC; no window is placed across a gap."
        )
    return notes


@runtime_checkable
class IntensityProvider(Protocol):
    """Anything that answers carbon intensity for a zone over a time range.

    ``name`` is a short identifier; ``intensity`` raises ``ProviderFailure`` when it cannot answer.
    """

    name: str

    def intensity(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """Carbon intensity for ``zone`` over ``[start, end)`` (UTC), as a piecewise-constant series."""
        ...
