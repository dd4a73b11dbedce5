"""What the old model predicts on a dataset, tallied in the same pass as the embeddings.

The label-free RESQUE_dist groups the new data by the old model's *predicted* class instead of its
label (a user without labels has only that); the accuracy and the mean confidence (max softmax
probability) of the old model are the other forecast signals (``forecast.signals``). Everything is
kept per group, O(groups x dim) memory, like the class sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from resque_core.errors import EmbeddingError

__all__ = ["PredictionTally", "Predictions"]


@dataclass(frozen=True)
class Predictions:
    """Per-group tallies of the old model's predictions over one pass.

    Groups follow the dataset's labels, ``class * parts + part`` (``parts`` = 1: the label is the class).

    Attributes:
        sums: (G, D) float64 sums of the embeddings grouped by *predicted* class (``predicted * parts + part``).
        counts: (G,) images per predicted group.
        n: (G,) images per labelled group; correct: (G,) of them predicted as their own class.
        confidence: (G,) sum of the max softmax probability per labelled group.
    """

    sums: np.ndarray
    counts: np.ndarray
    n: np.ndarray
    correct: np.ndarray
    confidence: np.ndarray

    def accuracy(self, groups: np.ndarray | None = None) -> float:
        """Share of the images (of the labelled ``groups``, default all) predicted as their class."""
        keep = slice(None) if groups is None else groups
        return float(self.correct[keep].sum() / max(self.n[keep].sum(), 1))

    def mean_confidence(self, groups: np.ndarray | None = None) -> float:
        """Mean max softmax probability over the images of the labelled ``groups`` (default all), in [0, 1]."""
        keep = slice(None) if groups is None else groups
        return float(self.confidence[keep].sum() / max(self.n[keep].sum(), 1))


class PredictionTally:
    """Accumulates ``Predictions`` batch by batch: ``add`` each batch, then ``result``."""

    def __init__(self, num_groups: int, parts: int = 1) -> None:
        self.groups, self.parts = num_groups, parts
        self.sums: torch.Tensor | None = None
        self.counts = torch.zeros(num_groups, dtype=torch.int64)
        self.n = torch.zeros(num_groups, dtype=torch.int64)
        self.correct = torch.zeros(num_groups, dtype=torch.int64)
        self.confidence = torch.zeros(num_groups, dtype=torch.float64)

    def add(self, emb: torch.Tensor, labels: torch.Tensor, outputs: torch.Tensor) -> None:
        """One batch: embeddings (B, D), dataset labels (B,), the model's outputs (B, classes)."""
        classes = self.groups // self.parts
        if outputs.ndim != 2 or outputs.shape[0] != len(labels):
            raise EmbeddingError(
                f"the model's output has shape {tuple(outputs.shape)}, not (batch, classes): the label-free index, "
                "the accuracy and the confidence need one score per class"
            )
        if outputs.shape[1] != classes:
            raise EmbeddingError(
                f"the model scores {outputs.shape[1]} classes but the data has {classes}: the predicted classes "
                "cannot be matched to the data's classes"
            )
        probs = torch.softmax(outputs.double(), dim=1)
        top, predicted = probs.max(dim=1)
        part = labels % self.parts
        group = predicted * self.parts + part
        if self.sums is None:
            self.sums = torch.zeros(self.groups, emb.shape[1], dtype=torch.float64)
        self.sums.index_add_(0, group, emb.double())
        self.counts += torch.bincount(group, minlength=self.groups)
        self.n += torch.bincount(labels, minlength=self.groups)
        self.correct += torch.bincount(
            labels, weights=(predicted == labels // self.parts).double(), minlength=self.groups
        ).long()
        self.confidence += torch.bincount(labels, weights=top, minlength=self.groups)

    def result(self) -> Predictions:
        if self.sums is None:
            raise EmbeddingError("the dataset is empty: nothing to embed")
        return Predictions(
            self.sums.numpy(), self.counts.numpy(), self.n.numpy(), self.correct.numpy(), self.confidence.numpy()
        )
