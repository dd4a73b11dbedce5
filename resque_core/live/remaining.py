"""What is left of a live run: epochs, seconds, kWh, kg CO2 and money to the target, and the chance of never
getting there within the cap. One function (``remaining_of``) answers the tracker, ``runs`` and the Runs page.

The epochs come from the refinement (``live.refiner``: the curve so far and the prior together, learned from the
library's curves replayed as if live); before any evaluation after the start, from the prior alone. Seconds and
kWh are the run's own rates so far (per epoch trained) times the epochs left; before a rate is measured, the
prior's (labelled modeled). CO2 is kWh times the run's grid intensity; money, kWh times its price.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd

from resque_core.forecast.result import Interval
from resque_core.live.features import CURVE_FEATURES, PRIOR_FEATURES, curve_features
from resque_core.live.store import LiveRun, reached
from resque_core.units import co2_text, energy_text, measure_text, number_text

__all__ = ["ENERGY_SOURCES", "Remaining", "live_refiner", "refined_at", "remaining_of"]


@dataclass(frozen=True)
class Remaining:
    """What is left of a run, seen after ``seen`` epochs.

    Attributes:
        reached: the target was reached (everything left is 0).
        seen: epochs trained at the last evaluation.
        epochs: epochs left to the target (point and ``level`` interval); at the cap for a run that never gets there.
        at_target: the epoch the target is reached at (``seen`` + ``epochs``).
        prior_at_target: what the prior said of that epoch before the run (None: no prior given).
        p_never: chance of never reaching the target within ``max_epochs``, 0..1.
        seconds, kwh, co2_kg, money: what the epochs left cost (None: unknown), in s, kWh, kg CO2-eq and
            ``currency``.
        method: how ``epochs`` was made, in words; basis: where the per-epoch seconds and kWh come from.
        estimated: the energy is an estimate (codecarbon without power counters) or modeled, not measured.
    """

    reached: bool
    seen: float
    epochs: Interval
    at_target: Interval
    prior_at_target: Interval | None
    p_never: float
    seconds: Interval | None
    kwh: Interval | None
    co2_kg: Interval | None
    money: Interval | None
    currency: str | None
    method: str
    basis: str
    estimated: bool
    level: float = 0.8

    def sentence(self) -> str:
        """One line: "5.2 epochs left (80%: 2.1-11), 420 Wh, 160 g CO2; 18% chance of never reaching the target..."."""
        if self.reached:
            return f"target reached after {number_text(self.seen, 3)} epochs"
        e = self.epochs
        span = f"{number_text(e.low, 3)}-{number_text(e.high, 3)}"
        parts = [f"{number_text(e.point, 3)} epochs left ({self.level:.0%}: {span})"]
        if self.kwh is not None:
            parts.append(energy_text(self.kwh.point, 3))
        if self.co2_kg is not None:
            parts.append(f"{co2_text(self.co2_kg.point, 3)} CO2")
        if self.money is not None:
            parts.append(measure_text("money", self.money.point, self.currency))
        return ", ".join(parts) + f"; {self.p_never:.0%} chance of never reaching the target within the cap"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reached": self.reached, "seen": self.seen, "p_never": self.p_never}
        for name in ("epochs", "at_target", "prior_at_target", "seconds", "kwh", "co2_kg", "money"):
            value = getattr(self, name)
            out[name] = value.to_dict() if value is not None else None
        out.update(currency=self.currency, method=self.method, basis=self.basis, estimated=self.estimated)
        out.update(level=self.level, sentence=self.sentence())
        return out


ENERGY_SOURCES = {  # a run's energy source in words (every page, line and JSON says it the same way)
    "codecarbon-estimate": "estimated by codecarbon: this machine has no power counters (RAPL), so CPU power is "
    "its TDP × load and RAM a fixed wattage",
    "codecarbon-measured": "measured by codecarbon from the machine's power counters",
    "the team's meter": "given by the team's own meter (run.energy)",
}
_FITTED: dict[bool, Any] = {}
_FITTING = threading.Lock()


def live_refiner(use_prior: bool) -> Any:
    """The refinement fitted on the shipped library's replayed curves, with its published interval correction:
    fitted once per process (a few seconds; ``track`` starts it in the background as the run begins)."""
    from resque_core.live.published import published_tuning
    from resque_core.live.refiner import Refiner
    from resque_core.live.replay import shipped_replay

    with _FITTING:  # a second caller waits for the first fit rather than fitting again
        if use_prior not in _FITTED:
            weight, widen = published_tuning(use_prior)
            _FITTED[use_prior] = Refiner(weight, widen, use_prior).fit(shipped_replay())
        return _FITTED[use_prior]


def remaining_of(run: LiveRun) -> Remaining:
    """What is left of ``run`` after its last evaluation (``LiveRun.points``)."""
    seen = run.points[-1].epoch if run.points else 0.0
    got_there = reached(run.points, run.target_acc)
    if got_there or seen >= run.max_epochs:
        left, p_never, method = Interval(0.0, 0.0, 0.0), 0.0 if got_there else 1.0, "observed"
    elif not run.points:
        from resque_core.live.replay import library_prior

        prior = run.prior or library_prior()
        left = prior.remaining(seen, run.max_epochs)
        p_never = prior.p_unreached if prior.p_unreached is not None else math.nan
        method = f"prior alone (no evaluation yet): {prior.source}"
    else:
        left, p_never, method = _refined(run, seen)
    return _costed(run, seen, got_there, left, p_never, method)


def _refined(run: LiveRun, seen: float) -> tuple[Interval, float, str]:
    refined = refined_at(run, [len(run.points) - 1])
    left = Interval(float(refined.point[0]), float(refined.low[0]), float(refined.high[0]))
    how = "refined: the curve so far and the prior" if run.prior else "refined: the curve so far (no prior given)"
    return left, float(refined.p_never[0]), how


def refined_at(run: LiveRun, upto: list[int]) -> Any:
    """The refinement's ``Refined`` (epochs left) as it stood after each evaluation index in ``upto`` (one
    prediction for them all: the Runs page's history of the forecast)."""
    epochs = [p.epoch for p in run.points]
    accs = [p.val_acc for p in run.points]
    prior = run.prior.features() if run.prior is not None else [math.nan] * len(PRIOR_FEATURES)
    values = [curve_features(epochs, accs, run.target_acc, run.max_epochs, epochs[i]) + prior for i in upto]
    rows = pd.DataFrame(values, columns=[*CURVE_FEATURES, *PRIOR_FEATURES])
    return live_refiner(run.prior is not None).predict(rows)


def _costed(run: LiveRun, seen: float, reached: bool, left: Interval, p_never: float, method: str) -> Remaining:
    """``Remaining`` with seconds, kWh, CO2 and money from the run's own rates (the prior's before it has any)."""
    prior = run.prior
    last = run.points[-1] if run.points else None
    trained = last is not None and seen > 0
    s_per_epoch = last.seconds / seen if trained else prior.seconds_per_epoch if prior else None
    metered = trained and last.energy_kwh is not None
    kwh_per_epoch = last.energy_kwh / seen if metered else prior.kwh_per_epoch if prior else None
    if metered:
        basis = f"this run's own rates so far ({ENERGY_SOURCES.get(run.energy_source, run.energy_source or 'metered')})"
    elif kwh_per_epoch is not None:
        basis = "the forecast's kWh per epoch (modeled: the run has not measured its own yet)"
    else:
        basis = "no energy figure (the run is not metered and its prior has none)"
    seconds = left.scaled(s_per_epoch) if s_per_epoch is not None else None
    kwh = left.scaled(kwh_per_epoch) if kwh_per_epoch is not None else None
    intensity = run.intensity_g_per_kwh
    co2 = kwh.scaled(intensity / 1000) if kwh is not None and intensity is not None else None
    money = kwh.scaled(run.price_per_kwh) if kwh is not None and run.price_per_kwh is not None else None
    at = Interval(seen + left.point, seen + left.low, seen + left.high)
    prior_at = Interval(run.prior.epochs, run.prior.low, run.prior.high) if run.prior is not None else None
    estimated = not metered or run.energy_source.startswith("codecarbon-estimate")
    return Remaining(
        reached, seen, left, at, prior_at, p_never, seconds, kwh, co2, money,
        run.currency if money is not None else None, method, basis, estimated,
    )  # fmt: skip
