"""Grid carbon intensity and low-carbon scheduling.

Providers answer ``intensity(zone, start, end) -> IntensitySeries``; ``plan`` finds when to run a
job, and ``schedule_job`` fetches the window a job needs and plans it (the CLI and the dashboard
both call it). Build providers with ``make_provider``/``make_chain``; see docs/grid.md.
"""

from __future__ import annotations

from resque_core.grid.base import IntensityProvider, IntensitySeries, ProviderFailure, build_series
from resque_core.grid.cache import CachedProvider
from resque_core.grid.chain import FallbackChain
from resque_core.grid.factory import PROVIDERS, electricitymaps_settings, list_zones, make_chain, make_provider
from resque_core.grid.illustrative import IllustrativeProvider
from resque_core.grid.job import schedule_job
from resque_core.grid.plan import SchedulePlan, StartOption
from resque_core.grid.schedule import in_timezone, plan
from resque_core.grid.slots import Slot

__all__ = [
    "PROVIDERS",
    "CachedProvider",
    "FallbackChain",
    "IllustrativeProvider",
    "IntensityProvider",
    "IntensitySeries",
    "ProviderFailure",
    "SchedulePlan",
    "Slot",
    "StartOption",
    "build_series",
    "electricitymaps_settings",
    "in_timezone",
    "list_zones",
    "make_chain",
    "make_provider",
    "plan",
    "schedule_job",
]
