"""Where the records database lives, what it must be before ``RecordStore`` writes to it, the transaction its
every read and write runs in, and its failures in words.

The store writes only to a database that is its own: empty (the tables are created), or holding the
``records`` table with columns of the schema and the ``curves`` table (an older layout gains the columns
or the ``curves`` table it lacks; nothing is ever removed). Anything else (another program's tables, a
damaged or non-SQLite file) is refused and left as it is. A database another program has locked is
waited on for ``busy_timeout_s``.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pathlib
import sqlite3
from collections.abc import Callable, Mapping
from typing import TypeVar

from resque_core.errors import RecordsError
from resque_core.forecast.curves import CURVE_COLUMNS

__all__ = ["LIVE_TABLES", "busy_timeout_s", "content_id", "default_db_path", "in_transaction", "is_busy", "own_schema",
           "select_curves", "store_curves", "store_error"]  # fmt: skip

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_BUSY_S = 5.0
LIVE_TABLES = ("live_runs", "live_points")  # the live runs beside the records (``resque_core.live.store``)


def default_db_path() -> pathlib.Path:
    """Where the records database lives: ``$RESQUE_DB``, else the user's data directory."""
    env = os.environ.get("RESQUE_DB")
    if env:
        return pathlib.Path(env).expanduser()
    import platformdirs

    return pathlib.Path(platformdirs.user_data_dir("resque")) / "records.sqlite"


def content_id(row: tuple) -> str:
    """An id for a row that has none (imported history), from its content: the same run gets the same id."""
    digest = hashlib.sha1(repr(tuple(row)[1:]).encode()).hexdigest()[:12]
    return f"user-{digest}"


def busy_timeout_s() -> float:
    """Seconds to wait for a database another program has locked: ``$RESQUE_DB_BUSY_S``, else 5."""
    try:
        value = float(os.environ.get("RESQUE_DB_BUSY_S", DEFAULT_BUSY_S))
    except ValueError:
        return DEFAULT_BUSY_S
    return value if math.isfinite(value) and value >= 0 else DEFAULT_BUSY_S


def in_transaction(
    path: pathlib.Path,
    instead: str,
    columns: Mapping[str, str],
    required: tuple[str, ...],
    work: Callable[[sqlite3.Connection], T],
) -> T:
    """``work(conn)`` in one transaction on the database at ``path`` once ``own_schema`` has checked it; a locked
    database is tried twice. ``instead``: the way out a failure names ("use another file").
    """

    def foreign(what: str) -> RecordsError:
        return RecordsError(
            f"{path} is not a RESQUE records database ({what}); it was left untouched: {instead} "
            "(or move this one aside)"
        )

    for attempt in (1, 2):
        conn = _connect(path, instead)
        try:
            with conn:
                own_schema(conn, columns, required, foreign)
                return work(conn)
        except sqlite3.Error as exc:
            if attempt == 1 and is_busy(exc):
                log.warning("records database %s is locked; trying once more", path)
                continue
            raise store_error(path, exc, instead) from exc
        finally:
            conn.close()
    raise AssertionError("unreachable")  # pragma: no cover


def _connect(path: pathlib.Path, instead: str) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return sqlite3.connect(path, timeout=busy_timeout_s())
    except OSError as exc:
        raise RecordsError(f"cannot open the records database {path}: {exc}; {instead}") from exc
    except sqlite3.Error as exc:
        raise store_error(path, exc, instead) from exc


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether SQLite gave up waiting for another connection's lock."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in str(exc)


def own_schema(
    conn: sqlite3.Connection,
    columns: Mapping[str, str],
    required: tuple[str, ...],
    foreign: Callable[[str], RecordsError],
) -> None:
    """Create the records table (``columns``: name to SQL type, the first the key) and the curves table in an
    empty database, or add the columns and the curves table our own older layout lacks; raise
    ``foreign(what)`` for any other database.
    """
    kinds = "type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
    names = [row[0] for row in conn.execute(f"SELECT name FROM sqlite_master WHERE {kinds} ORDER BY name")]
    others = [name for name in names if name not in ("records", "curves", *LIVE_TABLES)]
    if others:
        raise foreign(f"it holds other tables: {', '.join(others[:5])}")
    if "curves" in names:
        _check_curves(conn, foreign)
    key = next(iter(columns))
    if "records" not in names:
        spec = ", ".join(f"{c} {kind}{' PRIMARY KEY' if c == key else ''}" for c, kind in columns.items())
        conn.execute(f"CREATE TABLE IF NOT EXISTS records ({spec})")  # another process may be first
    else:
        _own_records(conn, columns, required, foreign)
    if "curves" not in names:  # a new store, or one made before curves were kept, gains the table
        _create_curves(conn)


def _create_curves(conn: sqlite3.Connection) -> None:
    """The curves table: one row per evaluation of a run, keyed by run id and epoch. A read-only store made
    before curves were kept is read without it (it has none)."""
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS curves (run_id TEXT NOT NULL, epoch REAL NOT NULL, val_acc REAL NOT NULL, "
            "seconds REAL, energy_kwh REAL, PRIMARY KEY (run_id, epoch))"
        )
    except sqlite3.OperationalError as exc:
        if not (getattr(exc, "sqlite_errorname", "") or "").startswith("SQLITE_READONLY"):
            raise
        log.info("read-only records database without a curves table: read without curves")


def _own_records(
    conn: sqlite3.Connection,
    columns: Mapping[str, str],
    required: tuple[str, ...],
    foreign: Callable[[str], RecordsError],
) -> None:
    """Check our records table's columns, adding those our own older layout lacks."""
    key = next(iter(columns))
    have = [row[1] for row in conn.execute("PRAGMA table_info(records)")]
    alien = [c for c in have if c not in columns]
    lacking = [c for c in (key, *required) if c not in have]
    if alien or lacking:
        detail = f"columns {', '.join(alien[:5])}" if alien else f"no column {', '.join(lacking)}"
        raise foreign(f"its records table has {detail}")
    for column in (c for c in columns if c not in have):  # a store made before the column existed
        try:
            conn.execute(f"ALTER TABLE records ADD COLUMN {column} {columns[column]}")
        except sqlite3.OperationalError as exc:  # another process added it first
            if "duplicate column" not in str(exc):
                raise


def _check_curves(conn: sqlite3.Connection, foreign: Callable[[str], RecordsError]) -> None:
    """Refuse a curves table whose columns are not ours (one row per evaluation of a run)."""
    have = [row[1] for row in conn.execute("PRAGMA table_info(curves)")]
    if sorted(have) != sorted(CURVE_COLUMNS):
        raise foreign(f"its curves table has columns {', '.join(have[:5])}")


def store_curves(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    """Replace the stored curves of the runs in ``rows`` (tuples in ``CURVE_COLUMNS`` order) by these points."""
    conn.executemany("DELETE FROM curves WHERE run_id = ?", [(run,) for run in sorted({row[0] for row in rows})])
    names, marks = ", ".join(CURVE_COLUMNS), ", ".join("?" for _ in CURVE_COLUMNS)
    conn.executemany(f"INSERT INTO curves ({names}) VALUES ({marks})", rows)


def select_curves(conn: sqlite3.Connection) -> list[tuple]:
    """Every stored curve point, by run and epoch, in ``CURVE_COLUMNS`` order (none in a read-only older store)."""
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'curves'").fetchone():
        return []
    return conn.execute(f"SELECT {', '.join(CURVE_COLUMNS)} FROM curves ORDER BY run_id, epoch").fetchall()


def store_error(path: pathlib.Path, exc: sqlite3.Error, instead: str) -> RecordsError:
    """One sentence for an SQLite failure on ``path``: what is wrong and what to do (``instead``: the way out)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if is_busy(exc):
        return RecordsError(
            f"the records database {path} is locked by another program (waited {2 * busy_timeout_s():g} s): "
            "let it finish or close it, then run again"
        )
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT") or "malformed" in str(exc) or "not a database" in str(exc):
        return RecordsError(
            f"the records database {path} is damaged or not an SQLite file ({exc}); it was left untouched: "
            f"move it aside or {instead}"
        )
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH")):
        return RecordsError(
            f"the records database {path} cannot be written ({exc}): make the file and its folder writable, "
            f"or {instead}"
        )
    return RecordsError(f"the records database {path} failed ({exc}); {instead}")
