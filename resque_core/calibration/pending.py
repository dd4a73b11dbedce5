"""Finished records on their way to the records database: a database locked past its busy timeout loses none.

``run_sweep`` hands each finished case's records to ``on_rows`` (the store's writer), each row carrying its
run's curve (``CalibrationRecord.store_row``), so a row and its curve wait and are saved together. When that raises a
``RecordsError`` (another program holds the database longer than ``busy_timeout_s``, above all), the records
wait here in memory and the sweep goes on: they are offered again with the next case's records, and up to
``FINAL_TRIES`` more times when the sweep ends (each try waits the store's busy timeout, so the wait is
bounded). What still could not be saved is returned, for the command to write to ``--out`` or a recovery CSV.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from resque_core.errors import RecordsError

__all__ = ["FINAL_TRIES", "PendingRows"]

log = logging.getLogger(__name__)

FINAL_TRIES = 2


@dataclass
class PendingRows:
    """Store rows not yet saved (``waiting``) and why the last try failed (``reason``, "" if none has)."""

    on_rows: Callable[[list[dict]], None] | None
    waiting: list[dict] = field(default_factory=list)
    reason: str = ""

    def save(self, rows: list[dict]) -> bool:
        """Offer ``rows``, with any still waiting, to ``on_rows``; keep them all if it fails. True: all saved."""
        if self.on_rows is None:
            return True
        self.waiting += rows
        return self._offer()

    def finish(self, tries: int = FINAL_TRIES) -> tuple[dict, ...]:
        """Try the waiting rows up to ``tries`` more times; the rows that still could not be saved."""
        for _ in range(tries):
            if self._offer():
                break
        return tuple(self.waiting)

    def _offer(self) -> bool:
        if not self.waiting:
            return True
        try:
            self.on_rows(list(self.waiting))
        except RecordsError as exc:
            self.reason = str(exc)
            log.info("%d finished runs wait in memory to be saved: %s", len(self.waiting), exc)
            return False
        self.waiting = []
        return True
