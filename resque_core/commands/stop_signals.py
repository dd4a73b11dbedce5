"""SIGINT (Ctrl-C) and SIGTERM as a request to stop a long command cleanly.

The first signal only raises a flag that the work polls (a calibration sweep abandons the case in
progress and keeps every finished one); a second one stops at once (``KeyboardInterrupt``).
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

__all__ = ["StopOnSignals"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopOnSignals:
    """``with StopOnSignals() as stop: work(should_stop=stop.requested)``; then ``stop.signum`` says which came.

    Outside the main thread (where Python cannot install handlers) it never requests a stop.
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopOnSignals:
        if threading.current_thread() is threading.main_thread():
            self._previous = {s: signal.signal(s, self._handle) for s in SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def requested(self) -> bool:
        return self.signum is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    @property
    def exit_code(self) -> int:
        """The shell's code for a command ended by this signal (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + (self.signum or 0)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            raise KeyboardInterrupt
        self.signum = signum  # nothing printed here: the handler may interrupt a print to the same stream
