"""Budget totals across scenarios say which scenarios they cover; a part never passes for the whole."""

from __future__ import annotations

import dataclasses

import pytest

from resque_core.reporting.totals import coverage_text, covered_totals
from tests.report_fixtures import make_scenario


def _priced(name: str, money: float, currency: str = "EUR"):
    sc = make_scenario(name)
    sc.forecast["measures"]["money"] = {"point": money, "low": money / 2, "high": money * 2, "unit": currency}
    return sc


def test_money_over_the_priced_scenarios_only_says_so():
    scenarios = [_priced("a", 1.5), make_scenario("b"), _priced("c", 2.5)]
    totals = covered_totals(scenarios)
    assert totals["money"]["point"] == pytest.approx(4.0) and totals["money"]["unit"] == "EUR"
    assert coverage_text(totals["money"]) == "total of 2 of 3 scenarios (the others have no price)"
    assert totals["kwh"]["point"] == pytest.approx(1.5) and coverage_text(totals["kwh"]) == "all 3 scenarios"


def test_a_scenario_without_a_forecast_is_named_as_left_out():
    bare = dataclasses.replace(make_scenario("index only"), forecast=None)
    totals = covered_totals([make_scenario("a"), bare, _priced("p", 1.0)])
    assert coverage_text(totals["epochs"]) == "total of 2 of 3 scenarios (the others have no forecast)"
    assert coverage_text(totals["money"]) == "total of 1 of 3 scenarios (the others have no forecast or no price)"


def test_money_in_two_currencies_has_no_total():
    assert "money" not in covered_totals([_priced("a", 1.0, "EUR"), _priced("b", 1.0, "USD")])
    assert coverage_text(covered_totals([make_scenario("one")])["epochs"]) == "the one scenario"
