"""The UK Carbon Intensity API (National Grid ESO): free, no key, 30-minute forecast ~48 h ahead."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from resque_core.grid.base import IntensitySeries, ProviderFailure, build_series, to_utc
from resque_core.grid.http import get_json

DEFAULT_UK_URL = "https://api.carbonintensity.org.uk"
NAME = "uk"
LABEL = "UK Carbon Intensity API"
STEP_S = 1800
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
        timeout_s: Limit for every HTTP call, seconds.
        session: Optional ``requests.Session``.
    """

    name = NAME

    def __init__(
        self,
        postcode: str | None = None,
        *,
        base_url: str = DEFAULT_UK_URL,
        timeout_s: float = 10.0,
        session: Any = None,
    ) -> None:
        if not timeout_s > 0:
            raise ProviderFailure(NAME, "bad-input", f"timeout_s must be positive, got {timeout_s!r}.")
        self.outcode = outcode_of(postcode) if postcode else None
        self.base_url = base_url.rstrip("/")
        self.timeout_s = float(timeout_s)
        self.session = session

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
        body = get_json(NAME, LABEL, url, timeout_s=self.timeout_s, session=self.session)
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
        starts, ends, values, kinds = [], [], [], []
        for row in rows:
            parsed = _row(row)
            if parsed is not None:
                starts.append(parsed[0])
                ends.append(parsed[1])
                values.append(parsed[2])
                kinds.append(parsed[3])
        if not starts:
            raise ProviderFailure(NAME, "empty", f"{LABEL}: the forecast is empty; try later or use another provider.")
        where = f"region {region} (postcode {self.outcode})" if region else "national"
        return build_series(
            zone=f"GB-{self.outcode}" if self.outcode else "GB",
            provider=NAME,
            source=f"{LABEL} forecast, {where}",
            starts=starts,
            ends=ends,
            values_g_per_kwh=values,
            kinds=kinds,
            step_s=STEP_S,
        )


def _row(row: Any) -> tuple[datetime, datetime, float, str] | None:
    if not isinstance(row, dict) or not isinstance(row.get("intensity"), dict):
        raise ProviderFailure(NAME, "malformed", f"{LABEL}: a data row lacks 'intensity'.")
    intensity = row["intensity"]
    actual, forecast = intensity.get("actual"), intensity.get("forecast")
    value, kind = (actual, "measured") if _is_number(actual) else (forecast, "forecast")
    if not _is_number(value):
        return None
    try:
        frm = to_utc(datetime.fromisoformat(str(row["from"]).replace("Z", "+00:00")))
        to = to_utc(datetime.fromisoformat(str(row["to"]).replace("Z", "+00:00")))
    except (KeyError, ValueError) as exc:
        raise ProviderFailure(NAME, "malformed", f"{LABEL}: a data row has unreadable 'from'/'to' times.") from exc
    if to <= frm:
        raise ProviderFailure(NAME, "malformed", f"{LABEL}: a data row ends before it starts ({row['from']}).")
    return frm, to, float(value), kind


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
