"""``forecast --probe`` prints the probe's median, spread and rounds, and prices kWh with its median."""

from __future__ import annotations

import json

import pytest

from resque_core.cli import main


def test_forecast_probe_reports_median_spread_and_rounds(capsys):
    assert main(["forecast", "--index", "0.05", "--probe", "--probe-steps", "5", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    probe = out["probe"]
    assert probe["repeats"] >= 4 and probe["threads"] == 1  # a warm-up round, then at least three that agree
    assert probe["kwh_per_epoch_low"] <= probe["kwh_per_epoch"] <= probe["kwh_per_epoch_high"]
    assert out["kwh"]["point"] == pytest.approx(out["epochs"]["point"] * probe["kwh_per_epoch"])
    assert out["source"]["energy_basis"] == f"probe (median of {probe['repeats']} rounds of {probe['steps']} steps)"
    assert out["family_note"] is None  # the default model is the shipped records' own family
    assert main(["forecast", "--index", "0.05", "--probe", "--probe-steps", "5"]) == 0
    captured = capsys.readouterr()
    last = captured.out.strip().splitlines()[-1]
    assert last.startswith("probe: ") and "Wh per epoch (" in last and "spread" in last  # in the unit that suits it
    assert "probe: round 1 (at most 10)" in captured.err
    assert "note: the probe trains on the digits, the default model's own data (--data names another)" in captured.err


def test_probing_a_model_of_yours_needs_its_data(tmp_path, capsys):
    from tests.commands.in_process import run_main
    from tests.own_model_fixtures import SPEC_JSON, save_all

    weights = save_all(tmp_path)["state_dict"]
    own = ["--checkpoint", str(weights), "--arch", "resnet18", "--input-spec", SPEC_JSON]
    for extra in (["--probe"], ["--advice"]):
        code, out, err = run_main(capsys, "forecast", "--index", "0.05", *own, *extra)
        assert code == 2 and out == "" and "probe: round" not in err
        assert "give it with --data" in err and "the digits are the default model's data" in err
