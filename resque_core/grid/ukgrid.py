"""The UK Carbon Intensity API (National Grid ESO): free, no key, 30-minute forecast ~48 h ahead.

Each row is checked on its own (``build_series``): a row with no value or unreadable times is
dropped with a note; an answer with too few good rows is refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from resque_core.grid.base import IntensitySeries, ProviderFailure, build_series, to_utc
from resque_core.grid.fetch import DEFAULT_MAX_BYTES
from resque_core.grid.http import get_json
from resque_core.grid.points import read_time

DEFAULT_UK_URL = "https://api.carbonintensity.org.uk"
NAME = "uk"
LABEL = "UK Carbon Intensity API"
_OUTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def outcode_of(postcode: str) -> str:
    """The outward code ("RG10") of a UK postcode ("RG10 9XY" or "rg10"), or a ``ProviderFailure``."""
    outcode = postcode.strip().upper().split()[0] if postcode.strip() else ""
    if not _OUTCODE.match(outcode):
        raise ProviderFailure(
            NAME, "bad-input", f"{postcode!r} is not a UK postcode: give an outward code such as 'RG10' or 'SW1A'."
        )
    return outcode


class UKGridProvider:
    """National or regional (by postcode) forecast from the UK Carbon Intensity API.

    Args:
        postcode: UK postcode or its outward code for the regional forecast; None for national.
        base_url: API root (tests and proxies use their own).
        timeout_s: Limit for every HTTP call as a whole (connect, headers and body), seconds.
        session: Optional ``requests.Session``.
        max_bytes: The largest answer read, bytes; a larger one is refused unread.
    """

    name = NAME

    def __init__(
        self,
        postcode: str | None = None,
        *,
        base_url: str = DEFAULT_UK_URL,
        timeout_s: float = 10.0,
        session: Any = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if not (isinstance(timeout_s, int | float) and 0 < timeout_s < math.inf):
            raise ProviderFailure(
                NAME,
                "bad-input",
                f"timeout_s (--timeout) must be a positive, finite number of seconds, not {timeout_s!r}.",
            )
        self.outcode = outcode_of(postcode) if postcode else None
        self.base_url = base_url.rstrip("/")
        self.timeout_s = float(timeout_s)
        self.session = session
        self.max_bytes = int(max_bytes)

    def __repr__(self) -> str:
        return f"UKGridProvider(postcode={self.outcode!r}, base_url={self.base_url!r})"

    @property
    def cache_identity(self) -> tuple[str, ...]:
        """What distinguishes this provider's answers in a cache."""
        return (NAME, self.base_url, self.outcode or "national")

    def intensity(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """Forecast over ``[start, end)`` (at most ~48 h from ``start``); ``zone`` must be GB/UK."""
        if zone.strip().upper() not in ("GB", "UK", "GB-NATIONAL", ""):
            raise ProviderFailure(NAME, "bad-input", f"{LABEL} covers Great Britain only (zone 'GB'), not {zone!r}.")
        start, end = to_utc(start), to_utc(end)
        frm = start.replace(minute=30 if start.minute >= 30 else 0, second=0, microsecond=0)
        stamp = frm.strftime("%Y-%m-%dT%H:%MZ")
        if self.outcode:
            url = f"{self.base_url}/regional/intensity/{stamp}/fw48h/postcode/{self.outcode}"
        else:
            url = f"{self.base_url}/intensity/{stamp}/fw48h"
        body = get_json(NAME, LABEL, url, timeout_s=self.timeout_s, session=self.session, max_bytes=self.max_bytes)
        rows, region = self._rows(body)
        series = self._series(rows, region)
        notes = series.notes
        expected_end = min(end, frm + timedelta(hours=48))
        if series.end < expected_end:
            notes = (*notes, f"The forecast ends early, at {series.end:%Y-%m-%d %H:%M} UTC, not {expected_end:%H:%M}.")
        clipped = series.clip(start, end)
        return replace(clipped, notes=notes)

    def _rows(self, body: Any) -> tuple[list, str | None]:
        data = body.get("data") if isinstance(body, dict) else None
        if self.outcode:
            if isinstance(data, list) and len(data) == 1:
                data = data[0]
            if not isinstance(data, dict) or not isinstance(data.get("data"), list):
                raise ProviderFailure(NAME, "malformed", f"{LABEL}: the regional answer has no data list.")
            return data["data"], str(data.get("shortname") or data.get("regionid") or self.outcode)
        if not isinstance(data, list):
            raise ProviderFailure(NAME, "malformed", f"{LABEL}: the answer has no data list.")
        return data, None

    def _series(self, rows: list, region: str | None) -> IntensitySeries:
        """The rows checked one by one (``build_series``): a bad row is dropped, with a note."""
        parsed = [_row(row) for row in rows]
        where = f"region {region} (postcode {self.outcode})" if region else "national"
        return build_series(
            zone=f"GB-{self.outcode}" if self.outcode else "GB",
            provider=NAME,
            source=f"{LABEL} forecast, {where}",
            starts=[p[0] for p in parsed],
            ends=[p[1] for p in parsed],
            values_g_per_kwh=[p[2] for p in parsed],
            kinds=[p[3] for p in parsed],
            min_points=2,
        )


def _row(row: Any) -> tuple[datetime | None, datetime | None, Any, str]:
    """(from, to, value, kind) of one row: the actual value when there is one (measured), else the forecast."""
    if not isinstance(row, dict):
        return None, None, None, "forecast"
    intensity = row.get("intensity") if isinstance(row.get("intensity"), dict) else {}
    actual = intensity.get("actual")
    if isinstance(actual, int | float) and not isinstance(actual, bool):
        return read_time(row.get("from")), read_time(row.get("to")), actual, "measured"
    return read_time(row.get("from")), read_time(row.get("to")), intensity.get("forecast"), "forecast"
