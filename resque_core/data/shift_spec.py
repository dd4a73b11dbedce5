"""Which simulated distribution shifts there are: fourteen corruptions at five severities (ImageNet-C style).

A shift is a type and a level (``ShiftSpec``); ``data.shifts.apply_shift`` applies it to an image.

=================  ===========================================  =====================================
type               parameter (levels 1..5)                      meaning
=================  ===========================================  =====================================
gaussian_noise     0.08, 0.12, 0.18, 0.26, 0.38                 std of added N(0, s^2) noise
shot_noise         60, 25, 12, 5, 3                             photons per unit: Poisson(x*c)/c
impulse_noise      0.03, 0.06, 0.09, 0.17, 0.27                 fraction of values set to U(0, 1)
salt_and_pepper    0.03, 0.06, 0.09, 0.17, 0.27                 fraction of pixels set to 0 or 1
gaussian_blur      0.5, 0.75, 1.0, 1.25, 1.5                    sigma in px at 32 px (x side/32 above)
contrast           0.4, 0.3, 0.2, 0.1, 0.05                     factor towards the per-channel mean
pixelate           0.9, 0.75, 0.6, 0.4, 0.25                    blocks per side / side (block means)
jpeg               25, 18, 15, 10, 7                            JPEG quality
brightness         0.1, 0.2, 0.3, 0.4, 0.5                      added to every value (ImageNet-C's)
motion_blur        1, 2, 3, 4, 6                                streak length in px at 32 px, random angle
rotation           10, 20, 30, 40, 50                           degrees, random sign, edges replicated
occlusion          0.2, 0.3, 0.4, 0.5, 0.6                      random-grey square's side / side (+1/level)
colour_cast        0.2, 0.35, 0.5, 0.65, 0.8                    strength of a coloured filter (grey: its luma)
new_camera         1, 2, 3, 4, 5                                a fixed other pipeline (data.shifts)
=================  ===========================================  =====================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from resque_core.errors import ShiftError

__all__ = ["FIRST_TYPES", "SEVERITIES", "SHIFT_TYPES", "ShiftSpec"]

SHIFT_TYPES: tuple[str, ...] = (
    "gaussian_noise",
    "shot_noise",
    "impulse_noise",
    "salt_and_pepper",
    "gaussian_blur",
    "contrast",
    "pixelate",
    "jpeg",
    "brightness",
    "motion_blur",
    "rotation",
    "occlusion",
    "colour_cast",
    "new_camera",
)

FIRST_TYPES: tuple[str, ...] = SHIFT_TYPES[:8]  # the ImageNet-C-style types of the first default calibration

SEVERITIES: dict[str, tuple] = {
    "gaussian_noise": (0.08, 0.12, 0.18, 0.26, 0.38),
    "shot_noise": (60, 25, 12, 5, 3),
    "impulse_noise": (0.03, 0.06, 0.09, 0.17, 0.27),
    "salt_and_pepper": (0.03, 0.06, 0.09, 0.17, 0.27),
    "gaussian_blur": (0.5, 0.75, 1.0, 1.25, 1.5),
    "contrast": (0.4, 0.3, 0.2, 0.1, 0.05),
    "pixelate": (0.9, 0.75, 0.6, 0.4, 0.25),
    "jpeg": (25, 18, 15, 10, 7),
    "brightness": (0.1, 0.2, 0.3, 0.4, 0.5),
    "motion_blur": (1, 2, 3, 4, 6),
    "rotation": (10, 20, 30, 40, 50),
    "occlusion": (0.2, 0.3, 0.4, 0.5, 0.6),
    "colour_cast": (0.2, 0.35, 0.5, 0.65, 0.8),
    "new_camera": (1, 2, 3, 4, 5),
}

_LEVELS = range(1, 6)


@dataclass(frozen=True)
class ShiftSpec:
    """One shift: a type from ``SHIFT_TYPES`` and a severity level 1..5."""

    kind: str
    level: int

    def __post_init__(self) -> None:
        if self.kind not in SHIFT_TYPES:
            raise ShiftError(f"unknown shift type {self.kind!r}; valid types: {', '.join(SHIFT_TYPES)}")
        if isinstance(self.level, bool) or not isinstance(self.level, (int, np.integer)) or self.level not in _LEVELS:
            raise ShiftError(f"shift level must be an integer 1..5; got {self.level!r} for {self.kind}")
        object.__setattr__(self, "level", int(self.level))  # a numpy integer becomes a plain int

    @classmethod
    def parse(cls, text: str) -> ShiftSpec:
        """Parse ``"TYPE:LEVEL"``, e.g. ``"gaussian_noise:3"``."""
        kind, sep, level = str(text).strip().partition(":")
        if not sep or not level.strip().lstrip("-").isdigit():
            raise ShiftError(
                f"shift must be written TYPE:LEVEL with LEVEL in 1..5, e.g. gaussian_noise:3; got {text!r}. "
                f"Valid types: {', '.join(SHIFT_TYPES)}"
            )
        return cls(kind.strip(), int(level))

    @property
    def severity(self) -> float:
        """The parameter of this level (see the module table)."""
        return SEVERITIES[self.kind][self.level - 1]

    def __str__(self) -> str:
        return f"{self.kind}:{self.level}"
