"""Evaluation curves beside the records: how each run's validation accuracy rose, one row per evaluation.

The curve frame's columns (``CURVE_COLUMNS``) are the contract between whatever records a run and the
forecast that reads curves: ``run_id`` (the record's key), ``epoch`` (fractional epochs trained, 0 before
any step), ``val_acc`` (0..1, on the slice the run's target is judged on), ``seconds`` (cumulative training
seconds) and ``energy_kwh`` (cumulative kWh; empty without a meter). A store row may carry its run's
points under ``CURVE_KEY`` (a list of mappings with the columns but ``run_id``), so that a record and its
curve travel and are saved together. On disk, curves sit beside a records CSV ``NAME.csv`` as a gzip CSV
``NAME.curves.csv.gz`` (``curves_path``).
"""

from __future__ import annotations

import gzip
import logging
import os
import pathlib
from collections.abc import Iterable, Mapping

import pandas as pd

from resque_core.atomic_write import write_bytes
from resque_core.errors import RecordsError

__all__ = [
    "CURVE_COLUMNS",
    "CURVE_KEY",
    "carried_curves",
    "curve_rows",
    "curves_path",
    "empty_curves",
    "read_curves_csv",
    "split_curves",
    "validate_curves",
    "write_curves_csv",
]

log = logging.getLogger(__name__)

CURVE_COLUMNS: tuple[str, ...] = ("run_id", "epoch", "val_acc", "seconds", "energy_kwh")
CURVE_KEY = "curve"
_REQUIRED = ("run_id", "epoch", "val_acc")


def curves_path(records_csv: str | os.PathLike) -> pathlib.Path:
    """Where the curves of the records CSV ``NAME.csv`` live: ``NAME.curves.csv.gz`` beside it."""
    path = pathlib.Path(records_csv)
    return path.with_name(f"{path.name.removesuffix('.csv')}.curves.csv.gz")


def empty_curves() -> pd.DataFrame:
    """A curve frame with no rows (the columns, typed)."""
    return pd.DataFrame({c: pd.Series(dtype=object if c == "run_id" else float) for c in CURVE_COLUMNS})


def validate_curves(curves: pd.DataFrame | Iterable[Mapping], name: str = "curves") -> pd.DataFrame:
    """Curve rows checked and typed, sorted by run and epoch; extra columns dropped.

    Raises:
        RecordsError: a required column or value is missing, a value is not a number or out of range.
    """
    frame = curves.copy() if isinstance(curves, pd.DataFrame) else pd.DataFrame(list(curves))
    if frame.empty:
        return empty_curves()
    missing = [c for c in _REQUIRED if c not in frame.columns]
    if missing:
        raise RecordsError(f"{name} lacks the column(s) {', '.join(missing)}; curves need {', '.join(CURVE_COLUMNS)}")
    frame = frame.reindex(columns=list(CURVE_COLUMNS))
    frame["run_id"] = frame["run_id"].map(lambda v: None if pd.isna(v) or str(v).strip() == "" else str(v).strip())
    if frame["run_id"].isna().any():
        raise RecordsError(f"{name}: a curve row has no run_id")
    for column in CURVE_COLUMNS[1:]:
        numbers = pd.to_numeric(frame[column], errors="coerce").astype(float)
        if (numbers.isna() & frame[column].notna() & (frame[column].astype(str).str.strip() != "")).any():
            raise RecordsError(f"{name}: column {column} holds a value that is not a number")
        frame[column] = numbers
    _check_ranges(frame, name)
    return frame.sort_values(["run_id", "epoch"], kind="stable").reset_index(drop=True)


def _check_ranges(frame: pd.DataFrame, name: str) -> None:
    if frame[["epoch", "val_acc"]].isna().any().any():
        raise RecordsError(f"{name}: every curve row needs an epoch and a val_acc")
    if (frame["val_acc"] < 0).any() or (frame["val_acc"] > 1).any():
        raise RecordsError(f"{name}: val_acc must be an accuracy in [0, 1]")
    for column in ("epoch", "seconds", "energy_kwh"):
        if (frame[column] < 0).any():
            raise RecordsError(f"{name}: {column} is negative")
    twice = frame.duplicated(["run_id", "epoch"])
    if twice.any():
        raise RecordsError(f"{name}: run {frame['run_id'][twice].iloc[0]} has two points at one epoch")


def write_curves_csv(curves: pd.DataFrame, path: str | os.PathLike, setting: str | None = "out") -> pathlib.Path:
    """Write curves as a gzip CSV at ``path``, whole or not at all (``atomic_write``); returns the path."""
    text = validate_curves(curves).to_csv(index=False, float_format="%.10g")
    return write_bytes(path, gzip.compress(text.encode("utf-8"), mtime=0), setting=setting)


def read_curves_csv(path: str | os.PathLike) -> pd.DataFrame:
    """Read and validate a gzip curves CSV.

    Raises:
        RecordsError: the file cannot be read or does not follow the columns.
    """
    try:
        frame = pd.read_csv(path, compression="gzip", dtype={"run_id": str}, keep_default_na=True)
    except (OSError, EOFError, UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        raise RecordsError(f"cannot read the curves file {path}: {exc}") from exc
    return validate_curves(frame, name=str(path))


def split_curves(rows: pd.DataFrame | Iterable[Mapping]) -> tuple[pd.DataFrame | list[dict], list[list | None]]:
    """Store rows without their carried curves (``CURVE_KEY``), and each row's curve points (None: none)."""
    if isinstance(rows, pd.DataFrame):
        if CURVE_KEY not in rows.columns:
            return rows, [None] * len(rows)
        return rows.drop(columns=CURVE_KEY), [None if _empty(v) else list(v) for v in rows[CURVE_KEY]]
    plain, carried = [], []
    for row in rows:
        row = dict(row)
        points = row.pop(CURVE_KEY, None)
        plain.append(row)
        carried.append(None if _empty(points) else list(points))
    return plain, carried


def _empty(points) -> bool:
    return points is None or (isinstance(points, float) and pd.isna(points))


def carried_curves(rows: Iterable[Mapping]) -> pd.DataFrame:
    """The curve frame of store rows that carry their curves (``CURVE_KEY``), keyed by each row's ``run_id``."""
    plain, carried = split_curves(rows)
    return pd.DataFrame(curve_rows([row.get("run_id") for row in plain], carried, None), columns=list(CURVE_COLUMNS))


def curve_rows(run_ids: list[str], carried: list, curves: pd.DataFrame | None) -> list[tuple]:
    """The curve points to store with runs ``run_ids`` (tuples in ``CURVE_COLUMNS`` order): each row's carried
    curve (``split_curves``), then ``curves``, which may hold only these runs."""
    pairs = zip(run_ids, carried, strict=True)
    frames = [pd.DataFrame([{**dict(p), "run_id": run} for p in points]) for run, points in pairs if points]
    if curves is not None:
        frames.append(curves)
    frame = validate_curves(pd.concat(frames, ignore_index=True) if frames else [], name="new curves")
    strays = sorted(set(frame["run_id"]) - set(run_ids))
    if strays:
        raise RecordsError(f"curves of runs that are not among the records added: {', '.join(strays[:3])}")
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]
