"""RESQUE_task for a request: how well the old model's features cluster the new task's classes.

The pair comes from ``resque_core.data.build_pair``: with no ``new`` dataset given, the new task is
the original data's classes the model does not know (e.g. digits 5-9 for the 0-4 model). The noise
floor is the same index on the classes it does know.
"""

from __future__ import annotations

import numpy as np

from resque_core.data import DataPair, Preprocessed
from resque_core.index.passes import LocalPasses
from resque_core.index.progress import PassProgress, Progress
from resque_core.index.projection import project_2d, sample_positions
from resque_core.index.request import IndexRequest, embed_kwargs
from resque_core.index.result import IndexReport, build_report


def run_task(request: IndexRequest, loaded, pair: DataPair, progress: Progress | None, passes=None) -> IndexReport:
    """RESQUE_task of the pair's new classes, and its noise floor on the classes the model knows.

    ``passes`` runs the embedding passes (``index.passes``; default: here, on ``loaded.model``).
    """
    from resque_core.index.indices import resque_task

    passes = passes or LocalPasses(loaded.model)
    old, target = pair.original, pair.new
    tracker = PassProgress(progress, len(target) + len(old))
    init = "k-means++" if request.task_variant == "k-means++" else "centroids"
    kw = {**embed_kwargs(request), "flatten": request.task_variant == "flat"}
    spec = loaded.input_spec
    new_emb = passes.collect_embeddings(
        Preprocessed(target, spec), request.layer, progress=tracker.pass_callback(len(target)), **kw
    )
    result = resque_task(new_emb.x, new_emb.labels, init=init, seed=request.seed)
    old_emb = passes.collect_embeddings(
        Preprocessed(old, spec), request.layer, progress=tracker.pass_callback(len(old)), **kw
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
