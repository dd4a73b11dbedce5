"""Where the records database lives, what it must be before ``RecordStore`` writes to it, and its failures
in words.

The store writes only to a database that is its own: empty (the table is created), or holding the
``records`` table alone with columns of the schema (an older layout gains the columns it lacks;
nothing is ever removed). Anything else (another program's tables, a damaged or non-SQLite file) is
refused and left as it is. A database another program has locked is waited on for ``busy_timeout_s``.
"""

from __future__ import annotations

import hashlib
import math
import os
import pathlib
import sqlite3
from collections.abc import Callable, Mapping

from resque_core.errors import RecordsError

__all__ = ["busy_timeout_s", "content_id", "default_db_path", "is_busy", "own_schema", "store_error"]

DEFAULT_BUSY_S = 5.0


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
    """Create the records table (``columns``: name to SQL type, the first the key) in an empty database,
    or add the columns our own older layout lacks; raise ``foreign(what)`` for any other database.
    """
    kinds = "type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
    names = [row[0] for row in conn.execute(f"SELECT name FROM sqlite_master WHERE {kinds} ORDER BY name")]
    others = [name for name in names if name != "records"]
    if others:
        raise foreign(f"it holds other tables: {', '.join(others[:5])}")
    key = next(iter(columns))
    if not names:
        spec = ", ".join(f"{c} {kind}{' PRIMARY KEY' if c == key else ''}" for c, kind in columns.items())
        conn.execute(f"CREATE TABLE IF NOT EXISTS records ({spec})")  # another process may be first
        return
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
