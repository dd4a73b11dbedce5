"""Chart builders: the values they plot, and the short-job window widening."""

from __future__ import annotations

from datetime import datetime

from resque_core.reporting import charts
from tests.report_fixtures import make_scenario


def test_per_class_bars_plot_the_angles_and_the_floor():
    fig = charts.per_class_bars({"0": 0.1, "1": 0.2}, noise_floor=0.01)
    assert list(fig.data[0].y) == [0.1, 0.2] and list(fig.data[0].x) == ["0", "1"]
    assert fig.layout.shapes[0].y0 == 0.01 and fig.layout.xaxis.type == "category"


def test_compare_measures_uses_the_interval_as_error_bars():
    fig = charts.compare_measures([make_scenario("a", epochs=7.5), make_scenario("b", epochs=12.0)], "epochs")
    assert list(fig.data[0].y) == [7.5, 12.0]
    assert list(fig.data[0].error_y.array) == [3.0, 3.0] and list(fig.data[0].error_y.arrayminus) == [2.0, 2.0]


def test_a_short_job_shades_its_whole_step():
    schedule = dict(
        make_scenario().schedule, best_start="2026-11-23T09:00:00+00:00", best_end="2026-11-23T09:00:01+00:00"
    )
    rect = charts.intensity_series(schedule).layout.shapes[0]
    assert datetime.fromisoformat(str(rect.x1)) - datetime.fromisoformat(str(rect.x0)) == (
        datetime(2026, 11, 23, 1) - datetime(2026, 11, 23, 0)
    )


def test_projection_colours_by_class_and_marks_new_points():
    fig = charts.projection_scatter([[0, 0], [1, 1], [2, 2]], ["a", "b", "a"], ["original", "new", "new"])
    assert [t.name for t in fig.data] == ["original", "new"]
    assert list(fig.data[1].marker.color) == [1, 0] and fig.data[1].marker.symbol == "x"


def test_now_is_marked_where_the_plan_started_not_where_the_series_does():
    schedule = dict(make_scenario().schedule, now="2026-11-23T02:20:00Z")
    fig = charts.intensity_series(schedule)
    line = [s for s in fig.layout.shapes if s.type == "line"][0]
    assert datetime.fromisoformat(str(line.x0)) == datetime.fromisoformat("2026-11-23T02:20:00+00:00")
    older = charts.intensity_series(make_scenario().schedule)  # no "now" saved: the series' first point
    line = [s for s in older.layout.shapes if s.type == "line"][0]
    assert datetime.fromisoformat(str(line.x0)) == datetime.fromisoformat("2026-11-23T00:00:00+00:00")
