"""How original and new datasets are made from one dataset, and checked against each other.

The paper's protocol for a distribution shift: each class is split (seeded, stratified) into
three parts of 50/30/20 %; original = parts 1+3, new = parts 2+3, and the caller applies the shift
to the new part (``Shifted``). The shared part 3 is what makes the two sets comparable.
A task shift keeps some classes for the old task and others for the new one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from resque_core.data.base import ImageDataset
from resque_core.data.views import ClassSubset, Subset, resolve_classes
from resque_core.errors import DataError, ShiftError

PAPER_FRACTIONS = (0.5, 0.3, 0.2)  # the paper's split: original-only, new-only, shared


def part_sizes(n: int, fractions: Sequence[float]) -> list[int]:
    """Split ``n`` into integer parts closest to ``n * fractions`` (largest remainder), summing to n."""
    exact = [n * f for f in fractions]
    sizes = [int(np.floor(e)) for e in exact]
    by_remainder = sorted(range(len(exact)), key=lambda k: (sizes[k] - exact[k], k))
    for k in by_remainder[: n - sum(sizes)]:
        sizes[k] += 1
    return sizes


def _check_fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    f = tuple(float(x) for x in fractions)
    if len(f) != 3 or min(f) < 0 or abs(sum(f) - 1) > 1e-6 or f[0] + f[2] <= 0 or f[1] + f[2] <= 0:
        raise DataError(
            f"split fractions must be three non-negative numbers summing to 1, e.g. (0.5, 0.3, 0.2); got {fractions!r}"
        )
    return f  # type: ignore[return-value]


def paper_split(
    dataset: ImageDataset, seed: int, fractions: Sequence[float] = PAPER_FRACTIONS
) -> tuple[Subset, Subset]:
    """Split each class into three seeded parts; return (original = parts 1+3, new = parts 2+3).

    Raises:
        DataError: bad fractions, or a class too small to appear in both the original and the new set.
    """
    f = _check_fractions(fractions)
    rng = np.random.default_rng(seed)
    original, new, too_small = [], [], []
    for c, members in dataset.class_indices().items():
        shuffled = rng.permutation(members)
        n1, n2, _ = part_sizes(len(members), f)
        part1, part2, part3 = shuffled[:n1], shuffled[n1 : n1 + n2], shuffled[n1 + n2 :]
        if len(part1) + len(part3) == 0 or len(part2) + len(part3) == 0:
            too_small.append(f"'{dataset.class_names[c]}' ({len(members)} samples)")
        original.append(np.concatenate([part1, part3]))
        new.append(np.concatenate([part2, part3]))
    if too_small:
        raise DataError(
            f"classes too small to split into original and new data: {', '.join(too_small)}; "
            "each class needs samples in both parts"
        )
    return Subset(dataset, np.sort(np.concatenate(original))), Subset(dataset, np.sort(np.concatenate(new)))


def check_class_alignment(original: ImageDataset, new: ImageDataset) -> None:
    """Refuse an original/new pair whose classes differ or where a class has no samples.

    Raises:
        DataError: naming every class that is missing from, or empty in, either dataset.
    """
    old_names, new_names = list(original.class_names), list(new.class_names)
    problems = []
    if old_names != new_names:
        only_old = [n for n in old_names if n not in new_names]
        only_new = [n for n in new_names if n not in old_names]
        problems += [f"class '{n}' is missing from the new dataset" for n in only_old]
        problems += [f"class '{n}' is missing from the original dataset" for n in only_new]
        if not only_old and not only_new:
            problems.append(f"the classes are in a different order: {old_names} vs {new_names}")
    for label, data in (("original", original), ("new", new)):
        problems += [
            f"class '{n}' has no samples in the {label} dataset" for n, k in data.class_counts().items() if k == 0
        ]
    if problems:
        raise DataError("; ".join(problems) + ". Both datasets need the same classes, each with samples.")


def task_split(
    dataset: ImageDataset, old_classes: Sequence[str] | Sequence[int], new_classes: Sequence[str] | Sequence[int]
) -> tuple[ClassSubset, ClassSubset]:
    """Split by class into the old task and the new task, e.g. digits 0-4 vs 5-9.

    Raises:
        ShiftError: an unknown class, or a class in both tasks.
    """
    old, new = resolve_classes(dataset, old_classes), resolve_classes(dataset, new_classes)
    shared = sorted(set(old) & set(new))
    if shared:
        names = ", ".join(f"'{dataset.class_names[c]}'" for c in shared)
        raise ShiftError(f"classes {names} are in both the old and the new task; a task split needs disjoint classes")
    return ClassSubset(dataset, old_classes), ClassSubset(dataset, new_classes)
