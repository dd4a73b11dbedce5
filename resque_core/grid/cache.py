"""A time-to-live cache in front of any provider, in memory, keyed without the API key."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from resque_core.grid.base import IntensityProvider, IntensitySeries, to_utc


class CachedProvider:
    """Remembers a provider's answers for ``ttl_s`` seconds; failures are never cached.

    The key is the provider's ``cache_identity`` (never the API key), the zone and the requested
    range rounded down to ``bucket_s``, so calls made a few seconds apart share one answer.

    Args:
        provider: The provider to ask on a miss.
        ttl_s: How long an answer stays fresh, seconds.
        bucket_s: Rounding of the requested start and end, seconds.
        max_entries: Oldest answers are dropped beyond this many.
        clock: Monotonic clock in seconds (tests pass a fake).
    """

    def __init__(
        self,
        provider: IntensityProvider,
        *,
        ttl_s: float = 900.0,
        bucket_s: float = 60.0,
        max_entries: int = 128,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.ttl_s = float(ttl_s)
        self.bucket_s = float(bucket_s)
        self.max_entries = int(max_entries)
        self._clock = clock
        self._entries: OrderedDict[tuple, tuple[float, IntensitySeries]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        """The wrapped provider's name."""
        return self.provider.name

    @property
    def cache_identity(self) -> tuple[str, ...]:
        """The wrapped provider's cache identity."""
        return tuple(getattr(self.provider, "cache_identity", (self.provider.name,)))

    def __repr__(self) -> str:
        return f"CachedProvider({self.provider!r}, ttl_s={self.ttl_s:g})"

    def intensity(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """The cached answer when fresh, else the provider's (then cached)."""
        key = (self.cache_identity, zone, self._bucket(start), self._bucket(end))
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < self.ttl_s:
                self.hits += 1
                return entry[1]
        series = self.provider.intensity(zone, start, end)
        with self._lock:
            self.misses += 1
            self._entries[key] = (now, series)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return series

    def clear(self) -> None:
        """Forget every answer."""
        with self._lock:
            self._entries.clear()

    def _bucket(self, moment: datetime) -> int:
        return int(to_utc(moment).timestamp() // self.bucket_s)
