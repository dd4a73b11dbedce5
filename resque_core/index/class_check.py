"""Does the original data number its classes the way the model does? A cheap check before an index.

A folder or zip lists its classes alphabetically ("eight", "five", ...), which need not be the order
the model was trained in; an npz keeps integer labels. Every later step (retraining, the probe,
validation) trains the old model on the data's labels, so a wrong order silently ruins them. The check
looks at the class names when both sides have them, and at the old model's accuracy on a small
stratified sample of the original data; when that accuracy is near chance, the confusion matrix's
best one-to-one assignment (Hungarian) proposes the mapping. Nothing is relabeled until the user
confirms it (``--class-map`` / the page's button); ``data.views.Relabeled`` then applies it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from resque_core.data.base import ImageDataset
from resque_core.data.class_map import format_class_map
from resque_core.data.views import ClassSubset, Preprocessed, Subset
from resque_core.errors import DataError
from resque_core.model.loaded import LoadedModel

__all__ = [
    "ClassCheck",
    "check_class_order",
    "checked_part",
    "confirmed_class_map",
    "refuse_near_chance",
    "resolve_class_map",
]

log = logging.getLogger(__name__)
SAMPLE_IMAGES = 300
MIN_PER_CLASS = 10  # fewer images of a class in the sample: too little to propose a mapping from accuracy
NEAR_CHANCE = 1.5  # an accuracy under 1.5x chance (at most halfway to 1) says the model does not know this data


@dataclass(frozen=True)
class ClassCheck:
    """What the check found.

    Attributes:
        data_classes: the data's class names, in its label order.
        model_classes: the model's class names, one per output.
        n_images: images in the stratified sample.
        accuracy: the old model's accuracy on the sample with the data's labels as they are (0..1; NaN
            when the model's output is not one score per class, and only the names were compared).
        chance: accuracy of a uniform guess over the model's outputs (0..1).
        proposal: data class -> model output when the labels look wrong and a better mapping was
            found; None when they look right (or no mapping does better).
        proposed_accuracy: the accuracy on the sample with ``proposal`` (0..1), or None.
        reason: "names" (same names, another order), "accuracy" (near chance, fixed by the
            confusion matrix), or "" when nothing is proposed.
        min_per_class: images of the rarest class in the sample (under ``MIN_PER_CLASS``: too few to
            judge the accuracy, neither to propose a mapping nor to refuse the model).
    """

    data_classes: tuple[str, ...]
    model_classes: tuple[str, ...]
    n_images: int
    accuracy: float
    chance: float
    proposal: dict[str, int] | None
    proposed_accuracy: float | None
    reason: str
    min_per_class: int = 0

    @property
    def class_map(self) -> str | None:
        """The proposal as ``--class-map`` text, e.g. ``"eight=8,five=5"``."""
        return format_class_map(self.proposal) if self.proposal else None

    def changes(self) -> list[tuple[str, int, str]]:
        """``(data class, model output, model class name)`` for each class the proposal moves."""
        data = list(self.data_classes)
        return [
            (name, out, self.model_classes[out])
            for name, out in (self.proposal or {}).items()
            if data.index(name) != out
        ]

    def message(self) -> str:
        """Why the labels look wrong and what the proposal does, in a sentence or two."""
        if not self.proposal:
            return "the data's classes agree with the model's"
        why = (
            "the data's classes have the model's names in another order"
            if self.reason == "names"
            else f"the model scores {self.accuracy:.0%} on a sample of {self.n_images} original images "
            f"(chance {self.chance:.0%}), so the data's classes are probably not in the model's order"
        )
        changes = self.changes()
        moves = "; ".join(
            f"the data's class {n!r} looks like the model's output {o} ({m!r})" for n, o, m in changes[:4]
        )
        more = f" (and {len(changes) - 4} more)" if len(changes) > 4 else ""
        after = f"; with it the model scores {self.proposed_accuracy:.0%}" if self.proposed_accuracy is not None else ""
        return f"{why}: {moves}{more}{after}"

    @property
    def near_chance(self) -> bool:
        """The model scores near chance on a sample large enough to tell (``MIN_PER_CLASS`` images of each
        class): under ``NEAR_CHANCE`` x chance, and at most halfway from chance to 1."""
        bound = min(NEAR_CHANCE * self.chance, (1 + self.chance) / 2)
        return self.min_per_class >= MIN_PER_CLASS and self.accuracy < bound

    def low_accuracy_refusal(self) -> DataError:
        """The error an index raises when the model scores near chance on its own original data."""
        return DataError(
            f"the model scores {self.accuracy:.0%} on a sample of {self.n_images} images of the original data "
            f"(chance {self.chance:.0%}): it does not recognise the data it was trained on. Likely causes: a "
            "wrong checkpoint, the data's classes in another order (a class map), the input spec (size, channels, "
            "mean/std) or the stem (with or without its max-pool). Fix it, or use the model anyway with {setting}",
            setting="accept_low_accuracy",
        )

    def refusal(self) -> DataError:
        """The error an index raises when the proposal was not confirmed."""
        return DataError(
            f"{self.message()}. Apply this mapping with {{setting}} (it is {self.class_map}), or fix the "
            "data's class order; without it, retraining, probes and validation would train the model on wrong labels",
            setting="class_map",
            value="auto",
        )


def checked_part(source: ImageDataset, kind: str, model_classes: Sequence[str]) -> ImageDataset:
    """The part of the original data the model should recognise: for a task shift, the classes it knows by name."""
    names = list(source.class_names)
    known = [c for c in model_classes if c in names]
    if kind == "task" and 0 < len(known) < len(names):
        return ClassSubset(source, known)
    return source


def check_class_order(
    loaded: LoadedModel,
    dataset: ImageDataset,
    *,
    max_images: int = SAMPLE_IMAGES,
    seed: int = 0,
    batch_size: int = 256,
) -> ClassCheck:
    """Compare the model's classes with ``dataset``'s by name and by the model's accuracy on a sample.

    Costs one forward pass over at most ``max_images`` images (stratified by class) on the CPU. Names
    decide when every data class is a model class. Otherwise a mapping is proposed only when the
    accuracy is below ``min(2 * chance, 0.5)`` with at least ``MIN_PER_CLASS`` images of each class,
    and the confusion matrix's best mapping scores at least ``max(0.5, (1 + chance) / 2)``: a model
    that recognises nothing (random weights, other data) gets a warning in the log, not a proposal.
    """
    data, model = tuple(dataset.class_names), tuple(loaded.class_names)
    chance = 1.0 / max(len(model), 1)
    by_name = _name_mapping(data, model)
    sample = Subset(dataset, _stratified(np.asarray(dataset.targets), max_images, seed))
    labels = np.asarray(sample.targets)
    predicted = _predict(loaded, sample, batch_size)
    if predicted is None:  # the model's output is not one score per class: names only
        found = ClassCheck(data, model, 0, float("nan"), chance, None, None, "")
        return found if by_name is None else _with(found, by_name, None, "names")
    accuracy = float(np.mean(predicted == labels)) if len(labels) else 1.0
    rarest = int(np.bincount(labels, minlength=len(data)).min()) if len(labels) else 0
    found = ClassCheck(data, model, len(labels), accuracy, chance, None, None, "", rarest)
    if by_name is not None:
        mapped = np.array([by_name[n] for n in data])[labels]
        return _with(found, by_name, float(np.mean(predicted == mapped)), "names")
    if accuracy >= min(2 * chance, 0.5) or rarest < MIN_PER_CLASS:
        return found
    proposal, proposed_accuracy = _best_assignment(labels, predicted, data, len(model))
    if proposed_accuracy < max(0.5, (1 + chance) / 2) or proposal == {n: i for i, n in enumerate(data)}:
        log.info(  # the index refuses such a model with the causes (``refuse_near_chance``): said once, there
            "the model scores %.2f (chance %.2f) on %s and no class mapping helps", accuracy, chance, dataset.name
        )
        return found
    return _with(found, proposal, proposed_accuracy, "accuracy")


def confirmed_class_map(
    loaded: LoadedModel,
    source: ImageDataset,
    kind: str,
    class_map: str | None,
    seed: int = 0,
    accept_low_accuracy: bool = False,
) -> str | None:
    """The class map to build the pair with, checking the data first unless the user gave a map.

    Args:
        class_map: the user's map ("cat=3,dog=5"), "auto" (accept the check's proposal) or None.
        accept_low_accuracy: use a model that scores near chance on the data (refused otherwise).

    Raises:
        DataError: the check proposes a mapping and ``class_map`` is None, or the model scores near chance
            and is not accepted (the fix is in the message).
    """
    if class_map and class_map != "auto":
        return class_map
    check = check_class_order(loaded, checked_part(source, kind, loaded.class_names), seed=seed)
    resolved = resolve_class_map(check, class_map)
    refuse_near_chance(check, accept_low_accuracy)
    return resolved


def resolve_class_map(check: ClassCheck, class_map: str | None) -> str | None:
    """The class map to build the pair with: the user's, the proposal for "auto", None when none is needed.

    Raises:
        DataError: the check proposes a mapping and the user has not confirmed one.
    """
    if class_map == "auto":
        return check.class_map
    if class_map:
        return class_map
    if check.proposal:
        raise check.refusal()
    return None


def refuse_near_chance(check: ClassCheck, accepted: bool) -> None:
    """Refuse a model that scores near chance on its original data, unless the user ``accepted`` it.

    Raises:
        DataError: the accuracy, chance and the likely causes, naming the option that accepts it.
    """
    if check.near_chance and not check.proposal and not accepted:
        raise check.low_accuracy_refusal()


def _with(found: ClassCheck, proposal: dict[str, int], accuracy: float | None, reason: str) -> ClassCheck:
    from dataclasses import replace

    return replace(found, proposal=proposal, proposed_accuracy=accuracy, reason=reason)


def _name_mapping(data: tuple[str, ...], model: tuple[str, ...]) -> dict[str, int] | None:
    """Data class -> model output by name, when every data class is a model class but the order differs."""
    if not set(data) <= set(model) or all(i < len(model) and model[i] == n for i, n in enumerate(data)):
        return None
    return {n: model.index(n) for n in data}


def _stratified(targets: np.ndarray, max_images: int, seed: int) -> np.ndarray:
    """Up to ``max_images`` indices, about as many per class, drawn with ``seed``."""
    rng = np.random.default_rng(seed)
    classes = np.unique(targets)
    per_class = max(1, max_images // max(len(classes), 1))
    picked = [rng.permutation(np.flatnonzero(targets == c))[:per_class] for c in classes]
    return np.sort(np.concatenate(picked)) if picked else np.zeros(0, dtype=np.int64)


def _predict(loaded: LoadedModel, sample: ImageDataset, batch_size: int) -> np.ndarray | None:
    """The model's top output for every image of ``sample`` (on the CPU); None when it gives no class scores."""
    loader = torch.utils.data.DataLoader(Preprocessed(sample, loaded.input_spec), batch_size=batch_size)
    model = loaded.model.eval().to("cpu")
    out = []
    with torch.inference_mode():
        for images, _ in loader:
            scores = model(images)
            if not isinstance(scores, torch.Tensor) or scores.ndim != 2:
                log.warning(
                    "the model's output is not (batch, classes) scores; its class order is checked by name only"
                )
                return None
            out.append(scores.argmax(dim=1).numpy())
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _best_assignment(
    labels: np.ndarray, predicted: np.ndarray, data: tuple[str, ...], n_outputs: int
) -> tuple[dict[str, int], float]:
    """The one-to-one data class -> model output assignment that agrees with the most predictions."""
    from scipy.optimize import linear_sum_assignment

    confusion = np.zeros((len(data), max(n_outputs, len(data))), dtype=np.int64)
    np.add.at(confusion, (labels, np.clip(predicted, 0, confusion.shape[1] - 1)), 1)
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    if np.any(cols >= n_outputs):
        return {n: i for i, n in enumerate(data)}, 0.0
    return {data[r]: int(c) for r, c in zip(rows, cols, strict=True)}, float(confusion[rows, cols].sum() / len(labels))
