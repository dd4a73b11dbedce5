"""The probe of a model: a copy of it training on the new data, measured by ``energy.probe``.

It runs on one torch thread by default, as retraining does in the dashboard and in ``calibrate``:
on a busy machine two threads contend for the cores and a round's time varies several-fold.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from resque_core.energy.meters import EnergyMeter
from resque_core.energy.probe import ProbeResult, probe
from resque_core.retraining.steps import materialize, train_step, training_device

__all__ = ["ProbeTrainer", "probe_epoch", "probe_model"]


def probe_model(
    model: nn.Module,
    train_set: Any,
    meter: EnergyMeter | None = None,
    steps: int = 20,
    *,
    threads: int | None = 1,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = 32,
    lr: float = 1e-3,
    seed: int = 0,
    device: str = "cpu",
    **rounds: Any,
) -> ProbeResult:
    """kWh and seconds per epoch of retraining ``model`` on ``train_set``, probed before retraining starts.

    Trains a copy (``model`` is left untouched) in rounds of ``steps`` steps under ``meter`` until the
    rounds agree (``energy.probe``, which ``rounds`` tunes: ``max_repeats``, ``window``, ``tolerance``,
    ``min_round_s``), with ``threads`` torch CPU threads (None: leave the process's setting).

    Args:
        model: the model to probe.
        train_set: the new data, a dataset of ``(image, label)`` preprocessed for the model.
        meter: defaults to ``CodecarbonMeter()``.
        steps: training steps per round (batches repeat if an epoch has fewer).
        progress: called with (rounds done, most rounds) after each round.
        batch_size, lr, seed, device: as in ``RetrainConfig``.
    """
    with torch_threads(threads):
        trainer = ProbeTrainer(model, train_set, batch_size=batch_size, lr=lr, seed=seed, device=device)
        result = probe(trainer, meter, steps, progress=progress, **rounds)
    return replace(result, threads=threads)


@contextlib.contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with ``threads`` torch CPU threads (None: leave the setting), restored afterwards."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class ProbeTrainer:
    """A copy of a model training on the new data, one step at a time: the work ``energy.probe`` measures.

    One warm-up step runs when it is made, outside any meter; each ``step`` continues the training.
    """

    def __init__(
        self,
        model: nn.Module,
        train_set: Any,
        batch_size: int = 32,
        lr: float = 1e-3,
        seed: int = 0,
        device: str = "cpu",
    ) -> None:
        self.x, self.y = materialize(train_set)
        self.device = training_device(device)
        self.net = copy.deepcopy(model).to(self.device).train()
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=lr)
        order = torch.randperm(len(self.y), generator=torch.Generator().manual_seed(seed))
        self.batches = order.split(batch_size)
        self.steps_per_epoch = math.ceil(len(self.y) / batch_size)
        self._next = 0
        self.step()  # warm-up

    def step(self) -> None:
        """One training step on the next batch (batches repeat once an epoch is through)."""
        idx = self.batches[self._next % len(self.batches)]
        self._next += 1
        train_step(self.net, self.optimizer, self.x[idx], self.y[idx], self.device)


def probe_epoch(
    loaded: Any, pair: Any, steps: int = 20, progress: Callable[[int, int], None] | None = None
) -> ProbeResult:
    """kWh and seconds of one retraining epoch: ``loaded`` (a ``LoadedModel``) probed on ``pair.new``.

    A retraining epoch runs over the new part of the (original, new) pair (``data.build_pair``), the data
    Validate retrains on; the Forecast page's and ``forecast --probe``'s "kWh per epoch" are both this
    probe, so they mean the same thing. ``progress`` is called with (rounds done, most rounds).
    """
    from resque_core.data import Preprocessed

    return probe_model(loaded.model, Preprocessed(pair.new, loaded.input_spec), steps=steps, progress=progress)
