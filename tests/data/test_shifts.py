from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from resque_core.data import SEVERITIES, SHIFT_TYPES, Shifted, ShiftSpec, apply_shift
from resque_core.data.generated import ShapesDataset
from resque_core.data.shifts import occlusion_side, pixelate_sides
from resque_core.errors import ShiftError

SAMPLE = range(0, 1797, 15)  # 120 digits: enough for a stable mean, fast


def _stack(ds, indices=SAMPLE) -> torch.Tensor:
    return torch.stack([ds.image(i) for i in indices])


def test_table_has_five_levels_for_every_type():
    assert set(SEVERITIES) == set(SHIFT_TYPES) and len(SHIFT_TYPES) == 14
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


NEW_TYPES = ("brightness", "motion_blur", "rotation", "occlusion", "colour_cast", "new_camera")


@pytest.fixture(scope="module")
def shapes() -> ShapesDataset:
    return ShapesDataset(n_per_class=12, seed=3)


@pytest.mark.parametrize("kind", NEW_TYPES)
def test_severity_rises_with_level_on_rgb_shapes(shapes, kind):
    indices = range(len(shapes))
    clean = _stack(shapes, indices)
    changes = [
        float((_stack(Shifted(shapes, ShiftSpec(kind, lv), seed=0), indices) - clean).abs().mean())
        for lv in range(1, 6)
    ]
    assert changes[0] > 0.005
    assert all(a < b for a, b in zip(changes, changes[1:], strict=False)), changes


def test_brightness_adds_its_level_below_the_clamp():
    grey = torch.full((3, 4, 4), 0.3)
    out = apply_shift(grey, ShiftSpec("brightness", 2), torch.Generator().manual_seed(0))
    assert torch.allclose(out, torch.full_like(grey, 0.5))


def test_rotation_by_its_angle_moves_a_corner_dot_and_keeps_the_centre():
    image = torch.zeros(1, 21, 21)
    image[0, 10, 10] = 1.0
    image[0, 10, 18] = 1.0  # 8 px right of the centre
    out = apply_shift(image, ShiftSpec("rotation", 5), torch.Generator().manual_seed(0))  # 50 degrees
    assert float(out[0, 10, 10]) > 0.5  # the centre stays
    assert float(out[0, 10, 18]) < 0.1  # the dot moved off its place...
    rows = [10 + round(8 * np.sin(np.radians(a))) for a in (50, -50)]
    assert max(float(out[0, r, 10 + round(8 * np.cos(np.radians(50)))]) for r in rows) > 0.2  # ...by 50 degrees


def test_motion_blur_keeps_a_flat_image_and_spreads_a_dot_along_a_line():
    flat = torch.full((3, 16, 16), 0.4)
    assert torch.allclose(apply_shift(flat, ShiftSpec("motion_blur", 5), torch.Generator().manual_seed(1)), flat)
    dot = torch.zeros(1, 33, 33)
    dot[0, 16, 16] = 1.0
    out = apply_shift(dot, ShiftSpec("motion_blur", 5), torch.Generator().manual_seed(1))
    assert float(out.sum()) == pytest.approx(1.0, abs=0.02)  # the streak keeps the dot's mass
    assert int((out > 0.01).sum()) >= 6 and float(out.max()) < 0.5


def test_occlusion_covers_a_square_of_one_grey_growing_by_level():
    assert occlusion_side(8) == (2, 3, 4, 5, 6) and occlusion_side(32) == (6, 10, 13, 16, 19)
    image = torch.rand(3, 32, 32, generator=torch.Generator().manual_seed(0))
    for level in range(1, 6):
        out = apply_shift(image, ShiftSpec("occlusion", level), torch.Generator().manual_seed(5))
        changed = (out != image).any(dim=0)
        side = occlusion_side(32)[level - 1]
        assert int(changed.sum()) == side * side
        assert out[:, changed].unique().numel() == 1  # one grey for every channel


def test_colour_cast_tints_rgb_and_darkens_grey_by_the_filters_luma():
    white = torch.ones(3, 4, 4)
    out = apply_shift(white, ShiftSpec("colour_cast", 5), torch.Generator().manual_seed(0))
    per_channel = out.mean(dim=(1, 2))
    assert float(per_channel.max() - per_channel.min()) > 0.5  # a strong tint
    grey = torch.ones(1, 4, 4)
    dark = apply_shift(grey, ShiftSpec("colour_cast", 5), torch.Generator().manual_seed(0))
    luma = float((per_channel * torch.tensor([0.299, 0.587, 0.114])).sum())
    assert torch.allclose(dark, torch.full_like(grey, luma), atol=1e-6)  # what a grey sensor sees


def test_new_camera_is_the_same_for_every_seed_and_mixes_channels():
    image = torch.zeros(3, 16, 16)
    image[0] = 0.8  # pure red
    a = apply_shift(image, ShiftSpec("new_camera", 4), torch.Generator().manual_seed(0))
    b = apply_shift(image, ShiftSpec("new_camera", 4), torch.Generator().manual_seed(99))
    assert torch.equal(a, b)
    assert float(a[0].mean()) == pytest.approx((1 - 0.12) * 0.8 ** (1 + 0.6), rel=1e-3)  # gamma, then the matrix
    assert float(a[1].mean()) == pytest.approx(0.06 * 0.8 ** (1 + 0.6), rel=1e-3)  # red leaks into green
