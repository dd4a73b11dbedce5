"""How fast the low-carbon scheduler is on realistic series.

Cases: a 48-hour forecast at 5-minute steps (576 points, like Electricity Maps' 5_minutes
granularity) and a 7-day hourly series (168 points), for a 3-hour job, contiguous and
interruptible, with and without a 4-phase power profile. Prints one Markdown table row per case.

    .venv/bin/python bench/schedule.py [--repeat 7] [--number 20]
"""

from __future__ import annotations

import argparse
import math
import pathlib
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from resque_core.grid.base import build_series  # noqa: E402
from resque_core.grid.schedule import plan  # noqa: E402

T0 = datetime(2026, 11, 23, tzinfo=UTC)


def series_of(hours: int, step_s: int, seed: int = 0):
    """A daily-cycle intensity series with noise, gCO2eq/kWh."""
    rng = random.Random(seed)
    n = hours * 3600 // step_s
    starts = [T0 + timedelta(seconds=i * step_s) for i in range(n)]
    values = [250 + 120 * math.sin(2 * math.pi * i * step_s / 86400) + rng.uniform(-30, 30) for i in range(n)]
    return build_series(zone="DE", provider="bench", source="synthetic", starts=starts, values_g_per_kwh=values,
                        kinds="forecast", step_s=step_s)  # fmt: skip


def time_case(fn, repeat: int, number: int) -> tuple[float, float]:
    """(median, min) milliseconds per call."""
    fn()  # warm-up
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        for _ in range(number):
            fn()
        runs.append((time.perf_counter() - began) / number * 1000)
    return statistics.median(runs), min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=20)
    args = parser.parse_args()
    cases = [("48 h at 5 min", series_of(48, 300)), ("7 days hourly", series_of(168, 3600))]
    variants = [
        ("contiguous", {}),
        ("interruptible", {"interruptible": True}),
        ("contiguous, 4-phase profile", {"power_profile": [3, 2, 2, 1]}),
    ]
    print(f"python {platform.python_version()}, {platform.machine()}, repeat={args.repeat}, number={args.number}")
    print("| series | points | job | variant | starts scored | median ms | min ms |")
    print("|---|---|---|---|---|---|---|")
    for label, series in cases:
        for variant, kwargs in variants:
            result = plan(series, 3 * 3600, 1.2, now=T0, **kwargs)
            median_ms, min_ms = time_case(
                lambda s=series, k=kwargs: plan(s, 3 * 3600, 1.2, now=T0, **k), args.repeat, args.number
            )
            row = [
                label,
                len(series),
                "3 h, 1.2 kWh",
                variant,
                len(result.options),
                f"{median_ms:.2f}",
                f"{min_ms:.2f}",
            ]
            print("| " + " | ".join(str(x) for x in row) + " |")


if __name__ == "__main__":
    main()
