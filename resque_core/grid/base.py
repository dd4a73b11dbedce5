"""The carbon-intensity provider interface and the series every provider returns.

A series is piecewise constant: each point holds its value from its ``start`` to its ``end``
(UTC). Holes of at most one step are bridged by holding the previous value; longer holes stay
holes, and the scheduler never places a window across them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol, runtime_checkable

from resque_core.errors import ProviderError

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
        notes: Caveats the user should read (naive times taken as UTC, forecast ended early...).
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
    starts: Sequence[datetime],
    values_g_per_kwh: Sequence[float],
    kinds: Sequence[str] | str,
    ends: Sequence[datetime | None] | None = None,
    step_s: float | None = None,
    notes: Sequence[str] = (),
) -> IntensitySeries:
    """Sort points, fill in their ends and bridge holes of at most one step.

    A point without an explicit end lasts until the next point if that is at most two steps
    away (a hole of one step is bridged by holding the value), else for one step.

    Args:
        starts: Point times (UTC tz-aware); duplicates keep the last value.
        kinds: One kind for all points, or one per point.
        ends: Explicit point ends (None entries are filled in), or None.
        step_s: Nominal step in seconds; default the median gap between points (1 h for one point).
    """
    n = len(starts)
    kind_list = [kinds] * n if isinstance(kinds, str) else list(kinds)
    end_list = list(ends) if ends is not None else [None] * n
    merged = {
        to_utc(s): (float(v), k, e) for s, v, k, e in zip(starts, values_g_per_kwh, kind_list, end_list, strict=True)
    }
    order = sorted(merged)
    step = step_s or _median_step_s(order)
    out_ends = []
    for i, start in enumerate(order):
        explicit = merged[start][2]
        nxt = order[i + 1] if i + 1 < len(order) else None
        end = to_utc(explicit) if explicit is not None else start + timedelta(seconds=step)
        if nxt is not None and end < nxt <= end + timedelta(seconds=step) + timedelta(microseconds=1):
            end = nxt  # bridge a hole of at most one step
        out_ends.append(min(end, nxt) if nxt is not None else end)
    return IntensitySeries(
        zone=zone,
        provider=provider,
        source=source,
        starts=tuple(order),
        ends=tuple(out_ends),
        values_g_per_kwh=tuple(merged[s][0] for s in order),
        kinds=tuple(merged[s][1] for s in order),
        step_s=float(step),
        notes=tuple(notes),
    )


def _median_step_s(starts: Sequence[datetime]) -> float:
    gaps = [(b - a).total_seconds() for a, b in zip(starts, starts[1:], strict=False)]
    return float(statistics.median(gaps)) if gaps else 3600.0


@runtime_checkable
class IntensityProvider(Protocol):
    """Anything that answers carbon intensity for a zone over a time range.

    ``name`` is a short identifier; ``intensity`` raises ``ProviderFailure`` when it cannot answer.
    """

    name: str

    def intensity(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """Carbon intensity for ``zone`` over ``[start, end)`` (UTC), as a piecewise-constant series."""
        ...
