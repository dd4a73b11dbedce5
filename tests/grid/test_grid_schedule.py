"""The scheduler against hand-worked examples and a brute-force minute-by-minute integration."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resque_core.errors import ScheduleError
from resque_core.grid.base import IntensitySeries, build_series
from resque_core.grid.offline import OfflineProvider
from resque_core.grid.schedule import in_timezone, plan

T0 = datetime(2026, 11, 23, tzinfo=UTC)
H = 3600.0


def hourly(values, start=T0, kind="forecast"):
    return build_series(
        zone="X", provider="csv", source="test", starts=[start + timedelta(hours=i) for i in range(len(values))],
        values_g_per_kwh=values, kinds=kind,
    )  # fmt: skip


def at(hours):
    return T0 + timedelta(hours=hours)


def test_hand_worked_hourly_example():
    result = plan(hourly([300, 200, 100, 100, 400, 50]), 2 * H, 2.0, now=T0)
    assert [o.start for o in result.options] == [at(h) for h in range(5)]
    assert [o.intensity_g_per_kwh for o in result.options] == [250, 150, 100, 250, 225]
    assert result.best.start == at(2) and result.best_end == at(4)
    assert result.co2_now_kg == pytest.approx(0.5) and result.co2_best_kg == pytest.approx(0.2)
    assert result.co2_saved_kg == pytest.approx(0.3) and result.saved_pct == pytest.approx(60.0)
    assert result.now_intensity_g_per_kwh == 250 and result.best_intensity_g_per_kwh == 100
    assert "02:00" in result.note


def test_to_dict_has_one_set_of_names_with_units_and_utc_times():
    result = plan(hourly([300, 200, 100, 100, 400, 50]), 2 * H, 2.0, now=T0 + timedelta(minutes=30), interruptible=True)
    d = result.to_dict()
    assert list(d) == ["provider", "zone", "kind", "source", "duration_s", "energy_kwh", "now", "deadline",
                       "interruptible", "best_start", "best_end", "best_intensity_g_per_kwh", "now_intensity_g_per_kwh",
                       "co2_best_kg", "co2_now_kg", "co2_saved_kg", "saved_pct", "note", "notes", "slots",
                       "options"]  # fmt: skip
    assert d["now"] == "2026-11-23T00:30:00Z" and d["deadline"] is None and d["interruptible"] is True
    assert d["best_start"] == "2026-11-23T02:00:00Z" and d["best_end"] == "2026-11-23T06:00:00Z"  # two slots
    assert d["co2_best_kg"] == result.co2_best_kg == pytest.approx(0.15) and d["saved_pct"] == pytest.approx(62.5)
    assert d["co2_now_kg"] == result.co2_now_kg == 0.4 and d["co2_saved_kg"] == result.co2_saved_kg
    assert d["best_intensity_g_per_kwh"] == pytest.approx(75.0) and d["now_intensity_g_per_kwh"] == 200.0
    assert d["slots"] == [
        {"start": "2026-11-23T02:00:00Z", "end": "2026-11-23T03:00:00Z", "intensity_g_per_kwh": 100.0,
         "energy_kwh": 1.0, "co2_kg": pytest.approx(0.1)},
        {"start": "2026-11-23T05:00:00Z", "end": "2026-11-23T06:00:00Z", "intensity_g_per_kwh": 50.0,
         "energy_kwh": 1.0, "co2_kg": pytest.approx(0.05)},
    ]  # fmt: skip
    assert d["options"][0] == {"start": "2026-11-23T00:30:00Z", "end": "2026-11-23T02:30:00Z",
                               "intensity_g_per_kwh": 200.0, "co2_kg": pytest.approx(0.4)}  # fmt: skip
    assert len(d["options"]) == len(result.options) == 5
    assert json.loads(json.dumps(d)) == d


def test_partial_steps_from_a_now_inside_a_step():
    result = plan(hourly([300, 200, 100, 100]), 1 * H, 1.0, now=at(0.5))
    assert result.options[0].start == at(0.5)
    assert result.options[0].intensity_g_per_kwh == pytest.approx(250.0)  # half an hour at 300, half at 200
    assert [o.start for o in result.options[1:]] == [at(1), at(2), at(3)]
    assert result.best.start == at(2) and result.best.co2_kg == pytest.approx(0.1)


def test_irregular_steps_are_time_weighted():
    starts = [T0 + timedelta(minutes=m) for m in (0, 10, 30, 45)]
    series = build_series(zone="X", provider="csv", source="t", starts=starts, values_g_per_kwh=[400, 100, 200, 300],
                          kinds="forecast")  # fmt: skip
    assert series.step_s == 900 and series.ends[-1] == T0 + timedelta(minutes=60)  # last point: one median step
    result = plan(series, 1800, 1.0, now=T0)
    assert [o.start for o in result.options] == starts[:3]
    # 10 min at 400 + 20 at 100; 20 at 100 + 10 at 200; 15 at 200 + 15 at 300
    assert [o.intensity_g_per_kwh for o in result.options] == pytest.approx([200.0, 400 / 3, 250.0])
    assert result.best.start == starts[1]


def test_no_window_across_a_hole_longer_than_one_step():
    starts = [at(h) for h in (0, 1, 2, 6, 7, 8)]
    series = build_series(zone="X", provider="csv", source="t", starts=starts,
                          values_g_per_kwh=[300, 10, 10, 200, 200, 200], kinds="forecast")  # fmt: skip
    assert series.ends[2] == at(3)  # hole from 03:00 to 06:00
    assert series.notes == ("The data has 1 gap(s), the longest 3h00m from 2026-11-23 03:00 UTC; no window is placed "
                            "across a gap.",)  # fmt: skip
    result = plan(series, 2 * H, 1.0, now=T0)
    assert [o.start for o in result.options] == [at(0), at(1), at(6), at(7)]
    assert result.best.start == at(1) and result.best.intensity_g_per_kwh == pytest.approx(10.0)


def test_a_hole_of_one_step_is_bridged_and_said_so():
    series = build_series(zone="X", provider="csv", source="t", starts=[at(0), at(1), at(3)],
                          values_g_per_kwh=[100, 200, 300], kinds="forecast", step_s=H)  # fmt: skip
    assert series.ends == (at(1), at(3), at(4))
    assert series.notes == ("1 single missing point(s) were bridged by holding the previous value for one step; "
                            "longer gaps are left open.",)  # fmt: skip
    result = plan(series, 3 * H, 3.0, now=T0)
    assert result.options[0].intensity_g_per_kwh == pytest.approx((100 + 200 + 200) / 3)


def test_timing_jitter_is_neither_a_hole_nor_a_bridge():
    starts = [T0, T0 + timedelta(minutes=61), T0 + timedelta(minutes=120)]
    series = build_series(zone="X", provider="csv", source="t", starts=starts, values_g_per_kwh=[1, 2, 3],
                          kinds="forecast")  # fmt: skip
    assert series.ends[:2] == tuple(starts[1:]) and not series.notes


def test_deadline_limits_the_starts():
    result = plan(hourly([300, 200, 100, 100, 400, 50]), 2 * H, 2.0, now=T0, deadline=at(3))
    assert [o.start for o in result.options] == [at(0), at(1)]
    assert result.best.start == at(1) and result.deadline == at(3)


def test_interruptible_takes_the_cleanest_slots():
    result = plan(hourly([300, 200, 100, 100, 400, 50]), 2 * H, 2.0, now=at(0.5), interruptible=True)
    assert [(s.start, s.end) for s in result.slots] == [(at(2), at(3)), (at(5), at(6))]
    assert [s.energy_kwh for s in result.slots] == pytest.approx([1.0, 1.0])
    assert result.co2_best_kg == pytest.approx(0.15) and result.best_intensity_g_per_kwh == pytest.approx(75.0)
    assert result.best_start == at(2) and result.best_end == at(6)
    assert result.best.start == at(2)  # the contiguous best is still reported
    assert "2 slots" in result.note


def test_interruptible_respects_the_deadline_and_merges_adjacent_slots():
    result = plan(hourly([300, 200, 100, 100, 400, 50]), 2 * H, 2.0, now=T0, deadline=at(4), interruptible=True)
    assert [(s.start, s.end) for s in result.slots] == [(at(2), at(4))]
    assert result.co2_best_kg == pytest.approx(0.2)


def test_power_profile_weights_the_phases():
    # 2 h job over [100, 300]; first hour draws 3/4 of the energy.
    result = plan(hourly([100, 300, 300]), 2 * H, 4.0, now=T0, power_profile=[3, 1])
    assert result.options[0].co2_kg == pytest.approx((3 * 100 + 1 * 300) / 1000)
    assert result.options[0].intensity_g_per_kwh == pytest.approx(150.0)


def test_offline_gives_zero_saving_and_says_why():
    series = OfflineProvider().intensity("DE", T0, at(24))
    result = plan(series, 3 * H, 1.2, now=T0)
    assert result.co2_saved_kg == 0.0 and result.saved_pct == 0.0
    assert result.co2_best_kg == result.co2_now_kg == pytest.approx(1.2 * series.values_g_per_kwh[0] / 1000)
    assert "flat annual average" in result.note and result.kind == "modeled"
    assert result.best.start == T0


def test_now_already_best_says_so():
    result = plan(hourly([100, 200, 300]), 1 * H, 1.0, now=T0)
    assert result.saved_pct == 0.0 and "already the cleanest" in result.note


def test_zero_energy_saves_nothing():
    result = plan(hourly([300, 100]), 1 * H, 0.0, now=T0)
    assert result.co2_now_kg == 0.0 and "no energy" in result.note


def test_now_before_the_series_moves_to_its_start():
    result = plan(hourly([300, 100, 100]), 1 * H, 1.0, now=T0 - timedelta(minutes=10))
    assert result.now == T0 and any("starts after now" in n for n in result.notes)


def test_hole_right_after_now_uses_the_first_possible_start():
    series = build_series(zone="X", provider="csv", source="t", starts=[at(0), at(4), at(5)],
                          values_g_per_kwh=[50, 300, 100], kinds="forecast", step_s=H)  # fmt: skip
    result = plan(series, 2 * H, 1.0, now=T0)
    assert result.options[0].start == at(4) and any("hole" in n for n in result.notes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duration_s": 7 * H}, "longer than the 6h00m of data"),
        ({"duration_s": 2 * H, "deadline": at(1)}, "cannot end by the deadline"),
        ({"duration_s": 0}, "positive number of seconds"),
        ({"duration_s": float("nan")}, "positive number of seconds"),
        ({"duration_s": H, "energy_kwh": -1}, "finite number of kWh"),
        ({"duration_s": H, "power_profile": []}, "power profile"),
        ({"duration_s": H, "power_profile": [1, -1]}, "power profile"),
        ({"duration_s": H, "now": at(7)}, "before now"),
    ],
)
def test_bad_requests_raise_clear_schedule_errors(kwargs, message):
    args = {"energy_kwh": 1.0, "now": T0, **kwargs}
    with pytest.raises(ScheduleError, match=message):
        plan(hourly([1, 2, 3, 4, 5, 6]), args.pop("duration_s"), args.pop("energy_kwh"), **args)


def test_holes_everywhere_explain_the_longest_stretch():
    series = build_series(zone="X", provider="csv", source="t", starts=[at(0), at(3), at(6)],
                          values_g_per_kwh=[1, 2, 3], kinds="forecast", step_s=H)  # fmt: skip
    with pytest.raises(ScheduleError, match="longest unbroken stretch before the limit is 1h00m"):
        plan(series, 2 * H, 1.0, now=T0)
    with pytest.raises(ScheduleError, match="only 3.00 h of data"):
        plan(series, 4 * H, 1.0, now=T0, interruptible=True, deadline=at(9))
    result = plan(series, 2 * H, 2.0, now=T0, interruptible=True)  # pausing over the holes
    assert result.options == () and result.best is None
    assert [(s.start, s.end) for s in result.slots] == [(at(0), at(1)), (at(3), at(4))]
    assert result.co2_now_kg == result.co2_best_kg == pytest.approx(0.003) and result.co2_saved_kg == 0.0
    assert any("as soon as possible" in n for n in result.notes)


def test_display_in_a_user_time_zone():
    shown = in_timezone(at(12), "Europe/Berlin")
    assert shown.hour == 13 and shown.utcoffset() == timedelta(hours=1)
    with pytest.raises(ScheduleError, match="unknown time zone"):
        in_timezone(T0, "Mars/Olympus")


# --- brute force ---------------------------------------------------------------------------------


@st.composite
def random_case(draw):
    n = draw(st.integers(1, 12))
    lengths = draw(st.lists(st.integers(1, 90), min_size=n, max_size=n))
    holes = draw(st.lists(st.integers(0, 200), min_size=n, max_size=n))
    values = draw(st.lists(st.integers(0, 900), min_size=n, max_size=n))
    starts, ends, t = [], [], 0
    for length, hole in zip(lengths, holes, strict=True):
        starts.append(t)
        ends.append(t + length)
        t += length + (hole if hole > 150 else 0)  # some series have holes
    total = ends[-1]
    now = draw(st.integers(0, max(0, total - 1)))
    phases = draw(st.integers(1, 3))
    duration = phases * draw(st.integers(1, max(1, total // phases)))
    profile = draw(st.lists(st.integers(0, 5), min_size=phases, max_size=phases).filter(lambda w: sum(w) > 0))
    deadline = draw(st.one_of(st.none(), st.integers(now + 1, total + 30)))
    return starts, ends, values, now, duration, profile, deadline


def minute_series(starts, ends, values):
    table = {}
    for s, e, v in zip(starts, ends, values, strict=True):
        for m in range(s, e):
            table[m] = v
    return table


def brute(starts, ends, values, now, duration, profile, deadline, energy):
    table = minute_series(starts, ends, values)
    limit = min(ends[-1], deadline) if deadline is not None else ends[-1]
    phase = duration // len(profile)
    weights = [w / sum(profile) for w in profile]
    out = {}
    for a in sorted({now, *[s for s in starts if s > now]}):
        minutes = range(a, a + duration)
        if a + duration > limit or any(m not in table for m in minutes):
            continue
        co2 = sum(energy * weights[(m - a) // phase] / phase * table[m] / 1000 for m in minutes)
        out[a] = co2
    free = [table[m] for m in range(now, limit) if m in table]
    if len(free) < duration:
        return out, None, None
    slots = sum(energy / duration * v / 1000 for v in sorted(free)[:duration])
    asap = sum(energy / duration * v / 1000 for v in free[:duration])
    return out, slots, asap


def minute(m):
    return T0 + timedelta(minutes=m)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_case())
def test_agrees_with_minute_by_minute_integration(case):
    starts, ends, values, now, duration, profile, deadline = case
    series = IntensitySeries(
        zone="X", provider="csv", source="t", starts=tuple(map(minute, starts)), ends=tuple(map(minute, ends)),
        values_g_per_kwh=tuple(map(float, values)), kinds=("forecast",) * len(values), step_s=60.0,
    )  # fmt: skip
    expected, _, _ = brute(starts, ends, values, now, duration, profile, deadline, energy=2.0)
    kwargs = {"now": minute(now), "deadline": minute(deadline) if deadline is not None else None}
    if not expected:
        with pytest.raises(ScheduleError):
            plan(series, duration * 60.0, 2.0, power_profile=profile, **kwargs)
        return
    result = plan(series, duration * 60.0, 2.0, power_profile=profile, **kwargs)
    got = {round((o.start - T0).total_seconds() / 60): o.co2_kg for o in result.options}
    assert got.keys() == expected.keys()
    for a, co2 in expected.items():
        assert got[a] == pytest.approx(co2, rel=1e-9, abs=1e-12)
    assert result.best.co2_kg == pytest.approx(min(expected.values()), rel=1e-9, abs=1e-12)
    assert result.co2_now_kg == pytest.approx(expected[min(expected)], rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(random_case())
def test_interruptible_slots_match_the_cheapest_minutes(case):
    starts, ends, values, now, duration, _, deadline = case
    series = IntensitySeries(
        zone="X", provider="csv", source="t", starts=tuple(map(minute, starts)), ends=tuple(map(minute, ends)),
        values_g_per_kwh=tuple(map(float, values)), kinds=("forecast",) * len(values), step_s=60.0,
    )  # fmt: skip
    expected, slots_co2, asap_co2 = brute(starts, ends, values, now, duration, [1], deadline, energy=2.0)
    kwargs = {"now": minute(now), "deadline": minute(deadline) if deadline is not None else None}
    if slots_co2 is None:
        with pytest.raises(ScheduleError):
            plan(series, duration * 60.0, 2.0, interruptible=True, **kwargs)
        return
    result = plan(series, duration * 60.0, 2.0, interruptible=True, **kwargs)
    assert sum(s.co2_kg for s in result.slots) == pytest.approx(slots_co2, rel=1e-9, abs=1e-12)
    assert result.co2_best_kg == pytest.approx(slots_co2, rel=1e-9, abs=1e-12)
    assert sum((s.end - s.start).total_seconds() for s in result.slots) == pytest.approx(duration * 60.0)
    baseline = expected[min(expected)] if expected else asap_co2
    assert result.co2_now_kg == pytest.approx(baseline, rel=1e-9, abs=1e-12)
    assert result.co2_saved_kg == pytest.approx(baseline - slots_co2, rel=1e-6, abs=1e-9)
    limit = minute(min(ends[-1], deadline) if deadline is not None else ends[-1])
    assert all(minute(now) <= s.start < s.end <= limit for s in result.slots)
