"""Build providers by name, reading the Electricity Maps settings from the environment on request."""

from __future__ import annotations

import logging
import os
import pathlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import IO, Any

from resque_core.grid.base import IntensityProvider, ProviderFailure
from resque_core.grid.cache import CachedProvider
from resque_core.grid.chain import FallbackChain

logger = logging.getLogger(__name__)

PROVIDERS = ("electricitymaps", "uk", "csv", "offline", "illustrative")
KEY_ENV = "ELECTRICITYMAPS_API_KEY"
URL_ENV = "ELECTRICITYMAPS_API_URL"


def electricitymaps_settings(env: Mapping[str, str] | None = None) -> tuple[str | None, str]:
    """(api_key, base_url) from ``ELECTRICITYMAPS_API_KEY`` / ``ELECTRICITYMAPS_API_URL`` (or defaults)."""
    from resque_core.grid.electricitymaps import DEFAULT_API_URL

    env = os.environ if env is None else env
    return env.get(KEY_ENV) or None, env.get(URL_ENV) or DEFAULT_API_URL


def _checked_url(name: str, url: str, where: str) -> str:
    """``url``, refused in one line unless it is an http(s) URL (urllib3 would warn first, then fail)."""
    from resque_core.grid.http import is_http_url

    if not is_http_url(url):
        raise ProviderFailure(name, "bad-input", f"{where} {url!r} must be an http:// or https:// URL with a host.")
    return url


def make_provider(
    name: str,
    *,
    api_key: str | None = None,
    api_url: str | None = None,
    postcode: str | None = None,
    csv: str | pathlib.Path | bytes | IO[Any] | None = None,
    timeout_s: float = 10.0,
    session: Any = None,
    env: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> IntensityProvider:
    """One provider by name ("electricitymaps", "uk", "csv", "offline", "illustrative").

    Args:
        api_key: Electricity Maps key; default ``ELECTRICITYMAPS_API_KEY`` (the dashboard passes ``st.secrets``).
        api_url: Base URL of the service; default ``ELECTRICITYMAPS_API_URL`` or the public one.
        postcode: UK postcode/outward code for the regional UK forecast.
        csv: The CSV source (path, bytes or file object), required for "csv".
        timeout_s: Limit for every HTTP call, seconds.
        session: Optional ``requests.Session``.
        env: Environment to read instead of ``os.environ`` (tests).
        now: Pins "now" for "illustrative", whose profile starts at that hour; default the clock at each call.
    """
    if name == "electricitymaps":
        from resque_core.grid.electricitymaps import ElectricityMapsProvider

        env_key, env_url = electricitymaps_settings(env)
        base_url = _checked_url(name, api_url or env_url, "the base URL" if api_url else URL_ENV)
        return ElectricityMapsProvider(api_key or env_key, base_url=base_url, timeout_s=timeout_s, session=session)
    if name == "uk":
        from resque_core.grid.ukgrid import DEFAULT_UK_URL, UKGridProvider

        base_url = _checked_url(name, api_url, "the base URL") if api_url else DEFAULT_UK_URL
        return UKGridProvider(postcode, base_url=base_url, timeout_s=timeout_s, session=session)
    if name == "csv":
        from resque_core.grid.csvfile import CsvProvider

        if csv is None:
            raise ProviderFailure("csv", "bad-input", "the csv provider needs a file: pass --csv PATH or upload one.")
        return CsvProvider(csv)
    if name == "offline":
        from resque_core.grid.offline import OfflineProvider

        return OfflineProvider()
    if name == "illustrative":
        from resque_core.grid.illustrative import IllustrativeProvider

        return IllustrativeProvider(now=now)
    raise ProviderFailure(name, "bad-input", f"unknown provider {name!r}: use one of {', '.join(PROVIDERS)}.")


def make_chain(
    names: Sequence[str], *, api_urls: Mapping[str, str] | None = None, ttl_s: float = 900.0, **settings: Any
) -> FallbackChain:
    """A cached fallback chain over the named providers, in that order.

    Args:
        names: Provider names, most preferred first.
        api_urls: Base URL per provider name (each service has its own), e.g. ``{"uk": "http://proxy"}``.
        ttl_s: How long answers stay cached, seconds.
        **settings: Passed to every ``make_provider`` call (api_key, postcode, csv, timeout_s, session, env, now).
    """
    urls = dict(api_urls or {})
    return FallbackChain(
        [CachedProvider(make_provider(n, api_url=urls.get(n), **settings), ttl_s=ttl_s) for n in names]
    )


def list_zones(provider: Any = None) -> tuple[dict[str, str], str]:
    """(zone code -> name, where the list came from) for a zone picker.

    Asks ``provider.zones()`` (an ``ElectricityMapsProvider``) when given and reachable, else
    lists the countries the offline averages cover, by ISO alpha-2 code.
    """
    if provider is not None:
        try:
            return provider.zones(), "Electricity Maps /zones"
        except ProviderFailure as exc:
            logger.info("zones from the API unavailable (%s); using the offline country list", exc.reason)
    from resque_core.grid.offline import country_zones

    return country_zones(), "codecarbon country list (offline)"
