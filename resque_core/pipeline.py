"""One call from a request (checkpoint, data, shift, kind) to a RESQUE index report.

The CLI (``python -m resque_core index``) and the dashboard both call ``compute_index``. For a
distribution shift with no ``new`` dataset given, the paper's protocol is applied to the original
data: each class split 50/30/20 (seeded); original = parts 1+3, new = parts 2+3, shifted. The
original data is embedded once with per-(class, part) sums, which yields the original sums, the
clean new sums and so the *noise floor* (the index of the unshifted split) at no extra cost.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from torch.utils.data import Dataset

from resque_core.data.base import ImageDataset, InputSpec
from resque_core.errors import ResqueError

log = logging.getLogger(__name__)

KINDS = ("dist", "task")
TASK_VARIANTS = ("centroids", "kmeans++", "flat")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class IndexRequest:
    """What to compute. Sources are ``open_source`` specs ("digits", a path, "torchvision:NAME") or
    already opened ``ImageDataset`` objects.

    Attributes:
        checkpoint: a path, "default" (digits 0-9) or "default-0-4".
        original: the data the model was trained on.
        new: the new data; None = simulate it from ``original`` (split protocol, or for ``task``
            the classes the model does not know, e.g. digits 5-9 for the 0-4 model).
        shift: "TYPE:LEVEL" applied to the new data, or None.
        kind: "dist" (distribution shift) or "task" (new classes).
        layer: layer to embed (None = input of the final linear classifier).
        task_variant: "centroids" (headline), "kmeans++" or "flat" (non-averaged C*H*W).
        max_points: cap on the points of the 2-D projection (0 = no projection).
    """

    checkpoint: str = "default"
    original: str | ImageDataset = "digits"
    new: str | ImageDataset | None = None
    shift: str | None = None
    kind: str = "dist"
    layer: str | None = None
    batch_size: int = 256
    device: str = "auto"
    seed: int = 0
    trust: bool = False
    arch: str | None = None
    input_spec: InputSpec | None = None
    task_variant: str = "centroids"
    allow_download: bool = False
    max_points: int = 1000


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
        }


class _Relabelled(Dataset):
    """``base`` with other integer labels (e.g. class * 3 + part), images untouched."""

    def __init__(self, base, labels: np.ndarray) -> None:
        self.base, self.labels = base, np.asarray(labels, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int):
        return self.base[i][0], int(self.labels[i])


class _Progress:
    """Turns per-pass (done, total) callbacks into one (done, total) over every pass."""

    def __init__(self, callback: Progress | None, total: int) -> None:
        self.callback, self.total, self.offset = callback, total, 0

    def pass_callback(self, size: int) -> Progress | None:
        if self.callback is None:
            return None
        offset = self.offset
        self.offset += size
        return lambda done, _total: self.callback(offset + done, self.total)


def compute_index(request: IndexRequest, progress: Progress | None = None) -> IndexReport:
    """Load, embed and compute the index the request asks for.

    Args:
        request: what to compute.
        progress: called as ``progress(images_done, images_total)`` over every embedding pass.

    Raises:
        ResqueError: any bad input (checkpoint, data, shift, layer, device), with a message to act on.
    """
    if request.kind not in KINDS:
        raise ResqueError(f"unknown index kind {request.kind!r}; use 'dist' or 'task'")
    if request.task_variant not in TASK_VARIANTS:
        raise ResqueError(f"unknown task variant {request.task_variant!r}; use one of {', '.join(TASK_VARIANTS)}")
    from resque_core.checkpoint import load_checkpoint
    from resque_core.data import ShiftSpec

    start = time.perf_counter()
    if request.shift:
        ShiftSpec.parse(request.shift)  # fail on a bad shift before loading anything heavy
    loaded = load_checkpoint(request.checkpoint, trust=request.trust, arch=request.arch, input_spec=request.input_spec)
    original = _open(request.original, request.allow_download)
    new = _open(request.new, request.allow_download) if request.new not in (None, "") else None
    run = _run_dist if request.kind == "dist" else _run_task
    report = run(request, loaded, original, new, progress)
    seconds = time.perf_counter() - start
    log.info("RESQUE_%s = %.4f (noise floor %s, %.1f s)", request.kind, report.value, report.noise_floor, seconds)
    return replace(report, seconds=seconds)


def _open(source, allow_download: bool):
    """A source spec is opened; an already opened ``ImageDataset`` (an upload) is used as is."""
    from resque_core.data import open_source

    return open_source(source, allow_download=allow_download) if isinstance(source, str) else source


def _embed_kwargs(request: IndexRequest) -> dict:
    return {"batch_size": request.batch_size, "device": request.device}


def _sample(positions: np.ndarray, n: int, seed: int) -> np.ndarray:
    """At most ``n`` of ``positions``, seeded, sorted (the order embeddings stream in)."""
    if len(positions) <= n:
        return np.sort(positions)
    return np.sort(np.random.default_rng(seed).choice(positions, size=n, replace=False))


def _run_dist(request: IndexRequest, loaded, original, new, progress: Progress | None) -> IndexReport:
    from resque_core.data import Preprocessed, Shifted, check_class_alignment, paper_split
    from resque_core.embed import class_sums
    from resque_core.indices import resque_dist

    orig_part, new_part = paper_split(original, seed=request.seed)
    target = new if new is not None else new_part
    check_class_alignment(original, target)  # names the missing or empty class, before any embedding
    shifted = Shifted(target, request.shift, seed=request.seed) if request.shift else target
    second_pass = new is not None or request.shift is not None
    tracker = _Progress(progress, len(original) + (len(shifted) if second_pass else 0))
    names, half = list(original.class_names), request.max_points // 2
    in_o = np.isin(np.arange(len(original)), orig_part.indices)
    in_n = np.isin(np.arange(len(original)), new_part.indices)
    keep_o = _sample(np.flatnonzero(in_o if new is None else np.ones_like(in_o)), half, request.seed)
    keep_n = _sample(np.flatnonzero(in_n) if not second_pass else np.arange(len(shifted)), half, request.seed + 1)
    parts, first = _embed_parts(
        request, loaded, original, in_o, in_n, keep_o if second_pass else np.union1d(keep_o, keep_n), tracker
    )
    floor = resque_dist(parts[:, 0] + parts[:, 2], parts[:, 1] + parts[:, 2], names)
    result, stats, kept_o, kept_n = floor, [first.stats], first.kept, first.kept
    if second_pass:
        second = class_sums(
            loaded.model,
            Preprocessed(shifted, loaded.input_spec),
            request.layer,
            keep=keep_n if half else None,
            progress=tracker.pass_callback(len(shifted)),
            **_embed_kwargs(request),
        )
        original_sums = parts[:, 0] + parts[:, 2] if new is None else parts.sum(axis=1)
        result, stats, kept_n = resque_dist(original_sums, second.sums, names), [*stats, second.stats], second.kept
    elif kept_o is not None:  # one pass embedded both samples: pick each out of the union
        union = np.union1d(keep_o, keep_n)
        kept_o, kept_n = kept_o[np.isin(union, keep_o)], kept_n[np.isin(union, keep_n)]
    projection = None
    if half and kept_o is not None and kept_n is not None:
        labels_n = (shifted.targets if second_pass else original.targets)[keep_n]
        projection = project_2d(
            kept_o, [names[t] for t in original.targets[keep_o]], kept_n, [names[t] for t in labels_n]
        )
    n_original = len(orig_part) if new is None else len(original)
    return _report(
        "dist", result.value, result.per_class, floor.value, n_original, len(shifted), stats, request, projection
    )


def _embed_parts(request, loaded, original, in_o: np.ndarray, in_n: np.ndarray, keep: np.ndarray, tracker: _Progress):
    """One pass over the original data, summed per (class, split part): (K, 3, D) and the ClassSums.

    Part 0 is split part 1 (original only), part 1 is split part 2 (new only), part 2 is the shared part 3.
    """
    from resque_core.data import Preprocessed
    from resque_core.embed import class_sums

    part = np.where(in_o & in_n, 2, np.where(in_o, 0, 1))
    k = len(original.class_names)
    result = class_sums(
        loaded.model,
        _Relabelled(Preprocessed(original, loaded.input_spec), original.targets * 3 + part),
        request.layer,
        num_classes=3 * k,
        keep=keep if request.max_points > 1 else None,
        progress=tracker.pass_callback(len(original)),
        **_embed_kwargs(request),
    )
    return result.sums.reshape(k, 3, -1), result


def _run_task(request: IndexRequest, loaded, original, new, progress: Progress | None) -> IndexReport:
    from resque_core.data import ClassSubset, Preprocessed, Shifted
    from resque_core.embed import collect_embeddings
    from resque_core.errors import EmbeddingError, ShiftError
    from resque_core.indices import resque_task

    known = [c for c in loaded.class_names if c in original.class_names]
    if new is None:
        unknown = [c for c in original.class_names if c not in loaded.class_names]
        if not unknown:
            raise ShiftError(
                f"the model already knows every class of {original.name!r}: give the new task's data "
                "(--new), or use a model trained on some of the classes (e.g. default-0-4)"
            )
        new = ClassSubset(original, unknown)
    old = ClassSubset(original, known) if known and len(known) < len(original.class_names) else original
    target = Shifted(new, request.shift, seed=request.seed) if request.shift else new
    present = [n for n, k in target.class_counts().items() if k > 0]
    if len(present) < 2:
        raise EmbeddingError(
            f"RESQUE_task needs at least two classes with samples in the new data; {target.name!r} has {present}"
        )
    tracker = _Progress(progress, len(target) + len(old))
    init = "k-means++" if request.task_variant == "kmeans++" else "centroids"
    kw = {**_embed_kwargs(request), "flatten": request.task_variant == "flat"}
    spec = loaded.input_spec
    new_emb = collect_embeddings(
        loaded.model, Preprocessed(target, spec), request.layer, progress=tracker.pass_callback(len(target)), **kw
    )
    result = resque_task(new_emb.x, new_emb.labels, init=init, seed=request.seed)
    old_emb = collect_embeddings(
        loaded.model, Preprocessed(old, spec), request.layer, progress=tracker.pass_callback(len(old)), **kw
    )
    floor = (
        resque_task(old_emb.x, old_emb.labels, init=init, seed=request.seed).value if len(old.class_names) > 1 else None
    )
    projection = None
    if request.max_points > 1:
        half = request.max_points // 2
        ko, kn = (
            _sample(np.arange(len(old)), half, request.seed),
            _sample(np.arange(len(target)), half, request.seed + 1),
        )
        projection = project_2d(
            old_emb.x[ko],
            [old.class_names[t] for t in old_emb.labels[ko]],
            new_emb.x[kn],
            [target.class_names[t] for t in new_emb.labels[kn]],
        )
    stats = [new_emb.stats, old_emb.stats]
    return _report("task", result.value, {}, floor, len(old), len(target), stats, request, projection)


def _report(kind, value, per_class, floor, n_original, n_new, stats, request, projection) -> IndexReport:
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
    )


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
