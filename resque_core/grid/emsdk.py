"""The ``electricitymaps`` SDK as the Electricity Maps provider uses it.

One generated ``CarbonIntensityAPI`` per call site, built on ``openapi.Configuration(host=...)``
with the key and no retries, and every SDK exception turned into a ``ProviderFailure`` whose
text never holds the key.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

from resque_core.grid.base import ProviderFailure
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
    """The SDK's generated ``CarbonIntensityAPI`` for ``base_url`` (it accepts ``_request_timeout``)."""
    openapi = import_sdk()
    cfg = openapi.Configuration(host=base_url)
    cfg.api_key["authToken"] = api_key
    cfg.retries = 0  # one try: the fallback chain decides what comes next, a hung server costs one timeout
    return openapi.CarbonIntensityAPI(openapi.ApiClient(cfg))


def sdk_call(fn: Callable[[], Any], label: str, base_url: str, timeout_s: float, secret: str | None) -> Any:
    """Run one SDK call, turning its exceptions into ``ProviderFailure`` without the key."""
    import urllib3
    from openapi.exceptions import ApiException

    logger.info("%s: GET %s", label, base_url)
    try:
        return fn()
    except ApiException as exc:
        if not exc.status:
            raise ProviderFailure(NAME, "unreachable", f"{label}: cannot reach {base_url}.") from None
        # ``from None``: the SDK's exception text includes response headers a server could echo the key in.
        raise status_failure(NAME, label, exc.status, headers=exc.headers, body=exc.body, secret=secret) from None
    except urllib3.exceptions.HTTPError as exc:
        if is_timeout(exc):
            raise ProviderFailure(NAME, "timeout", f"{label}: no answer within {timeout_s:g} s; try later.") from exc
        text = f"{label}: cannot reach {base_url} ({type(exc).__name__}); check the network or the base URL."
        raise ProviderFailure(NAME, "unreachable", redact(text, secret)) from exc
    except ValueError:  # json.JSONDecodeError and pydantic.ValidationError both are ValueErrors
        raise ProviderFailure(NAME, "malformed", f"{label}: the answer does not have the expected shape.") from None


def is_timeout(exc: BaseException) -> bool:
    """Whether a urllib3 error (or the reason it wraps) is a timeout."""
    import urllib3

    errors = urllib3.exceptions
    for err in (exc, getattr(exc, "reason", None)):
        # NewConnectionError subclasses ConnectTimeoutError in urllib3 2.x: a refused connection is no timeout.
        if isinstance(err, errors.TimeoutError) and not isinstance(err, errors.NewConnectionError):
            return True
    return False
