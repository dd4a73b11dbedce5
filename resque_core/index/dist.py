"""RESQUE_dist for a request, with the paper's split protocol and its noise floor.

The pair comes from ``resque_core.data.build_pair``: with no ``new`` dataset given, the paper's
protocol splits each class of the original data 50/30/20 (seeded); original = parts 1+3, new =
parts 2+3, shifted. The original data is embedded once with per-(class, part) sums, which yields the
original sums, the clean new sums and so the *noise floor* (the index of the unshifted split) at no
extra cost.

The same passes tally the old model's predictions (``index.predictions``): its accuracy and mean
confidence on the new data, its accuracy on the original data (when the checkpoint records none), and,
with ``labels="predicted"``, the label-free index, the new data grouped by predicted class.
"""

from __future__ import annotations

import numpy as np
from torch.utils.data import Dataset

from resque_core.data import DataPair, Preprocessed
from resque_core.index.passes import LocalPasses
from resque_core.index.progress import PassProgress, Progress
from resque_core.index.projection import project_2d, sample_positions
from resque_core.index.request import IndexRequest, embed_kwargs
from resque_core.index.result import IndexReport, build_report, with_predictions


class _Relabelled(Dataset):
    """``base`` with other integer labels (e.g. class * 3 + part), images untouched."""

    def __init__(self, base, labels: np.ndarray) -> None:
        self.base, self.labels = base, np.asarray(labels, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        return self.base[i][0], int(self.labels[i])


def run_dist(request: IndexRequest, loaded, pair: DataPair, progress: Progress | None, passes=None) -> IndexReport:
    """RESQUE_dist of the pair's new data against its original data, and the noise floor of the split.

    ``passes`` runs the embedding passes (``index.passes``; default: here, on ``loaded.model``).
    """
    passes = passes or LocalPasses(loaded.model)
    original, shifted = pair.source, pair.new
    orig_part, new_part = pair.split
    second_pass = not pair.simulated or pair.shift is not None
    tracker = PassProgress(progress, len(original) + (len(shifted) if second_pass else 0))
    names, half = list(original.class_names), request.max_points // 2
    in_o = np.isin(np.arange(len(original)), orig_part.indices)
    in_n = np.isin(np.arange(len(original)), new_part.indices)
    keep_o = sample_positions(np.flatnonzero(in_o if pair.simulated else np.ones_like(in_o)), half, request.seed)
    keep_n = sample_positions(
        np.flatnonzero(in_n) if not second_pass else np.arange(len(shifted)), half, request.seed + 1
    )
    parts, first = _embed_parts(
        request, loaded, original, in_o, in_n, keep_o if second_pass else np.union1d(keep_o, keep_n), tracker, passes
    )
    predicted = first.predictions.sums.reshape(parts.shape)
    floor, floor_free = _both(request, parts[:, 0] + parts[:, 2], parts[:, 1:].sum(1), predicted[:, 1:].sum(1), names)
    (result, free), stats, kept_o, kept_n = (floor, floor_free), [first.stats], first.kept, first.kept
    k = len(names)
    new_groups = np.concatenate([np.arange(k) * 3 + 1, np.arange(k) * 3 + 2])  # split parts 2 and 3
    new_predictions = first.predictions
    if second_pass:
        second = passes.class_sums(
            Preprocessed(shifted, loaded.input_spec),
            request.layer,
            keep=keep_n if half else None,
            progress=tracker.pass_callback(len(shifted)),
            predicted_parts=1,
            **embed_kwargs(request),
        )
        original_sums = parts[:, 0] + parts[:, 2] if pair.simulated else parts.sum(axis=1)
        result, free = _both(request, original_sums, second.sums, second.predictions.sums, names)
        stats, kept_n = [*stats, second.stats], second.kept
        new_groups, new_predictions = None, second.predictions
    elif kept_o is not None:  # one pass embedded both samples: pick each out of the union
        union = np.union1d(keep_o, keep_n)
        kept_o, kept_n = kept_o[np.isin(union, keep_o)], kept_n[np.isin(union, keep_n)]
    projection = None
    if half and kept_o is not None and kept_n is not None:
        labels_n = (shifted.targets if second_pass else original.targets)[keep_n]
        projection = project_2d(
            kept_o, [names[t] for t in original.targets[keep_o]], kept_n, [names[t] for t in labels_n]
        )
    n_original, n_new = len(pair.original), len(shifted)
    report = build_report(
        "dist", result.value, result.per_class, floor.value, n_original, n_new, stats, request, projection
    )
    base = _clean_accuracy(loaded, first.predictions, k if pair.simulated else None)
    return with_predictions(report, new_predictions, new_groups, base, request.labels, free.value)


def _both(request: IndexRequest, original: np.ndarray, by_label: np.ndarray, by_prediction: np.ndarray, names):
    """The index the request asks for (by label, or label-free) and the label-free one."""
    from resque_core.index.indices import resque_dist, resque_dist_free

    free = resque_dist_free(original, by_prediction, names)
    return (resque_dist(original, by_label, names) if request.labels == "given" else free), free


RECORDED_HOLDS = 0.1  # the checkpoint's recorded accuracy is used when the original data given agrees within this


def _clean_accuracy(loaded, predictions, simulated_classes: int | None) -> tuple[float, str]:
    """The old model's clean accuracy: the checkpoint's recorded one when the original data given agrees with
    it (within ``RECORDED_HOLDS``), else its accuracy measured on that data (split parts 1 and 3 of
    ``simulated_classes`` classes when the new data was simulated, else all of it), said as such."""
    k = simulated_classes
    groups = None if k is None else np.concatenate([np.arange(k) * 3, np.arange(k) * 3 + 2])
    measured = predictions.accuracy(groups)
    if loaded.accuracy is None:
        return measured, "original data"
    if abs(float(loaded.accuracy) - measured) <= RECORDED_HOLDS:
        return float(loaded.accuracy), "checkpoint"
    return measured, f"original data given (the checkpoint's recorded {float(loaded.accuracy):.1%} does not hold there)"


def _embed_parts(
    request, loaded, original, in_o: np.ndarray, in_n: np.ndarray, keep: np.ndarray, tracker: PassProgress, passes
):
    """One pass over the original data, summed per (class, split part): (K, 3, D) and the ClassSums.

    Part 0 is split part 1 (original only), part 1 is split part 2 (new only), part 2 is the shared part 3.
    """
    part = np.where(in_o & in_n, 2, np.where(in_o, 0, 1))
    k = len(original.class_names)
    result = passes.class_sums(
        _Relabelled(Preprocessed(original, loaded.input_spec), original.targets * 3 + part),
        request.layer,
        num_classes=3 * k,
        keep=keep if request.max_points > 1 else None,
        predicted_parts=3,
        progress=tracker.pass_callback(len(original)),
        **embed_kwargs(request),
    )
    return result.sums.reshape(k, 3, -1), result
