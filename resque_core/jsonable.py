"""Plain JSON values from what the engine returns (numpy numbers, datetimes, paths, NaN)."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any

from resque_core.errors import ReportError


def jsonable(obj: Any, where: str = "JSON") -> Any:
    """Recursively turn numpy scalars/arrays, datetimes and paths into JSON values; NaN and inf become None.

    Args:
        where: what the value is stored in, for the error a type nobody can convert gets.
    """
    if isinstance(obj, dict):
        return {str(k): jsonable(v, where) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v, where) for v in obj]
    if isinstance(obj, bool) or obj is None or isinstance(obj, str | int):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, datetime):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "tolist"):  # numpy scalars and arrays
        return jsonable(obj.tolist(), where)
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    raise ReportError(f"cannot store a {type(obj).__name__} in {where}; convert it to plain values first")
