"""Plotly figures shared by the dashboard pages and the HTML report (plotly is imported lazily).

Every builder takes plain values (scenario dicts, arrays) and returns a ``plotly.graph_objects.Figure``
with units on its axes; none computes a figure of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from resque_core.units import chart_scale, measure_label, number_text

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

    from resque_core.reporting.scenario import Scenario


BLUE, ORANGE, RED = "#4c78a8", "#f58518", "#e45756"


def _go():
    import plotly.graph_objects as go

    return go


TITLE_LINE_CHARS = 45  # a longer title breaks at a word: one line would run past a phone's chart


def _layout(fig: Figure, title: str, x: str, y: str) -> Figure:
    text = wrapped_title(title)
    top_px = 50 + 18 * text.count("<br>")  # room for every line of the title
    fig.update_layout(
        title=text, xaxis_title=x, yaxis_title=y, margin={"l": 50, "r": 20, "t": top_px, "b": 40}, height=360
    )
    return fig


def wrapped_title(title: str, width: int = TITLE_LINE_CHARS) -> str:
    """``title`` broken into lines of at most ``width`` characters at word boundaries (plotly's ``<br>``)."""
    import textwrap

    return "<br>".join(textwrap.wrap(title, width)) or title


def per_class_bars(per_class: dict[str, float], noise_floor: float | None = None) -> Figure:
    """Per-class angle (RESQUE_dist contribution) as bars, with the noise floor as a dashed line.

    The line is named in the legend, not by a label on the plot, where it would overlap a bar.
    """
    go = _go()
    fig = go.Figure(go.Bar(x=[str(k) for k in per_class], y=list(per_class.values()), name="per class"))
    if noise_floor is not None:
        fig.add_hline(y=noise_floor, line_dash="dash", line_color=RED)
        key = {"x": [None], "y": [None], "mode": "lines", "line": {"dash": "dash", "color": RED}}
        fig.add_trace(go.Scatter(**key, name=f"noise floor ({number_text(noise_floor)})", hoverinfo="skip"))
        fig.update_layout(showlegend=True, legend={"orientation": "h", "y": 1.12, "x": 0})
    fig.update_xaxes(type="category")  # one tick per class name
    return _layout(fig, "Per-class shift", "class", "angle / π")


# Tableau 10: one colour per class, cycled when there are more
CLASS_COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                 "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")  # fmt: skip
ORIGIN_SYMBOLS = {"original": "circle", "new": "x"}


def projection_scatter(points: Sequence[Sequence[float]], labels: Sequence[Any], origin: Sequence[str]) -> Figure:
    """2-D projection of embeddings: colour = class, symbol = original (circle) vs new (cross).

    One legend entry per class in its colour, and one per origin in grey with its symbol, so that every
    mark's colour and shape is named in the legend.
    """
    go = _go()
    fig = go.Figure()
    for source, symbol in ORIGIN_SYMBOLS.items():  # the symbol key first: it reads before the classes
        key = {"x": [None], "y": [None], "mode": "markers", "marker": {"symbol": symbol, "color": "gray"}}
        fig.add_trace(go.Scatter(**key, name=f"{source} data", legendgroup="origin", hoverinfo="skip"))
    for n, name in enumerate(sorted({str(lab) for lab in labels})):
        colour, first = CLASS_COLOURS[n % len(CLASS_COLOURS)], True
        for source, symbol in ORIGIN_SYMBOLS.items():
            idx = [i for i, o in enumerate(origin) if o == source and str(labels[i]) == name]
            if not idx:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[points[i][0] for i in idx],
                    y=[points[i][1] for i in idx],
                    mode="markers",
                    name=f"class {name}",
                    legendgroup=f"class {name}",
                    showlegend=first,  # one legend entry per class
                    hovertemplate=f"class {name}, {source}<extra></extra>",
                    marker={"symbol": symbol, "color": colour},
                    opacity=0.7,
                )
            )
            first = False
    fig.update_layout(legend={"orientation": "h", "y": -0.2})
    _layout(fig, "Embeddings, PCA projection", "PC 1", "PC 2")
    fig.update_layout(height=440, margin={"b": 110})
    return fig


def calibration_curve(
    records_x: Sequence[float],
    records_y: Sequence[float],
    grid_x: Sequence[float],
    point: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    here: tuple[float, float] | None = None,
    y_title: str = "epochs",
) -> Figure:
    """Calibration records, the fitted curve with its interval band, and this scenario's point."""
    go = _go()
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=list(grid_x) + list(grid_x)[::-1],
            y=list(high) + list(low)[::-1],
            fill="toself",
            line={"width": 0},
            opacity=0.25,
            name="prediction interval",
            hoverinfo="skip",
        )
    )
    fig.add_trace(go.Scatter(x=list(grid_x), y=list(point), mode="lines", name="forecast"))
    fig.add_trace(go.Scatter(x=list(records_x), y=list(records_y), mode="markers", name="calibration records"))
    if here is not None:
        fig.add_trace(
            go.Scatter(
                x=[here[0]],
                y=[here[1]],
                mode="markers",
                name="this scenario",
                marker={"size": 14, "symbol": "star", "color": "crimson"},
            )
        )
    return _layout(fig, f"Calibration: index vs {y_title}", "RESQUE index", y_title)


def intensity_series(schedule: dict[str, Any], title: str | None = None) -> Figure:
    """Grid intensity over time: the best window shaded, "now" and the deadline marked, excluded hours greyed.

    Hours before "now" and after the deadline could not be chosen: greyed, so a cleaner trough there reads
    as out of bounds rather than as a missed window.
    """
    go = _go()
    series = schedule.get("series") or []
    times = [_time(p["time"]) for p in series]
    hover = "%{x|%Y-%m-%d %H:%M} UTC: %{y:.4~r} gCO2/kWh<extra></extra>"
    fig = go.Figure(
        go.Scatter(
            x=times,
            y=[p["intensity_g_per_kwh"] for p in series],
            mode="lines",
            line_shape="hv",
            name="intensity",
            hovertemplate=hover,
        )
    )
    step = times[1] - times[0] if len(times) > 1 else None
    now = _time(schedule["now"]) if schedule.get("now") else (times[0] if times else None)
    deadline = _time(schedule["deadline"]) if schedule.get("deadline") else None
    _excluded(fig, times, step, now, deadline)
    if schedule.get("best_start") and schedule.get("best_end"):
        start, end = _time(schedule["best_start"]), _time(schedule["best_end"])
        if step is not None and end - start < step:  # a short job: shade its whole step
            end = start + step
        fig.add_vrect(
            x0=start,
            x1=end,
            fillcolor="green",
            opacity=0.25,
            line_width=0,
            annotation_text="best window",
            annotation_position="top left",
        )
    for moment, name in ((now, "now"), (deadline, "deadline")):
        if moment is not None:
            fig.add_vline(x=moment, line_dash="dot" if name == "now" else "dash", line_color="gray")
            fig.add_annotation(x=moment, yref="paper", y=1.0, text=name, showarrow=False, xanchor="left")
    label = (schedule.get("source") or schedule.get("kind") or "").split(":", 1)[0]  # its kind: the page says more
    return _layout(fig, title or f"Grid carbon intensity ({label})", "time (UTC)", "gCO2/kWh")


def _excluded(fig: Figure, times: Sequence[Any], step: Any, now: Any, deadline: Any) -> None:
    """Grey the hours no start could use: before "now", and from the deadline to the series' end."""
    if not times:
        return
    end = times[-1] + step if step is not None else times[-1]
    grey = {"fillcolor": "gray", "opacity": 0.2, "line_width": 0}
    if now is not None and now > times[0]:  # the part of the first step already gone: the "now" line names it
        fig.add_vrect(x0=times[0], x1=now, **grey)
    if deadline is not None and deadline < end:
        fig.add_vrect(x0=deadline, x1=end, annotation_text="excluded: after the deadline", **grey,
                      annotation_position="top right")  # fmt: skip


def compare_measures(scenarios: Sequence[Scenario], measure: str) -> Figure:
    """One forecast measure across scenarios: point with its interval as error bars, in the unit that suits the
    figures (``units.chart_scale``: mg or g CO2, mWh or kWh), as the tables write them."""
    go = _go()
    names, points, highs, lows, unit = [], [], [], [], None
    for sc in scenarios:
        figure = ((sc.forecast or {}).get("measures") or {}).get(measure)
        if not figure or figure.get("point") is None:
            continue
        names.append(sc.name)
        points.append(figure["point"])
        highs.append(figure["point"] if figure.get("high") is None else figure["high"])
        lows.append(figure["point"] if figure.get("low") is None else figure["low"])
        unit = unit or figure.get("unit")
    scale = chart_scale(measure, [*points, *highs], unit if measure == "money" else None)
    y, high, low = (scale.scaled(v) for v in (points, highs, lows))
    plus = [max(0.0, h - p) for h, p in zip(high, y, strict=True)]
    minus = [max(0.0, p - lo) for lo, p in zip(low, y, strict=True)]
    bars = go.Bar(
        x=names,
        y=y,
        error_y={"type": "data", "array": plus, "arrayminus": minus},
        hovertemplate=f"%{{x}}: %{{y:.4~r}} {scale.unit}<extra></extra>",
    )
    title = f"{measure_label(measure)} by scenario (forecast, modeled; bars = interval)"
    return _layout(go.Figure(bars), title, "scenario", scale.title)


def compare_index(scenarios: Sequence[Scenario]) -> Figure:
    """The RESQUE index of each scenario beside its noise floor."""
    go = _go()
    rows = [s for s in scenarios if s.index and s.index.get("value") is not None]
    fig = go.Figure(go.Bar(x=[s.name for s in rows], y=[s.index["value"] for s in rows], name="RESQUE"))
    floors = [s.index.get("noise_floor") for s in rows]
    if any(f is not None for f in floors):
        fig.add_trace(
            go.Scatter(
                x=[s.name for s in rows],
                y=floors,
                mode="markers",
                name="noise floor",
                marker={"symbol": "line-ew-open", "size": 24},
            )
        )
    return _layout(fig, "RESQUE index by scenario", "scenario", "index")


def run_progress(summary: dict[str, Any]) -> Figure:
    """A tracked run (``live.summary.run_summary`` with its history): its observed accuracy and the target on the
    right axis; on the left, the epoch the target is reached at, as the prior said it (a horizontal band) and as
    refined after each evaluation (a band along the evaluations)."""
    go = _go()
    fig = go.Figure()
    level = f"{summary['remaining']['level']:.0%} interval"
    history, points = summary.get("history") or [], summary["evaluations"]
    end = max([summary["max_epochs"], *(h["high"] for h in history)])
    prior = summary["remaining"].get("prior_at_target")
    if prior is not None:
        _band(fig, [0.0, end], [prior["low"]] * 2, [prior["high"]] * 2, f"prior ({level})", "gray")
        line = {"dash": "dash", "color": "gray"}
        fig.add_trace(go.Scatter(x=[0.0, end], y=[prior["point"]] * 2, mode="lines", name="prior: point", line=line))
    if history:
        xs = [h["epoch"] for h in history]
        _band(fig, xs, [h["low"] for h in history], [h["high"] for h in history], f"refined ({level})", BLUE)
        refined = {"x": xs, "y": [h["point"] for h in history], "mode": "lines+markers", "line": {"color": BLUE}}
        fig.add_trace(go.Scatter(**refined, name="refined after each evaluation: point"))
    accuracy = {"x": [p["epoch"] for p in points], "y": [p["val_acc"] for p in points], "yaxis": "y2"}
    fig.add_trace(go.Scatter(**accuracy, mode="lines+markers", name="observed accuracy", line={"color": ORANGE}))
    target = {"x": [0.0, end], "y": [summary["target_acc"]] * 2, "yaxis": "y2", "mode": "lines"}
    fig.add_trace(go.Scatter(**target, name="target accuracy", line={"dash": "dot", "color": RED}))
    cap = {"x": [0.0, end], "y": [summary["max_epochs"]] * 2, "mode": "lines", "line": {"dash": "dot", "color": "gray"}}
    fig.add_trace(go.Scatter(**cap, name="epoch cap", line_width=1))
    accuracy_axis = {"title": "accuracy on the new data (0-1)", "overlaying": "y", "side": "right", "range": [0, 1.02]}
    fig.update_layout(
        yaxis={"rangemode": "tozero"},
        yaxis2={**accuracy_axis, "tickmode": "linear", "tick0": 0, "dtick": 0.2, "showgrid": False},
        legend={"orientation": "h", "y": -0.25},
    )
    _layout(fig, f"{summary['name']}: when the target is reached", "epochs trained", "target reached at (epochs)")
    fig.update_layout(height=460, margin={"l": 60, "r": 60, "t": 50, "b": 110})
    return fig


def _band(fig: Figure, xs: Sequence[float], low: Sequence[float], high: Sequence[float], name: str, color: str) -> None:
    """A shaded interval between ``low`` and ``high`` along ``xs``, with its own legend entry."""
    outline = {"x": [*xs, *xs[::-1]], "y": [*high, *low[::-1]], "fill": "toself", "fillcolor": color, "mode": "lines"}
    fig.add_trace(_go().Scatter(**outline, line={"width": 0}, opacity=0.25, name=name, hoverinfo="skip"))


def _time(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value
