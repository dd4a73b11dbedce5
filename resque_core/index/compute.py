"""One call from a request (checkpoint, data, shift, kind) to a RESQUE index report.

The CLI (``python -m resque_core index``) and the dashboard both call ``compute_index``. It checks
the request, loads the checkpoint and the data, checks that the data's classes are in the model's
order (``class_check``: refused with the fix unless a class map is given), builds the (original, new) pair with
``resque_core.data.build_pair`` (the same builder the dashboard shows), and hands it to ``dist.run_dist``
(the paper's split protocol) or ``task.run_task`` (new classes), whose embedding passes run here or, with
``executor="ray"``, on Ray (``index.passes``, ``index.distributed``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from resque_core.data.pair import DataPair
from resque_core.errors import ResqueError
from resque_core.index.class_check import (
    ClassCheck,
    check_class_order,
    checked_part,
    refuse_near_chance,
    resolve_class_map,
)
from resque_core.index.dist import run_dist
from resque_core.index.passes import embedding_passes
from resque_core.index.progress import Progress
from resque_core.index.request import EXECUTORS, KINDS, LABELS, PRECISIONS, TASK_VARIANTS, IndexRequest
from resque_core.index.result import IndexReport
from resque_core.index.task import run_task
from resque_core.model.loaded import LoadedModel

__all__ = ["check_request", "compute_index", "index_of", "input_notes", "prepare_index"]

log = logging.getLogger(__name__)


def compute_index(request: IndexRequest, progress: Progress | None = None) -> IndexReport:
    """Load, embed and compute the index the request asks for.

    Args:
        request: what to compute.
        progress: called as ``progress(images_done, images_total)`` over every embedding pass.

    Raises:
        ResqueError: any bad input (checkpoint, data, shift, layer, device), with a message to act on.
    """
    start = time.perf_counter()
    loaded, pair = prepare_index(request)
    return index_of(request, loaded, pair, progress, started=start)


def prepare_index(
    request: IndexRequest, loaded: LoadedModel | None = None, check: ClassCheck | None = None
) -> tuple[LoadedModel, DataPair]:
    """Check the request, load the model and build the data pair it compares (relabeled if confirmed).

    ``compute_index`` runs it; a caller that also retrains on the pair (``validate``) runs it once and
    passes the result to ``index_of``. A caller that keeps its own copies (the dashboard) passes the
    model it loaded from ``request`` (``loaded``) and the class check it ran on the request's original
    data (``check``), so that neither is done twice.
    """
    check_request(request)
    from resque_core.data import ShiftSpec, build_pair

    if request.shift:
        ShiftSpec.parse(request.shift)  # fail on a bad shift before loading anything heavy
    original = _open(request.original, request.allow_download)
    if loaded is None:
        loaded = request.model.load(data=original)  # a spec-less checkpoint reads its size from the data
    new = _open(request.new, request.allow_download) if request.new not in (None, "") else None
    if check is None and request.class_map in (None, "", "auto"):  # a map the user wrote is not second-guessed
        check = check_class_order(loaded, checked_part(original, request.kind, loaded.class_names), seed=request.seed)
    class_map = request.class_map if check is None else resolve_class_map(check, request.class_map)
    if check is not None:
        refuse_near_chance(check, request.accept_low_accuracy)
    pair = build_pair(
        original,
        new,
        kind=request.kind,
        shift=request.shift,
        seed=request.seed,
        model_classes=loaded.class_names,
        class_map=class_map,
    )
    return loaded, pair


def check_request(request: IndexRequest) -> None:
    """Refuse a request whose choices (kind, variant, precision, executor, labels) are unknown or do not fit.

    Raises:
        ResqueError: the first bad choice, with the accepted ones.
    """
    if request.kind not in KINDS:
        raise ResqueError(f"unknown index kind {request.kind!r}; use 'dist' or 'task'")
    if request.task_variant not in TASK_VARIANTS:
        raise ResqueError(f"unknown task variant {request.task_variant!r}; use one of {', '.join(TASK_VARIANTS)}")
    if request.precision not in PRECISIONS:
        raise ResqueError(f"unknown precision {request.precision!r}; use one of {', '.join(PRECISIONS)}")
    if request.executor not in EXECUTORS:
        raise ResqueError(f"unknown executor {request.executor!r}; use one of {', '.join(EXECUTORS)}")
    if request.labels not in LABELS:
        raise ResqueError(f"unknown labels {request.labels!r}; use one of {', '.join(LABELS)}")
    if request.kind == "task" and request.labels != "given":
        raise ResqueError(
            "the label-free index is for a distribution shift (kind dist): RESQUE_task needs the new classes' "
            "labels; use labels 'given'"
        )


def index_of(
    request: IndexRequest,
    loaded: LoadedModel,
    pair: DataPair,
    progress: Progress | None = None,
    started: float | None = None,
) -> IndexReport:
    """The index of a prepared model and pair; ``seconds`` counts from ``started`` (default: now)."""
    start = time.perf_counter() if started is None else started
    check_request(request)
    run = run_dist if request.kind == "dist" else run_task
    with embedding_passes(request, loaded) as passes:  # here, or on Ray (``request.executor``)
        report = run(request, loaded, pair, progress, passes)
    seconds = time.perf_counter() - start
    log.info("RESQUE_%s = %.4f (noise floor %s, %.1f s)", request.kind, report.value, report.noise_floor, seconds)
    notes = (*input_notes(loaded, pair), *report.notes, *_precision_notes(request, report))
    return replace(report, seconds=seconds, notes=notes)


def input_notes(loaded: LoadedModel, pair: DataPair) -> tuple[str, ...]:
    """What was assumed or changed to fit the data to the model: how its input spec and stem were chosen
    (``loaded.meta``), and new images of another size than the original ones, resized to the model's input."""
    notes = [loaded.meta[key] for key in ("input_spec_source", "stem_note") if loaded.meta.get(key)]
    height, width = loaded.input_spec.size
    new, original = (_size(data) for data in (pair.new, pair.original))
    if new is not None and new != original and new != (height, width):
        was = f" (the original ones {original[0]}x{original[1]})" if original is not None else ""
        notes.append(
            f"the new images are {new[0]}x{new[1]}{was}: resized to the model's input {height}x{width} "
            "(antialiased bilinear) before the model sees them"
        )
    return tuple(notes)


def _size(data) -> tuple[int, int] | None:
    """(height, width) of a dataset's first image; None when it is empty."""
    return tuple(int(n) for n in data.image(0).shape[1:]) if len(data) else None


def _precision_notes(request: IndexRequest, report: IndexReport) -> tuple[str, ...]:
    """A note when the precision asked for is not the one the embedding ran in (reduced precision is CUDA only)."""
    if request.precision == report.precision:
        return ()
    return (f"precision {request.precision} applies on CUDA only: the embedding ran in fp32 on {report.device}",)


def _open(source, allow_download: bool):
    """A source spec is opened; an already opened ``ImageDataset`` (an upload) is used as is."""
    from resque_core.data import open_source

    return open_source(source, allow_download=allow_download) if isinstance(source, str) else source
