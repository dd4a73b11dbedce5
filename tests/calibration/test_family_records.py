"""A Validate run's record carries the model family, like a sweep's."""

from __future__ import annotations

import pytest
import torch

from resque_core.calibration.validation import ValidationSettings, validate, validation_family, validation_record
from resque_core.data import DigitsDataset, Shifted, ShiftSpec
from resque_core.forecast.records import validate_records
from resque_core.model.checkpoint import load_checkpoint


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


class _Report:
    """The fields of an ``IndexReport`` a validation record reads."""

    kind, value, noise_floor, shift = "dist", 0.05, 0.008, "gaussian_noise:3"


def test_a_validation_record_carries_the_model_family():
    loaded = load_checkpoint("default")
    new = Shifted(DigitsDataset(), ShiftSpec.parse("gaussian_noise:3"), 0)
    settings = ValidationSettings(max_epochs=1, measure_energy=False, base_acc=loaded.accuracy)
    family = validation_family(loaded, new, settings)
    assert (family.arch, family.n_params, family.input_size) == ("SmallCNN", 28106, "16x16x1")
    assert family.n_train == 1347  # 1797 digits less a stratified quarter held out to validate on
    result = validate(loaded, new, settings)
    record = validation_record(result, _Report(), settings, model="default", dataset="digits", family=family)
    assert (record.arch, record.n_params, record.input_size, record.n_train) == ("SmallCNN", 28106, "16x16x1", 1347)
    frame = validate_records([record.to_row()])
    assert frame.loc[0, ["arch", "n_params", "input_size", "n_train"]].tolist() == ["SmallCNN", 28106, "16x16x1", 1347]
    bare = validate_records(
        [validation_record(result, _Report(), settings, model="default", dataset="digits").to_row()]
    )
    assert bare.loc[0, ["arch", "n_params", "input_size", "n_train"]].isna().all()  # no family given: left empty
