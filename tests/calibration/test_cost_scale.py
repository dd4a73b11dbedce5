"""A self-calibration's seconds and kWh are priced for the user's epochs (``calibration.cost_scale``)."""

from __future__ import annotations

import pytest
import torch

from resque_core.calibration.cost_scale import CostScale
from resque_core.calibration.metadata import RecordMetadata
from resque_core.calibration.rows import ShiftFacts, make_row
from resque_core.calibration.validation import ValidationSettings, validate
from resque_core.data import DigitsDataset, Shifted, ShiftSpec, Subset
from resque_core.forecast.targets import Target
from resque_core.model.checkpoint import load_checkpoint


@pytest.fixture(scope="module")
def one_epoch():
    """A real one-epoch retraining of the default model on 400 shifted digits, and the facts of its shift."""
    torch.set_num_threads(1)
    loaded = load_checkpoint("default")
    new = Shifted(Subset(DigitsDataset(), list(range(400))), ShiftSpec.parse("gaussian_noise:4"), 0)
    settings = ValidationSettings(target=Target.acc(1.0), max_epochs=1, measure_energy=False)
    result = validate(loaded, new, settings)
    facts = ShiftFacts("dist", 0.05, 0.01, "gaussian_noise:4", "gaussian_noise", 4, result.start_acc, n_train=300)
    return result, facts


def test_a_run_on_half_the_data_has_its_seconds_per_epoch_doubled(one_epoch):
    result, facts = one_epoch
    measured = make_row(RecordMetadata("m", "d", "self", None), facts, 0, "retrain", result, 1.0, True)
    scale = CostScale(data_fraction=0.5)
    scaled = make_row(RecordMetadata("m", "d", "self", None, cost_scale=scale), facts, 0, "retrain", result, 1.0, True)
    assert measured.seconds > 0 and measured.n_train == 300
    assert scaled.seconds == pytest.approx(2 * measured.seconds) and scaled.n_train == 600
    assert scaled.epochs == measured.epochs  # counted as run: only the costs are priced for the larger epochs
    last, first = scaled.curve.points[-1], measured.curve.points[-1]
    assert last.seconds == pytest.approx(2 * first.seconds) and last.val_acc == first.val_acc
    assert scale.sentence(300) == (
        "runs trained on 0.5 of the data, 300 images per epoch: their seconds and kWh are scaled x2 to 600 images "
        "per epoch, the full data's (your new data's size unknown); their epochs are counted on the smaller epochs"
    )


def test_the_user_s_epoch_size_wins_and_kwh_scales_too(one_epoch):
    result, facts = one_epoch
    metered = CostScale(epoch_images=1200, data_fraction=0.25)
    from resque_core.calibration.record import CalibrationRecord

    record = CalibrationRecord(run_kind="retrain", index_kind="dist", index_value=0.05, epochs=2.0, censored=False,
                               n_train=300, seconds=10.0, kwh=2e-4, co2_kg=8e-5, kwh_per_epoch=1e-4)  # fmt: skip
    scaled = metered.apply(record)
    assert (scaled.n_train, scaled.seconds, scaled.kwh, scaled.kwh_per_epoch) == (1200, 40.0, 8e-4, 4e-4)
    assert scaled.co2_kg == pytest.approx(3.2e-4) and scaled.epochs == 2.0
    assert "scaled x4 to 1,200 images per epoch, your real retraining's" in metered.sentence(300)
    assert CostScale().apply(record) is record and CostScale().sentence(300) is None  # full data, size unknown
