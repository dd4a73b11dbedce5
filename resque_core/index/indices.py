"""The two RESQUE indices, exactly as the paper's public code defines them (Sangarya & Kim, AAAI 2025).

RESQUE_dist: for each class, the angle (divided by pi) between the sum of the original samples'
embeddings and the sum of the new samples' embeddings; the index is the mean over classes, in [0, 1].
RESQUE_task: 1 - ARI between k-means clusters (k = number of classes) and the true labels of the new
data embedded by the old model, k-means initialised at the class centroids (one init) by default.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from resque_core.errors import EmbeddingError

log = logging.getLogger(__name__)

TASK_INITS = ("centroids", "k-means++")


@dataclass(frozen=True)
class DistResult:
    """RESQUE_dist.

    Attributes:
        value: mean over classes of the per-class angles, in [0, 1] (fraction of pi radians).
        per_class: class name -> angle / pi.
    """

    value: float
    per_class: dict[str, float]


@dataclass(frozen=True)
class TaskResult:
    """RESQUE_task.

    Attributes:
        value: 1 - ARI, in [0, 2] (about 0 when the old model already separates the new classes,
            about 1 when its clusters are unrelated to them).
        ari: adjusted Rand index between the k-means clusters and the true labels.
        n_clusters: k, the number of classes.
        init: "centroids" or "k-means++".
    """

    value: float
    ari: float
    n_clusters: int
    init: str


def class_angles(sums_original: np.ndarray, sums_new: np.ndarray, class_names: list[str]) -> np.ndarray:
    """Per-class angle / pi between the original and new class-sum vectors, shape (K,)."""
    a = np.asarray(sums_original, dtype=np.float64)
    b = np.asarray(sums_new, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2 or a.shape[0] != len(class_names):
        raise EmbeddingError(f"class sums must both be (classes={len(class_names)}, dim); got {a.shape} and {b.shape}")
    norm_a, norm_b = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    for norms, which in ((norm_a, "original"), (norm_b, "new")):
        zero = np.flatnonzero(~(norms > 0))
        if zero.size:
            raise EmbeddingError(
                f"class {class_names[zero[0]]!r} has a zero (or non-finite) embedding sum in the {which} data: "
                "it has no samples there, or the layer outputs only zeros for it; choose another layer"
            )
    cos = np.einsum("kd,kd->k", a, b) / (norm_a * norm_b)
    return np.arccos(np.clip(cos, -1.0, 1.0)) / np.pi


def resque_dist(sums_original: np.ndarray, sums_new: np.ndarray, class_names: list[str]) -> DistResult:
    """RESQUE_dist from per-class embedding sums (both (K, D), rows in ``class_names`` order).

    Raises:
        EmbeddingError: shapes differ, or a class has an all-zero sum in either dataset.
    """
    angles = class_angles(sums_original, sums_new, class_names)
    per_class = {str(name): float(t) for name, t in zip(class_names, angles, strict=True)}
    return DistResult(float(angles.mean()), per_class)


def resque_dist_free(sums_original: np.ndarray, sums_predicted: np.ndarray, class_names: list[str]) -> DistResult:
    """The label-free RESQUE_dist: as ``resque_dist``, the new data's sums grouped by the old model's
    *predicted* class instead of its label (a user without labels has only that).

    A class the old model never predicts on the new data has no new sum; it counts as fully shifted,
    angle 1/2 (orthogonal: the largest angle two sums of non-negative embeddings can make).

    Raises:
        EmbeddingError: shapes differ, or a class has an all-zero sum in the original data.
    """
    a, b = np.asarray(sums_original, dtype=np.float64), np.asarray(sums_predicted, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2 or a.shape[0] != len(class_names):
        raise EmbeddingError(f"class sums must both be (classes={len(class_names)}, dim); got {a.shape} and {b.shape}")
    predicted = np.linalg.norm(b, axis=1) > 0
    angles = np.full(len(class_names), 0.5)
    if predicted.any():
        names = [n for n, p in zip(class_names, predicted, strict=True) if p]
        angles[predicted] = class_angles(a[predicted], b[predicted], names)
    if not predicted.all():
        log.info("label-free index: %d class(es) never predicted on the new data", int((~predicted).sum()))
    per_class = {str(name): float(t) for name, t in zip(class_names, angles, strict=True)}
    return DistResult(float(angles.mean()), per_class)


def resque_task(embeddings: np.ndarray, labels: np.ndarray, *, init: str = "centroids", seed: int = 0) -> TaskResult:
    """RESQUE_task = 1 - ARI(k-means clusters, true labels) of the new data's embeddings.

    Args:
        embeddings: (N, D) embeddings of the new data by the old model.
        labels: (N,) integer labels of the new classes (any values; k = number of distinct ones).
        init: "centroids" (the class means, one init: the headline) or "k-means++".
        seed: random state of k-means (deterministic for a fixed seed).

    Raises:
        EmbeddingError: fewer than two classes, fewer samples than classes, NaN/inf values.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    x = np.asarray(embeddings, dtype=np.float64)
    y = np.asarray(labels)
    if x.ndim != 2 or y.shape != (x.shape[0],):
        raise EmbeddingError(f"embeddings must be (N, D) with N labels; got {x.shape} and {y.shape}")
    if not np.isfinite(x).all():
        raise EmbeddingError("the embeddings contain NaN or inf values")
    classes, codes = np.unique(y, return_inverse=True)
    k = len(classes)
    if k < 2:
        raise EmbeddingError(f"RESQUE_task needs at least two classes in the new data; found {k} ({classes.tolist()})")
    if x.shape[0] <= k:
        raise EmbeddingError(f"RESQUE_task needs more samples ({x.shape[0]}) than classes ({k})")
    if init == "centroids":
        start = np.stack([x[codes == c].mean(axis=0) for c in range(k)])
        kmeans = KMeans(n_clusters=k, init=start, n_init=1, random_state=seed)
    elif init == "k-means++":
        kmeans = KMeans(n_clusters=k, init="k-means++", n_init=1, random_state=seed)
    else:
        raise EmbeddingError(f"unknown k-means init {init!r}; use one of {TASK_INITS}")
    clusters = kmeans.fit_predict(x)
    ari = float(adjusted_rand_score(codes, clusters))
    log.info("RESQUE_task: k=%d, init=%s, ARI=%.4f", k, init, ari)
    return TaskResult(1.0 - ari, ari, k, init)
