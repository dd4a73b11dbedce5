"""The Forecast page, the ``forecast`` command and the report quote the published benchmark (missed targets
in words) beside a forecast from the shipped calibration, and only there."""

from __future__ import annotations

import json

import pytest

from resque_core.cli import main
from resque_core.forecast.published import benchmark_sentences, published_fidelity
from resque_core.reporting.export import to_html
from tests.app.conftest import demo_app, errors, goto
from ui.results import current_scenario


@pytest.fixture(scope="module")
def published():
    data = published_fidelity()
    if data is None:
        pytest.skip("the benchmark is not published: python bench/forecast_fidelity.py --json --publish")
    return data


def test_the_page_the_cli_and_the_report_say_the_benchmark_and_its_missed_targets(published, capsys):
    at = goto(demo_app(), "pages/forecast.py")
    assert not errors(at), errors(at)
    forecast = at.session_state["results"]["forecast"]
    assert forecast.source.records == "default calibration"
    covered = forecast.benchmark[0].startswith("Benchmark of this forecast's records (")
    assert covered or forecast.benchmark[0].startswith("No published benchmark covers this forecast (")
    assert forecast.benchmark != benchmark_sentences()  # its own figure, not the library-wide headline
    panel = next(e for e in at.expander if e.label.startswith("How good is this forecast?"))
    shown = [m.value for m in panel.markdown if m.value.startswith("- ")]  # the benchmark's sentences, as bullets
    assert shown == [f"- {line}." for line in forecast.benchmark]
    missed = [key for key, met in published["targets"].items() if met is False]
    if covered:
        assert any("Targets missed:" in line for line in shown) == bool(missed)
    report = at.session_state["results"]["index"]
    same = ["forecast", "--index", repr(forecast.index), "--acc-drop", repr(report.acc_drop)]  # the page's evidence
    same += ["--mean-conf", repr(report.mean_conf)]
    if forecast.source.curves.startswith("shift type "):  # the demo's simulated shift: its type's own curves
        same += ["--shift-type", forecast.source.curves.removeprefix("shift type ")]
    assert main(same) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if line.startswith("benchmark: ")] == [f"benchmark: {s}" for s in forecast.benchmark]
    assert main([*same, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["benchmark"] == list(forecast.benchmark)
    report = to_html([current_scenario(at.session_state, "demo")])
    assert "The published benchmark:" in report and forecast.benchmark[0].split("(")[0] in report


def test_a_forecast_from_your_own_records_quotes_no_benchmark(published, tmp_path, capsys):
    from resque_core.forecast.records import default_records

    mine = tmp_path / "mine.csv"
    default_records().to_csv(mine, index=False)  # the same runs, but as the user's own history
    assert main(["forecast", "--index", "0.05", "--records", str(mine), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["benchmark"] == []
    assert main(["forecast", "--index", "0.05", "--records", str(mine)]) == 0
    assert "benchmark:" not in capsys.readouterr().out
