"""RESQUE_task for a request: how well the old model's features cluster the new task's classes.

With no ``new`` dataset given, the new task is the original data's classes the model does not know
(e.g. digits 5-9 for the 0-4 model). The noise floor is the same index on the classes it does know.
"""

from __future__ import annotations

import numpy as np

from resque_core.index.progress import PassProgress, Progress
from resque_core.index.projection import project_2d, sample_positions
from resque_core.index.request import IndexRequest, embed_kwargs
from resque_core.index.result import IndexReport, build_report


def run_task(request: IndexRequest, loaded, original, new, progress: Progress | None) -> IndexReport:
    """RESQUE_task of ``new`` (or of the unknown classes of ``original``), and its noise floor."""
    from resque_core.data import ClassSubset, Preprocessed, Shifted
    from resque_core.errors import EmbeddingError, ShiftError
    from resque_core.index.embed import collect_embeddings
    from resque_core.index.indices import resque_task

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
    tracker = PassProgress(progress, len(target) + len(old))
    init = "k-means++" if request.task_variant == "kmeans++" else "centroids"
    kw = {**embed_kwargs(request), "flatten": request.task_variant == "flat"}
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
            sample_positions(np.arange(len(old)), half, request.seed),
            sample_positions(np.arange(len(target)), half, request.seed + 1),
        )
        projection = project_2d(
            old_emb.x[ko],
            [old.class_names[t] for t in old_emb.labels[ko]],
            new_emb.x[kn],
            [target.class_names[t] for t in new_emb.labels[kn]],
        )
    stats = [new_emb.stats, old_emb.stats]
    return build_report("task", result.value, {}, floor, len(old), len(target), stats, request, projection)
