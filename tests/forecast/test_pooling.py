"""Records of several model families are never pooled silently (``forecast.pooling``)."""

from __future__ import annotations

import pandas as pd

from resque_core.forecast.family import ModelFamily
from resque_core.forecast.pipeline import Records
from resque_core.forecast.pooling import family_runs
from tests.records_fixtures import synthetic_curves, synthetic_records

RESNET = ModelFamily("resnet18", 11_200_000, "32x32x3")
CNN = ModelFamily("SmallCNN", 28106, "16x16x1")


def two_families() -> Records:
    cnn = synthetic_records(30, seed=0, cap=10.0)
    resnet = synthetic_records(12, seed=1, cap=10.0).assign(arch="resnet18", n_params=11_200_000, input_size="32x32x3")
    frame = pd.concat([cnn, resnet], ignore_index=True)
    return Records(frame, "local store", synthetic_curves(frame))


def test_the_user_s_family_s_runs_are_kept_and_the_line_says_so():
    records = two_families()
    kept, line = family_runs(records, RESNET)
    assert len(kept.frame) == 12 and set(kept.frame["arch"]) == {"resnet18"}
    assert set(kept.curves["run_id"]) == set(kept.frame["run_id"])  # the curves follow their runs
    assert (
        line
        == "the local store holds 42 runs of 2 model families; this forecast uses the 12 of yours, resnet18 32x32x3"
    )


def test_a_family_the_records_lack_pools_them_and_says_how_many_of_which():
    records = two_families()
    kept, line = family_runs(records, ModelFamily("vit", 5_000_000, "224x224x3"))
    assert kept is records
    assert line == (
        "the local store pools 30 runs of SmallCNN 16x16x1 and 12 of resnet18 32x32x3 (none of your model's)"
    )


def test_one_family_says_nothing():
    records = Records(synthetic_records(20), "local store")
    assert family_runs(records, CNN) == (records, None)


def test_forecast_records_db_of_two_families_says_what_it_pools(tmp_path, monkeypatch, capsys):
    import json

    from resque_core.cli import main
    from resque_core.forecast.records import RecordStore

    db = tmp_path / "runs.sqlite"
    monkeypatch.setenv("RESQUE_DB", str(db))
    RecordStore(db).add(two_families().frame.to_dict("records"))
    assert main(["forecast", "--index", "0.05", "--records", "db", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["records_pooling"] == (
        "the local store pools 30 runs of SmallCNN 16x16x1 and 12 of resnet18 32x32x3"
    )  # no model named: the default model's family is not asked for, so both are pooled, and said
