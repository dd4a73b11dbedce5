"""Report: CSV, JSON and the self-contained HTML page, with labels on modeled figures."""

from __future__ import annotations

import csv
import io

import pytest

from resque_core.errors import ReportError, WriteError
from resque_core.reporting.export import to_csv, to_html, to_json, write_report
from resque_core.reporting.scenario import scenarios_from_json
from resque_core.reporting.totals import budget_totals
from tests.report_fixtures import make_scenario


@pytest.fixture(scope="module")
def scenarios():
    return [make_scenario("noise 3 <DE>"), make_scenario("noise 5", value=0.07, epochs=12.0)]


@pytest.fixture(scope="module")
def page(scenarios):
    return to_html(scenarios)


def test_csv_one_row_per_scenario(scenarios):
    rows = list(csv.DictReader(io.StringIO(to_csv(scenarios))))
    assert [r["scenario"] for r in rows] == ["noise 3 <DE>", "noise 5"]
    assert float(rows[1]["epochs"]) == 12.0 and float(rows[1]["epochs_high"]) == 15.0


def test_json_reads_back(scenarios):
    assert scenarios_from_json(to_json(scenarios)) == scenarios


def test_budget_totals_sum_points_and_bounds(scenarios):
    totals = budget_totals(scenarios)
    assert totals["epochs"]["point"] == pytest.approx(19.5)
    assert totals["epochs"]["low"] == pytest.approx(15.5) and totals["kwh"]["high"] == pytest.approx(1.6)


def test_html_is_self_contained_and_offline(page):
    assert "<script src=" not in page.replace('<script src="data:', "")
    assert "cdn.plot.ly" not in page.split("<body>")[1][:200] and "Plotly.newPlot" in page
    assert page.count("plotly.js v") <= 2  # the library is inlined once


def test_html_labels_and_figures(page):
    assert "modeled" in page and "illustrative, not live data" in page
    assert "0.042" in page and "7.5" in page and "2026-11-23 09:00 UTC" in page
    assert "19.5" in page  # budget total of epochs
    assert "noise 3 &lt;DE&gt;" in page and "noise 3 <DE>" not in page  # names are escaped


def test_write_report_by_suffix(tmp_path, scenarios):
    assert write_report(scenarios, tmp_path / "r.csv").read_text().startswith("scenario,")
    with pytest.raises(ReportError, match="use .csv, .json or .html"):
        write_report(scenarios, tmp_path / "r.pdf")
    with pytest.raises(WriteError, match="cannot write .*missing does not exist; nothing was written"):
        write_report(scenarios, tmp_path / "missing" / "r.json")


def test_no_scenarios():
    with pytest.raises(ReportError, match="save at least one scenario"):
        to_html([])


def test_cli_report(tmp_path, scenarios, capsys):
    from resque_core.cli import main
    from resque_core.reporting.scenario import scenarios_to_json

    src = tmp_path / "s.json"
    src.write_text(scenarios_to_json(scenarios))
    assert (
        main(["report", "--scenarios", str(src), "--html", str(tmp_path / "r.html"), "--csv", str(tmp_path / "r.csv")])
        == 0
    )
    assert "0.042" in (tmp_path / "r.html").read_text() and "wrote" in capsys.readouterr().out
    assert main(["report", "--scenarios", str(tmp_path / "missing.json"), "--html", str(tmp_path / "x.html")]) == 2
    assert main(["report", "--scenarios", str(src)]) == 2
    assert "--csv OUT.csv" in capsys.readouterr().err


def test_energy_and_co2_carry_the_unit_that_suits_them():
    scenario = make_scenario()
    scenario.forecast["measures"]["kwh"] |= {"point": 5.261e-07, "low": 2.7e-07, "high": 6.4e-07}
    html = to_html([scenario])
    assert "526.1 µWh" in html and "200 g" in html  # 5.261e-07 kWh and 0.2 kg CO2


def test_money_carries_its_currency_and_is_not_summed_across_currencies():
    from resque_core.reporting.export import comparison_rows

    euros, dollars = make_scenario("in euros"), make_scenario("in dollars")
    euros.forecast["measures"]["money"] = {"point": 1.5, "low": 1.0, "high": 2.0, "unit": "EUR", "basis": "modeled"}
    dollars.forecast["measures"]["money"] = {"point": 2.0, "low": 1.0, "high": 3.0, "unit": "USD", "basis": "modeled"}
    assert budget_totals([euros, euros])["money"]["point"] == 3.0 and "money" not in budget_totals([euros, dollars])
    head, rows = comparison_rows([euros, dollars])
    money = head.index("Money")
    assert [row[money] for row in rows] == ["1.5 EUR", "2 USD"]
    assert "1.5 EUR" in to_html([euros]) and "(currency)" not in to_html([euros])


def test_a_measure_one_forecast_lacks_is_totalled_over_those_that_have_it_and_says_so():
    """A ResNet not yet probed has epochs but no kWh: the kWh of the other scenario alone is no total of both;
    the report totals it over the one that has it and says so, as the Scenarios page does (``reporting.totals``)."""
    probed, unprobed = make_scenario("probed"), make_scenario("resnet, no probe", epochs=9.0)
    for measure in ("kwh", "co2_kg"):
        del unprobed.forecast["measures"][measure]
    totals = budget_totals([probed, unprobed])
    assert totals["epochs"]["point"] == pytest.approx(16.5) and "kwh" not in totals and "co2_kg" not in totals
    html = to_html([probed, unprobed])
    assert html.count("total of 1 of 2 scenarios (the others have no energy figure)") == 1
    assert html.count("total of 1 of 2 scenarios (the others have no co2 figure)") == 1
    assert "all 2 scenarios" in html and "No total of" not in html
