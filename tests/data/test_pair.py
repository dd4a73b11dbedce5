"""build_pair: the one (original, new) pair the index embeds and the dashboard shows."""

from __future__ import annotations

import numpy as np
import pytest

from resque_core.data import ClassSubset, Shifted, Subset, build_pair, paper_split, task_split
from resque_core.errors import DataError, ShiftError

DIGITS = [str(c) for c in range(10)]
LOW = DIGITS[:5]


def _same_samples(a, b, n: int = 12) -> None:
    assert len(a) == len(b) and list(a.class_names) == list(b.class_names)
    assert np.array_equal(a.targets, b.targets)
    for i in np.linspace(0, len(a) - 1, n).astype(int):
        assert np.array_equal(a[i][0].numpy(), b[i][0].numpy()) and a[i][1] == b[i][1]


def test_simulated_dist_pair_is_the_split_protocol_then_the_shift(digits):
    pair = build_pair(digits, kind="dist", shift="gaussian_noise:3", seed=2, model_classes=DIGITS)
    original, new = paper_split(digits, seed=2)
    assert (pair.kind, pair.simulated, pair.shift, pair.source) == ("dist", True, "gaussian_noise:3", digits)
    assert np.array_equal(pair.split[0].indices, original.indices)
    assert np.array_equal(pair.original.indices, original.indices)
    assert (len(pair.original), len(pair.new)) == (1258, 898)
    _same_samples(pair.new, Shifted(new, "gaussian_noise:3", seed=2))


def test_given_dist_pair_compares_the_whole_original(digits):
    new = Subset(digits, np.arange(0, len(digits), 2))
    pair = build_pair(digits, new, kind="dist", seed=0)
    assert pair.original is digits and pair.new is new and not pair.simulated and pair.shift is None
    assert pair.split is not None  # the noise floor still comes from the original's split


def test_simulated_task_pair_splits_known_from_unknown_classes(digits):
    pair = build_pair(digits, kind="task", shift="contrast:2", seed=1, model_classes=LOW)
    old, new = task_split(digits, LOW, DIGITS[5:])
    assert (pair.kind, pair.simulated, pair.split) == ("task", True, None)
    assert list(pair.original.class_names) == LOW and list(pair.new.class_names) == DIGITS[5:]
    assert (len(pair.original), len(pair.new)) == (901, 896)
    _same_samples(pair.original, old)
    _same_samples(pair.new, Shifted(new, "contrast:2", seed=1))


def test_given_task_pair_keeps_the_known_classes_as_original(digits):
    new = ClassSubset(digits, ["7", "8", "9"])
    pair = build_pair(digits, new, kind="task", model_classes=LOW)
    assert list(pair.original.class_names) == LOW and pair.new is new and not pair.simulated
    everything = build_pair(digits, new, kind="task", model_classes=DIGITS)
    assert everything.original is digits  # a model that knows every class compares with all of them


@pytest.mark.parametrize(
    ("model_classes", "new", "message"),
    [
        (DIGITS, None, "the model already knows every class of 'digits'"),
        (["cat", "dog"], None, "none of the model's classes ('cat', 'dog') is in 'digits'"),
        (LOW, ["5"], "a task shift needs at least two classes with samples in the new data"),
    ],
)
def test_impossible_task_pairs_say_why(digits, model_classes, new, message):
    subset = ClassSubset(digits, new) if new else None
    with pytest.raises(ShiftError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_pair(digits, subset, kind="task", model_classes=model_classes)


def test_bad_dist_pairs_and_kinds_say_why(digits):
    with pytest.raises(DataError, match="class '9' is missing from the new dataset"):
        build_pair(digits, ClassSubset(digits, DIGITS[:9]), kind="dist")
    with pytest.raises(ShiftError, match="unknown index kind 'both'"):
        build_pair(digits, kind="both")
    with pytest.raises(ShiftError, match="unknown shift type"):
        build_pair(digits, kind="dist", shift="fog:2")
