"""Numbers checked at the edge: ``argparse`` types that refuse NaN, infinities and values out of range.

Each type turns a bad value into ``argparse.ArgumentTypeError``, which the parser prints as one line
naming the option (``error: argument --energy-kwh: must be a number in [0, 1e+09], not 1e308``), exit 2,
before anything is loaded or fitted. The bounds are sane limits, not physics: far above any real
job, low enough that every figure computed from them stays finite.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

from resque_core.errors import InputError

__all__ = [
    "INDEX_TOP",
    "MAX_DURATION_S",
    "MAX_ENERGY_KWH",
    "MAX_INTENSITY_G_PER_KWH",
    "MAX_MINUTES",
    "MAX_MONEY",
    "MAX_POWER_W",
    "MAX_TIMEOUT_S",
    "at_least",
    "check_index",
    "coverage",
    "target_accuracy",
    "target_drop",
    "duration_s",
    "energy_kwh",
    "finite_in",
    "index_value",
    "intensity_g_per_kwh",
    "money",
    "non_negative",
    "positive",
    "power_w",
    "seed",
    "share",
    "signed_share",
    "timeout_s",
    "unit_interval",
]

# RESQUE_dist is a mean angle over pi, in [0, 1]; RESQUE_task is 1 - ARI, and the ARI is at least -0.5.
INDEX_TOP = {"dist": 1.0, "task": 1.5}
MAX_ENERGY_KWH = 1e9  # 1 TWh: a whole job's (or an epoch's) energy
MAX_DURATION_S = 365 * 86400.0  # one year: a job, a horizon, an epoch
MAX_MINUTES = MAX_DURATION_S / 60  # a wall-clock budget in minutes
MAX_POWER_W = 1e9  # 1 GW: a machine's power at full load
MAX_INTENSITY_G_PER_KWH = 1e4  # the dirtiest grids are near 1,100 gCO2/kWh
MAX_MONEY = 1e9  # a price per kWh or per hour, in any currency
MAX_TIMEOUT_S = 3600.0  # one HTTP call


def _number(text: str, kind: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {kind}, not {text!r}") from None


def finite_in(
    low: float, high: float, *, low_open: bool = False, high_open: bool = False, kind: str | None = None
) -> Callable[[str], float]:
    """A float type accepting finite values between ``low`` and ``high`` (each end closed unless told open).

    ``kind`` says what is expected in the message (default: the interval).
    """
    kind = kind or f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"

    def parse(text: str) -> float:
        value = _number(text, kind)
        inside = math.isfinite(value) and (low < value if low_open else low <= value)
        if not (inside and (value < high if high_open else value <= high)):
            raise argparse.ArgumentTypeError(f"must be {kind}, not {text}")
        return value

    parse.__name__ = "number"
    return parse


def positive(high: float) -> Callable[[str], float]:
    """A finite float in (0, ``high``]: an energy, a duration, a power."""
    return finite_in(0.0, high, low_open=True)


def non_negative(high: float) -> Callable[[str], float]:
    """A finite float in [0, ``high``]: a price, a grid intensity."""
    return finite_in(0.0, high)


def at_least(low: int, high: int = 2**31 - 1) -> Callable[[str], int]:
    """An int type accepting ``low`` to ``high``: counts, epochs, seeds."""
    kind = f"a whole number from {low} to {high}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {kind}, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {kind}, not {text}")
        return value

    parse.__name__ = "count"
    return parse


seed = at_least(0, 2**32 - 1)  # numpy's seeds
unit_interval = finite_in(0.0, 1.0)  # an accuracy, a mean confidence
share = finite_in(0.0, 1.0, low_open=True)  # a share of something that must not be empty: (0, 1]
signed_share = finite_in(-1.0, 1.0)  # a difference of two accuracies: the accuracy drop
coverage = finite_in(0.5, 1.0, high_open=True)  # an interval's coverage (the forecaster's range)
target_accuracy = finite_in(0.0, 1.0, low_open=True, kind="an accuracy in (0, 1], e.g. 0.95")
target_drop = finite_in(0.0, 1.0, high_open=True, kind="a share in [0, 1), e.g. 0.02 for 2 points")
index_value = finite_in(0.0, INDEX_TOP["task"], kind="an index in [0, 1] (RESQUE_task: [0, 1.5])")  # check_index
energy_kwh = non_negative(MAX_ENERGY_KWH)  # 0: a job without energy (0 kg, nothing to save)
duration_s = positive(MAX_DURATION_S)
power_w = positive(MAX_POWER_W)
timeout_s = positive(MAX_TIMEOUT_S)
intensity_g_per_kwh = non_negative(MAX_INTENSITY_G_PER_KWH)
money = non_negative(MAX_MONEY)


def check_index(value: float, kind: str) -> None:
    """Refuse an index its kind cannot take (``--index`` is parsed before ``--kind`` is known)."""
    if not (math.isfinite(value) and 0.0 <= value <= INDEX_TOP[kind]):
        raise InputError(
            f"RESQUE_{kind} lies in [0, {INDEX_TOP[kind]:g}]: {{setting}} must too, not {value:g}", setting="index"
        )
