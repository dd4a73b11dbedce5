"""One HTTP answer within one deadline and one size cap.

A timeout on each socket read does not bound a call: a server that trickles a byte every two
seconds never trips it. So the whole call (connect, headers and body) runs in a worker thread
and the caller waits for it at most ``timeout_s``; the body is read in small pieces and refused
past ``max_bytes``, before it is all in memory. When a call is cut at its deadline its socket is
shut, so the worker stops at its next read instead of reading on.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from resque_core.grid.base import ProviderFailure

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 5_000_000  # a 72-hour 5-minute forecast is ~60 kB; 5 MB is far beyond any real answer
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class Reply:
    """A complete HTTP answer: status, headers (as sent) and the whole body, at most the cap."""

    status: int
    headers: Mapping[str, str]
    body: bytes


def fetch(
    open_response: Callable[[], Any],
    *,
    provider: str,
    label: str,
    timeout_s: float,
    failure_of: Callable[[BaseException], ProviderFailure],
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Reply:
    """Send a request and read its answer, all within ``timeout_s`` and at most ``max_bytes`` of body.

    Args:
        open_response: Sends the request and returns the urllib3 response, body not yet read
            (``preload_content=False``; ``requests``' ``stream=True`` gives it as ``.raw``).
        failure_of: Turns an exception raised while sending or reading into a ``ProviderFailure``.

    Raises:
        ProviderFailure: "timeout" past the deadline, "malformed" past the size cap, or what
            ``failure_of`` makes of a transport error.
    """
    call = _Call(open_response, provider, label, timeout_s, max_bytes)
    threading.Thread(target=call.run, name=f"fetch {label}", daemon=True).start()
    if not call.done.wait(timeout_s):
        call.cancel()
        logger.info("%s: cut at the %g s deadline", label, timeout_s)
        raise call.timed_out()
    if isinstance(call.error, ProviderFailure):
        raise call.error
    if call.error is not None:
        raise failure_of(call.error) from call.error
    return call.reply


class _Call:
    """One request in its worker thread: its response, its result, and a way to cut it short."""

    def __init__(self, open_response: Callable[[], Any], provider: str, label: str, timeout_s: float, cap: int):
        self.open_response, self.provider, self.label = open_response, provider, label
        self.timeout_s, self.deadline, self.cap = timeout_s, time.monotonic() + timeout_s, cap
        self.done = threading.Event()
        self.reply: Reply | None = None
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        self._response: Any = None
        self._cancelled = False

    def run(self) -> None:
        try:
            response = self.open_response()
            with self._lock:
                self._response = response
            if not self._cancelled:
                self.reply = Reply(int(response.status), dict(response.headers), self._read(response))
        except BaseException as exc:  # handed to the caller's thread, which decides
            self.error = exc
        finally:
            self._close()
            self.done.set()

    def cancel(self) -> None:
        """Stop the worker: shut the socket it may be blocked on."""
        with self._lock:
            self._cancelled = True
            response = self._response
        if response is not None:
            with contextlib.suppress(ValueError, RuntimeError, OSError):  # already released: nothing blocks on it
                response.shutdown()  # wakes a read blocked in the worker thread

    def _read(self, response: Any) -> bytes:
        declared = str(response.headers.get("content-length", "")).strip()
        if declared.isdigit() and int(declared) > self.cap:
            raise self._too_large(f"it announces {int(declared) / 1e6:.1f} MB")
        chunks, size = [], 0
        while not self._cancelled and time.monotonic() < self.deadline:
            chunk = response.read1(CHUNK_BYTES, decode_content=True)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.cap:
                raise self._too_large(f"more than {self.cap / 1e6:g} MB arrived")
            chunks.append(chunk)
        raise self.timed_out()  # the deadline passed mid-body (the caller may not have noticed yet)

    def timed_out(self) -> ProviderFailure:
        """The failure of a call cut at its deadline, wherever the cut fell."""
        return ProviderFailure(
            self.provider,
            "timeout",
            f"{self.label}: no answer within {self.timeout_s:g} s (connect, headers and body together); try later.",
        )

    def _too_large(self, what: str) -> ProviderFailure:
        return ProviderFailure(
            self.provider,
            "malformed",
            f"{self.label}: the answer is too large ({what}; the limit is {self.cap / 1e6:g} MB), "
            "so it was refused. Check the base URL.",
        )

    def _close(self) -> None:
        with self._lock:
            response, self._response = self._response, None
        if response is not None:
            with contextlib.suppress(OSError):
                response.close()


def is_timeout(exc: BaseException) -> bool:
    """Whether a transport error (or the reason it wraps) is a timeout."""
    import urllib3

    errors = urllib3.exceptions
    for err in (exc, getattr(exc, "reason", None)):
        # NewConnectionError subclasses ConnectTimeoutError in urllib3 2.x: a refused connection is no timeout.
        if isinstance(err, errors.NewConnectionError):
            return False
        if isinstance(err, errors.TimeoutError | TimeoutError):
            return True
    return False
