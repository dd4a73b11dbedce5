"""The report's "Model comparison" section: the recommendation, the table, the Pareto chart and what every figure
assumes, all from one ``compare.Comparison`` (the Compare page's, or ``compare --json``'s file read back)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from resque_core.reporting.bounded_json import loads_bounded, read_bounded
from resque_core.reporting.compare_chart import chart_axes, pareto_figure, unpriced_reason
from resque_core.reporting.html_parts import escaped, figures_html, table
from resque_core.units import percent_text

if TYPE_CHECKING:
    from resque_core.compare import Comparison

__all__ = ["comparison_from_json", "comparison_html", "load_comparison"]


def comparison_from_json(text: str | bytes) -> Comparison:
    """A comparison from the JSON ``compare --json`` prints, within bounds and every number checked."""
    from resque_core.compare import Comparison

    return Comparison.from_dict(loads_bounded(text, "comparison file", "comparison"))


def load_comparison(path: str | Path) -> Comparison:
    """Read a comparison file (``compare --json``'s output); ``ReportError`` when missing or malformed."""
    return comparison_from_json(read_bounded(path, "comparison file", "comparison"))


def comparison_html(comparison: Comparison, plotly_js: bool = False) -> str:
    """The section; ``plotly_js``: its first chart carries plotly.js (no chart came before it)."""
    from resque_core.compare.table import COLUMNS, comparison_rows  # the compare package loads the engine

    recommended = (
        f"<p class=note><b>Recommended:</b> {escaped(comparison.recommendation)}</p>"
        if comparison.recommended
        else f"<p class=note><b>No option meets the target.</b> {escaped(comparison.recommendation)}</p>"
    )
    setup = (
        f"Target: {comparison.target_words}. Budget: {comparison.budget}. Hardware: {comparison.hardware} "
        f"(modeled). Intervals: {percent_text(comparison.level)}; an option meets the target when at least "
        f"{percent_text(comparison.min_p_reach)} of its similar runs reached it."
    )
    rows = comparison_rows(comparison)
    parts = [
        "<section><h2>Model comparison <span class=tag>modeled</span></h2>",
        recommended,
        f"<p class=muted>{escaped(setup)}</p>",
        "<div class=wide>" + table(list(COLUMNS), [[row[c] for c in COLUMNS] for row in rows]) + "</div>",
        *figures_html([pareto_figure(comparison, axis) for axis in chart_axes(comparison)], first=plotly_js),
    ]
    why = unpriced_reason(comparison)
    if why:
        parts.append(f"<p class=muted>No chart of money: {escaped(why)}.</p>")
    parts.append("<ul class=muted>" + "".join(f"<li>{escaped(n)}</li>" for n in comparison.notes) + "</ul>")
    basis = [[o.name, o.energy_basis or "–", "; ".join(o.notes) or "–"] for o in comparison.options]
    head = ["option", "time and energy (modeled)", "notes"]
    parts.append("<h3>How each option was modeled</h3>" + table(head, basis))
    return "".join(parts) + "</section>"
