"""HTTP for the grid providers: one bounded GET (``fetch``), and turning answers into JSON or messages.

Every message is passed through ``redact`` so an API key can never reach a log, an error, a
report or an export, even if a server echoes it back.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from resque_core.grid.base import ProviderFailure
from resque_core.grid.fetch import DEFAULT_MAX_BYTES, Reply, fetch, is_timeout

logger = logging.getLogger(__name__)

_MAX_DETAIL_CHARS = 160


def is_http_url(text: str) -> bool:
    """Whether ``text`` is an http(s) URL with a host (and, if any, a valid port): what a base URL must be."""
    try:
        parts = urlsplit(text.strip())
        return parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 1) > 0
    except ValueError:  # a bad IPv6 literal, a port out of range
        return False


_SHORT_SECRET_CHARS = 8


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced by ``***``.

    A short secret (under 8 characters: a typo, a test key) is replaced only where it stands alone, between
    characters that are not letters or digits, so that it does not cut words ("MaxRetryError") to pieces.
    """
    if not secret:
        return text
    if len(secret) >= _SHORT_SECRET_CHARS:
        return text.replace(secret, "***")
    return re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", "***", text)


def retry_after_s(headers: Mapping[str, str] | None) -> float | None:
    """The ``Retry-After`` header in seconds, when it is a number."""
    if not headers:
        return None
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def status_failure(
    provider: str,
    label: str,
    status: int,
    *,
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    secret: str | None = None,
) -> ProviderFailure:
    """The failure for an HTTP error status, with a message saying what to do."""
    detail = _server_message(body)
    suffix = f" (server said: {detail})" if detail else ""
    if status in (401, 403):
        reason, text = "bad-key", f"{label}: HTTP {status}, the API key was refused or lacks access{suffix}. "
        text += "Check the key (ELECTRICITYMAPS_API_KEY or Streamlit secrets) and the plan it belongs to."
    elif status == 429:
        wait = retry_after_s(headers)
        after = f"retry after {wait:g} s" if wait is not None else "retry in a minute"
        reason, text = "rate-limit", f"{label}: HTTP 429, rate limit reached; {after}{suffix}."
        return ProviderFailure(provider, reason, redact(text, secret), retry_after_s=wait)
    elif status >= 500:
        reason, text = "server", f"{label}: HTTP {status}, the service is failing on its side{suffix}; try later."
    elif status == 404:
        reason, text = "empty", f"{label}: HTTP 404, no data for this zone{suffix}. Check the zone code."
    else:
        reason, text = "bad-input", f"{label}: HTTP {status}, the request was refused{suffix}. Check the zone code."
    return ProviderFailure(provider, reason, redact(text, secret))


def _server_message(body: str | None) -> str:
    if not body:
        return ""
    try:
        parsed = json.loads(body)
    except ValueError:
        return ""
    message = parsed.get("message") or parsed.get("error") if isinstance(parsed, dict) else None
    if isinstance(message, dict):
        message = message.get("message")
    return str(message)[:_MAX_DETAIL_CHARS] if message else ""


def parse_json(provider: str, label: str, body: bytes | str, secret: str | None = None) -> Any:
    """``body`` parsed as JSON, or a "malformed" failure."""
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ProviderFailure(provider, "malformed", f"{label}: the answer is not valid JSON.") from exc


def json_of(reply: Reply, provider: str, label: str, secret: str | None = None) -> Any:
    """The JSON body of a complete answer; a redirect or an error status is a failure.

    A redirect is never followed: it could carry the API key to another host.
    """
    if 300 <= reply.status < 400:
        where = _host_of(next((v for k, v in reply.headers.items() if k.lower() == "location"), ""))
        text = (
            f"{label}: the service redirected (HTTP {reply.status}) to {where or 'another address'}; "
            "redirects are not followed, so the key is never sent elsewhere. Set the base URL to the real address."
        )
        raise ProviderFailure(provider, "unreachable", redact(text, secret))
    if reply.status >= 400:
        body = reply.body.decode("utf-8", "replace")
        raise status_failure(provider, label, reply.status, headers=reply.headers, body=body, secret=secret)
    return parse_json(provider, label, reply.body, secret)


def _host_of(location: str) -> str:
    parts = urlsplit(location)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}" if parts.scheme and parts.netloc else ""


def get_json(
    provider: str,
    label: str,
    url: str,
    *,
    timeout_s: float,
    session: Any = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    secret: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Any:
    """GET ``url`` within one deadline and size cap (``fetch``), redirects not followed; its JSON body.

    Raises:
        ProviderFailure: On timeout, connection failure, a redirect, an error status, a body over
            ``max_bytes`` or a non-JSON body.
    """
    import requests  # lazy: only needed when a provider really calls out

    getter = session if session is not None else requests
    logger.info("%s: GET %s", label, redact(url, secret))

    def send() -> Any:
        return getter.get(
            url, params=params, headers=dict(headers or {}), timeout=timeout_s, stream=True, allow_redirects=False
        ).raw

    def failure_of(exc: BaseException) -> ProviderFailure:
        if isinstance(exc, requests.Timeout) or is_timeout(exc):
            return ProviderFailure(provider, "timeout", f"{label}: no answer within {timeout_s:g} s; try later.")
        text = f"{label}: cannot reach the service ({type(exc).__name__}); check the network or the base URL."
        return ProviderFailure(provider, "unreachable", redact(text, secret))

    reply = fetch(send, provider=provider, label=label, timeout_s=timeout_s, failure_of=failure_of, max_bytes=max_bytes)
    return json_of(reply, provider, label, secret)
