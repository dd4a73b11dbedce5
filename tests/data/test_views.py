from __future__ import annotations

import numpy as np
import pytest
import torch

from resque_core.data import ClassSubset, InputSpec, Preprocessed, Shifted, ShiftSpec, Subset
from resque_core.errors import DataError, ShiftError


def test_subset_keeps_order_targets_and_images(digits):
    sub = Subset(digits, [10, 3, 1796])
    assert len(sub) == 3 and sub.class_names == digits.class_names
    assert sub.targets.tolist() == [int(digits.targets[i]) for i in (10, 3, 1796)]
    assert torch.equal(sub.image(1), digits.image(3))
    with pytest.raises(DataError, match="0..1796"):
        Subset(digits, [1797])


def test_class_subset_relabels_in_the_given_order(digits):
    sub = ClassSubset(digits, ["7", "2"])
    assert sub.class_names == ["7", "2"]
    assert len(sub) == 179 + 177
    assert sub.class_counts() == {"7": 179, "2": 177}
    first_seven = int(np.flatnonzero(digits.targets == 7)[0])
    assert torch.equal(sub.image(int(np.flatnonzero(sub.targets == 0)[0])), digits.image(first_seven))
    assert ClassSubset(digits, [7, 2]).targets.tolist() == sub.targets.tolist()


@pytest.mark.parametrize("keep", [["11"], [10], [], ["3", "3"]])
def test_class_subset_refuses_unknown_empty_or_repeated(digits, keep):
    with pytest.raises(ShiftError):
        ClassSubset(digits, keep)


def test_shifted_seed_follows_the_index_in_its_base(digits):
    sub = Subset(digits, [4, 5, 6])
    shifted = Shifted(sub, ShiftSpec("impulse_noise", 2), seed=1)
    assert shifted.targets.tolist() == sub.targets.tolist()
    assert shifted.name == "digits+impulse_noise:2"
    again = Shifted(Subset(digits, [4, 5, 6]), "impulse_noise:2", seed=1)
    assert torch.equal(shifted.image(2), again.image(2))


def test_preprocessed_grey_to_rgb_resize_and_normalise(digits):
    spec = InputSpec(size=(16, 16), channels=3, mean=(0.5, 0.4, 0.3), std=(0.25, 0.2, 0.1))
    pre = Preprocessed(digits, spec)
    x = pre.image(0)
    assert x.shape == (3, 16, 16) and x.dtype == torch.float32
    raw = torch.nn.functional.interpolate(
        digits.image(0)[None], size=(16, 16), mode="bilinear", align_corners=False, antialias=True
    )[0, 0]
    for c, (m, s) in enumerate(zip(spec.mean, spec.std, strict=True)):
        assert torch.allclose(x[c], (raw - m) / s, atol=1e-5)
    assert pre.targets.tolist() == digits.targets.tolist()


def test_preprocessed_rgb_to_grey_uses_luma_and_keeps_size():
    class Red(Subset):
        def image(self, i):
            return torch.stack([torch.ones(4, 5), torch.zeros(4, 5), torch.zeros(4, 5)])

    from resque_core.data import DigitsDataset

    red = Red(DigitsDataset(), [0, 1])
    x = Preprocessed(red, InputSpec(size=(4, 5), channels=1, mean=(0.0,), std=(1.0,))).image(0)
    assert x.shape == (1, 4, 5)
    assert torch.allclose(x, torch.full((1, 4, 5), 0.299))


def test_views_stack_and_identity_spec_is_a_no_op(digits):
    spec = InputSpec(size=(8, 8), channels=1, mean=(0.0,), std=(1.0,))
    stacked = Preprocessed(Shifted(Subset(digits, [0, 1]), "contrast:2", seed=0), spec)
    assert torch.equal(Preprocessed(digits, spec).image(3), digits.image(3))
    assert stacked.image(1).shape == (1, 8, 8)
