"""Plan a job against a provider: fetch the window of intensity the job needs, then ``plan`` it.

The CLI's ``schedule`` and the dashboard's Schedule page both call ``schedule_job``, so the same
provider, zone, job, "now", horizon and deadline give the same series and the same plan.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from resque_core.grid.base import IntensityProvider, IntensitySeries, minute_now, to_utc
from resque_core.grid.plan import SchedulePlan
from resque_core.grid.schedule import plan

LOOKBACK = timedelta(hours=1)  # the point that holds "now" may have started up to a step before it


def schedule_job(
    provider: IntensityProvider,
    zone: str,
    duration_s: float,
    energy_kwh: float,
    *,
    now: datetime | None = None,
    horizon_s: float = 24 * 3600.0,
    deadline: datetime | None = None,
    interruptible: bool = False,
) -> tuple[SchedulePlan, IntensitySeries]:
    """The plan for a job in ``zone`` and the series it was made from.

    Args:
        provider: Where the intensity comes from (a provider, a ``CachedProvider`` or a ``FallbackChain``).
        duration_s, energy_kwh: The job: its length, seconds, and its energy, kWh.
        now: Current time (default the clock, to the minute).
        horizon_s: How far ahead of ``now`` to fetch, seconds (further when the deadline is later).
        deadline: The job must end by then (UTC; naive is taken as UTC).
        interruptible: Also find the cleanest set of slots for a job that can pause.

    Raises:
        ProviderFailure: The provider could not answer.
        ScheduleError: No start lets the job finish within the series and the deadline.
    """
    now = to_utc(now) if now is not None else minute_now()
    deadline = to_utc(deadline) if deadline is not None else None
    end = max(now + timedelta(seconds=horizon_s), deadline or now)
    series = provider.intensity(zone, now - LOOKBACK, end)
    result = plan(series, duration_s, energy_kwh, now=now, deadline=deadline, interruptible=interruptible)
    return result, series
