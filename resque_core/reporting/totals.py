"""Budget totals across saved scenarios, each saying which scenarios it covers.

``budget_totals`` totals a measure only when every forecast carries it in one unit. A measure only some
carry (money, where only some scenarios have a price) is totalled here over those that do, and says so:
"total of 2 of 3 scenarios (the others have no price)", so a part never passes for the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from resque_core.reporting.scenario import Scenario
from resque_core.units import BUDGET_MEASURES, measure_label

__all__ = ["budget_totals", "covered_totals", "coverage_text"]


def budget_totals(scenarios: Sequence[Scenario]) -> dict[str, dict[str, float]]:
    """Sum of each budget measure's point, low and high over the scenarios with a forecast.

    A measure whose unit differs between scenarios (money in EUR and in USD), or that one of their forecasts
    lacks (a model of another family has no kWh until a probe of it), has no total: a part would pass for it.
    """
    forecasts = [sc.forecast.get("measures") or {} for sc in scenarios if sc.forecast]
    totals: dict[str, dict[str, float]] = {}
    mixed = set()
    for measures in forecasts:
        for measure, fig in measures.items():
            if measure not in BUDGET_MEASURES or fig.get("point") is None:
                continue
            tot = totals.setdefault(measure, {"point": 0.0, "low": 0.0, "high": 0.0, "unit": fig.get("unit", "")})
            if tot["unit"] != fig.get("unit", ""):
                mixed.add(measure)
            for key in ("point", "low", "high"):
                tot[key] += float(fig.get(key) if fig.get(key) is not None else fig["point"])
    lacking = {m for m in totals if any((f.get(m) or {}).get("point") is None for f in forecasts)}
    return {m: t for m, t in totals.items() if m not in mixed | lacking}


def _has(scenario: Any, measure: str) -> bool:
    return (((scenario.forecast or {}).get("measures") or {}).get(measure) or {}).get("point") is not None


def covered_totals(scenarios: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Per budget measure: ``budget_totals``'s point, low, high and unit, with ``n`` (the scenarios summed),
    ``of`` (all scenarios) and ``lacking`` (what the others lack: "forecast", or the measure's words)."""
    forecasted = [sc for sc in scenarios if sc.forecast]
    lacking_forecast = len(forecasted) < len(scenarios)
    out = {}
    for measure in BUDGET_MEASURES:
        having = [sc for sc in forecasted if _has(sc, measure)]
        total = budget_totals(having).get(measure) if having else None
        if total is None:
            continue
        partial = len(having) < len(forecasted)
        lacking = _words(measure) if partial else "forecast"
        if partial and lacking_forecast:
            lacking = f"forecast or no {lacking}"
        out[measure] = {**total, "n": len(having), "of": len(scenarios), "lacking": lacking}
    return out


def _words(measure: str) -> str:
    return "price" if measure == "money" else f"{measure_label(measure).lower()} figure"


def coverage_text(total: dict[str, Any]) -> str:
    """``"all 3 scenarios"``, or ``"total of 2 of 3 scenarios (the others have no price)"``."""
    if total["n"] == total["of"]:
        return f"all {total['of']} scenarios" if total["of"] > 1 else "the one scenario"
    return f"total of {total['n']} of {total['of']} scenarios (the others have no {total['lacking']})"
