"""A stored run as the Runs page and ``runs`` show it: its state, what is left, the forecast's history."""

from __future__ import annotations

import dataclasses

import pytest

from resque_core.live.prior import Prior
from resque_core.live.store import LivePoint, LiveRun, utc_now
from resque_core.live.summary import history, run_summary, state_of

pytestmark = pytest.mark.xdist_group("live")  # the refinement is fitted once per process: one worker does it

POINTS = tuple(LivePoint(e, a, 10.0 * e, 0.002 * e, "2026-12-07T08:00:00.000000Z")
               for e, a in [(0.0, 0.6), (0.5, 0.7), (1.0, 0.8), (1.5, 0.86), (2.0, 0.91)])  # fmt: skip


def a_run(points=POINTS, updated="2026-12-07T08:00:00.000000Z", status="running") -> LiveRun:
    prior = Prior(3.0, 1.0, 8.0, index=0.04, index_kind="dist")
    return LiveRun("live-x", "x", status, updated, updated, "h", 1, 0.9, "accuracy 0.9", 20.0, prior, "DEU", 380.95,
                   "codecarbon-estimate", 0.25, "EUR", points=points)  # fmt: skip


def test_the_history_has_one_band_per_evaluation_and_closes_where_the_target_was_reached():
    bands = history(a_run())
    assert [b["epoch"] for b in bands] == [0.0, 0.5, 1.0, 1.5, 2.0]
    for band in bands[:-1]:
        assert band["epoch"] <= band["low"] <= band["point"] <= band["high"] <= 20.0 + 1e-9
        assert 0 <= band["p_never"] <= 1
    assert bands[-1] == {"epoch": 2.0, "point": 2.0, "low": 2.0, "high": 2.0, "p_never": 0.0}


def test_a_long_run_s_history_is_thinned_and_keeps_its_last_evaluation():
    points = tuple(LivePoint(e / 5, 0.5 + e / 1000, e, None, "2026-12-07T08:00:00.000000Z") for e in range(100))
    bands = history(a_run(points))
    assert len(bands) == 40 and bands[0]["epoch"] == 0.0 and bands[-1]["epoch"] == pytest.approx(19.8)


def test_a_running_run_that_went_quiet_is_said_to_be_silent_not_finished():
    assert state_of(a_run(updated="2020-01-01T00:00:00.000000Z")).startswith("silent for")
    fresh = dataclasses.replace(a_run(), updated_at=utc_now())
    assert state_of(fresh) == "running"
    assert state_of(a_run(status="finished")) == "finished"


def test_the_summary_prices_what_is_left_from_the_run_s_own_rates():
    running = a_run(POINTS[:3])
    summary = run_summary(running, with_history=True)
    left = summary["remaining"]
    assert left["reached"] is False and len(summary["evaluations"]) == 3 and len(summary["history"]) == 3
    assert left["seconds"]["point"] == pytest.approx(10.0 * left["epochs"]["point"])  # 10 s per epoch so far
    assert left["kwh"]["point"] == pytest.approx(0.002 * left["epochs"]["point"])
    assert left["money"]["point"] == pytest.approx(0.25 * left["kwh"]["point"]) and left["currency"] == "EUR"
    assert left["estimated"] is True and "estimated by codecarbon" in left["basis"] and "TDP" in left["basis"]
