"""Embedding passes on Ray (``RayPasses``): the data streamed through Ray Data over a pool of model actors.

``index --executor ray`` runs each embedding pass of ``compute_index`` as the dataset's positions, cut in
batches, ``map_batches`` over a fixed pool of ``EmbedActor`` workers (GPU actors with ``gpus_per_run``).
Each actor loads the model once through the same ``ModelSource.load`` as the driver, then runs the local
path's ``embed.class_sums`` or ``embed.collect_embeddings`` on each batch: one definition of the per-class
sums. The driver adds each batch's float64 sums, counts and prediction tallies as they come back, in any
order, so its memory stays O(classes x dim) for RESQUE_dist. RESQUE_task's k-means needs every embedding
of the data: those are gathered on the driver (N x dim, as the local path holds them). The index is then
computed by the same ``indices`` functions as locally, equal within float noise (the order of additions).

Every node needs the data and checkpoint paths the request names (a local Ray shares this machine's).
Ray is imported only when a request picks it (joining it: ``ray_cluster``; the actors: ``embed_actor``).
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import replace

import numpy as np

from resque_core.errors import EmbeddingError, ResqueError
from resque_core.index.embed import ClassSums, Embeddings, EmbedStats
from resque_core.index.embed_actor import EmbedActor
from resque_core.index.predictions import Predictions
from resque_core.index.progress import Progress
from resque_core.index.ray_cluster import connect, fitting_workers
from resque_core.index.request import IndexRequest
from resque_core.model.layers import resolve_layer
from resque_core.model.loaded import LoadedModel
from resque_core.model.source import ModelSource

__all__ = ["RayPasses"]

RAISED = re.compile(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception)): (.+)$")  # "x.y.LayerError: message"
SUMMED = ("sums", "counts", "p_sums", "p_counts", "p_n", "p_correct", "p_conf")  # what batches add up


class RayPasses:
    """``class_sums`` / ``collect_embeddings`` with ``LocalPasses``' signatures, each pass run by Ray Data.

    Use as a context manager: entering joins ``request.address`` (or starts a local Ray, or uses the one
    this process already started), leaving shuts down a Ray it started.
    """

    def __init__(self, request: IndexRequest, loaded: LoadedModel) -> None:
        if (request.workers is not None and request.workers < 1) or request.gpus_per_run < 0:
            raise ResqueError(
                f"--workers must be >= 1 and --gpus-per-run >= 0; got {request.workers}, {request.gpus_per_run}"
            )
        resolve_layer(loaded.model, request.layer)  # an unknown layer is refused here, before any actor starts
        stem = loaded.meta.get("stem", request.model.stem)  # a max-pool chosen by measuring (model.stem_choice)
        self.source = _portable(replace(request.model, input_spec=loaded.input_spec, stem=stem))
        self.address, self.workers, self.gpus = request.address, request.workers, request.gpus_per_run
        self.ray, self.owned = None, False

    def __enter__(self) -> RayPasses:
        self.ray, self.owned = connect(self.address)
        return self

    def __exit__(self, *exc) -> None:
        if self.owned:
            self.ray.shutdown()

    def class_sums(
        self,
        dataset,
        layer: str | None = None,
        num_classes: int | None = None,
        keep: np.ndarray | None = None,
        predicted_parts: int | None = None,
        progress: Progress | None = None,
        **kw,
    ) -> ClassSums:
        """As ``embed.class_sums``: each batch's sums, counts and tallies, added on the driver as they come."""
        k = num_classes if num_classes is not None else len(dataset.class_names)
        keep = None if keep is None else np.asarray(keep, dtype=np.int64)
        task = {"mode": "sums", "layer": layer, "num_classes": k, "keep": keep, "parts": predicted_parts, "kw": kw}
        totals: dict[str, np.ndarray] = {}
        kept: list[tuple[np.ndarray, np.ndarray]] = []

        def add(out: dict, i: int) -> None:
            for name in SUMMED:
                if name in out:
                    totals[name] = totals[name] + out[name][i] if name in totals else np.array(out[name][i])
            if keep is not None:
                kept.append((np.asarray(out["kept_pos"][i]), np.asarray(out["kept"][i])))

        stats = self._run(dataset, task, add, progress)
        predictions = None
        if predicted_parts:
            parts = (totals[name] for name in ("p_sums", "p_counts", "p_n", "p_correct", "p_conf"))
            predictions = Predictions(*parts)
        return ClassSums(totals["sums"], totals["counts"], stats, _in_order(kept), predictions)

    def collect_embeddings(
        self, dataset, layer: str | None = None, progress: Progress | None = None, **kw
    ) -> Embeddings:
        """As ``embed.collect_embeddings``: every embedding, gathered on the driver in the dataset's order."""
        n = len(dataset)
        gathered: dict[str, np.ndarray] = {}

        def add(out: dict, i: int) -> None:
            positions, x = np.asarray(out["positions"][i]), np.asarray(out["x"][i])
            if "x" not in gathered:
                gathered["x"] = np.zeros((n, x.shape[1]), dtype=np.float32)
                gathered["labels"] = np.zeros(n, dtype=np.int64)
            gathered["x"][positions] = x
            gathered["labels"][positions] = out["labels"][i]

        stats = self._run(dataset, {"mode": "collect", "layer": layer, "kw": kw}, add, progress)
        return Embeddings(gathered["x"], gathered["labels"], stats)

    def _run(self, dataset, task: dict, add, progress: Progress | None) -> EmbedStats:
        """One pass: batches of positions through the actor pool; ``add(output, row)`` for each batch back."""
        ray, n = self.ray, len(dataset)
        if n == 0:
            raise EmbeddingError("the dataset is empty: nothing to embed")
        batch = int(task["kw"].get("batch_size", 256))
        context = ray.data.DataContext.get_current()  # the caller draws progress; Ray Data stays quiet
        context.enable_progress_bars = context.print_on_execution_start = False
        positions = np.array_split(np.arange(n, dtype=np.int64), -(-n // batch))
        # from_numpy: the positions are in the object store already, so no read task competes with the actors
        data = ray.data.from_numpy(positions).map_batches(
            EmbedActor,
            batch_size=None,
            fn_constructor_args=(self.source, ray.put(dataset), task),
            compute=ray.data.ActorPoolStrategy(size=self._pool_size(len(positions))),
            num_cpus=1,
            num_gpus=self.gpus or None,
        )
        start, done, meta = time.perf_counter(), 0, {}
        quiet = logging.getLogger("ray.data")  # a worker's error is ours to say, in one sentence, not Ray's traceback
        level, quiet.level = quiet.level, logging.CRITICAL
        try:
            for out in data.iter_batches(batch_size=None, batch_format="numpy"):
                for i in range(len(out["n"])):
                    add(out, i)
                    done += int(out["n"][i])
                    meta = {
                        "layer": str(out["layer"][i]),
                        "device": str(out["device"][i]),
                        "precision": str(out["precision"][i]),
                    }
                if progress is not None:
                    progress(done, n)
        except Exception as exc:  # a worker's error comes wrapped by Ray: ours is re-raised as it was
            raise _ours(exc) from exc
        finally:
            quiet.setLevel(level)
        seconds = time.perf_counter() - start
        return EmbedStats(
            meta["layer"],
            meta["device"],
            done,
            seconds,
            done / seconds if seconds > 0 else float("inf"),
            meta["precision"],
        )

    def _pool_size(self, batches: int) -> int:
        """Actors: ``workers`` (default: as many as the cluster's CPUs and GPUs fit), never more than the batches."""
        have = self.ray.cluster_resources()
        fits = fitting_workers(have, 1.0, self.gpus)
        if fits < 1:
            raise ResqueError(
                f"the Ray cluster has {have.get('GPU', 0):g} GPUs: not enough for one model actor at --gpus-per-run "
                f"{self.gpus:g}; lower it or join a cluster with GPUs"
            )
        return max(1, min(fits, batches, self.workers or fits))


def _in_order(kept: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray | None:
    """The kept embeddings of every batch, in the dataset's order (as ``embed.class_sums`` keeps them)."""
    if not kept:
        return None
    positions = np.concatenate([p for p, _ in kept])
    x = np.concatenate([e.reshape(len(p), -1) for p, e in kept]).astype(np.float32)
    return x[np.argsort(positions, kind="stable")] if len(positions) else None


def _portable(source: ModelSource) -> ModelSource:
    """The source with a checkpoint and model file that are paths made absolute (workers start elsewhere)."""
    checkpoint = os.path.abspath(source.checkpoint) if os.path.exists(source.checkpoint) else source.checkpoint
    model_file = source.model_file
    if model_file:
        path, sep, name = model_file.rpartition(":")
        if path and os.path.exists(path):
            model_file = f"{os.path.abspath(path)}{sep}{name}"
    return replace(source, checkpoint=checkpoint, model_file=model_file)


def _ours(exc: BaseException) -> ResqueError:
    """The ``ResqueError`` a model actor raised, rebuilt from Ray's report of it; else one sentence naming the cause.

    Ray hands the driver the worker's traceback as text: its first ``Name: message`` line names the error.
    """
    kinds, ours = [ResqueError], {}
    while kinds:  # ResqueError and every subclass, by name
        kind = kinds.pop()
        ours[kind.__name__] = kind
        kinds += kind.__subclasses__()
    raised = [m for m in (RAISED.match(line.strip()) for line in str(exc).splitlines()) if m]
    for name, message in (m.groups() for m in raised):
        if name in ours:
            return ours[name](message)
    cause = ": ".join(raised[0].groups()) if raised else type(exc).__name__
    return EmbeddingError(f"the embedding pass on Ray failed ({cause[:200]}); run it with --executor local to see more")
