"""Numbers checked at the edge: a NaN, an infinity or a value out of range is one line naming the option, exit 2."""

from __future__ import annotations

import argparse

import pytest

from resque_core.commands import number_args as num
from resque_core.errors import InputError
from tests.commands.in_process import run_main

SCHEDULE = ("schedule", "--provider", "illustrative", "--zone", "DE", "--duration", "3h")
FORECAST = ("forecast", "--index", "0.1")


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (("forecast", "--index", "-0.5"), "--index"),
        (("forecast", "--index", "1e308"), "--index"),
        (("forecast", "--index", "nan"), "--index"),
        (("forecast", "--index", "1.2"), "--index"),  # RESQUE_dist lies in [0, 1]
        ((*FORECAST, "--kwh-per-epoch", "1e308"), "--kwh-per-epoch"),
        ((*FORECAST, "--kwh-per-epoch", "-1"), "--kwh-per-epoch"),
        ((*FORECAST, "--acc-drop", "1.5"), "--acc-drop"),
        ((*FORECAST, "--mean-conf", "inf"), "--mean-conf"),
        ((*FORECAST, "--level", "1"), "--level"),
        ((*FORECAST, "--level", "0.3"), "--level"),
        ((*FORECAST, "--watts", "inf"), "--watts"),
        ((*FORECAST, "--profile", "nvidia-a100-sxm", "--seconds-per-epoch", "nan"), "--seconds-per-epoch"),
        ((*FORECAST, "--intensity", "1e308"), "--intensity"),
        ((*FORECAST, "--price-per-kwh", "nan"), "--price-per-kwh"),
        ((*SCHEDULE, "--energy-kwh", "1e308"), "--energy-kwh"),
        ((*SCHEDULE, "--energy-kwh", "nan"), "--energy-kwh"),
        ((*SCHEDULE, "--energy-kwh", "1", "--timeout", "nan"), "--timeout"),
        (
            ("schedule", "--provider", "offline", "--zone", "DE", "--duration", "99999h", "--energy-kwh", "1"),
            "--duration",
        ),
        ((*SCHEDULE, "--energy-kwh", "1", "--horizon", "9000h"), "--horizon"),
        ((*SCHEDULE, "--energy-kwh", "1", "--api-url", "notaurl"), "--api-url"),
        ((*SCHEDULE, "--energy-kwh", "1", "--now", "0001-01-01T00:00Z"), "--now"),  # was an OverflowError
        ((*SCHEDULE, "--energy-kwh", "1", "--deadline", "9999-12-31T23:59Z"), "--deadline"),
        (("calibrate", "--demo", "--max-minutes", "nan"), "--max-minutes"),
        (("calibrate", "--demo", "--max-minutes", "inf"), "--max-minutes"),
        (("validate", "--base-acc", "nan"), "--base-acc"),
        (("index", "--seed", "-1"), "--seed"),
    ],
)
def test_a_bad_number_is_one_line_naming_the_option(capsys, argv, option):
    code, out, err = run_main(capsys, *argv)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and out == ""
    assert len(lines) == 1 and lines[0].startswith("error: ") and option in lines[0], err
    assert "Traceback" not in err


def test_the_schedule_that_printed_inf_kg_now_refuses_the_energy(capsys):
    code, out, err = run_main(capsys, *SCHEDULE, "--energy-kwh", "1e308")
    assert (code, out) == (2, "") and "inf" not in err and "nan" not in err
    assert "argument --energy-kwh: must be a number in [0, 1e+09], not 1e308" in err


def test_the_types_keep_what_is_in_range_and_refuse_the_rest():
    assert num.index_value("1.5") == 1.5 and num.unit_interval("0") == 0.0 and num.share("1") == 1.0
    assert num.energy_kwh("1e9") == 1e9 and num.duration_s("0.5") == 0.5 and num.seed("0") == 0
    for parse, text in [
        (num.energy_kwh, "1.0000001e9"),
        (num.energy_kwh, "-1e-9"),
        (num.share, "0"),
        (num.coverage, "0.49"),
        (num.seed, "1.5"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError, match="must be"):
            parse(text)


def test_an_index_is_checked_against_its_own_kind():
    num.check_index(1.2, "task")  # 1 - ARI, and the ARI can be as low as -0.5
    with pytest.raises(InputError, match=r"RESQUE_dist lies in \[0, 1\]: --index must too, not 1.2"):
        num.check_index(1.2, "dist")
