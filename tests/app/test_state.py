"""Pipeline status: done / stale / missing, from the stored signatures."""

from __future__ import annotations

from types import SimpleNamespace

from ui.state import current, digest, init_state, on_result, pipeline_status, set_result, why_stale


def forecast_of(seconds: float, kwh: float, price: float | None = None) -> SimpleNamespace:
    """A stand-in forecast: the point values of its measures (``Forecast.measures[m].point``)."""
    points = {"seconds": seconds, "kwh": kwh, **({"cost": seconds * price} if price else {})}
    return SimpleNamespace(measures={m: SimpleNamespace(point=v) for m, v in points.items()})


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
    set_result(state, "forecast", forecast_of(60, 0.1), {"calibration": "default"})
    set_result(state, "schedule", "s", {"zone": "DE"})
    set_result(state, "data", "pair", {"new": "noise 5"})
    set_result(state, "index", 0.07, {"layer": "relu"})  # same settings, new data
    assert pipeline_status(state)["index"] == "done"
    assert pipeline_status(state)["forecast"] == "stale" and pipeline_status(state)["schedule"] == "stale"
    assert current(state, "forecast") is None and current(state, "index") == 0.07
    set_result(state, "forecast", forecast_of(90, 0.2), {"calibration": "default"})  # same settings, new index
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
    set_result(state, "schedule", "s", {}, upstream=("forecast",))  # made from the whole forecast
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
    set_result(state, "forecast", forecast_of(60, 0.1), {"calibration": "default"})
    assert pipeline_status(state)["schedule"] == "stale"


def _planned(state: dict) -> None:
    set_result(state, "data", "pair", {"new": "noise 3"})
    set_result(state, "model", "m", {"checkpoint": "default"})
    set_result(state, "index", 0.04, {"layer": "relu"})
    set_result(state, "forecast", forecast_of(600, 0.25), {"calibration": "default", "price_per_kwh": None})
    set_result(state, "schedule", "plan", {"zone": "DE"})


def test_a_schedule_depends_on_the_forecast_job_alone():
    """A price, a currency or an interval level leaves the job (seconds, kWh) as it was: the schedule stays done."""
    state: dict = {}
    init_state(state)
    _planned(state)
    priced = {"calibration": "default", "price_per_kwh": 0.3, "currency": "EUR", "level": 0.9}
    set_result(state, "forecast", forecast_of(600, 0.25, price=0.3), priced)
    assert pipeline_status(state) == dict.fromkeys(("data", "model", "index", "forecast", "schedule"), "done")
    assert why_stale(state, "schedule") == ""
    set_result(state, "forecast", forecast_of(600, 0.5, price=0.3), {**priced, "energy": "watts"})
    assert pipeline_status(state)["schedule"] == "stale"
    assert why_stale(state, "schedule") == "the forecast's job changed (kwh 0.25 → 0.5)"
    assert current(state, "schedule") is None  # never reported as current


def test_why_stale_names_the_upstream_that_changed():
    state: dict = {}
    init_state(state)
    _planned(state)
    set_result(state, "data", "pair", {"new": "noise 5"})
    assert why_stale(state, "index") == "the data changed (new noise 3 → noise 5)"
    assert why_stale(state, "forecast") == "the index is stale" and why_stale(state, "data") == ""
    set_result(state, "index", 0.07, {"layer": "relu"})
    assert why_stale(state, "forecast") == "the index changed (computed again)"


def test_a_listener_hears_every_result_stored_in_its_block():
    state: dict = {}
    init_state(state)
    heard: list[dict] = []
    with on_result(lambda: heard.append(pipeline_status(state))):
        set_result(state, "data", "pair", {})
        set_result(state, "model", "m", {})
    set_result(state, "index", 0.04, {})  # outside the block: nobody is told
    assert [h["data"] for h in heard] == ["done", "done"] and [h["model"] for h in heard] == ["missing", "done"]
    assert len(heard) == 2
