"""A comparison read back from its JSON (``compare --json``, a report's input): every number checked at the edge.

The file comes from anyone, so each value is refused unless it is what ``Comparison.to_dict`` writes: a finite
number in its range, a string, a list of strings. A refusal is one ``ReportError`` naming the value's place in
the file ("options[2].co2_kg.low") and the setting that gave the file (``{setting}``: ``--comparison``).
"""

from __future__ import annotations

import math
from typing import Any

from resque_core.errors import ReportError
from resque_core.forecast.result import Interval

__all__ = ["SETTING", "boolean", "field", "interval", "number", "refused", "text", "texts"]

SETTING = "comparison"  # the CLI's --comparison: the file a refused value came from


def refused(where: str, what: str, value: Any) -> ReportError:
    """The error for ``value`` at ``where`` in the file, which should have been ``what``."""
    shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
    return ReportError(f"{{setting}}: {where} must be {what}, not {shown[:60]}", setting=SETTING)


def field(doc: Any, key: str, where: str) -> Any:
    """``doc[key]``, ``doc`` being an object (a missing key reads as None)."""
    if not isinstance(doc, dict):
        raise refused(where or "the comparison", "a JSON object", doc)
    return doc.get(key)


def number(value: Any, where: str, low: float | None = None, high: float | None = None, optional: bool = False):
    """``value`` as a float, finite and within [``low``, ``high``]; None passes only when ``optional``."""
    if value is None and optional:
        return None
    bounds = f" from {low:g} to {high:g}" if low is not None and high is not None else ""
    bounds = bounds or (f" >= {low:g}" if low is not None else "")
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or (low is not None and value < low) or (high is not None and value > high):
        raise refused(where, f"a finite number{bounds}", value)
    return float(value)


def interval(doc: Any, where: str, low: float | None = None, high: float | None = None) -> Interval:
    """An ``Interval`` from ``{"point", "low", "high"}``, each in range and low <= high. The point may lie outside
    its interval: a forecast carried across model families adds held-out residual quantiles to its point, and
    when those all had one sign the band does not contain it (``forecast.transfer``), which the file keeps."""
    values = [number(field(doc, k, where), f"{where}.{k}", low, high) for k in ("point", "low", "high")]
    point, lo, hi = values
    slack = 1e-9 * max(abs(point), abs(lo), abs(hi))  # rounding in the file's last digits
    if not lo - slack <= hi:
        raise refused(where, "an interval with low <= high", [lo, point, hi])
    return Interval(point, lo, hi)


def boolean(value: Any, where: str) -> bool:
    """``value`` when it is true or false."""
    if not isinstance(value, bool):
        raise refused(where, "true or false", value)
    return value


def text(value: Any, where: str, optional: bool = False) -> str | None:
    """``value`` as a string (None passes only when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise refused(where, "a string", value)
    return value


def texts(value: Any, where: str) -> tuple[str, ...]:
    """A list of strings (None: none)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise refused(where, "a list of strings", value)
    return tuple(text(v, f"{where}[{i}]") for i, v in enumerate(value))
