"""Scenario: JSON round-trip, the scenarios file format, and every malformed input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from resque_core.errors import ReportError
from resque_core.reporting.scenario import Scenario, load_scenarios, scenarios_from_json, scenarios_to_json
from tests.report_fixtures import make_scenario


def test_round_trip_is_exact():
    sc = make_scenario()
    again = Scenario.from_json(sc.to_json())
    assert again == sc
    assert again.index["value"] == 0.042


def test_file_round_trip(tmp_path):
    scenarios = [make_scenario("a"), make_scenario("b", value=0.07)]
    path = tmp_path / "s.json"
    path.write_text(scenarios_to_json(scenarios))
    loaded = load_scenarios(path)
    assert [s.name for s in loaded] == ["a", "b"] and loaded[1].index["value"] == 0.07
    assert json.loads(path.read_text())["format"] == "resque-scenarios"


def test_numpy_and_nan_become_plain_json():
    sc = Scenario(name="np", index={"value": np.float32(0.25), "per_class": np.array([1.0, np.nan])})
    d = json.loads(sc.to_json())
    assert d["index"] == {"value": 0.25, "per_class": [1.0, None]}


def test_summary_has_units_in_column_names():
    row = make_scenario().summary()
    assert row["index"] == 0.042 and row["epochs"] == 7.5 and row["kwh"] == 0.5
    assert row["co2_kg"] == 0.2 and row["co2_saved_pct"] == 30.0 and row["schedule_best_start"].startswith("2026")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": "resque-scenarios", "version": 9, "scenarios": []}', "version 9"),
        ('{"format": "resque-scenarios", "version": 1, "scenarios": 3}', "list of scenarios"),
        ('[{"name": "a"}, {"name": "a"}]', "unique"),
        ('[{"nom": "a"}]', "'name'"),
        ('[{"name": "a", "index": [1]}]', "'index' must be an object"),
        ('[{"name": "  "}]', "non-empty name"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_message(text, message):
    with pytest.raises(ReportError, match=message):
        scenarios_from_json(text)


def test_missing_file(tmp_path):
    with pytest.raises(ReportError, match="cannot read scenarios file"):
        load_scenarios(tmp_path / "nope.json")


def test_unstorable_value():
    with pytest.raises(ReportError, match="cannot store a object"):
        Scenario(name="x", inputs={"model": object()}).to_dict()


def test_sections_from_real_engine_results():
    from datetime import UTC, datetime, timedelta

    from resque_core.forecast.costing import Costing
    from resque_core.forecast.forecaster import Forecaster
    from resque_core.grid.csvfile import CsvProvider
    from resque_core.grid.schedule import plan
    from resque_core.reporting.scenario import forecast_section, schedule_section
    from tests.records_fixtures import synthetic_records

    forecast = Forecaster().fit(synthetic_records(40)).predict(0.05, costing=Costing(intensity_g_per_kwh=400.0))
    fc = forecast_section(forecast, hardware="records")
    epochs = forecast.measures["epochs"]
    assert fc["measures"]["epochs"] == {
        "point": epochs.point,
        "low": epochs.low,
        "high": epochs.high,
        "unit": "epochs",
        "basis": "modeled",
    }
    assert fc["measures"]["kwh"]["basis"] == "modeled; energy estimated" and fc["interval"] == 0.8
    start = datetime(2026, 11, 23, tzinfo=UTC)
    rows = "\n".join(f"{(start + timedelta(hours=h)).isoformat()},{300 - 10 * h}" for h in range(6))
    series = CsvProvider(f"datetime,carbon_intensity\n{rows}".encode(), kind="modeled").read("DE")
    planned = plan(series, 3600.0, 1.0, now=start)
    sch = schedule_section(planned, series)
    assert sch["best_start"] == "2026-11-23T05:00:00Z" and sch["co2_now_kg"] == pytest.approx(0.3)
    assert sch["saved_pct"] == pytest.approx(100 * (0.3 - 0.25) / 0.3)
    assert sch["provider"] == "csv" and sch["kind"] == "modeled" and sch["source"] == series.source
    assert len(sch["series"]) == 6 and sch["series"][1] == {"time": "2026-11-23T01:00:00Z", "intensity_g_per_kwh": 290}
    assert sch["windows"][0] == {"start": "2026-11-23T05:00:00Z", "end": "2026-11-23T06:00:00Z",
                                 "intensity_g_per_kwh": 250.0, "co2_kg": 0.25}  # fmt: skip
    same = {key: value for key, value in planned.to_dict().items() if key != "options"}
    assert {key: sch[key] for key in same} == same  # the plan's own names and values, as the CLI prints them
    assert Scenario.from_json(Scenario(name="x", forecast=fc, schedule=sch).to_json()).schedule == sch


OLD_SCHEDULE = {  # a schedule section as scenario files saved it before SchedulePlan.to_dict
    "provider": "illustrative",
    "zone": "DE",
    "data_kind": "illustrative",
    "label": "illustrative, not live data: a bundled 48-h profile anchored at the current hour",
    "duration_s": 3600.0,
    "energy_kwh": 1.0,
    "now": "2026-11-23T00:10:00+00:00",
    "best_start": "2026-11-23T05:00:00+00:00",
    "best_end": "2026-11-23T06:00:00+00:00",
    "best_intensity_g_per_kwh": 250.0,
    "now_intensity_g_per_kwh": 300.0,
    "co2_now_kg": 0.3,
    "co2_best_kg": 0.25,
    "co2_saved_kg": 0.05,
    "saved_pct": 16.7,
    "note": "Starting at 2026-11-23 05:00 UTC instead of now saves 0.05 kg CO2eq.",
    "notes": [],
    "windows": [
        {
            "start": "2026-11-23T05:00:00+00:00",
            "end": "2026-11-23T06:00:00+00:00",
            "intensity_g_per_kwh": 250.0,
            "co2_kg": 0.25,
        }
    ],
    "series": [{"time": f"2026-11-23T0{h}:00:00+00:00", "intensity_g_per_kwh": 300.0 - 10 * h} for h in range(6)],
}


def test_a_scenarios_file_saved_before_to_dict_still_loads():
    from resque_core.reporting import charts
    from resque_core.reporting.export import to_html

    doc = {"format": "resque-scenarios", "version": 1, "scenarios": [{"name": "old", "schedule": OLD_SCHEDULE}]}
    (old,) = scenarios_from_json(json.dumps(doc))
    assert old.schedule["kind"] == "illustrative" and old.schedule["source"] == OLD_SCHEDULE["label"]
    assert "data_kind" not in old.schedule and "label" not in old.schedule
    assert {k: v for k, v in old.schedule.items() if k not in ("kind", "source")} == {
        k: v for k, v in OLD_SCHEDULE.items() if k not in ("data_kind", "label")
    }
    row = old.summary()
    assert row["schedule_kind"] == "illustrative" and row["co2_saved_kg"] == 0.05 and row["co2_best_kg"] == 0.25
    assert "illustrative, not live data" in to_html([old]) and "2026-11-23 05:00 UTC" in to_html([old])
    assert "illustrative, not live data" in charts.intensity_series(old.schedule).layout.title.text.replace("<br>", " ")
    assert Scenario.from_json(old.to_json()) == old  # saved again in today's names
