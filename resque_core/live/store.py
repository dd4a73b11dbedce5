"""Live runs in the records database: each run's settings and every evaluation, committed as it happens.

Two tables beside the records (``forecast.records_db.LIVE_TABLES``): ``live_runs`` (one row per run: its name,
target, cap, prior, where its energy and CO2 come from, its status) and ``live_points`` (one row per
evaluation: epoch, accuracy, cumulative seconds and kWh, wall-clock time). Every write is its own transaction,
so a run killed outright keeps every evaluation it had committed, and another process or machine sharing the
database file sees it at once. A run still marked "running" whose last write is old is shown as silent, not
as finished (``LiveRun.silent_s``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pathlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from resque_core.errors import RecordsError
from resque_core.forecast.records import REQUIRED_COLUMNS, record_sql_columns
from resque_core.forecast.records_db import default_db_path, in_transaction
from resque_core.live.prior import Prior

__all__ = ["STATUSES", "LivePoint", "LiveRun", "RunStore", "reached", "utc_now"]

T = TypeVar("T")
STATUSES = ("running", "finished", "failed", "stopped")

_RUN_COLUMNS = {
    "run_id": "TEXT PRIMARY KEY", "name": "TEXT NOT NULL", "status": "TEXT NOT NULL", "started_at": "TEXT",
    "updated_at": "TEXT", "host": "TEXT", "pid": "INTEGER", "target_acc": "REAL NOT NULL",
    "target_label": "TEXT", "max_epochs": "REAL NOT NULL", "prior": "TEXT", "country_iso": "TEXT",
    "intensity_g_per_kwh": "REAL", "energy_source": "TEXT", "price_per_kwh": "REAL", "currency": "TEXT",
    "record_id": "TEXT", "note": "TEXT",
}  # fmt: skip
_POINT_COLUMNS = ("run_id", "epoch", "val_acc", "seconds", "energy_kwh", "at")


def reached(points, target_acc: float) -> bool:
    """Whether any of ``points`` (evaluations, in order) got to ``target_acc`` (to a float's rounding)."""
    return any(p.val_acc >= target_acc - 1e-12 for p in points)


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class LivePoint:
    """One evaluation: ``epoch`` (fractional epochs trained), ``val_acc`` (0..1, on the new data), ``seconds``
    (wall time since the run began), ``energy_kwh`` (cumulative kWh; None: not metered), ``at`` (UTC, ISO 8601)."""

    epoch: float
    val_acc: float
    seconds: float
    energy_kwh: float | None
    at: str


@dataclass(frozen=True)
class LiveRun:
    """A tracked run as stored (``points`` in epoch order).

    Attributes:
        target_acc: the accuracy on the new data the run is done at (0..1); target_label: it in words.
        max_epochs: the cap. prior: the forecast before the run (None: the library's runs stand in).
        country_iso, intensity_g_per_kwh: the grid kWh turn into CO2 with (g CO2-eq per kWh).
        energy_source: "codecarbon-estimate", "codecarbon-measured", "the team's meter" or "" (not metered).
        price_per_kwh, currency: what a kWh costs (None: not priced).
        status: one of ``STATUSES``. record_id: the calibration record the finished run became (None: none).
    """

    run_id: str
    name: str
    status: str
    started_at: str
    updated_at: str
    host: str
    pid: int
    target_acc: float
    target_label: str
    max_epochs: float
    prior: Prior | None
    country_iso: str = ""
    intensity_g_per_kwh: float | None = None
    energy_source: str = ""
    price_per_kwh: float | None = None
    currency: str | None = None
    record_id: str | None = None
    note: str | None = None
    points: tuple[LivePoint, ...] = field(default=())

    @property
    def silent_s(self) -> float:
        """Seconds since the run last wrote anything."""
        then = dt.datetime.fromisoformat(self.updated_at.replace("Z", "+00:00"))
        if then.tzinfo is None:
            then = then.replace(tzinfo=dt.UTC)
        return (dt.datetime.now(dt.UTC) - then).total_seconds()


class RunStore:
    """The live runs of a records database (``$RESQUE_DB`` or the user's data directory by default)."""

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = pathlib.Path(path).expanduser() if path is not None else default_db_path()
        self._instead = "use another file" if path is not None else "set RESQUE_DB to another file"

    def begin(self, run: LiveRun) -> None:
        """Store a new run (its points, if any, are not written here)."""
        values = {**{k: getattr(run, k) for k in _RUN_COLUMNS if k != "prior"}, "prior": _prior_json(run.prior)}
        names = ", ".join(_RUN_COLUMNS)
        marks = ", ".join("?" for _ in _RUN_COLUMNS)
        self._run(
            lambda c: c.execute(f"INSERT INTO live_runs ({names}) VALUES ({marks})", [values[k] for k in _RUN_COLUMNS])
        )

    def add_point(self, run_id: str, point: LivePoint, energy_source: str | None = None) -> None:
        """Commit one evaluation (replacing one at the same epoch) and mark the run as just updated."""

        def write(conn: sqlite3.Connection) -> None:
            row = (run_id, point.epoch, point.val_acc, point.seconds, point.energy_kwh, point.at)
            conn.execute(
                f"INSERT OR REPLACE INTO live_points ({', '.join(_POINT_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)", row
            )
            extra = ", energy_source = ?" if energy_source is not None else ""
            args = [point.at, *([energy_source] if energy_source is not None else []), run_id]
            conn.execute(f"UPDATE live_runs SET updated_at = ?{extra} WHERE run_id = ?", args)

        self._run(write)

    def finish(self, run_id: str, status: str, record_id: str | None = None, note: str | None = None) -> None:
        """Mark a run as done (``status`` one of ``STATUSES``), with the record it became and a note."""
        if status not in STATUSES:
            raise RecordsError(f"unknown run status {status!r}; use one of {', '.join(STATUSES)}")
        sql = "UPDATE live_runs SET status = ?, updated_at = ?, record_id = ?, note = ? WHERE run_id = ?"
        self._run(lambda c: c.execute(sql, (status, utc_now(), record_id, note, run_id)))

    def runs(self, run_id: str | None = None, limit: int | None = None) -> list[LiveRun]:
        """The stored runs (or the one ``run_id``), newest first (the ``limit`` newest), with their points."""

        def read(conn: sqlite3.Connection) -> list[LiveRun]:
            where, args = (" WHERE run_id = ?", (run_id,)) if run_id is not None else ("", ())
            last = f" LIMIT {int(limit)}" if limit is not None else ""
            cursor = conn.execute(f"SELECT * FROM live_runs{where} ORDER BY started_at DESC, run_id{last}", args)
            names = [d[0] for d in cursor.description]
            heads = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            cols = ", ".join(_POINT_COLUMNS[1:])
            out = []
            for head in heads:
                rows = conn.execute(
                    f"SELECT {cols} FROM live_points WHERE run_id = ? ORDER BY epoch", (head["run_id"],)
                )
                out.append(_live_run(head, tuple(LivePoint(*row) for row in rows.fetchall())))
            return out

        return self._run(read)

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def with_tables(conn: sqlite3.Connection) -> T:
            _create(conn)
            return work(conn)

        return in_transaction(self.path, self._instead, record_sql_columns(), REQUIRED_COLUMNS, with_tables)


def _create(conn: sqlite3.Connection) -> None:
    spec = ", ".join(f"{c} {kind}" for c, kind in _RUN_COLUMNS.items())
    conn.execute(f"CREATE TABLE IF NOT EXISTS live_runs ({spec})")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS live_points (run_id TEXT NOT NULL, epoch REAL NOT NULL, val_acc REAL NOT NULL, "
        "seconds REAL, energy_kwh REAL, at TEXT, PRIMARY KEY (run_id, epoch))"
    )


def _prior_json(prior: Prior | None) -> str | None:
    return json.dumps(prior.to_dict()) if prior is not None else None


def _live_run(head: dict, points: tuple[LivePoint, ...]) -> LiveRun:
    try:
        prior = Prior.from_dict(json.loads(head["prior"])) if head.get("prior") else None
    except (ValueError, TypeError) as exc:
        raise RecordsError(f"run {head['run_id']} has a prior that cannot be read ({exc})") from exc
    fields = {k: head[k] for k in _RUN_COLUMNS if k != "prior"}
    fields["pid"] = int(fields["pid"] or 0)
    return LiveRun(**{**fields, "prior": prior, "points": points})
