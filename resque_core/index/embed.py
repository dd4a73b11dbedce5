"""Batched, streamed embedding extraction with a forward hook on one layer (``index.capture``).

Batches are streamed: ``class_sums`` keeps only per-class float64 sums, O(classes x dim) memory
whatever N; ``collect_embeddings`` keeps every embedding (what RESQUE_task's k-means needs).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from resque_core.errors import EmbeddingError
from resque_core.index.capture import capture, hooked_forward, pool
from resque_core.index.predictions import Predictions, PredictionTally
from resque_core.index.request import PRECISIONS

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EmbedStats:
    """How an embedding pass went.

    Attributes:
        layer: the layer embedded.
        device: the device it ran on ("cpu", "cuda", "mps").
        n_images: images embedded.
        seconds: wall time of the pass, loading included.
        images_per_s: throughput.
        precision: what the forward ran in ("fp32", or "bf16"/"fp16" autocast on CUDA).
    """

    layer: str
    device: str
    n_images: int
    seconds: float
    images_per_s: float
    precision: str = "fp32"


@dataclass(frozen=True)
class ClassSums:
    """Per-class sums of embeddings (float64, shape (K, D)) and counts (int64, shape (K,)).

    ``kept`` holds the embeddings (float32, (M, D)) of the samples at the positions asked for with
    ``keep`` (e.g. a bounded sample for a 2-D projection), else None. ``predictions`` holds what the
    model predicted (``index.predictions``) when asked for, else None.
    """

    sums: np.ndarray
    counts: np.ndarray
    stats: EmbedStats
    kept: np.ndarray | None = None
    predictions: Predictions | None = None


@dataclass(frozen=True)
class Embeddings:
    """All embeddings of a dataset (float32, (N, D)) with their labels (int64, (N,))."""

    x: np.ndarray
    labels: np.ndarray
    stats: EmbedStats


def resolve_device(device: str = "auto") -> torch.device:
    """``auto`` picks cuda, then mps, then cpu; asking for one that is absent is an error."""
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps and mps.is_available())
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise EmbeddingError("device 'cuda' was asked for but no CUDA GPU is available; use --device auto or cpu")
    if device == "mps" and not has_mps:
        raise EmbeddingError("device 'mps' was asked for but Apple MPS is not available; use --device auto or cpu")
    if device not in ("cpu", "cuda", "mps") and not device.startswith("cuda:"):
        raise EmbeddingError(f"unknown device {device!r}; use auto, cpu, cuda or mps")
    return torch.device(device)


def precision_on(device: torch.device, precision: str = "fp32") -> str:
    """The precision a pass asking for ``precision`` runs in on ``device``.

    bf16 and fp16 are autocast on CUDA only; on the CPU and MPS every pass runs in fp32 (the caller
    says so). fp32 is the default: the calibration records' indices were computed in fp32.
    """
    if precision not in PRECISIONS:
        raise EmbeddingError(f"unknown precision {precision!r}; use {', '.join(PRECISIONS)}")
    if precision == "fp32" or device.type != "cuda":
        return "fp32"
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise EmbeddingError("this GPU does not support bf16: choose fp16 or fp32 as the embedding precision")
    return precision


def autocast_for(device: torch.device, precision: str = "fp32"):
    """Autocast to bf16 or fp16 on CUDA when ``precision`` asks for it; otherwise nothing (fp32)."""
    used = precision_on(device, precision)
    if used == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type="cuda", dtype=torch.bfloat16 if used == "bf16" else torch.float16)


def iter_embeddings(
    model: nn.Module,
    dataset,
    layer: str | None = None,
    *,
    batch_size: int = 256,
    device: str = "auto",
    num_workers: int = 0,
    precision: str = "fp32",
    flatten: bool = False,
    progress: Progress | None = None,
    outputs: bool = False,
) -> Iterator[tuple[torch.Tensor, ...]]:
    """Yield ``(embeddings float32 (B, D) on CPU, labels int64 (B,))`` batch by batch.

    With ``outputs``, the forward runs to the end and each batch also carries the model's output
    (float32 on CPU): ``(embeddings, labels, outputs)``.

    The generator's return value (``StopIteration.value``) is an ``EmbedStats``. ``precision`` is
    "fp32" (default), "bf16" or "fp16"; the last two are autocast on CUDA only (``precision_on``).

    Raises:
        LayerError: unknown layer, or one whose output is not a tensor.
        EmbeddingError: NaN/inf activations, or an unavailable device or precision.
    """
    dev = resolve_device(device)
    used = precision_on(dev, precision)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, shuffle=False, num_workers=num_workers, pin_memory=dev.type == "cuda"
    )
    total, done, start = len(dataset), 0, time.perf_counter()
    model.eval().to(dev)
    with capture(model, layer, stop=not outputs) as box, torch.inference_mode():
        for images, labels in loader:
            images = images.to(dev, non_blocking=True)
            with autocast_for(dev, used):
                out, final = hooked_forward(model, images, box)
            emb = pool(out.float(), flatten)
            if not torch.isfinite(emb).all():
                raise EmbeddingError(f"layer {box['name']!r} produced NaN or inf activations; check the model/data")
            done += len(labels)
            if progress is not None:
                progress(done, total)
            labels = torch.as_tensor(labels, dtype=torch.int64)
            if not outputs:
                yield emb.cpu(), labels
            elif not isinstance(final, torch.Tensor):
                raise EmbeddingError(
                    f"the model returns a {type(final).__name__}, not a tensor of class scores: the label-free "
                    "index, the accuracy and the confidence need one score per class"
                )
            else:
                yield emb.cpu(), labels, final.float().cpu()
    seconds = time.perf_counter() - start
    rate = done / seconds if seconds > 0 else float("inf")
    return EmbedStats(box["name"], dev.type, done, seconds, rate, used)


def _drain(gen: Iterator, consume: Callable[..., None]) -> EmbedStats:
    try:
        while True:
            try:
                batch = next(gen)
            except StopIteration as stop:
                return stop.value
            consume(*batch)
    finally:
        gen.close()  # removes the hook now, even when ``consume`` raised


def class_sums(
    model: nn.Module,
    dataset,
    layer: str | None = None,
    num_classes: int | None = None,
    keep: np.ndarray | None = None,
    predicted_parts: int | None = None,
    **kw,
) -> ClassSums:
    """Per-class float64 sums and counts of the embeddings (keyword options as ``iter_embeddings``).

    Args:
        num_classes: K (default: ``len(dataset.class_names)``); labels must lie in 0..K-1.
        keep: dataset positions whose embeddings are also returned (``ClassSums.kept``).
        predicted_parts: also tally the model's predictions (``ClassSums.predictions``), the labels
            being ``class * predicted_parts + part``; None: embeddings only (the forward stops at the layer).
    """
    k = num_classes if num_classes is not None else len(dataset.class_names)
    acc: dict[str, torch.Tensor] = {}
    wanted = np.zeros(len(dataset), dtype=bool)
    if keep is not None:
        wanted[np.asarray(keep, dtype=np.int64)] = True
    kept: list[torch.Tensor] = []
    seen = [0]
    tally = PredictionTally(k, predicted_parts) if predicted_parts else None

    def consume(emb: torch.Tensor, labels: torch.Tensor, outputs: torch.Tensor | None = None) -> None:
        if labels.numel() and (labels.min() < 0 or labels.max() >= k):
            raise EmbeddingError(f"labels must lie in 0..{k - 1}; found {int(labels.min())}..{int(labels.max())}")
        if "sums" not in acc:
            acc["sums"] = torch.zeros(k, emb.shape[1], dtype=torch.float64)
            acc["counts"] = torch.zeros(k, dtype=torch.int64)
        acc["sums"].index_add_(0, labels, emb.double())
        acc["counts"] += torch.bincount(labels, minlength=k)
        mask = torch.from_numpy(wanted[seen[0] : seen[0] + len(labels)])
        if mask.any():
            kept.append(emb[mask])
        seen[0] += len(labels)
        if tally is not None:
            tally.add(emb, labels, outputs)

    stats = _drain(iter_embeddings(model, dataset, layer, outputs=tally is not None, **kw), consume)
    if "sums" not in acc:
        raise EmbeddingError("the dataset is empty: nothing to embed")
    kept_x = torch.cat(kept).numpy() if kept else None
    predictions = tally.result() if tally is not None else None
    return ClassSums(acc["sums"].numpy(), acc["counts"].numpy(), stats, kept_x, predictions)


def collect_embeddings(model: nn.Module, dataset, layer: str | None = None, **kw) -> Embeddings:
    """Every embedding in memory (what RESQUE_task's k-means needs), with labels."""
    parts: list[torch.Tensor] = []
    labels: list[torch.Tensor] = []

    def consume(emb: torch.Tensor, lab: torch.Tensor) -> None:
        parts.append(emb)
        labels.append(lab)

    stats = _drain(iter_embeddings(model, dataset, layer, **kw), consume)
    if not parts:
        raise EmbeddingError("the dataset is empty: nothing to embed")
    return Embeddings(torch.cat(parts).numpy(), torch.cat(labels).numpy(), stats)
