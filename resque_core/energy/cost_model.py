"""Seconds and kWh per epoch on hardware you don't have, from the model's FLOPs and layers (*modeled*).

One training step of ``batch_size`` images on one device takes

    sum over kinds of operator of FLOPs per image x batch_size / (peak FLOP/s x that kind's utilization)
    + layers x seconds per layer-step

with the peak from a hardware profile (``resque_core/assets/hardware_profiles.json``: the datasheet's dense peak,
FP32 or mixed precision), each utilization the share of it one kind of operator reaches (``flops.OP_KINDS``: matrix
products, dense convolutions, grouped convolutions, which reach far less), and the per-layer time the fixed cost
each layer (``flops.layer_count``: every leaf module, or those with parameters, as the parameters were learned) adds
to every step whatever the batch or image size (kernel launches, operator dispatch, small memory-bound kernels).
FLOPs not split by kind run at one utilization. On ``devices`` data-parallel
devices, each runs ceil(images / (batch_size x devices)) steps per epoch: the FLOPs part runs at
1 + (devices - 1) x scaling efficiency of one device's speed (8 devices at 0.9: 7.3x), the per-layer part is
paid by every device for its own steps at once, so it divides by the number of devices.

Both parameters come from ``cost_calibration``: learned from measured training on the profile where there was
some, else the documented default for its kind. kWh per epoch is the profile's board power x the share of it
drawn x seconds x devices (``hardware.modeled_kwh_per_epoch``). Every figure here is modeled, and says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from resque_core.energy.cost_calibration import KIND_DEFAULTS, cost_parameters
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
# Share of the peak a training step reaches when nothing was measured on that kind of hardware: the documented
# default (``cost_calibration.KIND_DEFAULTS``, with its source), labelled modeled.
DEFAULT_UTILIZATION = {kind: d["utilization"] for kind, d in KIND_DEFAULTS.items()}
DEFAULT_SCALING = 0.9  # each device beyond the first adds 90 % of one: data-parallel communication and waits
POWER_SHARE = 0.7
OP_WORDS = {
    "matmul": "matrix products",
    "conv_dense": "dense convolutions",
    "conv_grouped": "grouped convolutions",
}  # share of the board power a training job draws on average, when modeled


@dataclass(frozen=True)
class EpochCost:
    """One epoch on a hardware profile, modeled.

    Attributes:
        seconds_per_epoch: wall time of one epoch, s; kwh_per_epoch: energy of all devices, kWh.
        flops_per_epoch: training FLOPs of one epoch; utilization: share of the peak reached, with its basis
            in words (learned from training measured on this hardware, given, or the documented default).
        devices: how many devices share the epoch; scaling_efficiency: what each one beyond the first adds.
        note: the whole assumption in one line, for pages and reports.
        n_layers: layers with parameters charged a fixed time per step (0: the per-layer part left out);
            seconds_per_layer_step: that time, s, with its basis in words (overhead_basis);
            overhead_seconds_per_epoch: the per-layer part of seconds_per_epoch, s;
            steps_per_device: training steps each device runs in the epoch.
    """

    seconds_per_epoch: float
    kwh_per_epoch: float
    flops_per_epoch: float
    utilization: float
    utilization_basis: str
    devices: int
    scaling_efficiency: float
    note: str
    n_layers: int = 0
    seconds_per_layer_step: float = 0.0
    overhead_basis: str = ""
    overhead_seconds_per_epoch: float = 0.0
    steps_per_device: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _checked(name: str, value: float, low: float, high: float) -> float:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and low < value <= high):
        raise EnergyError(f"{name} must be in ({low:g}, {high:g}], not {value!r}")
    return float(value)


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if not (isinstance(value, int) and not isinstance(value, bool) and low <= value <= high):
        raise EnergyError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return value


def _counts(images: Any, devices: Any, n_layers: Any, batch_size: Any) -> None:
    if not (isinstance(images, int) and images > 0):
        raise EnergyError(f"the number of images must be a positive whole number, not {images!r}")
    _whole("devices", devices, 1, 4096)
    _whole("the number of layers", n_layers, 0, 1_000_000)
    _whole("the batch size", batch_size, 1, 1_000_000)


def _profile(profile: str, precision: str, profiles: dict[str, dict] | None) -> tuple[dict, float]:
    profiles = profiles if profiles is not None else load_hardware_profiles()
    if profile not in profiles:
        raise EnergyError(f"unknown hardware profile {profile!r}; known profiles: {', '.join(sorted(profiles))}")
    if precision not in PRECISIONS:
        raise EnergyError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    peak_tflops = profiles[profile].get(PRECISIONS[precision])
    if peak_tflops is None:
        raise EnergyError(f"the profile {profile!r} gives no peak throughput: its seconds per epoch cannot be modeled")
    return profiles[profile], float(peak_tflops)


def _note(p: dict, c: EpochCost, peak_tflops: float, precision: str) -> str:
    overhead = (
        f" + {c.n_layers} layers x {number_text(c.seconds_per_layer_step * 1e6)} us per layer and step x "
        f"{c.steps_per_device} steps per device "
        f"({'the same basis' if c.utilization_basis.startswith(c.overhead_basis) else c.overhead_basis})"
        if c.n_layers
        else ""
    )
    return (
        f"modeled: {number_text(c.flops_per_epoch / 1e12)} TFLOP per epoch on {c.devices} x {p['label']} at "
        f"{number_text(peak_tflops)} TFLOPS {precision} peak x {number_text(c.utilization)} utilization "
        f"({c.utilization_basis})"
        + overhead
        + (f", {number_text(c.scaling_efficiency)} scaling per added device" if c.devices > 1 else "")
        + f"; {p['power_w']} W x {number_text(POWER_SHARE)} of board power per device "
        f"({p.get('peak_source', p['source'])})"
    )


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
    n_layers: int = 0,
    batch_size: int = 32,
    seconds_per_layer_step: float | None = None,
    calibration: dict[str, dict] | None = None,
    flops_by_op: dict[str, float] | None = None,
    n_leaf_modules: int | None = None,
) -> EpochCost:
    """Seconds and kWh of one epoch of ``images`` on ``devices`` of ``profile`` (modeled; see the module).

    Args:
        flops_per_image: one training step's FLOPs per image (``energy.flops.training_step_flops``).
        utilization, seconds_per_layer_step: None: learned for the profile where training was measured on it
            (``cost_calibration``), else the documented default for its kind.
        n_layers: layers with parameters (``energy.flops.layer_count``); 0 leaves the per-layer part out.
        n_leaf_modules: every leaf module, counted instead where the parameters were learned per leaf module.
        flops_by_op: ``flops_per_image`` by kind of operator (``StepFlops.by_kind``): each at its own utilization
            (unless ``utilization`` is given: one share for all).
        batch_size: images per step on each device; calibration: learned parameters by profile (None: shipped).

    Raises:
        EnergyError: an unknown profile, one without a peak, or a figure out of range.
    """
    p, peak_tflops = _profile(profile, precision, profiles)
    flops = _checked("FLOPs per image", flops_per_image, 0.0, math.inf)
    _counts(images, devices, n_layers, batch_size)
    scaling = _checked("the scaling efficiency", scaling_efficiency, 0.0, 1.0)
    learned = cost_parameters(profile, p["kind"], calibration)
    basis = learned.basis if utilization is None else "given"
    share = _checked("utilization", learned.utilization if utilization is None else utilization, 0.0, 1.0)
    if learned.counts_leaves and n_leaf_modules is not None and seconds_per_layer_step is None:
        n_layers = _whole("the number of leaf modules", n_leaf_modules, 0, 1_000_000)
    per_layer_s = learned.seconds_per_layer_step if seconds_per_layer_step is None else seconds_per_layer_step
    if not (isinstance(per_layer_s, (int, float)) and math.isfinite(per_layer_s) and 0 <= per_layer_s <= 1):
        raise EnergyError(f"seconds per layer-step must be in [0, 1], not {per_layer_s!r}")
    steps = math.ceil(images / (batch_size * devices))
    speed = peak_tflops * 1e12 * (1.0 + (devices - 1) * scaling)
    flops_s = flops * images / (speed * share)
    by_op = learned.utilization_by_op if utilization is None and flops_by_op else None
    if by_op is not None:  # each kind at its own share; the share reported is the whole step's
        flops_s = _by_kind_seconds(flops_by_op, by_op, images, speed)
        share = min(flops * images / (speed * flops_s), 1.0) if flops_s > 0 else share
        basis += "; by kind of operator: " + ", ".join(f"{OP_WORDS[k]} {number_text(u)}" for k, u in by_op.items())
    overhead_s = steps * n_layers * float(per_layer_s)
    kwh = modeled_kwh_per_epoch(profile, flops_s + overhead_s, POWER_SHARE, profiles).kwh_per_epoch * devices
    cost = EpochCost(flops_s + overhead_s, kwh, flops * images, share, basis, devices, scaling, "", n_layers,
                     float(per_layer_s), learned.basis if seconds_per_layer_step is None else "given",
                     overhead_s, steps)  # fmt: skip
    return EpochCost(**{**cost.to_dict(), "note": _note(p, cost, peak_tflops, precision)})


def _by_kind_seconds(flops_by_op: dict[str, float], by_op: dict[str, float], images: int, speed: float) -> float:
    """Seconds of an epoch's FLOPs, each kind of operator at its own share of ``speed`` (FLOP/s)."""
    unknown = set(flops_by_op) - set(by_op)
    if unknown:
        raise EnergyError(f"unknown kinds of operator {sorted(unknown)}; the cost model knows {', '.join(by_op)}")
    return sum(_checked(f"{k} FLOPs", f, -1.0, math.inf) * images / (speed * by_op[k])
               for k, f in flops_by_op.items() if f > 0)  # fmt: skip


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
    seconds_per_layer_step: float | None = None,
) -> EpochCost:
    """Seconds and kWh of one training epoch of ``model`` on ``images`` images of ``input_shape`` (C, H, W), on
    ``devices`` of ``profile`` (modeled): its FLOPs per training step and its layers counted (``energy.flops``),
    then ``epoch_cost`` with ``batch_size`` images per step on each device.

    The one call the ``compare`` command, the Compare page and the report price a candidate with.

    Raises:
        EnergyError: a model that cannot run a step at that shape, an unknown profile, a figure out of range.
    """
    from resque_core.energy.flops import layer_count, training_step_flops

    flops = training_step_flops(model, tuple(input_shape))
    leaves = layer_count(model, with_parameters=False)
    return epoch_cost(
        flops.per_image,
        images,
        profile,
        precision=precision,
        devices=devices,
        utilization=utilization,
        scaling_efficiency=scaling_efficiency,
        n_layers=layer_count(model),
        batch_size=batch_size,
        seconds_per_layer_step=seconds_per_layer_step,
        flops_by_op=flops.by_kind,
        n_leaf_modules=leaves,
    )
