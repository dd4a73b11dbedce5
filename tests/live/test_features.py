"""The curve features: what the refinement reads off the evaluations so far."""

from __future__ import annotations

import math

import pytest

from resque_core.live.features import CURVE_FEATURES, curve_features


def named(values):
    return dict(zip(CURVE_FEATURES, values, strict=True))


def test_features_of_a_rising_curve():
    epochs, accs = [0.0, 0.5, 1.0, 1.5, 2.0], [0.60, 0.70, 0.75, 0.78, 0.80]
    f = named(curve_features(epochs, accs, target_acc=0.90, max_epochs=10, at=2.0))
    assert f["log_epoch"] == pytest.approx(math.log1p(2.0))
    assert f["gap_best"] == pytest.approx(0.10)
    assert f["gap_start"] == pytest.approx(0.30)
    assert f["slope"] == pytest.approx((0.80 - 0.75) / 1.0)  # best accuracy over the second half, per epoch
    assert f["log_eta"] == pytest.approx(math.log1p(0.10 / 0.05))
    assert f["log_budget"] == pytest.approx(math.log(8.0))


def test_later_evaluations_are_not_seen_and_the_best_so_far_counts():
    epochs, accs = [0.0, 1.0, 2.0, 3.0], [0.5, 0.8, 0.7, 0.95]
    f = named(curve_features(epochs, accs, 0.9, 30, at=2.0))
    assert f["gap_best"] == pytest.approx(0.1)  # the dip to 0.7 does not undo the 0.8 reached before
    assert f["slope"] == pytest.approx(0.0)  # best-so-far flat between epochs 1 and 2
    assert f["log_eta"] == pytest.approx(math.log1p(1000))  # a flat curve closes its gap in "never"


def test_what_is_not_observed_is_missing():
    f = named(curve_features([1.0], [0.8], 0.9, 30, at=1.0))  # no evaluation before training, none by half-way
    assert math.isnan(f["gap_start"]) and math.isnan(f["slope"]) and math.isnan(f["log_eta"])
    assert f["gap_best"] == pytest.approx(0.1)


def test_no_evaluation_yet_is_an_error():
    with pytest.raises(ValueError, match="no evaluation"):
        curve_features([2.0], [0.8], 0.9, 30, at=1.0)
