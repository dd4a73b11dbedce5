"""Electricity Maps v3 through the official ``electricitymaps`` SDK (0.0.1, beta).

Every call goes through the SDK's transport (its URL building, auth and request checks), and
its raw answer is read within one deadline and size cap and checked point by point
(``build_series``): a forecast with a few bad points is used, with a note saying how many were
dropped; one with too few good points is refused, so a fallback chain moves on. The step is
read from the answer, not from the granularity asked for. Free keys get no forecast: then the
zone's past 24 h, shifted by +24 h, stands in as a *same hours tomorrow* proxy (``history-proxy``).

SDK quirks this module works around:

* ``ElectricityMapsClient.__getattr__`` recurses forever on unknown attributes, and its adapters
  cannot pass a timeout; so we call the generated ``CarbonIntensityAPI`` it wraps, which takes
  ``_request_timeout``, and never hold an ``ElectricityMapsClient``.
* Its typed calls read the whole body at once (no deadline, no cap), reject a whole forecast for
  one null value, and ``latest()``/``history()`` reject answers missing ``emissionFactorType``,
  ``isEstimated`` or ``temporalGranularity``; so we call its ``*_without_preload_content`` variants
  (same URL, auth and timeout) and parse the answer ourselves.
* Its transport follows redirects and would carry ``auth-token`` to another host; ``emsdk`` turns
  redirects off.
* It installs a top-level module named ``openapi``; ``emsdk.import_sdk`` checks it is the SDK's.
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from resque_core.grid.base import IntensitySeries, ProviderFailure, build_series, to_utc
from resque_core.grid.emsdk import Secret, carbon_intensity_api, sdk_get
from resque_core.grid.fetch import DEFAULT_MAX_BYTES
from resque_core.grid.http import get_json, json_of
from resque_core.grid.points import read_time, step_label

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
        timeout_s: Limit for every HTTP call as a whole (connect, headers and body), seconds.
        granularity: "5_minutes", "15_minutes" or "hourly".
        history_fallback: Use the past 24 h as a proxy when the key has no forecast access.
        session: Optional ``requests.Session`` for the calls made with ``requests`` (zones).
        max_bytes: The largest answer read, bytes; a larger one is refused unread.
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
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        if granularity not in GRANULARITY_S:
            raise ProviderFailure(
                NAME, "bad-input", f"granularity {granularity!r}: use one of {sorted(GRANULARITY_S)}."
            )
        if not (isinstance(timeout_s, int | float) and 0 < timeout_s < math.inf):
            raise ProviderFailure(
                NAME,
                "bad-input",
                f"timeout_s (--timeout) must be a positive, finite number of seconds, not {timeout_s!r}.",
            )
        self._key = Secret(api_key)
        self.base_url = base_url.rstrip("/")
        self.timeout_s = float(timeout_s)
        self.granularity = granularity
        self.history_fallback = history_fallback
        self.session = session
        self.max_bytes = int(max_bytes)

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
        """The zone's forecast, at the step the service answered (labelled so, even if not the one asked for)."""
        from openapi.models.temporal_granularity import TemporalGranularity

        body = self._raw(
            "forecast", "get_carbon_intensity_forecast_without_preload_content", zone,
            horizon_hours=horizon_hours, temporal_granularity=TemporalGranularity(self.granularity),
        )  # fmt: skip
        series = _series(body, "forecast", zone, source=f"{LABEL} forecast", kinds="forecast")
        notes = series.notes
        if series.step_s != GRANULARITY_S[self.granularity]:
            asked, got = step_label(GRANULARITY_S[self.granularity]), step_label(series.step_s)
            notes = (*notes, f"{LABEL}: asked for {asked} points, the service answered {got} points; the {got} "
                             "step of the answer is used.")  # fmt: skip
        return replace(series, source=f"{LABEL} forecast ({step_label(series.step_s)})", notes=notes)

    def history_proxy(self, zone: str) -> IntensitySeries:
        """The zone's past 24 h shifted by +24 h: a *same hours tomorrow* stand-in for a forecast."""
        body = self._raw("history", "get_carbon_intensity_history_without_preload_content", zone)
        source = f"{LABEL} past 24 h shifted by +24 h (same hours tomorrow, not a forecast)"
        return _series(body, "history", zone, source=source, kinds="history-proxy", shift=timedelta(hours=24))

    def latest(self, zone: str) -> IntensitySeries:
        """The zone's latest measured value, as a one-point series."""
        body = self._raw("latest", "get_carbon_intensity_latest_without_preload_content", zone)
        step_s = GRANULARITY_S.get(str(body.get("temporalGranularity")), 3600)
        return _series({"latest": [body]}, "latest", zone, source=f"{LABEL} latest", kinds="measured", step_s=step_s)

    def zones(self) -> dict[str, str]:
        """Zone code to display name, as listed by ``/zones``.

        Uses ``requests``: the SDK's ``ZonesResponse`` expects a ``zones`` wrapper the API does
        not send, and its zones adapter is disabled upstream ("broken because of type error").
        """
        headers = {"auth-token": self._key.value} if self._key.value else {}
        body = get_json(
            NAME, f"{LABEL} zones", f"{self.base_url}/zones", timeout_s=self.timeout_s,
            session=self.session, headers=headers, secret=self._key.value, max_bytes=self.max_bytes,
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

    def _raw(self, what: str, method: str, zone: str, **params: Any) -> dict:
        """The JSON object one SDK call answered, read within the deadline and the size cap."""
        self._require_key()
        api = carbon_intensity_api(self.base_url, self._key.value)
        label, key = f"{LABEL} {what}", self._key.value

        def send() -> Any:
            return getattr(api, method)(zone_key=zone, _request_timeout=self.timeout_s, **params)

        reply = sdk_get(send, label, self.base_url, self.timeout_s, key, self.max_bytes)
        body = json_of(reply, NAME, label, key)
        if not isinstance(body, dict):
            raise ProviderFailure(NAME, "malformed", f"{label}: the answer is not a JSON object.")
        return body


def _series(
    body: dict,
    key: str,
    zone: str,
    *,
    source: str,
    kinds: str,
    shift: timedelta = timedelta(0),
    step_s: float | None = None,
) -> IntensitySeries:
    """The points under ``body[key]``, checked one by one (``build_series``)."""
    items = body.get(key)
    if not isinstance(items, list):
        raise ProviderFailure(NAME, "malformed", f"{LABEL} {key}: the answer has no {key!r} list.")
    starts = [read_time(item.get("datetime")) if isinstance(item, dict) else None for item in items]
    return build_series(
        zone=zone,
        provider=NAME,
        source=source,
        starts=[t + shift if t is not None else None for t in starts],
        values_g_per_kwh=[item.get("carbonIntensity") if isinstance(item, dict) else None for item in items],
        kinds=kinds,
        step_s=step_s,
        min_points=1 if key == "latest" else 2,
    )


def _zone_name(code: str, info: dict) -> str:
    return str(info.get("zoneName") or info.get("displayName") or info.get("countryName") or code)
