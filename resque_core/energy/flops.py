"""FLOPs of one training step of a model, counted by PyTorch, for seconds per epoch on hardware you don't have.

``torch.utils.flop_counter.FlopCounterMode`` counts the floating-point operations of the matrix products and
convolutions PyTorch runs (the work that dominates training; element-wise ops are not counted). One training
step is the forward pass, the cross-entropy loss and the backward pass, at the model's input spec.

The step is taken as three forward passes (``BACKWARD_PER_FORWARD`` = 2: the gradients for the inputs and for
the weights each cost about one forward). The counter's own backward figure is kept beside it but not used:
torch 2.14's counter ignores a grouped convolution's groups in the backward pass, which overcounts a
depthwise-separable model (a MobileNet: 29x its forward instead of about 2x) by up to its channel count.

``layer_count`` counts what the cost model charges a fixed time per training step for (``energy.cost_model``):
the leaf modules that hold parameters (convolutions, linear layers, norms). Each runs a forward kernel, two
backward kernels (for its input and its weights) and an optimizer update every step, whatever the batch or
image size; parameter-free leaves (activations, pooling) are left out, as their kernels are one element-wise
pass that is often fused or negligible. Chosen before the cost model was scored on fresh runs (issue 22).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from resque_core.errors import EnergyError

__all__ = ["BACKWARD_PER_FORWARD", "OP_KINDS", "StepFlops", "layer_count", "training_step_flops"]

BACKWARD_PER_FORWARD = 2.0
# The kinds of operator the cost model gives each its own utilization: matrix products (linear layers, attention),
# dense convolutions, and grouped (depthwise) convolutions, which reach a far smaller share of a device's peak.
OP_KINDS = ("matmul", "conv_dense", "conv_grouped")


@dataclass(frozen=True)
class StepFlops:
    """The FLOPs of one training step, per image.

    Attributes:
        forward_per_image: the forward pass's FLOPs for one image, counted (on ``batch_size`` images at once);
            forward_by_kind: the same by kind of operator (``OP_KINDS``), summing to it.
        counted_step_per_image: forward, loss and backward as the counter gives them (not used: see the module).
        input_shape: (channels, height, width) the model was run at; batch_size: images counted at once.
    """

    forward_per_image: float
    counted_step_per_image: float
    input_shape: tuple[int, int, int]
    batch_size: int
    forward_by_kind: tuple[tuple[str, float], ...] = ()

    @property
    def by_kind(self) -> dict[str, float]:
        """One training step's FLOPs per image by kind of operator (``OP_KINDS``), each 3 x its forward's."""
        return {kind: flops * (1.0 + BACKWARD_PER_FORWARD) for kind, flops in self.forward_by_kind}

    @property
    def per_image(self) -> float:
        """One training step's FLOPs per image: the forward pass and a backward of ``BACKWARD_PER_FORWARD`` of it."""
        return self.forward_per_image * (1.0 + BACKWARD_PER_FORWARD)

    def to_dict(self) -> dict[str, Any]:
        return {"flops_per_image": self.per_image, "forward_flops_per_image": self.forward_per_image,
                "counted_step_flops_per_image": self.counted_step_per_image,
                "input_shape": list(self.input_shape), "batch_size": self.batch_size,
                "flops_per_image_by_kind": self.by_kind}  # fmt: skip


def training_step_flops(model: Any, input_shape: tuple[int, int, int], batch_size: int = 2) -> StepFlops:
    """Count one training step's FLOPs (forward + loss + backward) per image at ``input_shape`` (C, H, W).

    The model is run in training mode on zeros, on the CPU, and left as it was found: its mode is restored
    and the gradients it had are put back (the count never moves a weight).

    Raises:
        EnergyError: the shape is not three positive sizes, or the model cannot run a step at it.
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    if len(input_shape) != 3 or not all(isinstance(s, int) and s > 0 for s in input_shape):
        raise EnergyError(f"the input shape must be (channels, height, width), positive sizes, not {input_shape!r}")
    if batch_size < 1:
        raise EnergyError(f"the batch size must be at least 1, not {batch_size!r}")
    was_training = model.training
    grads = {name: p.grad for name, p in model.named_parameters()}
    x = torch.zeros((batch_size, *input_shape))
    try:
        model.train()
        with FlopCounterMode(display=False) as forward, _grouped_convolutions() as grouped:
            out = model(x)
        if not (isinstance(out, torch.Tensor) and out.dim() == 2):
            raise EnergyError(f"the model returns {type(out).__name__} of shape {getattr(out, 'shape', '?')}, "
                             "not (batch, classes) logits: its training step cannot be counted")  # fmt: skip
        target = torch.zeros(batch_size, dtype=torch.long)
        with FlopCounterMode(display=False) as whole:
            loss = torch.nn.functional.cross_entropy(model(x), target)
            loss.backward()
    except EnergyError:
        raise
    except (RuntimeError, ValueError, TypeError) as exc:
        raise EnergyError(f"the model cannot run a training step at input shape {input_shape}: {exc}") from exc
    finally:
        model.train(was_training)
        for name, p in model.named_parameters():
            p.grad = grads.get(name)
    step, fwd = whole.get_total_flops() / batch_size, forward.get_total_flops() / batch_size
    if not (math.isfinite(fwd) and fwd > 0):
        raise EnergyError("PyTorch counted no FLOPs in the model's forward pass: no matrix product or convolution")
    ops = {str(op): float(n) / batch_size for op, n in forward.get_flop_counts().get("Global", {}).items()}
    conv = ops.pop("aten.convolution", 0.0)
    dense = max(conv - grouped.flops / batch_size, 0.0)
    kinds = (("matmul", fwd - conv), ("conv_dense", dense), ("conv_grouped", conv - dense))
    return StepFlops(float(fwd), float(step), tuple(input_shape), batch_size, kinds)


def _grouped_convolutions():
    """A dispatch mode that adds up the forward FLOPs of grouped convolutions (``groups`` > 1), counted as
    ``FlopCounterMode`` counts a convolution: 2 x output elements x the weight's (in/groups) x kernel size."""
    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    class Grouped(TorchDispatchMode):
        flops = 0.0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            out = func(*args, **(kwargs or {}))
            if func is torch.ops.aten.convolution.default and len(args) > 8 and args[8] > 1:
                self.flops += 2.0 * out.numel() * math.prod(args[1].shape[1:])
            return out

    return Grouped()


def layer_count(model: Any, *, with_parameters: bool = True) -> int:
    """How many layers a training step launches fixed-cost kernels for: leaf modules (no children) that hold
    parameters of their own (``with_parameters=False``: every leaf module, the bench's declared alternative).

    Raises:
        EnergyError: the model has no such layer (it is not a ``torch.nn.Module`` with layers).
    """
    if not hasattr(model, "modules"):
        raise EnergyError(f"cannot count the layers of a {type(model).__name__}: not a torch.nn.Module")
    leaves = [m for m in model.modules() if next(m.children(), None) is None]
    if with_parameters:
        leaves = [m for m in leaves if next(m.parameters(recurse=False), None) is not None]
    if not leaves:
        raise EnergyError("the model has no layer with parameters: its per-layer cost cannot be counted")
    return len(leaves)
