"""What one retraining run records: its evaluations, its epochs, and its outcome (units in the docstrings)."""

from __future__ import annotations

from dataclasses import dataclass, field

from torch import nn

from resque_core.retraining.rule import StoppingRule
from resque_core.retraining.targets import EvalPoint, threshold_epoch


@dataclass(frozen=True)
class EpochRecord:
    """One epoch (the last may be partial: ``fraction`` < 1).

    Losses are mean cross-entropy in nats, accuracies 0..1; ``train_*`` are running values over the
    epoch's steps, ``val_*`` the evaluation at its end. ``grad_norm``: global gradient L2 norm averaged
    over the epoch's steps. ``param_change``: ||theta - theta_0|| / sqrt(n) at its end. ``seconds``,
    ``energy_kwh`` and ``co2_kg`` cover its training steps; the evaluations made only to count epochs
    finely take ``eval_seconds`` and their share of the meter's energy is left out (None without a meter).
    """

    epoch: int
    fraction: float
    train_loss: float
    train_acc: float
    val_loss: float
    val_acc: float
    grad_norm: float
    param_change: float
    seconds: float
    eval_seconds: float = 0.0
    energy_kwh: float | None = None
    co2_kg: float | None = None


@dataclass(frozen=True)
class RetrainResult:
    """The outcome of one run. Totals sum the history; ``epochs`` is fractional.

    ``epochs``: epochs to reach the target (interpolated between evaluations); when ``censored`` or
    ``cancelled``, the epochs trained (a lower bound). ``target_rule``: the rule it stopped by.
    ``target_acc`` is None only for a censored "plateau" run. ``grad_norm``: mean over all steps;
    ``param_change``: at the end.
    """

    epochs: float
    reached: bool
    censored: bool
    cancelled: bool
    target_rule: StoppingRule
    target_acc: float | None
    start_acc: float
    best_val_acc: float
    final_val_acc: float
    max_epochs: int
    steps: int
    steps_per_epoch: int
    grad_norm: float
    param_change: float
    seconds: float
    energy_kwh: float | None
    co2_kg: float | None
    energy_source: str
    history: tuple[EpochRecord, ...]
    evals: tuple[EvalPoint, ...]
    from_scratch: bool
    head: str
    model: nn.Module | None = field(default=None, compare=False, repr=False)

    @property
    def kwh_per_epoch(self) -> float | None:
        """Energy per full epoch trained, in kWh (None without a meter)."""
        trained = sum(r.fraction for r in self.history)
        return self.energy_kwh / trained if self.energy_kwh is not None and trained > 0 else None

    def epochs_to(self, target_acc: float) -> float | None:
        """Epochs this run took to first reach ``target_acc`` (None if it never did)."""
        return threshold_epoch(self.evals, target_acc)
