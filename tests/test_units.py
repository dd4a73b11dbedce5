"""The one home of measure units and number formatting, and the page and report agreeing on both."""

from __future__ import annotations

import csv
import html
import io
import math
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from resque_core.forecast.result import MEASURES, Forecast, Interval, Source
from resque_core.reporting.export import to_csv, to_html
from resque_core.reporting.scenario import Scenario, forecast_section
from resque_core.units import (
    BUDGET_MEASURES,
    MEASURE_UNITS,
    axis_label,
    chart_scale,
    co2_text,
    datetime_text,
    duration_text,
    energy_text,
    measure_label,
    measure_text,
    number_text,
    percent_text,
    range_text,
    unit_of,
)


@pytest.mark.parametrize(
    ("kwh", "text"),
    [(5.261e-07, "526.1 µWh"), (0.0042, "4.2 Wh"), (1.5, "1.5 kWh"), (2500.0, "2.5 MWh"), (3e-13, "0.0003 µWh")],
)
def test_energy_picks_the_unit_that_suits_the_value(kwh, text):
    assert energy_text(kwh) == text


@pytest.mark.parametrize(("kg", "text"), [(2.004e-07, "200.4 µg"), (0.457, "457 g"), (12.0, "12 kg"), (-0.02, "-20 g")])
def test_co2_picks_the_unit_that_suits_the_value(kg, text):
    assert co2_text(kg) == text


def test_zero_missing_and_non_finite():
    assert energy_text(0.0) == "0 kWh" and co2_text(0) == "0 kg"
    assert energy_text(None) == "–" and co2_text(math.nan) == "–"


@pytest.mark.parametrize(
    ("seconds", "text"), [(42.5, "42.5 s"), (0.25, "250 ms"), (90.0, "1.5 min"), (5400.0, "1.5 h"), (0, "0 s")]
)
def test_duration_picks_the_unit_that_suits_the_value(seconds, text):
    assert duration_text(seconds) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0421337, "0.04213"), (7.5, "7.5"), (12345.678, "12350"), (12345, "12345"), (None, "–"), (math.inf, "–"),
     (1.341e-06, "0.000001341"), (-2.5e-05, "-0.000025"), (0.99996, "1"), (0.0, "0"), (3e12, "3000000000000")],
)  # fmt: skip
def test_numbers_keep_four_significant_digits_and_integers_whole(value, text):  # and never "1.341e-06"
    assert number_text(value) == text


def test_numpy_scalars_read_like_python_numbers():
    assert number_text(np.float32(0.5)) == "0.5" and number_text(np.int64(900)) == "900"


def test_percent():
    assert percent_text(0.9) == "90%" and percent_text(None) == "–"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=1))),
        datetime(2026, 11, 23, 9, 0),  # naive: taken as UTC
        "2026-11-23T09:00:00+00:00",
        "2026-11-23T09:00:00Z",
    ],
)
def test_datetimes_are_written_in_utc_to_the_minute(moment):
    assert datetime_text(moment) == "2026-11-23 09:00 UTC"


def test_missing_datetime():
    assert datetime_text(None) == "–"


def test_the_unit_table():
    assert {m: unit_of(m) for m in MEASURE_UNITS} == {
        "epochs": "epochs",
        "grad_norm": "L2 norm",
        "param_change": "RMS",
        "seconds": "s",
        "kwh": "kWh",
        "co2_kg": "kg CO2",
        "money": "currency",
    }
    assert set(MEASURES) | set(BUDGET_MEASURES) <= set(MEASURE_UNITS)  # every forecast measure has a unit
    assert unit_of("unknown") == "" and measure_label("unknown") == "unknown"


def test_labels_say_the_unit_once():
    assert [measure_label(m) for m in ("epochs", "grad_norm", "kwh", "seconds")] == [
        "Epochs",
        "Gradient norm (L2 norm)",
        "Energy",  # the figure carries its unit: "526.1 µWh"
        "Time",
    ]
    assert [axis_label(m) for m in ("epochs", "grad_norm", "kwh", "co2_kg")] == [
        "Epochs",
        "Gradient norm (L2 norm)",
        "Energy (kWh)",
        "CO2 (kg CO2)",
    ]


def test_measure_text_writes_each_measure_its_own_way():
    assert measure_text("kwh", 5.261e-07) == "526.1 µWh"
    assert measure_text("co2_kg", 0.2) == "200 g"
    assert measure_text("seconds", 5400.0) == "1.5 h"
    assert measure_text("epochs", 7.25) == "7.25"
    assert measure_text("index", 0.0421337) == "0.04213"


# -- the page and the report write the same label and figure for the same forecast ------------------


def _forecast() -> Forecast:
    measures = {
        "epochs": Interval(7.25, 5.0, 10.5),
        "grad_norm": Interval(1.23456, 1.0, 1.5),
        "seconds": Interval(5400.0, 3600.0, 7200.0),
        "kwh": Interval(5.261e-07, 2.7e-07, 6.4e-07),
        "co2_kg": Interval(2.004e-07, 1e-07, 3e-07),
        "money": Interval(0.0123456, 0.01, 0.02),
    }
    return Forecast(0.042, "dist", 0.9, measures, {}, Source("default", "modeled"), 12, False)


def _page(forecast) -> None:
    """The page code under test, run by AppTest as a script of its own."""
    from ui.results import forecast_metrics

    forecast_metrics(forecast)


@pytest.fixture(scope="module")
def shown():
    """Label -> value of each forecast metric on the page (the " (modeled)" tag dropped)."""
    at = AppTest.from_function(_page, args=(_forecast(),), default_timeout=120).run()
    assert not at.exception, at.exception
    return {m.label.removesuffix(" (modeled)"): m.value for m in at.metric}


def test_the_page_shows_every_budget_measure(shown):
    assert shown == {measure_label(m): measure_text(m, _forecast().measures[m].point) for m in BUDGET_MEASURES}
    assert shown["Time"] == "1.5 h" and shown["Energy"] == "526.1 µWh" and shown["CO2"] == "200.4 µg"


def test_the_report_writes_the_page_label_and_figure(shown):
    report = to_html([Scenario(name="same", forecast=forecast_section(_forecast()))])
    for label, value in shown.items():
        assert f"<tr><td>{html.escape(label)}</td><td>{html.escape(value)}</td>" in report, label


def test_the_csv_holds_the_numbers_behind_the_page_figures(shown):
    row = next(csv.DictReader(io.StringIO(to_csv([Scenario(name="same", forecast=forecast_section(_forecast()))]))))
    assert {measure_label(m): measure_text(m, float(row[m])) for m in BUDGET_MEASURES} == shown


def test_a_censored_count_reads_as_a_lower_bound():
    from resque_core.units import bound_text

    assert bound_text(10, censored=True) == ">= 10" and bound_text(10) == "10" and bound_text(None, True) == "–"


def test_money_is_written_with_its_currency_code():
    from resque_core.units import measure_text, unit_of

    assert measure_text("money", 1.5, "EUR") == "1.5 EUR" and unit_of("money", "USD") == "USD"
    assert measure_text("money", 1.5) == "1.5" and measure_text("money", None, "EUR") == "–"


@pytest.mark.parametrize(
    ("measure", "values", "currency", "unit", "title", "scaled"),
    [
        ("kwh", [0.0025, 0.004, None], None, "Wh", "Energy (Wh)", [2.5, 4.0, None]),
        ("kwh", [2.809e-05, 6.019e-05], None, "mWh", "Energy (mWh)", [28.09, 60.19]),
        ("co2_kg", [1.07e-05, 0.0], None, "mg CO2", "CO2 (mg)", [10.7, 0.0]),
        ("seconds", [5400.0, 60.0], None, "h", "Time (h)", [1.5, 1 / 60]),
        ("epochs", [30.0], None, "epochs", "Epochs", [30.0]),
        ("money", [0.000001341], "EUR", "EUR", "Money (EUR)", [0.000001341]),
        ("kwh", [], None, "kWh", "Energy (kWh)", []),
    ],
)
def test_a_chart_takes_the_unit_its_largest_figure_reads_in(measure, values, currency, unit, title, scaled):
    """The axis unit is the one ``measure_text`` gives the chart's largest value, so chart and table agree."""
    scale = chart_scale(measure, values, currency)
    assert (scale.unit, scale.title) == (unit, title)
    assert scale.scaled(values) == pytest.approx(scaled)
    biggest = max((v for v in values if v), default=None)
    if biggest is not None and measure in ("kwh", "co2_kg", "seconds"):
        assert measure_text(measure, biggest).endswith(" " + unit.split()[0])


@pytest.mark.parametrize(
    ("measure", "low", "high", "currency", "text"),
    [
        ("kwh", 0.0, 6.019e-05, None, "0 – 60.19 mWh"),
        ("co2_kg", 1e-6, 2.293e-05, None, "1 – 22.93 mg"),
        ("money", 8.133e-07, 1.932e-06, "EUR", "0.0000008133 – 0.000001932 EUR"),
        ("money", 1.0, 2.0, "currency", "1 – 2"),
        ("epochs", 28.17, 31.83, None, "28.17 – 31.83"),
        ("seconds", 30.0, 5400.0, None, "30 s – 1.5 h"),
        ("seconds", 600.0, 5400.0, None, "0.1667 – 1.5 h"),
        ("kwh", None, 1.0, None, "– – 1 kWh"),
    ],
)
def test_an_interval_writes_both_ends_in_one_unit(measure, low, high, currency, text):
    assert range_text(measure, low, high, currency) == text


def test_a_lower_bound_reads_at_least():
    assert measure_text("kwh", 8.048e-05, at_least=True) == ">= 80.48 mWh"
    assert measure_text("money", 2.5, "EUR", at_least=True) == ">= 2.5 EUR"
    assert measure_text("kwh", None, at_least=True) == "–"
