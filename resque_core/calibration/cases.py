"""The shifts a calibration sweep retrains on: distribution-shift and task-shift *cases*.

A distribution-shift case is a shift (type and level) of the paper split's new part, scored with
RESQUE_dist; a task case is a class split learned with a new head, scored with RESQUE_task. Each case
carries its index, noise floor, the shifted data split into training data and a stratified
validation slice, the old model's accuracy on that slice (where its curve starts) and on the training
part (where the accuracy drop is measured, so the signal and the target never share images). A
distribution-shift case also carries the label-free signals a user without labels has
(``forecast.signals``): the label-free index and the old model's mean confidence on the shifted data,
from the same embedding pass as the index.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch.utils.data import TensorDataset

from resque_core.calibration.config import SweepConfig
from resque_core.calibration.rows import ShiftFacts
from resque_core.errors import DataError, RetrainError
from resque_core.retraining.steps import evaluate, materialize

logger = logging.getLogger(__name__)

DEMO_TASK_SPLITS: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (
    ((0, 1, 2, 3, 4), (5, 6, 7, 8, 9)),
    ((0, 1, 2, 3, 4), (5, 6, 7)),
    ((0, 1, 2, 3, 4), (8, 9)),
    ((0, 1, 2, 3, 4), (3, 4, 5, 6, 7)),
    ((0, 1, 2, 3, 4), (0, 2, 4, 6, 8)),
    ((0, 1, 2, 3, 4), (1, 2, 3, 4)),
)


@dataclass
class Case:
    """One shift to calibrate on: what its records say of it (``facts``, whose ``base_acc`` is always set)
    and its data (tensors already preprocessed for the model)."""

    facts: ShiftFacts
    train: TensorDataset
    val: TensorDataset
    head: str = "keep"
    scratch_cache: dict[str, float] = field(default_factory=dict)

    @property
    def scratch_acc(self) -> float | None:
        """Best accuracy of this shift's from-scratch run (shared by its seeds), once it has run."""
        return self.scratch_cache.get(self.facts.shift)

    @property
    def reference_key(self) -> str:
        """Where ``scratch_cache`` keeps the best accuracy of this shift's first fine-tuning ("case" rule)."""
        return f"{self.facts.shift}#finetune0"

    @property
    def finetune0_acc(self) -> float | None:
        """Best accuracy of the first fine-tuning of this shift (the "case" rule's reference, shared by its seeds)."""
        return self.scratch_cache.get(self.reference_key)


def stratified_split(targets: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (rest, part) with ``fraction`` of every class (at least one sample) in ``part``."""
    rng = np.random.default_rng(seed)
    rest, part = [], []
    for c in np.unique(targets):
        members = rng.permutation(np.flatnonzero(targets == c))
        k = min(len(members) - 1, max(1, round(fraction * len(members))))
        part.append(members[:k])
        rest.append(members[k:])
    return np.sort(np.concatenate(rest)), np.sort(np.concatenate(part))


def split_tensors(x: torch.Tensor, y: torch.Tensor, val_fraction: float, seed: int) -> tuple[TensorDataset, ...]:
    """(train, val) TensorDatasets, the validation slice stratified by class.

    Raises:
        DataError: too few images to keep any to train on and to validate on.
    """
    train_idx, val_idx = stratified_split(y.numpy(), val_fraction, seed)
    if len(train_idx) == 0 or len(val_idx) == 0:
        raise DataError(
            f"the shifted new data has {len(y)} image(s): too few to keep some to retrain on and some to validate "
            "on; use more images (or a larger data fraction)"
        )
    return TensorDataset(x[train_idx], y[train_idx]), TensorDataset(x[val_idx], y[val_idx])


def old_accuracy(model: torch.nn.Module, data: TensorDataset) -> float:
    """The old model's accuracy on a TensorDataset."""
    return evaluate(model, *data.tensors, torch.device("cpu"))[1]


class DistCases:
    """Distribution-shift cases of one model on one dataset: the paper split, shifted new part."""

    def __init__(self, loaded: Any, dataset: Any, cfg: SweepConfig, base_acc: float | None = None):
        from resque_core.data import Preprocessed, paper_split

        self.loaded, self.cfg, self.scratch = loaded, cfg, {}
        self.names = list(loaded.class_names)
        original, self.new_clean = paper_split(dataset, cfg.split_seed)
        x_orig, y_orig = materialize(Preprocessed(original, loaded.input_spec))
        self.orig_sums = self._sums(x_orig, y_orig)
        self.noise_floor = self._index(*materialize(Preprocessed(self.new_clean, loaded.input_spec)))
        self.base_acc = base_acc if base_acc is not None else _base_accuracy(loaded, x_orig, y_orig)

    def _sums(self, x: torch.Tensor, y: torch.Tensor, predictions: bool = False):
        from resque_core.index.embed import class_sums

        data, k = TensorDataset(x, y), len(self.names)
        sums = class_sums(
            self.loaded.model, data, num_classes=k, device="cpu", predicted_parts=1 if predictions else None
        )
        return sums if predictions else sums.sums

    def _index(self, x: torch.Tensor, y: torch.Tensor) -> float:
        from resque_core.index.indices import resque_dist

        return resque_dist(self.orig_sums, self._sums(x, y), self.names).value

    def _signals(self, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float, float]:
        """The index, the label-free index and the old model's mean confidence of shifted data, in one pass."""
        from resque_core.index.indices import resque_dist, resque_dist_free

        sums = self._sums(x, y, predictions=True)
        index = resque_dist(self.orig_sums, sums.sums, self.names).value
        free = resque_dist_free(self.orig_sums, sums.predictions.sums, self.names).value
        return index, free, sums.predictions.mean_confidence()

    def case(self, shift: str, seed: int) -> tuple[torch.nn.Module, Case]:
        """The shifted new part for ``seed``: index, train/val tensors, old model's accuracy."""
        from resque_core.data import Preprocessed, Shifted, ShiftSpec

        spec = ShiftSpec.parse(shift)
        x, y = materialize(Preprocessed(Shifted(self.new_clean, spec, seed), self.loaded.input_spec))
        train, val = split_tensors(x, y, self.cfg.val_fraction, seed)
        index, index_free, mean_conf = self._signals(x, y)
        facts = ShiftFacts(
            index_kind="dist",
            index_value=index,
            noise_floor=self.noise_floor,
            shift=str(spec),
            shift_type=spec.kind,
            shift_level=spec.level,
            start_acc=old_accuracy(self.loaded.model, val),
            base_acc=self.base_acc,
            n_train=len(train),
            mean_conf=mean_conf,
            index_free=index_free,
            drop_acc=old_accuracy(self.loaded.model, train),
        )
        case = Case(facts, train, val, scratch_cache=self.scratch)
        return self.loaded.model, case


class TaskCases:
    """Task-shift cases of one model: a class subset of the dataset, learned with a new head."""

    def __init__(self, loaded: Any, dataset: Any, cfg: SweepConfig, base_acc: float | None = None):
        if base_acc is None and loaded.accuracy is None:
            raise RetrainError("the task model's checkpoint records no accuracy; pass base_acc")
        self.loaded, self.dataset, self.cfg, self.scratch = loaded, dataset, cfg, {}
        self.base_acc = float(base_acc if base_acc is not None else loaded.accuracy)
        self.indices: dict[str, float] = {}
        self.floors: dict[tuple[int, ...], float] = {}

    def case(self, split: tuple[tuple[int, ...], tuple[int, ...]], seed: int) -> tuple[torch.nn.Module, Case]:
        """The new classes' data, relabelled 0..k-1; RESQUE_task of the old model on it.

        Its noise floor is the index of the old task's own classes (as ``pipeline.compute_index``
        reports it); the start accuracy is chance, 1/k, since the old head cannot name new classes.
        """
        old, new = split
        shift = f"task:{class_label(old)}->{class_label(new)}"
        x, y = self._data(new)
        if shift not in self.indices:
            self.indices[shift] = self._index(x, y)
        if old not in self.floors:
            self.floors[old] = self._index(*self._data(old))
        train, val = split_tensors(x, y, self.cfg.val_fraction, seed)
        facts = ShiftFacts(
            index_kind="task",
            index_value=self.indices[shift],
            noise_floor=self.floors[old],
            shift=shift,
            shift_type="task",
            shift_level=None,
            start_acc=1.0 / len(new),
            base_acc=self.base_acc,
            n_train=len(train),
        )
        case = Case(facts, train, val, head="new", scratch_cache=self.scratch)
        return self.loaded.model, case

    def _data(self, classes: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        from resque_core.data import ClassSubset, Preprocessed

        return materialize(Preprocessed(ClassSubset(self.dataset, list(classes)), self.loaded.input_spec))

    def _index(self, x: torch.Tensor, y: torch.Tensor) -> float:
        from resque_core.index.embed import collect_embeddings
        from resque_core.index.indices import resque_task

        emb = collect_embeddings(self.loaded.model, TensorDataset(x, y), device="cpu")
        return resque_task(emb.x, emb.labels, seed=0).value


def class_label(classes: tuple[int, ...]) -> str:
    """ "0-4" for a contiguous run of classes, else "0,2,4"."""
    c = list(classes)
    if len(c) > 2 and c == list(range(c[0], c[-1] + 1)):
        return f"{c[0]}-{c[-1]}"
    return ",".join(str(i) for i in c)


def _base_accuracy(loaded: Any, x: torch.Tensor, y: torch.Tensor) -> float:
    if loaded.accuracy is not None:
        return float(loaded.accuracy)
    logger.warning("checkpoint records no accuracy: using the old model's accuracy on the original part")
    return old_accuracy(loaded.model, TensorDataset(x, y))
