"""The (original, new) data pair an index compares: one builder for the index, the CLI and the dashboard.

A distribution shift compares the original data with new data of the same classes: given, or
simulated by the paper's split protocol (``paper_split``: original = parts 1+3, new = parts 2+3).
A task shift compares the classes the model knows with new classes: given, or simulated as the
original data's classes the model does not know (``task_split``). The shift, if any, is applied to
the new data last. Every pair that cannot be made raises, naming what is wrong: nothing falls back
to another pair silently.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from resque_core.data.base import ImageDataset
from resque_core.data.split import check_class_alignment, paper_split, task_split
from resque_core.data.views import ClassSubset, Relabeled, Shifted, Subset
from resque_core.errors import DataError, ShiftError

__all__ = ["PAIR_KINDS", "DataPair", "build_pair"]

PAIR_KINDS = ("dist", "task")


@dataclass(frozen=True)
class DataPair:
    """The data an index compares, and how it was made.

    Attributes:
        kind: "dist" (distribution shift) or "task" (new classes).
        original: what the new data is compared with. dist: the split's original part, or the whole
            original data when new data is given; task: the original data's classes the model knows
            (all of it when the model knows all or none of them).
        new: the new data, with the shift applied.
        source: the original data as opened, in full (dist embeds it once, per split part, which
            gives its noise floor).
        split: ``(original part, new part)`` of ``source`` by the paper's protocol (dist only, else None).
        simulated: True when the new data was made from ``source``, False when it was given.
        shift: the shift applied to the new data ("TYPE:LEVEL"), or None.
    """

    kind: str
    original: ImageDataset
    new: ImageDataset
    source: ImageDataset
    split: tuple[Subset, Subset] | None
    simulated: bool
    shift: str | None


def build_pair(
    source: ImageDataset,
    new: ImageDataset | None = None,
    *,
    kind: str = "dist",
    shift: str | None = None,
    seed: int = 0,
    model_classes: Sequence[str] = (),
    class_map: Mapping[str, int] | str | None = None,
) -> DataPair:
    """The (original, new) pair for an index of ``kind``, checked before anything is embedded.

    Args:
        source: the original data (what the model was trained on), opened.
        new: the new data, opened; None simulates it from ``source``.
        kind: "dist" or "task".
        shift: "TYPE:LEVEL" applied to the new data, or None.
        seed: seeds the split and the shift.
        model_classes: the model's class names; a task shift's known and unknown classes follow them.
        class_map: the model output of each of ``source``'s classes (a dict, or ``"cat=3,dog=5"``), when
            its classes are not in the model's order; ``source`` (and ``new`` when it has the same
            classes) is relabeled through it (``Relabeled``) before anything else.

    Raises:
        DataError: a dist pair whose classes differ or are empty (new classes: the message suggests a
            task shift), a class too small to split, or a class map that does not fit the data.
        ShiftError: an unknown shift, or a task shift with no new classes, no known classes to
            simulate from, or fewer than two classes with samples in the new data.
    """
    if kind not in PAIR_KINDS:
        raise ShiftError(f"unknown index kind {kind!r}; use 'dist' or 'task'")
    if class_map:
        source, new = _relabeled(source, new, class_map, list(model_classes))
    if kind == "dist":
        return _dist_pair(source, new, shift, seed)
    return _task_pair(source, new, shift, seed, list(model_classes))


def _relabeled(
    source: ImageDataset, new: ImageDataset | None, class_map: Mapping[str, int] | str, model_classes: list[str]
) -> tuple[ImageDataset, ImageDataset | None]:
    if not model_classes:
        raise DataError("a class map needs the model's class names", setting="class_map")
    same_classes = new is not None and list(new.class_names) == list(source.class_names)
    relabeled = Relabeled(source, class_map, model_classes)
    return relabeled, (Relabeled(new, class_map, model_classes) if same_classes else new)


def _new_classes_hint(source: ImageDataset, new: ImageDataset) -> None:
    """Refuse a dist pair whose new data brings classes the original lacks, pointing at the task shift."""
    extra = [n for n in new.class_names if n not in source.class_names]
    if extra:
        raise DataError(
            f"the new data {new.name!r} has classes the original {source.name!r} does not "
            f"({', '.join(map(repr, extra[:10]))}{', ...' if len(extra) > 10 else ''}): these look like new "
            "classes, a task shift rather than a distribution shift; compare them as one with {setting}",
            setting="kind",
            value="task",
        )


def _shifted(dataset: ImageDataset, shift: str | None, seed: int) -> ImageDataset:
    return Shifted(dataset, shift, seed=seed) if shift else dataset


def _dist_pair(source: ImageDataset, new: ImageDataset | None, shift: str | None, seed: int) -> DataPair:
    split = paper_split(source, seed=seed)
    target = split[1] if new is None else new
    if new is not None:
        _new_classes_hint(source, new)
    check_class_alignment(source, target)
    original = split[0] if new is None else source
    return DataPair("dist", original, _shifted(target, shift, seed), source, split, new is None, shift or None)


def _task_pair(
    source: ImageDataset, new: ImageDataset | None, shift: str | None, seed: int, model_classes: list[str]
) -> DataPair:
    names = list(source.class_names)
    known = [c for c in model_classes if c in names]
    if new is None:
        unknown = [c for c in names if c not in model_classes]
        if not unknown:
            raise ShiftError(
                f"the model already knows every class of {source.name!r}, so there are no new classes to "
                "simulate a task shift with: give the new task's data ({setting}), or use a model trained on "
                "some of the classes (e.g. default-0-4)",
                setting="new",
            )
        if not known:
            raise ShiftError(
                f"none of the model's classes ({', '.join(map(repr, model_classes))}) is in {source.name!r}, "
                "so the old task cannot be told from the new one: give the new task's data ({setting}), or use "
                "the data the model was trained on",
                setting="new",
            )
        original, target = task_split(source, known, unknown)
    else:
        original = ClassSubset(source, known) if known and len(known) < len(names) else source
        target = new
    present = [n for n, k in target.class_counts().items() if k > 0]
    if len(present) < 2:
        raise ShiftError(
            f"a task shift needs at least two classes with samples in the new data; {target.name!r} has {present}"
        )
    return DataPair("task", original, _shifted(target, shift, seed), source, None, new is None, shift or None)
