"""Benchmark: what one forecast costs, first and again, and that the page's index is computed once.

The forecast step (``resque_core.forecast.pipeline``) keeps each fit per process. This times, in one
process: the first ``make_forecast`` on the shipped default calibration (the fit: every curve, held-out
check and signal set), the next ones (a kept fit: predict and price only), and a forecast from another
model family's records (``library shapes-resnet``: a second fit). Then ``python -m resque_core forecast
--index 0.04 --json`` as a fresh process (start-up, one fit, one forecast), the best of ``--repeats``.

    .venv/bin/python bench/forecast_step.py [--repeats 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from resque_core.forecast.costing import CostSettings  # noqa: E402
from resque_core.forecast.family import ModelFamily  # noqa: E402
from resque_core.forecast.pipeline import Evidence, choose_records, make_forecast  # noqa: E402


def _timed(call) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def in_process(repeats: int) -> dict:
    """Seconds of the first forecast (with its fit), of the next ones, and of another family's first."""
    evidence, cost = Evidence(index=0.04, acc_drop=0.05), CostSettings(intensity="zone", zone="DE")
    records = choose_records("default")
    first = _timed(lambda: make_forecast(evidence, records, cost))
    again = min(_timed(lambda: make_forecast(evidence, choose_records("default"), cost)) for _ in range(repeats))
    shapes = ModelFamily(arch="SmallResNet", n_params=0, input_size="32x32x3")
    other = _timed(lambda: make_forecast(evidence, choose_records("default", shapes), cost))
    return {"first_s": round(first, 3), "again_s": round(again, 4), "other_family_first_s": round(other, 3)}


def cli(repeats: int) -> float:
    """Wall seconds of a fresh ``forecast --index 0.04 --json`` process, the best of ``repeats``."""
    argv = [sys.executable, "-m", "resque_core", "forecast", "--index", "0.04", "--json"]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, check=True, capture_output=True, env=os.environ.copy())
        best = min(best, time.perf_counter() - start)
    return round(best, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = {**in_process(args.repeats), "cli_wall_s": cli(args.repeats), "load_average": os.getloadavg()}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
