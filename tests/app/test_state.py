"""Pipeline status: done / stale / missing, from the stored signatures."""

from __future__ import annotations

from ui.state import current, digest, init_state, pipeline_status, set_result


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


def test_a_recomputed_upstream_makes_downstream_stale_even_with_the_same_settings():
    """The bug of issue 9: a schedule made for an earlier forecast stayed done."""
    state: dict = {}
    init_state(state)
    set_result(state, "data", "pair", {"new": "noise 3"})
    set_result(state, "model", "m", {"checkpoint": "default"})
    set_result(state, "index", 0.04, {"layer": "relu"})
    set_result(state, "forecast", "f", {"calibration": "default"})
    set_result(state, "schedule", "s", {"zone": "DE"})
    set_result(state, "data", "pair", {"new": "noise 5"})
    set_result(state, "index", 0.07, {"layer": "relu"})  # same settings, new data
    assert pipeline_status(state)["index"] == "done"
    assert pipeline_status(state)["forecast"] == "stale" and pipeline_status(state)["schedule"] == "stale"
    assert current(state, "forecast") is None and current(state, "index") == 0.07
    set_result(state, "forecast", "f2", {"calibration": "default"})  # same settings, new index
    assert pipeline_status(state)["forecast"] == "done" and pipeline_status(state)["schedule"] == "stale"
    set_result(state, "schedule", "s2", {"zone": "DE"})
    assert set(pipeline_status(state).values()) == {"done"}


def test_what_a_stage_was_made_from_is_part_of_its_signature():
    state: dict = {}
    init_state(state)
    set_result(state, "data", "pair", {})
    set_result(state, "model", "m", {})
    set_result(state, "index", 0.04, {})
    set_result(state, "forecast", "f", {"calibration": "upload"}, {"records_csv": digest(b"a,b\n1,2\n")})
    set_result(state, "schedule", "s", {})
    set_result(state, "forecast", "f", {"calibration": "upload"}, {"records_csv": digest(b"a,b\n1,3\n")})
    assert pipeline_status(state)["schedule"] == "stale"


def test_a_result_made_from_fewer_stages_is_judged_by_those_alone():
    """A schedule of a job given by hand (the Runs page's re-plan) reads no forecast: no forecast makes it stale."""
    state: dict = {}
    init_state(state)
    set_result(state, "schedule", "plan", {"job_h": 2.0}, upstream=())
    assert pipeline_status(state)["schedule"] == "done"
    set_result(state, "data", "pair", {"new": "noise 3"})
    set_result(state, "model", "m", {"checkpoint": "default"})
    set_result(state, "index", 0.04, {"layer": "relu"})
    set_result(state, "forecast", "f", {"calibration": "default"})
    set_result(state, "forecast", "f", {"calibration": "mine"})
    assert pipeline_status(state)["schedule"] == "done"
    set_result(state, "schedule", "plan", {"job_h": None})  # the forecast's job: judged by the forecast again
    set_result(state, "forecast", "f", {"calibration": "default"})
    assert pipeline_status(state)["schedule"] == "stale"
