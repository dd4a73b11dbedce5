"""Every ``--json`` output and JSON export is strict JSON: no NaN or Infinity token, a null with its reason."""

from __future__ import annotations

import json
import math
import pathlib
import sys

import numpy as np
import pytest

from resque_core.cli import main
from resque_core.commands.forecast import NULL_REASONS as FORECAST_REASONS
from resque_core.jsonable import NULL_REASONS, strict_json

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from records_fixtures import synthetic_records  # noqa: E402
from report_fixtures import make_scenario  # noqa: E402


def strict_loads(text: str):
    """``json.loads`` as a strict parser reads it: NaN, Infinity and -Infinity are errors."""

    def refuse(token: str):
        raise ValueError(f"non-standard JSON token {token}")

    return json.loads(text, parse_constant=refuse)


def run_json(argv: list[str], capsys) -> dict | list:
    assert main(argv) == 0
    return strict_loads(capsys.readouterr().out)


def test_the_strict_parser_refuses_what_python_writes_by_default():
    with pytest.raises(ValueError, match="NaN"):
        strict_loads(json.dumps({"x": float("nan")}))


def test_strict_json_writes_null_and_says_why():
    obj = {
        "a": float("nan"),
        "b": {"c": [1.0, float("inf"), np.float32("-inf")]},
        "d": np.float64(2.5),
        "e": None,
    }
    data = strict_loads(strict_json(obj, reasons={"a": "undefined: nothing varies"}))
    assert data["a"] is None and data["b"]["c"] == [1.0, None, None] and data["d"] == 2.5 and data["e"] is None
    assert data[NULL_REASONS] == {
        "a": "undefined: nothing varies",
        "b.c[1]": "+infinite, which JSON cannot hold",
        "b.c[2]": "-infinite, which JSON cannot hold",
    }


def test_finite_values_get_no_reasons_and_a_list_stays_a_list():
    assert strict_loads(strict_json({"x": 1.5, "y": [2, 3]})) == {"x": 1.5, "y": [2, 3]}
    assert strict_loads(strict_json([float("nan"), 1])) == [None, 1]


def test_forecast_json_on_records_whose_epochs_do_not_vary(tmp_path, capsys):
    records = synthetic_records(n=12)
    records["epochs"], records["seconds"] = 5.0, 15.0  # Spearman(index, epochs) is NaN
    records["kwh"] = records["co2_kg"] = float("nan")  # --no-energy records
    path = tmp_path / "records.csv"
    records.to_csv(path, index=False)
    data = run_json(["forecast", "--index", "0.05", "--records", str(path), "--json"], capsys)
    assert data["fit_report"]["spearman_epochs"] is None
    reasons = data[NULL_REASONS]
    assert reasons["fit_report.spearman_epochs"] == FORECAST_REASONS["fit_report.spearman_epochs"]
    assert data["epochs"]["point"] == pytest.approx(5.0) and data["kwh"] is None and data["co2_kg"] is None


def test_forecast_json_on_the_default_records_has_nothing_to_explain(capsys):
    data = run_json(["forecast", "--index", "0.05", "--json"], capsys)
    assert NULL_REASONS not in data and math.isfinite(data["fit_report"]["spearman_epochs"])


def test_schedule_json_for_a_job_with_no_energy(capsys):
    argv = ["schedule", "--provider", "illustrative", "--zone", "DE", "--duration", "2h", "--energy-kwh", "0"]
    data = run_json([*argv, "--now", "2026-11-24T00:00Z", "--json"], capsys)
    assert (data["co2_now_kg"], data["co2_best_kg"], data["co2_saved_kg"], data["saved_pct"]) == (0, 0, 0, 0)
    assert data["best_start"].startswith("2026-11-24")


def test_index_and_layers_json(capsys):
    index = run_json(["index", "--shift", "gaussian_noise:2", "--device", "cpu", "--json"], capsys)
    assert 0 < index["resque"] < 1 and index["noise_floor"] < index["resque"]
    layers = run_json(["layers", "--json"], capsys)
    assert [row["name"] for row in layers if row["default"]] == ["classifier:input"]


def test_validate_json_without_energy(capsys):
    argv = ["validate", "--shift", "gaussian_noise:1", "--max-epochs", "1", "--no-energy", "--json"]
    row = run_json([*argv, "--target-acc", "1"], capsys)  # out of reach: it trains to the cap
    assert row["kwh"] is None and row["co2_kg"] is None and row["epochs"] == pytest.approx(1.0)


def test_report_json_export_of_a_scenario_holding_nan(tmp_path, capsys):
    scenario = make_scenario().to_dict()
    scenario["index"]["noise_floor"] = float("nan")
    scenario["forecast"]["measures"]["kwh"]["high"] = float("inf")
    source = tmp_path / "in.json"
    source.write_text(json.dumps({"format": "resque-scenarios", "version": 1, "scenarios": [scenario]}))
    out = tmp_path / "out.json"
    assert main(["report", "--scenarios", str(source), "--json", str(out)]) == 0
    written = strict_loads(out.read_text())["scenarios"][0]
    assert written["index"]["noise_floor"] is None and written["forecast"]["measures"]["kwh"]["high"] is None
    assert written["index"]["value"] == pytest.approx(0.042)
