"""Reporting: scenarios (one saved what-if), the charts pages and reports share (a model comparison's Pareto
chart among them), and CSV/JSON/HTML export.
See docs/dashboard.md.
"""

from __future__ import annotations

from resque_core.reporting.compare_chart import pareto_figure
from resque_core.reporting.compare_section import load_comparison
from resque_core.reporting.export import to_csv, to_html, to_json, write_report
from resque_core.reporting.scenario import Scenario, load_scenarios, scenarios_from_json, scenarios_to_json
from resque_core.reporting.totals import budget_totals

__all__ = [
    "Scenario",
    "budget_totals",
    "load_comparison",
    "load_scenarios",
    "pareto_figure",
    "scenarios_from_json",
    "scenarios_to_json",
    "to_csv",
    "to_html",
    "to_json",
    "write_report",
]
