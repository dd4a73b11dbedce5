"""Calibration records: one row per retraining run, validated, stored in SQLite, moved as CSV.

The schema is a contract between the calibration script (which writes records) and the
forecaster (which reads them). A team's own history may carry only the required columns
plus any of the measures; every other column is then left empty. The model family columns
(``arch``, ``n_params``, ``input_size``, ``n_train``: see ``forecast.family``) came later, so
files without them still load; so did the forecast signals other than the index (``base_acc``: the old
model's clean held-out accuracy; ``acc_drop`` = base_acc minus the old model's accuracy on the new data (in
the library's sweeps on its training part, disjoint from the slice ``start_acc`` is measured on);
``mean_conf``: the old model's mean max-softmax probability on the new data; ``index_free``: the label-free
RESQUE_dist, the new data grouped by the old model's predicted class; see ``forecast.signals``).
``sweep_id`` names the calibration sweep that made a run (empty for
imported history and Validate runs): ``calibrate --resume SWEEP_ID`` runs what that sweep lacks.
"""

from __future__ import annotations

import io
import logging
import os
import pathlib
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

import pandas as pd

from resque_core.assets import asset_path
from resque_core.atomic_write import write_text
from resque_core.errors import RecordsError
from resque_core.forecast.curves import (
    CURVE_COLUMNS,
    curve_rows,
    curves_path,
    read_curves_csv,
    split_curves,
    validate_curves,
    write_curves_csv,
)
from resque_core.forecast.records_db import content_id, default_db_path, in_transaction, select_curves, store_curves

log = logging.getLogger(__name__)
T = TypeVar("T")

RECORD_COLUMNS: tuple[str, ...] = (
    "run_id", "date", "run_kind", "index_kind", "index_value", "noise_floor", "shift", "shift_type",
    "shift_level", "seed", "model", "dataset", "arch", "n_params", "input_size", "n_train", "hardware",
    "target_rule", "target_acc", "start_acc", "acc_gap", "base_acc", "acc_drop", "mean_conf", "index_free",
    "epochs", "censored", "max_epochs", "grad_norm",
    "param_change", "seconds", "kwh", "co2_kg", "kwh_per_epoch", "energy_source", "country_iso",
    "intensity_g_per_kwh", "versions", "sweep_id",
)  # fmt: skip
REQUIRED_COLUMNS: tuple[str, ...] = ("index_kind", "index_value", "epochs", "censored", "run_kind")
NUMERIC_COLUMNS: frozenset[str] = frozenset(
    {"index_value", "noise_floor", "shift_level", "seed", "n_params", "n_train", "target_acc", "start_acc",
     "acc_gap", "base_acc", "acc_drop", "mean_conf", "index_free", "epochs", "censored", "max_epochs",
     "grad_norm", "param_change", "seconds", "kwh", "co2_kg",
     "kwh_per_epoch", "intensity_g_per_kwh"}
)  # fmt: skip
INDEX_KINDS: tuple[str, ...] = ("dist", "task")
RUN_KINDS: tuple[str, ...] = ("retrain", "scratch")
NON_NEGATIVE_COLUMNS: tuple[str, ...] = (
    "epochs", "max_epochs", "grad_norm", "param_change", "seconds", "kwh", "co2_kg", "n_params", "n_train",
)  # fmt: skip
DEFAULT_CSV = asset_path("calibration_default.csv")


def load_records_csv(path_or_buffer: str | os.PathLike | io.TextIOBase) -> pd.DataFrame:
    """Read and validate a records CSV (lines starting with ``#`` are provenance comments).

    Raises:
        RecordsError: the file is missing, empty or does not follow the schema.
    """
    name = getattr(path_or_buffer, "name", None) or str(path_or_buffer)
    try:
        if isinstance(path_or_buffer, (str, os.PathLike)):
            text = pathlib.Path(path_or_buffer).read_text(encoding="utf-8")
        else:
            text = path_or_buffer.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordsError(f"cannot read records file {name}: {exc}") from exc
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    if not any(line.strip() for line in lines):
        raise RecordsError(f"records file {name} is empty: it needs a header row and at least one run")
    try:
        frame = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise RecordsError(f"records file {name} is not a valid CSV: {exc}") from exc
    return validate_records(frame, name=name)


def validate_records(records: pd.DataFrame | Iterable[Mapping], name: str = "records") -> pd.DataFrame:
    """Check records against the schema and return them typed, with every schema column present.

    Unknown extra columns are dropped. Numeric columns become floats (``censored`` an int 0/1).

    Raises:
        RecordsError: a required column is missing, a value is not a number, a kind is unknown...
    """
    frame = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise RecordsError(f"{name} has no rows: add at least one retraining run")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise RecordsError(
            f"{name} lacks the required column(s) {', '.join(missing)}; see docs/forecast.md for the schema"
        )
    extra = [c for c in frame.columns if c not in RECORD_COLUMNS]
    if extra:
        log.info("%s: ignoring unknown columns %s", name, extra)
    frame = frame.reindex(columns=list(RECORD_COLUMNS)).reset_index(drop=True)
    for column in RECORD_COLUMNS:
        frame[column] = _numeric(frame[column], column, name) if column in NUMERIC_COLUMNS else _text(frame[column])
    _check_values(frame, name)
    frame["censored"] = frame["censored"].astype(int)
    return frame


def _text(values: pd.Series) -> pd.Series:
    cleaned = values.astype(object).where(values.notna(), None)
    cleaned = cleaned.map(lambda v: None if v is None or str(v).strip() == "" else str(v).strip())
    return cleaned.astype(object)


def _numeric(values: pd.Series, column: str, name: str) -> pd.Series:
    raw = values.astype(object).where(values.notna(), None)
    raw = raw.map(lambda v: None if v is None or str(v).strip() == "" else v)
    if column == "censored":
        raw = raw.map(lambda v: {"true": 1, "false": 0}.get(str(v).strip().lower(), v) if v is not None else None)
    numbers = pd.to_numeric(raw, errors="coerce").astype(float)
    bad = numbers.isna() & raw.notna()
    if bad.any():
        row = int(bad.idxmax())
        raise RecordsError(
            f"{name}: row {row + 1} (CSV line {row + 2}), column {column}: {raw[row]!r} is not a number; "
            "fix or empty that cell"
        )
    return numbers


def _check_values(frame: pd.DataFrame, name: str) -> None:
    for column in REQUIRED_COLUMNS:
        empty = frame[column].isna()
        if empty.any():
            row = int(empty.idxmax())
            raise RecordsError(f"{name}: row {row + 1} (CSV line {row + 2}) has no value in required column {column}")
    _check_choice(frame, "index_kind", INDEX_KINDS, name)
    _check_choice(frame, "run_kind", RUN_KINDS, name)
    bad = ~frame["censored"].isin([0.0, 1.0])
    if bad.any():
        row = int(bad.idxmax())
        raise RecordsError(f"{name}: row {row + 1} (CSV line {row + 2}): censored must be 0 or 1")
    for column in NON_NEGATIVE_COLUMNS:
        negative = frame[column] < 0
        if negative.any():
            row = int(negative.idxmax())
            value = frame[column][row]
            raise RecordsError(f"{name}: row {row + 1} (CSV line {row + 2}): {column} is negative ({value})")


def _check_choice(frame: pd.DataFrame, column: str, allowed: tuple[str, ...], name: str) -> None:
    bad = ~frame[column].isin(allowed)
    if bad.any():
        row = int(bad.idxmax())
        raise RecordsError(
            f"{name}: row {row + 1} (CSV line {row + 2}): unknown {column} {frame[column][row]!r}; "
            f"use one of {', '.join(allowed)}"
        )


def default_records() -> pd.DataFrame:
    """The shipped default calibration (``resque_core/assets/calibration_default.csv``), read at call time.

    Raises:
        RecordsError: the file is not there (run ``python -m resque_core calibrate --demo``).
    """
    if not DEFAULT_CSV.is_file():
        raise RecordsError(
            f"the default calibration {DEFAULT_CSV} is missing; run `python -m resque_core calibrate --demo` "
            "or pass --records PATH with your own history"
        )
    return load_records_csv(DEFAULT_CSV)


class RecordStore:
    """Calibration records in a local SQLite database (the CSV columns in order), and beside them each run's
    evaluation curve (``forecast.curves``: one row per evaluation, keyed by run id).

    Rows are keyed by ``run_id``: adding a run again replaces it (and its curve, when it brings one), so
    importing the same CSV twice does not duplicate runs. Rows without a ``run_id`` get one derived from
    their content. Each ``add`` is one transaction, so a run and its curve are stored whole or not at all.

    The store only ever writes to a database that is its own: a file that is not SQLite, is damaged,
    or holds tables or columns of another program is refused with a ``RecordsError`` and left as it is.
    ``check`` says so (and whether the file can be written) before anything is computed for it. A
    database locked by another program is waited on for ``busy_timeout_s`` and tried once more.
    """

    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = pathlib.Path(path).expanduser() if path is not None else default_db_path()
        self._instead = "use another file" if path is not None else "set RESQUE_DB to another file"

    def check(self) -> RecordStore:
        """Open the database, check that it is a records store (creating it if new) and that it can be written.

        Returns the store, so ``store = RecordStore(path).check()`` reads as one step.

        Raises:
            RecordsError: one sentence naming the database, what is wrong and what to do.
        """

        def probe(conn: sqlite3.Connection) -> None:
            if conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("database disk image is malformed")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("BEGIN IMMEDIATE")  # takes the write lock, as every add will
            conn.execute(f"PRAGMA user_version = {int(version)}")  # a real write (journal and all), rolled back
            conn.rollback()

        self._run(probe)
        return self

    def add(self, records: pd.DataFrame | Iterable[Mapping], curves: pd.DataFrame | None = None) -> int:
        """Validate and store runs, with their curves, in one transaction; returns how many runs were written.

        A run's curve comes in its row (under ``forecast.curves.CURVE_KEY``) or in ``curves`` (a curve frame
        keyed by the runs' ids); a run without one keeps the curve it had.
        """
        plain, carried = split_curves(records)
        frame = validate_records(plain, name="new records")
        rows = [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]
        rows = [row if row[0] else (content_id(row), *row[1:]) for row in rows]
        points = curve_rows([row[0] for row in rows], carried, curves)
        marks, names = ", ".join("?" for _ in RECORD_COLUMNS), ", ".join(RECORD_COLUMNS)

        def write(conn: sqlite3.Connection) -> None:
            conn.executemany(f"INSERT OR REPLACE INTO records ({names}) VALUES ({marks})", rows)
            store_curves(conn, points)

        self._run(write)
        log.info("stored %d records (%d curve points) in %s", len(rows), len(points), self.path)
        return len(rows)

    def all(self, index_kind: str | None = None) -> pd.DataFrame:
        """Every stored run (optionally of one index kind), typed like ``validate_records``."""
        if index_kind is not None and index_kind not in INDEX_KINDS:
            raise RecordsError(f"unknown index kind {index_kind!r}; use one of {', '.join(INDEX_KINDS)}")

        def read(conn: sqlite3.Connection) -> pd.DataFrame:
            cursor = conn.execute("SELECT * FROM records ORDER BY date, run_id")
            return pd.DataFrame(cursor.fetchall(), columns=[d[0] for d in cursor.description])

        frame = self._run(read)
        if index_kind is not None:
            frame = frame[frame["index_kind"] == index_kind]
        if frame.empty:
            return pd.DataFrame({c: pd.Series(dtype=float if c in NUMERIC_COLUMNS else object) for c in RECORD_COLUMNS})
        return validate_records(frame, name=str(self.path))

    def curves(self, run_ids: Iterable[str] | None = None) -> pd.DataFrame:
        """The stored curves (of ``run_ids`` only, unless None): a frame of ``CURVE_COLUMNS`` by run and epoch."""
        frame = pd.DataFrame(self._run(select_curves), columns=list(CURVE_COLUMNS))
        if run_ids is not None:
            frame = frame[frame["run_id"].isin([str(run) for run in run_ids])]
        return validate_curves(frame, name=str(self.path))

    def export_csv(self, path: str | os.PathLike) -> int:
        """Write every stored run to a CSV with the schema's columns, and their curves beside it
        (``forecast.curves.curves_path``), each whole or not at all; returns the row count."""
        frame = self.all()
        frame["censored"] = frame["censored"].astype("Int64")
        for column in ("shift_level", "seed", "max_epochs", "n_params", "n_train"):
            if (frame[column].dropna() % 1 == 0).all():
                frame[column] = frame[column].astype("Int64")
        write_text(path, frame.to_csv(index=False, float_format="%.10g"))
        write_curves_csv(self.curves(), curves_path(path), setting=None)
        return len(frame)

    def import_csv(self, path: str | os.PathLike) -> int:
        """Validate a CSV and add its runs, with the curves beside it when there are; returns how many rows."""
        beside = curves_path(path)
        return self.add(load_records_csv(path), read_curves_csv(beside) if beside.is_file() else None)

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """``work(conn)`` in one transaction on a checked schema; a locked database is tried twice."""
        return in_transaction(self.path, self._instead, record_sql_columns(), REQUIRED_COLUMNS, work)


def record_sql_columns() -> dict[str, str]:
    """The records table's columns and their SQL types, in order (``forecast.records_db.own_schema`` creates it)."""
    return {c: "REAL" if c in NUMERIC_COLUMNS else "TEXT" for c in RECORD_COLUMNS}
