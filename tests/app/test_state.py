"""Pipeline status: done / stale / missing, from the stored signatures."""

from __future__ import annotations

from ui.state import init_state, pipeline_status, set_result


def test_statuses_follow_upstream_changes():
    state: dict = {}
    init_state(state)
    assert set(pipeline_status(state).values()) == {"missing"}
    set_result(state, "data", "pair", {"new": "noise 3"})
    set_result(state, "model", "m", {"checkpoint": "default"})
    set_result(state, "index", 0.04, {"layer": "relu"})
    set_result(state, "forecast", "f", {"calibration": "default"})
    assert pipeline_status(state) == {
        "data": "done",
        "model": "done",
        "index": "done",
        "forecast": "done",
        "schedule": "missing",
    }
    set_result(state, "data", "pair", {"new": "noise 5"})
    assert pipeline_status(state)["index"] == "stale" and pipeline_status(state)["forecast"] == "stale"
    set_result(state, "data", "pair", {"new": "noise 3"})  # back to the inputs the index was computed from
    assert pipeline_status(state)["forecast"] == "done"


def test_init_state_keeps_existing_values_and_copies_defaults():
    a: dict = {"scenario_name": "mine"}
    b: dict = {}
    init_state(a)
    init_state(b)
    a["results"]["x"] = 1
    assert a["scenario_name"] == "mine" and b["results"] == {}
