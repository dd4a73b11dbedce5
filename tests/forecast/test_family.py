"""Whose calibration it is: the records' model family against the user's, in one sentence."""

from __future__ import annotations

import io
import sqlite3

import pytest
import torch

from resque_core.data.base import InputSpec
from resque_core.forecast.costing import Costing
from resque_core.forecast.family import ModelFamily, family_note, family_of, records_family
from resque_core.forecast.records import RECORD_COLUMNS, RecordStore, default_records, load_records_csv
from resque_core.model.checkpoint import load_checkpoint
from tests.records_fixtures import synthetic_records

RGB_32 = InputSpec(size=(32, 32), channels=3, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
SHIPPED = "SmallCNN (28.1k parameters, 16x16 grey images, 675 training images)"
RESNET = "resnet18 (11.2M parameters, 32x32 RGB images)"
OTHER = (
    f"This forecast comes from runs of {SHIPPED}; your model is {RESNET}: self-calibrate for figures that speak for it."
)
PROBE_TOO = " Its energy per epoch is theirs too: measure a probe of your model."


@pytest.fixture(scope="module")
def resnet(tmp_path_factory):
    """A torchvision ResNet-18 (random weights, 10 classes) saved as a bare state_dict, loaded as a user would."""
    path = tmp_path_factory.mktemp("resnet") / "resnet18.pt"
    import torchvision

    torch.save(torchvision.models.resnet18(weights=None, num_classes=10).state_dict(), path)
    return load_checkpoint(str(path), arch="resnet18", input_spec=RGB_32)


def test_the_default_models_are_one_family_and_the_shipped_records_are_theirs():
    full, half = family_of(load_checkpoint("default")), family_of(load_checkpoint("default-0-4"))
    assert full == ModelFamily("SmallCNN", 28106, "16x16x1") and half.n_params == 27781
    assert full.same_as(half)  # a five-class head does not make another family
    assert records_family(default_records()) == ModelFamily("SmallCNN", 28106, "16x16x1", 675)
    assert family_note(default_records(), half, "records") is None


def test_a_resnet_is_another_family_and_the_note_says_so(resnet):
    family = family_of(resnet)
    assert family == ModelFamily("resnet18", 11181642, "32x32x3")
    assert family_note(default_records(), family) == OTHER
    assert family_note(default_records(), family, "records") == OTHER + PROBE_TOO
    assert family_note(default_records(), None) is None  # no model given: nothing to compare


def test_records_that_name_no_family_say_so():
    old = load_records_csv(io.StringIO("index_kind,index_value,epochs,censored,run_kind\ndist,0.02,3.5,0,retrain\n"))
    assert old[["arch", "n_params", "input_size", "n_train"]].isna().all().all()  # an old CSV still loads
    note = family_note(old, ModelFamily("resnet18", 11181642, "32x32x3"))
    assert note == (
        f"The calibration records do not name the model they were measured on; your model is {RESNET}: "
        "self-calibrate for figures that speak for it."
    )


def test_the_forecast_carries_the_note_and_its_energy_basis_decides_the_probe_hint(resnet, default_forecaster):
    fitted = default_forecaster()
    family = family_of(resnet)
    assert fitted.predict(0.05).family_note is None
    assert fitted.predict(0.05, family=family_of(load_checkpoint("default"))).family_note is None
    assert fitted.predict(0.05, family=family).family_note == OTHER + PROBE_TOO
    given = Costing(kwh_per_epoch=1e-3)
    forecast = fitted.predict(0.05, costing=given, family=family)
    assert forecast.family_note == OTHER and forecast.to_dict()["family_note"] == OTHER
    assert [f.family_note for f in fitted.predict([0.02, 0.05], costing=given, family=family)] == [OTHER] * 2


def test_a_store_made_before_the_family_columns_takes_new_records(tmp_path):
    path = tmp_path / "old.sqlite"
    old_columns = [c for c in RECORD_COLUMNS if c not in ("arch", "n_params", "input_size", "n_train")]
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE records ({', '.join(old_columns)})")
    store = RecordStore(path)
    assert store.add(synthetic_records(n=3)) == 3
    stored = store.all()
    assert stored.arch.tolist() == ["SmallCNN"] * 3 and stored.n_params.tolist() == [28106.0] * 3
    assert stored.input_size.tolist() == ["16x16x1"] * 3 and stored.n_train.tolist() == [404.0] * 3
