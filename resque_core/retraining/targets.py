"""Target rules: when a retraining run counts as done, and the epoch at which it got there.

"base-minus" (the old model's accuracy minus a tolerance), "reachable" (the lower of that and a
fraction of what the same new data allows: the better of the best accuracy a from-scratch model and
the best a fine-tuned old model reach on it within their budgets), "case" (the "reachable" target with
one reference per shift, set by its from-scratch run and its first seed's fine-tuning, so every seed of
a case aims at the same accuracy and the target is a property of the case, not of the run), "plateau"
(validation accuracy stays within a band for a number of evaluations: the paper's cut-off) and "fixed"
(a given accuracy).
"""

from __future__ import annotations

from dataclasses import dataclass

from resque_core.errors import RetrainError

TARGET_RULES = ("base-minus", "case", "reachable", "plateau", "fixed")


@dataclass(frozen=True)
class EvalPoint:
    """One validation pass: ``epoch`` (fractional epochs trained), ``val_acc`` (0..1), ``val_loss`` (nats)."""

    epoch: float
    val_acc: float
    val_loss: float


def reachable_settled_acc(base_acc: float, tolerance: float, scratch_frac: float) -> float:
    """A reference accuracy at or above which the "reachable" target is ``base_acc - tolerance`` whatever else.

    A fine-tuning run whose best accuracy reaches this can stop: training further cannot change its target.
    """
    return min(1.0, (base_acc - tolerance) / scratch_frac)


def checked_accuracy(name: str, value: float | None) -> float:
    """``value`` as a float, or a RetrainError naming ``name`` when it is not an accuracy in [0, 1]."""
    if value is None or not 0 <= value <= 1:
        raise RetrainError(f"{name} must be an accuracy in [0, 1] for this target rule, not {value!r}")
    return float(value)


def threshold_epoch(evals: tuple[EvalPoint, ...] | list[EvalPoint], target_acc: float) -> float | None:
    """First epoch at which val accuracy reaches ``target_acc``, linearly interpolated between evaluations."""
    for i, point in enumerate(evals):
        if point.val_acc >= target_acc:
            if i == 0:
                return point.epoch
            prev = evals[i - 1]
            share = (target_acc - prev.val_acc) / (point.val_acc - prev.val_acc)
            return prev.epoch + min(max(share, 0.0), 1.0) * (point.epoch - prev.epoch)
    return None


def plateau_epoch(
    evals: list[EvalPoint], delta: float | None, patience: int, n_val: int | None = None, chance: float | None = None
) -> tuple[float, float] | None:
    """(epoch, accuracy) where the last ``patience`` evaluations began to stay within ``delta``, if they do.

    ``delta`` None: the band is the validation slice's resolution, ``noise_band(mean accuracy, n_val)``.
    ``chance``: a window whose mean accuracy is not above chance (by more than the slice's noise) is a
    model that has not started learning, not one that has converged, so it does not count.
    """
    if len(evals) < patience:
        return None
    window = [p.val_acc for p in evals[-patience:]]
    mean = sum(window) / patience
    band = delta if delta is not None else noise_band(mean, n_val)
    if max(window) - min(window) > band:
        return None
    if chance is not None and mean <= chance + (noise_band(chance, n_val) if n_val else 0.0):
        return None
    return evals[-patience].epoch, mean


def plateau_onset(
    evals: list[EvalPoint] | tuple[EvalPoint, ...],
    delta: float | None,
    patience: int,
    n_val: int | None = None,
    chance: float | None = None,
) -> tuple[float, float] | None:
    """The first plateau in a finished run's evaluations (what the "plateau" rule would have stopped at)."""
    for end in range(patience, len(evals) + 1):
        hit = plateau_epoch(list(evals[:end]), delta, patience, n_val, chance)
        if hit is not None:
            return hit
    return None


def noise_band(accuracy: float, n_val: int | None, z: float = 2.0) -> float:
    """``z`` standard errors of an accuracy measured on ``n_val`` samples (at least one sample, 1/n_val).

    Changes smaller than this are within what the validation slice can resolve, so they do not count
    as progress.
    """
    if not n_val:
        raise RetrainError("a noise-aware plateau band needs the validation size")
    p = min(max(accuracy, 0.0), 1.0)
    return max(z * (p * (1 - p) / n_val) ** 0.5, 1.0 / n_val)
