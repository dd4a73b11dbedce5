"""The probe repeats its rounds of work until they agree, reports the median and the spread, and
extrapolates to an epoch; here on a busy-wait workload (no model, no torch)."""

from __future__ import annotations

import time

import pytest

from resque_core.energy.meters import ManualPowerMeter
from resque_core.energy.probe import ProbeResult, probe
from resque_core.errors import EnergyError

WATTS = 100.0


class Busy:
    """Work whose every step keeps the CPU busy for at least ``step_s`` seconds; counts its steps."""

    def __init__(self, steps_per_epoch: int = 50, step_s: float = 0.001) -> None:
        self.steps_per_epoch, self.step_s, self.done = steps_per_epoch, step_s, 0

    def step(self) -> None:
        end = time.perf_counter() + self.step_s
        while time.perf_counter() < end:
            pass
        self.done += 1


def test_rounds_repeat_to_the_cap_when_they_never_agree_and_report_median_and_spread():
    calls: list[tuple[int, int]] = []
    work = Busy()
    r = probe(work, ManualPowerMeter(WATTS, 400.0), steps=3, max_repeats=4, tolerance=0.0, min_round_s=0,
              progress=lambda done, most: calls.append((done, most)))  # fmt: skip
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)] and r.repeats == 4 and not r.stable
    assert work.done == 4 * 3 and r.steps == 3
    assert r.kwh_per_epoch_low <= r.kwh_per_epoch <= r.kwh_per_epoch_high
    assert r.seconds_per_epoch_low <= r.seconds_per_epoch <= r.seconds_per_epoch_high
    # typed power: every round's kWh per epoch is 100 W x its seconds per epoch, so the medians are too
    assert r.kwh_per_epoch == pytest.approx(WATTS * r.seconds_per_epoch / 3.6e6)
    assert r.spread == pytest.approx((r.kwh_per_epoch_high - r.kwh_per_epoch_low) / r.kwh_per_epoch)
    assert "median of 4 rounds of 3 steps" in r.summary() and "did not settle" in r.summary()
    assert "extrapolated to 50 steps per epoch" in r.note and "typed-in average power 100 W" in r.note
    assert r.seconds_per_epoch >= 50 * 0.001  # an epoch is 50 steps of at least 1 ms each
    assert r.source == "manual" and r.estimated and r.threads is None


def test_rounds_stop_once_the_last_ones_agree():
    r = probe(Busy(), ManualPowerMeter(WATTS, 400.0), steps=3, max_repeats=10, window=3, tolerance=10.0, min_round_s=0)
    assert r.repeats == 4 and r.stable  # a warm-up round, then three that agree
    assert "did not settle" not in r.summary()


def test_a_short_first_round_lengthens_the_rounds():
    work = Busy(step_s=0.001)
    r = probe(work, ManualPowerMeter(WATTS, 400.0), steps=2, max_repeats=3, window=2, tolerance=0.0, min_round_s=1.0)
    assert 2 < r.steps <= 1000  # 2 steps of at least 1 ms took well under the second a round should last
    assert work.done == 2 + 2 * r.steps  # the warm-up round at 2 steps, the other two at the new length


def test_bad_settings_are_refused_before_any_work():
    work = Busy()
    with pytest.raises(EnergyError, match="window"):
        probe(work, ManualPowerMeter(1, 1), max_repeats=2, window=3)
    with pytest.raises(EnergyError, match="at least one step"):
        probe(work, ManualPowerMeter(1, 1), steps=0)
    assert work.done == 0


def test_a_modeled_result_summarises_as_modeled():
    r = ProbeResult(kwh_per_epoch=0.002, seconds_per_epoch=30.0, steps=0, source="modeled", estimated=True)
    assert r.summary() == "modeled: 2 Wh and 30 s per epoch" and r.spread == 0.0
