"""Real retraining on the new data until validation accuracy reaches a target, measuring what it cost.

Epochs are counted at sub-epoch resolution: the model is evaluated every few steps and the epoch at
which the target is first reached is interpolated between two evaluations. A run that hits
``max_epochs`` first is *censored* (its epochs are then a lower bound), never counted as reached.
A run cancelled through ``should_stop`` returns its partial result with ``cancelled=True``; such a
result is not a calibration record. Target rules (see ``RetrainConfig``): "base-minus", "reachable",
"plateau", "fixed".
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from resque_core.energy import EnergyMeter, EnergyReading
from resque_core.errors import RetrainError

logger = logging.getLogger(__name__)

TARGET_RULES = ("base-minus", "reachable", "plateau", "fixed")
_MAX_BYTES = 2 * 1024**3


@dataclass(frozen=True)
class RetrainConfig:
    """How to retrain and when to stop.

    Attributes:
        target_rule: "base-minus" (``base_acc - tolerance``), "reachable" (``min(base_acc - tolerance,
            scratch_frac * scratch_acc)``: what the new data allows), "plateau" (val accuracy stays
            within ``plateau_delta`` for ``plateau_patience`` evaluations) or "fixed" (``target_acc``).
        base_acc: the old model's accuracy on the original validation data, 0..1.
        tolerance: accuracy points (0..1) below ``base_acc`` that count as recovered.
        scratch_acc: accuracy a from-scratch model reaches on the new data ("reachable" rule).
        scratch_frac: fraction of ``scratch_acc`` the "reachable" rule asks for.
        target_acc: the "fixed" rule's target.
        plateau_delta: accuracy band (0..1) for the "plateau" rule.
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
    scratch_frac: float = 0.97
    target_acc: float | None = None
    plateau_delta: float = 0.01
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

    def resolve_target(self) -> tuple[float | None, str]:
        """The target accuracy (None for "plateau") and a short label of the rule that set it."""
        tol = f"base-{100 * self.tolerance:g}pt"
        if self.target_rule == "plateau":
            return None, f"plateau({self.plateau_delta:g}x{self.plateau_patience})"
        if self.target_rule == "fixed":
            return _accuracy("target_acc", self.target_acc), f"fixed({self.target_acc:g})"
        base = _accuracy("base_acc", self.base_acc)
        if self.target_rule == "base-minus":
            return base - self.tolerance, tol
        if self.target_rule == "reachable":
            scratch = _accuracy("scratch_acc", self.scratch_acc)
            return min(base - self.tolerance, self.scratch_frac * scratch), f"min({tol}, {self.scratch_frac:g}*scratch)"
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
            "device must be 'cpu', 'cuda' or 'auto'": self.device in ("cpu", "cuda", "auto"),
        }
        bad = [msg for msg, ok in checks.items() if not ok]
        if bad:
            raise RetrainError("; ".join(bad))
        self.resolve_target()


def _accuracy(name: str, value: float | None) -> float:
    if value is None or not 0 <= value <= 1:
        raise RetrainError(f"{name} must be an accuracy in [0, 1] for this target rule, not {value!r}")
    return float(value)


@dataclass(frozen=True)
class EvalPoint:
    """One validation pass: ``epoch`` (fractional epochs trained), ``val_acc`` (0..1), ``val_loss`` (nats)."""

    epoch: float
    val_acc: float
    val_loss: float


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
    ``cancelled``, the epochs trained (a lower bound). ``target_acc`` is None only for a censored
    "plateau" run. ``grad_norm``: mean over all steps; ``param_change``: at the end.
    """

    epochs: float
    reached: bool
    censored: bool
    cancelled: bool
    target_rule: str
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


def plateau_epoch(evals: list[EvalPoint], delta: float, patience: int) -> tuple[float, float] | None:
    """(epoch, accuracy) where the last ``patience`` evaluations began to stay within ``delta``, if they do."""
    if len(evals) < patience:
        return None
    window = [p.val_acc for p in evals[-patience:]]
    if max(window) - min(window) > delta:
        return None
    return evals[-patience].epoch, sum(window) / patience


def retrain(
    model: nn.Module,
    train_set: Any,
    val_set: Any,
    config: RetrainConfig | None = None,
    meter: EnergyMeter | None = None,
    progress: Callable[[EpochRecord], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RetrainResult:
    """Retrain a copy of ``model`` on ``train_set`` until accuracy on ``val_set`` reaches the target.

    Args:
        model: the old model (never modified; the trained copy is ``result.model``).
        train_set, val_set: datasets of ``(image tensor, int label)``, already preprocessed for the model.
        config: how to train and the target rule (default ``RetrainConfig()`` needs ``base_acc``).
        meter: measures each epoch's energy (none: energy fields are None).
        progress: called with each ``EpochRecord`` as it completes (for a live UI).
        should_stop: polled every step; returning True cancels (``result.cancelled``).
    """
    config = config or RetrainConfig()
    config.validate()
    target_acc, rule = config.resolve_target()
    device = _device(config.device)
    x_tr, y_tr = materialize(train_set)
    x_val, y_val = materialize(val_set)
    net = prepare_model(model, config, _num_classes(config, train_set, y_tr, y_val)).to(device)
    _check_labels(net, y_tr, y_val)
    run = _Run(net, config, target_acc, (x_tr, y_tr), (x_val, y_val), device, meter)
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

    def __init__(self, net, config, target_acc, train, val, device, meter):
        self.net, self.config, self.target_acc, self.device, self.meter = net, config, target_acc, device, meter
        self.x, self.y = train
        self.x_val, self.y_val = val
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
            hit = plateau_epoch(self.evals, self.config.plateau_delta, self.config.plateau_patience)
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
        return EvalPoint(epoch=epoch, val_acc=acc, val_loss=loss)

    def param_change(self) -> float:
        with torch.no_grad():
            sq = sum(float((p - p0).pow(2).sum()) for p, p0 in zip(self.net.parameters(), self.theta0, strict=True))
        return math.sqrt(sq / sum(p.numel() for p in self.theta0))

    def result(self, rule: str, epoch: int) -> RetrainResult:
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


def train_step(net: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor, device) -> tuple:
    """One Adam step; returns (mean loss, correct count, global gradient L2 norm)."""
    x, y = x.to(device), y.to(device)
    optimizer.zero_grad(set_to_none=True)
    logits = net(x)
    loss = nn.functional.cross_entropy(logits, y)
    loss.backward()
    grads = [p.grad.detach().norm(2) for p in net.parameters() if p.grad is not None]
    grad_norm = float(torch.linalg.vector_norm(torch.stack(grads))) if grads else 0.0
    optimizer.step()
    return loss.item(), int((logits.argmax(1) == y).sum()), grad_norm


def evaluate(net: nn.Module, x: torch.Tensor, y: torch.Tensor, device, batch_size: int = 512) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) of ``net`` on tensors ``x``, ``y``."""
    was_training, loss, correct = net.training, 0.0, 0
    net.eval()
    with torch.inference_mode():
        for xb, yb in zip(x.split(batch_size), y.split(batch_size), strict=True):
            logits = net(xb.to(device))
            loss += float(nn.functional.cross_entropy(logits, yb.to(device), reduction="sum"))
            correct += int((logits.argmax(1) == yb.to(device)).sum())
    net.train(was_training)
    return loss / len(y), correct / len(y)


def materialize(dataset: Any) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack a dataset of ``(image, label)`` into two tensors (the data is read and shifted once)."""
    if isinstance(dataset, torch.utils.data.TensorDataset):
        return dataset.tensors[0].float(), dataset.tensors[1].long()
    n = len(dataset)
    if n == 0:
        raise RetrainError("the dataset is empty: retraining needs at least one sample")
    first = dataset[0][0]
    if first.numel() * 4 * n > _MAX_BYTES:
        raise RetrainError(f"{n} samples of shape {tuple(first.shape)} exceed 2 GiB; use a smaller data fraction")
    loader = torch.utils.data.DataLoader(dataset, batch_size=256, shuffle=False, num_workers=0)
    xs, ys = zip(*loader, strict=True)
    return torch.cat(xs).float(), torch.cat(ys).long()


def prepare_model(model: nn.Module, config: RetrainConfig, num_classes: int) -> nn.Module:
    """A trainable copy: re-initialised (seeded) when ``from_scratch``, with a fresh head when ``head="new"``."""
    net = copy.deepcopy(model)
    torch.manual_seed(config.seed)
    if config.from_scratch:
        for module in net.modules():
            if hasattr(module, "reset_parameters"):
                module.reset_parameters()
    if config.head == "new":
        name, old = _last_linear(net)
        parent = net.get_submodule(name.rpartition(".")[0]) if "." in name else net
        setattr(parent, name.rpartition(".")[2], nn.Linear(old.in_features, num_classes, bias=old.bias is not None))
    for p in net.parameters():
        p.requires_grad_(True)
    return net.train()


def _last_linear(net: nn.Module) -> tuple[str, nn.Linear]:
    linears = [(name, m) for name, m in net.named_modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise RetrainError("the model has no linear classifier layer to replace; use head='keep'")
    return linears[-1]


def _num_classes(config: RetrainConfig, train_set: Any, y_tr: torch.Tensor, y_val: torch.Tensor) -> int:
    if config.num_classes is not None:
        return config.num_classes
    names = getattr(train_set, "class_names", None)
    return len(names) if names else int(max(y_tr.max(), y_val.max())) + 1


def _check_labels(net: nn.Module, y_tr: torch.Tensor, y_val: torch.Tensor) -> None:
    outputs = _last_linear(net)[1].out_features if any(isinstance(m, nn.Linear) for m in net.modules()) else None
    top = int(max(y_tr.max(), y_val.max()))
    if int(min(y_tr.min(), y_val.min())) < 0 or (outputs is not None and top >= outputs):
        raise RetrainError(f"labels run to {top} but the model has {outputs} outputs; use head='new' for new classes")


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RetrainError("device 'cuda' asked for but no GPU is available; use 'cpu' or 'auto'")
    return torch.device(name)


def run_probe_steps(
    model: nn.Module,
    train_set: Any,
    steps: int,
    meter: EnergyMeter,
    batch_size: int = 32,
    lr: float = 1e-3,
    seed: int = 0,
    device: str = "cpu",
) -> tuple[EnergyReading, float, int, int, float]:
    """Train a copy of ``model`` for ``steps`` steps under ``meter`` (for ``energy.probe``).

    Returns (reading, training seconds, steps done, steps per epoch, meter overhead in seconds).
    """
    x, y = materialize(train_set)
    dev = _device(device)
    net = copy.deepcopy(model).to(dev).train()
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    batches = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed)).split(batch_size)
    train_step(net, optimizer, x[batches[0]], y[batches[0]], dev)  # warm-up, outside the meter
    batches = [batches[i % len(batches)] for i in range(steps)]
    t_outer = time.perf_counter()
    meter.start()
    t0 = time.perf_counter()
    for idx in batches:
        train_step(net, optimizer, x[idx], y[idx], dev)
    train_s = time.perf_counter() - t0
    reading = meter.stop()
    overhead_s = time.perf_counter() - t_outer - train_s
    return reading, train_s, len(batches), math.ceil(len(y) / batch_size), overhead_s
