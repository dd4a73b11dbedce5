"""A 2-D picture of the embeddings: a bounded, seeded sample of points projected by PCA."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Projection:
    """A 2-D PCA projection of a bounded sample of embeddings, for plotting.

    Attributes:
        xy: (M, 2) float32 coordinates.
        label: (M,) class name of each point.
        is_new: (M,) True for a point of the new data, False for the original.
        explained: fraction of the sample's variance each of the two axes explains.
    """

    xy: np.ndarray
    label: np.ndarray
    is_new: np.ndarray
    explained: tuple[float, float]


def sample_positions(positions: np.ndarray, n: int, seed: int) -> np.ndarray:
    """At most ``n`` of ``positions``, seeded, sorted (the order embeddings stream in)."""
    if len(positions) <= n:
        return np.sort(positions)
    return np.sort(np.random.default_rng(seed).choice(positions, size=n, replace=False))


def project_2d(original_x: np.ndarray, original_labels, new_x: np.ndarray, new_labels) -> Projection:
    """PCA (fitted on both samples together) of the original and new embeddings to 2-D."""
    x = np.concatenate([original_x, new_x]).astype(np.float64)
    centred = x - x.mean(axis=0)
    _, singular, vt = np.linalg.svd(centred, full_matrices=False)
    axes = vt[:2] if vt.shape[0] >= 2 else np.vstack([vt, np.zeros_like(vt)])[:2]
    var = singular**2
    explained = tuple(float(v / var.sum()) if var.sum() > 0 else 0.0 for v in (list(var[:2]) + [0.0, 0.0])[:2])
    labels = np.concatenate([np.asarray(original_labels, dtype=str), np.asarray(new_labels, dtype=str)])
    is_new = np.concatenate([np.zeros(len(original_x), bool), np.ones(len(new_x), bool)])
    return Projection((centred @ axes.T).astype(np.float32), labels, is_new, explained)  # type: ignore[arg-type]
