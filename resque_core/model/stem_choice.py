"""Whether a small-stem ResNet kept its max-pool, when its weights cannot say.

A CIFAR-style ResNet replaces ``conv1`` with a 3x3 stride-1 convolution, and usually (not always) drops
the max-pool after it. The weights show the 3x3 ``conv1`` but a max-pool has no weights, so both variants
load them exactly. With the original data at hand both are measured on a stratified sample of it, and
the max-pool variant is used when it is clearly more accurate (by ``MARGIN``); the note says which, with
both figures and the option that fixes the choice (``stem``: "small" or "small-maxpool"). Without data
the usual variant (no max-pool) is used, and said.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from resque_core.data.base import ImageDataset, InputSpec
from resque_core.data.views import Preprocessed, Subset

__all__ = ["SAMPLE_IMAGES", "choose_stem"]

SAMPLE_IMAGES = 200
CANDIDATES = ("small", "small-maxpool")
MARGIN = 0.1  # accuracy (0..1) by which the max-pool variant must win (more on a small sample) to be used
_SET = "set the stem (small: no max-pool, small-maxpool: with it) if this is not how the model was trained"


def choose_stem(models: dict[str, nn.Module], spec: InputSpec, data: ImageDataset | None) -> tuple[str, nn.Module, str]:
    """``(stem, model, note)``: the variant of ``models`` ("small", "small-maxpool") to use, and why."""
    if data is None or len(data) == 0:
        note = "the weights have a 3x3 conv1 but cannot tell whether the max-pool was kept: no data to measure, "
        return "small", models["small"], note + f"so it is assumed dropped (small); {_SET}"
    sample = Subset(data, _stratified(np.asarray(data.targets), SAMPLE_IMAGES))
    accuracy = {stem: _accuracy(models[stem], sample, spec) for stem in CANDIDATES}
    margin = max(MARGIN, 1.5 / len(sample) ** 0.5)  # at least 3 standard errors of a sample accuracy
    clearly = accuracy["small-maxpool"] > accuracy["small"] + margin
    best = "small-maxpool" if clearly else "small"  # the usual variant unless the other is clearly better
    figures = ", ".join(f"{_WORDS[s]} {accuracy[s]:.1%}" for s in CANDIDATES)
    note = (
        "the weights have a 3x3 conv1 but cannot tell whether the max-pool was kept: measured on "
        f"{len(sample)} original images, {figures}, so the stem is {best} ({_WORDS[best]}); {_SET}"
    )
    return best, models[best], note


_WORDS = {"small": "without the max-pool", "small-maxpool": "with the max-pool"}


def _stratified(targets: np.ndarray, max_images: int) -> np.ndarray:
    """Up to ``max_images`` indices, about as many of each class (the first of each, in order)."""
    classes = np.unique(targets)
    per_class = max(1, max_images // max(len(classes), 1))
    return np.sort(np.concatenate([np.flatnonzero(targets == c)[:per_class] for c in classes]))


def _accuracy(model: nn.Module, sample: ImageDataset, spec: InputSpec) -> float:
    """``model``'s accuracy on ``sample`` with the data's labels, on the CPU (0..1; 0 when it gives no class scores)."""
    loader = torch.utils.data.DataLoader(Preprocessed(sample, spec), batch_size=64)
    right = total = 0
    with torch.inference_mode():
        for images, labels in loader:
            scores = model.eval()(images)
            if not isinstance(scores, torch.Tensor) or scores.ndim != 2:
                return 0.0
            right += int((scores.argmax(dim=1) == labels).sum())
            total += len(labels)
    return right / total if total else 0.0
