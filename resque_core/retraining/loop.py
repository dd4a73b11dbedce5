"""Real retraining on the new data until validation accuracy reaches a target, measuring what it cost.

Epochs are counted at sub-epoch resolution: the model is evaluated every few steps and the epoch at
which the target is first reached is interpolated between two evaluations. A run that hits
``max_epochs`` first is *censored* (its epochs are then a lower bound), never counted as reached.
A run cancelled through ``should_stop`` returns its partial result with ``cancelled=True``; such a
result is not a calibration record. Target rules (see ``RetrainConfig``): "base-minus", "reachable",
"plateau", "fixed".
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from resque_core.energy.meters import EnergyMeter, EnergyReading
from resque_core.errors import RetrainError
from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.results import EpochRecord, RetrainResult
from resque_core.retraining.rule import StoppingRule
from resque_core.retraining.steps import (
    check_labels,
    class_count,
    evaluate,
    materialize,
    prepare_model,
    train_step,
    training_device,
)
from resque_core.retraining.targets import (
    EvalPoint,
    plateau_epoch,
    threshold_epoch,
)

__all__ = ["retrain"]

logger = logging.getLogger(__name__)


def retrain(
    model: nn.Module,
    train_set: Any,
    val_set: Any,
    config: RetrainConfig | None = None,
    meter: EnergyMeter | None = None,
    progress: Callable[[EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    evaluated: Callable[[EvalPoint], None] | None = None,
) -> RetrainResult:
    """Retrain a copy of ``model`` on ``train_set`` until accuracy on ``val_set`` reaches the target.

    Args:
        model: the old model (never modified; the trained copy is ``result.model``).
        train_set, val_set: datasets of ``(image tensor, int label)``, already preprocessed for the model.
        config: how to train and the target rule (default ``RetrainConfig()`` needs ``base_acc``).
        meter: measures each epoch's energy (none: energy fields are None).
        progress: called with each ``EpochRecord`` as it completes (for a live UI).
        should_stop: polled every step; returning True cancels (``result.cancelled``).
        evaluated: called with each evaluation (the first at epoch 0), e.g. ``live.Run.evaluated``.
    """
    config = config or RetrainConfig()
    config.validate()
    target_acc, rule = config.resolve_target()
    device = training_device(config.device)
    x_tr, y_tr = materialize(train_set)
    x_val, y_val = materialize(val_set)
    net = prepare_model(model, config, class_count(config, train_set, y_tr, y_val)).to(device)
    check_labels(net, y_tr, y_val)
    run = _Run(net, config, target_acc, (x_tr, y_tr), (x_val, y_val), device, meter, evaluated)
    try:
        run.evals.append(run.evaluate(0.0))
    except RuntimeError as exc:
        raise RetrainError(f"the model cannot run on this data ({exc}); check its input size and channels") from exc
    run.check_stop()
    epoch = 0
    while run.status is None and epoch < config.max_epochs:
        epoch += 1
        record = run.epoch(epoch, should_stop)
        if progress is not None:
            progress(record)
    return run.result(rule, epoch)


class _Run:
    """The mutable state of one retraining run (kept out of the public API)."""

    def __init__(self, net, config, target_acc, train, val, device, meter, evaluated=None):
        self.net, self.config, self.target_acc, self.device, self.meter = net, config, target_acc, device, meter
        self.on_eval = evaluated
        self.x, self.y = train
        self.x_val, self.y_val = val
        self.chance = 1.0 / len(torch.unique(self.y_val))  # accuracy of a constant guess on balanced classes
        self.steps_per_epoch = math.ceil(len(self.y) / config.batch_size)
        self.eval_every = config.eval_every_steps or max(1, self.steps_per_epoch // 4)
        self.optimizer = torch.optim.Adam(net.parameters(), lr=config.lr)
        self.generator = torch.Generator().manual_seed(config.seed)
        self.theta0 = [p.detach().clone() for p in net.parameters()]
        self.evals: list[EvalPoint] = []
        self.history: list[EpochRecord] = []
        self.readings: list[EnergyReading] = []
        self.step, self.grad_sum, self.eval_s = 0, 0.0, 0.0
        self.status: str | None = None  # "reached" | "cancelled"
        self.reached_epoch: float | None = None

    def epoch(self, epoch: int, should_stop: Callable[[], bool] | None) -> EpochRecord:
        """Train one epoch (or until the rule is met or cancelled), evaluating every few steps."""
        if self.meter is not None:
            self.meter.start()
        try:
            t0, eval_s0, first_step = time.perf_counter(), self.eval_s, self.step
            sums = self.train_until_stop(first_step, should_stop)
            if self.evals[-1].epoch != self.step / self.steps_per_epoch:
                self.evals.append(self.evaluate(self.step / self.steps_per_epoch))
            eval_s = self.eval_s - eval_s0
            train_s = time.perf_counter() - t0 - eval_s
        finally:  # never leave a tracker running, even when training fails
            reading = self.meter.stop() if self.meter is not None else None
        share = train_s / (train_s + eval_s)  # energy of the measuring evaluations is left out
        if reading is not None:
            self.readings.append(reading)
        done, n_seen = self.step - first_step, max(sums[3], 1)
        record = EpochRecord(
            epoch=epoch,
            fraction=done / self.steps_per_epoch,
            train_loss=sums[0] / n_seen,
            train_acc=sums[1] / n_seen,
            val_loss=self.evals[-1].val_loss,
            val_acc=self.evals[-1].val_acc,
            grad_norm=sums[2] / max(done, 1),
            param_change=self.param_change(),
            seconds=train_s,
            eval_seconds=eval_s,
            energy_kwh=reading.energy_kwh * share if reading else None,
            co2_kg=reading.co2_kg * share if reading else None,
        )
        self.history.append(record)
        return record

    def train_until_stop(self, first_step: int, should_stop: Callable[[], bool] | None) -> list[float]:
        """The steps of one epoch; returns [loss sum, correct, grad-norm sum, samples]."""
        sums = [0.0, 0.0, 0.0, 0]
        for idx in torch.randperm(len(self.y), generator=self.generator).split(self.config.batch_size):
            if should_stop is not None and should_stop():
                self.status = "cancelled"
                break
            loss, correct, grad_norm = train_step(self.net, self.optimizer, self.x[idx], self.y[idx], self.device)
            sums = [sums[0] + loss * len(idx), sums[1] + correct, sums[2] + grad_norm, sums[3] + len(idx)]
            self.step, self.grad_sum = self.step + 1, self.grad_sum + grad_norm
            if self.step % self.eval_every == 0 or self.step - first_step == self.steps_per_epoch:
                self.evals.append(self.evaluate(self.step / self.steps_per_epoch))
                if self.check_stop():
                    break
        return sums

    def check_stop(self) -> bool:
        """Apply the target rule to the evaluations so far; True (and status "reached") when it is met."""
        if self.config.target_rule == "plateau":
            cfg = self.config
            hit = plateau_epoch(
                self.evals, cfg.plateau_delta, cfg.plateau_patience, n_val=len(self.y_val), chance=self.chance
            )
            if hit is not None:
                self.reached_epoch, self.target_acc = hit
        elif self.evals[-1].val_acc >= self.target_acc:
            self.reached_epoch = threshold_epoch(self.evals, self.target_acc)
        if self.reached_epoch is not None:
            self.status = "reached"
        return self.reached_epoch is not None

    def evaluate(self, epoch: float) -> EvalPoint:
        t0 = time.perf_counter()
        loss, acc = evaluate(self.net, self.x_val, self.y_val, self.device)
        self.eval_s += time.perf_counter() - t0
        point = EvalPoint(epoch=epoch, val_acc=acc, val_loss=loss)
        if self.on_eval is not None:
            self.on_eval(point)
        return point

    def param_change(self) -> float:
        with torch.no_grad():
            sq = sum(float((p - p0).pow(2).sum()) for p, p0 in zip(self.net.parameters(), self.theta0, strict=True))
        return math.sqrt(sq / sum(p.numel() for p in self.theta0))

    def result(self, rule: StoppingRule, epoch: int) -> RetrainResult:
        reached, cancelled = self.status == "reached", self.status == "cancelled"
        trained = self.step / self.steps_per_epoch
        energy = [h.energy_kwh or 0.0 for h in self.history], [h.co2_kg or 0.0 for h in self.history]
        accs = [p.val_acc for p in self.evals]
        return RetrainResult(
            epochs=self.reached_epoch if reached else trained,
            reached=reached,
            censored=not reached and not cancelled,
            cancelled=cancelled,
            target_rule=rule,
            target_acc=self.target_acc,
            start_acc=accs[0],
            best_val_acc=max(accs),
            final_val_acc=accs[-1],
            max_epochs=self.config.max_epochs,
            steps=self.step,
            steps_per_epoch=self.steps_per_epoch,
            grad_norm=self.grad_sum / self.step if self.step else 0.0,
            param_change=self.param_change(),
            seconds=sum(r.seconds for r in self.history),
            energy_kwh=sum(energy[0]) if self.meter is not None else None,
            co2_kg=sum(energy[1]) if self.meter is not None else None,
            energy_source=self.readings[0].source if self.readings else "",
            history=tuple(self.history),
            evals=tuple(self.evals),
            from_scratch=self.config.from_scratch,
            head=self.config.head,
            model=self.net,
        )
