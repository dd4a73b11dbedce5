"""Interaction tests: set widgets by key, assert the page shows what ``resque_core`` computes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from resque_core.forecast.costing import Costing
from resque_core.index.compute import compute_index
from resque_core.index.request import IndexRequest
from resque_core.model.source import ModelSource
from resque_core.reporting.scenario import scenarios_from_json
from resque_core.units import bound_text, co2_text, energy_text, measure_text, number_text
from resque_core.units import datetime_text as when
from tests.app.conftest import cli_plan, demo_app, errors, fresh_app, goto, metric
from ui import actions
from ui.settings import DataChoice, ScheduleSettings


@pytest.fixture(scope="module")
def demo():
    return demo_app()


def test_index_on_another_layer_equals_the_engine():
    at = goto(fresh_app(), "pages/index.py")
    at.button(key="index_defaults").click().run()
    layer = "fc1"
    assert any(o.startswith(f"{layer}  ·  Linear") for o in at.selectbox(key="index_layer").options)
    at.selectbox(key="index_layer").set_value(layer).run()
    at.button(key="compute_index").click().run()
    assert not errors(at), errors(at)
    expected = compute_index(IndexRequest(model=ModelSource(), **DataChoice().inputs(), layer=layer))
    assert metric(at, "RESQUE_dist") == f"{expected.value:.4g}"
    assert at.session_state["results"]["index"].layer == layer
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert "Index: :green[done]" in sidebar and "Forecast: :gray[missing]" in sidebar


def test_new_data_marks_index_and_forecast_stale(demo):
    at = goto(demo, "pages/data_model.py")
    at.slider(key="shift_level").set_value(4).run()
    at.button(key="apply_data").click().run()
    sidebar = " ".join(m.value for m in at.sidebar.markdown)
    assert (
        "Data: :green[done]" in sidebar and "Index: :orange[stale" in sidebar and "Schedule: :orange[stale" in sidebar
    )
    goto(at, "pages/index.py")
    assert any("Stale: re-run" in w.value and "the data changed" in w.value for w in at.warning)
    at.button(key="compute_index").click().run()
    assert "Index: :green[done]" in " ".join(m.value for m in at.sidebar.markdown)


def test_forecast_with_typed_watts_and_price_equals_the_engine(demo, default_forecaster):
    at = goto(demo, "pages/forecast.py")
    at.radio(key="fc_energy").set_value("Type watts").run()
    at.number_input(key="fc_watts").set_value(250.0)
    at.number_input(key="fc_sec_epoch").set_value(30.0)
    at.slider(key="fc_util").set_value(0.5)
    at.radio(key="fc_grid").set_value("Type gCO2/kWh").run()
    at.number_input(key="fc_intensity").set_value(400.0)
    at.radio(key="fc_price").set_value("Per kWh").run()
    at.number_input(key="fc_price_kwh").set_value(0.25)
    at.slider(key="fc_level").set_value(0.9)
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    report = at.session_state["results"]["index"]
    costing = Costing(
        kwh_per_epoch=250 * 0.5 * 30 / 3.6e6,
        kwh_per_epoch_source="modeled",
        seconds_per_epoch=30.0,
        intensity_g_per_kwh=400.0,
        price_per_kwh=0.25,
    )
    expected = default_forecaster(0.9).predict(report.value, costing=costing, shift_type=report.shift.split(":")[0])
    for label, measure in [("Epochs", "epochs"), ("Money", "money")]:
        assert metric(at, label) == measure_text(measure, expected.measures[measure].point, "EUR"), measure
    assert metric(at, "Money").endswith(" EUR")  # the default currency names the money
    assert metric(at, "Energy") == energy_text(expected.measures["kwh"].point)
    assert metric(at, "CO2 (modeled") == co2_text(expected.measures["co2_kg"].point)
    assert any("90% interval" in c.value for c in at.main.caption)
    assert len(at.get("plotly_chart")) == 1  # the calibration curve


def test_offline_schedule_is_flat_and_says_so(demo):
    at = goto(demo, "pages/schedule.py")
    at.selectbox(key="sch_provider").set_value("offline").run()
    at.button(key="run_schedule").click().run()
    assert not errors(at), errors(at)
    assert metric(at, "CO2 saved") == "0 kg"
    shown = " ".join(w.value for w in at.warning) + " ".join(c.value for c in at.main.caption)
    assert "modeled" in shown.lower() or "average" in shown.lower()


def test_illustrative_schedule_with_a_deadline_equals_the_cli(demo, capsys):
    at = goto(demo, "pages/schedule.py")
    at.selectbox(key="sch_provider").set_value("illustrative").run()
    at.slider(key="sch_horizon").set_value(24)
    at.toggle(key="sch_has_deadline").set_value(True).run()
    at.slider(key="sch_deadline").set_value(20)
    at.toggle(key="sch_interruptible").set_value(True)
    at.button(key="run_schedule").click().run()
    assert not errors(at), errors(at)
    page = at.session_state["results"]["schedule"][0]
    assert page.kind == "illustrative" and page.deadline == page.now + timedelta(hours=20) and page.interruptible
    cli = cli_plan(capsys, page, "24h")
    assert cli == page.to_dict()
    assert metric(at, "Best start") == when(datetime.fromisoformat(cli["best_start"]))
    assert metric(at, "CO2 saved") == co2_text(cli["co2_saved_kg"])
    assert any("illustrative, not live data" in w.value for w in at.warning)


def test_schedule_action_with_a_pinned_now_equals_the_cli(capsys, default_forecaster):
    """The page's action with a plain dict as session state, at a fixed minute: the CLI's plan, to the bit."""
    from resque_core.forecast.costing import Costing
    from ui.state import init_state, set_result

    state: dict = {}
    init_state(state)
    costing = Costing(kwh_per_epoch=0.05, kwh_per_epoch_source="modeled", seconds_per_epoch=900.0)
    forecast = default_forecaster().predict(0.05, costing=costing)
    for stage in ("data", "model", "index"):  # a forecast is current only with its upstream stages done
        set_result(state, stage, stage, {})
    set_result(state, "forecast", forecast, {})
    now = datetime(2026, 11, 23, 10, 20, tzinfo=UTC)
    page, series = actions.run_schedule(state, ScheduleSettings(), now=now)
    assert series.start == datetime(2026, 11, 23, 10, tzinfo=UTC) and len(series) == 48
    assert page.now == now and page.duration_s == forecast.measures["seconds"].point > 3600
    assert page.energy_kwh == forecast.measures["kwh"].point
    cli = cli_plan(capsys, page, "48h")
    assert cli == page.to_dict() and cli["best_start"] == actions.schedule_of(state)["best_start"]
    later, _ = actions.run_schedule(state, ScheduleSettings(), now=now + timedelta(hours=1))
    assert later.best_start == page.best_start + timedelta(hours=1)  # the profile starts at now's hour
    assert later.co2_best_kg == pytest.approx(page.co2_best_kg) and later.co2_now_kg == pytest.approx(page.co2_now_kg)


def test_malformed_grid_csv_shows_a_message_and_keeps_the_schedule(demo):
    at = goto(demo, "pages/schedule.py")
    before = at.session_state["results"]["schedule"][0].best_start
    at.selectbox(key="sch_provider").set_value("csv").run()
    at.file_uploader(key="sch_upload").set_value(("grid.csv", b"time,value\n2026-11-23T00:00Z,300\n", "text/csv")).run()
    at.button(key="run_schedule").click().run()
    shown = " ".join(errors(at))
    assert "Scheduling failed" in shown and "expected columns" in shown and not at.exception
    assert at.session_state["results"]["schedule"][0].best_start == before


def test_save_compare_and_export_scenarios(demo):
    at = goto(demo, "pages/scenarios.py")
    at.text_input(key="scenario_name_input").set_value("noise 3").run()
    at.button(key="save_scenario").click().run()
    at.text_input(key="scenario_name_input").set_value("noise 3 again").run()
    at.button(key="save_scenario").click().run()
    assert not errors(at), errors(at)
    table = at.table[0].value  # a static table, as wide as the page: every column shows
    assert list(table.index) == ["noise 3", "noise 3 again"]
    index_value = at.session_state["results"]["index"].value
    assert table.loc["noise 3", "RESQUE index"] == number_text(index_value)
    kwh = at.session_state["results"]["forecast"].measures["kwh"].point
    assert table.loc["noise 3", "Energy"] == energy_text(kwh)  # as the Energy tile writes it, not 4.2e-06
    assert {b.label for b in at.download_button} >= {"CSV", "JSON", "Download the HTML report"}
    saved = list(at.session_state["scenarios"].values())
    from resque_core.reporting.export import to_json

    again = scenarios_from_json(to_json(saved))
    assert [s.name for s in again] == ["noise 3", "noise 3 again"]
    assert json.loads(again[0].to_json())["index"]["value"] == pytest.approx(index_value)


def test_import_of_a_malformed_scenarios_file(demo):
    at = goto(demo, "pages/scenarios.py")
    at.file_uploader(key="scenarios_upload").set_value(("bad.json", b"{oops", "application/json")).run()
    at.button(key="import_scenarios").click().run()
    assert any("not valid JSON" in e for e in errors(at)) and not at.exception


def _wait_for_job(at, ceiling_s: float = 300.0):
    """Wait until the Validate run's thread ends (``ceiling_s`` only guards against a hang), then rerun."""
    thread = at.session_state["validate_job"].thread
    if thread is not None:
        thread.join(ceiling_s)
    at.run()
    return at.session_state["validate_job"]


def test_validate_retrains_and_records_the_run(demo):
    from resque_core.forecast.records import RecordStore

    at = goto(demo, "pages/validate.py")
    at.slider(key="val_max_epochs").set_value(1).run()
    at.button(key="start_validate").click().run()
    job = _wait_for_job(at)
    assert job.error is None and job.result is not None and len(job.epochs) == 1
    at.run()
    table = at.dataframe[-1].value
    epochs = bound_text(job.result.epochs, job.result.censored)  # a censored count is a lower bound: ">= 1"
    assert table.loc[0, "measure"] == "Epochs" and table.loc[0, "measured"] == epochs
    assert job.result.energy_kwh > 0 and table.loc[2, "measured"].endswith(energy_text(job.result.energy_kwh))
    clean = job.settings.base_acc  # the default target: within 2 points of the old model's clean accuracy
    assert job.settings.target.label == "within 2 points of the old model's clean accuracy"
    assert job.result.target_acc == pytest.approx(clean - 0.02) and job.result.target_rule.name == "fixed"
    assert job.forecast.target == job.settings.target.label  # the shipped records' curves answer the run's target
    assert table.loc[2, "forecast"] == energy_text(job.forecast.measures["kwh"].point)
    assert set(table.columns) == {"measure", "forecast", "interval", "measured", "covered"}
    assert any(f"accuracy {clean - 0.02:.3f} on the new data" in m.value for m in at.markdown)
    assert any(f"Recorded: epochs {epochs}" in c.value for c in at.main.caption)
    assert any(
        "energy estimated by codecarbon" in c.value or "measured by codecarbon" in c.value for c in at.main.caption
    )
    assert any("Added to the calibration history" in s.value for s in at.success)
    rows = RecordStore().all()
    assert len(rows) >= 1 and rows["epochs"].iloc[-1] == pytest.approx(job.result.epochs)
    row = rows.iloc[-1]  # the same columns a calibration sweep writes: it feeds the per-type curves
    kind, level = at.session_state["results"]["index"].shift.split(":")
    assert (row["shift_type"], int(row["shift_level"]), int(row["seed"])) == (kind, int(level), 0)
    assert row["kwh_per_epoch"] == pytest.approx(job.result.kwh_per_epoch)
    assert row["run_id"].startswith("validate-") and row["index_value"] == pytest.approx(
        at.session_state["results"]["index"].value
    )
    assert (row["arch"], row["n_params"], row["input_size"]) == ("SmallCNN", 28106, "16x16x1")  # its model family
    assert 0 < row["n_train"] < job.result.steps_per_epoch * 32 + 1  # the new data less the quarter held out


def test_validate_cancel_stops_the_run(demo):
    at = goto(demo, "pages/validate.py")
    at.radio(key="val_target_kind").set_value("acc").run()
    at.slider(key="val_max_epochs").set_value(60).run()
    at.number_input(key="val_target_acc").set_value(1.0).run()  # unreachable: only the cancel can stop it
    at.button(key="start_validate").click().run()
    at.button(key="cancel_validate").click().run()
    job = _wait_for_job(at)
    assert job.result is not None and job.result.cancelled
    assert any("Cancelled" in w.value for w in at.warning)
    trained = number_text(job.result.epochs)  # the progress bar and the warning say the same number of epochs
    assert any(f"Cancelled after {trained} epochs" in w.value for w in at.warning)
    assert [bar.proto.text for bar in at.get("progress")] == [f"Epochs trained: {trained} of 60"]


def test_forecast_with_a_probe_is_labeled_estimated(demo):
    at = goto(demo, "pages/forecast.py")
    at.radio(key="fc_energy").set_value("Measure a probe here").run()
    assert at.number_input(key="fc_probe_steps").value == 20  # the CLI's --probe-steps default
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    forecast = at.session_state["results"]["forecast"]
    basis, probe = forecast.source.energy_basis, at.session_state["fc_probe"]
    assert basis == f"probe (median of {probe.repeats} rounds of {probe.steps} steps)" and probe.repeats >= 4
    assert forecast.source.energy in ("estimated", "measured")
    assert metric(at, "Energy") == energy_text(forecast.measures["kwh"].point)
    assert any(f"Energy: {forecast.source.energy} ({basis})" in c.value for c in at.main.caption)
    assert f"Energy per epoch from a {probe.summary()}." in [c.value for c in at.main.caption]
    assert forecast.measures["kwh"].point == pytest.approx(forecast.measures["epochs"].point * probe.kwh_per_epoch)


@pytest.mark.slow
def test_self_calibration_feeds_the_forecast(demo):
    """Self-calibrate on the default model (two shift types x five levels), then forecast from those runs.

    The budget is a count of cases (10), not wall time, so a loaded machine gives the same records. An epoch cap
    of 2 (under the plan's full-data floor of 5) runs them on a quarter of the data: about 12 s, not 55 s.
    """
    from resque_core.cli import build_parser
    from resque_core.commands.calibrate_args import self_calibration_from

    at = goto(demo, "pages/forecast.py")
    at.radio(key="fc_source").set_value("Self-calibrate on my model").run()
    at.multiselect(key="fc_shifts").set_value(["gaussian_noise", "gaussian_blur"]).run()
    at.multiselect(key="fc_levels").set_value([1, 2, 3, 4, 5]).run()  # changed from the CLI's default shifts
    at.number_input(key="fc_budget").set_value(120)
    at.number_input(key="fc_cases").set_value(10)
    at.number_input(key="fc_selfcal_epochs").set_value(2)
    at.toggle(key="fc_meter").set_value(False).run()
    at.button(key="fc_selfcal").click().run(timeout=120)  # 20 short runs of the digits model: 12 s at load 3
    assert not errors(at), errors(at)
    shifts = ",".join(f"{kind}:{level}" for kind in ("gaussian_noise", "gaussian_blur") for level in range(1, 6))
    argv = ["calibrate", "--checkpoint", "default", "--original", "digits", "--shifts", shifts, "--max-minutes", "120"]
    argv += ["--max-cases", "10", "--max-epochs", "2", "--scratch-epochs", "2", "--no-energy"]
    assert at.session_state["selfcal_settings"] == self_calibration_from(build_parser().parse_args(argv))
    plan = [m.value for m in at.markdown if m.value.startswith("Plan: [")]  # said before the first run
    assert len(plan) == 2 and "20 runs (10 retraining, 10 from scratch; 10 shifts x 1 seed)" in plan[0]
    assert "epoch cap 2, data fraction 0.25: " in plan[0]  # a cap under 5 runs on the smallest share of the data
    assert "runs trained on 0.25 of the original data, so their epochs hold fewer images" in plan[1]
    assert any(t.value.startswith("[20/20 runs, ") for t in at.text)  # the live line, at its last event
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    forecast = at.session_state["results"]["forecast"]
    assert forecast.source.records == "self-calibration" and forecast.n_records == 10
    assert any("self-calibration (10 runs)" in c.value for c in at.main.caption)


def test_task_shift_with_the_0_4_model_equals_the_engine():
    at = goto(fresh_app(), "pages/data_model.py")
    at.radio(key="new_mode").set_value("New classes (task shift)").run()
    at.radio(key="ckpt_source").set_value("Default: digits 0-4").run()
    at.button(key="apply_data").click().run()
    assert not errors(at), errors(at)
    counts = at.dataframe[0].value
    assert int(counts.loc["original", "0"]) > 0 and int(counts.loc["new", "9"]) > 0
    goto(at, "pages/index.py")
    at.button(key="compute_index").click().run()
    assert not errors(at), errors(at)
    expected = compute_index(IndexRequest(model=ModelSource("default-0-4"), kind="task"))
    assert metric(at, "RESQUE_task") == f"{expected.value:.4g}"


def test_forecast_from_recorded_runs_with_too_few_runs_says_so(demo, tmp_path, monkeypatch):
    """Empty local history: a clear message, and the previous forecast is kept.

    Its own empty database: the module's other tests (Validate, self-calibration) add runs to theirs.
    """
    monkeypatch.setenv("RESQUE_DB", str(tmp_path / "empty.sqlite"))
    at = goto(demo, "pages/forecast.py")
    at.radio(key="fc_source").set_value("My recorded runs").run()
    before = at.session_state["results"]["forecast"]
    at.button(key="run_forecast").click().run()
    shown = " ".join(errors(at))
    assert "Forecasting failed" in shown and ("recorded-runs.csv" in shown or "at least 8" in shown)
    assert not at.exception
    assert at.session_state["results"]["forecast"] is before
