"""The manager's headline: ranges people read, every assumption said, and only figures the scenario carries."""

from __future__ import annotations

from resque_core.reporting.export import to_html
from resque_core.reporting.headline import co2_assumption, headline_html, headline_sentences, range_words
from resque_core.reporting.scenario import Scenario


def figure(point, low, high, unit):
    return {"point": point, "low": low, "high": high, "unit": unit}


FORECAST = {
    "measures": {
        "epochs": figure(12.0, 9.0, 16.0, "epochs"),
        "seconds": figure(5400.0, 3600.0, 7200.0, "s"),
        "kwh": figure(1.2e-06, 0.0, 2.5e-06, "kWh"),
        "co2_kg": figure(4.65e-07, 0.0, 9.7e-07, "kg CO2"),
        "money": figure(3.6e-07, 0.0, 7.5e-07, "EUR"),
    },
    "scratch": {"money": figure(1.2e-06, 1e-06, 1.4e-06, "EUR")},
    "scratch_note": "lower bound: 20% of the from-scratch runs hit their epoch cap before the target",
    "interval": 0.8,
    "intensity": "annual average France 2023 (modeled) (56.04 g/kWh)",
    "intensity_g_per_kwh": 56.04,
    "price": "0.3 EUR/kWh, example price, not yours",
    "coverage": {"share": 0.85, "runs": 20, "covered": 17, "level": 0.8, "basis": "a held-out check"},
}
SCHEDULE = {
    "provider": "illustrative",
    "zone": "FR",
    "kind": "illustrative",
    "source": "illustrative, not live data: ...",
    "best_start": "2026-11-24T03:00:00Z",
    "co2_now_kg": 5e-07,
    "co2_best_kg": 3.5e-07,
    "co2_saved_kg": 1.5e-07,
    "saved_pct": 30.0,
}


def test_the_headline_says_ranges_assumptions_scratch_best_start_and_how_sure():
    money, effort, co2, scratch, best, sure = headline_sentences(Scenario("fr", forecast=FORECAST, schedule=SCHEDULE))
    assert money == "Retraining will cost up to 0.00000075 EUR (at 0.3 EUR/kWh, example price, not yours)."
    assert effort == "It will take between 1 h and 2 h and use up to 2.5 mWh of electricity."
    assert co2 == "It will emit up to 970 µg CO2 at the annual average of France 2023 (56.04 g/kWh, modeled)."
    assert scratch.startswith("Retraining costs about 30% of training from scratch (in money), or less: the ")
    assert "lower bounds" in scratch
    assert best == (
        "Best start: 2026-11-24 03:00 UTC in zone FR: 350 µg CO2 at the best start instead of 500 µg if started "
        "now, saving 150 µg (30 %); grid data: illustrative, not live data."
    )
    assert sure == (
        "How sure: in 17 of 20 past runs of this kind, held out from the fit, the real number of epochs fell inside "
        "its 80% range (a held-out check)."
    )


def test_what_a_scenario_lacks_is_said_never_made_up():
    bare = {**FORECAST, "price": None, "coverage": None, "scratch": {}, "scratch_note": ""}
    bare["measures"] = {k: v for k, v in FORECAST["measures"].items() if k != "money"}
    money, *_, scratch, sure = headline_sentences(Scenario("bare", forecast=bare))
    assert money == "Money: no price was given, so there is no money figure."
    assert scratch == "No from-scratch runs in the records to compare retraining with."
    assert sure.startswith("How sure: the ranges are 80% prediction intervals; no held-out check")
    shared = {**FORECAST, "coverage": {"share": 0.7282, "runs": 195, "covered": None, "level": 0.8, "basis": "b"}}
    assert "in 73% of 195 past runs" in headline_sentences(Scenario("s", forecast=shared))[-1]
    assert headline_sentences(Scenario("no forecast")) == ()


def test_ranges_and_co2_assumptions_read_plainly():
    assert range_words("kwh", figure(2e-3, 1e-3, 3e-3, "kWh")) == "between 1 Wh and 3 Wh"
    assert range_words("kwh", figure(2e-3, 2e-3, 2e-3, "kWh")) == "about 2 Wh"
    assert range_words("money", figure(1.5, None, None, "USD")) == "about 1.5 USD"
    assert co2_assumption("records", 300.0) == "at the calibration records' intensity (300 g/kWh)"
    assert co2_assumption("given (300 g/kWh)", 300.0) == "at the given intensity (300 g/kWh)"


def test_the_report_opens_with_each_scenario_headline():
    scenarios = [Scenario("fr", forecast=FORECAST, schedule=SCHEDULE), Scenario("only an index")]
    page = to_html(scenarios)
    top = headline_html(scenarios)
    assert top.count("<h2>The answer:") == 1 and top in page
    assert page.index("The answer: fr") < page.index("Budget totals")


def test_the_cli_report_prints_the_same_headline(tmp_path, capsys):
    from resque_core.cli import main
    from resque_core.reporting.scenario import scenarios_to_json

    scenario = Scenario("fr", forecast=FORECAST, schedule=SCHEDULE)
    (tmp_path / "s.json").write_text(scenarios_to_json([scenario]))
    assert main(["report", "--scenarios", str(tmp_path / "s.json"), "--html", str(tmp_path / "r.html")]) == 0
    printed = capsys.readouterr().out
    assert all(f"  - {sentence}\n" in printed for sentence in headline_sentences(scenario)) and "fr:\n" in printed
