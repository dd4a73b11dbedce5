"""The calibration library: its families' models, a tiny real sweep of each, and ``calibrate --family``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from resque_core.assets import asset_path
from resque_core.calibration.campaigns import family_sweep, records_frame
from resque_core.calibration.library import (
    DEFAULT_FAMILY,
    FAMILIES,
    estimate_minutes,
    get_family,
    library_family,
    library_records,
    train_epochs_by_key,
)
from resque_core.cli import main
from resque_core.data import Preprocessed, paper_split
from resque_core.errors import RecordsError
from resque_core.forecast.curves import read_curves_csv
from resque_core.forecast.family import family_key, family_of
from resque_core.forecast.records import DEFAULT_CSV, load_records_csv
from resque_core.forecast.shipped import DEFAULT_SOURCE, shipped_families, shipped_records, shipped_source
from resque_core.retraining.steps import evaluate, materialize

# One cheap, clearly shifting case per family, at one epoch per run: proof the path works, not a calibration.
TINY_SHIFT = {"digits-cnn": "occlusion:5", "shapes-resnet": "colour_cast:5", "digits-mlp": "rotation:5"}


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_each_family_model_is_what_the_library_says_and_knows_its_data(name):
    spec = get_family(name)
    loaded = spec.load()
    family = family_of(loaded)
    assert (family.arch, family.input_size) == (spec.arch, spec.input_size)
    assert library_family(family.arch, family.input_size) is spec
    path = asset_path("default_digits_0-9.pt" if spec.checkpoint == "default" else spec.checkpoint)
    assert path.stat().st_size < 2 * 2**20
    _, new = paper_split(spec.dataset(), 0)  # the part the model never trained on
    x, y = materialize(Preprocessed(new, loaded.input_spec))
    assert evaluate(loaded.model, x, y, torch.device("cpu"))[1] > 0.9


def test_new_family_models_carry_their_provenance():
    catalogue = json.loads(asset_path("family_models.json").read_text())
    for spec in (get_family("shapes-resnet"), get_family("digits-mlp")):
        entry = catalogue[spec.checkpoint]
        assert entry["family"] == spec.name and entry["epochs"] == spec.train_epochs
        assert entry["command"].startswith("python scripts/train_family_models.py")
        assert entry["accuracy"] == pytest.approx(spec.load().accuracy, abs=1e-4)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_a_tiny_sweep_of_each_family_writes_its_records(name):
    spec = get_family(name)
    cfg = spec.sweep_config(
        shifts=(TINY_SHIFT[name],), task_splits=(), seeds=(0,), max_epochs=1, scratch_epochs=1, max_cases=1
    )
    frame = records_frame(family_sweep(spec, cfg, None))
    assert sorted(frame.run_kind) == ["retrain", "scratch"]
    assert (frame["shift"] == TINY_SHIFT[name]).all() and (frame.model == spec.model).all()
    assert (family_key(frame) == spec.key).all()
    assert frame.run_id.str.startswith(f"{name}-").all()
    retrain = frame[frame.run_kind == "retrain"].iloc[0]
    assert retrain.index_value > retrain.noise_floor  # a level-5 shift moves the index above the floor
    assert retrain.start_acc < 0.9  # and costs the old model accuracy


def test_family_sweep_settings_and_their_time_bound():
    total = {n: len(f.sweep_config().shifts) * len(f.sweep_config().seeds) for n, f in FAMILIES.items()}
    assert total == {"digits-cnn": 195, "shapes-resnet": 84, "digits-mlp": 195}
    types = {n: {s.split(":")[0] for s in f.sweep_config().shifts} for n, f in FAMILIES.items()}
    assert len(types["shapes-resnet"]) == 14 and "colour_cast" not in types["digits-mlp"]
    assert min(len(t) for t in types.values()) >= 12
    spec = get_family("digits-mlp")
    loaded, data = spec.load(), spec.dataset()
    one = estimate_minutes(spec, spec.sweep_config(seeds=(0,)), loaded, data)
    three = estimate_minutes(spec, spec.sweep_config(), loaded, data)
    assert 0 < one < three < 3.5 * one  # more seeds, more runs (the from-scratch runs are shared)


def test_library_lookup_and_records():
    assert library_family("ResNet18", "224x224x3") is None
    with pytest.raises(RecordsError, match="no model family 'vit'.*digits-cnn, shapes-resnet, digits-mlp"):
        get_family("vit")
    assert train_epochs_by_key() == {"SmallCNN 16x16x1": 30.0, "SmallResNet 32x32x3": 10.0, "MLP 8x8x1": 30.0}
    records = library_records(["digits-cnn"])  # not regenerated yet: the shipped default stands in
    assert len(records) > 100 and set(family_key(records).dropna()) == {"SmallCNN 16x16x1"}


def test_a_model_of_a_library_family_forecasts_from_its_own_familys_records(capsys):
    shapes = get_family("shapes-resnet")
    assert shipped_source(family_of(shapes.load())) == "library shapes-resnet"
    assert shipped_source(family_of(get_family("digits-cnn").load())) == DEFAULT_SOURCE  # the default is digits-cnn's
    assert shipped_source(None) == DEFAULT_SOURCE == "default calibration"
    assert set(family_key(shipped_records("library shapes-resnet"))) == {"SmallResNet 32x32x3"}
    with pytest.raises(RecordsError, match="the library has no records of vit yet"):
        shipped_records("library vit")
    with pytest.raises(RecordsError, match="no shipped records 'mine'; shipped: default calibration, library"):
        shipped_records("mine")
    checkpoint = str(asset_path(shapes.checkpoint))
    assert main(["forecast", "--index", "0.05", "--checkpoint", checkpoint, "--data", "shapes", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["source"]["records"] == "library shapes-resnet" and payload["family_note"] is None
    assert payload["unknown_model"] is None and 0 < payload["epochs"]["point"] <= shapes.max_epochs


def test_the_shipped_families_are_the_librarys_calibrated_ones():
    """``forecast.shipped`` reads the families from the provenance files; they must be the library's."""
    calibrated = {f"{spec.arch.lower()} {spec.input_size}": name for name, spec in FAMILIES.items()
                  if spec.records_path.is_file() and name != DEFAULT_FAMILY}  # fmt: skip
    assert shipped_families() == calibrated == {"smallresnet 32x32x3": "shapes-resnet", "mlp 8x8x1": "digits-mlp"}
    assert FAMILIES[DEFAULT_FAMILY].records_path == DEFAULT_CSV  # digits-cnn's records are the default calibration


def test_calibrate_family_writes_records_and_provenance(tmp_path, capsys):
    argv = ["calibrate", "--family", "digits-mlp", "--types", "occlusion", "--seeds", "1", "--max-cases", "1"]
    assert main([*argv, "--no-energy", "--out", str(tmp_path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["families"][0]
    assert summary["family"] == "digits-mlp" and summary["runs"] == 2
    frame = load_records_csv(tmp_path / "digits-mlp.csv")
    assert list(frame["shift"].unique()) == ["occlusion:3"] and (frame.arch == "MLP").all()  # middle level first
    assert np.isnan(frame.kwh.astype(float)).all()  # --no-energy
    curves = read_curves_csv(tmp_path / "digits-mlp.curves.csv.gz")  # each run's curve, beside its records
    assert set(curves["run_id"]) == set(frame["run_id"]) and (curves.groupby("run_id")["epoch"].min() == 0).all()
    prov = json.loads((tmp_path / "digits-mlp.json").read_text())
    assert prov["what"] == "calibration library records of the family digits-mlp"
    assert prov["family"]["checkpoint"] == "family_digits_mlp.pt" and prov["estimated_minutes_upper_bound"] > 0
    assert prov["sweep"]["max_cases"] == 1 and prov["sweep"]["max_epochs"] == 30


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--family", "vit"], "no model family 'vit' in the calibration library"),
        (["--family", "digits-mlp", "--demo"], "give it without --demo"),
    ],
)
def test_calibrate_family_refuses_bad_input_in_one_line(extra, message, capsys):
    assert main(["calibrate", *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
