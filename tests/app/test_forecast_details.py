"""The Forecast page's cost table and notes (``ui.forecast_details``) on a forecast whose records carry the engine
figures and capped from-scratch runs: budget measures in the table, lower bounds marked, the engine figures folded
away with what they are, and a how-sure sentence even without a held-out check."""

from __future__ import annotations

import math

import pytest
from streamlit.testing.v1 import AppTest

from resque_core.forecast.result import Forecast, Interval, Source
from resque_core.forecast.signals import SignalChoice


def _forecast(heldout_mae_epochs: float = 4.2) -> Forecast:
    measures = {
        "epochs": Interval(7.25, 5.0, 10.5),
        "grad_norm": Interval(5.258, 4.0, 6.5),
        "param_change": Interval(0.0123, 0.01, 0.02),
        "kwh": Interval(2.809e-05, 0.0, 6.019e-05),
        "money": Interval(8.427e-06, 0.0, 1.806e-05),
    }
    scratch = {"epochs": Interval(20.0, 15.0, 30.0), "grad_norm": Interval(3.428, 3.0, 4.0),
               "kwh": Interval(8.048e-05, 5e-05, 1e-04)}  # fmt: skip
    signals = SignalChoice(("index",), "given", heldout_mae_epochs, 13, "leave-one-shift-type-out")
    source = Source("default calibration", "estimated", currency="EUR")
    return Forecast(0.1165, "dist", 0.8, measures, scratch, source, 195, False, 0.4, signals=signals)


def _page(forecast) -> None:
    from ui.forecast_details import accuracy, cost_table, engine_details

    cost_table(forecast)
    accuracy(forecast)
    engine_details(forecast)


def _run(forecast) -> AppTest:
    at = AppTest.from_function(_page, args=(forecast,), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def page() -> AppTest:
    return _run(_forecast())


def test_the_table_holds_the_budget_and_marks_from_scratch_lower_bounds(page):
    table = page.dataframe[0].value
    assert list(table.index) == ["Epochs", "Energy", "Money"]
    assert list(table.loc["Epochs"]) == ["7.25", "5 – 10.5", ">= 20"]
    assert list(table.loc["Energy"]) == ["28.09 mWh", "0 – 60.19 mWh", ">= 80.48 mWh"]
    assert list(table.loc["Money"]) == ["0.000008427 EUR", "0 – 0.00001806 EUR", "–"]
    assert page.caption[0].value == (
        'From scratch, ">=": at least this much; lower bound: 40% of the from-scratch runs hit their epoch cap '
        "before the target."
    )


def test_gradient_norm_and_parameter_change_are_engineering_details_said_to_be_no_cost(page):
    panel = next(e for e in page.expander if e.label == "Engineering details")
    engine = panel.dataframe[0].value
    assert list(engine.index) == ["Gradient norm (L2 norm)", "Parameter change (RMS)"]
    assert engine.loc["Gradient norm (L2 norm)", "from scratch (modeled)"] == "3.428"  # no ">=": not a cost
    assert "not costs, so a larger figure is neither worse nor better" in panel.caption[0].value


def test_one_plain_sentence_says_how_sure_and_the_expander_says_what_each_figure_is(page):
    assert page.info[0].value == (
        "How sure: tested on past runs it had not seen, a forecast like this one was off by about 4.2 epochs "
        "on average (this one says 7.25 epochs)."
    )
    panel = next(e for e in page.expander if e.label.startswith("How good is this forecast?"))
    assert panel.markdown[0].value.startswith("**4.2 epochs**: the average error, checked now on the records")
    assert "each of the 13 shift types left out in turn" in panel.markdown[0].value


def test_without_a_held_out_check_the_sentence_says_so():
    at = _run(_forecast(math.nan))
    assert at.info[0].value.startswith("How sure: no check on past runs stands behind this forecast")
