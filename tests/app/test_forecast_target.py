"""The Forecast page asks what "done" means (the team's target) and forecasts to it, as the engine does."""

from __future__ import annotations

import pytest

from resque_core.forecast.pipeline import Evidence, FitSettings, choose_records, make_forecast
from resque_core.forecast.records import RecordStore
from resque_core.forecast.targets import Target
from tests.app.conftest import demo_app, errors, goto, texts
from tests.forecast.test_targets import _records_and_curves


def test_the_page_forecasts_to_the_accuracy_the_team_sets_from_recorded_runs_with_curves(tmp_path, monkeypatch):
    monkeypatch.setenv("RESQUE_DB", str(tmp_path / "runs.sqlite"))
    records, curves = _records_and_curves()
    RecordStore().add(records, curves=curves)
    at = goto(demo_app(), "pages/forecast.py")
    at.radio(key="fc_source").set_value("My recorded runs").run()
    at.radio(key="fc_target").set_value("An accuracy on the new data").run()
    at.number_input(key="fc_target_acc").set_value(0.95).run()
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    shown = at.session_state["results"]["forecast"]
    assert shown.target == "accuracy 0.95 on the new data"
    assert "Target: accuracy 0.95 on the new data." in texts(at)
    assert "similar runs" in texts(at) and "the figures count such a run at its cap" in texts(at)
    report = at.session_state["results"]["index"]
    engine = make_forecast(
        Evidence.of(report), choose_records("db"), None, settings=FitSettings(target=Target.acc(0.95))
    )
    assert shown.measures["epochs"].point == pytest.approx(engine.measures["epochs"].point)
    assert shown.unreached == engine.unreached

    at.radio(key="fc_target").set_value("Within some points of the old model's accuracy").run()
    at.number_input(key="fc_target_points").set_value(2.0).run()
    at.button(key="run_forecast").click().run()
    drop = at.session_state["results"]["forecast"]
    assert drop.target == "within 2 points of the old model's clean accuracy"
    assert drop.measures["epochs"].point < shown.measures["epochs"].point
