"""A comparison for people: one row of words per option, the same on the Compare page, in the report and in the
``compare`` command's table (``comparison_rows``), and the command's lines (``comparison_lines``)."""

from __future__ import annotations

from typing import Any

from resque_core.units import measure_text, number_text, percent_text, range_text

__all__ = ["COLUMNS", "comparison_lines", "comparison_rows"]

COLUMNS = (
    "option",
    "epochs to target",
    "time",
    "energy",
    "CO2",
    "money",
    "expected accuracy",
    "chance to reach target",
    "on the front",
    "meets target",
)
_FIGURES = (("epochs to target", "epochs"), ("time", "seconds"), ("energy", "kwh"), ("CO2", "co2_kg"),
            ("money", "money"))  # fmt: skip


def comparison_rows(comparison: Any) -> list[dict[str, str]]:
    """One row per option, every figure a point with its interval in words ("0.59 (0.59 – 1.06)")."""
    rows = []
    for option in comparison.options:
        row = {"option": option.name + (" (recommended)" if option.name == comparison.recommended else "")}
        for column, measure in _FIGURES:
            row[column] = _figure(measure, option.measures.get(measure), comparison.currency)
        acc = option.expected.accuracy
        row["expected accuracy"] = (
            f"{number_text(acc.point, 3)} ({number_text(acc.low, 3)} – {number_text(acc.high, 3)})"
        )
        row["chance to reach target"] = percent_text(option.p_reach_target)
        row["on the front"] = "yes" if option.pareto else "no"
        row["meets target"] = "yes" if option.meets_target else "no"
        rows.append(row)
    return rows


def _figure(measure: str, interval: Any, currency: str | None) -> str:
    if interval is None:
        return "not priced" if measure == "money" else "unknown"
    spread = range_text(measure, interval.low, interval.high, currency)
    return f"{measure_text(measure, interval.point, currency)} ({spread})"


def comparison_lines(comparison: Any) -> list[str]:
    """The ``compare`` command's answer: the target and budget, one block per option, the recommendation."""
    lines = [
        f"target: {comparison.target_words}",
        f"budget: {comparison.budget}; hardware: {comparison.hardware} (modeled)",
        f"intervals: {percent_text(comparison.level)}; an option meets the target when at least "
        f"{percent_text(comparison.min_p_reach)} of its similar runs reached it",
        "",
    ]
    for row in comparison_rows(comparison):
        lines.append(row["option"])
        lines += [f"  {column}: {row[column]}" for column in COLUMNS[1:]]
    lines += ["", f"recommended: {comparison.recommendation}"]
    lines += [f"note: {note}" for note in comparison.notes]
    return lines
