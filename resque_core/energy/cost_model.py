"""Seconds and kWh per epoch on hardware you don't have, from the model's FLOPs per training step (*modeled*).

seconds per epoch = FLOPs per image x images / (peak FLOP/s x utilization x devices x scaling efficiency), with
the peak from a hardware profile (``resque_core/assets/hardware_profiles.json``: the datasheet's dense peak,
FP32 or mixed precision) and the utilization the share of that peak training really reaches. kWh per epoch is
then the profile's board power x the share of it drawn x seconds x devices (``hardware.modeled_kwh_per_epoch``).
Every figure here is modeled, and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from resque_core.energy.hardware import load_hardware_profiles, modeled_kwh_per_epoch
from resque_core.errors import EnergyError
from resque_core.units import number_text

__all__ = [
    "DEFAULT_SCALING",
    "DEFAULT_UTILIZATION",
    "POWER_SHARE",
    "PRECISIONS",
    "EpochCost",
    "epoch_cost",
    "model_epoch_cost",
]

PRECISIONS = {"fp32": "peak_tflops_fp32", "mixed": "peak_tflops_mixed"}
# Share of the peak a training step reaches when nothing was measured on that kind of hardware: a documented
# default, labelled modeled (small CNNs reach well under half of a GPU's peak; a probe on the hardware is better).
DEFAULT_UTILIZATION = {"gpu": 0.3, "cpu": 0.3}
DEFAULT_SCALING = 0.9  # each device beyond the first adds 90 % of one: data-parallel communication and waits
POWER_SHARE = 0.7  # share of the board power a training job draws on average, when modeled


@dataclass(frozen=True)
class EpochCost:
    """One epoch on a hardware profile, modeled.

    Attributes:
        seconds_per_epoch: wall time of one epoch, s; kwh_per_epoch: energy of all devices, kWh.
        flops_per_epoch: training FLOPs of one epoch; utilization: share of the peak reached, with its basis
            in words (measured on this hardware, or the documented default).
        devices: how many devices share the epoch; scaling_efficiency: what each one beyond the first adds.
        note: the whole assumption in one line, for pages and reports.
    """

    seconds_per_epoch: float
    kwh_per_epoch: float
    flops_per_epoch: float
    utilization: float
    utilization_basis: str
    devices: int
    scaling_efficiency: float
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _checked(name: str, value: float, low: float, high: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and low < value <= high):
        raise EnergyError(f"{name} must be in ({low:g}, {high:g}], not {value!r}")
    return float(value)


def epoch_cost(
    flops_per_image: float,
    images: int,
    profile: str,
    *,
    precision: str = "mixed",
    devices: int = 1,
    utilization: float | None = None,
    scaling_efficiency: float = DEFAULT_SCALING,
    profiles: dict[str, dict] | None = None,
) -> EpochCost:
    """Seconds and kWh of one epoch of ``images`` on ``devices`` of ``profile`` (modeled).

    Args:
        flops_per_image: one training step's FLOPs per image (``energy.flops.training_step_flops``).
        utilization: the share of the peak reached; None: ``DEFAULT_UTILIZATION`` for the profile's kind.

    Raises:
        EnergyError: an unknown profile, one without a peak, or a figure out of range.
    """
    profiles = profiles if profiles is not None else load_hardware_profiles()
    if profile not in profiles:
        raise EnergyError(f"unknown hardware profile {profile!r}; known profiles: {', '.join(sorted(profiles))}")
    if precision not in PRECISIONS:
        raise EnergyError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    p = profiles[profile]
    peak_tflops = p.get(PRECISIONS[precision])
    if peak_tflops is None:
        raise EnergyError(f"the profile {profile!r} gives no peak throughput: its seconds per epoch cannot be modeled")
    flops = _checked("FLOPs per image", flops_per_image, 0.0, math.inf)
    if not (isinstance(images, int) and images > 0):
        raise EnergyError(f"the number of images must be a positive whole number, not {images!r}")
    if not (isinstance(devices, int) and 0 < devices <= 4096):
        raise EnergyError(f"devices must be a whole number from 1 to 4096, not {devices!r}")
    scaling = _checked("the scaling efficiency", scaling_efficiency, 0.0, 1.0)
    basis = "given"
    if utilization is None:
        utilization, basis = DEFAULT_UTILIZATION[p["kind"]], f"the documented default for a {p['kind']} (modeled)"
    share = _checked("utilization", utilization, 0.0, 1.0)
    effective = 1.0 + (devices - 1) * scaling
    seconds = flops * images / (float(peak_tflops) * 1e12 * share * effective)
    kwh = modeled_kwh_per_epoch(profile, seconds, POWER_SHARE, profiles).kwh_per_epoch * devices
    note = (
        f"modeled: {number_text(flops * images / 1e12)} TFLOP per epoch on {devices} x {p['label']} at "
        f"{number_text(peak_tflops)} TFLOPS {precision} peak x {number_text(share)} utilization ({basis})"
        + (f", {number_text(scaling)} scaling per added device" if devices > 1 else "")
        + f"; {p['power_w']} W x {number_text(POWER_SHARE)} of board power per device "
        f"({p.get('peak_source', p['source'])})"
    )
    return EpochCost(seconds, kwh, flops * images, share, basis, devices, scaling, note)


def model_epoch_cost(
    model: Any,
    input_shape: tuple[int, int, int],
    images: int,
    profile: str,
    *,
    precision: str = "fp32",
    devices: int = 1,
    batch_size: int = 32,
    utilization: float | None = None,
    scaling_efficiency: float = DEFAULT_SCALING,
) -> EpochCost:
    """Seconds and kWh of one training epoch of ``model`` on ``images`` images of ``input_shape`` (C, H, W), on
    ``devices`` of ``profile`` (modeled): its FLOPs per training step counted (``energy.flops``), then ``epoch_cost``.

    The one call the ``compare`` command, the Compare page and the report price a candidate with.

    Raises:
        EnergyError: a model that cannot run a step at that shape, an unknown profile, a figure out of range.
    """
    from resque_core.energy.flops import training_step_flops

    flops = training_step_flops(model, tuple(input_shape))
    return epoch_cost(
        flops.per_image,
        images,
        profile,
        precision=precision,
        devices=devices,
        utilization=utilization,
        scaling_efficiency=scaling_efficiency,
    )
