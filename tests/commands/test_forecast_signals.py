"""``forecast --acc-drop/--mean-conf/--labels`` and ``index --labels`` from the CLI: the signals the
forecast used, in words and in JSON, the same as the Python API's."""

from __future__ import annotations

import json
import pathlib
from types import SimpleNamespace

import pytest

from resque_core.forecast.forecaster import Forecaster
from resque_core.forecast.records import load_records_csv
from tests.commands.in_process import run_main
from tests.forecast.test_signals import signal_records


def run_cli(capsys, *args: str) -> SimpleNamespace:
    """The CLI in this process (imports and caches shared with the other tests): returncode, stdout, stderr."""
    code, out, err = run_main(capsys, *args)
    return SimpleNamespace(returncode=code, stdout=out, stderr=err)


@pytest.fixture(scope="module")
def records_csv(tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("records") / "signals.csv"
    signal_records("acc_drop").to_csv(path, index=False)
    return path


def test_forecast_from_the_accuracy_drop_in_json_and_in_words(records_csv, capsys):
    out = run_cli(capsys, "forecast", "--index", "0.05", "--acc-drop", "0.25", "--records", str(records_csv), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    forecast = Forecaster().fit(load_records_csv(records_csv)).predict(0.05, acc_drop=0.25)
    assert data["signals"] == json.loads(json.dumps(forecast.signals.to_dict()))
    assert data["signals"]["signals"] == ["acc_drop"]
    assert data["epochs"]["point"] == pytest.approx(forecast.measures["epochs"].point, rel=1e-12)
    assert data["fit_report"]["signal_mae_epochs"]["acc_drop"] < 0.1
    text = run_cli(capsys, "forecast", "--index", "0.05", "--acc-drop", "0.25", "--records", str(records_csv))
    assert text.returncode == 0, text.stderr
    assert forecast.signals.sentence() in text.stdout.splitlines()


def test_label_free_forecast_and_a_label_only_signal_refused(records_csv, capsys):
    out = run_cli(capsys, "forecast", "--index", "0.05", "--labels", "predicted", "--mean-conf", "0.7",
                  "--records", str(records_csv), "--json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["signals"]["labels"] == "predicted"
    bad = run_cli(capsys, "forecast", "--index", "0.05", "--labels", "predicted", "--acc-drop", "0.1",
                  "--records", str(records_csv))  # fmt: skip
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "needs the new data's labels" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_index_labels_predicted_is_label_free_and_prints_the_signals(capsys):
    given = run_cli(capsys, "index", "--shift", "gaussian_noise:4", "--device", "cpu", "--json")
    free = run_cli(capsys, "index", "--shift", "gaussian_noise:4", "--device", "cpu", "--labels", "predicted", "--json")
    assert given.returncode == 0 and free.returncode == 0, given.stderr + free.stderr
    given, free = json.loads(given.stdout), json.loads(free.stdout)
    assert given["labels"] == "given" and free["labels"] == "predicted"
    assert free["accuracy_new"] is None and free["acc_drop"] is None
    assert free["mean_conf"] == pytest.approx(given["mean_conf"], abs=1e-12)
    assert given["acc_drop"] == pytest.approx(given["base_acc"] - given["accuracy_new"])
    assert 0.1 < given["acc_drop"] < 0.6 and free["resque"] != given["resque"]
