from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from resque_core.data import SEVERITIES, SHIFT_TYPES, Shifted, ShiftSpec, apply_shift
from resque_core.data.shifts import pixelate_sides
from resque_core.errors import ShiftError

SAMPLE = range(0, 1797, 15)  # 120 digits: enough for a stable mean, fast


def _stack(ds, indices=SAMPLE) -> torch.Tensor:
    return torch.stack([ds.image(i) for i in indices])


def test_table_has_five_levels_for_every_type():
    assert set(SEVERITIES) == set(SHIFT_TYPES) and len(SHIFT_TYPES) == 8
    assert all(len(v) == 5 for v in SEVERITIES.values())


@pytest.mark.parametrize("kind", SHIFT_TYPES)
def test_severity_rises_with_level_on_digits(digits, kind):
    clean = _stack(digits)
    changes = [float((_stack(Shifted(digits, ShiftSpec(kind, lv), seed=0)) - clean).abs().mean()) for lv in range(1, 6)]
    assert changes[0] > 0.005
    assert all(a < b for a, b in zip(changes, changes[1:], strict=False)), changes


@pytest.mark.parametrize("kind", SHIFT_TYPES)
def test_output_is_clamped_float_and_same_shape(kind):
    rgb = torch.rand(3, 12, 10, generator=torch.Generator().manual_seed(1))
    out = apply_shift(rgb, ShiftSpec(kind, 5), torch.Generator().manual_seed(0))
    assert out.shape == rgb.shape and out.dtype == torch.float32
    assert float(out.min()) >= 0.0 and float(out.max()) <= 1.0


def test_gaussian_noise_is_clamped_at_the_extremes():
    white = torch.ones(1, 8, 8)
    out = apply_shift(white, ShiftSpec("gaussian_noise", 5), torch.Generator().manual_seed(0))
    assert float(out.max()) == 1.0 and float(out.min()) < 1.0


def test_shift_is_deterministic_per_seed_and_index(digits):
    spec = ShiftSpec("gaussian_noise", 3)
    a, b, c = Shifted(digits, spec, seed=7), Shifted(digits, spec, seed=7), Shifted(digits, spec, seed=8)
    assert torch.equal(a.image(11), b.image(11))
    assert not torch.equal(a.image(11), c.image(11))
    # the order of access does not matter: each sample has its own generator
    forward = [a.image(i) for i in range(5)]
    backward = [b.image(i) for i in reversed(range(5))][::-1]
    assert all(torch.equal(x, y) for x, y in zip(forward, backward, strict=True))
    # two samples with the same pixels get different noise
    assert not torch.equal(a.image(1) - digits.image(1), a.image(2) - digits.image(2))


def test_shifted_through_a_dataloader_matches_direct_access(digits):
    from torch.utils.data import DataLoader

    shifted = Shifted(digits, ShiftSpec("salt_and_pepper", 4), seed=3)
    batches = [x for x, _ in DataLoader(shifted, batch_size=7, shuffle=False)]
    loaded = torch.cat(batches)[:20]
    assert torch.equal(loaded, _stack(shifted, range(20)))


def test_contrast_keeps_the_mean_and_shrinks_the_spread():
    x = torch.rand(1, 8, 8, generator=torch.Generator().manual_seed(0))
    out = apply_shift(x, ShiftSpec("contrast", 1), torch.Generator())
    assert torch.allclose(out.mean(), x.mean(), atol=1e-6)
    assert torch.allclose(out - out.mean(), 0.4 * (x - x.mean()), atol=1e-6)


def test_salt_and_pepper_sets_whole_pixels_black_or_white():
    x = torch.full((3, 16, 16), 0.5)
    out = apply_shift(x, ShiftSpec("salt_and_pepper", 5), torch.Generator().manual_seed(0))
    changed = (out != 0.5).any(dim=0)
    assert 0.15 < float(changed.float().mean()) < 0.4
    assert set(out[:, changed].unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(out[0], out[1]) and torch.equal(out[1], out[2])


def test_pixelate_block_counts_and_block_means():
    assert pixelate_sides(8) == (7, 6, 5, 3, 2)
    assert pixelate_sides(224) == (202, 168, 134, 90, 56)
    x = torch.arange(64, dtype=torch.float32).view(1, 8, 8) / 64
    out = apply_shift(x, ShiftSpec("pixelate", 5), torch.Generator())  # 2x2 blocks of 4x4 pixels
    assert torch.allclose(out[0, :4, :4], x[0, :4, :4].mean().expand(4, 4))
    assert out.unique().numel() == 4


def test_blur_and_jpeg_leave_a_flat_image_nearly_unchanged():
    flat = torch.full((1, 8, 8), 0.5)
    assert torch.allclose(apply_shift(flat, ShiftSpec("gaussian_blur", 5), torch.Generator()), flat, atol=1e-6)
    assert torch.allclose(apply_shift(flat, ShiftSpec("jpeg", 5), torch.Generator()), flat, atol=2 / 255)


def test_parse_and_str_round_trip():
    spec = ShiftSpec.parse("gaussian_noise:3")
    assert spec == ShiftSpec("gaussian_noise", 3) and str(spec) == "gaussian_noise:3"
    assert spec.severity == 0.18
    assert ShiftSpec.parse(" jpeg:1 ").severity == 25
    assert ShiftSpec("jpeg", np.int64(2)) == ShiftSpec("jpeg", 2) and type(ShiftSpec("jpeg", np.int64(2)).level) is int


@pytest.mark.parametrize("text", ["frost:2", "gaussian_noise:0", "gaussian_noise:6", "gaussian_noise", "jpeg:x", ""])
def test_bad_shift_text_lists_the_valid_choices(text):
    with pytest.raises(ShiftError) as err:
        ShiftSpec.parse(text)
    message = str(err.value)
    assert "1..5" in message or "gaussian_noise, shot_noise" in message


def test_unknown_type_lists_every_valid_type():
    with pytest.raises(ShiftError, match="valid types: gaussian_noise, shot_noise, impulse_noise, salt_and_pepper"):
        ShiftSpec("frost", 1)
    with pytest.raises(ShiftError, match="1..5"):
        ShiftSpec("contrast", True)


def test_shifted_refuses_a_negative_seed(digits):
    with pytest.raises(ShiftError, match="non-negative"):
        Shifted(digits, "contrast:1", seed=-1)


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(SHIFT_TYPES),
    level=st.integers(1, 5),
    channels=st.sampled_from([1, 3]),
    height=st.integers(1, 20),
    width=st.integers(1, 20),
    seed=st.integers(0, 2**32),
)
def test_any_image_size_stays_in_range_and_shape(kind, level, channels, height, width, seed):
    g = torch.Generator().manual_seed(seed)
    image = torch.rand(channels, height, width, generator=g)
    out = apply_shift(image, ShiftSpec(kind, level), g)
    assert out.shape == image.shape and out.dtype == torch.float32
    assert bool(torch.isfinite(out).all()) and float(out.min()) >= 0.0 and float(out.max()) <= 1.0
