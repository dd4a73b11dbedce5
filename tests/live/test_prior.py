"""The prior: a forecast of the epochs to the target, and what it alone says is left."""

from __future__ import annotations

import pytest

from resque_core.errors import ResqueError
from resque_core.forecast.result import Forecast, Interval, Source
from resque_core.live.prior import Prior, prior_of


def test_before_training_the_prior_alone_is_the_forecast():
    prior = Prior(epochs=5.0, low=2.0, high=12.0)
    left = prior.remaining(0.0, max_epochs=30)
    # (the log-normal on 1 + epochs puts a sliver below 0 epochs, which conditioning on >= 0 removes)
    assert left.point == pytest.approx(5.0, rel=1e-2)
    assert left.low == pytest.approx(2.0, rel=2e-2) and left.high == pytest.approx(12.0, rel=1e-2)


def test_seen_past_its_point_the_prior_moves_on_and_stays_under_the_cap():
    prior = Prior(epochs=5.0, low=2.0, high=12.0)
    left = prior.remaining(6.0, max_epochs=30)
    assert 1.0 < left.point < 6.0  # conditioned on more than 6 epochs: about 8.7 in all, not 5
    assert left.low < left.point < left.high
    capped = prior.remaining(6.0, max_epochs=8)
    assert capped.high == pytest.approx(2.0)  # never beyond the cap


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"epochs": float("nan"), "low": 1, "high": 2}, "finite"),
        ({"epochs": -1, "low": 0, "high": 2}, "finite number of epochs >= 0"),
        ({"epochs": 5, "low": 6, "high": 8}, "does not hold its point"),
        ({"epochs": 5, "low": 1, "high": 8, "p_unreached": 1.5}, r"\[0, 1\]"),
    ],
)
def test_a_bad_prior_is_refused(fields, message):
    with pytest.raises(ResqueError, match=message):
        Prior(**fields)


def test_a_prior_survives_the_database_round_trip():
    prior = Prior(4.0, 1.0, 9.0, source="x", p_unreached=0.2, kwh_per_epoch=0.5, index=0.04, index_kind="dist")
    assert Prior.from_dict({**prior.to_dict(), "unknown": 1}) == prior


def test_a_forecast_becomes_a_prior_with_its_rates():
    forecast = Forecast(
        index=0.05, index_kind="dist", level=0.8,
        measures={"epochs": Interval(4.0, 2.0, 10.0), "kwh": Interval(2.0, 1.0, 5.0),
                  "seconds": Interval(400, 200, 1e3)},
        scratch={}, source=Source(records="default", energy="estimated"), n_records=100, extrapolated=False,
        target="within 2 points of the old model's clean accuracy",
    )  # fmt: skip
    prior = prior_of(forecast)
    assert (prior.epochs, prior.low, prior.high) == (4.0, 2.0, 10.0)
    assert prior.kwh_per_epoch == pytest.approx(0.5) and prior.seconds_per_epoch == pytest.approx(100)
    assert prior.index == 0.05 and prior.index_kind == "dist"
    assert "within 2 points" in prior.source
