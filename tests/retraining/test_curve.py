"""A run's evaluation curve, read from a real retraining of a tiny CNN on the digits."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch.utils.data import TensorDataset

from resque_core.data import DigitsDataset, Preprocessed, Subset
from resque_core.data.base import InputSpec
from resque_core.energy.meters import ManualPowerMeter
from resque_core.forecast.curves import CURVE_COLUMNS
from resque_core.model.architectures import SmallCNN
from resque_core.retraining.config import RetrainConfig
from resque_core.retraining.curve import CurvePoint, run_curve
from resque_core.retraining.loop import retrain
from resque_core.retraining.results import EpochRecord, RetrainResult
from resque_core.retraining.rule import StoppingRule
from resque_core.retraining.steps import materialize
from resque_core.retraining.targets import EvalPoint

SPEC = InputSpec((16, 16), 1, (0.5,), (0.5,))


@pytest.fixture(scope="module")
def digits():
    torch.set_num_threads(1)
    x, y = materialize(Subset(Preprocessed(DigitsDataset(), SPEC), range(500)))
    return TensorDataset(x[:300], y[:300]), TensorDataset(x[300:], y[300:])


def _run(digits, meter=None) -> RetrainResult:
    torch.manual_seed(0)
    config = RetrainConfig(target_rule="fixed", target_acc=1.0, max_epochs=2, from_scratch=True)
    return retrain(SmallCNN(width=8, hidden=32), *digits, config, meter=meter)


def test_a_real_run_has_one_point_per_evaluation_from_its_start_to_its_end(digits):
    result = _run(digits, ManualPowerMeter(100.0, intensity_g_per_kwh=400.0))
    points = run_curve(result).points
    assert len(points) == len(result.evals) > 2 * 2  # several evaluations an epoch
    assert (points[0].epoch, points[0].val_acc, points[0].seconds, points[0].energy_kwh) == (
        0.0,
        result.start_acc,
        0.0,
        0.0,
    )
    epochs = [p.epoch for p in points]
    assert epochs == sorted(set(epochs)) and epochs[-1] == pytest.approx(2.0)
    assert [p.val_acc for p in points] == [e.val_acc for e in result.evals]
    seconds, kwh = [p.seconds for p in points], [p.energy_kwh for p in points]
    assert seconds == sorted(seconds) and kwh == sorted(kwh)
    assert seconds[-1] == pytest.approx(result.seconds, rel=1e-9) and kwh[-1] == pytest.approx(result.energy_kwh)
    assert points[-1].val_acc == result.final_val_acc
    end_of_first = next(p for p in points if p.epoch == pytest.approx(1.0))
    assert end_of_first.seconds == pytest.approx(result.history[0].seconds)


def test_without_a_meter_the_curve_has_no_energy(digits):
    assert {p.energy_kwh for p in run_curve(_run(digits)).points} == {None}


def test_an_evaluation_within_an_epoch_takes_its_share_of_the_epochs_time_and_energy():
    history = (
        EpochRecord(1, 1.0, 1, 0.5, 1, 0.5, 1.0, 0.1, seconds=10.0, energy_kwh=2.0),
        EpochRecord(2, 0.5, 1, 0.6, 1, 0.6, 1.0, 0.2, seconds=4.0, energy_kwh=1.0),
    )
    evals = tuple(EvalPoint(e, a, 1.0) for e, a in ((0.0, 0.1), (0.25, 0.3), (1.0, 0.5), (1.25, 0.55), (1.5, 0.6)))
    result = RetrainResult(
        epochs=1.5, reached=True, censored=False, cancelled=False, target_rule=StoppingRule("fixed", fixed_acc=0.6),
        target_acc=0.6, start_acc=0.1, best_val_acc=0.6, final_val_acc=0.6, max_epochs=2, steps=6, steps_per_epoch=4,
        grad_norm=1.0, param_change=0.2, seconds=14.0, energy_kwh=3.0, co2_kg=None, energy_source="manual",
        history=history, evals=evals, from_scratch=False, head="keep",
    )  # fmt: skip
    assert run_curve(result).points == (
        CurvePoint(0.0, 0.1, 0.0, 0.0),
        CurvePoint(0.25, 0.3, 2.5, 0.5),
        CurvePoint(1.0, 0.5, 10.0, 2.0),
        CurvePoint(1.25, 0.55, 12.0, 2.5),
        CurvePoint(1.5, 0.6, 14.0, 3.0),
    )


def test_a_points_fields_are_the_curve_columns_the_forecast_reads():
    assert ("run_id", *(f.name for f in dataclasses.fields(CurvePoint))) == CURVE_COLUMNS
