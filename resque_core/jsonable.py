"""Plain JSON values from what the engine returns (numpy numbers, datetimes, paths, NaN), and strict JSON text.

Strict means what every JSON parser accepts: no ``NaN``, ``Infinity`` or ``-Infinity`` tokens (Python's
``json`` writes them by default; browsers, ``jq`` and most other languages reject them). ``strict_json``
is the one way the CLI's ``--json`` outputs and the exports are written: a non-finite number becomes
``null``, and ``null_reasons`` says which one and why.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

from resque_core.errors import ReportError

__all__ = ["NULL_REASONS", "jsonable", "strict_json"]

NULL_REASONS = "null_reasons"  # the key ``strict_json`` adds: JSON path -> why that value is null


def jsonable(obj: Any, where: str = "JSON", nulled: dict[str, float] | None = None) -> Any:
    """Recursively turn numpy scalars/arrays, datetimes and paths into JSON values; NaN and inf become None.

    Args:
        where: what the value is stored in, for the error a type nobody can convert gets.
        nulled: when given, filled with the JSON path ("fit.spearman", "runs[2].kwh") of every
            non-finite number turned into None, and that number.
    """
    return _clean(obj, where, "", nulled if nulled is not None else {})


def strict_json(
    obj: Any,
    *,
    where: str = "JSON",
    reasons: dict[str, str] | None = None,
    indent: int | None = None,
    sort_keys: bool = False,
) -> str:
    """JSON text any strict parser reads: non-finite numbers written as null, each with its reason.

    When ``obj`` is a dict and some number was not finite, the text gains ``"null_reasons"``: the path
    of each such value and why it is null (``reasons[path]`` when given, else what the number was).

    Args:
        reasons: path -> sentence for the non-finite values a reader needs explained ("undefined:
            the records' epochs do not vary").
        indent, sort_keys: as for ``json.dumps``.
    """
    nulled: dict[str, float] = {}
    clean = jsonable(obj, where, nulled)
    if nulled and isinstance(clean, dict):
        given = reasons or {}
        clean[NULL_REASONS] = {path: given.get(path) or _what(value) for path, value in nulled.items()}
    return json.dumps(clean, allow_nan=False, indent=indent, sort_keys=sort_keys)


def _what(value: float) -> str:
    if math.isnan(value):
        return "not a number (undefined for these inputs)"
    return f"{'+' if value > 0 else '-'}infinite, which JSON cannot hold"


def _clean(obj: Any, where: str, path: str, nulled: dict[str, float]) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v, where, f"{path}.{k}" if path else str(k), nulled) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v, where, f"{path}[{i}]", nulled) for i, v in enumerate(obj)]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str | int):
        return obj
    if isinstance(obj, float):
        if math.isfinite(obj):
            return obj
        nulled[path] = obj
        return None
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return _clean(obj.tolist(), where, path, nulled)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise ReportError(f"cannot store a {type(obj).__name__} in {where}; convert it to plain values first")
