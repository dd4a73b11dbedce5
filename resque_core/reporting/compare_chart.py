"""The Pareto chart of a model comparison: each option's cost to the target against the accuracy it is expected to
reach, both with their intervals, the front joined, the team's target drawn and the recommended option named.

One builder for the Compare page and the report (``pareto_figure``); plotly is imported lazily. Options can
differ in cost by orders of magnitude (a small MLP and a CNN), so the cost axis turns logarithmic past
``LOG_SPAN`` and its title says so.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from resque_core.errors import ReportError
from resque_core.reporting.charts import BLUE, ORANGE, RED, _go, _layout
from resque_core.units import chart_scale, measure_label, measure_text, number_text, percent_text, range_text

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from resque_core.compare import Comparison

__all__ = ["LOG_SPAN", "chart_axes", "pareto_figure", "unpriced_reason"]

LOG_SPAN = 30.0  # largest over smallest cost beyond which the cost axis is logarithmic
FRONT = {"symbol": "diamond", "size": 13, "color": BLUE}  # shape and colour both tell the front apart
OFF_FRONT = {"symbol": "circle-open", "size": 11, "color": ORANGE, "line": {"width": 2}}


def chart_axes(comparison: Comparison) -> list[str]:
    """The costs the chart can be drawn against: CO2 (kWh when some option has none), and money when priced."""
    first = "co2_kg" if all(o.cost("co2_kg") is not None for o in comparison.options) else "kwh"
    return [first] + ([] if unpriced_reason(comparison) else ["money"])


def unpriced_reason(comparison: Comparison) -> str | None:
    """Why money cannot be drawn (None: it can)."""
    if comparison.currency is None:
        return "the comparison is not priced (give a price per kWh or per hour)"
    missing = [o.name for o in comparison.options if o.cost("money") is None]
    return f"no money figure for {', '.join(missing)}" if missing else None


def pareto_figure(comparison: Comparison, axis: str = "co2_kg") -> Figure:
    """Cost on ``axis`` ("co2_kg", "kwh" or "money") against expected accuracy, every figure modeled.

    Raises:
        ReportError: ``axis`` is not one this comparison can be drawn against (``chart_axes``), with why.
    """
    if axis not in chart_axes(comparison):
        why = unpriced_reason(comparison) if axis == "money" else "some option has no figure of it"
        raise ReportError(f"the comparison cannot be drawn against {measure_label(axis)}: {why}")
    go, options = _go(), comparison.options
    currency = comparison.currency if axis == "money" else None
    intervals = [o.measures[axis] for o in options]
    scale = chart_scale(axis, [v for iv in intervals for v in (iv.point, iv.high)], currency)
    points = scale.scaled(iv.point for iv in intervals)
    positive = [p for p in points if p and p > 0]
    log = len(positive) == len(points) and max(positive) / min(positive) > LOG_SPAN
    sides = _sides([math.log10(p) if log else p for p in points])
    fig = go.Figure()
    for on_front, name, marker in ((True, "on the Pareto front", FRONT), (False, "not on the front", OFF_FRONT)):
        chosen = [i for i, o in enumerate(options) if o.pareto == on_front]
        if chosen:
            trace = _options_trace(go, comparison, chosen, axis, scale, name, marker)
            trace.update(textposition=[f"top {'left' if sides[i] > 0 else 'right'}" for i in chosen])
            fig.add_trace(trace)
    front = sorted((points[i], o.expected.accuracy.point) for i, o in enumerate(options) if o.pareto)
    if len(front) > 1:
        line = {"dash": "dot", "color": BLUE, "width": 1.5}
        xs, ys = [x for x, _ in front], [y for _, y in front]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=line, name="the front", hoverinfo="skip"))
    _target(fig, go, comparison.target_acc)
    _recommended(fig, comparison, points, log, sides)
    title = f"{measure_label(axis)} to the target against expected accuracy (modeled; bars = intervals)"
    x_title = scale.title + (", log scale" if log else "")
    _layout(fig, title, x_title, "expected accuracy on the new data (0-1)")
    fig.update_xaxes(type="log" if log else "linear", exponentformat="none")
    fig.update_yaxes(exponentformat="none")
    fig.update_layout(height=440, legend={"orientation": "h", "y": -0.22}, margin={"b": 110})
    return fig


def _options_trace(go, comparison: Comparison, chosen: list[int], axis: str, scale, name: str, marker: dict):
    """The options at ``chosen`` as points with their cost and accuracy intervals as error bars."""
    options, currency = comparison.options, comparison.currency if axis == "money" else None
    cost = [options[i].measures[axis] for i in chosen]
    acc = [options[i].expected.accuracy for i in chosen]
    x, x_low, x_high = (scale.scaled(getattr(iv, part) for iv in cost) for part in ("point", "low", "high"))
    hover = [
        f"{options[i].name}<br>{measure_label(axis)}: {measure_text(axis, c.point, currency)} "
        f"({range_text(axis, c.low, c.high, currency)})<br>expected accuracy: {number_text(a.point, 3)} "
        f"({number_text(a.low, 3)} – {number_text(a.high, 3)})<br>chance to reach the target: "
        f"{percent_text(options[i].p_reach_target)}"
        for i, c, a in zip(chosen, cost, acc, strict=True)
    ]
    return go.Scatter(
        x=x,
        y=[a.point for a in acc],
        mode="markers+text",
        name=name,
        marker=marker,
        text=[options[i].name for i in chosen],
        cliponaxis=False,
        hovertext=hover,
        hoverinfo="text",
        error_x=_bars(x, x_low, x_high),
        error_y=_bars([a.point for a in acc], [a.low for a in acc], [a.high for a in acc]),
    )


def _bars(points: list, lows: list, highs: list) -> dict:
    """Asymmetric error bars reaching from each low to each high."""
    plus = [max(0.0, h - p) for p, h in zip(points, highs, strict=True)]
    minus = [max(0.0, p - lo) for p, lo in zip(points, lows, strict=True)]
    return {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus, "thickness": 1.5}


def _target(fig: Figure, go, target_acc: float) -> None:
    """The team's target as a dashed line, named in the legend (a label on the plot would cover a point)."""
    fig.add_hline(y=target_acc, line_dash="dash", line_color=RED)
    key = {"x": [None], "y": [None], "mode": "lines", "line": {"dash": "dash", "color": RED}}
    fig.add_trace(go.Scatter(**key, name=f"target ({number_text(target_acc, 3)})", hoverinfo="skip"))


def _sides(xs: list[float]) -> list[int]:
    """Which half of the cost axis each point lies in (-1 left, 1 right): its label goes toward the middle."""
    low, high = min(xs), max(xs)
    return [1 if high > low and x > (low + high) / 2 else -1 for x in xs]


def _recommended(fig: Figure, comparison: Comparison, points: list, log: bool, sides: list[int]) -> None:
    """An arrow naming the recommended option (none meets the target: nothing drawn; the page says so)."""
    if comparison.recommended is None:
        return
    at = next(i for i, o in enumerate(comparison.options) if o.name == comparison.recommended)
    fig.add_annotation(
        x=math.log10(points[at]) if log else points[at],  # plotly places annotations on a log axis by log10
        y=comparison.options[at].expected.accuracy.point,
        text="recommended",  # the point's own label names it
        showarrow=True,
        arrowhead=2,
        ax=-30 * sides[at],  # toward the middle, clear of the point's own label
        ay=-50,
    )
