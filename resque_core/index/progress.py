"""Progress over several embedding passes, reported as one count of images."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]  # progress(images_done, images_total)


class PassProgress:
    """Turns per-pass (done, total) callbacks into one (done, total) over every pass."""

    def __init__(self, callback: Progress | None, total: int) -> None:
        self.callback, self.total, self.offset = callback, total, 0

    def pass_callback(self, size: int) -> Progress | None:
        """The callback for the next pass of ``size`` images (None when nobody listens)."""
        if self.callback is None:
            return None
        offset = self.offset
        self.offset += size
        return lambda done, _total: self.callback(offset + done, self.total)
