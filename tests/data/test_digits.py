from __future__ import annotations

import numpy as np
import torch

from resque_core.data import open_source


def test_digits_shape_values_and_counts(digits):
    assert len(digits) == 1797
    assert digits.class_names == [str(d) for d in range(10)]
    assert digits.targets.dtype == np.int64
    assert digits.class_counts() == {
        "0": 178, "1": 182, "2": 177, "3": 183, "4": 181, "5": 182, "6": 181, "7": 179, "8": 174, "9": 180,
    }  # fmt: skip
    image, label = digits[0]
    assert image.dtype == torch.float32 and image.shape == (1, 8, 8)
    assert label == 0
    assert float(image.min()) == 0.0 and float(image.max()) == 15 / 16
    assert digits.problems == []


def test_open_source_digits_is_the_default(digits):
    ds = open_source("digits")
    assert len(ds) == len(digits)
    assert torch.equal(ds.image(5), digits.image(5))
