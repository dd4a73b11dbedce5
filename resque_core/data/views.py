"""Views over a dataset: a subset, a class subset (task split), a relabeled, a shifted and a preprocessed copy.

Views copy no pixels: each one maps ``image(i)`` onto its base, so they stack freely, e.g.
``Preprocessed(Shifted(Subset(digits, idx), spec, seed=0), input_spec)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from resque_core.data.base import ImageDataset, InputSpec
from resque_core.data.class_map import parse_class_map
from resque_core.data.shift_spec import ShiftSpec
from resque_core.data.shifts import apply_shift
from resque_core.errors import DataError, ShiftError

# ITU-R BT.601 luma, as Pillow's convert("L").
_LUMA = torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1)


def _problems(base: ImageDataset) -> list[str]:
    return list(getattr(base, "problems", []))


class Subset(ImageDataset):
    """The samples of ``base`` at ``indices``, in that order, with the same classes."""

    def __init__(self, base: ImageDataset, indices: Sequence[int] | np.ndarray) -> None:
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < 0 or idx.max() >= len(base)):
            raise DataError(f"subset indices must lie in 0..{len(base) - 1} for {base.name!r}")
        self.base = base
        self.indices = idx
        self.name = base.name
        self.class_names = list(base.class_names)
        self.targets = np.asarray(base.targets, dtype=np.int64)[idx]
        self.problems = _problems(base)

    def image(self, i: int) -> torch.Tensor:
        return self.base.image(int(self.indices[i]))


class ClassSubset(ImageDataset):
    """The samples of the kept classes only, relabelled 0..k-1 in the order given (a task split).

    Args:
        base: the dataset to draw from.
        keep: class names, or class numbers of ``base``, to keep.
    """

    def __init__(self, base: ImageDataset, keep: Sequence[str] | Sequence[int]) -> None:
        labels = resolve_classes(base, keep)
        remap = np.full(len(base.class_names), -1, dtype=np.int64)
        remap[labels] = np.arange(len(labels))
        base_targets = np.asarray(base.targets, dtype=np.int64)
        self.base = base
        self.indices = np.flatnonzero(remap[base_targets] >= 0)
        self.targets = remap[base_targets[self.indices]]
        self.class_names = [base.class_names[c] for c in labels]
        self.name = f"{base.name}[{','.join(self.class_names)}]"
        self.problems = _problems(base)

    def image(self, i: int) -> torch.Tensor:
        return self.base.image(int(self.indices[i]))


class Relabeled(ImageDataset):
    """``base`` with its classes renamed and renumbered as a model's outputs (a confirmed class map).

    A folder or zip lists its classes alphabetically, which need not be the order a model was trained
    in. ``mapping[data class] = model output`` puts each sample's label where the model expects it.

    Args:
        base: the dataset to relabel.
        mapping: every class name of ``base`` -> a distinct output number of the model (a dict, or the
            text ``"cat=3,dog=5"``).
        model_classes: the model's class names, one per output.
    """

    def __init__(self, base: ImageDataset, mapping: Mapping[str, int] | str, model_classes: Sequence[str]) -> None:
        mapping = parse_class_map(mapping) if isinstance(mapping, str) else dict(mapping)
        names, model_classes = list(base.class_names), list(model_classes)
        missing = [n for n in names if n not in mapping]
        unknown = [n for n in mapping if n not in names]
        outputs = [int(mapping[n]) for n in names if n in mapping]
        if missing or unknown:
            raise DataError(
                f"the class map must name every class of {base.name!r} once: "
                + "; ".join([f"missing {missing}"] * bool(missing) + [f"not in the data {unknown}"] * bool(unknown))
            )
        if len(set(outputs)) != len(outputs) or not all(0 <= o < len(model_classes) for o in outputs):
            raise DataError(
                f"the class map must send each class to a different model output in 0..{len(model_classes) - 1}; "
                f"got {dict(mapping)}"
            )
        order = sorted(outputs)  # the model's outputs the data has, in the model's order
        remap = np.array([order.index(o) for o in outputs], dtype=np.int64)
        self.base = base
        self.mapping = {n: int(mapping[n]) for n in names}
        self.name = base.name
        self.class_names = [model_classes[o] for o in order]
        self.targets = remap[np.asarray(base.targets, dtype=np.int64)]
        self.problems = _problems(base)

    def image(self, i: int) -> torch.Tensor:
        return self.base.image(i)


def resolve_classes(base: ImageDataset, keep: Sequence[str] | Sequence[int]) -> list[int]:
    """Resolve class names or numbers to ``base``'s class numbers, refusing unknown or repeated ones."""
    names = list(base.class_names)
    keep = list(keep)
    if not keep:
        raise ShiftError(f"a class split needs at least one class; {base.name!r} has: {', '.join(names)}")
    labels = []
    for k in keep:
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool) and 0 <= int(k) < len(names):
            labels.append(int(k))
        elif isinstance(k, str) and k in names:
            labels.append(names.index(k))
        else:
            raise ShiftError(f"class {k!r} is not in {base.name!r}; its classes are: {', '.join(names)}")
    if len(set(labels)) != len(labels):
        raise ShiftError(f"a class is listed twice in {keep!r}")
    return labels


def shift_seed(seed: int, index: int) -> int:
    """A well-mixed 63-bit generator seed from (seed, sample index)."""
    state = np.random.SeedSequence([int(seed) & 0xFFFFFFFFFFFFFFFF, int(index)]).generate_state(2, dtype=np.uint32)
    return (int(state[0]) << 31) ^ int(state[1])


class Shifted(ImageDataset):
    """``base`` with a shift applied to every image; sample ``i`` is seeded from ``(seed, i)``.

    The result therefore does not depend on batch size, order or the number of loader workers.
    """

    def __init__(self, base: ImageDataset, shift: ShiftSpec | str, seed: int) -> None:
        self.shift = shift if isinstance(shift, ShiftSpec) else ShiftSpec.parse(shift)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ShiftError(f"shift seed must be a non-negative integer; got {seed!r}")
        self.base = base
        self.seed = int(seed)
        self.name = f"{base.name}+{self.shift}"
        self.class_names = list(base.class_names)
        self.targets = np.asarray(base.targets, dtype=np.int64)
        self.problems = _problems(base)

    def image(self, i: int) -> torch.Tensor:
        generator = torch.Generator().manual_seed(shift_seed(self.seed, i))
        return apply_shift(self.base.image(i), self.shift, generator)


class Preprocessed(ImageDataset):
    """``base`` as a model expects it: channels converted, resized, then ``(x - mean) / std``.

    Grey becomes RGB by repeating the channel; RGB becomes grey by BT.601 luma. Resizing is
    antialiased bilinear. Images are no longer in [0, 1] after normalisation.
    """

    def __init__(self, base: ImageDataset, spec: InputSpec) -> None:
        self.base = base
        self.spec = spec
        self.name = base.name
        self.class_names = list(base.class_names)
        self.targets = np.asarray(base.targets, dtype=np.int64)
        self.problems = _problems(base)
        self._mean = torch.tensor(spec.mean, dtype=torch.float32).view(-1, 1, 1)
        self._std = torch.tensor(spec.std, dtype=torch.float32).view(-1, 1, 1)

    def image(self, i: int) -> torch.Tensor:
        x = convert_channels(self.base.image(i), self.spec.channels)
        if tuple(x.shape[1:]) != tuple(self.spec.size):
            x = F.interpolate(x[None], size=self.spec.size, mode="bilinear", align_corners=False, antialias=True)[0]
        return (x - self._mean) / self._std


def convert_channels(x: torch.Tensor, channels: int) -> torch.Tensor:
    """Grey <-> RGB conversion of one (C, H, W) image."""
    if x.shape[0] == channels:
        return x
    if x.shape[0] == 1 and channels == 3:
        return x.expand(3, -1, -1).contiguous()
    if x.shape[0] == 3 and channels == 1:
        return (x * _LUMA).sum(dim=0, keepdim=True)
    raise DataError(f"cannot convert a {x.shape[0]}-channel image to {channels} channels; expected 1 or 3")
