"""Simulated distribution shifts applied to an image: the fourteen corruptions of ``data.shift_spec``.

Every shift maps a float32 (C, H, W) image in [0, 1] to one of the same shape, clamped to [0, 1].
Randomness comes only from the ``torch.Generator`` passed in, so the result is reproducible.
The severities of each level are tabled in ``data.shift_spec``.

Noise, impulse, contrast and JPEG values are ImageNet-C's. Blur and pixelate are scaled for small
images, where ImageNet-C's blur sigmas (1..6 px at 224 px) would be a no-op or total destruction:
blur uses CIFAR-10-C-like sigmas for sides up to 32 px, growing in proportion above. Pixelate
partitions each side into ``round(side * factor)`` near-equal blocks (at least one block fewer
per level, e.g. 7, 6, 5, 3, 2 on 8x8 digits) and replaces each block by its mean; its upper
levels match ImageNet-C's 0.6..0.25. Motion blur scales like blur. Colour cast multiplies the image by
``(1 - s) + s * colour`` for a random saturated colour, a coloured filter; a grey image sees the
filter's luma, so on grey data it is a darkening (the grey-level equivalent). ``new_camera`` is
deterministic, the same for every image and seed: gamma ``1 + 0.15 * level``, a resize down to
``1 - 0.1 * level`` of the side and back (bilinear), and a colour matrix mixing ``0.03 * level`` of
the other channels into each (no-op on grey), as a different sensor and preprocessing would.
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from resque_core.data.shift_spec import SEVERITIES, ShiftSpec
from resque_core.errors import ShiftError

__all__ = ["apply_shift", "occlusion_side", "pixelate_sides"]


def apply_shift(image: torch.Tensor, spec: ShiftSpec, generator: torch.Generator) -> torch.Tensor:
    """Corrupt one float (C, H, W) image in [0, 1]; the result is float32, clamped to [0, 1]."""
    if image.ndim != 3:
        raise ShiftError(f"a shift needs one (C, H, W) image; got shape {tuple(image.shape)}")
    x = image.detach().to(torch.float32).cpu()
    out = _APPLY[spec.kind](x, spec, generator)
    return out.clamp_(0.0, 1.0)


def _gaussian_noise(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    std = spec.severity
    return x + std * torch.randn(x.shape, generator=g)


def _shot_noise(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    photons = spec.severity
    return torch.poisson(x.clamp(0, 1) * photons, generator=g) / photons


def _impulse_noise(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    fraction = spec.severity
    hit = torch.rand(x.shape, generator=g) < fraction
    values = torch.rand(x.shape, generator=g)
    return torch.where(hit, values, x)


def _salt_and_pepper(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    fraction = spec.severity
    shape = (1, *x.shape[1:])  # whole pixels: every channel turns black or white together
    hit = torch.rand(shape, generator=g) < fraction
    salt = (torch.rand(shape, generator=g) < 0.5).to(x.dtype)
    return torch.where(hit, salt.expand_as(x), x)


@lru_cache(maxsize=64)
def _gaussian_kernel(sigma: float) -> torch.Tensor:
    """Normalised 1-D Gaussian kernel of radius ceil(3 sigma) (cached: do not modify)."""
    radius = max(1, math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    kernel = torch.exp(-(t**2) / (2 * sigma**2))
    return kernel / kernel.sum()


def _gaussian_blur(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    sigma = spec.severity * max(min(x.shape[1:]), 32) / 32
    kernel = _gaussian_kernel(sigma)
    radius, c = len(kernel) // 2, x.shape[0]
    y = F.pad(x[None], (radius, radius, radius, radius), mode="replicate")
    y = F.conv2d(y, kernel.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    y = F.conv2d(y, kernel.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)
    return y[0]


def _contrast(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    factor = spec.severity
    mean = x.mean(dim=(1, 2), keepdim=True)
    return (x - mean) * factor + mean


@lru_cache(maxsize=64)
def pixelate_sides(side: int) -> tuple[int, ...]:
    """Blocks per side at each level for an image side: at least one fewer per level (min 1)."""
    sides, previous = [], side
    for factor in SEVERITIES["pixelate"]:
        target = max(1, min(round(side * factor), previous - 1))
        sides.append(target)
        previous = target
    return tuple(sides)


@lru_cache(maxsize=64)
def _block_mean(side: int, blocks: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(blocks, side) averaging matrix over a partition into near-equal blocks, and each pixel's block.

    Cached: callers must not modify the returned tensors.
    """
    block_of = torch.arange(side) * blocks // side
    matrix = torch.zeros(blocks, side)
    matrix[block_of, torch.arange(side)] = 1.0
    return matrix / matrix.sum(dim=1, keepdim=True), block_of


def _pixelate(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    h, w = x.shape[1:]
    rows, row_of = _block_mean(h, pixelate_sides(h)[spec.level - 1])
    cols, col_of = _block_mean(w, pixelate_sides(w)[spec.level - 1])
    means = rows @ x @ cols.T
    return means[:, row_of][:, :, col_of]


def _jpeg(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    quality = spec.severity
    from PIL import Image

    pixels = (x.clamp(0, 1) * 255).round().to(torch.uint8)
    array = pixels[0].numpy() if x.shape[0] == 1 else pixels[:3].permute(1, 2, 0).numpy()
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=int(quality))
    buffer.seek(0)
    decoded = torch.from_numpy(np.asarray(Image.open(buffer)).copy()).to(torch.float32) / 255
    return decoded[None] if decoded.ndim == 2 else decoded.permute(2, 0, 1)


def _brightness(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    return x + spec.severity


def _sample_shifted(x: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """``x`` resampled through each (2, 3) affine ``theta`` (normalised coordinates), edges replicated."""
    c, h, w = x.shape
    grid = F.affine_grid(theta, [len(theta), c, h, w], align_corners=False)
    return F.grid_sample(x.expand(len(theta), c, h, w), grid, padding_mode="border", align_corners=False)


def _motion_blur(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    h, w = x.shape[1:]
    length = spec.severity * max(min(h, w), 32) / 32
    angle = float(torch.rand((), generator=g)) * math.pi
    steps = torch.linspace(-length / 2, length / 2, 2 * math.ceil(length) + 1)
    theta = torch.zeros(len(steps), 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = 1.0
    theta[:, 0, 2] = steps * math.cos(angle) * 2 / w  # pixels -> normalised coordinates
    theta[:, 1, 2] = steps * math.sin(angle) * 2 / h
    return _sample_shifted(x, theta).mean(dim=0)


def _rotation(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    h, w = x.shape[1:]
    sign = 1.0 if float(torch.rand((), generator=g)) < 0.5 else -1.0
    a = math.radians(sign * spec.severity)
    theta = torch.tensor([[[math.cos(a), -math.sin(a) * h / w, 0.0], [math.sin(a) * w / h, math.cos(a), 0.0]]])
    return _sample_shifted(x, theta)[0]


@lru_cache(maxsize=64)
def occlusion_side(side: int) -> tuple[int, ...]:
    """The occluding square's extent along a side at each level: at least one more per level (at most ``side``)."""
    sides, previous = [], 0
    for fraction in SEVERITIES["occlusion"]:
        previous = min(side, max(previous + 1, round(side * fraction)))
        sides.append(previous)
    return tuple(sides)


def _occlusion(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    h, w = x.shape[1:]
    ph, pw = occlusion_side(h)[spec.level - 1], occlusion_side(w)[spec.level - 1]
    top = int(torch.randint(0, h - ph + 1, (), generator=g))
    left = int(torch.randint(0, w - pw + 1, (), generator=g))
    out = x.clone()
    out[:, top : top + ph, left : left + pw] = float(torch.rand((), generator=g))
    return out


_CAST_COLOURS = torch.tensor(
    [[1.0, 0.2, 0.2], [0.2, 1.0, 0.2], [0.2, 0.3, 1.0], [1.0, 0.9, 0.2], [1.0, 0.3, 1.0], [0.2, 1.0, 1.0]]
)
_LUMA = torch.tensor([0.299, 0.587, 0.114])


def _colour_cast(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    colour = _CAST_COLOURS[int(torch.randint(0, len(_CAST_COLOURS), (), generator=g))]
    if x.shape[0] != 3:
        colour = (colour * _LUMA).sum().expand(x.shape[0])  # a grey sensor sees the filter's luma
    filt = (1 - spec.severity) + spec.severity * colour
    return x * filt.view(-1, 1, 1)


def _new_camera(x: torch.Tensor, spec: ShiftSpec, g: torch.Generator) -> torch.Tensor:
    level = spec.level
    y = x.clamp(0, 1) ** (1 + 0.15 * level)
    h, w = y.shape[1:]
    small = (max(1, round(h * (1 - 0.1 * level))), max(1, round(w * (1 - 0.1 * level))))
    y = F.interpolate(y[None], size=small, mode="bilinear", align_corners=False, antialias=True)
    y = F.interpolate(y, size=(h, w), mode="bilinear", align_corners=False)[0]
    if y.shape[0] == 3:
        mix = 0.03 * level
        matrix = torch.full((3, 3), mix / 2).fill_diagonal_(1 - mix)
        y = torch.einsum("ij,jhw->ihw", matrix, y)
    return y


_APPLY = {
    "gaussian_noise": _gaussian_noise,
    "shot_noise": _shot_noise,
    "impulse_noise": _impulse_noise,
    "salt_and_pepper": _salt_and_pepper,
    "gaussian_blur": _gaussian_blur,
    "contrast": _contrast,
    "pixelate": _pixelate,
    "jpeg": _jpeg,
    "brightness": _brightness,
    "motion_blur": _motion_blur,
    "rotation": _rotation,
    "occlusion": _occlusion,
    "colour_cast": _colour_cast,
    "new_camera": _new_camera,
}
