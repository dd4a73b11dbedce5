"""How to retrain and when to stop: the settings of one retraining run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from resque_core.errors import RetrainError
from resque_core.retraining.rule import StoppingRule
from resque_core.retraining.targets import TARGET_RULES, checked_accuracy

# The ``RetrainConfig`` fields a sweep's or a Validate run's settings carry under the same names (``of``).
SETTINGS = ("target_rule", "tolerance", "scratch_frac", "plateau_delta", "plateau_patience", "max_epochs", "lr",
            "batch_size", "device")  # fmt: skip


@dataclass(frozen=True)
class RetrainConfig:
    """How to retrain and when to stop.

    Attributes:
        target_rule: "base-minus" (``base_acc - tolerance``), "reachable" (``min(base_acc - tolerance,
            scratch_frac * max(scratch_acc, finetune_acc))``: what the new data allows; with no
            ``finetune_acc``, ``scratch_frac * scratch_acc`` alone, labeled so), "case" (the same formula, but
            ``finetune_acc`` is the best of the case's *first* seed's fine-tuning, so every seed of a case aims
            at one accuracy: a property of the case, not of the run), "plateau" (val accuracy stays
            within ``plateau_delta`` for ``plateau_patience`` evaluations) or "fixed" (``target_acc``).
        base_acc: the old model's accuracy on the original validation data, 0..1.
        tolerance: accuracy points (0..1) below ``base_acc`` that count as recovered.
        scratch_acc: accuracy a from-scratch model reaches on the new data ("reachable" and "case" rules).
        finetune_acc: best accuracy the old model, fine-tuned, reaches on the new data within the cap
            ("reachable" rule; the calibration sweep measures it with a run to the cap).
        reference_margin: accuracy (0..1) taken off the first seed's fine-tuned best before the "case" rule
            uses it: that best was measured on one validation slice, and the other seeds' slices and
            training orders scatter around it (the sweep passes two standard errors of the slice).
        scratch_frac: fraction of the reference accuracy the "reachable" rule asks for.
        target_acc: the "fixed" rule's target.
        plateau_delta: accuracy band (0..1) for the "plateau" rule; None: two standard errors of the
            window's mean accuracy on the validation slice (``targets.noise_band``).
        plateau_patience: evaluations that must stay in the band.
        max_epochs: the cap; reaching it first marks the run censored.
        eval_every_steps: steps between evaluations (None: four per epoch).
        lr: Adam learning rate.
        batch_size: training batch size.
        seed: seeds the data order and any fresh weights.
        head: "keep" the classifier, or a "new" one (task shift; the whole network is trained).
        from_scratch: re-initialise every layer (seeded): the cost of training from scratch.
        num_classes: classes of a new head (default: from the training set).
        device: "cpu", "cuda" or "auto".
    """

    target_rule: str = "base-minus"
    base_acc: float | None = None
    tolerance: float = 0.02
    scratch_acc: float | None = None
    finetune_acc: float | None = None
    reference_margin: float = 0.0
    scratch_frac: float = 0.97
    target_acc: float | None = None
    plateau_delta: float | None = 0.01
    plateau_patience: int = 6
    max_epochs: int = 30
    eval_every_steps: int | None = None
    lr: float = 1e-3
    batch_size: int = 32
    seed: int = 0
    head: str = "keep"
    from_scratch: bool = False
    num_classes: int | None = None
    device: str = "cpu"

    @classmethod
    def of(cls, settings: Any, **run: Any) -> RetrainConfig:
        """The config of one run under a sweep's or a Validate run's settings (``SweepConfig``,
        ``ValidationSettings``): each of ``SETTINGS`` they have, then ``run`` (the run's seed, head, base
        accuracy, rule, cap...), which wins."""
        given = {name: getattr(settings, name) for name in SETTINGS if hasattr(settings, name)}
        return cls(**{**given, **run})

    def resolve_target(self) -> tuple[float | None, StoppingRule]:
        """The target accuracy (None for "plateau") and the rule that set it."""
        rule = self.stopping_rule()
        if self.target_rule == "plateau":
            return None, rule
        if self.target_rule == "fixed":
            return checked_accuracy("target_acc", self.target_acc), rule
        base = checked_accuracy("base_acc", self.base_acc)
        if self.target_rule == "base-minus":
            return base - self.tolerance, rule
        scratch = checked_accuracy("scratch_acc", self.scratch_acc)
        reference = scratch  # "reachable" with only the from-scratch reference known (a single run)
        if self.target_rule == "case":
            finetune = scratch if self.finetune_acc is None else checked_accuracy("finetune_acc", self.finetune_acc)
            reference = max(scratch, finetune - self.reference_margin)
        elif self.finetune_acc is not None:
            reference = max(scratch, checked_accuracy("finetune_acc", self.finetune_acc))
        return min(base - self.tolerance, self.scratch_frac * reference), rule

    def stopping_rule(self) -> StoppingRule:
        """The rule these settings stop by, as the records keep it."""
        if self.target_rule == "plateau":
            return StoppingRule("plateau", plateau_delta=self.plateau_delta, plateau_patience=self.plateau_patience)
        if self.target_rule == "fixed":
            return StoppingRule("fixed", fixed_acc=self.target_acc)
        if self.target_rule == "base-minus":
            return StoppingRule("base-minus", tolerance=self.tolerance)
        if self.target_rule == "case":
            margin = self.reference_margin > 0
            return StoppingRule("case", self.tolerance, self.scratch_frac, with_finetune=True, margin_2se=margin)
        if self.target_rule == "reachable":
            finetune = self.finetune_acc is not None
            return StoppingRule("reachable", self.tolerance, self.scratch_frac, with_finetune=finetune)
        raise RetrainError(f"unknown target rule {self.target_rule!r}; use one of {', '.join(TARGET_RULES)}")

    def validate(self) -> None:
        """Raise RetrainError on a setting that cannot work."""
        checks = {
            "max_epochs must be >= 1": self.max_epochs >= 1,
            "batch_size must be >= 1": self.batch_size >= 1,
            "lr must be positive": self.lr > 0,
            "eval_every_steps must be >= 1": self.eval_every_steps is None or self.eval_every_steps >= 1,
            "head must be 'keep' or 'new'": self.head in ("keep", "new"),
            "tolerance must be in [0, 1)": 0 <= self.tolerance < 1,
            "scratch_frac must be in (0, 1]": 0 < self.scratch_frac <= 1,
            "plateau_patience must be >= 2": self.plateau_patience >= 2,
            "plateau_delta must be None or in (0, 1]": self.plateau_delta is None or 0 < self.plateau_delta <= 1,
            "device must be 'cpu', 'cuda' or 'auto'": self.device in ("cpu", "cuda", "auto"),
        }
        bad = [msg for msg, ok in checks.items() if not ok]
        if bad:
            raise RetrainError("; ".join(bad))
        self.resolve_target()
