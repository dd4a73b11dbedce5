"""Benchmark: one small calibration sweep with the local executor, and on Ray with 1 and 2 workers.

The same jobs (the embedded digits, the default 0-9 model, ``--shifts`` at one seed, retraining and
from-scratch runs capped at ``--max-epochs``) run three times: here, one after another; on a local Ray
(``ray.init(num_cpus=2)``, started once, its start-up reported apart) with a pool of 1 worker; and with
2. Every run uses one torch thread, so the three do the same arithmetic (the records are compared too).

    .venv/bin/python bench/sweep.py [--shifts gaussian_noise:3,gaussian_blur:4,contrast:3,gaussian_noise:5]
                                    [--max-epochs 4] [--json]

Prints the wall time of each; Ray's overhead per run: (wall time at 1 worker - the seconds the worker spent
in its jobs - the worker's start) / runs, i.e. the calls and their results; the same with the start
(shipping the data to the worker, loading it) spread over the runs; the plain difference to the local
wall time (on a loaded machine mostly noise); and
``speedup_2_vs_1`` (Ray 1 worker / Ray 2 workers). ``--json`` ends with one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
import time

import torch

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from resque_core.calibration.campaigns import demo_sweep  # noqa: E402
from resque_core.calibration.config import SweepConfig  # noqa: E402
from resque_core.calibration.ray_executor import RayExecutor  # noqa: E402

SHIFTS = "gaussian_noise:3,gaussian_blur:4,contrast:3,gaussian_noise:5"
COMPARED = ("index_value", "target_acc", "epochs", "grad_norm", "param_change")


def timed(cfg: SweepConfig, executor=None) -> tuple[float, dict]:
    """Seconds the sweep took, and its records by (run kind, shift, seed)."""
    t0 = time.monotonic()
    result = demo_sweep(cfg, None, executor=executor)
    wall_s = time.monotonic() - t0
    assert not result.notes, result.notes
    return wall_s, {(r.run_kind, r.shift, r.seed): r.to_row() for r in result.rows}


def largest_difference(a: dict, b: dict) -> float:
    assert sorted(a) == sorted(b), "the executors made different runs"
    gaps = [abs((a[k][c] or 0.0) - (b[k][c] or 0.0)) for k in a for c in COMPARED]
    return max(gaps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shifts", default=SHIFTS)
    parser.add_argument("--max-epochs", type=int, default=4, help="cap of each retraining and from-scratch run")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import ray

    torch.set_num_threads(1)
    shifts = tuple(s for s in args.shifts.split(",") if s)
    cfg = SweepConfig(shifts=shifts, task_splits=(), seeds=(0,), max_epochs=args.max_epochs,
                      scratch_epochs=args.max_epochs, data_fraction=1.0)  # fmt: skip
    local_s, local = timed(cfg)
    t0 = time.monotonic()
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    init_s = time.monotonic() - t0
    one = RayExecutor(workers=1)
    one_s, on_one = timed(cfg, one)
    busy_s = sum(node["busy_s"] for node in one.nodes.values())
    two = RayExecutor(workers=2)
    two_s, on_two = timed(cfg, two)
    ray.shutdown()
    runs = len(local)
    figures = {
        "cases": len(shifts),
        "runs": runs,
        "max_epochs": args.max_epochs,
        "local_s": round(local_s, 2),
        "ray_init_s": round(init_s, 2),
        "ray_1_worker_s": round(one_s, 2),
        "ray_2_workers_s": round(two_s, 2),
        "local_per_run_s": round(local_s / runs, 2),
        "local_per_case_s": round(local_s / len(shifts), 2),
        "ray_1_worker_busy_s": round(busy_s, 2),
        "ray_worker_start_s": round(one.start_s, 2),
        "ray_overhead_per_run_s": round((one_s - busy_s - one.start_s) / runs, 2),
        "ray_overhead_with_start_per_run_s": round((one_s - busy_s) / runs, 2),
        "ray_minus_local_per_run_s": round((one_s - local_s) / runs, 2),
        "speedup_2_vs_1": round(one_s / two_s, 2),
        "ray_2_workers_busy_s": round(
            sum(node["busy_s"] for node in two.nodes.values()), 2
        ),  # > 1 worker's: contention
        "largest_record_difference": max(largest_difference(local, on_one), largest_difference(local, on_two)),
        "cpus": os.cpu_count(),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }
    for name, value in figures.items():
        print(f"{name:28s} {value}")
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
