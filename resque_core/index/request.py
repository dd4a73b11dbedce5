"""What ``compute_index`` is asked to compute: the ``IndexRequest`` and the choices it accepts."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from resque_core.data.base import ImageDataset
from resque_core.model.source import ModelSource

KINDS = ("dist", "task")
TASK_VARIANTS = ("centroids", "k-means++", "flat")
PRECISIONS = ("fp32", "bf16", "fp16")  # the embedding's forward: bf16/fp16 are autocast on CUDA only
LABELS = ("given", "predicted")  # how the new data is grouped by class: its labels, or the old model's predictions
EXECUTORS = ("local", "ray")  # where the embedding passes run: here, or on Ray (``index.distributed``)


@dataclass(frozen=True)
class IndexRequest:
    """What to compute. Sources are ``open_source`` specs ("digits", a path, "torchvision:NAME") or
    already opened ``ImageDataset`` objects.

    Attributes:
        model: the checkpoint and how to read it.
        original: the data the model was trained on.
        new: the new data; None = simulate it from ``original`` (split protocol, or for ``task``
            the classes the model does not know, e.g. digits 5-9 for the 0-4 model).
        shift: "TYPE:LEVEL" applied to the new data, or None.
        kind: "dist" (distribution shift) or "task" (new classes).
        class_map: the model output of each of the original data's classes ("cat=3,dog=5"), "auto"
            to accept what ``index.class_check`` proposes, or None (refused when the check finds the
            data's classes out of the model's order).
        accept_low_accuracy: use a model that scores near chance on its original data (refused by default:
            ``index.class_check.refuse_near_chance`` names the likely causes).
        layer: layer to embed (None = input of the final linear classifier).
        task_variant: "centroids" (headline), "k-means++" or "flat" (non-averaged C*H*W).
        max_points: cap on the points of the 2-D projection (0 = no projection).
        precision: the embedding's forward, "fp32" (default), "bf16" or "fp16"; the last two are
            autocast on CUDA only, elsewhere the pass runs in fp32 and the report says so.
        labels: "given" (default: the new data grouped by its labels) or "predicted" (by the old model's
            predicted class: the label-free RESQUE_dist, for new data without labels; dist only).
        executor: where the embedding passes run: "local" (default, this process) or "ray" (Ray Data over a
            pool of model actors, ``index.distributed``). With it: ``address`` ("auto" or "ray://HOST:PORT"
            joins a cluster; None starts a local Ray), ``workers`` (model actors; None: what the cluster fits)
            and ``gpus_per_run`` (GPUs per actor). They say how, not what: the index is the same (within float
            noise), so they take no part in equality (nor in the dashboard's cache key).
    """

    model: ModelSource = field(default_factory=ModelSource)
    original: str | ImageDataset = "digits"
    new: str | ImageDataset | None = None
    shift: str | None = None
    kind: str = "dist"
    layer: str | None = None
    batch_size: int = 256
    device: str = "auto"
    seed: int = 0
    class_map: str | None = None
    task_variant: str = "centroids"
    allow_download: bool = False
    max_points: int = 1000
    precision: str = "fp32"
    labels: str = "given"
    accept_low_accuracy: bool = False
    executor: str = field(default="local", compare=False)
    address: str | None = field(default=None, compare=False)
    workers: int | None = field(default=None, compare=False)
    gpus_per_run: float = field(default=0.0, compare=False)

    @classmethod
    def from_inputs(cls, inputs: dict[str, Any]) -> IndexRequest:
        """A request from one flat dict: ``ModelSource.inputs()`` merged with the other fields (the page's form)."""
        model_keys = {f.name for f in fields(ModelSource)}
        model = ModelSource.from_inputs({k: v for k, v in inputs.items() if k in model_keys})
        return cls(model=model, **{k: v for k, v in inputs.items() if k not in model_keys})


def embed_kwargs(request: IndexRequest) -> dict:
    """The keyword arguments every embedding pass of this request shares."""
    return {"batch_size": request.batch_size, "device": request.device, "precision": request.precision}
