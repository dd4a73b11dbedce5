"""The calibration records that ship with the package, and which of them a forecast for a model rests on.

Two kinds ship: the default calibration (``calibration_default.csv``, the embedded digits CNN) and the
calibration library's families (``calibration/<family>.csv``, each with a provenance JSON naming its
architecture and input). A model of a library family forecasts from that family's records; any other
model from the default calibration, whose forecast then says it is another family's
(``forecast.family.family_note``). Reading them needs nothing above ``forecast/``: the provenance
files say which family each file holds. A records file may have its runs' evaluation curves beside it
(``NAME.curves.csv.gz``, ``forecast.curves``): ``shipped_curves`` reads them, empty when none ship. Each file
is read and validated once per process while it is unchanged (a forecast on shipped records reads both).
"""

from __future__ import annotations

import functools
import json
import pathlib
from collections.abc import Callable
from typing import Any

import pandas as pd

from resque_core.assets import asset_path
from resque_core.errors import RecordsError

__all__ = [
    "DEFAULT_SOURCE",
    "LIBRARY_PREFIX",
    "is_shipped",
    "shipped_curves",
    "shipped_families",
    "shipped_records",
    "shipped_source",
]

DEFAULT_SOURCE = "default calibration"  # the records label of the shipped default, on the page and in the CLI
LIBRARY_PREFIX = "library "  # "library shapes-resnet": that family's shipped records


@functools.cache
def shipped_families() -> dict[str, str]:
    """The library families whose records ship, as {family key "ARCH HxWxC" (arch lower-cased): name}."""
    families = {}
    for provenance in sorted(asset_path("calibration").glob("*.json")):
        try:
            family = json.loads(provenance.read_text(encoding="utf-8"))["family"]
            key = f"{str(family['arch']).lower()} {family['input_size']}"
        except (OSError, ValueError, KeyError, TypeError):  # unreadable provenance: that file does not ship
            continue
        if provenance.with_suffix(".csv").is_file():
            families[key] = provenance.stem
    return families


def shipped_source(family: Any = None) -> str:
    """The shipped records a forecast for a model of ``family`` (a ``ModelFamily``, or None) rests on:
    "library NAME" when the library ships its family's records, else ``DEFAULT_SOURCE``."""
    if family is None:
        return DEFAULT_SOURCE
    name = shipped_families().get(f"{str(family.arch).lower()} {family.input_size}")
    return LIBRARY_PREFIX + name if name else DEFAULT_SOURCE


def is_shipped(source: str) -> bool:
    """Whether records labelled ``source`` are shipped ones (the default, or a library family's)."""
    return source == DEFAULT_SOURCE or str(source).startswith(LIBRARY_PREFIX)


def shipped_records(source: str = DEFAULT_SOURCE) -> pd.DataFrame:
    """The records of a ``shipped_source``.

    Raises:
        RecordsError: not a shipped source, or its file is missing.
    """
    from resque_core.forecast.records import DEFAULT_CSV, default_records, load_records_csv

    if source == DEFAULT_SOURCE and not DEFAULT_CSV.is_file():
        return default_records()  # raises its error: how to make the file
    return _kept(DEFAULT_CSV if source == DEFAULT_SOURCE else _records_path(source), load_records_csv)


def shipped_curves(source: str = DEFAULT_SOURCE) -> pd.DataFrame:
    """The evaluation curves of a ``shipped_source``'s runs (``forecast.curves.CURVE_COLUMNS``); no rows when
    its records ship without them.

    Raises:
        RecordsError: not a shipped source, its records file is missing, or its curves file is unreadable.
    """
    from resque_core.forecast.curves import curves_path, empty_curves, read_curves_csv
    from resque_core.forecast.records import DEFAULT_CSV

    path = curves_path(DEFAULT_CSV if source == DEFAULT_SOURCE else _records_path(source))
    return _kept(path, read_curves_csv) if path.is_file() else empty_curves()


def _kept(path: pathlib.Path, read: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """``read(path)``, read once per process while the file keeps its size and modification time (a copy)."""
    stat = path.stat()
    return _read_once(str(path), stat.st_size, stat.st_mtime_ns, read).copy()


@functools.lru_cache(maxsize=8)
def _read_once(path: str, size: int, mtime_ns: int, read: Callable[[str], pd.DataFrame]) -> pd.DataFrame:
    """The frame ``read`` makes of ``path`` (validated once: every forecast on shipped records reads it)."""
    return read(path)


def _records_path(source: str):
    """The records file of a library ``source`` ("library NAME"), checked to ship."""
    name = source.removeprefix(LIBRARY_PREFIX)
    path = asset_path(f"calibration/{name}.csv")
    if source.startswith(LIBRARY_PREFIX) and not path.is_file():
        raise RecordsError(f"the library has no records of {name} yet: python -m resque_core calibrate --family {name}")
    if not source.startswith(LIBRARY_PREFIX):
        known = ", ".join([DEFAULT_SOURCE, *(LIBRARY_PREFIX + n for n in shipped_families().values())])
        raise RecordsError(f"no shipped records {source!r}; shipped: {known}")
    return path
