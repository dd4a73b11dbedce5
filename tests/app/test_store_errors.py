"""The pages name a records database they cannot use, and what to do, instead of "unexpected error"."""

from __future__ import annotations

from tests.app.conftest import demo_app, goto
from tests.forecast.bad_databases import random_bytes


def test_a_damaged_history_is_named_on_the_forecast_and_validate_pages(tmp_path, monkeypatch):
    at = demo_app()
    db = tmp_path / "records.sqlite"
    random_bytes(db)
    before = db.read_bytes()
    monkeypatch.setenv("RESQUE_DB", str(db))
    at = goto(at, "pages/forecast.py")
    at.radio(key="fc_source").set_value("My recorded runs").run()
    shown = [e.value for e in at.error]
    assert any(
        text.startswith(f"Reading the recorded runs failed: the records database {db} is damaged or not an SQLite")
        and text.endswith("move it aside or set RESQUE_DB to another file")
        for text in shown
    ), shown
    at = goto(at, "pages/validate.py")
    at.slider(key="val_max_epochs").set_value(1).run()
    at.button(key="start_validate").click().run()
    shown = [e.value for e in at.error]
    assert any(text.startswith(f"Starting the retraining failed: the records database {db}") for text in shown), shown
    assert "validate_job" not in at.session_state  # nothing was trained
    assert not [e for e in shown if "unexpected error" in e] and db.read_bytes() == before


def test_self_calibration_on_the_page_checks_the_history_first_then_adds_each_case(tmp_path, monkeypatch):
    from resque_core.forecast.records import RecordStore

    at = goto(demo_app(), "pages/forecast.py")
    at.radio(key="fc_source").set_value("Self-calibrate on my model").run()
    at.multiselect(key="fc_shifts").set_value(["gaussian_noise"]).run()
    at.number_input(key="fc_cases").set_value(1)
    at.number_input(key="fc_selfcal_epochs").set_value(2)
    at.toggle(key="fc_meter").set_value(False).run()
    bad = tmp_path / "bad.sqlite"
    random_bytes(bad)
    monkeypatch.setenv("RESQUE_DB", str(bad))
    at.button(key="fc_selfcal").click().run()
    shown = [e.value for e in at.error]
    assert any(t.startswith(f"Self-calibrating failed: the records database {bad} is damaged") for t in shown), shown
    assert not [m for m in at.markdown if m.value.startswith("Plan: [")]  # refused before the plan: nothing ran
    good = tmp_path / "good.sqlite"
    monkeypatch.setenv("RESQUE_DB", str(good))
    at.button(key="fc_selfcal").click().run(timeout=120)  # one case at epoch cap 2
    assert not at.error, [e.value for e in at.error]
    stored = RecordStore(good).all()
    assert sorted(stored["run_kind"]) == ["retrain", "scratch"] and stored["run_id"].str.startswith("self-").all()
    # priced for the real retraining's epoch (the new half of the digits less the quarter Validate holds out): the
    # self-calibration's own epochs are that size here, so nothing is scaled and nothing needs saying
    assert (stored["n_train"] == 675).all() and at.session_state["selfcal_settings"].max_epochs == 2
    assert not [w.value for w in at.warning if "scaled" in w.value or "stopped at" in w.value]
