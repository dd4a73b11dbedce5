"""Electricity Maps v3 through the official ``electricitymaps`` SDK (0.0.1, beta).

The forecast goes through the SDK's typed call. Free keys get no forecast: then the zone's past
24 h, shifted by +24 h, stands in as a *same hours tomorrow* proxy, labeled ``history-proxy``.

SDK quirks this module works around:

* ``ElectricityMapsClient.__getattr__`` recurses forever on unknown attributes, and its adapters
  cannot pass a timeout; so we call the generated ``CarbonIntensityAPI`` it wraps, which takes
  ``_request_timeout``, and never hold an ``ElectricityMapsClient``.
* ``latest()`` and ``history()`` reject answers missing ``emissionFactorType``, ``isEstimated`` or a
  top-level ``temporalGranularity``; for those we take the raw answer from the SDK's transport
  (``*_without_preload_content``, same auth and timeout) and parse it ourselves.
* It installs a top-level module named ``openapi``; ``emsdk.import_sdk`` checks it is the SDK's.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from resque_core.grid.base import IntensitySeries, ProviderFailure, build_series, to_utc
from resque_core.grid.emsdk import Secret, carbon_intensity_api, sdk_call
from resque_core.grid.http import get_json, parse_json, status_failure

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.electricitymaps.com/v3"
GRANULARITY_S = {"5_minutes": 300, "15_minutes": 900, "hourly": 3600}
NAME = "electricitymaps"
LABEL = "Electricity Maps"


class ElectricityMapsProvider:
    """Carbon intensity from Electricity Maps: forecast, or the past 24 h as a proxy.

    Args:
        api_key: The ``auth-token``; never logged or shown.
        base_url: API root ending in ``/v3`` (proxies and tests use their own).
        timeout_s: Limit for every HTTP call, seconds.
        granularity: "5_minutes", "15_minutes" or "hourly".
        history_fallback: Use the past 24 h as a proxy when the key has no forecast access.
        session: Optional ``requests.Session`` for the calls made with ``requests`` (zones).
    """

    name = NAME

    def __init__(
        self,
        api_key: str | None,
        *,
        base_url: str = DEFAULT_API_URL,
        timeout_s: float = 10.0,
        granularity: str = "hourly",
        history_fallback: bool = True,
        session: Any = None,
    ) -> None:
        if granularity not in GRANULARITY_S:
            raise ProviderFailure(
                NAME, "bad-input", f"granularity {granularity!r}: use one of {sorted(GRANULARITY_S)}."
            )
        if not timeout_s > 0:
            raise ProviderFailure(NAME, "bad-input", f"timeout_s must be positive, got {timeout_s!r}.")
        self._key = Secret(api_key)
        self.base_url = base_url.rstrip("/")
        self.timeout_s = float(timeout_s)
        self.granularity = granularity
        self.history_fallback = history_fallback
        self.session = session

    def __repr__(self) -> str:
        return (
            f"ElectricityMapsProvider(base_url={self.base_url!r}, api_key={self._key!r}, timeout_s={self.timeout_s:g})"
        )

    @property
    def cache_identity(self) -> tuple[str, ...]:
        """What distinguishes this provider's answers in a cache (never the key itself)."""
        return (
            NAME,
            self.base_url,
            self.granularity,
            str(self.history_fallback),
            self._key.fingerprint(),
        )

    def intensity(self, zone: str, start: datetime, end: datetime) -> IntensitySeries:
        """Forecast for ``zone`` over ``[start, end)``, or the history proxy when the key has no forecast."""
        start, end = to_utc(start), to_utc(end)
        self._require_key()
        horizon_h = max(1, min(72, math.ceil((end - datetime.now(UTC)).total_seconds() / 3600)))
        try:
            series = self.forecast(zone, horizon_h)
        except ProviderFailure as exc:
            if not (self.history_fallback and exc.reason in ("bad-key", "empty", "bad-input")):
                raise
            logger.info("%s: no forecast for %s (%s); using the past 24 h as a proxy", LABEL, zone, exc.reason)
            series = self._proxy_after(zone, exc)
        return series.clip(start, end)

    def forecast(self, zone: str, horizon_hours: int = 24) -> IntensitySeries:
        """The zone's forecast, through the SDK's typed call."""
        from openapi.models.temporal_granularity import TemporalGranularity

        api = carbon_intensity_api(self.base_url, self._key.value)
        answer = self._call(
            "forecast",
            lambda: api.get_carbon_intensity_forecast(
                zone_key=zone,
                horizon_hours=horizon_hours,
                temporal_granularity=TemporalGranularity(self.granularity),
                _request_timeout=self.timeout_s,
            ),
        )
        points = [(p.dt, p.carbon_intensity) for p in answer.forecast if p.carbon_intensity is not None]
        if not points:
            raise ProviderFailure(NAME, "empty", f"{LABEL} forecast: empty forecast for zone {zone!r}.")
        return build_series(
            zone=zone,
            provider=NAME,
            source=f"{LABEL} forecast ({self.granularity.replace('_', ' ')})",
            starts=[_parse_time(t) for t, _ in points],
            values_g_per_kwh=[v for _, v in points],
            kinds="forecast",
            step_s=GRANULARITY_S[self.granularity],
        )

    def history_proxy(self, zone: str) -> IntensitySeries:
        """The zone's past 24 h shifted by +24 h: a *same hours tomorrow* stand-in for a forecast."""
        body = self._raw("history", "get_carbon_intensity_history_without_preload_content", zone)
        points = _points(body, "history", zone)
        step_s = GRANULARITY_S.get(str(body.get("temporalGranularity")))
        shift = timedelta(hours=24)
        return build_series(
            zone=zone,
            provider=NAME,
            source=f"{LABEL} past 24 h shifted by +24 h (same hours tomorrow, not a forecast)",
            starts=[t + shift for t, _ in points],
            values_g_per_kwh=[v for _, v in points],
            kinds="history-proxy",
            step_s=step_s,
        )

    def latest(self, zone: str) -> IntensitySeries:
        """The zone's latest measured value, as a one-point series."""
        body = self._raw("latest", "get_carbon_intensity_latest_without_preload_content", zone)
        (moment, value), *_ = _points({"latest": [body]}, "latest", zone)
        step_s = GRANULARITY_S.get(str(body.get("temporalGranularity")), 3600)
        return build_series(
            zone=zone, provider=NAME, source=f"{LABEL} latest", starts=[moment], values_g_per_kwh=[value],
            kinds="measured", step_s=step_s,
        )  # fmt: skip

    def zones(self) -> dict[str, str]:
        """Zone code to display name, as listed by ``/zones``.

        Uses ``requests``: the SDK's ``ZonesResponse`` expects a ``zones`` wrapper the API does
        not send, and its zones adapter is disabled upstream ("broken because of type error").
        """
        headers = {"auth-token": self._key.value} if self._key.value else {}
        body = get_json(
            NAME, f"{LABEL} zones", f"{self.base_url}/zones", timeout_s=self.timeout_s,
            session=self.session, headers=headers, secret=self._key.value,
        )  # fmt: skip
        table = body.get("zones", body) if isinstance(body, dict) else None
        zones = {c: _zone_name(c, i) for c, i in sorted(table.items()) if isinstance(i, dict)} if table else {}
        if not zones:
            raise ProviderFailure(NAME, "malformed", f"{LABEL} zones: the answer is not a table of zones.")
        return zones

    def _proxy_after(self, zone: str, forecast_failure: ProviderFailure) -> IntensitySeries:
        try:
            series = self.history_proxy(zone)
        except ProviderFailure as exc:
            message = f"{forecast_failure} The past-24 h fallback also failed: {exc}"
            raise ProviderFailure(NAME, exc.reason, message, exc.retry_after_s) from exc
        if forecast_failure.reason == "empty":
            why = "there is no forecast for this zone"
        else:  # 401/403 (or 400): the forecast endpoint refused this key
            why = "this key has no forecast access (free keys get none)"
        note = f"{LABEL}: {why}; the past 24 h shifted by +24 h stands in for tomorrow (not a forecast)."
        return replace(series, notes=(*series.notes, note))

    def _require_key(self) -> None:
        if not self._key.value:
            raise ProviderFailure(
                NAME, "bad-key", f"{LABEL}: no API key. Set ELECTRICITYMAPS_API_KEY or add it to Streamlit secrets."
            )

    def _call(self, what: str, fn: Any) -> Any:
        return sdk_call(fn, f"{LABEL} {what}", self.base_url, self.timeout_s, self._key.value)

    def _raw(self, what: str, method: str, zone: str) -> dict:
        self._require_key()
        api = carbon_intensity_api(self.base_url, self._key.value)
        resp = self._call(what, lambda: getattr(api, method)(zone_key=zone, _request_timeout=self.timeout_s))
        body_bytes = resp.data
        if resp.status >= 400:
            text = body_bytes.decode("utf-8", "replace")
            raise status_failure(
                NAME, f"{LABEL} {what}", resp.status, headers=resp.headers, body=text, secret=self._key.value
            )
        body = parse_json(NAME, f"{LABEL} {what}", body_bytes)
        if not isinstance(body, dict):
            raise ProviderFailure(NAME, "malformed", f"{LABEL} {what}: the answer is not a JSON object.")
        return body


def _parse_time(text: str) -> datetime:
    try:
        return to_utc(datetime.fromisoformat(str(text).replace("Z", "+00:00")))
    except ValueError as exc:
        raise ProviderFailure(NAME, "malformed", f"{LABEL}: unreadable datetime {str(text)[:40]!r}.") from exc


def _points(body: dict, key: str, zone: str) -> list[tuple[datetime, float]]:
    items = body.get(key)
    if not isinstance(items, list):
        raise ProviderFailure(NAME, "malformed", f"{LABEL} {key}: the answer has no {key!r} list.")
    points = []
    for item in items:
        value = item.get("carbonIntensity") if isinstance(item, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            points.append((_parse_time(item.get("datetime")), float(value)))
    if not points:
        raise ProviderFailure(NAME, "empty", f"{LABEL} {key}: no carbon-intensity values for zone {zone!r}.")
    return points


def _zone_name(code: str, info: dict) -> str:
    return str(info.get("zoneName") or info.get("displayName") or info.get("countryName") or code)
