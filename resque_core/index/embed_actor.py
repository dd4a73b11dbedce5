"""A model actor for the index's passes on Ray (``EmbedActor``): the model loaded once per worker, and per
batch of dataset positions the local path's ``embed.class_sums`` or ``embed.collect_embeddings``.

Its answers are numpy columns, one row per batch, that ``distributed.RayPasses`` adds up on the driver.
"""

from __future__ import annotations

import numpy as np

from resque_core.index.embed import EmbedStats
from resque_core.model.source import ModelSource

__all__ = ["EmbedActor"]


class EmbedActor:
    """A Ray Data map worker: the model loaded once; per batch of dataset positions, the local path's pass."""

    def __init__(self, source: ModelSource, dataset, task: dict) -> None:
        import ray
        import torch

        torch.set_num_threads(1)
        self.model = source.load().model
        self.dataset = ray.get(dataset) if isinstance(dataset, ray.ObjectRef) else dataset  # put once, shared
        self.task = task

    def __call__(self, batch: dict) -> dict:
        from torch.utils.data import Subset

        from resque_core.index.embed import class_sums, collect_embeddings

        positions, task = np.asarray(batch["data"], dtype=np.int64), self.task
        part = Subset(self.dataset, positions.tolist())
        if task["mode"] == "collect":
            emb = collect_embeddings(self.model, part, task["layer"], **task["kw"])
            return {**_meta(emb.stats), "positions": positions[None], "x": emb.x[None], "labels": emb.labels[None]}
        keep = None if task["keep"] is None else np.flatnonzero(np.isin(positions, task["keep"]))
        got = class_sums(
            self.model, part, task["layer"], task["num_classes"], keep=keep, predicted_parts=task["parts"], **task["kw"]
        )
        out = {**_meta(got.stats), "sums": got.sums[None], "counts": got.counts[None]}
        if keep is not None:
            kept = got.kept if got.kept is not None else np.zeros((0, got.sums.shape[1]), dtype=np.float32)
            out |= {"kept_pos": positions[keep][None], "kept": kept[None]}
        if got.predictions is not None:
            p = got.predictions
            out |= {"p_sums": p.sums[None], "p_counts": p.counts[None], "p_n": p.n[None]}
            out |= {"p_correct": p.correct[None], "p_conf": p.confidence[None]}
        return out


def _meta(stats: EmbedStats) -> dict:
    return {
        "n": np.array([stats.n_images]),
        "layer": np.array([stats.layer]),
        "device": np.array([stats.device]),
        "precision": np.array([stats.precision]),
    }
