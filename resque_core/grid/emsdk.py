"""The ``electricitymaps`` SDK as the Electricity Maps provider uses it.

One generated ``CarbonIntensityAPI`` per call site, built on ``openapi.Configuration(host=...)``
with the key, no retries and no redirects; every call's raw answer read within one deadline and
size cap (``fetch``), and every SDK exception turned into a ``ProviderFailure`` whose text never
holds the key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

from resque_core.grid.base import ProviderFailure
from resque_core.grid.fetch import Reply, fetch, is_timeout
from resque_core.grid.http import redact, status_failure

logger = logging.getLogger(__name__)

NAME = "electricitymaps"
_SALT = secrets.token_bytes(16)  # fresh each process: fingerprints mean nothing outside it


class Secret:
    """Holds the API key; prints as ``***`` wherever it ends up."""

    __slots__ = ("value",)

    def __init__(self, value: str | None) -> None:
        self.value = value or None

    def __repr__(self) -> str:
        return "***" if self.value else "None"

    def fingerprint(self) -> str:
        """A per-process keyed hash: tells keys apart in a cache without holding or revealing them."""
        if not self.value:
            return "no-key"
        return hmac.new(_SALT, self.value.encode(), hashlib.sha256).hexdigest()[:16]

    __str__ = __repr__


def import_sdk() -> Any:
    """The SDK's top-level ``openapi`` module, after checking it is the SDK's and not a namesake."""
    try:
        import electricitymaps.client  # noqa: F401  (the official SDK, which ships ``openapi``)
        import openapi
    except ImportError as exc:
        raise ProviderFailure(
            NAME, "unreachable", "The electricitymaps SDK is not installed: pip install electricitymaps."
        ) from exc
    if not all(hasattr(openapi, name) for name in ("Configuration", "ApiClient", "CarbonIntensityAPI")):
        where = getattr(openapi, "__file__", "?")
        raise ProviderFailure(NAME, "unreachable", f"The module 'openapi' at {where} is not the electricitymaps SDK's.")
    return openapi


def carbon_intensity_api(base_url: str, api_key: str | None) -> Any:
    """The SDK's generated ``CarbonIntensityAPI`` for ``base_url``: one try, redirects never followed.

    urllib3 strips only ``Authorization`` and cookies on a cross-host redirect, not ``auth-token``;
    so a redirect comes back as it is and ``http.json_of`` refuses it.
    """
    import urllib3

    openapi = import_sdk()
    cfg = openapi.Configuration(host=base_url)
    cfg.api_key["authToken"] = api_key
    # One try: the fallback chain decides what comes next, a hung server costs one deadline.
    cfg.retries = urllib3.Retry(total=0, redirect=0, raise_on_redirect=False)
    return openapi.CarbonIntensityAPI(openapi.ApiClient(cfg))


def sdk_get(
    send: Callable[[], Any], label: str, base_url: str, timeout_s: float, secret: str | None, max_bytes: int
) -> Reply:
    """One SDK ``*_without_preload_content`` call, answered within one deadline and size cap (``fetch``).

    Its exceptions become a ``ProviderFailure`` without the key.
    """
    logger.info("%s: GET %s", label, base_url)

    def failure_of(exc: BaseException) -> ProviderFailure:
        from openapi.exceptions import ApiException

        if is_timeout(exc):
            return ProviderFailure(NAME, "timeout", f"{label}: no answer within {timeout_s:g} s; try later.")
        if isinstance(exc, ApiException) and exc.status:
            # The SDK's exception text includes response headers a server could echo the key in.
            return status_failure(NAME, label, exc.status, headers=exc.headers, body=exc.body, secret=secret)
        if isinstance(exc, ValueError):  # the SDK's own checks of the request's arguments
            return ProviderFailure(NAME, "bad-input", f"{label}: the request was refused by the SDK ({exc}).")
        text = f"{label}: cannot reach {base_url} ({type(exc).__name__}); check the network or the base URL."
        return ProviderFailure(NAME, "unreachable", redact(text, secret))

    return fetch(
        send, provider=NAME, label=label, timeout_s=timeout_s, failure_of=failure_of,
        max_bytes=max_bytes,
    )  # fmt: skip
