"""The Pareto chart of a model comparison: the front marked and joined, intervals as error bars, the target line,
the recommended option pointed at, a log cost axis past a 30x spread, money only when priced."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from resque_core.errors import ReportError
from resque_core.reporting.compare_chart import chart_axes, pareto_figure
from tests.comparison_fixture import made_comparison

MG = 1e-6  # kg: the costs run to 1.4e-06 kg, drawn in mg


def _traces(fig) -> dict:
    return {t.name: t for t in fig.data}


def test_the_front_is_marked_by_shape_and_joined_in_order_of_cost():
    comparison = made_comparison()
    traces = _traces(pareto_figure(comparison))
    front, off = traces["on the Pareto front"], traces["not on the front"]
    assert (
        list(front.text) == [o.name for o in comparison.options if o.pareto] == ["mlp.pt retrained", "MLP from scratch"]
    )
    assert list(off.text) == ["cnn.pt retrained", "SmallCNN from scratch"]
    assert front.marker.symbol != off.marker.symbol and front.marker.color != off.marker.color
    joined = traces["the front"]
    assert list(joined.x) == pytest.approx([7.0e-10 / MG, 2.0e-08 / MG]) and list(joined.y) == [0.96, 0.97]


def test_error_bars_reach_from_each_interval_low_to_its_high():
    comparison = made_comparison()
    front = _traces(pareto_figure(comparison))["on the Pareto front"]
    options = [o for o in comparison.options if o.pareto]
    co2 = [o.measures["co2_kg"] for o in options]
    acc = [o.expected.accuracy for o in options]
    assert list(front.x) == pytest.approx([iv.point / MG for iv in co2])
    assert list(front.error_x.array) == pytest.approx([(iv.high - iv.point) / MG for iv in co2])
    assert list(front.error_x.arrayminus) == pytest.approx([(iv.point - iv.low) / MG for iv in co2])
    assert list(front.error_y.array) == pytest.approx([iv.high - iv.point for iv in acc])
    assert list(front.error_y.arrayminus) == pytest.approx([iv.point - iv.low for iv in acc])
    assert front.error_x.symmetric is False and front.error_y.symmetric is False


def test_the_target_is_a_line_named_in_the_legend():
    fig = pareto_figure(made_comparison())
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert [(s.y0, s.y1) for s in lines] == [(0.948, 0.948)]
    assert "target (0.948)" in _traces(fig)


def test_a_wide_spread_of_costs_is_drawn_on_a_log_axis_and_said_so():
    fig = pareto_figure(made_comparison())
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis.title.text == "CO2 (mg), log scale"
    (arrow,) = fig.layout.annotations
    assert arrow.text == "recommended" and arrow.x == pytest.approx(math.log10(7.0e-10 / MG))  # plotly's log units
    assert arrow.y == 0.96


def test_close_costs_stay_on_a_linear_axis():
    comparison = made_comparison()
    cnns = (comparison.option("cnn.pt retrained"), comparison.option("SmallCNN from scratch"))  # 1.3 and 1.25 mg
    fig = pareto_figure(replace(comparison, options=cnns, recommended=None))
    assert fig.layout.xaxis.type == "linear" and fig.layout.xaxis.title.text == "CO2 (mg)"
    assert not fig.layout.annotations  # none recommended: nothing pointed at


def test_money_is_drawn_only_when_priced():
    priced, unpriced = made_comparison(), made_comparison(priced=False)
    assert chart_axes(priced) == ["co2_kg", "money"] and chart_axes(unpriced) == ["co2_kg"]
    fig = pareto_figure(priced, "money")
    assert fig.layout.xaxis.title.text.startswith("Money (EUR)")
    option = priced.options[0]
    assert _traces(fig)["not on the front"].x[0] == pytest.approx(option.measures["money"].point)
    with pytest.raises(ReportError, match="not priced"):
        pareto_figure(unpriced, "money")
