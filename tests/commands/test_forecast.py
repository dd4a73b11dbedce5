"""``python -m resque_core forecast`` end to end: JSON fields, values, errors (in this process; the exit code
and stderr of bad input also from a real ``python -m resque_core`` subprocess)."""

from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

from resque_core.forecast.costing import Costing
from resque_core.forecast.forecaster import Forecaster
from resque_core.forecast.records import load_records_csv
from resque_core.forecast.result import MEASURES
from tests.commands.in_process import run_main
from tests.records_fixtures import synthetic_records

ROOT = pathlib.Path(__file__).resolve().parents[2]


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "resque_core", "forecast", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


@pytest.fixture(scope="module")
def records_csv(tmp_path_factory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("records") / "history.csv"
    synthetic_records(30, n_scratch=8, n_censored=2).to_csv(path, index=False)
    return path


def test_json_has_the_documented_fields_and_matches_the_python_api(records_csv, capsys):
    code, out, err = run_main(capsys, "forecast", "--index", "0.05", "--records", str(records_csv), "--intensity",
                              "250", "--price-per-kwh", "0.3", "--json")  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    expected = {*MEASURES, "money", "scratch", "source", "n_records", "level", "index", "kind", "extrapolated"}
    assert expected <= set(data)
    forecaster = Forecaster().fit(load_records_csv(records_csv), "dist", source="user history")
    forecast = forecaster.predict(0.05, costing=Costing(intensity_g_per_kwh=250, price_per_kwh=0.3))
    for measure in (*MEASURES, "money"):
        iv = forecast.measures[measure]
        assert data[measure] == pytest.approx({"point": iv.point, "low": iv.low, "high": iv.high}, rel=1e-12)
        assert set(data["scratch"][measure]) == {"point", "low", "high"}
    assert data["scratch"]["epochs"]["point"] == pytest.approx(forecast.scratch["epochs"].point)
    assert data["n_records"] == 28 and data["level"] == 0.8 and data["extrapolated"] is False
    assert data["source"]["records"] == "user history" and data["source"]["energy"] == "estimated"
    assert data["co2_kg"]["point"] == pytest.approx(data["kwh"]["point"] * 0.25)
    assert data["fit_report"]["n_censored"] == 2
    coverage = forecast.coverage  # the headline's "how sure" figure, as the page and the report quote it
    assert coverage is not None and data["coverage"] == coverage.to_dict()
    assert 0 < data["coverage"]["share"] <= 1 and data["coverage"]["runs"] > 0


def test_kwh_per_epoch_is_labeled_measured_and_scales_epochs(records_csv, capsys):
    code, out, err = run_main(capsys, "forecast", "--index", "0.2", "--records", str(records_csv), "--kwh-per-epoch",
                              "0.5", "--level", "0.9", "--json")  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["kwh"]["high"] == pytest.approx(data["epochs"]["high"] * 0.5)
    assert data["source"]["energy"] == "measured" and data["extrapolated"] is True and data["level"] == 0.9
    assert "money" not in data


def run_in_process(capsys, *args: str) -> str:
    code, out, err = run_main(capsys, "forecast", *args)
    assert code == 0, err
    return out


def test_watts_without_seconds_borrow_the_records_seconds_and_are_labeled_modeled(records_csv, capsys):
    args = ("--index", "0.05", "--records", str(records_csv), "--watts", "72", "--json")
    data = json.loads(run_in_process(capsys, *args))
    assert data["source"]["energy"] == "modeled"
    # 72 W x the default utilization 0.7 (the dashboard's) x 3 s per epoch (the records' seconds per epoch), in kWh
    assert data["kwh"]["point"] == pytest.approx(data["epochs"]["point"] * 72 * 0.7 * 3.0 / 3.6e6)
    assert "at the records' 3 s/epoch" in data["source"]["energy_basis"]


def test_a_profile_without_seconds_models_them_from_the_models_flops(capsys):
    from resque_core.energy.cost_model import model_epoch_cost
    from resque_core.model.source import ModelSource

    base = ("--index", "0.04", "--profile", "nvidia-a100-sxm", "--json")
    one = json.loads(run_in_process(capsys, *base, "--images", "1000"))
    eight = json.loads(run_in_process(capsys, *base, "--images", "1000", "--devices", "8"))
    model = ModelSource().load().model  # the default model: 16x16 grey digits
    cost = model_epoch_cost(model, (1, 16, 16), 1000, "nvidia-a100-sxm")
    assert (
        one["source"]["energy"] == "modeled" and "TFLOP per epoch on 1 x NVIDIA A100" in one["source"]["energy_basis"]
    )
    assert one["kwh"]["point"] == pytest.approx(one["epochs"]["point"] * cost.kwh_per_epoch)
    assert one["seconds"]["point"] == pytest.approx(one["epochs"]["point"] * cost.seconds_per_epoch)
    assert "on 8 x NVIDIA A100" in eight["source"]["energy_basis"]
    assert eight["seconds"]["point"] < one["seconds"]["point"] / 4  # 8 devices at 0.9 scaling each added one


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--devices", "8"), "--devices, --precision and --images model the time from FLOPs: give --profile"),
        (("--profile", "nvidia-l4", "--seconds-per-epoch", "3", "--devices", "2"), "without --seconds-per-epoch"),
        (("--profile", "nvidia-l4", "--utilization", "0.5"), "--utilization scales a typed time"),
    ],
)
def test_flops_flags_out_of_place_are_one_line(capsys, flags, message):
    code, out, err = run_main(capsys, "forecast", "--index", "0.04", *flags)
    assert code == 2 and out == "" and message in err and len(err.strip().splitlines()) == 1, err


def test_utilization_watts_and_zone_price_as_build_costing_does(records_csv, capsys):
    from resque_core.forecast.costing import CostSettings, build_costing
    from resque_core.grid.offline import annual_intensity_g_per_kwh

    args = ("--index", "0.05", "--records", str(records_csv), "--json")
    modeled = ("--seconds-per-epoch", "30", "--utilization", "0.5", "--zone", "FR", "--price-per-kwh", "0.25")
    profile = json.loads(run_in_process(capsys, *args, "--profile", "nvidia-a100-sxm", *modeled))
    watts = json.loads(run_in_process(capsys, *args, "--watts", "400", *modeled))
    settings = CostSettings(energy="watts", watts=400.0, utilization=0.5, seconds_per_epoch=30.0, intensity="zone",
                            zone="FR", price_per_kwh=0.25)  # fmt: skip
    forecaster = Forecaster().fit(load_records_csv(records_csv), "dist")
    expected = forecaster.predict(0.05, costing=build_costing(settings))
    intensity, country, _ = annual_intensity_g_per_kwh("FR")
    for data in (profile, watts):  # the A100 profile is 400 W: the same kWh as 400 typed watts
        for measure in ("kwh", "co2_kg", "money", "seconds"):
            assert data[measure] == pytest.approx(expected.measures[measure].to_dict(), rel=1e-12), measure
        assert data["kwh"]["point"] == pytest.approx(data["epochs"]["point"] * 400 * 0.5 * 30 / 3.6e6)
        assert data["co2_kg"]["point"] == pytest.approx(data["kwh"]["point"] * intensity / 1000)
        assert data["source"]["energy"] == "modeled" and data["source"]["intensity_g_per_kwh"] == intensity
        assert (
            data["source"]["intensity"].startswith(f"annual average {country}")
            and "(modeled)" in data["source"]["intensity"]
        )
    assert "NVIDIA A100" in profile["source"]["energy_basis"] and "typed power" in watts["source"]["energy_basis"]


def test_help_lists_the_costing_flags_and_the_shared_default(capsys):
    from resque_core.cli import main
    from resque_core.forecast.costing import DEFAULT_UTILIZATION

    with pytest.raises(SystemExit):
        main(["forecast", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for flag in ("--utilization U", "--watts W", "--zone CODE", "--profile NAME", "--intensity G_PER_KWH"):
        assert flag in text, flag
    assert f"(default {DEFAULT_UTILIZATION:g}, as on the dashboard" in text and "(modeled)" in text


def test_summary_is_readable(records_csv, capsys):
    out = run_in_process(capsys, "--index", "0.05", "--records", str(records_csv))
    assert "RESQUE dist index 0.05 (inside the calibrated range" in out
    assert "80% interval" in out and "from scratch" in out
    assert "2 censored run(s)" in out
    energy = next(line for line in out.splitlines() if line.startswith("Energy "))  # a unit per figure, as on the page
    assert energy.split()[2].endswith("Wh") and not re.search(r"\d(?:\.\d+)?[eE][-+]\d", out)


def test_records_from_the_local_store(tmp_path, records_csv, capsys, monkeypatch):
    from resque_core.forecast.records import RecordStore

    db = tmp_path / "r.sqlite"
    RecordStore(db).import_csv(records_csv)
    monkeypatch.setenv("RESQUE_DB", str(db))
    out = run_in_process(capsys, "--index", "0.05", "--records", "db", "--json")
    assert json.loads(out)["source"]["records"] == "local store"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--index", "abc"], "argument --index: must be an index in [0, 1]"),
        (["--index", "0.1", "--records", "{bad}"], "column epochs"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(args, message, records_csv, tmp_path):
    """The real ``python -m resque_core``: its exit status and its one line on stderr."""
    bad = tmp_path / "bad.csv"
    bad.write_text("index_kind,index_value,epochs,censored,run_kind\ndist,0.1,lots,0,retrain\n")
    out = run_cli(*[a.format(csv=records_csv, bad=bad) for a in args])
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], out.stderr
    assert out.stdout == ""


@pytest.mark.parametrize(
    "args, message",
    [
        (["--index", "nan", "--records", "{csv}"], "argument --index"),
        (["--index", "0.1", "--records", "{csv}", "--kind", "task"], "got 0"),
        (["--index", "0.1", "--records", "/no/such.csv"], "cannot read records file"),
        (["--index", "0.1", "--records", "{csv}", "--level", "1.5"], "level"),
        (["--index", "0.1", "--records", "{csv}", "--kwh-per-epoch", "-1"], "argument --kwh-per-epoch"),
        (["--index", "0.1", "--records", "{csv}", "--price-per-kwh", "1", "--hourly-rate", "2"], "not both"),
        (["--index", "0.1", "--records", "{csv}", "--profile", "no-such-gpu"], "profile"),
        (["--index", "0.1", "--kwh-per-epoch", "1", "--profile", "x"], "not allowed with"),
        (["--index", "0.1", "--watts", "300", "--profile", "nvidia-l4"], "not allowed with"),
        (["--index", "0.1", "--zone", "DE", "--intensity", "300"], "not allowed with"),
        (["--index", "0.1", "--records", "{csv}", "--utilization", "0.5"], "--utilization scales a modeled power"),
        (
            ["--index", "0.1", "--records", "{csv}", "--kwh-per-epoch", "1", "--utilization", "0.5"],
            "--profile or --watts",
        ),
        (["--index", "0.1", "--records", "{csv}", "--watts", "300", "--utilization", "1.5"], "argument --utilization"),
        (["--index", "0.1", "--records", "{csv}", "--watts", "0"], "argument --watts"),
        (["--index", "0.1", "--records", "{csv}", "--zone", "Atlantis"], "no annual average for zone 'Atlantis'"),
        (["--index", "0.1", "--kind", "shape"], "invalid choice"),
        (["--records", "{csv}"], "--index"),
    ],
)
def test_more_bad_input_in_process(args, message, records_csv, capsys):
    code, out, err = run_main(capsys, "forecast", *(a.format(csv=records_csv) for a in args))
    lines = err.strip().splitlines()
    assert code == 2 and out == ""
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], err


def test_default_calibration_forecasts_with_its_provenance(capsys):
    from resque_core.errors import RecordsError
    from resque_core.forecast.records import default_records

    try:
        records = default_records()
    except RecordsError:  # built by `calibrate --demo`
        pytest.skip("resque_core/assets/calibration_default.csv is not there")
    from resque_core.forecast.shipped import shipped_curves
    from resque_core.forecast.targets import DEFAULT_TARGET, at_target

    data = json.loads(run_in_process(capsys, "--index", "0.05", "--json"))
    records = at_target(records, shipped_curves(), DEFAULT_TARGET).frame  # every run at the default target
    usable = records[(records.run_kind == "retrain") & (records.index_kind == "dist") & (records.censored == 0)]
    assert data["target"] == DEFAULT_TARGET.label
    assert data["source"]["records"] == "default calibration" and data["n_records"] == len(usable)
    assert data["source"]["energy"] == "estimated"  # codecarbon without RAPL on the calibration machine
    assert data["epochs"]["low"] <= data["epochs"]["point"] <= data["epochs"]["high"]
    assert data["scratch"]["epochs"]["point"] > data["epochs"]["point"]
    typed = json.loads(run_in_process(capsys, "--index", "0.05", "--shift-type", "gaussian_noise", "--json"))
    assert typed["source"]["curves"] == "shift type gaussian_noise"
    assert data["source"]["curves"] == "pooled over all shift types"


def test_money_is_labelled_with_the_currency_given(records_csv, capsys):
    out = run_in_process(capsys, "--index", "0.05", "--records", str(records_csv), "--price-per-kwh", "0.3")
    money = next(line for line in out.splitlines() if line.startswith("Money "))
    assert money.split()[2] == "EUR" and money.endswith(" EUR)") and "currency" not in out  # EUR by default
    out = run_in_process(
        capsys, "--index", "0.05", "--records", str(records_csv), "--hourly-rate", "2", "--currency", "gbp"
    )
    assert next(line for line in out.splitlines() if line.startswith("Money ")).split()[2] == "GBP"
