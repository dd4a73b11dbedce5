"""The forecaster's isotonic fit equals sklearn's, with the compiled routine and with the pure-Python stand-in."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.isotonic import isotonic_regression

from resque_core.forecast.monotone import _pava_python, pava


@pytest.mark.parametrize("increasing", [True, False])
def test_the_weighted_monotone_fit_is_sklearns(increasing):
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(1, 60))
        values, weights = rng.normal(size=n) * 20, rng.integers(1, 4, size=n).astype(float)
        expected = isotonic_regression(values, sample_weight=weights, increasing=increasing)
        assert pava(values, weights, increasing) == pytest.approx(expected, abs=1e-9)
        if increasing:
            assert _pava_python(values, weights) == pytest.approx(expected, abs=1e-9)


def test_pooling_by_hand():
    assert pava(np.array([1.0, 3.0, 2.0]), np.array([1.0, 1.0, 1.0])).tolist() == [1.0, 2.5, 2.5]
    assert pava(np.array([1.0, 3.0, 2.0]), np.array([1.0, 3.0, 1.0]), increasing=False).tolist() == [2.5, 2.5, 2.0]
    values = np.array([5.0, 1.0])
    pava(values, np.ones(2))
    assert values.tolist() == [5.0, 1.0]  # the caller's array is left as it was
