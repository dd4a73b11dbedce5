"""Chart builders: the values they plot, and the short-job window widening."""

from __future__ import annotations

from datetime import datetime

import pytest

from resque_core.reporting import charts
from tests.report_fixtures import make_scenario


def test_per_class_bars_plot_the_angles_and_the_floor():
    fig = charts.per_class_bars({"0": 0.1, "1": 0.2}, noise_floor=0.01)
    assert list(fig.data[0].y) == [0.1, 0.2] and list(fig.data[0].x) == ["0", "1"]
    assert fig.layout.shapes[0].y0 == 0.01 and fig.layout.xaxis.type == "category"
    assert not fig.layout.annotations  # no label on the plot, where it would overlap a bar
    assert [t.name for t in fig.data] == ["per class", "noise floor (0.01)"] and fig.data[1].line.dash == "dash"


def test_compare_measures_uses_the_interval_as_error_bars():
    fig = charts.compare_measures([make_scenario("a", epochs=7.5), make_scenario("b", epochs=12.0)], "epochs")
    assert list(fig.data[0].y) == [7.5, 12.0] and fig.layout.yaxis.title.text == "Epochs"
    assert list(fig.data[0].error_y.array) == [3.0, 3.0] and list(fig.data[0].error_y.arrayminus) == [2.0, 2.0]


def test_compare_measures_draws_in_the_unit_the_tables_use():
    """0.0025 kg and 0.004 kg CO2 read 2.5 g and 4 g on the table: the chart plots 2.5 and 4 on a g axis."""
    scenarios = [make_scenario("a"), make_scenario("b")]
    for sc, kg in zip(scenarios, (0.0025, 0.004), strict=True):
        sc.forecast["measures"]["co2_kg"] = {"point": kg, "low": kg / 2, "high": kg * 2, "unit": "kg CO2"}
    fig = charts.compare_measures(scenarios, "co2_kg")
    assert fig.layout.yaxis.title.text == "CO2 (g)"
    assert list(fig.data[0].y) == pytest.approx([2.5, 4.0])
    assert list(fig.data[0].error_y.array) == pytest.approx([2.5, 4.0])
    assert list(fig.data[0].error_y.arrayminus) == pytest.approx([1.25, 2.0])
    assert fig.data[0].hovertemplate.endswith(" g CO2<extra></extra>")


def test_the_schedule_chart_draws_the_deadline_and_greys_what_lies_beyond():
    schedule = dict(make_scenario().schedule, now="2026-11-23T00:30:00Z", deadline="2026-11-23T02:00:00Z")
    fig = charts.intensity_series(schedule)
    lines = {str(a.text): a.x for a in fig.layout.annotations if a.text in ("now", "deadline")}
    assert datetime.fromisoformat(str(lines["deadline"])) == datetime.fromisoformat("2026-11-23T02:00:00+00:00")
    greyed = [(s.x0, s.x1) for s in fig.layout.shapes if s.type == "rect" and s.fillcolor == "gray"]
    times = [datetime.fromisoformat(str(t).replace("Z", "+00:00")) for pair in greyed for t in pair]
    last = datetime.fromisoformat(str(schedule["series"][-1]["time"]).replace("Z", "+00:00"))
    start = datetime.fromisoformat(str(schedule["series"][0]["time"]).replace("Z", "+00:00"))
    assert times[:2] == [start, datetime.fromisoformat("2026-11-23T00:30:00+00:00")]  # the gone part of the hour
    assert times[2] == datetime.fromisoformat("2026-11-23T02:00:00+00:00") and times[3] > last  # after the deadline
    assert "excluded: after the deadline" in [a.text for a in fig.layout.annotations]
    no_deadline = charts.intensity_series(dict(schedule, deadline=None))
    assert "deadline" not in [a.text for a in no_deadline.layout.annotations]


def test_a_short_job_shades_its_whole_step():
    schedule = dict(
        make_scenario().schedule, best_start="2026-11-23T09:00:00+00:00", best_end="2026-11-23T09:00:01+00:00"
    )
    rect = charts.intensity_series(schedule).layout.shapes[0]
    assert datetime.fromisoformat(str(rect.x1)) - datetime.fromisoformat(str(rect.x0)) == (
        datetime(2026, 11, 23, 1) - datetime(2026, 11, 23, 0)
    )


def test_projection_legend_names_each_class_colour_and_each_origin_symbol():
    fig = charts.projection_scatter([[0, 0], [1, 1], [2, 2]], ["a", "b", "a"], ["original", "new", "new"])
    shown = [(t.name, t.marker.symbol, t.marker.color) for t in fig.data if t.showlegend is not False]
    a, b = charts.CLASS_COLOURS[:2]
    assert shown == [
        ("original data", "circle", "gray"),
        ("new data", "x", "gray"),
        ("class a", "circle", a),
        ("class b", "x", b),
    ]
    marks = [(t.name, t.marker.symbol, t.marker.color, list(t.x)) for t in fig.data if t.x[0] is not None]
    assert marks == [("class a", "circle", a, [0]), ("class a", "x", a, [2]), ("class b", "x", b, [1])]


def test_now_is_marked_where_the_plan_started_not_where_the_series_does():
    schedule = dict(make_scenario().schedule, now="2026-11-23T02:20:00Z")
    fig = charts.intensity_series(schedule)
    line = [s for s in fig.layout.shapes if s.type == "line"][0]
    assert datetime.fromisoformat(str(line.x0)) == datetime.fromisoformat("2026-11-23T02:20:00+00:00")
    older = charts.intensity_series(make_scenario().schedule)  # no "now" saved: the series' first point
    line = [s for s in older.layout.shapes if s.type == "line"][0]
    assert datetime.fromisoformat(str(line.x0)) == datetime.fromisoformat("2026-11-23T00:00:00+00:00")


def test_a_planned_deadline_travels_in_the_schedule_section_to_the_chart():
    """``SchedulePlan.to_dict`` carries the deadline, so a saved scenario and the report draw it too."""
    from datetime import UTC, timedelta

    from resque_core.grid.illustrative import IllustrativeProvider
    from resque_core.grid.job import schedule_job
    from resque_core.reporting.scenario import schedule_section

    now = datetime(2026, 12, 7, 10, 35, tzinfo=UTC)
    deadline = now + timedelta(hours=24)
    plan, series = schedule_job(
        IllustrativeProvider(now=now), "DE", 8.3, 2.8e-5, now=now, horizon_s=48 * 3600, deadline=deadline
    )
    section = schedule_section(plan, series)
    assert datetime.fromisoformat(section["deadline"].replace("Z", "+00:00")) == deadline
    assert datetime.fromisoformat(section["best_start"].replace("Z", "+00:00")) < deadline
    drawn = {a.text: a.x for a in charts.intensity_series(section).layout.annotations}
    assert datetime.fromisoformat(str(drawn["deadline"]).replace("Z", "+00:00")) == deadline
