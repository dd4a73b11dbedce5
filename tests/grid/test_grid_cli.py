"""``python -m resque_core schedule`` end to end (in process), against files and the local server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fake_grid_server import SECRET_KEY, Answer, em_forecast, floor, uk_national

from resque_core.cli import main
from resque_core.commands.schedule import parse_duration_s
from resque_core.errors import ScheduleError

JSON_FIELDS = {  # SchedulePlan.to_dict(): the names scenario files use too
    *("provider", "zone", "kind", "source", "duration_s", "energy_kwh", "now", "deadline", "interruptible"),
    *("best_start", "best_end", "best_intensity_g_per_kwh", "now_intensity_g_per_kwh"),
    *("co2_best_kg", "co2_now_kg", "co2_saved_kg", "saved_pct", "note", "notes", "slots", "options"),
}


def run(capsys, *argv):
    code = main(["schedule", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("text", "seconds"), [("3h", 10800), ("90m", 5400), ("1h30m", 5400), ("45s", 45),
                                               ("1h0m30s", 3630), ("0.5h", 1800)])  # fmt: skip
def test_durations(text, seconds):
    assert parse_duration_s(text) == seconds


@pytest.mark.parametrize("text", ["", "3", "3 hours", "h", "-1h", "0m", "1m1h"])
def test_bad_durations(text):
    with pytest.raises(ScheduleError, match="duration"):
        parse_duration_s(text)


def test_offline_json_says_why_nothing_is_saved(capsys):
    code, out, _ = run(capsys, "--provider", "offline", "--zone", "DE", "--duration", "3h", "--energy-kwh", "1.2",
                       "--json")  # fmt: skip
    data = json.loads(out)
    assert code == 0 and set(data) == JSON_FIELDS
    assert data["provider"] == "offline" and data["kind"] == "modeled" and data["saved_pct"] == 0.0
    assert "flat annual average" in data["note"]
    assert data["co2_now_kg"] == pytest.approx(1.2 * data["now_intensity_g_per_kwh"] / 1000)


def test_csv_replayed_at_a_given_now(capsys, tmp_path):
    path = tmp_path / "week.csv"
    rows = [f"2026-11-23T{h:02d}:00Z,{v}" for h, v in enumerate([300, 250, 80, 90, 400, 500])]
    path.write_text("datetime,carbon_intensity\n" + "\n".join(rows) + "\n")
    code, out, _ = run(capsys, "--provider", "csv", "--csv", str(path), "--duration", "1h30m", "--energy-kwh", "3",
                       "--now", "2026-11-23T00:00Z", "--json")  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["best_start"] == "2026-11-23T02:00:00Z" and data["best_end"] == "2026-11-23T03:30:00Z"
    assert data["best_intensity_g_per_kwh"] == pytest.approx((80 + 45) / 1.5)
    assert data["co2_now_kg"] == pytest.approx(3 * (300 + 125) / 1.5 / 1000)
    assert data["saved_pct"] == pytest.approx(100 * (1 - 125 / 425))
    assert [s["start"] for s in data["options"]][:3] == ["2026-11-23T00:00:00Z", "2026-11-23T01:00:00Z",
                                                          "2026-11-23T02:00:00Z"]  # fmt: skip
    code, out, _ = run(capsys, "--provider", "csv", "--csv", str(path), "--duration", "2h", "--energy-kwh", "3",
                       "--now", "2026-11-23T00:00Z", "--interruptible", "--tz", "Europe/Berlin")  # fmt: skip
    assert code == 0 and "slot 2026-11-23 03:00 CET to 2026-11-23 05:00 CET" in out and "Saved:" in out


def test_uk_regional_through_the_api_url(capsys, grid):
    start = floor(datetime.now(UTC), 1800)
    grid.set("/regional/intensity/", {"data": {"regionid": 13, "shortname": "London",
             "data": [{"from": f"{start + timedelta(minutes=30 * i):%Y-%m-%dT%H:%MZ}",
                       "to": f"{start + timedelta(minutes=30 * i + 30):%Y-%m-%dT%H:%MZ}",
                       "intensity": {"forecast": 100 + 10 * i, "index": "low"}} for i in range(96)]}})  # fmt: skip
    code, out, _ = run(capsys, "--provider", "uk", "--postcode", "SW1A", "--duration", "1h", "--energy-kwh", "1",
                       "--api-url", grid.url, "--json")  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["zone"] == "GB-SW1A" and data["kind"] == "forecast"
    assert "London" in data["source"] and data["saved_pct"] == 0.0  # rising intensity: now is best
    assert "already the cleanest" in data["note"]


def test_electricitymaps_with_env_key_and_fallback_never_prints_the_key(capsys, grid, monkeypatch):
    monkeypatch.setenv("ELECTRICITYMAPS_API_KEY", SECRET_KEY)
    monkeypatch.setenv("ELECTRICITYMAPS_API_URL", f"{grid.url}/v3")
    start = floor(datetime.now(UTC), 3600)
    grid.set("/v3/carbon-intensity/forecast", em_forecast("DE", start, 3600, [400, 300, 100, 120] + [350] * 20))
    code, out, _ = run(capsys, "--provider", "electricitymaps", "--zone", "DE", "--duration", "2h", "--energy-kwh",
                       "2", "--json")  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["provider"] == "electricitymaps" and data["kind"] == "forecast"
    assert data["best_start"] == f"{start + timedelta(hours=2):%Y-%m-%dT%H:%M:%S}Z" and data["saved_pct"] > 0
    for route in ("/v3/carbon-intensity/forecast", "/v3/carbon-intensity/history"):
        grid.set(route, Answer(401, {"status": "error", "message": f"bad {SECRET_KEY}"}))
    code, out, err = run(capsys, "--provider", "electricitymaps,offline", "--zone", "DE", "--duration", "2h",
                         "--energy-kwh", "2", "--json")  # fmt: skip
    data = json.loads(out)
    assert code == 0 and data["provider"] == "offline" and any("bad-key" in n for n in data["notes"])
    assert SECRET_KEY not in out + err
    code, out, err = run(capsys, "--provider", "electricitymaps", "--zone", "DE", "--duration", "2h",
                         "--energy-kwh", "2")  # fmt: skip
    assert code == 2 and "API key was refused" in err and SECRET_KEY not in out + err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--provider", "watttime", "--zone", "DE"], "use one or more of"),
        (["--provider", "offline"], "--zone is required"),
        (["--provider", "csv"], "needs a file"),
        (["--provider", "offline", "--zone", "DE", "--deadline", "soon"], "not an ISO 8601 time"),
        (["--provider", "offline", "--zone", "DE", "--deadline", "2000-01-01T00:00Z"], "cannot end by the deadline"),
        (["--provider", "offline", "--zone", "DE", "--horizon", "1h"], "longer than the"),
        (["--provider", "offline", "--zone", "DE", "--tz", "Nowhere/City"], "unknown time zone"),
    ],
)
def test_bad_command_lines_exit_2_with_a_message(capsys, argv, message):
    code, _, err = run(capsys, *argv, "--duration", "3h", "--energy-kwh", "1")
    assert code == 2 and message in err


def test_uk_rate_limited_exits_2_with_retry_after(capsys, grid):
    grid.set("/intensity/", Answer(429, {}, headers={"Retry-After": "120"}))
    code, _, err = run(capsys, "--provider", "uk", "--duration", "1h", "--energy-kwh", "1", "--api-url", grid.url)
    assert code == 2 and "retry after 120 s" in err
    assert uk_national  # the recorded shape helper is shared with the provider tests
