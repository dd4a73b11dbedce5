"""Consistency by construction: what is shown as done, saved or reported comes from one pipeline run."""

from __future__ import annotations

import pytest

from tests.app.conftest import chart_traces, demo_app, errors, goto
from ui.state import job_facet, pipeline_status


def sidebar(at) -> str:
    return " ".join(m.value for m in at.sidebar.markdown)


def assert_one_run(scenario, state) -> None:
    """The saved sections are the session's current index, forecast and schedule, and they agree."""
    results = state["results"]
    forecast, (plan, _) = results["forecast"], results["schedule"]
    assert scenario.index["value"] == pytest.approx(results["index"].value)
    assert forecast.index == pytest.approx(results["index"].value)
    kwh = forecast.measures["kwh"].point
    assert scenario.forecast["measures"]["kwh"]["point"] == pytest.approx(kwh)
    assert plan.energy_kwh == pytest.approx(kwh) and scenario.schedule["energy_kwh"] == pytest.approx(kwh)
    assert plan.duration_s == pytest.approx(max(forecast.measures["seconds"].point, 1.0))
    assert 0 <= scenario.schedule["co2_saved_kg"] <= scenario.schedule["co2_now_kg"]
    # the illustrative profile averages the zone's annual average, the forecast's intensity: the CO2 saved
    # is at most the job's forecast CO2 (the report once showed 2.296 g saved of a 1.036 g job)
    assert scenario.schedule["co2_saved_kg"] <= scenario.forecast["measures"]["co2_kg"]["point"]


def save(at, name: str):
    at = goto(at, "pages/scenarios.py")
    at.text_input(key="scenario_name_input").set_value(name).run()
    at.button(key="save_scenario").click().run()
    assert not errors(at), errors(at)
    return at, at.session_state["scenarios"][name]


def test_a_new_index_makes_the_forecast_and_schedule_stale_until_redone():
    at = demo_app()
    at, demo = save(at, "demo")
    assert_one_run(demo, at.session_state)
    old_epochs = demo.forecast["measures"]["epochs"]["point"]
    old_job = job_facet(at.session_state["results"]["forecast"])

    at = goto(at, "pages/data_model.py")
    at.slider(key="shift_level").set_value(1).run()
    at.button(key="apply_data").click().run()
    at = goto(at, "pages/index.py")
    at.button(key="compute_index").click().run()  # the same index settings, on new data
    assert "Index: :green[done]" in sidebar(at)
    assert "Forecast: :orange[stale" in sidebar(at) and "Schedule: :orange[stale" in sidebar(at)

    at, partial = save(at, "new index only")
    assert partial.index["value"] == pytest.approx(at.session_state["results"]["index"].value)
    assert partial.forecast is None and partial.schedule is None
    assert not any(k.startswith(("forecast.", "schedule.")) for k in partial.inputs)
    assert any("Not saved: the forecast and the schedule" in w.value for w in at.warning)

    at = goto(at, "pages/home.py")
    assert not at.get("download_button"), "no report of a pipeline with stale stages"

    at = goto(at, "pages/schedule.py")
    at.button(key="run_schedule").click().run()
    assert any("the forecast is stale" in e for e in errors(at)), errors(at)

    at = goto(at, "pages/forecast.py")
    assert "this scenario" not in chart_traces(at, "calibration_chart"), "no marker of the old index on the new curve"
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    assert pipeline_status(at.session_state)["forecast"] == "done"
    here = chart_traces(at, "calibration_chart")["this scenario"]
    assert here["x"] == [pytest.approx(at.session_state["results"]["index"].value)]
    redone_forecast = at.session_state["results"]["forecast"]
    same_job = job_facet(redone_forecast) == old_job  # the schedule reads the forecast's seconds and kWh alone
    assert ("Schedule: :green[done]" in sidebar(at)) == same_job and (
        "Schedule: :orange[stale" in sidebar(at)
    ) != same_job
    assert redone_forecast.index == pytest.approx(at.session_state["results"]["index"].value)  # the new index's
    assert redone_forecast.measures["epochs"].point != pytest.approx(old_epochs)
    at, partial = save(at, "new forecast, old schedule")
    assert partial.forecast is not None and (partial.schedule is not None) == same_job

    at = goto(at, "pages/schedule.py")
    at.button(key="run_schedule").click().run()
    assert set(pipeline_status(at.session_state).values()) == {"done"}
    at, redone = save(at, "redone")
    assert_one_run(redone, at.session_state)


def test_validate_retrains_to_the_target_it_shows_and_forecasts_for_it():
    """An accuracy target on the page is the run's fixed target and the forecast's target (like for like)."""
    from resque_core.forecast.targets import Target

    at = demo_app()
    at = goto(at, "pages/validate.py")
    at.radio(key="val_target_kind").set_value("acc").run()
    at.number_input(key="val_target_acc").set_value(0.9).run()
    assert any("≥ 0.900 (accuracy 0.9 on the new data)" in c.value for c in at.main.caption)
    at.slider(key="val_max_epochs").set_value(1).run()
    at.button(key="start_validate").click().run()
    job = at.session_state["validate_job"]
    job.thread.join(120)
    assert job.settings.target == Target.acc(0.9) and job.settings.retrain_config().target_acc == 0.9
    at.run()
    # the shipped records carry curves: their forecast is for the same target as the run
    assert job.forecast.target == "accuracy 0.9 on the new data" and job.forecast.target_note is None
