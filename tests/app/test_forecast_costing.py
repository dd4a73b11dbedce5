"""The Forecast page and ``python -m resque_core forecast`` price a forecast the same way (one ``build_costing``)."""

from __future__ import annotations

import json

import pytest

from resque_core.cli import main
from resque_core.forecast.costing import DEFAULT_UTILIZATION
from resque_core.grid.offline import annual_intensity_g_per_kwh
from resque_core.jsonable import strict_json
from resque_core.units import co2_text, energy_text, measure_text
from tests.app.conftest import demo_app, errors, goto, metric

PRICED = ("epochs", "seconds", "kwh", "co2_kg", "money")


@pytest.fixture(scope="module")
def demo():
    return demo_app()


CLI_ONLY = ("unknown_model", "fit_report", "probe", "records_pooling")  # what the command prints beside it


def _cli(capsys, forecast, report, *flags: str) -> dict:
    """The CLI's JSON forecast given what the page knows of the new data (its index report), and ``flags``."""
    curves = forecast.source.curves
    typed = ["--shift-type", curves.removeprefix("shift type ")] if curves.startswith("shift type ") else []
    known = ["--acc-drop", repr(report.acc_drop), "--mean-conf", repr(report.mean_conf), "--labels", report.labels]
    args = ["forecast", "--index", repr(report.value), "--kind", report.kind, *typed, *known, *flags, "--json"]
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def _same_figures(at, cli: dict) -> None:
    """The page's forecast and the command's are the same object, key for key (nothing dropped)."""
    forecast = at.session_state["results"]["forecast"]
    assert {k: v for k, v in cli.items() if k not in CLI_ONLY} == json.loads(strict_json(forecast.to_dict()))
    assert cli["source"]["records"] == "default calibration" and set(PRICED) <= set(cli)
    assert metric(at, "Energy") == energy_text(cli["kwh"]["point"])
    assert metric(at, "CO2 (modeled") == co2_text(cli["co2_kg"]["point"])


def test_profile_at_the_default_utilization_and_a_zone_equal_the_cli(demo, capsys):
    at = goto(demo, "pages/forecast.py")
    at.radio(key="fc_energy").set_value("Hardware profile").run()
    assert at.slider(key="fc_util").value == DEFAULT_UTILIZATION  # the CLI's default too
    at.selectbox(key="fc_profile").set_value("nvidia-a100-sxm")
    at.number_input(key="fc_sec_epoch").set_value(30.0)
    at.radio(key="fc_grid").set_value("Annual average of a zone (offline)").run()
    at.text_input(key="fc_zone").set_value("FR")
    at.radio(key="fc_price").set_value("Per kWh").run()
    at.number_input(key="fc_price_kwh").set_value(0.25)
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    forecast, report = at.session_state["results"]["forecast"], at.session_state["results"]["index"]
    cli = _cli(capsys, forecast, report, "--profile", "nvidia-a100-sxm", "--seconds-per-epoch", "30",
               "--zone", "FR", "--price-per-kwh", "0.25")  # fmt: skip
    _same_figures(at, cli)
    intensity, country, _ = annual_intensity_g_per_kwh("FR")
    assert cli["kwh"]["point"] == pytest.approx(cli["epochs"]["point"] * 400 * DEFAULT_UTILIZATION * 30 / 3.6e6)
    assert cli["co2_kg"]["point"] == pytest.approx(cli["kwh"]["point"] * intensity / 1000)
    assert cli["money"]["point"] == pytest.approx(cli["kwh"]["point"] * 0.25)
    assert cli["source"]["energy"] == "modeled" and f"annual average {country}" in cli["source"]["intensity"]
    assert any("Energy: modeled (modeled: NVIDIA A100" in c.value for c in at.main.caption)


def test_typed_watts_utilization_and_an_hourly_rate_equal_the_cli(demo, capsys):
    at = goto(demo, "pages/forecast.py")
    at.radio(key="fc_energy").set_value("Type watts").run()
    at.number_input(key="fc_watts").set_value(250.0)
    at.number_input(key="fc_sec_epoch").set_value(12.0)
    at.slider(key="fc_util").set_value(0.5)
    at.radio(key="fc_grid").set_value("Annual average of a zone (offline)").run()
    at.text_input(key="fc_zone").set_value("PL")
    at.radio(key="fc_price").set_value("Per GPU-hour").run()
    at.text_input(key="fc_currency").set_value("pln").run()
    at.number_input(key="fc_price_hour").set_value(3.0)
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    forecast, report = at.session_state["results"]["forecast"], at.session_state["results"]["index"]
    cli = _cli(capsys, forecast, report, "--watts", "250", "--utilization", "0.5", "--seconds-per-epoch", "12",
               "--zone", "PL", "--hourly-rate", "3", "--currency", "pln")  # fmt: skip
    _same_figures(at, cli)
    assert cli["source"]["currency"] == "PLN" and metric(at, "Money") == measure_text(
        "money", cli["money"]["point"], "PLN"
    )
    assert metric(at, "Money").endswith(" PLN") and at.dataframe[0].value.loc["Money"].iloc[0].endswith(" PLN")
    assert cli["kwh"]["point"] == pytest.approx(cli["epochs"]["point"] * 250 * 0.5 * 12 / 3.6e6)
    assert cli["money"]["point"] == pytest.approx(cli["seconds"]["point"] / 3600 * 3.0)
    assert at.session_state["inputs"]["forecast"]["utilization"] == 0.5  # the scenario keeps what was chosen


def test_a_zone_without_an_average_fails_like_the_cli(demo, capsys):
    at = goto(demo, "pages/forecast.py")
    before = at.session_state["results"]["forecast"]
    at.radio(key="fc_energy").set_value("From the calibration records").run()
    at.radio(key="fc_grid").set_value("Annual average of a zone (offline)").run()
    at.text_input(key="fc_zone").set_value("Atlantis")
    at.button(key="run_forecast").click().run()
    assert main(["forecast", "--index", "0.05", "--zone", "Atlantis"]) == 2
    cli_error = capsys.readouterr().err.strip().removeprefix("error: ")
    assert errors(at) == [f"Forecasting failed: {cli_error}"] and "no annual average for zone 'Atlantis'" in cli_error
    assert at.session_state["results"]["forecast"] is before


def test_a_profile_with_time_from_flops_equals_the_cli(demo, capsys):
    at = goto(demo, "pages/forecast.py")
    at.radio(key="fc_energy").set_value("Hardware profile, time from the model's FLOPs").run()
    at.selectbox(key="fc_flops_profile").set_value("nvidia-a100-sxm")
    at.number_input(key="fc_devices").set_value(8)
    at.radio(key="fc_grid").set_value("Annual average of a zone (offline)").run()
    at.text_input(key="fc_zone").set_value("DE")
    at.radio(key="fc_price").set_value("Per kWh").run()
    at.text_input(key="fc_currency").set_value("EUR").run()
    at.number_input(key="fc_price_kwh").set_value(0.3)
    at.button(key="run_forecast").click().run()
    assert not errors(at), errors(at)
    forecast, report = at.session_state["results"]["forecast"], at.session_state["results"]["index"]
    cli = _cli(capsys, forecast, report, "--profile", "nvidia-a100-sxm", "--devices", "8", "--images",
               str(report.n_new), "--zone", "DE", "--price-per-kwh", "0.3")  # fmt: skip
    _same_figures(at, cli)
    assert cli["source"]["energy"] == "modeled"
    assert "TFLOP per epoch on 8 x NVIDIA A100" in cli["source"]["energy_basis"]
    assert any("Modeled, not measured: the model's FLOPs" in c.value for c in at.main.caption)
