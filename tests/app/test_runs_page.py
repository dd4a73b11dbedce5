"""The Runs page lists the runs tracked in the records database, with what is left of each, and sends the rest of a
run to the Schedule page."""

from __future__ import annotations

import json

import pytest

from resque_core.live import LiveRun, Prior, RunStore, track
from resque_core.live.store import LivePoint, utc_now
from resque_core.live.summary import run_summary
from tests.app.conftest import errors, fresh_app, goto, texts
from tests.forecast.bad_databases import random_bytes

PRIOR = Prior(epochs=4, low=2, high=9, index=0.04, index_kind="dist")


@pytest.fixture
def db(tmp_path, monkeypatch):
    path = tmp_path / "records.sqlite"
    monkeypatch.setenv("RESQUE_DB", str(path))
    return path


def tracked(db, name: str, accuracies: list[float], end: bool = True):
    """A run tracked with ``track`` over a tiny loop, metered by hand (``run.energy``); left running unless ``end``."""
    run = track(name, target_acc=0.9, max_epochs=12, prior=PRIOR, db=db, meter=None, price_per_kwh=0.3)
    run.__enter__()
    for epoch, acc in enumerate(accuracies, start=1):
        run.energy(0.01 * epoch)
        run.evaluated(epoch, acc)
    if end:
        run.__exit__(None, None, None)
    return run


def written_elsewhere(db, name: str, points: int = 2, prior: Prior | None = PRIOR) -> LiveRun:
    """A run another process writes straight into the database: 30 min and 0.2 kWh per epoch."""
    now = utc_now()
    run = LiveRun(
        f"live-{name}", name, "running", now, now, "other-host", 4242, 0.9, "accuracy 0.9 on the new data", 20.0,
        prior, "DEU", 380.0, "codecarbon-estimate",
    )  # fmt: skip
    store = RunStore(db)
    store.begin(run)
    for epoch in range(1, points + 1):
        store.add_point(run.run_id, LivePoint(float(epoch), 0.4 + 0.1 * epoch, 1800.0 * epoch, 0.2 * epoch, now))
    return store.runs(run.run_id)[0]


def table(at) -> list[dict]:
    return at.dataframe[0].value.to_dict("records")


def test_an_empty_database_shows_how_to_track_a_run(db):
    at = goto(fresh_app(), "pages/runs.py")
    assert not errors(at), errors(at)
    assert "No tracked runs in the records database (records.sqlite)" in texts(at)
    shown = [c.value for c in at.code]
    assert any(c.startswith("from resque_core import track") and "run.evaluated(" in c for c in shown), shown
    assert "python -m resque_core runs --watch" in shown


def test_the_page_lists_tracked_runs_newest_first_with_what_is_left(db, capsys):
    from resque_core.cli import main

    tracked(db, "cnn-camera-a", [0.5, 0.62, 0.7])
    tracked(db, "cnn-camera-b", [0.55, 0.8], end=False)
    at = goto(fresh_app(), "pages/runs.py")
    assert not errors(at), errors(at)
    rows = table(at)
    assert [(r["run"], r["state"], r["evaluations"]) for r in rows] == [
        ("cnn-camera-b", "running", 2),
        ("cnn-camera-a", "finished short of the target", 3),  # 0.7 never reached its 0.9
    ]
    capsys.readouterr()
    assert main(["runs", "--json"]) == 0  # the CLI reads the same database ($RESQUE_DB) and says the same
    printed = json.loads(capsys.readouterr().out)["runs"]
    assert [r["left"] for r in rows] == [r["remaining"]["sentence"] for r in printed]
    expected = printed[0]["remaining"]
    shown = texts(at)
    assert "**cnn-camera-b**: running. Target: accuracy 0.9 on the new data, within 12 epochs; 2 evaluations" in shown
    assert f"Epochs left {float(expected['epochs']['point']):.4g}" in shown
    assert "Never reached" in shown and "Money left" in shown
    assert "given by the team's own meter" in shown
    assert len(at.get("plotly_chart")) == 1


def test_a_run_written_by_another_process_appears_after_a_refresh(db):
    tracked(db, "cnn-camera-a", [0.5, 0.6])
    at = goto(fresh_app(), "pages/runs.py")
    assert [r["run"] for r in table(at)] == ["cnn-camera-a"]
    written_elsewhere(db, "vit-camera-c", points=3)
    at.button(key="runs_refresh").click().run()
    rows = table(at)
    assert [(r["run"], r["evaluations"], r["host"]) for r in rows][0] == ("vit-camera-c", 3, "other-host")
    at.selectbox(key="runs_pick").set_value("live-vit-camera-c").run()
    shown = texts(at)
    assert "Energy left (estimated)" in shown and "Estimated, not measured." in shown
    assert "TDP × load" in shown  # codecarbon without power counters says so


def test_a_damaged_database_shows_a_clear_error(db):
    random_bytes(db)
    at = goto(fresh_app(), "pages/runs.py")
    shown = [e.value for e in at.error]
    assert not at.exception
    assert any(
        e.startswith(f"Reading the tracked runs failed: the records database {db} is damaged or not an SQLite")
        for e in shown
    ), shown


def test_replan_puts_what_is_left_into_the_schedule_page(db):
    run = written_elsewhere(db, "vit-camera-c", points=2)
    left = run_summary(run)["remaining"]
    at = goto(fresh_app(), "pages/runs.py")
    at.button(key="runs_replan").click().run()
    assert not errors(at), errors(at)
    assert at.title[0].value == "Schedule"
    assert at.number_input(key="sch_job_h").value == pytest.approx(left["seconds"]["point"] / 3600)
    assert at.number_input(key="sch_job_kwh").value == pytest.approx(left["kwh"]["point"])
    assert at.toggle(key="sch_interruptible").value and at.toggle(key="sch_own_job").value
    at.switch_page("pages/schedule.py")  # AppTest's next run stays on the page it ran last, not st.switch_page's
    at.button(key="run_schedule").click().run()
    assert not errors(at), errors(at)
    plan = at.session_state["results"]["schedule"][0]
    assert plan.duration_s == pytest.approx(left["seconds"]["point"]) and plan.interruptible
    assert plan.energy_kwh == pytest.approx(left["kwh"]["point"])
    assert "the job given in the settings" in texts(at)
    sidebar = " ".join(m.value for m in at.sidebar.markdown)  # made from no forecast: done, not stale
    assert "Forecast: :gray[missing]" in sidebar and "Schedule: :green[done]" in sidebar


def test_replan_is_disabled_with_a_reason_when_the_time_left_is_unknown(db):
    written_elsewhere(db, "vit-camera-d", points=0)  # no evaluation, and the prior has no time per epoch
    at = goto(fresh_app(), "pages/runs.py")
    assert at.button(key="runs_replan").disabled
    assert "Re-plan unavailable: the time left is unknown" in texts(at)
