"""What ``compute_index`` returns: the ``IndexReport``, and how the runners assemble it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from resque_core.index.predictions import Predictions
from resque_core.index.projection import Projection
from resque_core.index.request import IndexRequest


@dataclass(frozen=True)
class IndexReport:
    """The index and how it was obtained.

    Attributes:
        kind: "dist" or "task".
        value: RESQUE_dist in [0, 1] or RESQUE_task (1 - ARI).
        per_class: class name -> angle / pi (dist only; empty for task).
        noise_floor: the same index with no shift (dist: the clean split of the original data;
            task: the old model's own classes), to judge whether ``value`` is above noise.
        n_original, n_new: images in each dataset.
        layer: the layer embedded. device: where it ran.
        seconds: wall time of the whole computation. images_per_s: embedding throughput.
        shift: the shift applied, if any. variant: task variant ("" for dist).
        projection: sample of embeddings in 2-D, or None.
        precision: what the embedding ran in ("fp32", or "bf16"/"fp16" autocast on CUDA).
        notes: what a reader should know about how it ran (a precision that does not apply here...).
        labels: "given" (the new data grouped by its labels) or "predicted" (by the old model's predicted
            class: the label-free index, for new data without labels).
        accuracy_new: the old model's accuracy on the new data, in [0, 1] (None: label-free, or task).
        mean_conf: the old model's mean max-softmax probability on the new data, in [0, 1] (None: task).
        base_acc: the old model's clean accuracy, in [0, 1]; base_acc_source: "checkpoint" (its recorded
            held-out accuracy, when the original data given agrees with it) or "original data..." (the old
            model on the original data given, which may be its training data: an optimistic figure).
        index_free: the label-free RESQUE_dist (equal to ``value`` when ``labels`` is "predicted"; None: task).
    """

    kind: str
    value: float
    per_class: dict[str, float]
    noise_floor: float | None
    n_original: int
    n_new: int
    layer: str
    device: str
    seconds: float
    images_per_s: float
    shift: str | None = None
    variant: str = ""
    projection: Projection | None = field(default=None, repr=False)
    precision: str = "fp32"
    notes: tuple[str, ...] = ()
    labels: str = "given"
    accuracy_new: float | None = None
    mean_conf: float | None = None
    base_acc: float | None = None
    base_acc_source: str | None = None
    index_free: float | None = None

    @property
    def acc_drop(self) -> float | None:
        """The old model's clean accuracy minus its accuracy on the new data (None without labels)."""
        if self.base_acc is None or self.accuracy_new is None:
            return None
        return self.base_acc - self.accuracy_new

    def signals_text(self) -> str:
        """The old model on the new data, in one line: what the forecast takes from this report besides the index."""
        parts = []
        if self.accuracy_new is not None and self.base_acc is not None:
            parts.append(
                f"accuracy {self.accuracy_new:.1%} (clean {self.base_acc:.1%}, from the {self.base_acc_source}; "
                f"accuracy drop {self.acc_drop:.4f})"
            )
        if self.mean_conf is not None:
            parts.append(f"mean confidence {self.mean_conf:.4f}")
        return "old model on the new data: " + ", ".join(parts) if parts else ""

    def to_dict(self) -> dict:
        """The JSON object ``index --json`` prints."""
        return {
            "kind": self.kind,
            "resque": self.value,
            "per_class": self.per_class,
            "noise_floor": self.noise_floor,
            "n_original": self.n_original,
            "n_new": self.n_new,
            "layer": self.layer,
            "device": self.device,
            "seconds": round(self.seconds, 4),
            "images_per_s": round(self.images_per_s, 1),
            "shift": self.shift,
            "variant": self.variant or None,
            "precision": self.precision,
            "notes": list(self.notes),
            "labels": self.labels,
            "accuracy_new": self.accuracy_new,
            "mean_conf": self.mean_conf,
            "base_acc": self.base_acc,
            "base_acc_source": self.base_acc_source,
            "acc_drop": self.acc_drop,
            "index_free": self.index_free,
        }


def build_report(
    kind, value, per_class, floor, n_original, n_new, stats, request: IndexRequest, projection
) -> IndexReport:
    """An ``IndexReport`` whose timing and throughput sum the embedding passes' ``EmbedStats``."""
    images = sum(s.n_images for s in stats)
    embed_s = sum(s.seconds for s in stats)
    return IndexReport(
        kind=kind,
        value=float(value),
        per_class=per_class,
        noise_floor=None if floor is None else float(floor),
        n_original=int(n_original),
        n_new=int(n_new),
        layer=stats[0].layer,
        device=stats[0].device,
        seconds=embed_s,
        images_per_s=images / embed_s if embed_s > 0 else float("inf"),
        shift=request.shift,
        variant=request.task_variant if kind == "task" else "",
        projection=projection,
        precision=stats[0].precision,
    )


def with_predictions(
    report: IndexReport,
    predictions: Predictions,
    new_groups: np.ndarray | None,
    base: tuple[float, str],
    labels: str,
    index_free: float | None = None,
) -> IndexReport:
    """The report with the old model's accuracy and confidence on the new data (its ``new_groups``) added.

    Label-free (``labels="predicted"``): no accuracy (the labels are not the user's), and a note saying
    how the new data was grouped and how many classes the old model never predicted.
    """
    notes = report.notes
    accuracy = predictions.accuracy(new_groups)
    if labels == "predicted":
        accuracy = None
        counts = predictions.counts if new_groups is None else predictions.counts[np.sort(new_groups)]
        per_class = counts.reshape(len(report.per_class), -1).sum(axis=1)
        missing = int((per_class == 0).sum())
        notes = (
            *notes,
            "label-free: the new data is grouped by the old model's predicted class, not by its labels; "
            "accuracy-based signals are unavailable"
            + (f"; {missing} class(es) never predicted count as fully shifted (1/2)" if missing else ""),
        )
    return replace(
        report,
        labels=labels,
        accuracy_new=accuracy,
        mean_conf=predictions.mean_confidence(new_groups),
        base_acc=float(base[0]),
        base_acc_source=base[1],
        index_free=index_free,
        notes=notes,
    )
