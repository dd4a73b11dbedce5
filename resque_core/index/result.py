"""What ``compute_index`` returns: the ``IndexReport``, and how the runners assemble it."""

from __future__ import annotations

from dataclasses import dataclass, field

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
