"""Validate retrains to the team's target and sits beside the forecast for it (``calibration.like_for_like``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import pytest
import torch

from resque_core.calibration.like_for_like import compare, records_cap_note
from resque_core.calibration.validation import ValidationSettings, validate
from resque_core.data import DigitsDataset, Shifted, ShiftSpec, Subset
from resque_core.errors import RetrainError
from resque_core.forecast.result import Interval
from resque_core.forecast.targets import Target
from resque_core.model.checkpoint import load_checkpoint


@dataclass(frozen=True)
class _Forecast:
    """The fields of a ``Forecast`` the comparison reads."""

    measures: dict = field(default_factory=dict)
    target: str = "accuracy 0.8 on the new data"
    target_note: str | None = None


@pytest.fixture(scope="module")
def runs():
    """Two real runs of the default model on 400 strongly shifted digits: one reaches T = 0.74 (from 0.6, in about
    2 epochs), one is capped at 1 epoch short of T = 1.0."""
    torch.set_num_threads(1)
    loaded = load_checkpoint("default")
    new = Shifted(Subset(DigitsDataset(), list(range(400))), ShiftSpec.parse("gaussian_noise:5"), 0)
    reached = validate(loaded, new, ValidationSettings(target=Target.acc(0.74), max_epochs=3, measure_energy=False))
    capped = validate(loaded, new, ValidationSettings(target=Target.acc(1.0), max_epochs=1, measure_energy=False))
    return reached, capped


def test_the_run_stops_at_the_fixed_target(runs):
    reached, capped = runs
    assert reached.target_rule.describe() == "fixed(0.74)" and reached.target_acc == 0.74
    assert reached.start_acc < 0.74 and not reached.censored and 1 < reached.epochs < 3
    assert capped.censored and capped.epochs == pytest.approx(1.0) and capped.target_acc == 1.0


def test_covered_is_the_interval_holding_the_measured_value(runs):
    reached, _ = runs
    around = Interval(reached.epochs, max(reached.epochs - 1, 0), reached.epochs + 1)
    below = Interval(reached.epochs + 2, reached.epochs + 1, reached.epochs + 3)
    seconds = Interval(1.0, 0.0, 0.5 * reached.seconds)
    compared = compare(reached, _Forecast({"epochs": around, "seconds": seconds}), Target.acc(0.74), 0.74)
    by = {m.measure: m for m in compared.measures}
    assert (by["epochs"].covered, by["epochs"].measured, by["epochs"].censored) == (True, reached.epochs, False)
    assert by["seconds"].covered is False and by["seconds"].measured == reached.seconds
    assert by["kwh"].covered is None and by["kwh"].measured is None  # not metered, not forecast
    assert compare(reached, _Forecast({"epochs": below}), Target.acc(0.74), 0.74).measures[0].covered is False
    assert compared.note == (
        "the forecast is for accuracy 0.8 on the new data, this run for accuracy 0.74 on the new data: they do not "
        "compare like for like"
    )
    assert compared.to_dict()["target"] == {"kind": "acc", "value": 0.74, "label": "accuracy 0.74 on the new data",
                                            "accuracy": 0.74}  # fmt: skip


def test_a_capped_run_misses_only_when_the_high_end_is_below_what_it_spent(runs):
    _, capped = runs
    target = Target.acc(1.0)
    above = _Forecast({"epochs": Interval(2.0, 0.5, 3.0)}, target=target.label)
    short = _Forecast({"epochs": Interval(0.5, 0.2, 0.8)}, target=target.label)
    open_end = compare(capped, above, target, 1.0)
    assert open_end.measures[0].covered is None and open_end.note is None
    assert open_end.rows()[0]["covered"] == "cannot tell (the run stopped at its cap)"
    assert open_end.rows()[0]["measured"] == ">= 1"
    assert compare(capped, short, target, 1.0).measures[0].covered is False


def test_a_drop_target_needs_the_clean_accuracy():
    assert ValidationSettings(base_acc=0.93).target_acc() == pytest.approx(0.91)  # the default: 2 points below
    with pytest.raises(RetrainError, match="needs the old model's clean accuracy"):
        ValidationSettings(base_acc=None).target_acc()


def test_records_stopped_below_this_run_s_cap_say_so():
    records = pd.DataFrame({"run_kind": ["retrain", "retrain", "scratch"], "max_epochs": [8, 8, 30]})
    assert records_cap_note(records, 30) == (
        "the records' runs stopped at 8 epochs: the forecast cannot exceed 8 epochs, and this run may go to 30"
    )
    assert records_cap_note(records, 8) is None


def test_a_validation_run_is_tracked_live_with_every_evaluation(tmp_path):
    """With ``live``, the run is a live run of the records database (as a team's own loop is): every evaluation
    of the loop, the first at epoch 0, the prior it checks, and no second record (its own is the validation's)."""
    from resque_core.calibration.validation import LiveSettings
    from resque_core.forecast.records import RecordStore
    from resque_core.live import Prior, RunStore

    torch.set_num_threads(1)
    loaded = load_checkpoint("default")
    new = Shifted(Subset(DigitsDataset(), list(range(400))), ShiftSpec.parse("gaussian_noise:5"), 0)
    db = tmp_path / "records.sqlite"
    live = LiveSettings("validate default", prior=Prior(2.0, 1.0, 5.0, index=0.05, index_kind="dist"), db=db)
    settings = ValidationSettings(target=Target.acc(0.74), max_epochs=3, measure_energy=False)
    result = validate(loaded, new, settings, live=live)
    (run,) = RunStore(db).runs()
    assert [p.epoch for p in run.points] == [p.epoch for p in result.evals]
    assert [p.val_acc for p in run.points] == pytest.approx([p.val_acc for p in result.evals])
    assert run.status == "finished" and run.target_acc == pytest.approx(0.74) and run.max_epochs == 3
    assert run.prior.epochs == 2.0 and run.record_id is None and RecordStore(db).all().empty
