"""``forecast --curve`` names the curve family (``--model``, its old name, still works for one release and
says so), and the command forecasts with the same fitted forecaster as the Python API."""

from __future__ import annotations

import json

from resque_core.cli import main
from resque_core.forecast.costing import CostSettings
from resque_core.forecast.pipeline import Evidence, FitSettings, choose_records, fitted, make_forecast
from resque_core.jsonable import strict_json


def test_curve_picks_the_curve_family_and_model_is_its_deprecated_alias(capsys):
    assert main(["forecast", "--index", "0.05", "--curve", "linear", "--json"]) == 0
    new = capsys.readouterr()
    assert new.err == ""
    payload = json.loads(new.out)
    assert set(payload["fit_report"]["models"].values()) == {"linear"}
    assert main(["forecast", "--index", "0.05", "--model", "linear", "--json"]) == 0
    old = capsys.readouterr()
    assert old.err.strip() == "warning: --model is deprecated and will be removed; use --curve"
    assert json.loads(old.out) == payload


def test_the_command_prints_the_forecast_the_api_makes(capsys):
    records = choose_records("default")
    evidence, fit = Evidence(index=0.05, acc_drop=0.1), FitSettings(curve="isotonic")
    forecast = make_forecast(evidence, records, CostSettings(), settings=fit)  # the command's default pricing
    assert main(["forecast", "--index", "0.05", "--acc-drop", "0.1", "--curve", "isotonic", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    for key in ("unknown_model", "fit_report", "probe", "records_pooling"):  # what the command prints beside it
        payload.pop(key)
    assert payload == json.loads(strict_json(forecast.to_dict()))
    assert payload["source"]["records"] == "default calibration"


def test_a_fit_is_kept_per_records_and_settings():
    records = choose_records("default")
    first = fitted(records, "dist", FitSettings(level=0.8))
    assert fitted(choose_records("default"), "dist", FitSettings(level=0.8)) is first  # read again, same content
    assert fitted(records, "dist", FitSettings(level=0.9)) is not first
    assert fitted(records, "dist", FitSettings(level=0.8)).level == 0.8
